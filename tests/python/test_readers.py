"""The users' own tools load the exported L2 files offline (issue 9 item 4): pySPEDAS and pyrfu
find them in an MMS data folder, load them, and their PADs and moments agree with fluxrope's.
The readers are installed by scripts/run-tests.sh (FLUXROPE_REQUIRE_READERS=1 there: a missing
reader is a failure, not a skip)."""
import os

import numpy as np
import pytest

TRANGE = ["2015-10-19/14:07:56", "2015-10-19/14:07:57"]


def _need(module):
    if os.environ.get("FLUXROPE_REQUIRE_READERS") == "1":
        return __import__(module)
    return pytest.importorskip(module)


@pytest.fixture(scope="module")
def pyspedas_mms(mms_root):
    os.environ["MMS_DATA_DIR"] = mms_root
    _need("pyspedas")
    from pyspedas.projects import mms
    return mms


def test_pyspedas_loads_dist_moms_and_fgm(pyspedas_mms, tracks):
    from pyspedas import get_data
    mms = pyspedas_mms
    names = mms.fpi(trange=TRANGE, probe="1", data_rate="brst", datatype="des-dist", level="l2",
                    no_update=True)
    assert "mms1_des_dist_brst" in names
    d = get_data("mms1_des_dist_brst")
    ours = tracks["MMS1"]["dist_s3_cm6"].values.astype(np.float32)
    assert d.y.shape == ours.shape
    np.testing.assert_array_equal(d.y, ours)  # float32 in the file: exactly the stored values
    t0 = 1445263676.0  # 2015-10-19T14:07:56 UTC, the first record
    np.testing.assert_allclose(d.times[:3] - t0, [0.0, 0.03, 0.06], atol=1e-6)
    assert "mms1_fgm_b_gse_brst_l2" in mms.fgm(trange=TRANGE, probe="1", data_rate="brst",
                                               no_update=True)
    b = get_data("mms1_fgm_b_gse_brst_l2")
    np.testing.assert_allclose(b.y[:, :3], tracks["MMS1"]["B_gse_nT"].values, rtol=1e-6)
    moms = mms.fpi(trange=TRANGE, probe="1", data_rate="brst", datatype="des-moms", level="l2",
                   no_update=True)
    assert "mms1_des_numberdensity_brst" in moms
    n = get_data("mms1_des_numberdensity_brst")
    np.testing.assert_allclose(n.y, tracks["MMS1"]["moments_fpi_n_cm3"].values, rtol=1e-6)


def test_pyspedas_pad_equals_fluxropes(pyspedas_mms, tracks):
    """mms_pad_fpi bins each skymap bin's centre velocity by its pitch angle against the field
    and averages unweighted: fluxrope's pad_s3_cm6 (18 bins of 10 degrees) to float32 rounding.
    pySPEDAS reports empty pitch bins as 0 where fluxrope has NaN."""
    from pyspedas import get_data, store_data
    from pyspedas.projects.mms.fpi_tools.mms_get_fpi_dist import mms_get_fpi_dist
    from pyspedas.projects.mms.fpi_tools.mms_pad_fpi import mms_pad_fpi
    mms = pyspedas_mms
    mms.fpi(trange=TRANGE, probe="1", data_rate="brst", datatype="des-dist", level="l2",
            no_update=True)
    mms.fgm(trange=TRANGE, probe="1", data_rate="brst", no_update=True)
    dists = mms_get_fpi_dist("mms1_des_dist_brst", probe="1", data_rate="brst", species="e")
    b = get_data("mms1_fgm_b_gse_brst_l2")
    ours = tracks["MMS1"]["pad_s3_cm6"].values
    for k in (0, 16, 32):  # outside, closest approach, outside
        # the field of record k (as the FGM file holds it) over its accumulation
        t = float(dists[k]["start_time"])
        x = t + np.linspace(-0.1, 0.1, 201)
        store_data("b_record", data={"x": x, "y": np.tile(b.y[k, :3], (len(x), 1))})
        pad = mms_pad_fpi(dists, time=t, samples=1, mag_data="b_record", units="df_cm")
        got = pad["data"][:, 1:-1]  # drop pySPEDAS's angle padding
        mine = ours[k]
        filled = ~np.isnan(mine)
        assert filled.sum() > 400
        np.testing.assert_allclose(got[filled], mine[filled], rtol=2e-6)
        assert np.all(got[~filled] == 0)


@pytest.fixture(scope="module")
def pyrfu_mms(mms_root):
    _need("pyrfu")
    from pyrfu import mms
    mms.db_init(default="local", local=mms_root)
    return mms


TINT = ["2015-10-19T14:07:56.000", "2015-10-19T14:07:57.000"]


def test_pyrfu_loads_the_skymaps_and_field(pyrfu_mms, tracks):
    mms = pyrfu_mms
    vdf = mms.get_data("pde_fpi_brst_l2", TINT, 1)
    ours = tracks["MMS1"]
    assert vdf.data.dims[0] == "time" and vdf.data.shape == (33, 32, 32, 16)
    # pyrfu's order: (time, energy, phi, theta)
    np.testing.assert_array_equal(vdf.data.values,
                                  np.transpose(ours["dist_s3_cm6"].values, (0, 3, 1, 2)).astype(np.float32))
    np.testing.assert_allclose(vdf.energy.values[0], ours["energy_eV"].values[0], rtol=1e-6)
    b = mms.get_data("b_gse_fgm_brst_l2", TINT, 1)
    np.testing.assert_allclose(b.values, ours["B_gse_nT"].values, rtol=1e-6)


def test_pyrfu_pad_equals_fluxropes(pyrfu_mms, tracks):
    """get_pitch_angle_dist with 18 angles bins the bin centres against the field (fluxrope's B
    at each record) and averages them as a mean over theta within each phi sector, then over
    the sectors: fluxrope's pad_weighting = "pyrfu". (Its plain unweighted mean, pySPEDAS's,
    differs from this by up to tens of percent where a pitch bin cuts sectors unevenly.)"""
    import xarray as xr
    import fluxrope
    mms = pyrfu_mms
    # the same event with pyrfu's estimator
    ours_pyrfu = fluxrope.synth(fluxrope.solve(
        {"instrument": {"pad_weighting": "pyrfu"}}, backend="cpu"), backend="cpu")["MMS1"]
    np.testing.assert_array_equal(ours_pyrfu["dist_s3_cm6"].values,
                                  tracks["MMS1"]["dist_s3_cm6"].values)
    vdf = mms.get_data("pde_fpi_brst_l2", TINT, 1)
    B = tracks["MMS1"]["B_gse_nT"].values
    b = xr.DataArray(B, coords=[vdf.time.values, ["x", "y", "z"]], dims=["time", "comp"])
    pad = mms.get_pitch_angle_dist(vdf, b, angles=18, verbose=False)
    got = pad.data.values  # (time, energy, pitch)
    mine = ours_pyrfu["pad_s3_cm6"].values
    filled = ~np.isnan(mine) & (mine > 0)
    assert got.shape == mine.shape
    np.testing.assert_allclose(got[filled], mine[filled], rtol=2e-6)


def test_pyrfu_moments_against_fluxropes(pyrfu_mms, tracks):
    """psd_moments integrates the same skymaps with a different rule from the ground-system
    method fluxrope's moments_fpi follow: a midpoint sum over the channels with widths from
    energy_delta (no f = 0 padding below the lowest and above the highest channel) and
    sin(theta) dtheta dphi per bin, against fluxrope's trapezoid in U = E / (E + E0) padded with
    f = 0 and trapezoid in theta padded at the poles (docs/python.md). Measured on the default
    event: pyrfu's density is 6-10% below fluxrope's (which is 4% below the model), its velocity
    within 21 km/s. The test bounds those differences (12%, 25 km/s) and checks that both see
    the density dip of the rope at the same sample."""
    import xarray as xr
    mms = pyrfu_mms
    vdf = mms.get_data("pde_fpi_brst_l2", TINT, 1)
    sc_pot = xr.DataArray(np.zeros(len(vdf.time)), coords=[vdf.time.values], dims=["time"])
    n_psd, v_psd = mms.psd_moments(vdf, sc_pot)[:2]
    n, V = n_psd.values, v_psd.values
    ours = tracks["MMS1"]
    n_ours = ours["moments_fpi_n_cm3"].values
    np.testing.assert_allclose(n, n_ours, rtol=0.12)
    assert np.max(np.abs(V - ours["moments_fpi_V_dbcs_km_s"].values)) < 25
    # the same parity (every other record) keeps the energy table out of the comparison
    assert np.argmin(n[::2]) == np.argmin(n_ours[::2])


def test_pyrfu_runs_on_to_pyrfu_skymap_without_files(pyrfu_mms, tracks):
    """fluxrope.to_pyrfu_skymap builds pyrfu's skymap layout in memory: pyrfu's PAD of it equals
    the one of the exported file (and so fluxrope's with pad_weighting = "pyrfu")."""
    import xarray as xr
    import fluxrope
    mms = pyrfu_mms
    sky = fluxrope.to_pyrfu_skymap(tracks["MMS1"])
    vdf = mms.get_data("pde_fpi_brst_l2", TINT, 1)
    np.testing.assert_array_equal(sky.time.values, vdf.time.values)
    np.testing.assert_array_equal(sky.data.values.astype(np.float32), vdf.data.values)
    b = xr.DataArray(tracks["MMS1"]["B_gse_nT"].values, coords=[sky.time.values, ["x", "y", "z"]],
                     dims=["time", "comp"])
    a = mms.get_pitch_angle_dist(sky, b, angles=18, verbose=False).data.values
    c = mms.get_pitch_angle_dist(vdf, b, angles=18, verbose=False).data.values
    filled = np.isfinite(a) & (a > 0)
    assert filled.sum() > 1000
    np.testing.assert_allclose(a[filled], c[filled], rtol=2e-6)
