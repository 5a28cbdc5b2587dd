"""The Python API: configuration, equilibrium, f at arbitrary points, synthetic FPI products,
the centre fit, and reading fluxrope's HDF5 files. Everything computes in the C++/CUDA engine
(fluxrope._core); this module only turns its arrays into xarray objects. Units are in every
name and in each variable's ``units`` attribute (km, km/s, nT, cm^-3, eV, s^3/cm^6, ...)."""
import os

import numpy as np
import xarray as xr

from . import _core, _toml
from ._core import FluxropeError
from ._errors import boundary

__all__ = ["at_energy", "Config", "load_config", "Equilibrium", "solve", "synth", "fit_center", "fit",
           "observations_from_l2", "read", "to_pyrfu_skymap"]

Config = _core.Config

# Index coordinates: the array that labels a dimension of the products.
_COORDS = {"time_s": "time", "theta_deg": "theta", "pitch_deg": "pitch",
           "pad_gyro_energy_eV": "pad_gyro_energy", "pad_gyro_pitch_deg": "pad_gyro_pitch",
           "rho_km": "rho"}
# Per-record coordinates (as pyrfu's skymaps carry energy and phi per time).
_AUX_COORDS = {"energy_eV", "phi_deg", "position_rope_km", "x"}


def _is_path(source):
    """A string is a file name unless it reads as TOML text: a line break, a '=', or a table
    header ('[model' is TOML with an error, not a file name). An existing file is always one."""
    if os.path.lexists(source):
        return True
    return not ("\n" in source or "=" in source or source.lstrip().startswith("["))


@boundary
def load_config(source=None, *, preset="yang2022", set=None):
    """A validated configuration.

    source: None (the preset alone), a path to a TOML file, a TOML string, or a nested dict
        such as ``{"model": {"tau_z": 0.5}, "geometry": {"duration_s": 2.0}}``.

    preset: the built-in parameter set it starts from (``fluxrope presets`` lists them).

    set: overrides applied last, ``{"model.tau_z": 0.5}``, ``{"model": {"tau_z": 0.5}}`` or the
        tool's strings ``["model.tau_z=0.5"]``.

    Raises FluxropeError with the same one-line message as the fluxrope tool (unknown key,
    wrong type, non-positive temperature, ...).
    """
    file = text = None
    text_name = "the configuration text"
    if isinstance(source, dict):
        text, text_name = _toml.dumps(source), "the configuration dict"
    elif isinstance(source, os.PathLike) or (isinstance(source, str) and _is_path(source)):
        file = os.fspath(source)
    elif isinstance(source, str):
        text = source
    elif source is not None:
        raise FluxropeError(
            f"a configuration is a path, a TOML string or a dict, got {type(source).__name__}")
    return _core.load_config(preset, file, text, text_name, _toml.overrides(set))


def _var(ds, key, who, name):
    """ds[key] of a spacecraft's dataset, or a FluxropeError naming what is missing."""
    if key not in ds.variables:
        raise FluxropeError(f"{who}: the dataset of {name} has no '{key}'")
    return ds[key].values


def _config(config):
    if config is None:
        return load_config()
    if isinstance(config, Config):
        return config
    return load_config(config)


# Component labels of the vector and tensor dimensions.
_COMPONENTS = {"gse": ["x", "y", "z"], "gse_col": ["x", "y", "z"], "dbcs": ["x", "y", "z"],
               "lmn": ["L", "M", "N"], "xyz_rope": ["x", "y", "z"]}
_FRAME_TEXT = {"gse": "GSE", "gse_col": "GSE (tensor columns)", "dbcs": "DBCS (instrument axes)",
               "lmn": "LMN (the configured L, M, N)", "xyz_rope": "rope frame (z the axis)"}
# What each product is (long_name); units stay in the name and the units attribute.
_LONG_NAMES = {
    "parity": "energy table of the record (burst steptable parity)",
    "rho_km": "distance from the rope axis", "B_gse_nT": "model magnetic field, GSE",
    "B_lmn_nT": "model magnetic field, LMN",
    "dist_s3_cm6": "phase-space density as L2 dist (counts-based, the instrument's bins)",
    "disterr_s3_cm6": "phase-space density error as L2 disterr (Poisson)",
    "dist_model_s3_cm6": "phase-space density of the model in the instrument's bins (no noise)",
    "counts_expected": "expected counts per bin", "counts": "Poisson counts per bin",
    "def_keV_cm2_s_sr_keV": "differential energy flux of dist",
    "pad_s3_cm6": "PAD of dist",
    "pad_gyro_s3_cm6": "gyro-averaged model PAD (dense grid)",
    "f_min_s3_cm6": "smallest model phase-space density in the skymap",
    "n_negative_bins": "skymap bins with negative model f",
    "ne_cm3": "model electron density", "Ve_gse_km_s": "model electron bulk velocity, GSE",
    "Ve_minus_Vi_lmn_km_s": "model electron velocity relative to the ions, LMN",
    "T_par_eV": "model electron temperature along B", "T_perp_eV": "model electron temperature across B",
    "j_lmn_nA_m2": "model current density, LMN",
}
_MOMENT_TEXT = {"n_cm3": "density", "V_dbcs_km_s": "bulk velocity, DBCS",
                "V_gse_km_s": "bulk velocity, GSE", "P_gse_nPa": "pressure tensor, GSE",
                "T_par_eV": "temperature along B", "T_perp_eV": "temperature across B",
                "q_gse_mW_m2": "heat flux, GSE"}


def _long_name(name):
    if name in _LONG_NAMES:
        return _LONG_NAMES[name]
    for prefix, whose in (("moments_fpi_model_", "ground-system moment of the noise-free skymap: "),
                          ("moments_fpi_", "ground-system moment of dist: ")):
        if name.startswith(prefix):
            key = name[len(prefix):]
            sigma = key.startswith("sigma_")
            text = _MOMENT_TEXT.get(key[6:] if sigma else key, key.replace("_", " "))
            return whose + ("1-sigma counting error of the " if sigma else "") + text
    return name.replace("_", " ")


def _seconds(ds):
    """A track's sample times in seconds from t = 0: the t_s coordinate, or a numeric time."""
    if "t_s" in ds.coords:
        return ds["t_s"].values
    return ds["time"].values


def _utc(t0_utc, t_s):
    """datetime64[ns] UTC of times t_s [s] after t0_utc."""
    return np.datetime64(t0_utc, "ns") + np.round(np.asarray(t_s) * 1e9).astype("timedelta64[ns]")


def _track_dataset(arrays, attrs, config):
    """A spacecraft's products as an analysis-ready Dataset: time in UTC (t_s, seconds from
    [geometry] t0_utc, beside it), the energy channel coordinate, component labels, long_name
    and units on every variable."""
    ds = _dataset(arrays, attrs)
    t_s = ds["time"].values
    ds = ds.assign_coords(t_s=("time", t_s, {"units": "s", "long_name": "time from t = 0 "
                                             f"({config.t0_utc} UTC, [geometry] t0_utc)"}))
    ds = ds.assign_coords(time=("time", _utc(config.t0_utc, t_s),
                                {"long_name": "UTC (accumulation start)"}))
    if "energy" in ds.dims:
        ds = ds.assign_coords(energy=("energy", np.arange(ds.sizes["energy"]), {
            "long_name": "energy channel (its energy per record: energy_eV; fluxrope.at_energy "
                         "interpolates to a fixed energy)", "units": "1"}))
    for dim, labels in _COMPONENTS.items():
        if dim in ds.dims and ds.sizes[dim] == len(labels):
            ds = ds.assign_coords({dim: (dim, labels, {"long_name": _FRAME_TEXT[dim] + " component"})})
    for name in list(ds.data_vars) + list(ds.coords):
        ds[name].attrs.setdefault("long_name", _long_name(name))
        if name != "time":  # (a datetime64 coordinate carries its unit in its type)
            ds[name].attrs.setdefault("units", "1")
    return ds


@boundary
def at_energy(ds, var, energy_eV):
    """ds[var] at a fixed energy: each record's values interpolated between the two channels of
    its own energy table that bracket energy_eV, linearly in log E.

    Burst records alternate two tables half a channel apart (parity 0 / 1), so one channel index
    is 48.6 eV in one record and 55.1 eV in the next: a spectrogram at a fixed channel is striped.
    var: a variable with dimensions (time, ..., energy, ...) whose energy axis is the channel one
    (pad_s3_cm6, def_keV_cm2_s_sr_keV, dist_s3_cm6, ...). Returns a DataArray without the energy
    dimension; its attrs say how it was made. NaN cells stay NaN (a neighbour NaN gives NaN).
    """
    if not isinstance(ds, xr.Dataset):
        raise FluxropeError(f"at_energy: needs a spacecraft's Dataset, got {type(ds).__name__}")
    name = ds.attrs.get("spacecraft", "the spacecraft")
    a = ds[var] if var in ds.variables else None
    if a is None:
        raise FluxropeError(f"at_energy: the dataset of {name} has no '{var}'")
    if "energy" not in a.dims or a.dims[0] != "time":
        raise FluxropeError(f"at_energy: {var} has dimensions {a.dims}, not (time, ..., energy, ...)")
    try:
        e = float(energy_eV)
    except (TypeError, ValueError) as err:
        raise FluxropeError(f"at_energy: energy_eV = {energy_eV!r} is not a number") from err
    table = np.asarray(_var(ds, "energy_eV", "at_energy", name), dtype=float)  # (time, energy)
    lo, hi = table.min(axis=1).max(), table.max(axis=1).min()
    if not (np.isfinite(e) and lo <= e <= hi):
        raise FluxropeError(f"at_energy: energy_eV = {energy_eV!r} is outside the energies every "
                            f"record covers, {lo:.6g} .. {hi:.6g} eV")
    x, logt = np.log(e), np.log(table)
    # the bracketing channels of every record: i with logt[i] <= x <= logt[i + 1]
    i = np.clip((logt <= x).sum(axis=1) - 1, 0, table.shape[1] - 2)
    rows = np.arange(table.shape[0])
    w = (x - logt[rows, i]) / (logt[rows, i + 1] - logt[rows, i])  # (time,)
    v = a.transpose("time", "energy", ...)
    lower, upper = v.values[rows, i], v.values[rows, i + 1]
    w = w.reshape((-1,) + (1,) * (lower.ndim - 1))
    out = xr.DataArray((1 - w) * lower + w * upper, dims=("time",) + v.dims[2:],
                       coords={c: v.coords[c] for c in v.coords
                               if "energy" not in v.coords[c].dims})
    out.attrs = {**a.attrs, "energy_eV": e,
                 "long_name": f"{a.attrs.get('long_name', var)} at {e:g} eV",
                 "interpolation": "each record between the two channels of its own energy table "
                                  "(burst parity 0 or 1) bracketing the energy, linear in log E"}
    out.name = f"{var}_at_{e:g}eV"
    return out


def _dataset(arrays, attrs=None):
    """xarray.Dataset from {name: (values, units, axes)}; '/' in names becomes '_'."""
    data_vars, coords = {}, {}
    for name, (values, units, axes) in arrays.items():
        dims = tuple(axes.split(",")) if axes else ()
        values = np.asarray(values)
        if len(dims) != values.ndim:
            dims = tuple(f"{name}_dim{i}" for i in range(values.ndim))
        if len(set(dims)) != len(dims):  # a file from before the tensors' axes were distinct
            dims = tuple(d if d not in dims[:i] else f"{d}_col" for i, d in enumerate(dims))
        var = xr.Variable(dims, values, attrs={"units": units})
        if name in _COORDS and dims == (_COORDS[name],):
            coords[_COORDS[name]] = var
            coords[_COORDS[name]].attrs["long_name"] = name
        elif name in _AUX_COORDS:
            coords[name] = var
        else:
            data_vars[name.replace("/", "_")] = var
    return xr.Dataset(data_vars, coords=coords, attrs=attrs or {})


class Equilibrium:
    """A solved equilibrium.

    profile: xarray.Dataset over dimension ``rho`` (coordinate ``rho`` in km, ``x`` = rho / L_st):
        B_z, B_phi [nT], E_rho [mV/m], Phi [V], A_phi, A_z [nT km], n_e, n_i and the population
        densities [cm^-3], V_e [km/s], j [nA/m^2], temperatures [eV]; attributes: the scales.

    history: xarray.Dataset over ``pass``: max|dB| [nT] (NaN for the closed-form pass 0),
        n_e normalization [cm^-3], seconds.

    validity: the negativity scan of f_e (docs/model.md §8) as a dict.
    config: the Config it was solved for; converged; backend (its name).
    """

    def __init__(self, core=None, profile=None, history=None, validity=None, config=None,
                 converged=None, backend=None):
        self._core = core
        if core is not None:
            scales = core.scales()
            self.profile = _dataset(core.profile_arrays(), attrs=scales)
            h = core.history()
            self.history = xr.Dataset({k: ("pass", v, {"units": u}) for (k, v), u in zip(
                h.items(), ("nT", "cm^-3", "s"))})
            self.validity = core.validity()
            self.config = core.config
            self.converged = core.converged
            self.backend = core.backend
        else:
            self.profile, self.history, self.validity = profile, history, validity
            self.config, self.converged, self.backend = config, converged, backend

    def _engine(self):
        if self._core is None:  # read from a file: solve the stored configuration again
            self._core = _core.solve(self.config, "auto")
        return self._core

    @boundary
    def field(self, spacecraft, t_s):
        """The model field B [nT, GSE] along a spacecraft's track of [geometry] at any times t_s:
        seconds from the configuration's t = 0, or UTC datetime64 (a track's time coordinate),
        shape (n, 3)."""
        return self._engine().field(spacecraft, self._seconds(t_s))

    def electric_field(self, spacecraft, t_s):
        """The electric field [mV/m, GSE] the spacecraft measures along its track (EDP): the
        rope frame's E_rho rho_hat plus U x B of its motion through the rope (docs/model.md
        "Fields along the tracks"), at times t_s as field() takes them, shape (n, 3)."""
        return self._engine().electric_field(spacecraft, self._seconds(t_s))

    def _seconds(self, t_s):
        t = np.atleast_1d(np.asarray(t_s))
        if np.issubdtype(t.dtype, np.datetime64):  # UTC: seconds after [geometry] t0_utc
            t = (t - np.datetime64(self.config.t0_utc, "ns")) / np.timedelta64(1, "s")
        return [float(x) for x in t]

    @boundary
    def f(self, r_km, v_km_s, frame_velocity_km_s=(0.0, 0.0, 0.0), backend="auto"):
        """Electron phase-space density f [s^3/cm^6] at points (r, v), batched on the backend.

        r_km: rope-frame positions, shape (..., 3), z along the axis [km].

        v_km_s: velocities, same shape, measured in a frame moving with frame_velocity_km_s
            (rope-frame components, km/s) through the rope; (0, 0, 0) is the rope frame. A
            spacecraft moving with U sees f_sc(r, v') = f(r, v' + U) (docs/model.md §9).

        Returns an array of shape (...).
        """
        r = np.asarray(r_km, dtype=float)
        v = np.asarray(v_km_s, dtype=float)
        if r.shape != v.shape or r.ndim < 1 or r.shape[-1] != 3:
            raise FluxropeError(
                f"r_km and v_km_s must have the same shape (..., 3), got {r.shape} and {v.shape}")
        U = np.asarray(frame_velocity_km_s, dtype=float)
        if U.shape != (3,):
            raise FluxropeError(f"frame_velocity_km_s must have 3 components, got shape {U.shape}")
        out = self._engine().f(np.ascontiguousarray(r.reshape(-1, 3)),
                               np.ascontiguousarray(v.reshape(-1, 3)), list(U), backend)
        return out.reshape(r.shape[:-1])


@boundary
def solve(config=None, backend="auto"):
    """Solve the equilibrium of a configuration (a Config, or anything load_config takes).
    backend: "auto" (CUDA when a device answers, else all CPU cores), "cpu" or "cuda"."""
    return Equilibrium(_core.solve(_config(config), backend))


@boundary
def synth(source=None, backend="auto", progress=False, instrument="des"):
    """Synthetic FPI products along every spacecraft track of [geometry].

    instrument: "des" (the electrons, at the [geometry] cadence; the default) or "dis" (the ions,
    docs/instrument.md "Ions (DIS)": their Maxwellian at rest in the rope frame on the DIS tables,
    every [instrument.dis] cadence_s, 150 ms). A DIS dataset has the same variables, with the
    model ions' ni_cm3, Vi_gse_km_s, Ti_par_eV, Ti_perp_eV in place of the electrons' moments.

    source: an Equilibrium (solved once, reused) or a configuration (solved here).
    Returns {spacecraft name: xarray.Dataset}: dimensions (time, phi, theta, energy) for the
    skymaps (dist_s3_cm6, disterr_s3_cm6, dist_model_s3_cm6, counts, counts_expected,
    def_keV_cm2_s_sr_keV; the L2 files' order), pitch-angle distributions, the model field and
    moments, and the FPI ground-system moments (moments_fpi_*, moments_fpi_model_*); coordinates
    time [s], energy_eV (time, energy) and phi_deg (time, phi) per record, theta [deg]. The values
    are those `fluxrope synth` writes to HDF5, bit for bit. Dataset attrs: the configuration
    (config_toml), fluxrope_version, U_rope_km_s (the spacecraft's velocity in the rope frame),
    gse_to_rope (rows: the rope frame's x, y, z in GSE).
    """
    eq = source if isinstance(source, Equilibrium) else solve(source, backend)
    def report(done, total):
        print(f"\r  {done} / {total} samples", end="\n" if done == total else "", flush=True)
    res = _core.synth(eq._engine(), backend, report if progress else None, instrument)
    cfg = eq.config
    out = {}
    for name, t in res["tracks"].items():
        attrs = {"fluxrope_version": _core.__version__, "config_toml": cfg.toml,
                 "spacecraft": name, "instrument": res["instrument"],
                 "U_rope_km_s": list(t["U_rope_km_s"]),
                 "n_beyond_edge": t["n_beyond_edge"], "backend": res["backend"],
                 "gse_to_rope": res["gse_to_rope"].tolist(),
                 "angles_frame": "phi/theta: look directions in DBCS (velocity = minus look)"}
        out[name] = _track_dataset(t["arrays"], attrs, cfg)
    return out


@boundary
def fit_center(tracks, config=None, levels_nT=None):
    """The rope centre of Yang et al. (2022) eq. 5 from four-spacecraft ``|B|`` series.

    tracks: {name: xarray.Dataset} as synth or read return them (B_gse_nT, time), or
        {name: (t_s, B_nT)} with B either ``|B|`` (n) or vectors (n, 3) in nT.

    config: the event's configuration (formation, LMN, rope velocity); default: the one the
        datasets carry, else the built-in event.

    Returns a dict: center_ln_km (in the given L, N, relative to the reference point at t = 0),
    loss_km2, radius_km per level, the plane basis and the skipped level/spacecraft pairs.
    """
    names, ts, Bs = [], [], []
    for name, tr in tracks.items():
        if isinstance(tr, xr.Dataset):
            _var(tr, "time", "fit_center", name)
            t, B = _seconds(tr), _var(tr, "B_gse_nT", "fit_center", name)
            if config is None and "config_toml" in tr.attrs:
                config = load_config(tr.attrs["config_toml"])
        elif isinstance(tr, (tuple, list)) and len(tr) == 2:
            t, B = tr
        else:
            raise FluxropeError(f"fit_center: {name} must be a Dataset or a (t_s, B_nT) pair, "
                                f"got {type(tr).__name__}")
        t, B = np.asarray(t, dtype=float), np.asarray(B, dtype=float)
        if B.ndim == 2:
            B = np.sqrt((B * B).sum(axis=1))
        if B.ndim != 1 or B.shape != t.shape:
            raise FluxropeError(f"fit_center: {name} needs |B| (n) or B (n, 3) beside n times")
        names.append(name)
        ts.append(list(t))
        Bs.append(list(B))
    return _core.fit_center(_config(config), names, ts, Bs, list(levels_nT or []))


_OBS_SERIES = ("B_gse_nT", "t_fpi_s", "ne_cm3", "T_par_eV", "T_perp_eV", "V_gse_km_s",
               "sigma_ne_cm3", "sigma_T_par_eV", "sigma_T_perp_eV", "sigma_V_gse_km_s",
               "pad_energy_eV", "pad_s3_cm6", "ipad_s3_cm6", "sigma_ipad_s3_cm6", "ipad_counts")


def _observations(observations, moments, pad_energies_eV, observed):
    """{name: Dataset or dict} -> [_core.FitObservations], checked (the C++ checks the values)."""
    out = []
    for name, o in observations.items():
        if isinstance(o, xr.Dataset):
            ds = o
            _var(ds, "time", "fit", name)
            o = {"t_s": _seconds(ds), "B_gse_nT": _var(ds, "B_gse_nT", "fit", name)}
            if name in moments:
                if observed == "fpi":  # what the ground system reports, with its counting errors
                    o["fpi_moments"] = True
                    o["parity"] = _var(ds, "parity", "fit", name)
                    for key, var in (("ne_cm3", "n_cm3"), ("T_par_eV", "T_par_eV"),
                                     ("T_perp_eV", "T_perp_eV"), ("V_gse_km_s", "V_gse_km_s"),
                                     ("sigma_ne_cm3", "sigma_n_cm3"),
                                     ("sigma_T_par_eV", "sigma_T_par_eV"),
                                     ("sigma_T_perp_eV", "sigma_T_perp_eV"),
                                     ("sigma_V_gse_km_s", "sigma_V_gse_km_s")):
                        o[key] = _var(ds, "moments_fpi_" + var, "fit", name)
                else:
                    o.update({k: _var(ds, k, "fit", name) for k in ("ne_cm3", "T_par_eV", "T_perp_eV")})
            if pad_energies_eV is not None and name in moments:
                E = _var(ds, "pad_gyro_energy", "fit", name)
                if not all(np.isfinite(e) and e > 0 for e in pad_energies_eV):
                    raise FluxropeError(f"fit: pad_energies_eV must be positive energies in eV, "
                                        f"got {list(pad_energies_eV)}")
                pick = [int(np.argmin(np.abs(np.log(E / e)))) for e in pad_energies_eV]
                o["pad_energy_eV"] = E[pick]
                o["pad_s3_cm6"] = _var(ds, "pad_gyro_s3_cm6", "fit", name)[:, pick, :]
        elif not isinstance(o, dict):
            raise FluxropeError(f"fit: observations of {name} must be a Dataset or a dict, "
                                f"got {type(o).__name__}")
        else:
            o = dict(o)
            if "time_s" in o and "t_s" not in o:  # as the synth tracks name it
                o["t_s"] = o.pop("time_s")
            unknown = set(o) - set(_OBS_SERIES) - {"t_s", "B_average_s", "parity", "fpi_moments",
                                                   "pad_pitch_bins", "ipad_channel",
                                                   "ipad_pitch_bins"}
            if unknown:
                raise FluxropeError(f"fit: observations of {name} have unknown keys "
                                    f"{sorted(unknown)} (docs/fit.md lists them)")
            if name not in moments:
                o = {k: v for k, v in o.items()
                     if k in ("t_s", "B_gse_nT", "B_average_s")}
        for key in ("t_s", "B_gse_nT"):
            if key not in o:
                raise FluxropeError(f"fit: observations of {name} have no '{key}' (or 'time_s')")
        t = np.asarray(o["t_s"], dtype=float)
        B = np.asarray(o["B_gse_nT"], dtype=float)
        if t.ndim != 1:
            raise FluxropeError(f"fit: {name}'s t_s must be one-dimensional, got shape {t.shape}")
        if B.shape != (len(t), 3):
            raise FluxropeError(f"fit: {name} needs B_gse_nT of shape (n, 3) beside n times, "
                                f"got {B.shape} for {len(t)} times")
        c = _core.FitObservations()
        c.name = name
        c.t_s = list(t)
        for key in _OBS_SERIES:
            v = o.get(key)
            if v is None:
                continue
            a = np.asarray(v, dtype=float)
            if key in ("pad_s3_cm6", "ipad_s3_cm6", "sigma_ipad_s3_cm6", "ipad_counts"):
                if a.ndim != 3:
                    raise FluxropeError(f"fit: {name}'s {key} must be (n, energies or channels, "
                                        f"pitch bins), got shape {a.shape}")
                if key == "pad_s3_cm6":
                    c.pad_pitch_bins = int(a.shape[2])
                else:
                    c.ipad_pitch_bins = int(a.shape[2])
            setattr(c, key, list(a.ravel()))
        if "pad_s3_cm6" in o and "pad_energy_eV" not in o:
            raise FluxropeError(f"fit: {name}'s pad_s3_cm6 needs pad_energy_eV beside it")
        if "ipad_s3_cm6" in o and "ipad_channel" not in o:
            raise FluxropeError(f"fit: {name}'s ipad_s3_cm6 needs ipad_channel beside it")
        if "parity" in o:
            p = np.asarray(o["parity"])
            if p.ndim != 1 or not np.all((p == 0) | (p == 1)):
                raise FluxropeError(f"fit: {name}'s parity must be a series of 0 and 1")
            c.parity = [int(x) for x in p]
        if "ipad_channel" in o:
            c.ipad_channel = [int(x) for x in np.asarray(o["ipad_channel"]).ravel()]
        c.fpi_moments = bool(o.get("fpi_moments", False))
        c.B_average_s = float(o.get("B_average_s", 0.0))
        out.append(c)
    return out


@boundary
def fit(observations, config=None, moments=("MMS1",), pad_energies_eV=None, observed="fpi",
        backend="cpu"):
    """Fit the configuration's [fit] free parameters to observations (docs/fit.md).

    observations: {spacecraft: xarray.Dataset} as synth/read return them (time, B_gse_nT and,
        for the spacecraft in `moments`, the FPI moments moments_fpi_* with their counting
        sigmas and parities, observed="fpi"; or the model's true ne_cm3, T_par_eV, T_perp_eV,
        observed="model"; with pad_energies_eV their dense PAD pad_gyro_s3_cm6 at the nearest
        energies), or {spacecraft: dict} with keys t_s (or time_s), B_gse_nT (n, 3) and
        optionally B_average_s, t_fpi_s, parity, fpi_moments, ne_cm3, T_par_eV, T_perp_eV,
        V_gse_km_s and their sigma_*, pad_energy_eV with pad_s3_cm6 (m, E, Q), ipad_channel with
        ipad_s3_cm6 (m, C, P), sigma_ipad_s3_cm6, ipad_counts, as observations_from_l2 returns
        them. Times are seconds from the configuration's t = 0.

    config: the start (a Config or anything load_config takes); default the built-in event.
        [fit] moments = "auto" compares FPI moments (fpi_moments) with the ground-system moments
        of synthesized skymaps, others with the model's.

    backend: where the forward model's skymaps are synthesized (cpu, cuda, thrust-host, auto).
    Returns a dict: names, value, sigma (1 sigma, covariance x chi^2/dof; inf where the data do
    not constrain a parameter), correlation, warnings, chi2, dof, chi2 per quantity with
    p_value and poor (those above fit.warn_chi2_per_n), converged, stop_reason, predictions (the
    forward model at the best fit) and best (the Config at the best fit).
    """
    if observed not in ("fpi", "model"):
        raise FluxropeError(f"fit: observed must be 'fpi' or 'model', got {observed!r}")
    obs = _observations(observations, moments, pad_energies_eV, observed)
    return _core.fit(_config(config), obs, backend)


@boundary
def observations_from_l2(root, t0, probes=(1, 2, 3, 4), moments=(1,), names=None):
    """Observations for fit() from MMS Level-2 files under an MMS data folder, as pySPEDAS and
    pyrfu find them (FGM burst B in GSE; FPI DES burst moments n_e, T_par, T_perp), e.g. the
    files export_cdf writes or real ones.

    t0: the UTC time (ISO 8601) of the configuration's t = 0 (for files export_cdf wrote with
        start S from a configuration with t_start_s = -0.5: S + 0.5 s).

    Returns {"MMS1": {"t_s", "B_gse_nT", and for `moments` the FPI samples "t_fpi_s", "parity",
    "fpi_moments": True, "ne_cm3", "T_par_eV", "T_perp_eV", "V_gse_km_s" with their "sigma_*"
    from the _err variables where the file has them}, ...}, times in seconds from t0.
    """
    import glob
    import cdflib
    from .cdf import _start
    t0 = _start(t0)
    t0_ns = cdflib.cdfepoch.compute_tt2000([t0.year, t0.month, t0.day, t0.hour, t0.minute,
                                            t0.second, t0.microsecond // 1000,
                                            t0.microsecond % 1000, 0])
    day = t0.strftime("%Y/%m/%d")

    if not os.path.isdir(root):
        raise FluxropeError(f"observations_from_l2: '{root}' is not a folder")

    class _File:
        """A CDF whose failures name the file and the variable."""

        def __init__(self, path):
            self.path = path
            try:
                self.cdf = cdflib.CDF(path)
            except Exception as e:  # noqa: BLE001 - cdflib raises many kinds for a broken file
                raise FluxropeError(f"observations_from_l2: cannot read '{path}' as CDF: {e}") from e

        def variables(self):
            info = self.cdf.cdf_info()
            return set(info.zVariables) | set(info.rVariables)

        def varget(self, var):
            try:
                return self.cdf.varget(var)
            except Exception as e:  # noqa: BLE001
                raise FluxropeError(f"observations_from_l2: '{self.path}' has no readable "
                                    f"variable {var} ({e})") from e

    def one(pattern, what):
        files = sorted(glob.glob(os.path.join(root, pattern)))
        if not files:
            raise FluxropeError(f"no {what} file {os.path.join(root, pattern)}")
        return _File(files[-1])

    def series(values, n, var, path):
        a = np.asarray(values)
        if a.ndim < 1 or a.shape[0] != n or not np.issubdtype(a.dtype, np.number):
            raise FluxropeError(f"observations_from_l2: {var} in '{path}' has shape {a.shape}, "
                                f"expected {n} records")
        return a

    out = {}
    for i, p in enumerate(probes):
        name = names[i] if names else f"MMS{p}"
        fgm = one(f"mms{p}/fgm/brst/l2/{day}/mms{p}_fgm_brst_l2_*.cdf", f"MMS{p} FGM burst")
        epoch = np.atleast_1d(fgm.varget("Epoch"))
        t = (epoch.astype(np.int64) - t0_ns) * 1e-9
        b = series(fgm.varget(f"mms{p}_fgm_b_gse_brst_l2"), len(t), f"mms{p}_fgm_b_gse_brst_l2",
                   fgm.path)
        if b.ndim != 2 or b.shape[1] < 3:
            raise FluxropeError(f"observations_from_l2: mms{p}_fgm_b_gse_brst_l2 in '{fgm.path}' "
                                f"has shape {b.shape}, expected (n, 4)")
        obs = {"t_s": t, "B_gse_nT": b[:, :3].astype(float)}
        if p in moments:
            moms = one(f"mms{p}/fpi/brst/l2/des-moms/{day}/mms{p}_fpi_brst_l2_des-moms_*.cdf",
                       f"MMS{p} DES moments")
            tm = (np.atleast_1d(moms.varget("Epoch")).astype(np.int64) - t0_ns) * 1e-9
            # the FPI samples at their own times (time tags: the start of each accumulation)
            obs["t_fpi_s"] = tm
            obs["fpi_moments"] = True
            for key, var in (("ne_cm3", "numberdensity"), ("T_par_eV", "temppara"),
                             ("T_perp_eV", "tempperp"), ("V_gse_km_s", "bulkv_gse")):
                v = series(moms.varget(f"mms{p}_des_{var}_brst"), len(tm), f"mms{p}_des_{var}_brst",
                           moms.path)
                obs[key] = v.astype(float)
                if f"mms{p}_des_{var}_err_brst" in moms.variables():  # counting statistics
                    obs["sigma_" + key] = series(moms.varget(f"mms{p}_des_{var}_err_brst"), len(tm),
                                                 f"mms{p}_des_{var}_err_brst", moms.path).astype(float)
            # the energy table of each record: steptable_parity of the moments or the dist file
            par = None
            for f in (moms, None):
                if f is None:
                    pattern = f"mms{p}/fpi/brst/l2/des-dist/{day}/mms{p}_fpi_brst_l2_des-dist_*.cdf"
                    if not glob.glob(os.path.join(root, pattern)):
                        break
                    f = one(pattern, f"MMS{p} DES distribution")
                if f"mms{p}_des_steptable_parity_brst" in f.variables():
                    par = series(f.varget(f"mms{p}_des_steptable_parity_brst"), len(tm),
                                 f"mms{p}_des_steptable_parity_brst", f.path)
                    break
            if par is None:
                raise FluxropeError(f"observations_from_l2: no mms{p}_des_steptable_parity_brst in "
                                    f"the DES moments or distribution files under '{root}' (the "
                                    f"instrument forward model needs each record's energy table)")
            obs["parity"] = par.astype(int)
        out[name] = obs
    return out


@boundary
def to_pyrfu_skymap(ds, var="dist_s3_cm6", start=None, probe=None):
    """One spacecraft's skymaps in pyrfu's layout (pyrf.ts_skymap), so pyrfu's functions
    (get_pitch_angle_dist, psd_moments, ...) run on them without a CDF round trip: data
    (time, idx0 = energy, idx1 = phi, idx2 = theta) in s^3/cm^6, energy (time, idx0) and phi
    (time, idx1) per record, theta (idx2), absolute times at the centre of each accumulation
    (the first one starting at `start`, default the dataset's own UTC time, as export_cdf stamps
    it; pyrfu's convention), and the
    attributes pyrfu reads (species, tmmode, energy0/1,
    esteptable, FIELDNAM with "brst"). pyrfu itself is not needed to build it."""
    from .cdf import _first_utc
    if not isinstance(ds, xr.Dataset):
        raise FluxropeError(f"to_pyrfu_skymap: needs a spacecraft's Dataset, got {type(ds).__name__}")
    for key in (var, "time", "energy_eV", "parity", "phi_deg", "theta"):
        _var(ds, key, "to_pyrfu_skymap", ds.attrs.get("spacecraft", "the spacecraft"))
    if ds[var].ndim != 4:
        raise FluxropeError(f"to_pyrfu_skymap: {var} must be (time, phi, theta, energy), "
                            f"got dimensions {ds[var].dims}")
    t0 = np.datetime64(_first_utc(ds, start), "ns")
    t = _seconds(ds)
    # pyrfu (like pySPEDAS' center_measurement and irfu) moves FPI's time tags from the start to
    # the centre of each accumulation: half a sample spacing later
    half = 0.5 * (t[1] - t[0]) if len(t) > 1 else 0.015
    time = t0 + ((t - t[0] + half) * 1e9).round().astype("timedelta64[ns]")
    data = np.transpose(ds[var].values, (0, 3, 1, 2))
    energy = ds["energy_eV"].values
    parity = ds["parity"].values.astype(np.uint8)
    e0 = energy[np.argmax(parity == 0)]
    e1 = energy[np.argmax(parity == 1)] if (parity == 1).any() else e0
    n = probe or "".join(ch for ch in str(ds.attrs.get("spacecraft", "1")) if ch.isdigit()) or "1"
    out = xr.Dataset(
        {"data": (["time", "idx0", "idx1", "idx2"], data),
         "phi": (["time", "idx1"], ds["phi_deg"].values),
         "theta": (["idx2"], ds["theta"].values),
         "energy": (["time", "idx0"], energy)},
        coords={"time": time, "idx0": np.arange(energy.shape[1]),
                "idx1": np.arange(ds.sizes["phi"]), "idx2": np.arange(ds.sizes["theta"])},
        attrs={"energy0": e0, "energy1": e1, "esteptable": parity,
               "delta_energy_minus": 0.1347 * e0, "delta_energy_plus": 0.1347 * e0,
               "species": "electrons", "tmmode": "brst", "Synthetic": "true",
               "fluxrope_config": ds.attrs.get("config_toml", "")})
    out["data"].attrs = {"FIELDNAM": f"mms{n}_des_{var.split('_')[0]}_brst", "UNITS": "s^3/cm^6",
                         "CATDESC": f"MMS{n} DES burst (SYNTHETIC, fluxrope)"}
    out["energy"].attrs = {"UNITS": "eV"}
    out["phi"].attrs = {"UNITS": "deg"}
    out["theta"].attrs = {"UNITS": "deg"}
    return out


def _read_group(g, prefix=""):
    """{name: (values, units, axes)} of every dataset below an h5py group."""
    out = {}
    for k, obj in g.items():
        if hasattr(obj, "shape"):
            a = obj.attrs
            units = a.get("units", "")
            axes = a.get("axes", "")
            out[prefix + k] = (obj[()], units if isinstance(units, str) else units.decode(),
                               axes if isinstance(axes, str) else axes.decode())
        else:
            out.update(_read_group(obj, prefix + k + "/"))
    return out


@boundary
def read(path, instrument="des"):
    """A fluxrope HDF5 file as the objects solve and synth return: (Equilibrium, {name: Dataset}).
    instrument: "des" (the /tracks groups, electrons) or "dis" (the /dis groups, ions; empty when
    the file has none). The Equilibrium's f() solves the stored configuration again when first
    called."""
    if instrument not in ("des", "dis"):
        raise FluxropeError(f"read: instrument = {instrument!r} must be 'des' or 'dis'")
    group = "tracks" if instrument == "des" else "dis"
    import h5py
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FluxropeError(f"read: no such file '{path}'")
    if not os.path.isfile(path):
        raise FluxropeError(f"read: '{path}' is not a regular file")
    if not h5py.is_hdf5(path):
        raise FluxropeError(f"read: '{path}' is not an HDF5 file (write it with `fluxrope solve` "
                            "or `fluxrope synth`)")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise FluxropeError(f"read: cannot open '{path}' as HDF5 (truncated or damaged?): "
                            f"{' '.join(str(e).split())}") from e

    def need(obj, key, where="/"):
        if key not in obj:
            raise FluxropeError(f"read: '{path}' has no {where.rstrip('/')}/{key} "
                                "(not a fluxrope output file?)")
        return obj[key]

    def attr(obj, key, where):
        if key not in obj.attrs:
            raise FluxropeError(f"read: '{path}' has no attribute {key} on {where}")
        v = obj.attrs[key]
        return v.decode() if isinstance(v, bytes) else v

    with f:
        cfg_text = attr(f, "config_toml", "/")
        if not isinstance(cfg_text, str):
            raise FluxropeError(f"read: '{path}': the config_toml attribute is not text")
        cfg = load_config(cfg_text)
        prof = need(f, "profile")
        profile = _dataset(_read_group(prof), attrs={k: float(v) for k, v in prof.attrs.items()})
        hist = need(f, "solver")
        history = xr.Dataset({k: ("pass", need(hist, k, "/solver")[()],
                                  {"units": attr(hist[k], "units", f"/solver/{k}")})
                              for k in ("max_dB_nT", "n_e_cm3", "pass_seconds")})
        v = need(f, "validity")
        validity = {k: (float(x) if isinstance(x, (float, np.floating)) else int(x))
                    for k, x in v.attrs.items() if k != "scan"}
        validity["direction_at_min"] = tuple(need(v, "direction_at_min", "/validity")[()])
        backend = attr(hist, "backend", "/solver")
        eq = Equilibrium(profile=profile, history=history, validity=validity, config=cfg,
                         converged=bool(attr(hist, "converged", "/solver")), backend=backend)
        tracks = {}
        for name, g in f.get(group, {}).items():
            where = f"/{group}/{name}"
            U = attr(g, "U_rope_km_s", where)
            attrs = {"fluxrope_version": attr(f, "fluxrope_version", "/"), "config_toml": cfg.toml,
                     "spacecraft": name, "instrument": instrument,
                     "U_rope_km_s": [float(x) for x in str(U).strip("[]").split(",")],
                     "n_beyond_edge": int(attr(g, "n_beyond_edge", where)),
                     "backend": backend,
                     "gse_to_rope": need(f, "geometry/gse_to_rope")[()].tolist(),
                     "angles_frame": "phi/theta: look directions in DBCS (velocity = minus look)"}
            tracks[name] = _track_dataset(_read_group(g), attrs, cfg)
    return eq, tracks
