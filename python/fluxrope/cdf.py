"""Export synthetic products as MMS Level-2 CDF files, named and placed as the real ones, so that
pySPEDAS, pyrfu and irfu-matlab load them unchanged (../shared/FPI.md "The L2 file"). Written
with cdflib's writer. Every file says plainly, in its global attributes, that it is synthetic and
which fluxrope version and configuration made it.

Per spacecraft (mms<n>, from the name's digit; others are numbered in order):
  <root>/mms<n>/fpi/brst/l2/des-dist/YYYY/MM/DD/mms<n>_fpi_brst_l2_des-dist_<start>_v3.4.0.cdf
  <root>/mms<n>/fpi/brst/l2/des-moms/YYYY/MM/DD/mms<n>_fpi_brst_l2_des-moms_<start>_v3.4.0.cdf
  <root>/mms<n>/fgm/brst/l2/YYYY/MM/DD/mms<n>_fgm_brst_l2_<start>_v5.87.0.cdf
"""
import datetime as dt
import os
import re
import tempfile

import numpy as np

from . import _core
from ._core import FluxropeError

DEFAULT_START = "2015-10-19T14:07:56"  # Yang et al. (2022): the event's burst interval
FPI_VERSION = "3.4.0"  # >= 3.1.0: irfu reads per-record energies
FGM_VERSION = "5.87.0"
FILL = -1e31

# CDF data types (CDF User's Guide)
CDF_INT8, CDF_UINT1, CDF_UINT2, CDF_UINT4 = 8, 11, 12, 14
CDF_REAL4, CDF_DOUBLE, CDF_TIME_TT2000, CDF_CHAR = 21, 45, 33, 51
_NUMPY = {CDF_REAL4: np.float32, CDF_DOUBLE: np.float64, CDF_UINT1: np.uint8,
          CDF_UINT2: np.uint16, CDF_UINT4: np.uint32, CDF_INT8: np.int64,
          CDF_TIME_TT2000: np.int64}
_TYPE_NAME = {CDF_REAL4: "CDF_REAL4", CDF_DOUBLE: "CDF_DOUBLE", CDF_UINT1: "CDF_UINT1",
              CDF_UINT2: "CDF_UINT2", CDF_UINT4: "CDF_UINT4", CDF_INT8: "CDF_INT8",
              CDF_TIME_TT2000: "CDF_TIME_TT2000"}


def _probe(name, index):
    m = re.search(r"(\d+)", name)
    return int(m.group(1)) if m else index + 1


def _start(start):
    if isinstance(start, dt.datetime):
        t = start
    else:
        try:
            t = dt.datetime.fromisoformat(str(start).replace("Z", ""))
        except ValueError as e:
            raise FluxropeError(f"start time '{start}' is not ISO 8601 (e.g. {DEFAULT_START})") from e
    return t.replace(tzinfo=None)


def _tt2000(times):
    import cdflib
    return np.asarray(cdflib.cdfepoch.compute_tt2000(
        [[t.year, t.month, t.day, t.hour, t.minute, t.second, t.microsecond // 1000,
          t.microsecond % 1000, 0] for t in times]), dtype=np.int64)


class _Writer:
    """A CDF being written to a temporary file beside its target, renamed into place on success
    (no half-written file)."""

    def __init__(self, path, global_attrs):
        import cdflib.cdfwrite
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(suffix=".cdf", dir=os.path.dirname(path))
        os.close(fd)
        os.remove(self.tmp)  # cdflib creates it
        self.path = path
        self.cdf = cdflib.cdfwrite.CDF(self.tmp, cdf_spec={"Majority": "row_major"}, delete=True)
        self.cdf.write_globalattrs({k: {0: v} for k, v in global_attrs.items()})

    def var(self, name, data, cdf_type, attrs, rec_vary=True):
        if cdf_type == CDF_CHAR:
            strings = list(data)
            n = max(len(s) for s in strings)
            spec = {"Variable": name, "Data_Type": CDF_CHAR, "Num_Elements": n,
                    "Rec_Vary": False, "Dim_Sizes": [len(strings)]}
            self.cdf.write_var(spec, var_attrs=attrs, var_data=[s.ljust(n) for s in strings])
            return
        a = np.ascontiguousarray(np.asarray(data, dtype=_NUMPY[cdf_type]))
        dims = list(a.shape[1:]) if rec_vary else list(a.shape)
        spec = {"Variable": name, "Data_Type": cdf_type, "Num_Elements": 1,
                "Rec_Vary": rec_vary, "Dim_Sizes": dims, "Compress": 0}
        typed = {}
        for k, v in attrs.items():
            if k in ("FILLVAL", "VALIDMIN", "VALIDMAX", "SCALEMIN", "SCALEMAX"):
                typed[k] = [v, _TYPE_NAME[cdf_type]]
            else:
                typed[k] = v
        self.cdf.write_var(spec, var_attrs=typed, var_data=a)

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None:  # complete: into place
            self.cdf.close()
            os.replace(self.tmp, self.path)
            return False
        try:  # failed: nothing left behind
            self.cdf.close()
        except Exception:  # noqa: BLE001 - the file is removed anyway
            pass
        if os.path.exists(self.tmp):
            os.remove(self.tmp)
        return False


def _global(probe, source, data_type, descriptor, version, file_id, config_toml, what):
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d")
    return {
        "Project": "STP>Solar-Terrestrial Physics",
        "Source_name": f"MMS{probe}>MMS Satellite Number {probe}",
        "Discipline": "Space Physics>Magnetospheric Science",
        "Mission_group": "MMS",
        "Data_type": data_type,
        "Descriptor": descriptor,
        "Data_version": version,
        "Logical_source": source,
        "Logical_file_id": file_id,
        "Logical_source_description": f"SYNTHETIC {what} made by fluxrope (not MMS data)",
        "PI_name": "fluxrope synthetic data (no PI)",
        "PI_affiliation": "none",
        "Instrument_type": "Particles (space)" if "fpi" in source else "Magnetic Fields (space)",
        "TEXT": ("SYNTHETIC DATA. This file was computed by fluxrope "
                 f"{_core.__version__} from a kinetic flux-rope equilibrium model "
                 "(Vinogradov et al. 2016; Yang et al. 2022). It contains no measurement. "
                 "The configuration that made it is in the global attribute fluxrope_config."),
        "Generated_by": f"fluxrope {_core.__version__} (synthetic)",
        "Generation_date": now,
        "Synthetic": "true",
        "fluxrope_version": _core.__version__,
        "fluxrope_config": config_toml,
        "HTTP_LINK": "https://doi.org/10.5281/zenodo.5555811",
        "Rules_of_use": "Synthetic data: cite the model papers (README of fluxrope).",
        "Time_resolution": "30 ms" if "fpi" in source else "30 ms (FPI sample times)",
    }


def _epoch_vars(w, epochs, plus_ns):
    w.var("Epoch", epochs, CDF_TIME_TT2000, {
        "CATDESC": "Start time of the accumulation (TT2000)", "FIELDNAM": "Epoch",
        "UNITS": "ns", "VAR_TYPE": "support_data", "LABLAXIS": "Epoch", "MONOTON": "INCREASE",
        "FILLVAL": -9223372036854775808, "VALIDMIN": 0, "VALIDMAX": 9223372036854775807,
        "DELTA_PLUS_VAR": "Epoch_plus_var", "DELTA_MINUS_VAR": "Epoch_minus_var",
        "TIME_BASE": "J2000", "TIME_SCALE": "Terrestrial Time", "REFERENCE_POSITION": "Rotating Earth Geoid",
        "SCALETYP": "linear"})
    for name, value, desc in (("Epoch_plus_var", plus_ns, "Accumulation after Epoch"),
                              ("Epoch_minus_var", 0, "Accumulation before Epoch")):
        w.var(name, np.array(value), CDF_INT8, {
            "CATDESC": desc, "FIELDNAM": name, "UNITS": "ns", "VAR_TYPE": "support_data",
            "FILLVAL": -9223372036854775808, "VALIDMIN": 0, "VALIDMAX": 10_000_000_000,
            "SI_CONVERSION": "1e-9>s", "LABLAXIS": name}, rec_vary=False)


def _data_attrs(catdesc, field, units, depends, labl=None, display="time_series", fill=FILL,
                vmin=-1e30, vmax=1e30, var_type="data"):
    a = {"CATDESC": catdesc, "FIELDNAM": field, "UNITS": units, "VAR_TYPE": var_type,
         "FILLVAL": fill, "VALIDMIN": vmin, "VALIDMAX": vmax, "DISPLAY_TYPE": display,
         "FORMAT": "E12.4", "SCALETYP": "linear"}
    for i, d in enumerate(depends):
        a[f"DEPEND_{i}"] = d
    for i, lab in enumerate(labl or [], start=1):
        a[f"LABL_PTR_{i}"] = lab
    if not labl:
        a["LABLAXIS"] = field
    return a


def export_cdf(tracks, root, start=DEFAULT_START, version=FPI_VERSION, equilibrium=None,
               fgm_rate_hz=None):
    """Write each spacecraft's des-dist, des-moms and FGM burst files under root.

    tracks: {name: xarray.Dataset} as synth() or read() return them.
    root: the MMS data folder (pySPEDAS: MMS_DATA_DIR; pyrfu: mms.db_init(local=root)).
    start: the UTC time stamped on the first sample (ISO 8601 or datetime); default the paper's
        event, 2015-10-19 14:07:56. Later samples keep their spacing (30 ms).
    fgm_rate_hz: with the Equilibrium the tracks came from, the FGM file samples the model field
        at this rate (FGM burst: 128) over the interval; without, the field at the FPI sample
        times (the B that fluxrope's PADs and moments used).
    Returns the paths written. Raises FluxropeError for an unusable root or start time.
    """
    t0 = _start(start)
    if not tracks:
        raise FluxropeError("export_cdf: no tracks to export")
    if fgm_rate_hz and equilibrium is None:
        raise FluxropeError("export_cdf: fgm_rate_hz needs the equilibrium the tracks came from")
    written = []
    for index, (name, ds) in enumerate(tracks.items()):
        probe = _probe(name, index)
        t = ds["time"].values
        times = [t0 + dt.timedelta(seconds=float(s - t[0])) for s in t]
        stamp = t0.strftime("%Y%m%d%H%M%S")
        day = t0.strftime("%Y/%m/%d")
        cfg = ds.attrs.get("config_toml", "")
        epochs = _tt2000(times)
        # the accumulation after each time tag: the sample spacing (30 ms in burst mode)
        plus = int(round(float(np.median(np.diff(t))) * 1e9)) if len(t) > 1 else 30_000_000
        out = _Out(root, probe, stamp, day, cfg, epochs, plus)
        try:
            written.append(_write_dist(out, ds, version))
            written.append(_write_moms(out, ds, version))
            written.append(_write_fgm(out, ds, equilibrium, fgm_rate_hz, name))
        except OSError as e:
            raise FluxropeError(f"cannot write the CDF files under '{root}': {e}") from e
    return written


class _Out:
    """Where and how one spacecraft's files are written."""

    def __init__(self, root, n, stamp, day, cfg, epochs, plus_ns):
        self.root, self.n, self.stamp, self.day, self.cfg = root, n, stamp, day, cfg
        self.epochs, self.plus_ns = epochs, plus_ns

    def fpi(self, kind, version, what):
        """A DES burst file: kind "des-dist" or "des-moms", opened with its Epoch variables."""
        src = f"mms{self.n}_fpi_brst_l2_{kind}"
        path = os.path.join(self.root, f"mms{self.n}", "fpi", "brst", "l2", kind, self.day,
                            f"{src}_{self.stamp}_v{version}.cdf")
        w = _Writer(path, _global(self.n, src, f"brst_l2_{kind}", "DES>Dual Electron Spectrometer",
                                  version, f"{src}_{self.stamp}_v{version}", self.cfg, what))
        try:
            _epoch_vars(w, self.epochs, self.plus_ns)
        except BaseException as e:
            w.__exit__(type(e), e, e.__traceback__)
            raise
        return w


def _write_dist(out, ds, version):
    n = out.n
    p = f"mms{n}_des_"
    with out.fpi("des-dist", version, "MMS FPI DES burst electron distributions") as w:
        energy = ds["energy_eV"].values
        w.var(p + "energy_brst", energy, CDF_REAL4, _data_attrs(
            "Energy of each channel (centre), per record", p + "energy_brst", "eV", ["Epoch"],
            var_type="support_data", vmin=0.0, vmax=1e5))
        w.var(p + "energy_delta_brst", 0.1347 * energy, CDF_REAL4, _data_attrs(
            "Half width of each energy channel (as the L2 files: 13.47% of the centre)",
            p + "energy_delta_brst", "eV", ["Epoch"], var_type="support_data", vmin=0.0, vmax=1e5))
        w.var(p + "phi_brst", ds["phi_deg"].values, CDF_REAL4, _data_attrs(
            "Azimuth (look direction, DBCS) of each sector centre, per record", p + "phi_brst",
            "deg", ["Epoch"], var_type="support_data", vmin=0.0, vmax=360.0))
        w.var(p + "phi_delta_brst", np.full(32, 5.625), CDF_REAL4, _data_attrs(
            "Half width of the sectors", p + "phi_delta_brst", "deg", [], var_type="support_data",
            vmin=0.0, vmax=360.0), rec_vary=False)
        w.var(p + "theta_brst", ds["theta"].values, CDF_REAL4, _data_attrs(
            "Polar angle (look direction, from +Z DBCS) of each anode centre", p + "theta_brst",
            "deg", [], var_type="support_data", vmin=0.0, vmax=180.0), rec_vary=False)
        w.var(p + "theta_delta_brst", np.full(16, 5.625), CDF_REAL4, _data_attrs(
            "Half width of the anodes", p + "theta_delta_brst", "deg", [],
            var_type="support_data", vmin=0.0, vmax=180.0), rec_vary=False)
        labels = {"sector_label": [f"Sector {k}" for k in range(32)],
                  "pixel_label": [f"Pixel {j}" for j in range(16)],
                  "energy_label": [f"Energy {i}" for i in range(32)]}
        for lab, strings in labels.items():
            w.var(p + lab + "_brst", strings, CDF_CHAR, {
                "CATDESC": lab.replace("_", " "), "FIELDNAM": p + lab + "_brst",
                "VAR_TYPE": "metadata", "FORMAT": "A12"})
        parity = ds["parity"].values.astype(np.uint8)
        w.var(p + "steptable_parity_brst", parity, CDF_UINT1, _data_attrs(
            "Energy table of each record (0 or 1)", p + "steptable_parity_brst", "", ["Epoch"],
            var_type="support_data", fill=255, vmin=0, vmax=1))
        zeros = np.zeros(len(parity))
        w.var(p + "startdelphi_count_brst", zeros, CDF_UINT2, _data_attrs(
            "Spin phase at the start of the accumulation (1/16 deg; synthetic: 0, despun)",
            p + "startdelphi_count_brst", "1/16 deg", ["Epoch"], var_type="support_data",
            fill=65535, vmin=0, vmax=5759))
        w.var(p + "startdelphi_angle_brst", zeros, CDF_REAL4, _data_attrs(
            "Spin phase at the start of the accumulation (synthetic: 0)",
            p + "startdelphi_angle_brst", "deg", ["Epoch"], var_type="support_data",
            vmin=0.0, vmax=360.0))
        w.var(p + "errorflags_brst", zeros, CDF_UINT4, _data_attrs(
            "Error flags (synthetic: none)", p + "errorflags_brst", "", ["Epoch"],
            var_type="support_data", fill=4294967295, vmin=0, vmax=4294967294))
        w.var(p + "compressionloss_brst", zeros, CDF_UINT1, _data_attrs(
            "Lossy compression flag (synthetic: none)", p + "compressionloss_brst", "", ["Epoch"],
            var_type="support_data", fill=255, vmin=0, vmax=1))
        deps = ["Epoch", p + "phi_brst", p + "theta_brst", p + "energy_brst"]
        labl = [p + "sector_label_brst", p + "pixel_label_brst", p + "energy_label_brst"]
        for key, var, desc in (("dist_s3_cm6", "dist", "phase-space density"),
                               ("disterr_s3_cm6", "disterr", "phase-space density error")):
            w.var(p + var + "_brst", ds[key].values, CDF_REAL4, _data_attrs(
                f"MMS{n} DES burst electron {desc} (SYNTHETIC, fluxrope)", p + var + "_brst",
                "s^3/cm^6", deps, labl=labl, display="spectrogram", vmin=0.0, vmax=1e-10))
    return w.path


def _write_moms(out, ds, version):
    n = out.n
    p = f"mms{n}_des_"
    with out.fpi("des-moms", version, "MMS FPI DES burst electron moments") as w:
        for lab, strings in (("cartrep", ["X GSE", "Y GSE", "Z GSE"]),
                             ("cartrep_i", ["X", "Y", "Z"])):
            w.var(p + lab + "_brst", strings, CDF_CHAR, {
                "CATDESC": "component labels", "FIELDNAM": p + lab + "_brst",
                "VAR_TYPE": "metadata", "FORMAT": "A6"})
        w.var(p + "energy_brst", ds["energy_eV"].values, CDF_REAL4, _data_attrs(
            "Energy of each channel, per record", p + "energy_brst", "eV", ["Epoch"],
            var_type="support_data", vmin=0.0, vmax=1e5))
        n_cm3 = ds["moments_fpi_n_cm3"].values
        P = ds["moments_fpi_P_gse_nPa"].values
        # T = P / (n k) [eV]: nPa / (cm^-3 e) = 1e-9 / (1e6 x 1.602176634e-19) eV
        T = P / (n_cm3[:, None, None] * 1e6 * 1.602176634e-19) * 1e-9
        cart = p + "cartrep_brst"
        vals = {
            "numberdensity": (n_cm3, "cm^-3", "Electron number density", [], None),
            "bulkv_gse": (ds["moments_fpi_V_gse_km_s"].values, "km/s",
                          "Electron bulk velocity, GSE (spacecraft frame)", [], [cart]),
            "bulkv_dbcs": (ds["moments_fpi_V_dbcs_km_s"].values, "km/s",
                           "Electron bulk velocity, DBCS", [], [p + "cartrep_i_brst"]),
            "prestensor_gse": (P, "nPa", "Electron pressure tensor, GSE", [], [cart, cart]),
            "temptensor_gse": (T, "eV", "Electron temperature tensor, GSE", [], [cart, cart]),
            "temppara": (ds["moments_fpi_T_par_eV"].values, "eV",
                         "Electron temperature along the magnetic field", [], None),
            "tempperp": (ds["moments_fpi_T_perp_eV"].values, "eV",
                         "Electron temperature across the magnetic field", [], None),
            "heatq_gse": (ds["moments_fpi_q_gse_mW_m2"].values, "mW/m^2",
                          "Electron heat flux, GSE", [], [cart]),
        }
        for var, (data, units, desc, _, labl) in vals.items():
            depends = ["Epoch"]
            if data.ndim == 3:  # tensors: DEPEND_1/2 = the component labels
                depends += [cart, cart]
            w.var(p + var + "_brst", data, CDF_REAL4, _data_attrs(
                f"MMS{n} DES burst {desc} (SYNTHETIC, fluxrope)", p + var + "_brst", units,
                depends, labl=labl))
        # omni-directional energy spectrum: DEF averaged over the 512 look directions
        omni = ds["def_keV_cm2_s_sr_keV"].values.mean(axis=(1, 2))
        w.var(p + "energyspectr_omni_brst", omni, CDF_REAL4, _data_attrs(
            f"MMS{n} DES burst omni-directional energy spectrum (SYNTHETIC, fluxrope)",
            p + "energyspectr_omni_brst", "keV/(cm^2 s sr keV)", ["Epoch", p + "energy_brst"],
            display="spectrogram", vmin=0.0, vmax=1e12))
    return w.path


def _write_fgm(out, ds, equilibrium=None, rate_hz=None, name=None):
    n = out.n
    epochs = out.epochs
    B = ds["B_gse_nT"].values
    if rate_hz:
        t = ds["time"].values
        ts = np.arange(t[0], t[-1] + (t[1] - t[0] if len(t) > 1 else 0.03), 1.0 / rate_hz)
        B = equilibrium.field(name, ts)
        # TT2000 of each sample: the first FPI record's plus the offset
        epochs = epochs[0] + np.round((ts - t[0]) * 1e9).astype(np.int64)
    src = f"mms{n}_fgm_brst_l2"
    path = os.path.join(out.root, f"mms{n}", "fgm", "brst", "l2", out.day,
                        f"{src}_{out.stamp}_v{FGM_VERSION}.cdf")
    with _Writer(path, _global(n, src, "brst_l2", "FGM>Fluxgate Magnetometer", FGM_VERSION,
                               f"{src}_{out.stamp}_v{FGM_VERSION}", out.cfg,
                               "MMS FGM burst magnetic field (at the FPI sample times)")) as w:
        _epoch_vars(w, epochs, 0)
        B4 = np.column_stack([B, np.sqrt((B * B).sum(axis=1))])
        w.var("label_b_gse", ["Bx GSE", "By GSE", "Bz GSE", "Bt"], CDF_CHAR, {
            "CATDESC": "B labels", "FIELDNAM": "label_b_gse", "VAR_TYPE": "metadata",
            "FORMAT": "A7"})
        w.var(f"mms{n}_fgm_b_gse_brst_l2", B4, CDF_REAL4, _data_attrs(
            f"MMS{n} FGM burst magnetic field in GSE and its magnitude (SYNTHETIC, fluxrope)",
            f"mms{n}_fgm_b_gse_brst_l2", "nT", ["Epoch"], labl=["label_b_gse"]))
    return path
