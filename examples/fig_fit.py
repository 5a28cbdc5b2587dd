#!/usr/bin/env python3
"""Figure: a fluxrope fit overlaid on what it was fitted to, one column per spacecraft: the
observed field (dots) and the best-fit model (lines) in GSE, and where observed n_e, T_par and
T_perp. The title lists the fitted parameters with their 1-sigma uncertainties.

Usage: python3 examples/fig_fit.py FIT.h5 [-o PNG]   (FIT.h5 from `fluxrope fit`)
"""
from fluxrope_plot import h5py, parse, plt, save

GSE = {"x": "tab:blue", "y": "tab:green", "z": "tab:red"}


def main():
    ap = parse(__doc__.splitlines()[0], "out/figures/fit.png")
    ap.set_defaults(synth="out/fit.h5")
    a = ap.parse_args()
    with h5py.File(a.synth, "r") as f:
        fit = f["fit"]
        names = fit.attrs["parameters"].split(",")
        value, sigma = fit["value"][:], fit["sigma"][:]
        tracks = [(k, fit["tracks"][k]) for k in fit["tracks"].keys()]
        fig, ax = plt.subplots(3, len(tracks), figsize=(3.9 * len(tracks), 8), sharex=True,
                               squeeze=False)
        for c, (name, g) in enumerate(tracks):
            t = g["time_s"][:]
            Bo, Bm = g["observed_B_gse_nT"][:], g["model_B_gse_nT"][:]
            for k, lab in enumerate("xyz"):
                ax[0, c].plot(t, Bo[:, k], ".", ms=3, color=GSE[lab])
                ax[0, c].plot(t, Bm[:, k], "-", color=GSE[lab], label=f"B_{lab}")
            # moments (where observed) on the FPI samples' times; "instrument": the forward
            # model is the ground-system moments of synthesized skymaps, "model": the model's
            tf = g["fpi_time_s"][:] if "fpi_time_s" in g else t
            kind = g.attrs.get("moments", "model")
            kind = kind.decode() if isinstance(kind, bytes) else kind
            if "observed_ne_cm3" not in g:
                for r in (1, 2):
                    ax[r, c].text(0.5, 0.5, "no moments observed", ha="center", va="center",
                                  transform=ax[r, c].transAxes, color="0.5")
            else:
                ax[1, c].plot(tf, g["model_ne_cm3"][:], "k-", label=f"forward model ({kind})")
                ax[1, c].plot(tf, g["observed_ne_cm3"][:], "k.", ms=3, label="observed")
            for key, col in (("T_par_eV", "tab:blue"), ("T_perp_eV", "tab:red")):
                if "observed_" + key in g:
                    ax[2, c].plot(tf, g["model_" + key][:], "-", color=col, label=key[:-3])
                    ax[2, c].plot(tf, g["observed_" + key][:], ".", ms=3, color=col)
            ax[0, c].set_title(name)
            ax[2, c].set_xlabel("t [s]")
            for r in range(3):
                ax[r, c].grid(alpha=0.3)
        ax[0, 0].set_ylabel("B GSE [nT]")
        ax[1, 0].set_ylabel("n_e [cm^-3]")
        ax[2, 0].set_ylabel("T_e [eV]")
        for r in range(3):
            for axis in ax[r]:
                if axis.get_legend_handles_labels()[0]:
                    axis.legend(fontsize=7)
        label = ", ".join(f"{n} = {v:.4g} +- {s:.2g}" for n, v, s in zip(names, value, sigma))
        fig.suptitle(f"fluxrope fit (dots: observed, lines: best fit)\n{label}", fontsize=8)
    fig.tight_layout()
    save(fig, a.output)


if __name__ == "__main__":
    main()
