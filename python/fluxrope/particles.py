"""Initial conditions for kinetic (PIC) simulations: the equilibrium's electrons and ions as
macro-particles and its fields on a grid, in an openPMD 1.1.0 file (docs/simulation.md).

    import fluxrope
    ic = fluxrope.particles(path="rope_ic.h5")          # the [particles] defaults
    ic["species"]["electrons"]["x_m"], ic["checks"]["electrons"]["passes"]

The sampling, the grid and the file's layout are the C++ core's (the same as `fluxrope
particles`); this module writes that layout with h5py, so that one seed gives the same file from
the tool and from Python.
"""
import os

import numpy as np

from . import _core
from ._errors import boundary
from ._files import atomic_h5
from .api import Equilibrium, solve

_TMP_PREFIX = ".fluxrope-particles-"


def _check_output(path):
    """The rules of the tool's outputs (docs/robustness.md): a regular file or a new one, in a
    directory that exists."""
    path = os.fspath(path)
    target = os.path.realpath(path)
    if os.path.exists(target) and not os.path.isfile(target):
        raise _core.FluxropeError(f"particles: output '{path}' is not a regular file")
    d = os.path.dirname(target) or "."
    if not os.path.isdir(d):
        raise _core.FluxropeError(f"particles: the directory of output '{path}' does not exist")
    return target


def _write(layout, target):
    kinds = {"f8": np.float64, "u4": np.uint32}
    with atomic_h5(target, _TMP_PREFIX) as f:
        for path, is_dataset, data, attrs in layout:
            obj = f.create_dataset(path, data=data) if is_dataset else f.require_group(path)
            for name, kind, value in attrs:
                # strings: fixed-length, null-padded bytes, as the tool writes them
                if kind == "str":
                    obj.attrs[name] = np.bytes_(value.encode("utf-8"))
                elif kind == "str[]":
                    obj.attrs[name] = np.array([v.encode("utf-8") for v in value])
                elif kind == "f8[]":
                    obj.attrs[name] = np.asarray(value, dtype=np.float64)
                elif kind == "u8[]":
                    obj.attrs[name] = np.asarray(value, dtype=np.uint64)
                else:
                    obj.attrs[name] = kinds[kind](value)


@boundary
def particles(source=None, path=None, backend="auto"):
    """Electrons and ions sampled from the equilibrium and its fields on a grid ([particles];
    docs/simulation.md).

    source: an Equilibrium or a configuration (solved here). path: write the openPMD file there,
    as `fluxrope particles -o path` does (the same file for one seed; nothing is left behind on
    an error). backend: "auto", "cpu", "cuda" or "thrust-host".

    Returns a dict. ``species``: {name: {x_m, y_m, z_m, vx_m_s, vy_m_s, vz_m_s, weight,
    charge_C, mass_kg}} in the rope frame (z along the axis; 2-D weights count particles per
    metre of rope). ``fields``: B_T, E_V_m and J_A_m2 as arrays (3, nx+1, ny+1[, nz+1]) with
    grid_spacing_m and grid_offset_m. ``checks``: per species the binned-moment chi^2 test
    (chi2_per_dof, dof, range99, passes, mean_proposals, ...). Also path, backend and
    seconds_sampling.
    """
    target = _check_output(path) if path is not None else None
    eq = source if isinstance(source, Equilibrium) else solve(source, backend)
    res = _core.particles(eq._engine(), backend)
    layout = res["layout"]
    if target is not None:
        _write(layout, target)
    nodes = {p: (data, dict((a[0], a[2]) for a in attrs)) for p, _, data, attrs in layout}
    species = {}
    base = "/data/0/particles/"
    for p in nodes:
        if p.startswith(base) and p.count("/") == 4:
            name = p[len(base):]
            s = {}
            for ax in "xyz":
                pos = nodes.get(f"{p}/position/{ax}")
                s[f"{ax}_m"] = pos[0] if pos else np.zeros(len(nodes[f"{p}/weighting"][0]))
                s[f"v{ax}_m_s"] = nodes[f"{p}/momentum/{ax}"][0]
            s["weight"] = nodes[f"{p}/weighting"][0]
            s["charge_C"] = nodes[f"{p}/charge"][1]["value"]
            s["mass_kg"] = nodes[f"{p}/mass"][1]["value"]
            species[name] = s
    fields = {}
    for rec, key in (("B", "B_T"), ("E", "E_V_m"), ("J", "J_A_m2")):
        p = f"/data/0/meshes/{rec}"
        if p in nodes:
            fields[key] = np.stack([nodes[f"{p}/{c}"][0] for c in "xyz"])
            fields["grid_spacing_m"] = list(nodes[p][1]["gridSpacing"])
            fields["grid_offset_m"] = list(nodes[p][1]["gridGlobalOffset"])
    return {"species": species, "fields": fields, "checks": res["checks"], "path": path,
            "backend": res["backend"], "seconds_sampling": res["seconds_sampling"]}
