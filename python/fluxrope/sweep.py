"""Ensembles and parameter sweeps on Dask (issue 12, docs/sweep.md).

A sweep is a base configuration plus varied keys: each member solves and synthesizes one
configuration in a Dask worker through this package, writes its products to its own HDF5 file
(named from its varied values, the full configuration inside, written atomically), and returns a
few summary numbers; the summaries become one xarray.Dataset whose dimensions are the varied
keys. With no cluster given, a local one on this machine's cores (nothing to start); given a
scheduler address or a dask.distributed.Client, the same call runs on any Dask cluster. Members
whose file exists are not run again (resume after a crash); a member that fails is reported with
its configuration and message, and the others finish.

    sweep = fluxrope.Sweep({"geometry.center_ln_km": [[0, 0], [2, 0], [5, 0]],
                            "instrument.seed": [1, 2]})
    summary = fluxrope.run_sweep(sweep, "sweep_out")
"""
import glob
import hashlib
import itertools
import math
import os

import numpy as np
import xarray as xr

from ._core import FluxropeError
from .api import _COMPONENTS

# coordinates a track dataset derives from its configuration and shapes (api._track_dataset)
_DERIVED_COORDS = {"t_s", "energy", *_COMPONENTS}
from ._errors import boundary
from ._files import atomic_h5

__all__ = ["Sweep", "run_sweep", "load_sweep", "member_summary"]

# At most this many members (values per range, and members in all): a sweep is refused before
# anything runs rather than enumerated for ever (docs/sweep.md).
MAX_MEMBERS = 100_000
# Temporary member files (written beside the target, renamed into place); leftovers of a killed
# run are removed when the next run_sweep starts.
_TMP_PREFIX = ".fluxrope-member-"
_TMP_SUFFIX = ".h5.tmp"


def _values(spec, key):
    """A list of values from a list or {start, stop, num} (inclusive, linear)."""
    if isinstance(spec, dict):
        unknown = set(spec) - {"start", "stop", "num"}
        if unknown:
            raise FluxropeError(f"sweep: {key} as a range takes start, stop and num, not "
                                f"{sorted(map(str, unknown))[0]}")
        missing = [k for k in ("start", "stop", "num") if k not in spec]
        if missing:
            raise FluxropeError(f"sweep: {key} as a range needs start, stop and num "
                                f"(missing {missing[0]})")
        num = spec["num"]
        if isinstance(num, bool) or not isinstance(num, (int, np.integer)) or not (
                1 <= num <= MAX_MEMBERS):
            raise FluxropeError(f"sweep: {key}.num = {num!r} must be an integer in [1, {MAX_MEMBERS}]")
        ends = []
        for end in ("start", "stop"):
            v = spec[end]
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                    or not math.isfinite(v):
                raise FluxropeError(f"sweep: {key}.{end} = {v!r} must be a finite number")
            ends.append(float(v))
        return list(np.linspace(ends[0], ends[1], int(num)))
    if isinstance(spec, (list, tuple, np.ndarray)) and len(spec) > 0:
        if len(spec) > MAX_MEMBERS:
            raise FluxropeError(f"sweep: {key} has {len(spec)} values (at most {MAX_MEMBERS})")
        return list(spec)
    raise FluxropeError(f"sweep: {key} must be a non-empty list of values or {{start, stop, num}}")


def _label(v):
    if isinstance(v, (list, tuple, np.ndarray)):
        return "_".join(_label(x) for x in v)
    if isinstance(v, (float, np.floating)):
        return f"{float(v):g}"
    return str(v)


class Sweep:
    """Members of a sweep: every combination of the varied keys (mode "product"), or the i-th
    values together (mode "zip"), or explicit rows [{key: value, ...}, ...].

    varied: {"table.key": [values] or {"start": a, "stop": b, "num": n}}, e.g.
        {"geometry.rope_velocity_gse_km_s": [...], "instrument.seed": [1, 2, 3]}.

    base: the configuration the members start from (a path, TOML text, dict or Config).
    """

    @boundary
    def __init__(self, varied=None, base=None, mode="product", rows=None):
        if not isinstance(mode, str) or mode not in ("product", "zip"):
            raise FluxropeError(f"sweep: mode {mode!r} must be \"product\" or \"zip\"")
        if varied is not None and not isinstance(varied, dict):
            raise FluxropeError(f"sweep: varied must be a dict {{'table.key': values}}, got "
                                f"{type(varied).__name__}")
        self.base, self.mode = base, mode
        self.keys, self.axes, self.rows = [], [], None
        if rows is not None:
            if not isinstance(rows, (list, tuple)) or not rows or not all(
                    isinstance(r, dict) and r for r in rows):
                raise FluxropeError("sweep: rows must be a non-empty list of {key: value} tables")
            if len(rows) > MAX_MEMBERS:
                raise FluxropeError(f"sweep: {len(rows)} rows (at most {MAX_MEMBERS} members)")
            self.rows = [dict(r) for r in rows]
            self.keys = sorted({k for r in rows for k in r})
        for key, spec in (varied or {}).items():
            if not isinstance(key, str) or "." not in key:
                raise FluxropeError(f"sweep: {key!r} must name a table key, e.g. model.tau_z")
            if key in self.keys:
                raise FluxropeError(f"sweep: {key} is varied twice (in varied and in rows)")
            self.keys.append(key)
            self.axes.append(_values(spec, key))
        if not self.keys:
            raise FluxropeError("sweep: nothing varies (give varied keys or rows)")
        if self.rows is None:
            if mode == "zip" and len({len(a) for a in self.axes}) > 1:
                raise FluxropeError(
                    "sweep: mode \"zip\" needs every varied key to have as many values")
            n = len(self.axes[0]) if mode == "zip" else math.prod(len(a) for a in self.axes)
            if n > MAX_MEMBERS:
                raise FluxropeError(f"sweep: {n} members (at most {MAX_MEMBERS}: split the sweep)")
        # every key must be one the configuration knows, with a value it accepts: checked now
        # with the first member (run_sweep checks every member before it starts)
        self.check(self.members()[0])

    def check(self, sets):
        """The member's configuration (a Config), or the FluxropeError that names what is wrong
        with its varied values."""
        from . import api
        try:
            return api.load_config(self.base.toml if isinstance(self.base, api.Config)
                                   else self.base, set=sets)
        except FluxropeError as e:
            values = ", ".join(f"{k} = {v!r}" for k, v in sets.items())
            raise FluxropeError(f"sweep member ({values}): {e}") from e

    def members(self):
        """[{key: value}] in a fixed order."""
        if self.rows is not None:
            return self.rows
        combos = itertools.product(*self.axes) if self.mode == "product" else zip(*self.axes)
        return [dict(zip(self.keys, c)) for c in combos]

    def member_name(self, sets):
        """The member's file name, from its varied values (hashed when too long)."""
        name = "__".join(f"{k.split('.')[-1]}={_label(sets[k])}" for k in self.keys if k in sets)
        name = "".join(c if c.isalnum() or c in "=._-" else "_" for c in name)
        if len(name) > 120:
            name = name[:80] + "_" + hashlib.sha1(name.encode()).hexdigest()[:12]
        return name + ".h5"


@boundary
def load_sweep(path):
    """A sweep from a TOML file: the tables of a configuration (the base) plus [sweep]:
    mode = "product" | "zip", [sweep.vary] with "table.key" = [values] or {start, stop, num},
    or rows = [{...}, ...]."""
    import tomllib
    path = os.fspath(path)
    if os.path.exists(path) and not os.path.isfile(path):
        raise FluxropeError(f"sweep file '{path}' is not a regular file")
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except OSError as e:
        raise FluxropeError(f"cannot read sweep file '{path}': {e}") from e
    except tomllib.TOMLDecodeError as e:
        raise FluxropeError(f"sweep file '{path}' is not valid TOML: {e}") from e
    sw = doc.pop("sweep", None)
    if not isinstance(sw, dict):
        raise FluxropeError(f"sweep file '{path}' has no [sweep] table")
    unknown = set(sw) - {"mode", "vary", "rows"}
    if unknown:
        raise FluxropeError(f"unknown key sweep.{sorted(unknown)[0]} in '{path}' "
                            "(accepts: mode, vary, rows)")
    return Sweep(sw.get("vary"), base=doc or None, mode=sw.get("mode", "product"),
                 rows=sw.get("rows"))


def member_summary(tracks, spacecraft=None):
    """Summary numbers of one member (the worked study's quantities), from its tracks: the
    ground-system moments' bias against the model's along the first spacecraft's track (median
    of the relative deviation of n, T_par, T_perp; median |V_FPI - V_model| in km/s), and the
    antiparallel / parallel PSD ratio at the lowest energies on the first sample (paper eq. 6)."""
    name = spacecraft or next(iter(tracks))
    ds = tracks[name]
    out = {}
    for name_out, fpi_key, model_key in (("bias_n", "n_cm3", "ne_cm3"),
                                         ("bias_T_par", "T_par_eV", "T_par_eV"),
                                         ("bias_T_perp", "T_perp_eV", "T_perp_eV")):
        fpi = ds[f"moments_fpi_model_{fpi_key}"].values
        out[name_out] = float(np.median(fpi / ds[model_key].values - 1))
    dv = ds["moments_fpi_model_V_gse_km_s"].values - ds["Ve_gse_km_s"].values
    out["bias_V_km_s"] = float(np.median(np.sqrt((dv * dv).sum(axis=1))))
    pad = ds["pad_s3_cm6"].values[0, 6]  # first sample, 48.6 / 55.1 eV
    out["anti_over_par"] = float(pad[-1] / pad[0])
    out["min_rho_km"] = float(ds["rho_km"].values.min())
    return out


def _run_member(base_toml, sets, path, backend):
    """In a worker: configuration -> solve -> synth -> HDF5 file (atomic) -> summary."""
    import fluxrope
    from . import _toml
    # Fault injection for the tests (a worker lost mid-member): FLUXROPE_SWEEP_CRASH_ONCE=PATH
    # makes the first member that finds no file at PATH create it and kill its worker process.
    crash = os.environ.get("FLUXROPE_SWEEP_CRASH_ONCE")
    if crash and not os.path.exists(crash):
        open(crash, "w").close()
        os._exit(1)
    try:
        cfg = fluxrope.load_config(base_toml, set=sets)
        eq = fluxrope.solve(cfg, backend=backend)
        tracks = fluxrope.synth(eq, backend=backend)
        write(path, eq, tracks)
        return {"ok": True, **member_summary(tracks)}
    except Exception as e:  # noqa: BLE001 - reported with the member, the sweep goes on
        return {"ok": False, "error": f"{type(e).__name__}: {e}",
                "config": ", ".join(f"{k} = {_toml.value(v)}" for k, v in sets.items())}


def write(path, eq, tracks):
    """A member's products as HDF5 (the layout of `fluxrope synth` for /profile and /tracks),
    written to a temporary file beside path and renamed into place (never half-written)."""
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    with atomic_h5(os.path.join(d, os.path.basename(path)), _TMP_PREFIX, _TMP_SUFFIX) as f:
        f.attrs["config_toml"] = eq.config.toml
        f.attrs["fluxrope_version"] = __import__("fluxrope").__version__
        g = f.create_group("profile")
        for k in list(eq.profile.coords) + list(eq.profile.data_vars):
            g.create_dataset(k, data=eq.profile[k].values)
        for name, ds in tracks.items():
            g = f.create_group(f"tracks/{name}")
            for k in list(ds.coords) + list(ds.data_vars):
                if k in _DERIVED_COORDS:  # made from the others when read
                    continue
                data = ds["t_s"].values if k == "time" else ds[k].values  # seconds from t0
                v = g.create_dataset(k, data=data)
                v.attrs["units"] = ds[k].attrs.get("units", "")
                v.attrs["axes"] = ",".join(ds[k].dims)


def _summary_of_file(path):
    import h5py
    with h5py.File(path, "r") as f:
        tracks = {}
        for name, g in f["tracks"].items():
            tracks[name] = xr.Dataset(
                {k: (tuple(g[k].attrs["axes"].split(",")), g[k][()]) for k in g.keys()})
    return {"ok": True, **member_summary(tracks)}


@boundary
def run_sweep(sweep, out_dir, client=None, scheduler=None, n_workers=None, backend="cpu",
              progress=True, summary_file=None):
    """Run every member of a sweep on Dask and return the summary as an xarray.Dataset.

    out_dir: one HDF5 file per member (existing ones are not run again: resume).

    client / scheduler: a dask.distributed.Client, or a scheduler address; neither: a local
        cluster of n_workers processes (default: this machine's cores), one OpenMP thread each.

    Returns a Dataset with one dimension per varied key (mode "product") or "member", the
    summary numbers as variables, "ok" and "error" per member; also saved to summary_file
    (default out_dir/summary.nc). Raises FluxropeError for an unusable sweep or out_dir.
    """
    from dask.distributed import Client, LocalCluster, as_completed
    if not isinstance(sweep, Sweep):
        raise FluxropeError(f"run_sweep: needs a Sweep, got {type(sweep).__name__}")
    out_dir = os.fspath(out_dir)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise FluxropeError(f"run_sweep: out_dir '{out_dir}' exists and is not a folder")
    summary_file = os.fspath(summary_file or os.path.join(out_dir, "summary.nc"))
    if os.path.isdir(summary_file):
        raise FluxropeError(f"run_sweep: summary_file '{summary_file}' is a folder")
    members = sweep.members()
    # every member's configuration is checked before anything runs or is written
    base = sweep.check({})
    for m in members:
        sweep.check(m)
    names = [sweep.member_name(m) for m in members]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise FluxropeError(f"run_sweep: two members would write the same file {dup} "
                            "(their varied values label alike)")
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as e:
        raise FluxropeError(f"run_sweep: cannot create out_dir '{out_dir}': {e.strerror}") from e
    # what a killed run left: temporary member files (this run makes its own)
    for stale in glob.glob(os.path.join(glob.escape(out_dir), _TMP_PREFIX + "*" + _TMP_SUFFIX)) \
            + glob.glob(os.path.join(glob.escape(out_dir), "tmp*.h5.tmp")):
        os.remove(stale)
    paths = [os.path.join(out_dir, n) for n in names]
    results = [None] * len(members)
    todo = []
    for i, p in enumerate(paths):
        if os.path.exists(p):
            results[i] = _summary_of_file(p)
        else:
            todo.append(i)
    own = None
    if client is None:
        if scheduler is not None:
            client = own = Client(scheduler)
        else:
            # the Dask dashboard where bokeh is installed (its address is printed)
            import importlib.util
            dashboard = ":0" if importlib.util.find_spec("bokeh") else None
            own_cluster = LocalCluster(n_workers=n_workers or os.cpu_count(), threads_per_worker=1,
                                       processes=True, env={"OMP_NUM_THREADS": "1"},
                                       dashboard_address=dashboard)
            client = own = Client(own_cluster)
            if dashboard and progress:
                print(f"  sweep: Dask dashboard at {client.dashboard_link}")
    try:
        futures = {client.submit(_run_member, base.toml, members[i], paths[i], backend,
                                 key=f"fluxrope-member-{i}-{os.path.basename(paths[i])}",
                                 retries=2, pure=False): i for i in todo}
        done = len(members) - len(todo)
        for fut in as_completed(futures):
            i = futures[fut]
            results[i] = fut.result()
            done += 1
            if progress:
                print(f"\r  sweep: {done} / {len(members)} members", end="", flush=True)
        if progress:
            print()
    finally:
        if own is not None:
            cluster = own.cluster
            own.close()
            if cluster is not None:
                cluster.close()
    summary = _summary_dataset(sweep, members, results)
    summary.attrs["members_run"] = len(todo)
    summary.attrs["members_reused"] = len(members) - len(todo)
    summary.to_netcdf(summary_file)
    for m, r in zip(members, results):
        if not r["ok"]:
            print(f"  failed member ({r['config']}): {r['error']}")
    return summary


# the units of a key or metric, from the unit its name ends with (the project's convention)
_UNIT_SUFFIXES = (("_km_s", "km/s"), ("_km", "km"), ("_eV", "eV"), ("_nT", "nT"),
                  ("_cm3", "cm^-3"), ("_s", "s"), ("_V", "V"))
_METRIC_TEXT = {
    "bias_n": "median relative deviation of the ground-system density from the model's",
    "bias_T_par": "median relative deviation of the ground-system T_par from the model's",
    "bias_T_perp": "median relative deviation of the ground-system T_perp from the model's",
    "bias_V_km_s": "median |V_ground - V_model| of the electrons",
    "anti_over_par": "antiparallel / parallel PSD at 48.6 / 55.1 eV, first sample (paper eq. 6)",
    "min_rho_km": "closest approach of the first spacecraft to the axis",
}


def _units(name):
    for suffix, unit in _UNIT_SUFFIXES:
        if name.endswith(suffix):
            return unit
    return "1"


def _axis_coords(dim, key, axis, over):
    """The coordinates of a varied key: its numbers along `over` (a vector-valued key: an index
    along `over` and the vectors as <dim>_value (over, <dim>_component)), with units."""
    attrs = {"units": _units(key), "long_name": f"[{key.split('.')[0]}] {key.split('.', 1)[1]}"}
    values = [np.asarray(v, dtype=float) if isinstance(v, (list, tuple, np.ndarray)) else v
              for v in axis]
    if all(np.ndim(v) == 1 for v in values) and len({np.shape(v) for v in values}) == 1:
        return {dim: (over, np.arange(len(values)), {"long_name": f"index of {key}"}),
                dim + "_value": ((over, dim + "_component"), np.stack(values), attrs)}
    try:
        return {dim: (over, np.asarray(values, dtype=float), attrs)}
    except (TypeError, ValueError):  # strings (e.g. a preset name)
        return {dim: (over, np.asarray([str(v) for v in values]), attrs)}


def _summary_dataset(sweep, members, results):
    metrics = sorted({k for r in results if r["ok"] for k in r if k != "ok"})
    product = sweep.rows is None and sweep.mode == "product"
    if product:
        dims = [k.replace(".", "_") for k in sweep.keys]
        shape = [len(a) for a in sweep.axes]
        coords = {}
        for d, key, axis in zip(dims, sweep.keys, sweep.axes):
            coords.update(_axis_coords(d, key, axis, d))
    else:
        dims, shape, coords = ["member"], [len(members)], {"member": np.arange(len(members))}
        for k in sweep.keys:
            coords.update(_axis_coords(k.replace(".", "_"), k, [m.get(k, np.nan) for m in members],
                                       "member"))
    data = {m: np.full(len(members), np.nan) for m in metrics}
    ok = np.zeros(len(members), dtype=bool)
    err = np.array([r.get("error", "") for r in results], dtype=object)
    for i, r in enumerate(results):
        ok[i] = r["ok"]
        for m in metrics:
            if r["ok"]:
                data[m][i] = r[m]
    ds = xr.Dataset({m: (dims, v.reshape(shape)) for m, v in data.items()}, coords=coords)
    ds["ok"] = (dims, ok.reshape(shape))
    ds["error"] = (dims, err.astype(str).reshape(shape))
    for m in metrics:
        ds[m].attrs.update(units=_units(m), long_name=_METRIC_TEXT.get(m, m))
    ds["ok"].attrs["long_name"] = "the member ran"
    ds["error"].attrs["long_name"] = "why it failed (empty when it ran)"
    return ds
