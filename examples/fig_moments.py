#!/usr/bin/env python3
"""Figure (b): what each spacecraft sees of the model (Yang et al. 2022, their Figure 3), one
column per spacecraft: B in LMN, the electron density, the electron velocity relative to the
ions (V_e - V_i in LMN: the rope-frame electron velocity) and T_perp, T_par.

Usage: python3 examples/fig_moments.py SYNTH.h5 [-o PNG]
"""
from fluxrope_plot import LMN_COLOURS, UNITS, WIDTH, h5py, letters, parse, plt, save, time_axis, tracks, utc


def main():
    a = parse(__doc__.splitlines()[0], "out/figures/b_moments.png").parse_args()
    with h5py.File(a.synth, "r") as f:
        trk = tracks(f)
        fig, ax = plt.subplots(4, len(trk), figsize=(WIDTH, 6.2), sharex=True,
                               sharey="row", squeeze=False)
        for c, (name, g) in enumerate(trk):
            t = utc(f, g["time_s"][:])
            B = g["B_lmn_nT"][:]
            dV = g["Ve_minus_Vi_lmn_km_s"][:]
            for k, lab in enumerate("LMN"):
                ax[0, c].plot(t, B[:, k], color=LMN_COLOURS[lab], label=f"$B_{lab}$")
                ax[2, c].plot(t, dV[:, k], color=LMN_COLOURS[lab], label=f"$(V_e - V_i)_{lab}$")
            ax[1, c].plot(t, g["ne_cm3"][:], color="k")
            ax[3, c].plot(t, g["T_perp_eV"][:], color="tab:red", label=r"$T_\perp$")
            ax[3, c].plot(t, g["T_par_eV"][:], color="tab:blue", label=r"$T_\parallel$")
            ax[0, c].set_title(name)
            time_axis(ax[3, c], f)
            ax[3, c].tick_params(axis="x", labelrotation=30)
            for r in range(4):
                ax[r, c].grid(alpha=0.3)
                ax[r, c].axhline(0, color="0.6", lw=0.5) if r in (0, 2) else None
        ax[0, 0].set_ylabel(f"B [{UNITS['nT']}]")
        ax[1, 0].set_ylabel(f"$n_e$ [{UNITS['cm3']}]")
        ax[2, 0].set_ylabel(f"$V_e - V_i$ [{UNITS['km_s']}]")
        ax[3, 0].set_ylabel(f"$T_e$ [{UNITS['eV']}]")
        for r in (0, 2, 3):
            ax[r, -1].legend(loc="upper right")
        letters(ax)
    fig.suptitle("the model along the four tracks (B projected on the given L, M, N)")
    save(fig, a.output)


if __name__ == "__main__":
    main()
