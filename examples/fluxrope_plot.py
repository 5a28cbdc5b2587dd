"""Shared helpers of the example figure scripts: reading a `fluxrope synth` file and laying
out one figure per PNG in a journal's style (8-pt text at a double-column width of 7.2 in,
units typeset with mathtext, UTC time axes, panel letters). Needs h5py, numpy and matplotlib."""
import argparse
import datetime as dt
import os
import string
import tomllib

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")  # files, no display
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

# a journal's figure: 8-pt text, thin lines, 300 dpi; WIDTH a double column, COLUMN a single one
WIDTH, COLUMN = 7.2, 3.5  # inches
plt.rcParams.update({
    "font.size": 8, "axes.labelsize": 8, "axes.titlesize": 8, "legend.fontsize": 7,
    "xtick.labelsize": 7, "ytick.labelsize": 7, "lines.linewidth": 1.0, "axes.linewidth": 0.6,
    "legend.frameon": False, "savefig.dpi": 300, "savefig.bbox": "tight",
    "figure.constrained_layout.use": True, "mathtext.default": "regular",
})

# units as the papers typeset them
UNITS = {"nT": "nT", "cm3": r"cm$^{-3}$", "km_s": r"km s$^{-1}$", "eV": "eV",
         "nA_m2": r"nA m$^{-2}$", "s3_cm6": r"s$^{3}$ cm$^{-6}$", "km": "km", "V": "V",
         "def": r"keV cm$^{-2}$ s$^{-1}$ sr$^{-1}$ keV$^{-1}$", "mV_m": r"mV m$^{-1}$"}

# One colour per spacecraft, as MMS papers draw them (MMS1 black, 2 red, 3 green, 4 blue).
SC_COLOURS = ["k", "tab:red", "tab:green", "tab:blue", "tab:orange", "tab:purple"]
LMN_COLOURS = {"L": "tab:blue", "M": "tab:green", "N": "tab:red"}


def parse(description, default_png, extra_inputs=()):
    """Arguments: the synth file, further input files, and -o PNG."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("synth", nargs="?", default="out/mms_2015-10-19.h5", help="fluxrope output (HDF5)")
    for name, default, helptext in extra_inputs:
        ap.add_argument(name, nargs="?", default=default, help=helptext)
    ap.add_argument("-o", "--output", default=default_png, help="PNG to write")
    return ap


def tracks(f):
    """[(name, group)] of /tracks in the file's order of spacecraft."""
    return [(name, f["tracks"][name]) for name in f["tracks"].keys()]


def save(fig, png):
    os.makedirs(os.path.dirname(os.path.abspath(png)), exist_ok=True)
    fig.savefig(png)
    plt.close(fig)
    print(f"wrote {png}")


def t0_utc(f):
    """UTC of t = 0 of a fluxrope file ([geometry] t0_utc of its configuration)."""
    cfg = f.attrs["config_toml"]
    cfg = cfg.decode() if isinstance(cfg, bytes) else cfg
    text = tomllib.loads(cfg).get("geometry", {}).get("t0_utc", "2015-10-19T14:07:56.500")
    return dt.datetime.fromisoformat(text)


def utc(f, t_s):
    """Times t_s [s from t = 0] of a file as UTC datetimes (matplotlib draws them as dates)."""
    zero = t0_utc(f)
    return [zero + dt.timedelta(seconds=float(t)) for t in np.atleast_1d(t_s)]


def time_axis(ax, f, label=True):
    """HH:MM:SS.s ticks on a UTC axis, labelled with the day."""
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=2, maxticks=4))
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda x, _: mdates.num2date(x).strftime("%H:%M:%S.%f")[:10]))
    if label:
        ax.set_xlabel(f"UTC, {t0_utc(f):%Y-%m-%d}")


def letters(axes, start=0, inside=True):
    """Panel letters (a), (b), ... in reading order (rows first)."""
    for k, a in enumerate(np.asarray(axes).ravel(), start=start):
        a.text(0.02 if inside else -0.02, 0.96, f"({string.ascii_lowercase[k]})",
               transform=a.transAxes, va="top", ha="left" if inside else "right",
               fontsize=8, fontweight="bold")


def channel(energy_eV, target_eV):
    """The energy channel whose two burst parities bracket target_eV best: the index i
    minimizing |log(sqrt(E0_i E1_i) / target)| (the paper's 32, 40, 66, 85 eV are such
    geometric means, the fast-survey table)."""
    E = np.asarray(energy_eV)
    mean = np.sqrt(E[0] * E[1]) if E.shape[0] > 1 else E[0]
    return int(np.argmin(abs(np.log(mean / target_eV))))


def at_energy(values, energy_eV, target_eV):
    """values (N, energy, ...) at target_eV in every record: linear in log E between the two
    channels of the record's own table that bracket it (as fluxrope.at_energy; no parity
    stripes)."""
    out = []
    for v, E in zip(values, energy_eV):
        i = int(np.clip(np.searchsorted(E, target_eV) - 1, 0, len(E) - 2))
        w = np.log(target_eV / E[i]) / np.log(E[i + 1] / E[i])
        out.append((1 - w) * v[i] + w * v[i + 1])
    return np.asarray(out)


def pitch_normalized(pad):
    """PSD divided by its mean over pitch angle at each time (and energy): the anisotropy,
    free of the 13% energy step between the alternating burst tables."""
    return pad / np.nanmean(pad, axis=-1, keepdims=True)


__all__ = ["np", "plt", "h5py", "parse", "tracks", "save", "channel", "pitch_normalized",
           "SC_COLOURS", "LMN_COLOURS", "at_energy", "WIDTH", "COLUMN", "UNITS", "utc", "time_axis", "letters",
           "t0_utc"]
