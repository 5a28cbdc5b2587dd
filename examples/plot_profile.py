#!/usr/bin/env python3
"""The radial profile of the equilibrium in a `fluxrope solve` or `synth` file (HDF5), as a PNG.

Usage: python3 examples/plot_profile.py FILE.h5 [-o PNG]
"""
from fluxrope_plot import h5py, parse, plt, save


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
    fig, ax = plt.subplots(2, 3, figsize=(13, 7), sharex=True)
    def panel(a, keys, title):
        for k in keys:
            a.plot(rho, d[k], label=k)
        a.set_title(title)
        a.set_ylabel(units[keys[0]])
        a.legend(fontsize=8)
        a.grid(alpha=0.3)
    panel(ax[0, 0], ["Bz_nT", "Bphi_nT"], "magnetic field")
    panel(ax[0, 1], ["ne_cm3", "ne_b_cm3", "ne_r_cm3", "ne_z_cm3"], "electron density")
    panel(ax[0, 2], ["Ve_phi_km_s", "Ve_z_km_s"], "electron bulk velocity")
    panel(ax[1, 0], ["j_phi_nA_m2", "j_z_nA_m2"], "current density")
    panel(ax[1, 1], ["T_par_eV", "T_perp_eV", "T_zz_eV"], "electron temperature")
    panel(ax[1, 2], ["Phi_V"], "electrostatic potential")
    for a in ax[1]:
        a.set_xlabel(f"rho [km]   (L_st = {lst:.3f} km)")
    fig.suptitle(f"{path}: {len(dB) - 1} gyro-centre passes, last max|dB| = {dB[-1]:.2e} nT")
    fig.tight_layout()
    save(fig, args.output)


if __name__ == "__main__":
    main()
