"""Sweeps on Dask (issue 12): a LocalCluster of two worker processes gives the members' files the
serial run gives, a bad member is reported and the others finish, a worker killed mid-member
loses nothing, and a re-run after a crash redoes only the missing members."""
import os

import numpy as np
import pytest

import fluxrope
from fluxrope import FluxropeError
from fluxrope import sweep as sw

if os.environ.get("FLUXROPE_REQUIRE_READERS") != "1":  # run-tests.sh installs Dask and requires it
    pytest.importorskip("distributed")

BASE = {"geometry": {"duration_s": 0.09}}


def _sweep():
    return fluxrope.Sweep({"geometry.center_ln_km": [[0.0, 0.0], [4.0, 0.0]],
                           "instrument.seed": [1, 2]}, base=BASE)


@pytest.fixture(scope="module")
def cluster_client():
    from dask.distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           env={"OMP_NUM_THREADS": "1"}, dashboard_address=None)
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


def _datasets(path):
    import h5py
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda k, v: out.__setitem__(k, v[()]) if hasattr(v, "shape") else None)
        out["config"] = f.attrs["config_toml"]
    return out


def test_cluster_gives_the_serial_members_bit_for_bit(tmp_path, cluster_client):
    s = _sweep()
    summary = fluxrope.run_sweep(s, str(tmp_path / "dask"), client=cluster_client, progress=False)
    assert summary["ok"].values.all() and summary.attrs["members_run"] == 4
    assert summary["bias_n"].dims == ("geometry_center_ln_km", "instrument_seed")
    base = fluxrope.load_config(BASE).toml
    for m in s.members():  # one by one, in this process
        name = s.member_name(m)
        r = sw._run_member(base, m, str(tmp_path / "serial" / name), "cpu")
        assert r["ok"], r
        a, b = _datasets(tmp_path / "dask" / name), _datasets(tmp_path / "serial" / name)
        assert a.keys() == b.keys()
        for k in a:
            assert np.array_equal(a[k], b[k], equal_nan=True) if k != "config" else a[k] == b[k], k
    # different seeds: different counts; the summary reads the files back identically
    assert (tmp_path / "dask" / "summary.nc").exists()


def test_bad_member_is_reported_and_the_others_finish(tmp_path, cluster_client, capsys):
    # a configuration that validates but whose solve fails (the pass-0 ODE collapses: issue 15)
    edge = {"model.alpha_r": 0.7, "model.alpha_z": 0.5, "model.B0_nT": 22.0, "model.b_z": 0.68,
            "model.gamma": 2.2}
    s = fluxrope.Sweep(rows=[{"instrument.seed": 1}, edge], base=BASE)
    summary = fluxrope.run_sweep(s, str(tmp_path), client=cluster_client, progress=False)
    assert list(summary["ok"].values) == [True, False]
    assert "b_z" in summary["error"].values[1] and "pass 0" in summary["error"].values[1]
    assert "failed member" in capsys.readouterr().out
    assert len([f for f in os.listdir(tmp_path) if f.endswith(".h5")]) == 1


def test_a_bad_configuration_is_refused_before_any_member_runs(tmp_path):
    s = fluxrope.Sweep(rows=[{"instrument.sweep": "linear"}, {"instrument.sweep": "spiral"}],
                       base=BASE)
    with pytest.raises(FluxropeError, match="spiral"):
        fluxrope.run_sweep(s, str(tmp_path / "out"), progress=False)
    assert not (tmp_path / "out").exists()


def test_a_killed_worker_loses_no_member_and_resume_redoes_only_the_missing(tmp_path, monkeypatch):
    marker = tmp_path / "crashed"
    monkeypatch.setenv("FLUXROPE_SWEEP_CRASH_ONCE", str(marker))
    s = _sweep()
    out = tmp_path / "out"
    summary = fluxrope.run_sweep(s, str(out), n_workers=2, progress=False)
    assert marker.exists(), "a worker was killed"
    assert summary["ok"].values.all() and summary.attrs["members_run"] == 4
    monkeypatch.delenv("FLUXROPE_SWEEP_CRASH_ONCE")
    # the driver "crashed" after some members: their files are there; a re-run redoes the rest
    os.remove(out / s.member_name(s.members()[2]))
    again = fluxrope.run_sweep(s, str(out), n_workers=1, progress=False)
    assert again.attrs["members_run"] == 1 and again.attrs["members_reused"] == 3
    for v in ("bias_n", "bias_T_par", "anti_over_par"):
        np.testing.assert_array_equal(again[v].values, summary[v].values)


def test_sweep_descriptions_and_errors(tmp_path):
    s = fluxrope.Sweep({"model.tau_z": {"start": 0.3, "stop": 0.5, "num": 3},
                        "instrument.seed": [1, 2, 3]}, mode="zip")
    assert len(s.members()) == 3 and s.members()[1]["model.tau_z"] == pytest.approx(0.4)
    assert len(fluxrope.Sweep({"model.tau_z": [0.3, 0.4], "instrument.seed": [1, 2, 3]}).members()) == 6
    with pytest.raises(fluxrope.FluxropeError, match="as many values"):
        fluxrope.Sweep({"model.tau_z": [0.3, 0.4], "instrument.seed": [1, 2, 3]}, mode="zip")
    with pytest.raises(fluxrope.FluxropeError, match="nothing varies"):
        fluxrope.Sweep({})
    p = tmp_path / "s.toml"
    p.write_text('[model]\ntau_z = 0.45\n[sweep]\nmode = "product"\n[sweep.vary]\n'
                 '"instrument.seed" = [1, 2]\n')
    ls = fluxrope.load_sweep(str(p))
    assert ls.base == {"model": {"tau_z": 0.45}} and len(ls.members()) == 2
    p.write_text("[sweep]\nvaary = 1\n")
    with pytest.raises(fluxrope.FluxropeError, match="unknown key sweep.vaary"):
        fluxrope.load_sweep(str(p))


def test_the_readme_sweep_crosses_the_rope_with_numeric_coordinates(tmp_path, cluster_client):
    """The README's sweep example (its TOML block): both axis positions put MMS1
    inside the rope (within 30 km of the axis), the summary's coordinates are numbers with units
    and its metrics carry units."""
    import re
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
        toml = re.search(r"cat > sweep.toml <<'TOML'\n(.*?)\nTOML", f.read(), re.S)[1]
    (tmp_path / "sweep.toml").write_text(toml)
    s = fluxrope.load_sweep(str(tmp_path / "sweep.toml"))
    summary = fluxrope.run_sweep(s, str(tmp_path / "out"), client=cluster_client, progress=False)
    assert summary["ok"].values.all()
    assert np.all(summary["min_rho_km"].values < 30.0), summary["min_rho_km"].values
    assert summary["min_rho_km"].attrs["units"] == "km"
    assert summary["bias_V_km_s"].attrs["units"] == "km/s" and summary["bias_n"].attrs["units"] == "1"
    c = summary["geometry_center_ln_km_value"]
    assert c.dtype.kind == "f" and c.shape == (2, 2) and c.attrs["units"] == "km"
    np.testing.assert_array_equal(c.values, [[0.0, 0.0], [5.0, 0.0]])
    assert summary["instrument_seed"].dtype.kind in "if"
