#!/usr/bin/env python3
"""Pitch-angle spectrograms from `fluxrope synth` output: one column per spacecraft, rows
B_LMN and the instrument-style PAD (normalized per sample) in one energy channel.

Usage: python3 examples/plot_pad.py out/fluxrope_synth.h5 [pad.png] [--energy 40]
Needs h5py, numpy and matplotlib.
"""
import argparse

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?", default="out/fluxrope_synth.h5")
    ap.add_argument("png", nargs="?")
    ap.add_argument("--energy", type=float, default=40.0, help="energy [eV]; the nearest channel is used")
    a = ap.parse_args()
    png = a.png or a.file.rsplit(".", 1)[0] + "_pad.png"
    with h5py.File(a.file, "r") as f:
        names = list(f["tracks"].keys())
        fig, ax = plt.subplots(2, len(names), figsize=(3.6 * len(names), 6), sharex=True, squeeze=False)
        for c, name in enumerate(names):
            g = f["tracks"][name]
            t = g["time_s"][:]
            B = g["B_lmn_nT"][:]
            E = g["energy_eV"][:]
            pad = g["pad_s3_cm6"][:]
            pitch = g["pitch_deg"][:]
            i = np.argmin(abs(E[0] - a.energy))
            for k, lab in enumerate("LMN"):
                ax[0, c].plot(t, B[:, k], label=f"B_{lab}")
            ax[0, c].set_title(name)
            ax[0, c].set_ylabel("B [nT]")
            ax[0, c].legend(fontsize=7)
            ax[0, c].grid(alpha=0.3)
            p = pad[:, i, :]
            norm = p / np.nanmean(p, axis=1, keepdims=True)
            m = ax[1, c].pcolormesh(t, pitch, norm.T, shading="nearest", cmap="viridis")
            ax[1, c].set_ylabel(f"pitch angle [deg] at {E[0, i]:.0f}/{E[1, i]:.0f} eV")
            ax[1, c].set_xlabel("t [s]")
            fig.colorbar(m, ax=ax[1, c], label="PSD / mean over pitch")
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    print(f"wrote {png}")


if __name__ == "__main__":
    main()
