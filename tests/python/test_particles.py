"""Initial conditions for PIC codes (docs/simulation.md): the openPMD file of `fluxrope particles`
and fluxrope.particles is read back by the field's readers (openPMD-viewer, openPMD-api, the
openPMD validator) with the right units, the tool and Python write the same file for one seed,
and bad inputs leave no file. The physics checks (chi^2 of the binned moments with planted
errors, Ampere's law, neutrality, backend parity) are the C++ suite's (tests/test_particles.cpp)."""
import importlib
import os
import subprocess

import h5py
import numpy as np
import pytest

import fluxrope

C = 299792458.0
# a small box (fast): the default rope, 32 x 32 cells of 1.875 km, 8 particles a cell
SMALL = {"particles": {"x_range_km": [-30.0, 30.0], "y_range_km": [-30.0, 30.0],
                       "cells": [32, 32, 8], "particles_per_cell": 8}}


def _need(module):
    if os.environ.get("FLUXROPE_REQUIRE_READERS") == "1":
        return importlib.import_module(module)
    return pytest.importorskip(module)


def _toml(tmp_path, table):
    lines = ["[particles]"]
    for k, v in table["particles"].items():
        lines.append(f"{k} = {v!r}".replace("'", '"'))
    path = tmp_path / "particles.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    d = tmp_path_factory.mktemp("particles")
    toml = _toml(d, SMALL)
    ic = fluxrope.particles(str(toml), path=str(d / "python.h5"), backend="cpu")
    return d, toml, ic


def _contents(path):
    """Every group and dataset: attributes with their HDF5 types, datasets' values and types."""
    out = {}

    def visit(name, obj):
        attrs = {}
        for k in obj.attrs:
            t = obj.attrs.get_id(k).get_type()
            kind = (t.get_class(), t.get_size(),
                    t.get_strpad() if t.get_class() == h5py.h5t.STRING else None)
            attrs[k] = (kind, np.asarray(obj.attrs[k]))
        data = (obj.dtype, obj[()]) if isinstance(obj, h5py.Dataset) else None
        out[name] = (attrs, data)

    with h5py.File(path, "r") as f:
        visit("/", f)
        f.visititems(visit)
    return out


def test_tool_and_python_write_the_same_file(small, fluxrope_exe):
    d, toml, ic = small
    cli = d / "cli.h5"
    run = subprocess.run([fluxrope_exe, "particles", "--config", str(toml), "-o", str(cli),
                          "--backend", "cpu"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    a, b = _contents(cli), _contents(d / "python.h5")
    assert sorted(a) == sorted(b)
    for name in a:
        attrs_a, data_a = a[name]
        attrs_b, data_b = b[name]
        assert sorted(attrs_a) == sorted(attrs_b), name
        for k in attrs_a:
            assert attrs_a[k][0] == attrs_b[k][0], (name, k)
            assert np.array_equal(attrs_a[k][1], attrs_b[k][1]), (name, k)
        assert (data_a is None) == (data_b is None), name
        if data_a is not None:
            assert data_a[0] == data_b[0] and np.array_equal(data_a[1], data_b[1]), name
    # the returned arrays are the file's
    with h5py.File(cli, "r") as f:
        e = f["/data/0/particles/electrons"]
        assert np.array_equal(e["position/x"][()], ic["species"]["electrons"]["x_m"])
        assert np.array_equal(e["momentum/z"][()], ic["species"]["electrons"]["vz_m_s"])
        assert np.array_equal(f["/data/0/meshes/B/z"][()], ic["fields"]["B_T"][2])
    assert ic["checks"]["electrons"]["passes"] and ic["checks"]["ions"]["passes"]


def test_openpmd_readers_read_species_and_fields_with_units(small):
    d, _, ic = small
    viewer = _need("openpmd_viewer")
    api = _need("openpmd_api")
    validator = _need("openpmd_validator.check_h5")
    path = str(d / "python.h5")
    errors, _warnings = validator.check_file(path, False, False)
    assert errors == 0

    ts = viewer.OpenPMDTimeSeries(str(d), check_all_files=False, backend="h5py")
    assert sorted(ts.avail_species) == ["electrons", "ions"]
    assert sorted(ts.avail_fields) == ["B", "E", "J"]
    for name, mass, charge in (("electrons", 9.1093837015e-31, -1.602176634e-19),
                               ("ions", 1.007276466621 * 1.66053906660e-27, 1.602176634e-19)):
        s = ic["species"][name]
        x, y, ux, uy, uz, w, m, q = ts.get_particle(["x", "y", "ux", "uy", "uz", "w", "mass",
                                                    "charge"], species=name, iteration=0)
        np.testing.assert_array_equal(x, s["x_m"])  # metres
        np.testing.assert_array_equal(y, s["y_m"])
        # openPMD-viewer's u = p / (m c): the stored momentum is m v, so u c is the velocity
        np.testing.assert_allclose(ux * C, s["vx_m_s"], rtol=1e-14)
        np.testing.assert_allclose(uz * C, s["vz_m_s"], rtol=1e-14)
        np.testing.assert_array_equal(w, s["weight"])
        np.testing.assert_allclose(m, mass, rtol=1e-12)
        np.testing.assert_allclose(q, charge, rtol=1e-15)
    Bz, info = ts.get_field("B", "z", iteration=0)
    np.testing.assert_array_equal(Bz, ic["fields"]["B_T"][2])
    # Yee: B_z at cell centres of the (x, y) plane, metres
    dx = ic["fields"]["grid_spacing_m"][0]
    assert info.x[0] == pytest.approx(-30e3 + 0.5 * dx)
    Ex, info = ts.get_field("E", "x", iteration=0)
    assert info.x[0] == pytest.approx(-30e3 + 0.5 * dx) and info.y[0] == pytest.approx(-30e3)

    series = api.Series(path, api.Access.read_only)
    it = series.iterations[0]
    assert list(it.meshes["B"].unit_dimension) == [0, 1, -2, -1, 0, 0, 0]  # T = kg s^-2 A^-1
    assert list(it.meshes["E"].unit_dimension) == [1, 1, -3, -1, 0, 0, 0]  # V/m
    assert list(it.meshes["J"].unit_dimension) == [-2, 0, 0, 1, 0, 0, 0]  # A/m^2
    e = it.particles["electrons"]
    assert list(e["momentum"].unit_dimension) == [1, 1, -1, 0, 0, 0, 0]
    assert list(e["position"].unit_dimension) == [1, 0, 0, 0, 0, 0, 0]
    assert e["momentum"]["x"].unit_SI == pytest.approx(9.1093837015e-31)
    px = e["momentum"]["x"].load_chunk()
    series.flush()
    np.testing.assert_array_equal(px, ic["species"]["electrons"]["vx_m_s"])
    series.close()


def test_one_species_file_holds_the_same_particles(small, tmp_path):
    """WarpX reads one species a file: electrons alone are the combined file's electrons."""
    _, _, ic = small
    table = {"particles": dict(SMALL["particles"], species=["electrons"])}
    alone = fluxrope.particles(fluxrope.load_config(table), backend="cpu")
    assert list(alone["species"]) == ["electrons"]
    for k, v in ic["species"]["electrons"].items():
        assert np.array_equal(alone["species"]["electrons"][k], v), k


@pytest.mark.parametrize("table, message", [
    ({"particles": {"x_range_km": [5.0, 30.0]}}, "cuts the rope at its axis"),
    ({"particles": {"particles_per_cell": 0}}, "particles_per_cell"),
    ({"model": {"tau_b": 0.95}}, "f_e < 0 inside the box"),
])
def test_bad_inputs_leave_no_file(tmp_path, fluxrope_exe, table, message):
    out = tmp_path / "ic.h5"
    with pytest.raises(fluxrope.FluxropeError, match=message):
        fluxrope.particles(table, path=str(out), backend="cpu")
    sets = [f"{t}.{k}={v!r}".replace("'", '"') for t, kv in table.items() for k, v in kv.items()]
    cmd = [fluxrope_exe, "particles", "-o", str(out), "--backend", "cpu"]
    for s in sets:
        cmd += ["--set", s]
    run = subprocess.run(cmd, capture_output=True, text=True)
    assert run.returncode != 0 and message in run.stderr
    assert os.listdir(tmp_path) == []


def test_bad_output_paths(tmp_path):
    with pytest.raises(fluxrope.FluxropeError, match="does not exist"):
        fluxrope.particles(SMALL, path=str(tmp_path / "missing" / "ic.h5"), backend="cpu")
    with pytest.raises(fluxrope.FluxropeError, match="not a regular file"):
        fluxrope.particles(SMALL, path=str(tmp_path), backend="cpu")
    assert os.listdir(tmp_path) == []
