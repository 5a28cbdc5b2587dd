#!/usr/bin/env python3
"""The radial profile of the equilibrium in a `fluxrope solve` or `synth` file (HDF5), as a PNG.

Usage: python3 examples/plot_profile.py FILE.h5 [-o PNG]
"""
from fluxrope_plot import UNITS, WIDTH, h5py, letters, parse, plt, save


def main():
    ap = parse(__doc__.splitlines()[0], "out/figures/profile.png")
    args = ap.parse_args()
    path = args.synth
    with h5py.File(path, "r") as f:
        p = f["profile"]
        rho = p["rho_km"][:]
        lst = p.attrs["L_st_km"]
        d = {k: p[k][:] for k in p.keys()}
        units = {k: p[k].attrs["units"] for k in p.keys()}
        dB = f["solver/max_dB_nT"][:]
    fig, ax = plt.subplots(2, 3, figsize=(WIDTH, 4.4), sharex=True)
    # what each dataset is, typeset
    label = {"Bz_nT": "$B_z$", "Bphi_nT": r"$B_\phi$", "ne_cm3": "$n_e$",
             "ne_b_cm3": "background", "ne_r_cm3": "rotating", "ne_z_cm3": "axial",
             "Ve_phi_km_s": r"$V_{e\phi}$", "Ve_z_km_s": "$V_{ez}$", "j_phi_nA_m2": r"$j_\phi$",
             "j_z_nA_m2": "$j_z$", "T_par_eV": r"$T_\parallel$", "T_perp_eV": r"$T_\perp$",
             "T_zz_eV": "$T_{zz}$", "Phi_V": r"$\Phi$"}
    unit = {"nT": UNITS["nT"], "cm^-3": UNITS["cm3"], "km/s": UNITS["km_s"],
            "nA/m^2": UNITS["nA_m2"], "eV": "eV", "V": "V"}
    def panel(a, keys, title):
        for k in keys:
            a.plot(rho, d[k], label=label[k])
        a.set_title(title)
        a.set_ylabel(f"[{unit.get(units[keys[0]], units[keys[0]])}]")
        if len(keys) > 1:
            a.legend()
        a.grid(alpha=0.3)
    panel(ax[0, 0], ["Bz_nT", "Bphi_nT"], "magnetic field")
    panel(ax[0, 1], ["ne_cm3", "ne_b_cm3", "ne_r_cm3", "ne_z_cm3"], "electron density (signed populations)")
    panel(ax[0, 2], ["Ve_phi_km_s", "Ve_z_km_s"], "electron bulk velocity")
    panel(ax[1, 0], ["j_phi_nA_m2", "j_z_nA_m2"], "current density")
    panel(ax[1, 1], ["T_par_eV", "T_perp_eV", "T_zz_eV"], "electron temperature")
    panel(ax[1, 2], ["Phi_V"], "electrostatic potential")
    for a in ax[1]:
        a.set_xlabel(r"$\rho$ [km]" + f"  ($L_{{st}}$ = {lst:.2f} km)")
    letters(ax)
    fig.suptitle(f"the equilibrium: {len(dB) - 1} gyro-centre passes, last max|dB| = {dB[-1]:.1e} nT")
    save(fig, args.output)


if __name__ == "__main__":
    main()
