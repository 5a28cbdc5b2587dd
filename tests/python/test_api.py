"""fluxrope from Python: configuration, solve, f, synth, read, fit_center, CDF export (issue 9)."""
import os
import subprocess

import numpy as np
import pytest
import xarray as xr

import fluxrope
from fluxrope import FluxropeError


def test_config_from_preset_file_string_and_dict(tmp_path):
    base = fluxrope.load_config()
    assert "[model]" in base.toml and base.spacecraft == ["MMS1", "MMS2", "MMS3", "MMS4"]
    p = tmp_path / "c.toml"
    p.write_text("[model]\ntau_z = 0.5\n")
    from_file = fluxrope.load_config(str(p))
    from_text = fluxrope.load_config("[model]\ntau_z = 0.5\n")
    from_dict = fluxrope.load_config({"model": {"tau_z": 0.5}})
    from_set = fluxrope.load_config(set={"model.tau_z": 0.5})
    assert from_file.toml == from_text.toml == from_dict.toml == from_set.toml != base.toml
    assert "tau_z       = 0.5" in from_dict.toml
    # arrays of tables from a dict, and a preset
    geo = fluxrope.load_config({"geometry": {"spacecraft": [
        {"name": "A", "position_gse_km": [0, 0, 0]}, {"name": "B", "position_gse_km": [5, 0, 0]}]}},
        preset="vinogradov2016")
    assert geo.spacecraft == ["A", "B"]


@pytest.mark.parametrize("source, kwargs, fragments", [
    ({"solver": {"pasess": 3}}, {}, ["unknown key solver.pasess"]),
    ({"model": {"alpha_r": True}}, {}, ["model.alpha_r", "must be a number"]),
    (None, {"set": {"model.T_b_eV": -1}}, ["T_b_eV", "-1", "positive"]),
    ("[model\nx=1", {}, ["not valid TOML"]),
    ("/nonexistent/config.toml", {}, ["cannot read", "config.toml"]),
    (None, {"preset": "nonesuch"}, ["unknown preset 'nonesuch'"]),
    ({"instrument": {"sweep": "spiral"}}, {}, ["instrument.sweep", "deflection_major"]),
    ({"model": 3}, {}, ["'model' must be a table"]),
])
def test_bad_configuration_raises_one_exception_type(source, kwargs, fragments):
    with pytest.raises(FluxropeError) as e:
        fluxrope.load_config(source, **kwargs)
    for f in fragments:
        assert f in str(e.value), str(e.value)


def test_solve_gives_the_profile_as_xarray(equilibrium):
    p = equilibrium.profile
    assert isinstance(p, xr.Dataset) and p.sizes["rho"] == 801
    assert p["Bz_nT"].attrs["units"] == "nT" and p["rho"].attrs["units"] == "km"
    assert p["Bz_nT"].values[0] == 22.0  # B0 on the axis
    assert p.attrs["L_st_km"] == pytest.approx(18.788, abs=1e-3)
    assert equilibrium.converged
    h = equilibrium.history
    assert np.isnan(h["max_dB_nT"].values[0]) and h["max_dB_nT"].values[-1] < 1e-6
    assert equilibrium.validity["n_negative"] > 0  # docs/model.md §8: stated, not hidden


def test_f_matches_the_bin_centre_skymaps_and_checks_shapes(equilibrium):
    # response "centre", no noise: dist_model at a bin = f(r_sample, v_bin, U) with v_bin the
    # bin's centre velocity, minus its look direction, rotated from DBCS (= GSE here) into the
    # rope frame
    cfg = fluxrope.load_config(set={"instrument.response": "centre", "instrument.noise": False,
                                    "geometry.duration_s": 0.06})
    eq = fluxrope.solve(cfg, backend="cpu")
    ds = fluxrope.synth(eq, backend="cpu")["MMS1"]
    U = np.array(ds.attrs["U_rope_km_s"])
    k, j = np.meshgrid(np.arange(32), np.arange(16), indexing="ij")
    ph, th = np.radians(ds["phi_deg"].values[1])[k], np.radians(ds["theta"].values)[j]
    look = np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], -1)
    E = ds["energy_eV"].values[1]
    speed = np.sqrt(2 * E * 1.602176634e-19 / 9.1093837015e-31) / 1e3  # km/s
    v = -look[:, :, None, :] * speed[None, None, :, None]  # (phi, theta, energy, 3), DBCS
    v = v @ np.array(ds.attrs["gse_to_rope"]).T
    r = np.broadcast_to(ds["position_rope_km"].values[1], v.shape)
    f = eq.f(r, v, frame_velocity_km_s=U)
    # The velocities come from NumPy's trigonometry here and C++'s there: a few ulp apart, so
    # the Maxwellian exponent agrees to a few ulp of its size and f to ~1e-15 x |ln f| relative
    # (1e-14 x max(1, ln(f_max / f)) leaves a factor 10).
    model = ds["dist_model_s3_cm6"].values[1]
    tol = 1e-14 * np.maximum(1.0, np.log(model.max() / np.maximum(model, 1e-300)))
    assert np.all(np.abs(f - model) <= tol * np.abs(model)), np.max(np.abs(f - model) / np.abs(model) / tol)
    # the frame velocity is added to v: the same as giving rope-frame velocities
    np.testing.assert_allclose(eq.f(r, v + U), f, rtol=1e-11)
    with pytest.raises(FluxropeError, match=r"shape \(\.\.\., 3\)"):
        eq.f(np.zeros((4, 2)), np.zeros((4, 2)))
    with pytest.raises(FluxropeError, match="same shape"):
        eq.f(np.zeros((4, 3)), np.zeros((5, 3)))
    with pytest.raises(FluxropeError, match="frame_velocity_km_s"):
        eq.f(np.zeros((1, 3)), np.zeros((1, 3)), frame_velocity_km_s=(1, 2))


def test_synth_names_the_fpi_axes(tracks):
    assert list(tracks) == ["MMS1", "MMS2", "MMS3", "MMS4"]
    ds = tracks["MMS1"]
    assert ds["dist_s3_cm6"].dims == ("time", "phi", "theta", "energy")
    assert ds["dist_s3_cm6"].shape == (33, 32, 16, 32)
    assert ds["dist_s3_cm6"].attrs["units"] == "s^3/cm^6"
    assert ds["counts"].dtype == np.int32
    assert ds["energy_eV"].dims == ("time", "energy") and ds["phi_deg"].dims == ("time", "phi")
    assert ds["moments_fpi_P_gse_nPa"].dims == ("time", "gse", "gse_col")
    assert "[model]" in ds.attrs["config_toml"]


def test_python_synth_equals_the_cli_file_bit_for_bit(tmp_path, tracks, ions, fluxrope_exe):
    """DES (/tracks) and DIS (/dis) of the CLI's file are synth()'s and synth(instrument="dis")'s."""
    out = tmp_path / "cli.h5"
    subprocess.run([fluxrope_exe, "synth", "--backend", "cpu", "-o", str(out)], check=True,
                   capture_output=True)
    eq, from_file = fluxrope.read(str(out))
    _, ions_from_file = fluxrope.read(str(out), instrument="dis")
    assert list(from_file) == list(tracks) and list(ions_from_file) == list(ions)
    for ours, theirs in ((tracks, from_file), (ions, ions_from_file)):
        for name, ds in ours.items():
            f = theirs[name]
            assert set(f.variables) == set(ds.variables), name
            assert f.attrs["instrument"] == ds.attrs["instrument"]
            for v in ds.variables:
                a, b = ds[v].values, f[v].values
                assert a.dtype == b.dtype and a.shape == b.shape, (name, v)
                assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), (name, v)
    assert ions["MMS1"].sizes["time"] == 6 and ions["MMS1"].attrs["instrument"] == "dis"
    assert "ni_cm3" in ions["MMS1"] and "ne_cm3" not in ions["MMS1"]
    np.testing.assert_allclose(np.diff(ions["MMS1"]["t_s"].values), 0.15, rtol=1e-12)
    with pytest.raises(FluxropeError, match="instrument"):
        fluxrope.synth(eq, backend="cpu", instrument="hpca")
    with pytest.raises(FluxropeError, match="enabled = false"):
        fluxrope.synth({"instrument": {"dis": {"enabled": False}}}, backend="cpu",
                       instrument="dis")
    # the equilibrium too, and the configuration round trip
    p = fluxrope.solve(backend="cpu").profile
    for v in p.variables:
        assert np.array_equal(p[v].values, eq.profile[v].values), v
    assert eq.config.toml == fluxrope.load_config().toml


def test_fit_center_finds_the_configured_axis(tracks):
    r = fluxrope.fit_center(tracks)
    L, N = r["center_ln_km"]
    assert abs(L - 2.0) < 0.1 and abs(N) < 0.1  # the default event's axis: (2, 0) km
    with pytest.raises(FluxropeError, match="MMS4"):
        fluxrope.fit_center({k: v for k, v in tracks.items() if k != "MMS4"})


def test_export_cdf_names_places_and_marks_the_files(tmp_path, tracks):
    import cdflib
    paths = fluxrope.export_cdf(tracks, str(tmp_path))
    assert len(paths) == 28  # per probe: des-dist, des-moms, fgm, edp dce and scpot, mec x 2
    dist = tmp_path / "mms1/fpi/brst/l2/des-dist/2015/10/19/mms1_fpi_brst_l2_des-dist_20151019140756_v3.4.0.cdf"
    assert str(dist) in paths
    assert (tmp_path / "mms3/fgm/brst/l2/2015/10/19/mms3_fgm_brst_l2_20151019140756_v5.87.0.cdf").exists()
    c = cdflib.CDF(str(dist))
    g = c.globalattsget()
    assert g["Synthetic"] == ["true"] or g["Synthetic"] == "true"
    assert "SYNTHETIC" in str(g["TEXT"]) and "[model]" in str(g["fluxrope_config"])
    assert "mms1_fpi_brst_l2_des-dist" in str(g["Logical_source"])
    d = c.varget("mms1_des_dist_brst")
    assert d.shape == (33, 32, 16, 32) and d.dtype == np.float32
    np.testing.assert_array_equal(d, tracks["MMS1"]["dist_s3_cm6"].values.astype(np.float32))
    a = c.varattsget("mms1_des_dist_brst")
    assert a["DEPEND_1"] == "mms1_des_phi_brst" and a["DEPEND_3"] == "mms1_des_energy_brst"
    assert a["LABL_PTR_2"] == "mms1_des_pixel_label_brst"
    e = c.varget("Epoch")
    assert np.all(np.diff(e) == 30_000_000)  # 30 ms in ns
    assert cdflib.cdfepoch.encode_tt2000(int(e[0])).startswith("2015-10-19T14:07:56")
    # an unusable root or start time: one exception type, nothing left behind
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(FluxropeError, match="is not a folder"):
        fluxrope.export_cdf(tracks, str(blocker / "sub"))
    with pytest.raises(FluxropeError, match="ISO 8601"):
        fluxrope.export_cdf(tracks, str(tmp_path / "other"), start="yesterday")
    leftovers = [f for _, _, fs in os.walk(tmp_path) for f in fs if f.startswith("tmp")]
    assert leftovers == []


def test_export_from_the_shell(tmp_path, fluxrope_exe):
    h5 = tmp_path / "s.h5"
    subprocess.run([fluxrope_exe, "synth", "--backend", "cpu", "--set", "geometry.duration_s=0.3",
                    "-o", str(h5)], check=True, capture_output=True)
    import sys
    r = subprocess.run([sys.executable, "-m", "fluxrope", "export-cdf", str(h5), "--root",
                        str(tmp_path / "root"), "--start", "2016-01-02T03:04:05"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    for kind in ("des-moms", "dis-dist"):  # the file's /tracks and /dis
        assert (tmp_path / f"root/mms2/fpi/brst/l2/{kind}/2016/01/02/"
                f"mms2_fpi_brst_l2_{kind}_20160102030405_v3.4.0.cdf").exists(), kind
    bad = subprocess.run([sys.executable, "-m", "fluxrope", "export-cdf",
                          str(tmp_path / "missing.h5"), "--root", str(tmp_path / "r2")],
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "missing.h5" in bad.stderr


def test_fit_from_python_and_from_the_l2_files(tmp_path):
    """The fit from Python: from synth's datasets, and from the MMS L2 files export_cdf writes
    (their FGM field and DES moments, as pySPEDAS and pyrfu load them)."""
    truth = fluxrope.synth(fluxrope.solve({"model": {"B0_nT": 23.0},
                                           "instrument": {"response": "centre"}}, backend="cpu"),
                           backend="cpu")
    start = fluxrope.load_config(set={"fit.free": ["B0_nT", "center_L_km"]})
    # the model's true moments (observed="model"; the FPI moments: tests/python/test_fit_instrument.py)
    r = fluxrope.fit(truth, start, observed="model")
    assert r["names"] == ["B0_nT", "center_L_km"] and r["converged"]
    assert r["value"][0] == pytest.approx(23.0, abs=1e-6)  # noise-free: exact
    assert "[model]" in r["best"].toml
    # with the dense PAD at two energies (noise-free: exact too)
    rp = fluxrope.fit(truth, start, pad_energies_eV=[48.6, 80.0], observed="model")
    assert "MMS1 PAD" in rp["chi2_labels"]
    assert rp["value"][0] == pytest.approx(23.0, abs=1e-6)
    # from the L2 files: the field as float32, the moments of the ground system (not the model's,
    # so only the field enters here)
    fluxrope.export_cdf(truth, str(tmp_path))
    obs = fluxrope.observations_from_l2(str(tmp_path), "2015-10-19T14:07:56.5", moments=())
    t = truth["MMS2"]["t_s"].values  # FGM at its 128 Hz over the FPI interval
    np.testing.assert_allclose(obs["MMS2"]["t_s"], t[0] + np.arange(len(obs["MMS2"]["t_s"])) / 128,
                               atol=1e-9)
    assert obs["MMS2"]["t_s"][-1] <= t[-1] + 0.03
    r2 = fluxrope.fit(obs, start, moments=())
    assert abs(r2["value"][0] - 23.0) < max(3 * r2["sigma"][0], 1e-4)
    with pytest.raises(FluxropeError, match="shape"):
        fluxrope.fit({"MMS1": {"t_s": [0, 1], "B_gse_nT": [1, 2, 3]}}, start)
    with pytest.raises(FluxropeError, match="is not a folder"):
        fluxrope.observations_from_l2(str(tmp_path / "empty"), "2015-10-19T14:07:56.5")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FluxropeError, match="no MMS1 FGM"):
        fluxrope.observations_from_l2(str(tmp_path / "empty"), "2015-10-19T14:07:56.5")


def test_the_device_code_on_the_host_gives_the_cpu_products_bit_for_bit(tracks):
    """The whole synthesis on the thrust-host backend (the CUDA backend's source compiled for the
    host) equals the CPU backend's, every product of every spacecraft (issue 10)."""
    other = fluxrope.synth(fluxrope.solve(backend="thrust-host"), backend="thrust-host")
    for name, ds in tracks.items():
        for v in ds.data_vars:
            assert np.array_equal(ds[v].values, other[name][v].values, equal_nan=True), (name, v)


def test_fgm_at_its_own_rate(tmp_path, equilibrium, tracks):
    """export_cdf with the equilibrium samples the model field at FGM's 128 Hz; the samples at
    the FPI times equal the tracks' B."""
    import cdflib
    fluxrope.export_cdf(tracks, str(tmp_path), equilibrium=equilibrium, fgm_rate_hz=128)
    c = cdflib.CDF(str(tmp_path / "mms1/fgm/brst/l2/2015/10/19/mms1_fgm_brst_l2_20151019140756_v5.87.0.cdf"))
    e = c.varget("Epoch")
    assert len(e) > 120 and np.allclose(np.diff(e), 1e9 / 128, atol=1)
    B = c.varget("mms1_fgm_b_gse_brst_l2")
    ds = tracks["MMS1"]
    np.testing.assert_allclose(B[0, :3], ds["B_gse_nT"].values[0], rtol=1e-6)
    np.testing.assert_allclose(equilibrium.field("MMS1", ds["t_s"].values), ds["B_gse_nT"].values,
                               rtol=1e-12)
    # without equilibrium=, the same field from each dataset's configuration, solved again
    fluxrope.export_cdf(tracks, str(tmp_path / "again"))
    c2 = cdflib.CDF(str(tmp_path / "again/mms1/fgm/brst/l2/2015/10/19/mms1_fgm_brst_l2_20151019140756_v5.87.0.cdf"))
    np.testing.assert_array_equal(c2.varget("mms1_fgm_b_gse_brst_l2"), B)
    np.testing.assert_array_equal(c2.varget("Epoch"), e)
    # None: the field at the FPI sample times
    fluxrope.export_cdf(tracks, str(tmp_path / "fpi"), fgm_rate_hz=None)
    c3 = cdflib.CDF(str(tmp_path / "fpi/mms1/fgm/brst/l2/2015/10/19/mms1_fgm_brst_l2_20151019140756_v5.87.0.cdf"))
    np.testing.assert_allclose(c3.varget("mms1_fgm_b_gse_brst_l2")[:, :3], ds["B_gse_nT"].values,
                               rtol=1e-6)
    # a spacecraft its configuration does not name: an explicit rate needs equilibrium=, "auto"
    # falls back to the FPI times
    with pytest.raises(FluxropeError, match="needs the equilibrium"):
        fluxrope.export_cdf({"X1": ds}, str(tmp_path / "x"), fgm_rate_hz=128, probes={"X1": 1})
    assert not (tmp_path / "x").exists()  # nothing written
    fluxrope.export_cdf({"X1": ds}, str(tmp_path / "y"), probes={"X1": 1})
    c4 = cdflib.CDF(str(tmp_path / "y/mms1/fgm/brst/l2/2015/10/19/mms1_fgm_brst_l2_20151019140756_v5.87.0.cdf"))
    assert c4.varget("mms1_fgm_b_gse_brst_l2").shape == (ds.sizes["time"], 4)
    assert "FPI sample times" in str(c4.globalattsget()["Time_resolution"])


def test_export_into_a_relative_folder_that_does_not_exist_yet(tmp_path, tracks, monkeypatch):
    """export_cdf(tracks, "mms_data") as the README writes it (it once looped forever on the
    folder's empty dirname)."""
    monkeypatch.chdir(tmp_path)
    paths = fluxrope.export_cdf({"MMS1": tracks["MMS1"]}, "mms_data", fgm_rate_hz=None)
    assert len(paths) == 7 and all(os.path.isfile(p) for p in paths)
    assert (tmp_path / "mms_data" / "mms1" / "fgm").is_dir()


def test_des_moms_spectra_as_the_ground_system_bins_them(tmp_path, tracks):
    """energyspectr_* and pitchangdist_* of des-moms against the same averages computed here
    from the des-dist DEF, the look directions and B (numpy, independent of the library):
    velocity = minus look, pitch = acos(v . b), unweighted means of the bins in each band."""
    import cdflib
    fluxrope.export_cdf(tracks, str(tmp_path), fgm_rate_hz=None)
    c = cdflib.CDF(str(tmp_path / "mms2/fpi/brst/l2/des-moms/2015/10/19/mms2_fpi_brst_l2_des-moms_20151019140756_v3.4.0.cdf"))
    ds = tracks["MMS2"]
    # the tensors' counting errors under the real files' names; the DBCS tensors (identity
    # rotation by default: the GSE ones)
    for var, key in (("prestensor_err", "moments_fpi_sigma_P_gse_nPa"),
                     ("temptensor_err", "moments_fpi_sigma_T_gse_eV"),
                     ("bulkv_err", "moments_fpi_sigma_V_gse_km_s")):
        np.testing.assert_array_equal(c.varget(f"mms2_des_{var}_brst"),
                                      ds[key].values.astype(np.float32))
    assert np.all(c.varget("mms2_des_prestensor_err_brst")[:, [0, 1, 2], [0, 1, 2]] > 0)
    np.testing.assert_array_equal(c.varget("mms2_des_prestensor_dbcs_brst"),
                                  c.varget("mms2_des_prestensor_gse_brst"))
    theta = np.radians(ds["theta"].values)
    pitch_angle = c.varget("mms2_des_pitchangle_brst")
    np.testing.assert_allclose(pitch_angle, 3.0 + 6.0 * np.arange(30))
    for k in (0, 16, 32):
        phi = np.radians(ds["phi_deg"].values[k])
        v = -np.stack([np.outer(np.cos(phi), np.sin(theta)), np.outer(np.sin(phi), np.sin(theta)),
                       np.outer(np.ones_like(phi), np.cos(theta))], axis=-1)  # (phi, theta, 3)
        b = ds["B_gse_nT"].values[k]  # DBCS = GSE in the default configuration
        alpha = np.degrees(np.arccos(np.clip(v @ (b / np.linalg.norm(b)), -1, 1)))
        dflux = ds["def_keV_cm2_s_sr_keV"].values[k]  # (phi, theta, energy)
        energy = ds["energy_eV"].values[k]
        for kind, sel in (("omni", alpha >= 0), ("par", alpha < 45),
                          ("perp", (alpha >= 45) & (alpha <= 135)), ("anti", alpha > 135)):
            want = dflux[sel].mean(axis=0)
            got = c.varget(f"mms2_des_energyspectr_{kind}_brst")[k]
            np.testing.assert_allclose(got, want.astype(np.float32), rtol=1e-6, err_msg=kind)
        q = np.minimum((alpha / 6.0).astype(int), 29)
        for kind, lo, hi in (("lowen", 0, 200), ("miden", 200, 2000), ("highen", 2000, 30000)):
            chan = (energy >= lo) & (energy < hi)
            got = c.varget(f"mms2_des_pitchangdist_{kind}_brst")[k]
            for j in range(30):
                cells = dflux[q == j][:, chan]
                if cells.size == 0:
                    assert got[j] == -1e31, (kind, j)  # no bin: the fill value
                else:
                    np.testing.assert_allclose(got[j], np.float32(cells.mean()), rtol=1e-6,
                                               err_msg=f"{kind} bin {j}")


def test_results_are_analysis_ready(tracks):
    """UTC time from [geometry] t0_utc with the seconds beside it, component labels, the energy
    channel coordinate, long_name and units on everything (issue 18 item 5)."""
    ds = tracks["MMS1"]
    assert ds["time"].dtype == np.dtype("datetime64[ns]")
    assert str(ds["time"].values[0]) == "2015-10-19T14:07:56.000000000"  # t_s = -0.5
    np.testing.assert_array_equal(
        ds["time"].values, np.datetime64("2015-10-19T14:07:56.500", "ns")
        + np.round(ds["t_s"].values * 1e9).astype("timedelta64[ns]"))
    assert ds["t_s"].attrs["units"] == "s"
    assert list(ds["gse"].values) == ["x", "y", "z"] and list(ds["lmn"].values) == ["L", "M", "N"]
    assert list(ds["energy"].values) == list(range(32))
    assert ds["B_lmn_nT"].sel(lmn="M").max() > 20  # the axial field, by its label
    for name in list(ds.data_vars) + list(ds.coords):
        assert ds[name].attrs.get("long_name"), name
        assert name == "time" or ds[name].attrs.get("units"), name
    assert "ground-system moment" in ds["moments_fpi_n_cm3"].attrs["long_name"]
    # another t0_utc moves the UTC times, not the seconds
    other = fluxrope.synth(fluxrope.load_config(set={"geometry.t0_utc": "2017-07-11T22:34:02",
                                                     "geometry.duration_s": 0.06}), backend="cpu")
    o = other["MMS1"]
    assert str(o["time"].values[0]) == "2017-07-11T22:34:01.500000000"
    np.testing.assert_array_equal(o["t_s"].values, ds["t_s"].values[:len(o["t_s"])])
    with pytest.raises(FluxropeError, match="t0_utc"):
        fluxrope.load_config(set={"geometry.t0_utc": "2017-13-01T00:00:00"})


def test_at_energy_gives_a_pad_without_parity_stripes(tracks):
    """at_energy interpolates each record between its own table's two bracketing channels,
    linearly in log E. Checked against that formula written out, and on the default event: at a
    fixed channel the PAD jumps by ~20% from record to record outside the rope (the two burst
    tables are half a channel apart); at a fixed energy it changes by < 3%."""
    ds = tracks["MMS1"]
    pad = fluxrope.at_energy(ds, "pad_s3_cm6", 50.0)
    assert pad.dims == ("time", "pitch") and pad.attrs["energy_eV"] == 50.0
    assert "log E" in pad.attrs["interpolation"]
    E = ds["energy_eV"].values
    for k in (0, 1):
        i = int(np.searchsorted(E[k], 50.0)) - 1
        w = np.log(50.0 / E[k, i]) / np.log(E[k, i + 1] / E[k, i])
        want = (1 - w) * ds["pad_s3_cm6"].values[k, i] + w * ds["pad_s3_cm6"].values[k, i + 1]
        np.testing.assert_allclose(pad.values[k], want, rtol=1e-14)
    outside = slice(0, 8)  # the first 8 records, ~80 km from the axis
    channel = ds["pad_s3_cm6"].isel(energy=6, time=outside).mean("pitch").values
    fixed = pad.isel(time=outside).mean("pitch").values
    assert np.max(np.abs(np.diff(channel)) / channel[1:]) > 0.1
    assert np.max(np.abs(np.diff(fixed)) / fixed[1:]) < 0.03
    # DEF too (4-D skymap): a (time, phi, theta) array
    assert fluxrope.at_energy(ds, "def_keV_cm2_s_sr_keV", 100.0).dims == ("time", "phi", "theta")
    for bad, match in ((5.0, "outside"), (float("nan"), "outside"), ("x", "not a number")):
        with pytest.raises(FluxropeError, match=match):
            fluxrope.at_energy(ds, "pad_s3_cm6", bad)
    with pytest.raises(FluxropeError, match="dimensions"):
        fluxrope.at_energy(ds, "ne_cm3", 50.0)
    with pytest.raises(FluxropeError, match="has no"):
        fluxrope.at_energy(ds, "nothing", 50.0)


def test_every_place_that_states_the_version_agrees(fluxrope_exe):
    """fluxrope --version, fluxrope.__version__, pyproject.toml, CMakeLists.txt, CITATION.cff and
    the first version heading of CHANGELOG.md are one version; LICENSE is the MIT licence the
    packaging metadata and the README name."""
    import re
    import tomllib
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

    def read(name):
        with open(os.path.join(root, name), encoding="utf-8") as f:
            return f.read()

    cli = subprocess.run([fluxrope_exe, "--version"], capture_output=True, text=True, check=True)
    versions = {
        "fluxrope --version": cli.stdout.split()[-1],
        "fluxrope.__version__": fluxrope.__version__,
        "pyproject.toml": tomllib.loads(read("pyproject.toml"))["project"]["version"],
        "CMakeLists.txt": re.search(r"project\(fluxrope VERSION ([\d.]+)", read("CMakeLists.txt"))[1],
        "CITATION.cff": re.search(r"^version: ([\d.]+)$", read("CITATION.cff"), re.M)[1],
        "CHANGELOG.md": re.search(r"^## ([\d.]+)", read("CHANGELOG.md"), re.M)[1],
    }
    assert len(set(versions.values())) == 1, versions
    assert read("LICENSE").startswith("MIT License")
    assert tomllib.loads(read("pyproject.toml"))["project"]["license"] == {"text": "MIT"}
    assert re.search(r"^license: MIT$", read("CITATION.cff"), re.M)


def test_fluxrope_is_imported_from_the_installation_under_test():
    """scripts/package-test.sh runs these tests against a wheel in a fresh venv and names its
    site-packages in FLUXROPE_INSTALLED_FROM: the package and its engine come from there."""
    where = os.environ.get("FLUXROPE_INSTALLED_FROM")
    if not where:
        pytest.skip("not a packaging run (scripts/package-test.sh)")
    assert fluxrope.__file__.startswith(where), fluxrope.__file__
    assert fluxrope._core.__file__.startswith(where), fluxrope._core.__file__


def test_quicklook_draws_every_spacecraft_and_refuses_bad_input(tmp_path, fluxrope_exe):
    """python -m fluxrope quicklook: one PNG per spacecraft of a synth file (DES and DIS rows);
    a missing file, a spacecraft the file lacks and an output path that is a file are one error
    each, with no PNG written."""
    import sys
    pytest.importorskip("matplotlib")
    h5 = tmp_path / "s.h5"
    subprocess.run([fluxrope_exe, "synth", "--backend", "cpu", "--set", "geometry.duration_s=0.3",
                    "-o", str(h5)], check=True, capture_output=True)
    r = subprocess.run([sys.executable, "-m", "fluxrope", "quicklook", str(h5), "-o",
                        str(tmp_path / "ql")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    pngs = sorted(p.name for p in (tmp_path / "ql").iterdir())
    assert pngs == [f"quicklook_MMS{k}.png" for k in range(1, 5)]
    assert all((tmp_path / "ql" / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    from fluxrope.quicklook import quicklook
    with pytest.raises(FluxropeError, match="no spacecraft 'MMS7'"):
        quicklook(str(h5), str(tmp_path / "q2"), ["MMS7"])
    (tmp_path / "afile").write_text("x")
    with pytest.raises(FluxropeError, match="not a folder"):
        quicklook(str(h5), str(tmp_path / "afile"))
    bad = subprocess.run([sys.executable, "-m", "fluxrope", "quicklook", str(tmp_path / "none.h5"),
                          "-o", str(tmp_path / "q3")], capture_output=True, text=True)
    assert bad.returncode == 1 and "none.h5" in bad.stderr
    assert not (tmp_path / "q2").exists() and not (tmp_path / "q3").exists()
