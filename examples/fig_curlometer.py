#!/usr/bin/env python3
"""The paper's Figure 4 from the users' own tools: pyrfu's curlometer (pyrf.c_4_j) on the
exported FGM (128 Hz) and MEC files of the four spacecraft, and j = n_e e (V_i - V_e) from MMS1's
exported DIS and DES moments (when the export has DIS files), in L, M, N, against the model's
current density j = -e n_e V_e along each spacecraft's track (the lines of examples/fig_current.py).

    python -m fluxrope export-cdf out/mms_2015-10-19.h5 --root out/mms_data
    python3 examples/fig_curlometer.py out/mms_data out/mms_2015-10-19.h5 -o out/figures/curlometer.png

The curlometer estimates j at the tetrahedron's barycentre from a linear fit of B; its error for
this 10 km tetrahedron in the 19 km-scale rope is bounded in tests/python/test_readers.py
(docs/python.md "The MMS Level-2 files"). Needs pyrfu (pip install "fluxrope[readers]").
"""
import argparse
import tomllib

import numpy as np

TINT = ["2015-10-19T14:07:56.000", "2015-10-19T14:07:57.000"]
TINT_MEC = ["2015-10-19T14:07:00.000", "2015-10-19T14:09:00.000"]  # MEC: one record per 30 s


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", help="the MMS data folder export-cdf wrote")
    ap.add_argument("synth", help="the fluxrope synth file it was exported from (the model lines)")
    ap.add_argument("-o", "--output", default="out/figures/curlometer.png")
    a = ap.parse_args()
    import fluxrope
    from fluxrope_plot import COLUMN, SC_COLOURS, h5py, letters, plt, save, time_axis

    def fluxrope_file(path):  # the synth file's attributes (its t0_utc) for the time axis
        with h5py.File(path, "r") as f:
            return type("File", (), {"attrs": dict(f.attrs)})
    from pyrfu import mms, pyrf
    def get(name, tint, probe):  # the folder per call: nothing written (docs/python.md)
        return mms.get_data(name, tint, probe, data_path=a.root, source="local")
    b = [get("b_gse_fgm_brst_l2", TINT, i) for i in (1, 2, 3, 4)]
    r = [pyrf.resample(get("r_gse_mec_srvy_l2", TINT_MEC, i), b[0]) for i in (1, 2, 3, 4)]
    b = [pyrf.resample(x, b[0]) for x in b]
    j = np.asarray(pyrf.c_4_j(r, b)[0]) * 1e9  # nA/m^2, GSE
    _, tracks = fluxrope.read(a.synth)
    first = next(iter(tracks.values()))
    geometry = tomllib.loads(first.attrs["config_toml"])["geometry"]
    lmn = np.array([np.asarray(geometry[k], float) / np.linalg.norm(geometry[k])
                    for k in ("L_gse", "M_gse", "N_gse")])
    j_lmn = j @ lmn.T
    t_fgm = b[0].time.values  # UTC (FGM at 128 Hz from the first FPI record on)
    # j = n_e e (V_i - V_e) from MMS1's moments: each DIS record with the DES record at its
    # centre (pyrfu tags both at their accumulations' centres)
    j_moms = None
    try:
        vi = get("vi_gse_fpi_brst_l2", TINT, 1)
    except Exception:  # an export without DIS files (pyrfu raises its own kinds)
        vi = None
    if vi is not None and len(vi.time):
        ve = get("ve_gse_fpi_brst_l2", TINT, 1).sel(time=vi.time)
        ne = get("ne_fpi_brst_l2", TINT, 1).sel(time=vi.time)
        e = 1.602176634e-19
        j_moms = (ne.values[:, None] * 1e6 * e * (vi.values - ve.values) * 1e12) @ lmn.T
        t_moms = vi.time.values
    fig, ax = plt.subplots(3, 1, figsize=(COLUMN, 5.0), sharex=True)
    for k, lab in enumerate("LMN"):
        ax[k].plot(t_fgm, j_lmn[:, k], color="0.3", lw=2.0, alpha=0.6, label="curlometer (pyrfu)")
        for s, (name, ds) in enumerate(tracks.items()):
            # the model at the centre of each accumulation (15 ms after its time tag)
            ax[k].plot(ds["time"].values + np.timedelta64(15, "ms"), ds["j_lmn_nA_m2"].values[:, k],
                       color=SC_COLOURS[s], lw=0.8, label=f"model, {name}")
        if j_moms is not None:
            ax[k].plot(t_moms, j_moms[:, k], "ks", ms=2.5, label=r"$n_e e (V_i - V_e)$, MMS1")
        ax[k].set_ylabel(rf"$j_{lab}$ [nA m$^{{-2}}$]")
        ax[k].axhline(0, color="0.6", lw=0.5)
        ax[k].grid(alpha=0.3)
    ax[0].legend(ncol=2, fontsize=6, loc="lower left")
    ax[0].set_title("current density: curlometer (FGM + MEC), moments (DIS + DES), model")
    time_axis(ax[2], fluxrope_file(a.synth))
    ax[2].tick_params(axis="x", labelrotation=30)
    letters(ax)
    save(fig, a.output)


if __name__ == "__main__":
    main()
