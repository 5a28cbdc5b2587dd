#!/usr/bin/env python3
"""Figure (e): energy x pitch-angle slices of the dense gyro-averaged PAD cube (docs/model.md
section 10, spacecraft frame) of one spacecraft, outside the rope (the first sample) and
inside it (the sample nearest the axis). Top: the phase-space density divided by its mean over
pitch angle at each energy; bottom: cuts at a few energies (dashed lines above). There the two
anisotropies of Yang et al. 2022 separate: antiparallel > parallel outside (eq. 6, from the spacecraft's motion along
B, log ratio ~ v) and T_par > T_perp there (eq. 7, log ratio ~ v^2); perpendicular
concentration inside at tens of eV, fading at higher energies.

Usage: python3 examples/fig_pad_slice.py SYNTH.h5 [-o PNG] [--spacecraft MMS1] [--emax 2000]
"""
from fluxrope_plot import h5py, np, parse, pitch_normalized, plt, save


def main():
    ap = parse(__doc__.splitlines()[0], "out/figures/e_pad_slice.png")
    ap.add_argument("--spacecraft", default="MMS1")
    ap.add_argument("--emax", type=float, default=2000.0, help="highest energy shown [eV]")
    ap.add_argument("--cuts", type=float, nargs="+", default=[32, 66, 150, 500],
                    help="energies of the line cuts [eV] (nearest dense-PAD energy)")
    a = ap.parse_args()
    with h5py.File(a.synth, "r") as f:
        g = f["tracks"][a.spacecraft]
        t = g["time_s"][:]
        rho = g["rho_km"][:]
        F = g["pad_gyro_s3_cm6"][:]  # (N, E, Q)
        E = g["pad_gyro_energy_eV"][:]
        pitch = g["pad_gyro_pitch_deg"][:]
        keep = E <= a.emax
        picks = [("outside", 0), ("inside", int(np.argmin(rho)))]
        fig, ax = plt.subplots(2, 2, figsize=(11, 8.5), sharex=True, layout="constrained")
        cut_colours = plt.get_cmap("plasma")(np.linspace(0, 0.85, len(a.cuts)))
        for c, (where, n) in enumerate(picks):
            m = ax[0, c].pcolormesh(pitch, E[keep], pitch_normalized(F[n, keep, :]), shading="nearest",
                                    cmap="RdYlBu_r", vmin=0.5, vmax=1.5)
            ax[0, c].set_yscale("log")
            ax[0, c].set_title(f"{a.spacecraft} {where}: t = {t[n]:+.2f} s, rho = {rho[n]:.1f} km")
            for target, colour in zip(a.cuts, cut_colours):
                i = int(np.argmin(abs(np.log(E / target))))
                ax[1, c].plot(pitch, pitch_normalized(F[n, i, :]), color=colour, label=f"{E[i]:.0f} eV")
                ax[0, c].axhline(E[i], color=colour, lw=0.8, ls="--")
            ax[1, c].axhline(1, color="0.6", lw=0.5)
            ax[1, c].set_xticks([0, 45, 90, 135, 180])
            ax[1, c].set_xlabel("pitch angle [deg]")
            ax[1, c].grid(alpha=0.3)
        ax[0, 0].set_ylabel("energy (spacecraft frame) [eV]")
        ax[1, 0].set_ylabel("f / (mean of f over pitch angle)")
        ax[1, 1].legend(fontsize=8)
        fig.colorbar(m, ax=ax[0, :].tolist(), label="f / (mean of f over pitch angle)")
    save(fig, a.output)


if __name__ == "__main__":
    main()
