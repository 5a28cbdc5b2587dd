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
from fluxrope_plot import UNITS, WIDTH, h5py, letters, np, parse, plt, save, time_axis, tracks, utc

GSE = {"x": "tab:blue", "y": "tab:green", "z": "tab:red"}
TEX = {"T_par_eV": r"$T_\parallel$", "T_perp_eV": r"$T_\perp$"}


def main():
    a = parse(__doc__.splitlines()[0], "out/figures/f_instrument_moments.png").parse_args()
    with h5py.File(a.synth, "r") as f:
        trk = tracks(f)
        fig, ax = plt.subplots(4, len(trk), figsize=(WIDTH, 6.6), sharex=True,
                               sharey="row", squeeze=False)
        for c, (name, g) in enumerate(trk):
            t = g["time_s"][:]  # the model at the time tag (the start of the accumulation)
            tc = t + 0.5 * np.diff(t[:2]).item() if len(t) > 1 else t  # FPI: its centre
            T, Tc = utc(f, t), utc(f, tc)  # the times drawn: UTC
            fpi, fpm = g["moments_fpi"], g["moments_fpi_model"]
            ax[0, c].plot(T, g["ne_cm3"][:], "k", label="model")
            ax[0, c].plot(Tc, fpm["n_cm3"][:], "k--", label="FPI, no noise")
            ax[0, c].plot(Tc, fpi["n_cm3"][:], "k.", ms=3, label="FPI, counts")
            V, Vm, Vn = g["Ve_gse_km_s"][:], fpm["V_gse_km_s"][:], fpi["V_gse_km_s"][:]
            for k, lab in enumerate("xyz"):
                ax[1, c].plot(T, V[:, k], color=GSE[lab], label=f"$V_{lab}$")
                ax[1, c].plot(Tc, Vm[:, k], "--", color=GSE[lab])
                ax[1, c].plot(Tc, Vn[:, k], ".", ms=3, color=GSE[lab])
            for key, col in (("T_par_eV", "tab:blue"), ("T_perp_eV", "tab:red")):
                ax[2, c].plot(T, g[key][:], color=col, label=TEX[key])
                ax[2, c].plot(Tc, fpm[key][:], "--", color=col)
                ax[2, c].plot(Tc, fpi[key][:], ".", ms=3, color=col)
                model_c = np.interp(tc, t, g[key][:])  # the model at the accumulation centre
                rel = (fpm[key][:] - model_c) / model_c
                ax[3, c].plot(Tc, 100 * rel, "--", color=col, label=TEX[key])
            n_c = np.interp(tc, t, g["ne_cm3"][:])
            ax[3, c].plot(Tc, 100 * (fpm["n_cm3"][:] - n_c) / n_c, "k--", label="$n_e$")
            ax[0, c].set_title(name)
            time_axis(ax[3, c], f)
            ax[3, c].tick_params(axis="x", labelrotation=30)
            for r in range(4):
                ax[r, c].grid(alpha=0.3)
            ax[3, c].axhline(0, color="0.6", lw=0.5)
        ax[0, 0].set_ylabel(f"$n_e$ [{UNITS['cm3']}]")
        ax[1, 0].set_ylabel(f"$V_e$ (GSE) [{UNITS['km_s']}]")
        ax[2, 0].set_ylabel(f"$T_e$ [{UNITS['eV']}]")
        ax[3, 0].set_ylabel("(FPI - model) / model [%]")
        for r in range(4):
            ax[r, -1].legend(loc="best")
        letters(ax)
    fig.suptitle("FPI ground-system moments against the model: lines the model, dashed the "
                 "noise-free skymaps, dots the Poisson counts")
    save(fig, a.output)


if __name__ == "__main__":
    main()
