"""The fit against what the instrument recorded (issue 16, docs/fit.md): round trips through
synth's FPI moments and through the MMS L2 files export_cdf writes, the old comparison with the
model's moments flagged, and the posterior of a two-parameter toy against the least squares."""
import numpy as np
import pytest

import fluxrope
from fluxrope import FluxropeError

TRUE = {"alpha_r": 0.70, "alpha_z": 0.38, "B0_nT": 23.0, "gamma": 2.1, "b_z": 0.50,
        "center_L_km": 2.6, "center_N_km": -0.7}
SETS = [f"model.{k}={v}" for k, v in TRUE.items() if not k.startswith("center")] + \
    ["geometry.center_ln_km=[2.6, -0.7]"]


@pytest.fixture(scope="module")
def truth():
    return fluxrope.synth(fluxrope.load_config(set=SETS), backend="cpu")


def with_fgm_noise(obs, seed):
    """The synthetic FGM field is noise-free: 0.1 nT Gaussian noise, the fit's sigma_B_nT."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, o in obs.items():
        o = dict(o)
        o["B_gse_nT"] = np.asarray(o["B_gse_nT"], float) + 0.1 * rng.standard_normal(
            np.shape(o["B_gse_nT"]))
        out[name] = o
    return out


def check_round_trip(r):
    assert r["converged"], r["stop_reason"]
    assert r["poor"] == [], r["warnings"]
    for name, v, s in zip(r["names"], r["value"], r["sigma"]):
        assert np.isfinite(s) and s > 0, name
        assert abs(v - TRUE[name]) < 3 * s, f"{name} = {v} +- {s}, true {TRUE[name]}"
    assert 0.5 <= r["chi2"] / r["dof"] <= 2.0


def test_round_trip_through_the_l2_files(truth, tmp_path):
    """export_cdf -> observations_from_l2 -> fit: the FPI moments of Poisson counts with their
    _err sigmas, at their own times and parities, against the instrument forward model."""
    fluxrope.export_cdf(truth, str(tmp_path))
    obs = fluxrope.observations_from_l2(str(tmp_path), "2015-10-19T14:07:56.5")
    m = obs["MMS1"]
    assert m["fpi_moments"] and len(m["parity"]) == len(m["t_fpi_s"])
    np.testing.assert_array_equal(m["parity"], truth["MMS1"]["parity"].values)
    assert np.all(m["sigma_ne_cm3"] > 0)
    r = fluxrope.fit(with_fgm_noise(obs, 5), None)
    check_round_trip(r)
    assert r["predictions"]["MMS1"]["moments"] == "instrument"


def test_round_trip_from_synth_and_the_old_comparison_warns(truth):
    obs = {n: {"time_s": ds["t_s"].values, "B_gse_nT": ds["B_gse_nT"].values}
           for n, ds in truth.items()}
    ds = truth["MMS1"]
    obs["MMS1"].update(fpi_moments=True, parity=ds["parity"].values,
                       ne_cm3=ds["moments_fpi_n_cm3"].values,
                       sigma_ne_cm3=ds["moments_fpi_sigma_n_cm3"].values,
                       T_par_eV=ds["moments_fpi_T_par_eV"].values,
                       sigma_T_par_eV=ds["moments_fpi_sigma_T_par_eV"].values,
                       T_perp_eV=ds["moments_fpi_T_perp_eV"].values,
                       sigma_T_perp_eV=ds["moments_fpi_sigma_T_perp_eV"].values)
    obs = with_fgm_noise(obs, 6)
    check_round_trip(fluxrope.fit(obs, None))
    old = fluxrope.fit(obs, fluxrope.load_config(set=['fit.moments="model"']))
    assert "MMS1 n_e" in old["poor"] and any("chi^2/N above" in w for w in old["warnings"])
    with pytest.raises(FluxropeError, match="unknown keys"):
        fluxrope.fit({"MMS1": {"time_s": [0.0], "B_gse_nT": [[1, 2, 3]], "nE": [1]}}, None)
    with pytest.raises(FluxropeError, match="parity"):
        bad = dict(obs["MMS1"], parity=np.full(len(obs["MMS1"]["time_s"]), 2))
        fluxrope.fit({**obs, "MMS1": bad}, None)
    with pytest.raises(FluxropeError, match=r"MMS1.*ne_cm3\[3\]"):
        ne = np.array(obs["MMS1"]["ne_cm3"], float)
        ne[3] = np.nan
        fluxrope.fit({**obs, "MMS1": dict(obs["MMS1"], ne_cm3=ne)}, None)


def test_posterior_of_a_field_only_toy_matches_the_least_squares(truth):
    """The axis position from the field alone (nearly linear): the posterior's mean and spread
    equal the least-squares value and sigma within the sampling error of the chain."""
    cfg = fluxrope.load_config(set=SETS + ['fit.free=["center_L_km", "center_N_km"]',
                                           "geometry.center_ln_km=[2.3, -0.4]"])
    obs = with_fgm_noise({n: {"time_s": ds["t_s"].values, "B_gse_nT": ds["B_gse_nT"].values}
                          for n, ds in truth.items()}, 7)
    r = fluxrope.fit(obs, cfg, moments=())
    post = fluxrope.sample_posterior(obs, cfg, moments=(), walkers=16, steps=400, start=r, seed=2)
    assert post.chain.shape == (16, 400, 2)
    assert 0.2 < post.attrs["acceptance"] < 0.9
    n_eff = post.attrs["effective_samples"]
    assert n_eff > 50
    # the least-squares sigma is scaled by chi^2/dof (~1 here: the noise is the stated sigma)
    scale = np.sqrt(r["chi2"] / r["dof"])
    for k in range(2):
        std, sigma = float(post.posterior_std[k]), float(post.lsq_sigma[k]) / scale
        assert abs(float(post.posterior_mean[k]) - r["value"][k]) < 4 * std / np.sqrt(n_eff)
        assert abs(std / sigma - 1) < 4 / np.sqrt(2 * n_eff)
    with pytest.raises(FluxropeError, match="walkers"):
        fluxrope.sample_posterior(obs, cfg, moments=(), walkers=3, steps=10, start=r)


def test_posterior_walkers_on_a_dask_client(truth):
    from dask.distributed import Client, LocalCluster
    cfg = fluxrope.load_config(set=SETS + ['fit.free=["center_L_km"]'])
    obs = with_fgm_noise({n: {"time_s": ds["t_s"].values, "B_gse_nT": ds["B_gse_nT"].values}
                          for n, ds in truth.items()}, 8)
    r = fluxrope.fit(obs, cfg, moments=())
    local = fluxrope.sample_posterior(obs, cfg, moments=(), walkers=4, steps=20, start=r, seed=1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      env={"OMP_NUM_THREADS": "1"}) as cluster, Client(cluster) as client:
        remote = fluxrope.sample_posterior(obs, cfg, moments=(), walkers=4, steps=20, start=r,
                                           seed=1, client=client)
    # the same seed, the same chain, wherever the walkers ran
    np.testing.assert_allclose(remote.chain.values, local.chain.values, rtol=0, atol=1e-12)
