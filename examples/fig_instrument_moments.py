#!/usr/bin/env python3
"""Figure (f): how far FPI ground-system moments sit from the model's true moments along the
four tracks (issue 8's instrument study). Lines: the model (moments of the solved profile);
dashed: the ground-system moments of the noise-free, response-averaged skymaps
(moments_fpi_model: finite energy range, coarse bins, 30 ms sweep); dots: the same from the
Poisson-noisy skymaps (moments_fpi: what an L2 moments file would hold). Bottom row: the
relative deviations (FPI - model) / model of n, T_par and T_perp, the model taken at the
centre of each accumulation (FPI values are drawn there; the model's at the time tags).

Usage: python3 examples/fig_instrument_moments.py SYNTH.h5 [-o PNG]
"""
from fluxrope_plot import h5py, np, parse, plt, save, tracks

GSE = {"x": "tab:blue", "y": "tab:green", "z": "tab:red"}


def main():
    a = parse(__doc__.splitlines()[0], "out/figures/f_instrument_moments.png").parse_args()
    with h5py.File(a.synth, "r") as f:
        trk = tracks(f)
        fig, ax = plt.subplots(4, len(trk), figsize=(3.9 * len(trk), 10.0), sharex=True,
                               sharey="row", squeeze=False)
        for c, (name, g) in enumerate(trk):
            t = g["time_s"][:]  # the model at the time tag (the start of the accumulation)
            tc = t + 0.5 * np.diff(t[:2]).item() if len(t) > 1 else t  # FPI: its centre
            fpi, fpm = g["moments_fpi"], g["moments_fpi_model"]
            ax[0, c].plot(t, g["ne_cm3"][:], "k", label="model")
            ax[0, c].plot(tc, fpm["n_cm3"][:], "k--", label="FPI, no noise")
            ax[0, c].plot(tc, fpi["n_cm3"][:], "k.", ms=3, label="FPI, counts")
            V, Vm, Vn = g["Ve_gse_km_s"][:], fpm["V_gse_km_s"][:], fpi["V_gse_km_s"][:]
            for k, lab in enumerate("xyz"):
                ax[1, c].plot(t, V[:, k], color=GSE[lab], label=f"V_{lab}")
                ax[1, c].plot(tc, Vm[:, k], "--", color=GSE[lab])
                ax[1, c].plot(tc, Vn[:, k], ".", ms=3, color=GSE[lab])
            for key, col in (("T_par_eV", "tab:blue"), ("T_perp_eV", "tab:red")):
                ax[2, c].plot(t, g[key][:], color=col, label=key[:-3])
                ax[2, c].plot(tc, fpm[key][:], "--", color=col)
                ax[2, c].plot(tc, fpi[key][:], ".", ms=3, color=col)
                model_c = np.interp(tc, t, g[key][:])  # the model at the accumulation centre
                rel = (fpm[key][:] - model_c) / model_c
                ax[3, c].plot(tc, 100 * rel, "--", color=col, label=key[:-3])
            n_c = np.interp(tc, t, g["ne_cm3"][:])
            ax[3, c].plot(tc, 100 * (fpm["n_cm3"][:] - n_c) / n_c, "k--", label="n")
            ax[0, c].set_title(name)
            ax[3, c].set_xlabel("t [s]")
            for r in range(4):
                ax[r, c].grid(alpha=0.3)
            ax[3, c].axhline(0, color="0.6", lw=0.5)
        ax[0, 0].set_ylabel("n_e [cm^-3]")
        ax[1, 0].set_ylabel("V_e (spacecraft frame, GSE) [km/s]")
        ax[2, 0].set_ylabel("T_e [eV]")
        ax[3, 0].set_ylabel("(FPI - model) / model [%]")
        for r in range(4):
            ax[r, -1].legend(fontsize=7, loc="best")
    fig.suptitle("FPI ground-system moments vs the model: lines model, dashed noise-free "
                 "skymaps, dots Poisson counts", fontsize=10)
    fig.tight_layout()
    save(fig, a.output)


if __name__ == "__main__":
    main()
