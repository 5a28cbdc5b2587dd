#!/usr/bin/env python3
"""Figure (d): pitch-angle spectrograms from the synthetic FPI skymaps (Yang et al. 2022, their
Figure 5), one column per spacecraft: |B| for reference, then the instrument-style PAD
(skymap bins by the pitch angle of their centre velocity, unweighted mean per 10-degree bin,
spacecraft frame) in the channels at 32, 40, 66 and 85 eV. Colour: phase-space density divided
by its mean over pitch angle at that time, so parallel/antiparallel asymmetry (outside the
rope) and perpendicular concentration (inside) read directly.

Usage: python3 examples/fig_pad_spectrograms.py SYNTH.h5 [-o PNG] [--energies 32 40 66 85]
"""
from fluxrope_plot import channel, h5py, np, parse, pitch_normalized, plt, save, tracks


def main():
    ap = parse(__doc__.splitlines()[0], "out/figures/d_pad_spectrograms.png")
    ap.add_argument("--energies", type=float, nargs="+", default=[32, 40, 66, 85], help="[eV]")
    a = ap.parse_args()
    with h5py.File(a.synth, "r") as f:
        trk = tracks(f)
        n_rows = 1 + len(a.energies)
        fig, ax = plt.subplots(n_rows, len(trk), figsize=(3.9 * len(trk), 1.9 * n_rows + 0.8),
                               sharex=True, squeeze=False, layout="constrained")
        for c, (name, g) in enumerate(trk):
            t = g["time_s"][:]
            E = g["energy_eV"][:]
            pad = g["pad_s3_cm6"][:]  # (N, energy, pitch)
            pitch = g["pitch_deg"][:]
            ax[0, c].plot(t, np.linalg.norm(g["B_gse_nT"][:], axis=1), "k")
            ax[0, c].set_title(name)
            ax[0, c].grid(alpha=0.3)
            for r, target in enumerate(a.energies, start=1):
                i = channel(E, target)
                m = ax[r, c].pcolormesh(t, pitch, pitch_normalized(pad[:, i, :]).T, shading="nearest",
                                        cmap="RdYlBu_r", vmin=0.75, vmax=1.25)
                ax[r, c].set_yticks([0, 45, 90, 135, 180])
                if c == 0:
                    ax[r, c].set_ylabel(f"{target:.0f} eV\n({E[0, i]:.1f}/{E[1, i]:.1f})\npitch [deg]",
                                        fontsize=8)
            ax[-1, c].set_xlabel("t [s]")
        ax[0, 0].set_ylabel("|B| [nT]")
        fig.colorbar(m, ax=ax.ravel().tolist(), label="f / (mean of f over pitch angle)", shrink=0.5)
    fig.suptitle("instrument-style PADs of the synthetic skymaps (spacecraft frame; the two burst "
                 "energy tables alternate sample by sample)", fontsize=10)
    save(fig, a.output)


if __name__ == "__main__":
    main()
