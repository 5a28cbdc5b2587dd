"""Export synthetic products as MMS Level-2 CDF files, named and placed as the real ones, so that
pySPEDAS, pyrfu and irfu-matlab load them unchanged (docs/python.md "The MMS Level-2 files"). Written
with cdflib's writer. Every file says plainly, in its global attributes, that it is synthetic and
which fluxrope version and configuration made it.

Per spacecraft (mms<n>: MMS1..MMS4 by name, any other name through probes={name: n}):
  <root>/mms<n>/fpi/brst/l2/des-dist/YYYY/MM/DD/mms<n>_fpi_brst_l2_des-dist_<start>_v3.4.0.cdf
  <root>/mms<n>/fpi/brst/l2/des-moms/YYYY/MM/DD/mms<n>_fpi_brst_l2_des-moms_<start>_v3.4.0.cdf
  <root>/mms<n>/fpi/brst/l2/dis-{dist,moms}/YYYY/MM/DD/mms<n>_fpi_brst_l2_dis-*_<start>_v3.4.0.cdf
      (with ions=, the synth(instrument="dis") datasets)
  <root>/mms<n>/fgm/brst/l2/YYYY/MM/DD/mms<n>_fgm_brst_l2_<start>_v5.87.0.cdf
  <root>/mms<n>/edp/brst/l2/{dce,scpot}/YYYY/MM/DD/mms<n>_edp_brst_l2_{dce,scpot}_<start>_v*.cdf
  <root>/mms<n>/mec/srvy/l2/{epht89d,epht89q}/YYYY/MM/mms<n>_mec_srvy_l2_*_YYYYMMDD_v2.2.1.cdf
"""
import datetime as dt
import math
import os
import re
import tempfile

import numpy as np

from . import _core
from ._core import FluxropeError
from ._errors import boundary

DEFAULT_START = "2015-10-19T14:07:56"  # Yang et al. (2022): the event's burst interval
FPI_VERSION = "3.4.0"  # >= 3.1.0: irfu reads per-record energies
FGM_VERSION = "5.87.0"
FILL = -1e31
_MMS_NAME = re.compile(r"(?i)^mms([1-4])$")
_YEARS = (2000, 2100)  # the start times accepted (MMS launched in 2015)
FGM_BURST_HZ = 128.0  # FGM burst: 128 vectors/s (docs/instrument.md)
EDP_BURST_HZ = 8192.0  # EDP burst DCE: 8192 samples/s (docs/python.md "EDP and MEC")
EDP_VERSION = {"dce": "3.0.0", "scpot": "2.4.0"}
MEC_VERSION = "2.2.1"
MEC_CADENCE_S = 30.0  # MEC survey ephemeris: one record per 30 s
MEC_KINDS = ("epht89d", "epht89q")  # pyrfu reads the first, pySPEDAS by default the second
_MAX_EDP_RATE_HZ = 1e5
_MAX_FGM_RATE_HZ = 1e4
_MAX_FGM_SAMPLES = 10_000_000
# what export_cdf reads from each spacecraft's dataset (n: the number of records)
_TRACK_VARIABLES = (
    ("B_gse_nT", ("n", 3)), ("energy_eV", ("n", 32)), ("phi_deg", ("n", 32)),
    ("theta", (16,)), ("parity", ("n",)),
    ("dist_s3_cm6", ("n", 32, 16, 32)), ("disterr_s3_cm6", ("n", 32, 16, 32)),
    ("def_keV_cm2_s_sr_keV", ("n", 32, 16, 32)),
    ("moments_fpi_n_cm3", ("n",)), ("moments_fpi_V_gse_km_s", ("n", 3)),
    ("moments_fpi_V_dbcs_km_s", ("n", 3)), ("moments_fpi_P_gse_nPa", ("n", 3, 3)),
    ("moments_fpi_T_par_eV", ("n",)), ("moments_fpi_T_perp_eV", ("n",)),
    ("moments_fpi_q_gse_mW_m2", ("n", 3)),
)

# the two spectrometers: the file descriptor, the particle's name in CATDESC
_SPECTROMETER = {"des": ("DES>Dual Electron Spectrometer", "electron"),
                 "dis": ("DIS>Dual Ion Spectrometer", "ion")}

# CDF data types (CDF User's Guide)
CDF_INT8, CDF_UINT1, CDF_UINT2, CDF_UINT4 = 8, 11, 12, 14
CDF_REAL4, CDF_DOUBLE, CDF_TIME_TT2000, CDF_CHAR = 21, 45, 33, 51
_NUMPY = {CDF_REAL4: np.float32, CDF_DOUBLE: np.float64, CDF_UINT1: np.uint8,
          CDF_UINT2: np.uint16, CDF_UINT4: np.uint32, CDF_INT8: np.int64,
          CDF_TIME_TT2000: np.int64}
_TYPE_NAME = {CDF_REAL4: "CDF_REAL4", CDF_DOUBLE: "CDF_DOUBLE", CDF_UINT1: "CDF_UINT1",
              CDF_UINT2: "CDF_UINT2", CDF_UINT4: "CDF_UINT4", CDF_INT8: "CDF_INT8",
              CDF_TIME_TT2000: "CDF_TIME_TT2000"}


def _probe_of(name, probes):
    """The MMS probe number (1-4) a spacecraft's files are written for."""
    if probes is not None:
        if name not in probes:
            raise FluxropeError(f"export_cdf: probes gives no number for spacecraft {name!r}")
        n = probes[name]
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 4:
            raise FluxropeError(f"export_cdf: probes[{name!r}] = {n!r} must be 1, 2, 3 or 4")
        return int(n)
    m = _MMS_NAME.match(str(name))
    if not m:
        raise FluxropeError(f"export_cdf: spacecraft {name!r} is not MMS1..MMS4: give "
                            "probes={name: n} to say which probe's files it becomes")
    return int(m.group(1))


def _start(start):
    if isinstance(start, dt.datetime):
        t = start
    else:
        try:
            t = dt.datetime.fromisoformat(str(start).replace("Z", ""))
        except ValueError as e:
            raise FluxropeError(f"start time '{start}' is not ISO 8601 (e.g. {DEFAULT_START})") from e
    t = t.replace(tzinfo=None)
    if not _YEARS[0] <= t.year <= _YEARS[1]:
        raise FluxropeError(f"start time '{start}' is outside the years {_YEARS[0]}-{_YEARS[1]} "
                            "that MMS files are stamped with")
    return t


def _seconds(ds):
    """A track's times in seconds from t = 0 (t_s; a dataset built by hand may carry them as
    a numeric time)."""
    return np.asarray(ds["t_s"].values if "t_s" in ds.coords else ds["time"].values)


def _first_utc(ds, start):
    """The UTC datetime of a dataset's first record: start when given, else its time coordinate
    (UTC from [geometry] t0_utc), else DEFAULT_START for a dataset with times in seconds."""
    if start is not None:
        return _start(start)
    t = ds["time"].values if "time" in ds.coords else None
    if t is not None and np.issubdtype(t.dtype, np.datetime64) and len(t):
        ns = int(t[0].astype("datetime64[ns]").astype(np.int64))
        return _start(dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=ns // 1000))
    return _start(DEFAULT_START)


def _check_track(name, ds):
    """Every variable export_cdf writes, with its shape, finite: the number of records."""
    import xarray as xr
    if not isinstance(ds, xr.Dataset):
        raise FluxropeError(f"export_cdf: tracks[{name!r}] must be an xarray.Dataset as synth() or "
                            f"read() return, got {type(ds).__name__}")

    def get(key, shape):
        if key not in ds.variables:
            raise FluxropeError(f"export_cdf: the dataset of {name} has no '{key}' (a synth() or "
                                "read() dataset has every variable the files need)")
        a = np.asarray(ds[key].values)
        if not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
            raise FluxropeError(f"export_cdf: {name}'s {key} holds {a.dtype}, not numbers")
        if a.ndim != len(shape) or any(s is not None and a.shape[i] != s
                                       for i, s in enumerate(shape)):
            want = "(" + ", ".join("n" if s is None else str(s) for s in shape) + ")"
            raise FluxropeError(f"export_cdf: {name}'s {key} has shape {a.shape}, expected {want}")
        if not np.all(np.isfinite(a)):
            raise FluxropeError(f"export_cdf: {name}'s {key} is not finite everywhere")
        return a

    if "time" not in ds.variables:
        raise FluxropeError(f"export_cdf: the dataset of {name} has no 'time'")
    t = _seconds(ds)
    if t.ndim != 1 or not np.issubdtype(t.dtype, np.number) or not np.all(np.isfinite(t)):
        raise FluxropeError(f"export_cdf: {name}'s time (seconds, t_s) must be finite numbers "
                            "along one dimension")
    n = len(t)
    if n == 0:
        raise FluxropeError(f"export_cdf: {name} has no samples")
    utc = ds["time"].values
    for series in (t, utc) if np.issubdtype(utc.dtype, np.datetime64) else (t,):
        if n > 1 and not np.all(np.diff(series) > np.zeros((), np.diff(series).dtype)):
            k = int(np.argmax(~(np.diff(series) > np.zeros((), np.diff(series).dtype)))) + 1
            raise FluxropeError(f"export_cdf: {name}'s time must increase strictly "
                                f"(time[{k}] = {series[k]} after {series[k - 1]})")
    for key, shape in _TRACK_VARIABLES:
        get(key, tuple(n if s == "n" else s for s in shape))
    parity = ds["parity"].values
    if not np.all((parity == 0) | (parity == 1)):
        raise FluxropeError(f"export_cdf: {name}'s parity must be 0 or 1 in every record")
    return n


def _tt2000(times):
    import cdflib
    return np.asarray(cdflib.cdfepoch.compute_tt2000(
        [[t.year, t.month, t.day, t.hour, t.minute, t.second, t.microsecond // 1000,
          t.microsecond % 1000, 0] for t in times]), dtype=np.int64)


class _Export:
    """Every file of one export, written to temporaries beside their targets and renamed into
    place together once all are complete; on any failure the temporaries and the folders this
    export created are removed (the whole export lands, or nothing does)."""

    def __init__(self, root):
        self.root = root
        self.done = []       # (tmp, path) of complete files
        self.open = []       # temporaries being written
        self.created = []    # folders made, outermost first

    def makedirs(self, d):
        missing = []
        d = os.path.abspath(d)  # a bare relative name's dirname is '' (and stays so)
        while not os.path.isdir(d):
            if os.path.exists(d):
                raise FluxropeError(f"export_cdf: '{d}' exists and is not a folder")
            missing.append(d)
            parent = os.path.dirname(d)
            if parent == d:  # the file system's root, not a folder: nothing to create under
                raise FluxropeError(f"export_cdf: cannot create a folder under '{d}'")
            d = parent
        for m in reversed(missing):
            os.mkdir(m)
            self.created.append(m)

    def commit(self):
        for tmp, path in self.done:
            os.replace(tmp, path)
        self.done, self.created = [], []

    def rollback(self):
        for tmp in self.open + [t for t, _ in self.done]:
            if os.path.exists(tmp):
                os.remove(tmp)
        for d in reversed(self.created):
            try:
                os.rmdir(d)
            except OSError:
                pass


class _Writer:
    """One CDF of an _Export, written to a temporary file beside its target."""

    def __init__(self, export, path, global_attrs):
        import cdflib.cdfwrite
        if os.path.islink(path):  # a link to a regular file (checked): the file is replaced
            path = os.path.realpath(path)
        export.makedirs(os.path.dirname(path))
        # (cdflib appends .cdf to a name that does not end with it)
        fd, self.tmp = tempfile.mkstemp(prefix=".fluxrope-", suffix=".tmp.cdf",
                                        dir=os.path.dirname(path))
        os.close(fd)
        os.remove(self.tmp)  # cdflib creates it
        export.open.append(self.tmp)
        self.export, self.path = export, path
        self.cdf = cdflib.cdfwrite.CDF(self.tmp, cdf_spec={"Majority": "row_major"}, delete=True)
        self.cdf.write_globalattrs({k: {0: v} for k, v in global_attrs.items()})

    def var(self, name, data, cdf_type, attrs, rec_vary=True):
        if cdf_type == CDF_CHAR:
            strings = list(data)
            n = max(len(s) for s in strings)
            spec = {"Variable": name, "Data_Type": CDF_CHAR, "Num_Elements": n,
                    "Rec_Vary": False, "Dim_Sizes": [len(strings)]}
            attrs = {"FILLVAL": " ", **attrs}  # ISTP: a blank is the fill of CHAR variables
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
        try:
            self.cdf.close()
        except Exception:  # noqa: BLE001 - a failed file is removed anyway
            if kind is None:
                raise
        self.export.open.remove(self.tmp)
        if kind is None:
            self.export.done.append((self.tmp, self.path))
        elif os.path.exists(self.tmp):
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


def _time_var(w, name, epochs, catdesc, **extra):
    """A TT2000 time variable with the ISTP attributes (extra: e.g. the DELTA pointers)."""
    w.var(name, epochs, CDF_TIME_TT2000, {
        "CATDESC": catdesc, "FIELDNAM": name, "UNITS": "ns", "VAR_TYPE": "support_data",
        "LABLAXIS": "Epoch", "MONOTON": "INCREASE", "FILLVAL": -9223372036854775808,
        "VALIDMIN": 0, "VALIDMAX": 9223372036854775807, **extra, "TIME_BASE": "J2000",
        "TIME_SCALE": "Terrestrial Time", "REFERENCE_POSITION": "Rotating Earth Geoid",
        "SCALETYP": "linear", "FORMAT": "I22"})


def _epoch_vars(w, epochs, plus_ns):
    _time_var(w, "Epoch", epochs, "Start time of the accumulation (TT2000)",
              DELTA_PLUS_VAR="Epoch_plus_var", DELTA_MINUS_VAR="Epoch_minus_var")
    for name, value, desc in (("Epoch_plus_var", plus_ns, "Accumulation after Epoch"),
                              ("Epoch_minus_var", 0, "Accumulation before Epoch")):
        w.var(name, np.array(value), CDF_INT8, {
            "CATDESC": desc, "FIELDNAM": name, "UNITS": "ns", "VAR_TYPE": "support_data",
            "FILLVAL": -9223372036854775808, "VALIDMIN": 0, "VALIDMAX": 10_000_000_000,
            "SI_CONVERSION": "1e-9>s", "LABLAXIS": name, "FORMAT": "I12"}, rec_vary=False)


def _axis_label(field):
    """A short axis label from a variable name: mms1_des_numberdensity_brst -> numberdensity."""
    label = re.sub(r"^mms[1-4]_(des|dis|fgm|edp|mec)_", "", field)
    return re.sub(r"_(brst|brst_l2|srvy_l2|l2)$", "", label)


def _data_attrs(catdesc, field, units, depends, labl=None, display=None, fill=FILL,
                vmin=-1e30, vmax=1e30, var_type="data", axis=None):
    """ISTP variable attributes. DISPLAY_TYPE only on data (time_series unless given: vectors and
    tensors too, as the MMS files have it, since pySPEDAS draws any 'spectrogram' as one);
    LABLAXIS a short label (axis, or the name without its mms<n>_<instrument>_ prefix and rate
    suffix) unless LABL_PTR_i label the components; UNITS a blank for dimensionless values."""
    a = {"CATDESC": catdesc, "FIELDNAM": field, "UNITS": units or " ", "VAR_TYPE": var_type,
         "FILLVAL": fill, "VALIDMIN": vmin, "VALIDMAX": vmax, "FORMAT": "E12.4",
         "SCALETYP": "linear"}
    if var_type == "data":
        a["DISPLAY_TYPE"] = display or "time_series"
    for i, d in enumerate(depends):
        a[f"DEPEND_{i}"] = d
    for i, lab in enumerate(labl or [], start=1):
        a[f"LABL_PTR_{i}"] = lab
    if not labl:
        a["LABLAXIS"] = axis or _axis_label(field)
    return a


@boundary
def export_cdf(tracks, root, start=None, version=FPI_VERSION, equilibrium=None,
               fgm_rate_hz="auto", probes=None, edp_rate_hz=EDP_BURST_HZ, ions=None):
    """Write each spacecraft's des-dist, des-moms, FGM, EDP (dce, scpot) and MEC files under root,
    and with ions= its dis-dist and dis-moms files.

    tracks: {name: xarray.Dataset} as synth() or read() return them; names MMS1..MMS4 (any
        case) give the probe, or probes={name: 1..4} does.

    ions: {name: xarray.Dataset} as synth(instrument="dis") or read(path, "dis") return them, for
        spacecraft of tracks (the same configuration): their records keep their own 150 ms times
        on the same UTC as the DES records.

    root: the MMS data folder (pySPEDAS: MMS_DATA_DIR; pyrfu: mms.db_init(local=root)).

    start: the UTC time stamped on the first sample (ISO 8601 or datetime); default the
        dataset's own (its time coordinate: [geometry] t0_utc + t_s; for the default event
        2015-10-19 14:07:56, the paper's burst interval). Later samples keep their spacing.

    fgm_rate_hz: the FGM file samples the model field at this rate over the interval, from the
        Equilibrium the tracks came from (equilibrium=) or, without it, from the equilibrium of
        each dataset's configuration (config_toml), solved again (deterministic: the same field).
        "auto" (the default): FGM burst's 128 Hz where the field can be had that way (the
        spacecraft is one of its configuration's), else the FPI sample times; None: the field at
        the FPI sample times (the B fluxrope's PADs and moments used).

    edp_rate_hz: the rate of the EDP burst files (the model's E in the spacecraft frame, GSE and
        DSL, and the spacecraft potential [instrument] sc_potential_V); None: no EDP files. EDP
        and MEC (r_gse, v_gse every 30 s, epht89d and epht89q) are written for the spacecraft
        the configuration names (their field and position come from it).

    Angles and B_dmpa are in the instrument axes of the configuration's [instrument] dbcs_to_gse
        (DMPA taken as DBCS, both despun spacecraft axes).

    Everything is checked before the first file is written (names, probes, every variable's
    shape and values, the start, the rate, root and the target paths), and the files are
    renamed into place together at the end: the whole export lands, or nothing does.
    Returns the paths written. Raises FluxropeError naming what is wrong.
    """
    if start is not None:
        _start(start)  # a bad start is refused before anything else
    if not isinstance(tracks, dict) or not tracks:
        raise FluxropeError("export_cdf: tracks must be a non-empty {name: Dataset} dict")
    if ions is not None:
        if not isinstance(ions, dict):
            raise FluxropeError("export_cdf: ions must be a {name: Dataset} dict as "
                                "synth(instrument='dis') returns")
        for name, ds in ions.items():
            if name not in tracks:
                raise FluxropeError(f"export_cdf: ions[{name!r}] has no DES dataset in tracks "
                                    f"(the spacecraft are {sorted(tracks)})")
            if ds.attrs.get("instrument", "dis") != "dis":
                raise FluxropeError(f"export_cdf: ions[{name!r}] is a {ds.attrs['instrument']} "
                                    "dataset; ions takes synth(instrument='dis') datasets")
            if tracks[name].attrs.get("instrument", "des") != "des":
                raise FluxropeError(f"export_cdf: tracks[{name!r}] is a "
                                    f"{tracks[name].attrs['instrument']} dataset; tracks takes DES "
                                    "datasets (synth() or synth(instrument='des'))")
    if probes is not None and not isinstance(probes, dict):
        raise FluxropeError("export_cdf: probes must be a {name: probe number} dict")
    auto = isinstance(fgm_rate_hz, str) and fgm_rate_hz == "auto"
    if auto:
        fgm_rate_hz = FGM_BURST_HZ
    elif fgm_rate_hz is not None:
        if isinstance(fgm_rate_hz, bool) or not isinstance(
                fgm_rate_hz, (int, float, np.integer, np.floating)) or not (
                math.isfinite(fgm_rate_hz) and 0 < fgm_rate_hz <= _MAX_FGM_RATE_HZ):
            raise FluxropeError(f"export_cdf: fgm_rate_hz = {fgm_rate_hz!r} must be a rate in "
                                f"(0, {_MAX_FGM_RATE_HZ:g}] Hz (FGM burst: 128), 'auto' or None")
    if edp_rate_hz is not None and (isinstance(edp_rate_hz, bool) or not isinstance(
            edp_rate_hz, (int, float, np.integer, np.floating)) or not (
            math.isfinite(edp_rate_hz) and 0 < edp_rate_hz <= _MAX_EDP_RATE_HZ)):
        raise FluxropeError(f"export_cdf: edp_rate_hz = {edp_rate_hz!r} must be a rate in "
                            f"(0, {_MAX_EDP_RATE_HZ:g}] Hz (EDP burst: {EDP_BURST_HZ:g}) or None")
    if equilibrium is not None and not hasattr(equilibrium, "field"):
        raise FluxropeError("export_cdf: equilibrium must be the Equilibrium the tracks came from")
    root = os.fspath(root)
    if os.path.exists(root) and not os.path.isdir(root):
        raise FluxropeError(f"export_cdf: root '{root}' exists and is not a folder")
    plans, seen, solved = [], {}, {}
    for name, ds in tracks.items():
        n_rec = _check_track(name, ds)
        probe = _probe_of(name, probes)
        if probe in seen:
            raise FluxropeError(f"export_cdf: spacecraft {seen[probe]!r} and {name!r} would both "
                                f"be written as mms{probe}")
        seen[probe] = name
        t = _seconds(ds)
        t0 = _first_utc(ds, start)
        stamp, day = t0.strftime("%Y%m%d%H%M%S"), t0.strftime("%Y/%m/%d")
        try:
            times = [t0 + dt.timedelta(seconds=float(s - t[0])) for s in t]
        except OverflowError as e:
            raise FluxropeError(f"export_cdf: {name}'s times do not fit a date from {t0}") from e
        if times[-1].year > _YEARS[1]:
            raise FluxropeError(f"export_cdf: {name}'s last sample falls in {times[-1].year}")
        config = _config_of(name, ds)
        if config is None:
            raise FluxropeError(f"export_cdf: the dataset of {name} has no config_toml attribute "
                                "(synth() and read() datasets carry it): the instrument axes "
                                "(dbcs_to_gse) of its skymaps are unknown")
        field = None  # the equilibrium that gives the field at FGM's rate, if any
        if fgm_rate_hz:
            field = equilibrium if equilibrium is not None else _equilibrium_of(
                name, config, solved, required=not auto)
            if field is not None and (t[-1] - t[0]) * fgm_rate_hz > _MAX_FGM_SAMPLES:
                raise FluxropeError(f"export_cdf: {fgm_rate_hz:g} Hz over {t[-1] - t[0]:g} s is "
                                    f"more than {_MAX_FGM_SAMPLES} FGM samples")
        # EDP and MEC: for a spacecraft of the configuration, from its equilibrium
        model = None
        if name in config.spacecraft:
            model = equilibrium if equilibrium is not None else _equilibrium_of(
                name, config, solved, required=False)
            if edp_rate_hz and (t[-1] - t[0]) * edp_rate_hz > _MAX_FGM_SAMPLES:
                raise FluxropeError(f"export_cdf: {edp_rate_hz:g} Hz over {t[-1] - t[0]:g} s is "
                                    f"more than {_MAX_FGM_SAMPLES} EDP samples")
        # the accumulation after each time tag: the sample spacing (30 ms in burst mode)
        plus = int(round(float(np.median(np.diff(t))) * 1e9)) if n_rec > 1 else 30_000_000
        out = _Out(root, probe, stamp, day, ds.attrs.get("config_toml", ""), _tt2000(times), plus,
                   np.asarray(config.dbcs_to_gse))
        out.field, out.rate_hz = field, (fgm_rate_hz if field is not None else None)
        out.model, out.edp_rate_hz, out.config = model, edp_rate_hz, config
        out.zero_utc = times[0] - dt.timedelta(seconds=float(t[0]))  # UTC of t = 0
        if ions is not None and name in ions:
            ion = ions[name]
            n_ion = _check_track(name + " (DIS)", ion)
            ti = _seconds(ion)
            ion_plus = int(round(float(np.median(np.diff(ti))) * 1e9)) if n_ion > 1 else 150_000_000
            out.ions = (ion, _tt2000([out.zero_utc + dt.timedelta(seconds=float(x)) for x in ti]),
                        ion_plus)
        for path in out.paths(version):
            if os.path.lexists(path):
                real = os.path.realpath(path)
                if not os.path.isfile(real):
                    raise FluxropeError(f"export_cdf: '{path}' exists and is not a regular file")
        plans.append((name, ds, out))
    export = _Export(root)
    try:
        for name, ds, out in plans:
            out.export = export
            _write_dist(out, ds, version)
            _write_moms(out, ds, version)
            if out.ions is not None:
                ion, epochs, plus_ns = out.ions
                _write_dist(out, ion, version, "dis", epochs, plus_ns)
                _write_moms(out, ion, version, "dis", epochs, plus_ns)
            _write_fgm(out, ds, name)
            if out.model is not None:
                if out.edp_rate_hz:
                    _write_edp(out, ds, name)
                _write_mec(out, ds, name)
        written = [path for _, path in export.done]
        export.commit()
    except OSError as e:
        export.rollback()
        raise FluxropeError(f"export_cdf: cannot write the CDF files under '{root}': "
                            f"{e.strerror or e}" + (f" ('{e.filename}')" if e.filename else "")) from e
    except BaseException:
        export.rollback()
        raise
    return written


class _Out:
    """Where and how one spacecraft's files are written."""

    def __init__(self, root, n, stamp, day, cfg, epochs, plus_ns, dbcs_to_gse):
        self.root, self.n, self.stamp, self.day, self.cfg = root, n, stamp, day, cfg
        self.epochs, self.plus_ns = epochs, plus_ns
        self.dbcs_to_gse = dbcs_to_gse  # rows
        self.export = None
        self.field = self.rate_hz = self.model = self.edp_rate_hz = self.config = None
        self.zero_utc = None
        self.ions = None  # (Dataset, epochs, plus_ns) of the DIS records, when exported

    def to_dbcs(self, v_gse):
        """(n, 3) GSE vectors in the instrument axes: v_dbcs = R^T v_gse, R = dbcs_to_gse."""
        return v_gse @ self.dbcs_to_gse

    def b_dbcs(self, ds):
        return self.to_dbcs(ds["B_gse_nT"].values)

    def fpi_path(self, kind, version):
        src = f"mms{self.n}_fpi_brst_l2_{kind}"
        return os.path.join(self.root, f"mms{self.n}", "fpi", "brst", "l2", kind, self.day,
                            f"{src}_{self.stamp}_v{version}.cdf")

    def fgm_path(self):
        return os.path.join(self.root, f"mms{self.n}", "fgm", "brst", "l2", self.day,
                            f"mms{self.n}_fgm_brst_l2_{self.stamp}_v{FGM_VERSION}.cdf")

    def edp_path(self, kind):
        return os.path.join(self.root, f"mms{self.n}", "edp", "brst", "l2", kind, self.day,
                            f"mms{self.n}_edp_brst_l2_{kind}_{self.stamp}_v{EDP_VERSION[kind]}.cdf")

    def mec_path(self, kind):
        return os.path.join(self.root, f"mms{self.n}", "mec", "srvy", "l2", kind, self.day[:7],
                            f"mms{self.n}_mec_srvy_l2_{kind}_{self.stamp[:8]}_v{MEC_VERSION}.cdf")

    def paths(self, version):
        p = [self.fpi_path("des-dist", version), self.fpi_path("des-moms", version),
             self.fgm_path()]
        if self.ions is not None:
            p += [self.fpi_path("dis-dist", version), self.fpi_path("dis-moms", version)]
        if self.model is not None:
            p += [self.edp_path("dce"), self.edp_path("scpot")] if self.edp_rate_hz else []
            p += [self.mec_path(k) for k in MEC_KINDS]
        return p

    def fpi(self, kind, version, what, epochs=None, plus_ns=None):
        """An FPI burst file: kind "des-dist", "des-moms", "dis-dist" or "dis-moms", opened with
        its Epoch variables (the DES records' unless epochs, plus_ns are given)."""
        src = f"mms{self.n}_fpi_brst_l2_{kind}"
        w = _Writer(self.export, self.fpi_path(kind, version),
                    _global(self.n, src, f"brst_l2_{kind}", _SPECTROMETER[kind[:3]][0],
                            version, f"{src}_{self.stamp}_v{version}", self.cfg, what))
        try:
            _epoch_vars(w, self.epochs if epochs is None else epochs,
                        self.plus_ns if plus_ns is None else plus_ns)
        except BaseException as e:
            w.__exit__(type(e), e, e.__traceback__)
            raise
        return w


def _write_dist(out, ds, version, inst="des", epochs=None, plus_ns=None):
    n = out.n
    p = f"mms{n}_{inst}_"
    who, particle = inst.upper(), _SPECTROMETER[inst][1]
    with out.fpi(f"{inst}-dist", version, f"MMS FPI {who} burst {particle} distributions",
                 epochs, plus_ns) as w:
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
        _flag_vars(w, p, len(parity))
        deps = ["Epoch", p + "phi_brst", p + "theta_brst", p + "energy_brst"]
        labl = [p + "sector_label_brst", p + "pixel_label_brst", p + "energy_label_brst"]
        for key, var, desc in (("dist_s3_cm6", "dist", "phase-space density"),
                               ("disterr_s3_cm6", "disterr", "phase-space density error")):
            w.var(p + var + "_brst", ds[key].values, CDF_REAL4, _data_attrs(
                f"MMS{n} {who} burst {particle} {desc} (SYNTHETIC, fluxrope)", p + var + "_brst",
                "s^3/cm^6", deps, labl=labl, display="spectrogram", vmin=0.0, vmax=1e-10))
    return w.path


def _write_moms(out, ds, version, inst="des", epochs=None, plus_ns=None):
    n = out.n
    p = f"mms{n}_{inst}_"
    who, particle = inst.upper(), _SPECTROMETER[inst][1]
    Particle = particle.capitalize()
    with out.fpi(f"{inst}-moms", version, f"MMS FPI {who} burst {particle} moments",
                 epochs, plus_ns) as w:
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
            "numberdensity": (n_cm3, "cm^-3", f"{Particle} number density", [], None),
            "bulkv_gse": (ds["moments_fpi_V_gse_km_s"].values, "km/s",
                          f"{Particle} bulk velocity, GSE (spacecraft frame)", [], [cart]),
            "bulkv_dbcs": (ds["moments_fpi_V_dbcs_km_s"].values, "km/s",
                           f"{Particle} bulk velocity, DBCS", [], [p + "cartrep_i_brst"]),
            "prestensor_gse": (P, "nPa", f"{Particle} pressure tensor, GSE", [], [cart, cart]),
            "temptensor_gse": (T, "eV", f"{Particle} temperature tensor, GSE", [], [cart, cart]),
            "temppara": (ds["moments_fpi_T_par_eV"].values, "eV",
                         f"{Particle} temperature along the magnetic field", [], None),
            "tempperp": (ds["moments_fpi_T_perp_eV"].values, "eV",
                         f"{Particle} temperature across the magnetic field", [], None),
            "heatq_gse": (ds["moments_fpi_q_gse_mW_m2"].values, "mW/m^2",
                          f"{Particle} heat flux, GSE", [], [cart]),
        }
        # the instrument axes' tensors: P_dbcs = R^T P_gse R (R = dbcs_to_gse)
        R = out.dbcs_to_gse
        cart_i = p + "cartrep_i_brst"
        for var, data, desc in (("prestensor_dbcs", P, f"{Particle} pressure tensor, DBCS"),
                                ("temptensor_dbcs", T, f"{Particle} temperature tensor, DBCS")):
            vals[var] = (np.einsum("ai,nab,bj->nij", R, data, R), vals[var.replace("dbcs", "gse")][1],
                         desc, [], [cart_i, cart_i])
        # the counting statistics (docs/fit.md): the real file's _err variables (bulkv_err,
        # prestensor_err, temptensor_err, in GSE here) and fluxrope's own for T_par, T_perp
        for var, base, key, labl in (
                ("numberdensity_err", "numberdensity", "moments_fpi_sigma_n_cm3", None),
                ("bulkv_err", "bulkv_gse", "moments_fpi_sigma_V_gse_km_s", [cart]),
                ("bulkv_gse_err", "bulkv_gse", "moments_fpi_sigma_V_gse_km_s", [cart]),
                ("prestensor_err", "prestensor_gse", "moments_fpi_sigma_P_gse_nPa", [cart, cart]),
                ("temptensor_err", "temptensor_gse", "moments_fpi_sigma_T_gse_eV", [cart, cart]),
                ("temppara_err", "temppara", "moments_fpi_sigma_T_par_eV", None),
                ("tempperp_err", "tempperp", "moments_fpi_sigma_T_perp_eV", None)):
            if key in ds:
                units, desc = vals[base][1], vals[base][2]
                vals[var] = (ds[key].values, units, "1-sigma counting error of the " +
                             desc[0].lower() + desc[1:], [], labl)
        for var, (data, units, desc, _, labl) in vals.items():
            attrs = _data_attrs(f"MMS{n} {who} burst {desc} (SYNTHETIC, fluxrope)",
                                p + var + "_brst", units, ["Epoch"], labl=labl)
            if data.ndim == 3:  # tensors: both component axes labelled and represented by cartrep
                attrs.update(REPRESENTATION_1=cart, REPRESENTATION_2=cart)
            w.var(p + var + "_brst", data, CDF_REAL4, attrs)
        # the spectra and PADs of DEF the ground system writes (docs/instrument.md "The moments
        # file"), computed in the library from the same skymaps (fluxrope._core.ground_spectra)
        g = _core.ground_spectra(np.ascontiguousarray(ds["def_keV_cm2_s_sr_keV"].values, dtype=float),
                                 np.ascontiguousarray(ds["energy_eV"].values, dtype=float),
                                 np.ascontiguousarray(out.b_dbcs(ds), dtype=float))
        n_pitch = g["n_pitch"]
        width = 180.0 / n_pitch
        w.var(p + "pitchangle_brst", width * (np.arange(n_pitch) + 0.5), CDF_REAL4, _data_attrs(
            "Pitch angle of each bin centre of the pitchangdist variables", p + "pitchangle_brst",
            "deg", [], var_type="support_data", vmin=0.0, vmax=180.0, axis="pitch angle"),
            rec_vary=False)
        w.var(p + "pitchangle_delta_brst", np.full(n_pitch, width / 2), CDF_REAL4, _data_attrs(
            "Half width of the pitch-angle bins", p + "pitchangle_delta_brst", "deg", [],
            var_type="support_data", vmin=0.0, vmax=180.0), rec_vary=False)
        par, anti = g["par_max_deg"], g["anti_min_deg"]
        for kind, desc in (("omni", "omni-directional (all 512 directions)"),
                           ("par", f"parallel (pitch angle 0-{par:g} deg)"),
                           ("perp", f"perpendicular (pitch angle {par:g}-{anti:g} deg)"),
                           ("anti", f"antiparallel (pitch angle {anti:g}-180 deg)")):
            w.var(p + f"energyspectr_{kind}_brst", _filled(g[kind]), CDF_REAL4, _data_attrs(
                f"MMS{n} {who} burst {desc} energy spectrum, DEF averaged over the bins "
                "(SYNTHETIC, fluxrope)", p + f"energyspectr_{kind}_brst", "keV/(cm^2 s sr keV)",
                ["Epoch", p + "energy_brst"], display="spectrogram", vmin=0.0, vmax=1e12,
                axis=f"DEF {kind}"))
        edges = g["energy_edges_eV"]
        for r, kind in enumerate(("lowen", "miden", "highen")):
            w.var(p + f"pitchangdist_{kind}_brst", _filled(g["pad"][:, r, :]), CDF_REAL4, _data_attrs(
                f"MMS{n} {who} burst pitch-angle distribution, DEF averaged over the bins of "
                f"{edges[r]:g}-{edges[r + 1]:g} eV (SYNTHETIC, fluxrope)",
                p + f"pitchangdist_{kind}_brst", "keV/(cm^2 s sr keV)",
                ["Epoch", p + "pitchangle_brst"], display="spectrogram", vmin=0.0, vmax=1e12,
                axis=f"PAD {kind}"))
        _flag_vars(w, p, len(n_cm3))
    return w.path


def _flag_vars(w, p, n_rec):
    """errorflags and compressionloss, as in every FPI file (pySPEDAS draws their flag bars)."""
    zeros = np.zeros(n_rec)
    w.var(p + "errorflags_brst", zeros, CDF_UINT4, _data_attrs(
        "Error flags (synthetic: none)", p + "errorflags_brst", "", ["Epoch"],
        var_type="support_data", fill=4294967295, vmin=0, vmax=4294967294))
    w.var(p + "compressionloss_brst", zeros, CDF_UINT1, _data_attrs(
        "Lossy compression flag (synthetic: none)", p + "compressionloss_brst", "", ["Epoch"],
        var_type="support_data", fill=255, vmin=0, vmax=1))


def _filled(a):
    """NaN (a cell no bin falls in) as the files' fill value."""
    return np.where(np.isnan(a), FILL, a)


def _write_fgm(out, ds, name):
    n = out.n
    epochs = out.epochs
    B = ds["B_gse_nT"].values
    resolution = "30 ms (FPI sample times)"
    if out.rate_hz:
        t = _seconds(ds)
        ts = np.arange(t[0], t[-1] + (t[1] - t[0] if len(t) > 1 else 0.03), 1.0 / out.rate_hz)
        B = out.field.field(name, ts)
        # TT2000 of each sample: the first FPI record's plus the offset
        epochs = epochs[0] + np.round((ts - t[0]) * 1e9).astype(np.int64)
        resolution = f"{1.0 / out.rate_hz:.6g} s ({out.rate_hz:g} Hz)"
    src = f"mms{n}_fgm_brst_l2"
    path = out.fgm_path()
    attrs = _global(n, src, "brst_l2", "FGM>Fluxgate Magnetometer", FGM_VERSION,
                    f"{src}_{out.stamp}_v{FGM_VERSION}", out.cfg,
                    f"MMS FGM burst magnetic field (the model field, {resolution})")
    attrs["Time_resolution"] = resolution
    with _Writer(out.export, path, attrs) as w:
        _epoch_vars(w, epochs, 0)
        for frame, vectors in (("gse", B), ("dmpa", out.to_dbcs(B))):
            label = f"label_b_{frame}"
            _labels(w, label, [f"Bx {frame.upper()}", f"By {frame.upper()}",
                               f"Bz {frame.upper()}", "Bt"], f"B {frame.upper()} labels")
            var = f"mms{n}_fgm_b_{frame}_brst_l2"
            frame_text = "GSE" if frame == "gse" else "DMPA (the instrument axes, as DBCS)"
            w.var(var, np.column_stack([vectors, np.sqrt((vectors * vectors).sum(axis=1))]),
                  CDF_REAL4, _data_attrs(
                      f"MMS{n} FGM burst magnetic field in {frame_text} and its magnitude "
                      "(SYNTHETIC, fluxrope)", var, "nT", ["Epoch"], labl=[label]))
        w.var(f"mms{n}_fgm_flag_brst_l2", np.zeros(len(epochs)), CDF_UINT4, _data_attrs(
            "Quality flag (synthetic: 0, good)", f"mms{n}_fgm_flag_brst_l2", "", ["Epoch"],
            var_type="support_data", fill=4294967295, vmin=0, vmax=4294967294, axis="flag"))
    return path


def _config_of(name, ds):
    """The Config a dataset was made with (config_toml); None when it carries none."""
    text = ds.attrs.get("config_toml")
    if not text:
        return None
    from .api import load_config
    try:
        return load_config(str(text))
    except FluxropeError as e:
        raise FluxropeError(f"export_cdf: the configuration of {name} (config_toml): {e}") from e


def _equilibrium_of(name, config, solved, required):
    """The equilibrium of a dataset's configuration, solved once per configuration; None when
    the field cannot be had that way and it is not required."""
    if name not in config.spacecraft:
        if not required:
            return None
        raise FluxropeError(f"export_cdf: fgm_rate_hz needs the equilibrium the tracks came "
                            f"from: give equilibrium=, since {name} is not a spacecraft of its "
                            f"configuration ({', '.join(config.spacecraft)})")
    if config.toml not in solved:
        from .api import solve
        solved[config.toml] = solve(config, backend="cpu")
    return solved[config.toml]


def _labels(w, name, strings, what):
    w.var(name, strings, CDF_CHAR, {"CATDESC": what, "FIELDNAM": name, "VAR_TYPE": "metadata",
                                    "FORMAT": f"A{max(len(x) for x in strings)}"})


def _write_edp(out, ds, name):
    """EDP burst dce (E in GSE and DSL, E_par) and scpot files at edp_rate_hz."""
    n = out.n
    t = _seconds(ds)
    ts = np.arange(t[0], t[-1] + (t[1] - t[0] if len(t) > 1 else 0.03), 1.0 / out.edp_rate_hz)
    epochs = out.epochs[0] + np.round((ts - t[0]) * 1e9).astype(np.int64)
    E = np.asarray(out.model.electric_field(name, ts))  # mV/m, GSE, spacecraft frame
    B = np.asarray(out.model.field(name, ts))
    e_par = (E * B).sum(axis=1) / np.linalg.norm(B, axis=1)
    ep = f"mms{n}_edp_epoch_brst_l2"
    rate = f"{out.edp_rate_hz:g} samples/s"
    for kind, what in (("dce", f"MMS EDP burst electric field (the model's, {rate})"),
                       ("scpot", f"MMS EDP burst spacecraft potential ({rate})")):
        src = f"mms{n}_edp_brst_l2_{kind}"
        attrs = _global(n, src, f"brst_l2_{kind}", "EDP>Electric Double Probe", EDP_VERSION[kind],
                        f"{src}_{out.stamp}_v{EDP_VERSION[kind]}", out.cfg, what)
        attrs["Instrument_type"] = "Electric Fields (space)"
        attrs["Time_resolution"] = rate
        with _Writer(out.export, out.edp_path(kind), attrs) as w:
            _time_var(w, ep, epochs, "Time of the sample (TT2000)")
            if kind == "dce":
                for frame, vectors, text in (("gse", E, "GSE"),
                                             ("dsl", out.to_dbcs(E), "DSL (the instrument axes, as DBCS)")):
                    label = f"mms{n}_edp_label1_{frame}_brst_l2"
                    _labels(w, label, [f"Ex {frame.upper()}", f"Ey {frame.upper()}",
                                       f"Ez {frame.upper()}"], f"E {frame.upper()} labels")
                    var = f"mms{n}_edp_dce_{frame}_brst_l2"
                    w.var(var, vectors, CDF_REAL4, _data_attrs(
                        f"MMS{n} EDP burst electric field in {text}, spacecraft frame "
                        "(SYNTHETIC, fluxrope: the model's E + U x B)", var, "mV/m", [ep],
                        labl=[label]))
                label = f"mms{n}_edp_label1_par_brst_l2"
                _labels(w, label, ["E par", "E par err"], "E_par labels")
                var = f"mms{n}_edp_dce_par_epar_brst_l2"
                w.var(var, np.column_stack([e_par, np.zeros_like(e_par)]), CDF_REAL4, _data_attrs(
                    f"MMS{n} EDP burst electric field along B and its error (SYNTHETIC, "
                    "fluxrope: error 0)", var, "mV/m", [ep], labl=[label]))
            else:
                var = f"mms{n}_edp_scpot_brst_l2"
                w.var(var, np.full(len(ts), out.config.sc_potential_V), CDF_REAL4, _data_attrs(
                    f"MMS{n} EDP burst spacecraft potential (SYNTHETIC, fluxrope: "
                    "[instrument] sc_potential_V)", var, "V", [ep], axis="scpot"))


def _write_mec(out, ds, name):
    """MEC survey ephemeris: r_gse, v_gse every 30 s on the minute grid, over the interval with
    one record either side (what readers interpolate from)."""
    n = out.n
    t = _seconds(ds)
    first = out.zero_utc + dt.timedelta(seconds=float(t[0]))
    last = out.zero_utc + dt.timedelta(seconds=float(t[-1]))
    grid0 = first.replace(second=0, microsecond=0)
    k0 = math.floor((first - grid0).total_seconds() / MEC_CADENCE_S) - 1
    k1 = math.ceil((last - grid0).total_seconds() / MEC_CADENCE_S) + 1
    utc = [grid0 + dt.timedelta(seconds=MEC_CADENCE_S * k) for k in range(k0, k1 + 1)]
    ts = np.array([(u - out.zero_utc).total_seconds() for u in utc])  # seconds from t = 0
    ref = np.asarray(out.config.reference_gse_km)
    vel = np.asarray(out.config.formation_velocity_gse_km_s)
    P = np.asarray(out.config.spacecraft_positions_gse_km[name])
    r = ref + P + ts[:, None] * vel
    v = np.tile(vel, (len(ts), 1))
    for kind in MEC_KINDS:
        src = f"mms{n}_mec_srvy_l2_{kind}"
        attrs = _global(n, src, f"srvy_l2_{kind}", "MEC>Mission Ephemeris and Coordinates",
                        MEC_VERSION, f"{src}_{out.stamp[:8]}_v{MEC_VERSION}", out.cfg,
                        "MMS ephemeris (the configured formation)")
        attrs["Instrument_type"] = "Ephemeris/Attitude/Orientation"
        attrs["Time_resolution"] = f"{MEC_CADENCE_S:g} s"
        with _Writer(out.export, out.mec_path(kind), attrs) as w:
            _time_var(w, "Epoch", _tt2000(utc), "Time of the ephemeris record (TT2000)")
            for q, data, units, what in (("r", r, "km", "position"), ("v", v, "km/s", "velocity")):
                label = f"mms{n}_mec_{q}_gse_label"
                _labels(w, label, [f"{q.upper()}x GSE", f"{q.upper()}y GSE", f"{q.upper()}z GSE"],
                        f"{what} labels")
                var = f"mms{n}_mec_{q}_gse"
                w.var(var, data, CDF_DOUBLE, _data_attrs(
                    f"MMS{n} {what}, GSE (SYNTHETIC, fluxrope: the configured formation)", var,
                    units, ["Epoch"], labl=[label], vmin=-1e7, vmax=1e7))
