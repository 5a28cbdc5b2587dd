#!/usr/bin/env python3
"""Figure (d): pitch-angle spectrograms from the synthetic FPI skymaps (Yang et al. 2022, their
Figure 5), one column per spacecraft: |B| for reference, then the instrument-style PAD
(skymap bins by the pitch angle of their centre velocity, unweighted mean per 10-degree bin,
spacecraft frame) in the channels at 32, 40, 66 and 85 eV. Colour: phase-space density divided
by its mean over pitch angle at that time, so parallel/antiparallel asymmetry (outside the
rope) and perpendicular concentration (inside) read directly.

Usage: python3 examples/fig_pad_spectrograms.py SYNTH.h5 [-o PNG] [--energies 32 40 66 85]
"""
from matplotlib.colors import LogNorm

from fluxrope_plot import (UNITS, WIDTH, at_energy, channel, h5py, letters, np, parse, pitch_normalized, plt,
                           save, time_axis, tracks, utc)


def main():
    ap = parse(__doc__.splitlines()[0], "out/figures/d_pad_spectrograms.png")
    ap.add_argument("--energies", type=float, nargs="+", default=[32, 40, 66, 85], help="[eV]")
    ap.add_argument("--absolute", type=float, default=52.0,
                    help="energy of the absolute PAD row [eV] (the paper's Figure 1l: 52 eV)")
    a = ap.parse_args()
    with h5py.File(a.synth, "r") as f:
        trk = tracks(f)
        n_rows = 3 + len(a.energies)  # |B|, the normalized PADs, the absolute PAD, omni DEF
        fig, ax = plt.subplots(n_rows, len(trk), figsize=(WIDTH, 1.05 * n_rows + 0.6),
                               sharex=True, sharey="row", squeeze=False)
        absolute = {name: at_energy(g["pad_s3_cm6"][:], g["energy_eV"][:], a.absolute)
                    for name, g in trk}
        f_lo = min(np.nanpercentile(v, 1) for v in absolute.values())
        f_hi = max(np.nanpercentile(v, 99) for v in absolute.values())
        d_max = max(np.nanmax(g["def_keV_cm2_s_sr_keV"][:].mean(axis=(1, 2))) for _, g in trk)
        for c, (name, g) in enumerate(trk):
            t = np.asarray(utc(f, g["time_s"][:]))
            E = g["energy_eV"][:]
            pad = g["pad_s3_cm6"][:]  # (N, energy, pitch)
            pitch = g["pitch_deg"][:]
            ax[0, c].plot(t, np.linalg.norm(g["B_gse_nT"][:], axis=1), "k")
            ax[0, c].set_title(name)
            ax[0, c].grid(alpha=0.3)
            for r, target in enumerate(a.energies, start=1):
                i = channel(E, target)
                m = ax[r, c].pcolormesh(t, pitch, pitch_normalized(pad[:, i, :]).T, shading="nearest",
                                        cmap="RdYlBu_r", vmin=0.75, vmax=1.25)
                ax[r, c].set_yticks([0, 90, 180])
                ax[r, c].text(0.98, 0.94, f"{target:.0f} eV", transform=ax[r, c].transAxes,
                              ha="right", va="top", fontsize=7, color="k")
            # the absolute PAD at one energy, each record interpolated between its own table's
            # channels in log E (a fixed channel would alternate 48.6 and 55.1 eV: stripes)
            r = len(a.energies) + 1
            m_abs = ax[r, c].pcolormesh(t, pitch, absolute[name].T, shading="nearest", cmap="viridis",
                                        norm=LogNorm(vmin=f_lo, vmax=f_hi))
            ax[r, c].set_yticks([0, 90, 180])
            ax[r, c].text(0.98, 0.94, f"{a.absolute:.0f} eV", transform=ax[r, c].transAxes,
                          ha="right", va="top", fontsize=7, color="w")
            # the omni-directional DEF spectrogram (each record on its own energy table)
            omni = g["def_keV_cm2_s_sr_keV"][:].mean(axis=(1, 2))  # (N, energy)
            m_def = ax[r + 1, c].pcolormesh(t, E[0], omni.T, shading="nearest", cmap="jet",
                                            norm=LogNorm(vmin=d_max * 1e-5, vmax=d_max))
            ax[r + 1, c].set_yscale("log")
            ax[r + 1, c].set_ylim(10, 3e4)
            time_axis(ax[-1, c], f)
            ax[-1, c].tick_params(axis="x", labelrotation=30)
        ax[0, 0].set_ylabel(f"|B| [{UNITS['nT']}]")
        for r in range(1, len(a.energies) + 2):
            ax[r, 0].set_ylabel("pitch [deg]")
        ax[-1, 0].set_ylabel("E [eV]")
        fig.colorbar(m, ax=ax[1:len(a.energies) + 1, -1].tolist(), label="f / (mean over pitch)",
                     shrink=0.9, pad=0.02)
        cb = fig.colorbar(m_abs, ax=ax[len(a.energies) + 1, -1], pad=0.02)
        cb.set_label(f"f [{UNITS['s3_cm6']}]", fontsize=6)
        cb = fig.colorbar(m_def, ax=ax[-1, -1], pad=0.02)
        cb.set_label("omni DEF\n" + f"[{UNITS['def']}]", fontsize=6)
        letters(ax[:, 0], inside=True)
    fig.suptitle("instrument-style PADs and spectra of the synthetic DES skymaps (spacecraft frame; "
                 "the two burst energy tables alternate)")
    save(fig, a.output)


if __name__ == "__main__":
    main()
