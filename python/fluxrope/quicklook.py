"""The overview a user looks at first (like Figure 1 of Yang et al. 2022): one page per spacecraft
of a `fluxrope synth` file, on a UTC time axis. Rows:

(a) B in GSE and |B| [nT]; (b) the electron (DES) and ion (DIS) densities, the ground-system
moments against the model; (c) the electron and ion bulk velocities (GSE); (d) T_par and T_perp
of the electrons; (e) the electrons' and (f) the ions' omni-directional DEF spectrogram; (g) the
electron PAD at 52 eV (each record interpolated in log E between its own table's channels) and
(h) the same normalized by its mean over pitch angle.

    python -m fluxrope quicklook out/mms_2015-10-19.h5 -o out/quicklook

Needs matplotlib (pip install matplotlib, or the "readers" extra).
"""
import os

import numpy as np

from ._core import FluxropeError

PAD_ENERGY_EV = 52.0  # the paper's Figure 1l


def _pyplot():
    try:
        import matplotlib
    except ImportError as e:
        raise FluxropeError("quicklook needs matplotlib (pip install matplotlib)") from e
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _panel_letters(axes):
    for k, a in enumerate(axes):
        a.text(0.005, 0.92, f"({chr(ord('a') + k)})", transform=a.transAxes, va="top",
               fontsize=8, fontweight="bold")


def quicklook(path, out_dir, spacecraft=None):
    """Write out_dir/quicklook_<name>.png for each spacecraft of a synth file (or the named ones).
    Returns the paths written. Raises FluxropeError naming what is wrong."""
    from . import api
    from .api import at_energy
    _, des = api.read(path)
    _, dis = api.read(path, instrument="dis")
    if not des:
        raise FluxropeError(f"quicklook: '{path}' has no /tracks (write it with `fluxrope synth`)")
    names = list(des) if spacecraft is None else list(spacecraft)
    for n in names:
        if n not in des:
            raise FluxropeError(f"quicklook: no spacecraft {n!r} in '{path}' (it has {list(des)})")
    out_dir = os.fspath(out_dir)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise FluxropeError(f"quicklook: '{out_dir}' exists and is not a folder")
    plt = _pyplot()
    import matplotlib.dates as mdates
    from matplotlib.colors import LogNorm
    plt.rcParams.update({"font.size": 8, "axes.labelsize": 8, "legend.fontsize": 6,
                         "xtick.labelsize": 7, "ytick.labelsize": 7, "lines.linewidth": 0.9,
                         "legend.frameon": False, "mathtext.default": "regular"})
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for name in names:
        e, i = des[name], dis.get(name)
        t = e["time"].values
        fig, ax = plt.subplots(8, 1, figsize=(7.2, 9.6), sharex=True,
                               gridspec_kw={"height_ratios": [1, 1, 1, 1, 1.1, 1.1, 1.1, 1.1]},
                               layout="constrained")
        B = e["B_gse_nT"].values
        for k, (lab, col) in enumerate(zip("xyz", ("tab:blue", "tab:green", "tab:red"))):
            ax[0].plot(t, B[:, k], color=col, label=f"$B_{lab}$")
        ax[0].plot(t, np.linalg.norm(B, axis=1), "k", label="|B|")
        ax[0].set_ylabel("B (GSE)\n[nT]")
        ax[1].plot(t, e["ne_cm3"], "k", label="$n_e$ model")
        ax[1].plot(t, e["moments_fpi_n_cm3"], "k.", ms=2, label="$n_e$ DES")
        V = e["moments_fpi_V_gse_km_s"].values
        for k, (lab, col) in enumerate(zip("xyz", ("tab:blue", "tab:green", "tab:red"))):
            ax[2].plot(t, V[:, k], ".", ms=2, color=col, label=f"$V_{{e{lab}}}$ DES")
        if i is not None:
            ti = i["time"].values
            ax[1].plot(ti, i["moments_fpi_n_cm3"], "s", ms=2.5, color="tab:purple", label="$n_i$ DIS")
            Vi = i["moments_fpi_V_gse_km_s"].values
            for k, col in enumerate(("tab:blue", "tab:green", "tab:red")):
                ax[2].plot(ti, Vi[:, k], "-", color=col, lw=1.4, alpha=0.6)
            ax[2].plot([], [], "-", color="0.4", lw=1.4, alpha=0.6, label="$V_i$ DIS")
        ax[1].set_ylabel("n\n[cm$^{-3}$]")
        ax[2].set_ylabel("V (GSE)\n[km s$^{-1}$]")
        ax[3].plot(t, e["moments_fpi_T_par_eV"], ".", ms=2, color="tab:blue", label=r"$T_{e\parallel}$ DES")
        ax[3].plot(t, e["moments_fpi_T_perp_eV"], ".", ms=2, color="tab:red", label=r"$T_{e\perp}$ DES")
        ax[3].plot(t, e["T_par_eV"], color="tab:blue", lw=0.7)
        ax[3].plot(t, e["T_perp_eV"], color="tab:red", lw=0.7)
        ax[3].set_ylabel("$T_e$\n[eV]")
        for r, (ds, who) in enumerate(((e, "e"), (i, "i")), start=4):
            a = ax[r]
            if ds is None:
                a.text(0.5, 0.5, "no DIS products in this file", ha="center", va="center",
                       transform=a.transAxes)
                a.set_yticks([])
                continue
            omni = ds["def_keV_cm2_s_sr_keV"].values.mean(axis=(1, 2))
            top = np.nanmax(omni)
            m = a.pcolormesh(ds["time"].values, ds["energy_eV"].values[0], omni.T, shading="nearest",
                             cmap="jet", norm=LogNorm(vmin=top * 1e-5, vmax=top))
            a.set_yscale("log")
            a.set_ylim(10, 3e4)
            a.set_ylabel(f"{'DES' if who == 'e' else 'DIS'} E\n[eV]")
            cb = fig.colorbar(m, ax=a, pad=0.01)
            cb.set_label("DEF\n[keV/(cm$^2$ s sr keV)]", fontsize=6)
        pad = at_energy(e, "pad_s3_cm6", PAD_ENERGY_EV)
        pitch = e["pitch"].values
        vals = pad.values
        lo, hi = np.nanpercentile(vals, 1), np.nanpercentile(vals, 99)
        m = ax[6].pcolormesh(t, pitch, vals.T, shading="nearest", cmap="viridis",
                             norm=LogNorm(vmin=lo, vmax=hi))
        cb = fig.colorbar(m, ax=ax[6], pad=0.01)
        cb.set_label("f [s$^3$ cm$^{-6}$]", fontsize=6)
        norm = vals / np.nanmean(vals, axis=1, keepdims=True)
        m = ax[7].pcolormesh(t, pitch, norm.T, shading="nearest", cmap="RdYlBu_r", vmin=0.8, vmax=1.2)
        cb = fig.colorbar(m, ax=ax[7], pad=0.01)
        cb.set_label("f / mean over pitch", fontsize=6)
        for a in (ax[6], ax[7]):
            a.set_yticks([0, 90, 180])
            a.set_ylabel(f"PAD {PAD_ENERGY_EV:.0f} eV\npitch [deg]")
        for a in ax[:4]:
            a.legend(loc="best", ncol=4)
            a.grid(alpha=0.3)
            # the spectrogram rows have colour bars: keep the line rows as wide
            fig.colorbar(plt.cm.ScalarMappable(), ax=a, pad=0.01).ax.set_visible(False)
        ax[-1].xaxis.set_major_formatter(
            plt.FuncFormatter(lambda x, _: mdates.num2date(x).strftime("%H:%M:%S.%f")[:10]))
        ax[-1].set_xlabel(f"UTC, {np.datetime_as_string(t[0], unit='D')}")
        _panel_letters(ax)
        fig.suptitle(f"{name}: fluxrope synthetic data (SYNTHETIC; {os.path.basename(path)})")
        png = os.path.join(out_dir, f"quicklook_{name}.png")
        fig.savefig(png, dpi=200)
        plt.close(fig)
        written.append(png)
    return written
