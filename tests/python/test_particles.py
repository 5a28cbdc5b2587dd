"""Initial conditions for PIC codes (docs/simulation.md): the openPMD file of `fluxrope particles`
and fluxrope.particles is read back by the field's readers (openPMD-viewer, openPMD-api, the
openPMD validator) with the right units, the tool and Python write the same file for one seed,
and bad inputs leave no file. The physics checks (chi^2 of the binned moments with planted
errors, Ampere's law, neutrality, backend parity) are the C++ suite's (tests/test_particles.cpp)."""
import importlib
import os
import subprocess
import tomllib

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


EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "examples")


def test_smilei_namelist_loads_the_file(tmp_path, monkeypatch):
    """examples/smilei/namelist.py run with stand-ins for Smilei's blocks: the particles and
    fields it hands Smilei are the file's, in Smilei's units."""
    cfg = fluxrope.load_config(os.path.join(EXAMPLES, "smilei", "rope_2d.toml"),
                               set={"particles.cells": [16, 16, 8],
                                    "particles.particles_per_cell": 4})
    path = tmp_path / "rope_2d.h5"
    ic = fluxrope.particles(cfg, path=str(path), backend="cpu")
    blocks = {"Species": [], "ExternalField": []}
    namespace = {"Main": lambda **k: blocks.__setitem__("Main", k),
                 "Species": lambda **k: blocks["Species"].append(k),
                 "ExternalField": lambda **k: blocks["ExternalField"].append(k),
                 "DiagScalar": lambda **k: None, "DiagFields": lambda **k: None}
    monkeypatch.setenv("FLUXROPE_IC", str(path))
    with open(os.path.join(EXAMPLES, "smilei", "namelist.py")) as f:
        exec(compile(f.read(), "namelist.py", "exec"), namespace)
    L_r, N_r, B_r = namespace["L_r"], namespace["N_r"], namespace["B_r"]
    assert L_r == pytest.approx(840.2, rel=1e-3)  # d_e at 40 cm^-3
    main = blocks["Main"]
    assert main["grid_length"] == pytest.approx([150e3 / L_r] * 2)
    species = {s["name"]: s for s in blocks["Species"]}
    assert sorted(species) == ["electrons", "ions"]
    total = 0.0
    for name, s in species.items():
        src = ic["species"][name]
        pos, mom = s["position_initialization"], s["momentum_initialization"]
        assert pos.shape == (3, len(src["x_m"])) and mom.shape == (3, len(src["x_m"]))
        np.testing.assert_allclose(pos[0] * L_r - 75e3, src["x_m"], rtol=0, atol=1e-9)
        np.testing.assert_allclose(pos[2] * N_r * L_r**2, src["weight"], rtol=1e-14)
        np.testing.assert_allclose(mom[1] * C, src["vy_m_s"], rtol=1e-14)
        total += s["charge"] * pos[2].sum()
    assert species["ions"]["mass"] == pytest.approx(1836.15, rel=1e-5)
    # neutral to the sampling error (docs/simulation.md "Checks"; 1024 particles a species)
    assert abs(total) / species["ions"]["position_initialization"][2].sum() < 5 / np.sqrt(1024)
    fields = {b["field"]: b["profile"] for b in blocks["ExternalField"]}
    assert sorted(fields) == ["Bx", "By", "Bz", "Ex", "Ey", "Ez"]
    dx = main["cell_length"][0]
    Bz = ic["fields"]["B_T"][2]
    assert fields["Bz"](3 * dx, 5 * dx) == pytest.approx(Bz[3, 5] / B_r, rel=1e-12)
    mid = fields["Bz"](3.5 * dx, 5 * dx)
    assert mid == pytest.approx(0.5 * (Bz[3, 5] + Bz[4, 5]) / B_r, rel=1e-12)


def test_warpx_input_matches_its_file(tmp_path):
    """examples/warpx: the input's box and cells are its TOML's, and a one-species file meets what
    WarpX's openPMD reader asserts (one iteration, one species, cartesian x, y, z in C order)."""
    api = _need("openpmd_api")
    toml = os.path.join(EXAMPLES, "warpx", "rope_3d.toml")
    p = tomllib.loads(fluxrope.load_config(toml).toml)["particles"]
    inputs = {}
    with open(os.path.join(EXAMPLES, "warpx", "inputs_3d")) as f:
        for line in f:
            line = line.split("#")[0].strip()
            if "=" in line:
                k, v = (s.strip() for s in line.split("=", 1))
                inputs[k] = v.split()
    assert [int(n) for n in inputs["amr.n_cell"]] == list(p["cells"])
    lo = [float(v) for v in inputs["geometry.prob_lo"]]
    hi = [float(v) for v in inputs["geometry.prob_hi"]]
    assert lo == [p["x_range_km"][0] * 1e3, p["y_range_km"][0] * 1e3, 0.0]
    assert hi == [p["x_range_km"][1] * 1e3, p["y_range_km"][1] * 1e3, p["z_length_km"] * 1e3]
    assert p["dims"] == 3 and p["fields"] == "node"
    cfg = fluxrope.load_config(toml, set={"particles.species": ["ions"],
                                          "particles.cells": [8, 8, 2],
                                          "particles.particles_per_cell": 2})
    path = tmp_path / "rope_ions.h5"
    fluxrope.particles(cfg, path=str(path), backend="cpu")
    series = api.Series(str(path), api.Access.read_only)
    assert len(series.iterations) == 1
    it = series.iterations[0]
    assert list(it.particles) == ["ions"]
    B = it.meshes["B"]
    assert B.geometry == api.Geometry.cartesian and list(B.axis_labels) == ["x", "y", "z"]
    assert B.get_attribute("dataOrder") == "C"
    assert list(B["x"].position) == [0.0, 0.0, 0.0]
    assert B["z"].shape == [9, 9, 3]
    series.close()
