#!/usr/bin/env python3
"""Figure (c): the model's current density j = -e n_e V_e along the four tracks, L, M and N
components (Yang et al. 2022, their Figure 4, red lines), the spacecraft overlaid.

Usage: python3 examples/fig_current.py SYNTH.h5 [-o PNG]
"""
from fluxrope_plot import COLUMN, UNITS, letters, time_axis, utc, SC_COLOURS, h5py, parse, plt, save, tracks


def main():
    a = parse(__doc__.splitlines()[0], "out/figures/c_current.png").parse_args()
    with h5py.File(a.synth, "r") as f:
        trk = tracks(f)
        fig, ax = plt.subplots(3, 1, figsize=(COLUMN, 4.6), sharex=True)
        for s, (name, g) in enumerate(trk):
            t = utc(f, g["time_s"][:])
            j = g["j_lmn_nA_m2"][:]
            for k in range(3):
                ax[k].plot(t, j[:, k], color=SC_COLOURS[s], label=name)
        for k, lab in enumerate("LMN"):
            ax[k].set_ylabel(f"$j_{lab}$ [{UNITS['nA_m2']}]")
            ax[k].axhline(0, color="0.6", lw=0.5)
            ax[k].grid(alpha=0.3)
        ax[1].legend(ncol=2, loc="lower left", handlelength=1.2, columnspacing=0.8)
        ax[0].set_title("model current density along the tracks")
        time_axis(ax[2], f)
        ax[2].tick_params(axis="x", labelrotation=30)
        letters(ax)
    save(fig, a.output)


if __name__ == "__main__":
    main()
