"""Shared helpers of the example figure scripts: reading a `fluxrope synth` file and
laying out one figure per PNG. Needs h5py, numpy and matplotlib."""
import argparse
import os

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")  # files, no display
import matplotlib.pyplot as plt  # noqa: E402

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
    fig.savefig(png, dpi=110)
    plt.close(fig)
    print(f"wrote {png}")


def channel(energy_eV, target_eV):
    """The energy channel whose two burst parities bracket target_eV best: the index i
    minimizing |log(sqrt(E0_i E1_i) / target)| (the paper's 32, 40, 66, 85 eV are such
    geometric means, the fast-survey table)."""
    E = np.asarray(energy_eV)
    mean = np.sqrt(E[0] * E[1]) if E.shape[0] > 1 else E[0]
    return int(np.argmin(abs(np.log(mean / target_eV))))


def pitch_normalized(pad):
    """PSD divided by its mean over pitch angle at each time (and energy): the anisotropy,
    free of the 13% energy step between the alternating burst tables."""
    return pad / np.nanmean(pad, axis=-1, keepdims=True)


__all__ = ["np", "plt", "h5py", "parse", "tracks", "save", "channel", "pitch_normalized",
           "SC_COLOURS", "LMN_COLOURS"]
