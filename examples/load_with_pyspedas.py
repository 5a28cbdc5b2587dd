#!/usr/bin/env python3
"""Load fluxrope's exported MMS L2 files with pySPEDAS, as for real data, and plot what a user
plots first: the FGM field, the DES omni energy spectrogram and density, and a pitch-angle
distribution at the closest approach (mms_pad_fpi).

    python -m fluxrope export-cdf out/mms_2015-10-19.h5 --root out/mms_data
    python3 examples/load_with_pyspedas.py out/mms_data -o out/figures/pyspedas.png

Needs pySPEDAS 2.2.2 (pip install "fluxrope[readers]"; see README "From Python").
"""
import argparse
import os


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", help="the MMS data folder export-cdf wrote")
    ap.add_argument("--probe", default="1")
    ap.add_argument("--trange", nargs=2, default=["2015-10-19/14:07:56", "2015-10-19/14:07:57"])
    ap.add_argument("-o", "--output", default="out/figures/pyspedas.png")
    a = ap.parse_args()
    os.environ["MMS_DATA_DIR"] = a.root  # before pyspedas reads its configuration
    import numpy as np
    from fluxrope_plot import plt, save  # matplotlib on files (Agg)
    from pyspedas import get_data, store_data
    from pyspedas.projects import mms
    from pyspedas.projects.mms.fpi_tools.mms_get_fpi_dist import mms_get_fpi_dist
    from pyspedas.projects.mms.fpi_tools.mms_pad_fpi import mms_pad_fpi

    p = a.probe
    mms.fgm(trange=a.trange, probe=p, data_rate="brst", no_update=True)
    mms.fpi(trange=a.trange, probe=p, data_rate="brst", datatype=["des-dist", "des-moms"],
            no_update=True)
    b = get_data(f"mms{p}_fgm_b_gse_brst_l2")
    n = get_data(f"mms{p}_des_numberdensity_brst")
    omni = get_data(f"mms{p}_des_energyspectr_omni_brst")
    dists = mms_get_fpi_dist(f"mms{p}_des_dist_brst", probe=p, data_rate="brst", species="e")
    # closest approach: largest |B| (FGM at 128 Hz), and the skymap whose 30 ms hold it
    t_peak = b.times[int(np.argmax(b.y[:, 3]))]
    starts = np.array([float(d["start_time"]) for d in dists])
    k = int(np.argmin(np.abs(starts + 0.015 - t_peak)))
    t = starts[k]
    b_k = [np.interp(t + 0.015, b.times, b.y[:, c]) for c in range(3)]  # B at the record's centre
    x = t + np.linspace(-0.1, 0.1, 21)
    store_data("b_at_k", data={"x": x, "y": np.tile(b_k, (len(x), 1))})
    pad = mms_pad_fpi(dists, time=t, samples=1, mag_data="b_at_k", units="df_cm")

    t0 = b.times[0]
    fig, ax = plt.subplots(4, 1, figsize=(7, 10))
    for c, lab in enumerate(["Bx", "By", "Bz", "|B|"]):
        ax[0].plot(b.times - t0, b.y[:, c], label=lab)
    ax[0].set_ylabel("B GSE [nT]")
    ax[0].legend(fontsize=7, ncol=4)
    ax[1].plot(n.times - t0, n.y, "k")
    ax[1].set_ylabel("n_e [cm^-3]")
    with np.errstate(divide="ignore"):
        log_def = np.where(omni.y > 0, np.log10(np.where(omni.y > 0, omni.y, 1.0)), np.nan)
    m = ax[2].pcolormesh(omni.times - t0, omni.v[0], log_def.T, shading="auto")
    ax[2].set_yscale("log")
    ax[2].set_ylabel("E [eV]")
    fig.colorbar(m, ax=ax[2], label="log10 DEF")
    for x_ax in ax[:3]:
        x_ax.set_xlabel("s after the first record")
    m = ax[3].pcolormesh(pad["pa"], pad["egy"], np.log10(np.where(pad["data"] > 0, pad["data"], np.nan)),
                         shading="auto")
    ax[3].set_yscale("log")
    ax[3].set_xlabel("pitch angle [deg]")
    ax[3].set_ylabel("E [eV]")
    fig.colorbar(m, ax=ax[3], label="log10 f [s^3/cm^6]")
    ax[0].set_title(f"MMS{p} (SYNTHETIC, fluxrope) loaded with pySPEDAS")
    fig.tight_layout()
    save(fig, a.output)  # examples/fluxrope_plot.py


if __name__ == "__main__":
    main()
