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
from matplotlib.colors import LogNorm

from fluxrope_plot import UNITS, WIDTH, h5py, letters, np, parse, pitch_normalized, plt, save, utc


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
        fig, ax = plt.subplots(3, 2, figsize=(WIDTH, 7.0), sharex=True)
        cut_colours = plt.get_cmap("plasma")(np.linspace(0, 0.85, len(a.cuts)))
        f_hi = np.nanmax(F[[n for _, n in picks]][:, keep])
        for c, (where, n) in enumerate(picks):
            # absolute f (energy x pitch), then the same normalized by its mean over pitch
            m_abs = ax[0, c].pcolormesh(pitch, E[keep], F[n, keep, :], shading="nearest",
                                        cmap="viridis", norm=LogNorm(vmin=f_hi * 1e-9, vmax=f_hi))
            m = ax[1, c].pcolormesh(pitch, E[keep], pitch_normalized(F[n, keep, :]), shading="nearest",
                                    cmap="RdYlBu_r", vmin=0.5, vmax=1.5)
            when = utc(f, t[n])[0].strftime("%H:%M:%S.%f")[:11]
            ax[0, c].set_title(f"{a.spacecraft} {where}: {when} UT, " + r"$\rho$" + f" = {rho[n]:.1f} km")
            for r in (0, 1):
                ax[r, c].set_yscale("log")
            for target, colour in zip(a.cuts, cut_colours):
                i = int(np.argmin(abs(np.log(E / target))))
                ax[2, c].plot(pitch, pitch_normalized(F[n, i, :]), color=colour, label=f"{E[i]:.0f} eV")
                ax[1, c].axhline(E[i], color=colour, lw=0.8, ls="--")
            ax[2, c].axhline(1, color="0.6", lw=0.5)
            ax[2, c].set_xticks([0, 45, 90, 135, 180])
            ax[2, c].set_xlabel("pitch angle [deg]")
            ax[2, c].grid(alpha=0.3)
        for r in (0, 1):
            ax[r, 0].set_ylabel("energy (spacecraft frame) [eV]")
        ax[2, 0].set_ylabel("f / (mean of f over pitch)")
        ax[2, 1].legend()
        fig.colorbar(m_abs, ax=ax[0, :].tolist(), label=f"gyro-averaged f [{UNITS['s3_cm6']}]")
        fig.colorbar(m, ax=ax[1, :].tolist(), label="f / (mean of f over pitch)")
        letters(ax)
    save(fig, a.output)


if __name__ == "__main__":
    main()
