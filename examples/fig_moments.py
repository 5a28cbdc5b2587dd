#!/usr/bin/env python3
"""Figure (b): what each spacecraft sees of the model (Yang et al. 2022, their Figure 3), one
column per spacecraft: B in LMN, the electron density, the electron velocity relative to the
ions (V_e - V_i in LMN: the rope-frame electron velocity) and T_perp, T_par.

Usage: python3 examples/fig_moments.py SYNTH.h5 [-o PNG]
"""
from fluxrope_plot import LMN_COLOURS, h5py, parse, plt, save, tracks


def main():
    a = parse(__doc__.splitlines()[0], "out/figures/b_moments.png").parse_args()
    with h5py.File(a.synth, "r") as f:
        trk = tracks(f)
        fig, ax = plt.subplots(4, len(trk), figsize=(3.9 * len(trk), 9.5), sharex=True,
                               sharey="row", squeeze=False)
        for c, (name, g) in enumerate(trk):
            t = g["time_s"][:]
            B = g["B_lmn_nT"][:]
            dV = g["Ve_minus_Vi_lmn_km_s"][:]
            for k, lab in enumerate("LMN"):
                ax[0, c].plot(t, B[:, k], color=LMN_COLOURS[lab], label=f"B_{lab}")
                ax[2, c].plot(t, dV[:, k], color=LMN_COLOURS[lab], label=f"(V_e - V_i)_{lab}")
            ax[1, c].plot(t, g["ne_cm3"][:], color="k")
            ax[3, c].plot(t, g["T_perp_eV"][:], color="tab:red", label="T_perp")
            ax[3, c].plot(t, g["T_par_eV"][:], color="tab:blue", label="T_par")
            ax[0, c].set_title(name)
            ax[3, c].set_xlabel("t [s]")
            for r in range(4):
                ax[r, c].grid(alpha=0.3)
                ax[r, c].axhline(0, color="0.6", lw=0.5) if r in (0, 2) else None
        ax[0, 0].set_ylabel("B [nT]")
        ax[1, 0].set_ylabel("n_e [cm^-3]")
        ax[2, 0].set_ylabel("V_e - V_i [km/s]")
        ax[3, 0].set_ylabel("T_e [eV]")
        for r in (0, 2, 3):
            ax[r, -1].legend(fontsize=7, loc="upper right")
    fig.suptitle("model along the four tracks (rope frame moments; B projected on the given L, M, N)",
                 fontsize=10)
    fig.tight_layout()
    save(fig, a.output)


if __name__ == "__main__":
    main()
