#!/usr/bin/env python3
"""Worked study (issue 12): how far the FPI ground-system moments sit from the model's true
moments across rope speed and impact parameter for the 2015-10-19 rope. A Dask sweep over the
rope's speed (the default velocity scaled) and the axis distance of the spacecraft formation;
each member synthesizes the four spacecraft's skymaps with the instrument response and
computes the ground-system moments; the figure maps the median bias of MMS1's density,
temperatures and velocity over its crossing.

    build/venv/bin/python examples/study_instrument_bias.py -o out/figures/study_bias.png
    (--scheduler tcp://host:8786 runs it on an existing Dask cluster; member files and
    summary.nc go to --out, and a re-run reuses the members already there)
"""
import argparse

import numpy as np

import fluxrope

DEFAULT_V = np.array([-29.1, 78.5, -207.4])  # km/s, the default event's ion velocity


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out/study_bias")
    ap.add_argument("-o", "--output", default="out/figures/study_bias.png")
    ap.add_argument("--scheduler")
    ap.add_argument("--speeds", type=float, nargs="+", default=[0.5, 0.75, 1.0, 1.5],
                    help="rope speed as multiples of the default event's (223 km/s)")
    ap.add_argument("--impact", type=float, nargs="+", default=[0.0, 4.0, 8.0, 12.0],
                    help="axis distance of the formation's reference point, L [km]")
    a = ap.parse_args()
    sweep = fluxrope.Sweep(
        {"geometry.rope_velocity_gse_km_s": [list(np.round(k * DEFAULT_V, 6)) for k in a.speeds],
         "geometry.center_ln_km": [[L, 0.0] for L in a.impact]},
        base={"geometry": {"duration_s": 1.2, "t_start_s": -0.6}})
    summary = fluxrope.run_sweep(sweep, a.out, scheduler=a.scheduler)
    speed = np.array(a.speeds) * np.linalg.norm(DEFAULT_V)

    from fluxrope_plot import plt, save  # matplotlib on files (Agg)
    fig, ax = plt.subplots(1, 4, figsize=(16, 3.8))
    panels = [("bias_n", "n_FPI / n_model - 1 [%]", 100), ("bias_T_par", "T_par bias [%]", 100),
              ("bias_T_perp", "T_perp bias [%]", 100), ("bias_V_km_s", "|V_FPI - V_model| [km/s]", 1)]
    for axis, (var, title, scale) in zip(ax, panels):
        v = summary[var].values * scale  # (speed, impact)
        m = axis.pcolormesh(a.impact, speed, v, shading="nearest", cmap="viridis")
        fig.colorbar(m, ax=axis)
        axis.set_title(title, fontsize=9)
        axis.set_xlabel("impact parameter of MMS1 [km]")
        axis.set_ylabel("rope speed [km/s]")
    fig.suptitle("FPI ground-system moments vs the model (median over MMS1's crossing; "
                 "noise-free response-averaged skymaps)", fontsize=10)
    fig.tight_layout()
    save(fig, a.output)  # examples/fluxrope_plot.py


if __name__ == "__main__":
    main()
