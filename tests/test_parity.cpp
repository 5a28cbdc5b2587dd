// The device backend against the CPU backend (issue 10). The device backend's source
// (kernels/thrust_backend.inl) is compiled twice: as "thrust-host" (g++, Thrust's OpenMP system),
// which every build has, and as "cuda" (nvcc), which runs where a GPU answers. Every parity test
// runs on both; "cuda" skips, with the reason, without a device.
//
// What "equal" means (docs/performance.md, "Parity"):
//  - thrust-host runs the same item functions with the same compiler flags as the CPU backend's
//    per-item path, and the CPU backend's vectorized loops promise the per-item bits: equal bit
//    for bit.
//  - cuda is built with --fmad=false (no contraction to FMA), so its arithmetic is the CPU's
//    operation for operation except exp (CUDA's, within 1 ulp, against fluxrope's vexp, within
//    2 ulp of glibc): every population term carries at most ~3 ulp of difference, and a value
//    that is a sum of terms (f: three populations, one negative; bin averages: weighted sums of
//    f) differs by at most ~7e-16 times the sum of the terms' absolute values. The tests compute
//    that sum with the same kernels on a profile whose rotating population has its weight's sign
//    flipped (every term positive) and allow 1e-14 of it: a real index or sign error changes a
//    value by the value itself and fails.
#include <gtest/gtest.h>

#include <cmath>

#include "fluxrope/engine/backend.hpp"
#include "fluxrope/instrument/products.hpp"
#include "fluxrope/instrument/skymap.hpp"
#include "test_util.hpp"

using namespace fluxrope;

namespace {

class Parity : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "cuda") {
      if (!cuda_compiled()) GTEST_SKIP() << "built without CUDA";
      if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device answers on this machine";
    }
    device_ = make_backend(GetParam());
    cpu_ = make_cpu_backend();
    std::cout << "[ parity ] " << device_->name() << " vs " << cpu_->name() << "\n";
  }
  bool bitwise() const { return GetParam() == "thrust-host"; }

  // a (CPU) and b (device) agree: bit for bit on thrust-host; on cuda within 1e-14 of the sum
  // of the absolute population terms (abs), or 1e-12 relative where no abs is given.
  void expect_parity(const std::vector<double>& a, const std::vector<double>& b,
                     const std::vector<double>* abs, const char* what) const {
    ASSERT_EQ(a.size(), b.size()) << what;
    for (size_t m = 0; m < a.size(); ++m) {
      if (bitwise()) {
        ASSERT_EQ(b[m], a[m]) << what << " item " << m;
      } else {
        const double bound = abs ? 1e-14 * (*abs)[m] : 1e-12 * std::fabs(a[m]);
        ASSERT_LE(std::fabs(b[m] - a[m]), bound) << what << " item " << m;
      }
    }
  }

  // Runs one product on the CPU (a) and the device (b), then, after make_absolute() turned every
  // population term positive, on the CPU again (the bound's sum of |terms|), and compares.
  template <class Run, class MakeAbsolute>
  void check(const char* what, Run run, MakeAbsolute make_absolute) {
    std::vector<double> a, b, abs;
    run(*cpu_, a);
    run(*device_, b);
    make_absolute();
    run(*cpu_, abs);
    expect_parity(a, b, &abs, what);
  }

  std::unique_ptr<Backend> device_, cpu_;
};

// The profile with every population term positive (the rotating population's weight w_r =
// -alpha_r made +alpha_r): the kernels then compute the sum of the terms' absolute values.
// Per-position factors prepared on the host carry the weight in their amplitudes: those too.
ProfileView absolute(ProfileView v) {
  for (PopulationView& p : v.model.pop) p.weight = std::fabs(p.weight);
  return v;
}
void absolute(LocalPoint& l) {
  for (double& a : l.amp) a = std::fabs(a);
}

// The same for the amplitudes of the response kernel's structure-of-arrays blocks.
void absolute_lanes(std::vector<double>& lanes) {
  for (size_t b = 0; b < lanes.size(); b += RESPONSE_BLOCK)
    for (int f = LOCAL_POINT_AMP; f < LOCAL_POINT_AMP + N_POP; ++f)
      for (int i = 0; i < FPI_N_ENERGY; ++i) lanes[b + f * FPI_N_ENERGY + i] = std::fabs(lanes[b + f * FPI_N_ENERGY + i]);
}

const ProfileTables& tables() {
  static const ProfileTables t = make_profile_tables(test::solved("yang2022"));
  return t;
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, Parity, ::testing::Values("thrust-host", "cuda"),
                         [](const auto& info) {
                           return info.param == "cuda" ? std::string("Cuda")
                                                       : std::string("ThrustHost");
                         });

TEST_P(Parity, ShapeIntegralsAndTheSolve) {
  const RunConfig cfg = test::config_of("yang2022");
  const SolveResult& r = test::solved("yang2022", {"solver.passes=1"});
  const Scales sc = scales_of(cfg.model);
  const PanelGrid grid = shape_panels(cfg.solver.n_shape, cfg.solver.x_max * sc.L_st, sc.L_st);
  const FieldTable f = r.history.back().field_table();
  // each shape moment is one population's integral (no cancellation): 1e-12 of its scale
  const ShapeTable a = compute_shape_table(cfg.model, f, grid, {}, *cpu_);
  const ShapeTable b = compute_shape_table(cfg.model, f, grid, {}, *device_);
  for (int s = 0; s < N_POP; ++s)
    for (int m = 0; m < N_SHAPE_MOMENTS; ++m) {
      double scale = 0.0;
      for (int k = 0; k < grid.size(); ++k) scale = std::max(scale, std::fabs(a.node(s, m, k)));
      for (int k = 0; k < grid.size(); ++k) {
        if (bitwise())
          ASSERT_EQ(b.node(s, m, k), a.node(s, m, k)) << "population " << s << " moment " << m;
        else
          ASSERT_NEAR(b.node(s, m, k), a.node(s, m, k), 1e-12 * scale)
              << "population " << s << " moment " << m;
      }
    }
  // and a full solve agrees
  SolverSettings s = cfg.solver;
  s.passes = 2;
  const SolveResult rc = solve_equilibrium(cfg.model, s, *cpu_);
  const SolveResult rg = solve_equilibrium(cfg.model, s, *device_);
  EXPECT_LE(test::max_abs_diff(rc.profile.Bz, rg.profile.Bz), 1e-12 * cfg.model.B0);
  EXPECT_LE(test::max_abs_diff(rc.profile.ne, rg.profile.ne), 1e-12 * cfg.model.n_i);
}

// Bin-centre skymaps of samples across the rope (and beyond its edge), both energy tables.
TEST_P(Parity, Skymaps) {
  std::vector<SkymapSample> samples(8);
  for (int n = 0; n < 8; ++n) {
    samples[n].r_rope = {-60e3 + 30e3 * n, 5e3, 0};
    samples[n].U_rope = {170e3, 0, 140e3};
    samples[n].parity = n % 2;
  }
  SkymapSetup k = make_skymap_setup(tables(), samples);
  check(
      "skymap bin", [&](Backend& be, std::vector<double>& out) { be.skymaps(k.problem, out); },
      [&] {
        k.problem.profile = absolute(k.problem.profile);
        for (SkymapSample& smp : k.samples) absolute(smp.local);
      });
}

// The integrated response (issue 8), sweep and all, and the counts drawn from it: identical,
// since the Poisson draws are keyed by (seed, spacecraft, sample, bin) and computed by the same
// counts_item from N on each backend (a count could differ only where N's last bits move a
// uniform across a CDF step, or where libm's log/lgamma of the large-mean path differ).
TEST_P(Parity, IntegratedResponseAndCounts) {
  std::vector<ResponseSample> s;
  std::vector<Vec3> r0;
  for (int n = 0; n < 8; ++n) {
    s.push_back({{170e3, 0, 140e3}, Mat3{}, n % 2});
    r0.push_back({-60e3 + 30e3 * n, 5e3, 0});
  }
  const ResponseTables rt = make_response_tables(ResponseSettings{}, 0.03);
  ResponseSetup k;
  prepare_response(tables(), rt, s, r0, k);
  check(
      "response bin",
      [&](Backend& be, std::vector<double>& out) { be.response_skymaps(k.problem, out); },
      [&] {
        k.problem.profile = absolute(k.problem.profile);
        absolute_lanes(k.lanes);
      });

  const RunConfig cfg = test::config_of("yang2022", {"geometry.duration_s=0.12"});
  const RopeFrame frame =
      make_rope_frame(cfg.geometry.L_gse, cfg.geometry.M_gse, cfg.geometry.N_gse);
  const Track tr = make_tracks(cfg.geometry, frame)[1];
  const RadialProfile& prof = test::solved("yang2022").profile;
  const TrackProducts pc = synthesize_track(*cpu_, tables(), prof, frame, cfg.instrument, 0.03, tr, 1);
  const TrackProducts pg =
      synthesize_track(*device_, tables(), prof, frame, cfg.instrument, 0.03, tr, 1);
  ASSERT_EQ(pc.counts.size(), pg.counts.size());
  long differ = 0;
  for (size_t m = 0; m < pc.counts.size(); ++m) differ += pc.counts[m] != pg.counts[m];
  EXPECT_EQ(differ, 0) << "of " << pc.counts.size() << " bins";
  // the ground-system moments of those skymaps, and every other product of synth_batch
  expect_parity(pc.fpi_model.n_m3, pg.fpi_model.n_m3, nullptr, "moments n");
  expect_parity(pc.fpi_model.P_gse_Pa, pg.fpi_model.P_gse_Pa, nullptr, "moments P");
  if (bitwise()) {
    EXPECT_TRUE(pc.dist_model_s3_cm6 == pg.dist_model_s3_cm6);
    EXPECT_TRUE(pc.counts_expected == pg.counts_expected);
    EXPECT_TRUE(pc.dist_s3_cm6 == pg.dist_s3_cm6);
    EXPECT_TRUE(pc.disterr_s3_cm6 == pg.disterr_s3_cm6);
    EXPECT_TRUE(pc.def == pg.def);
    EXPECT_TRUE(pc.pad_gyro_s3_cm6 == pg.pad_gyro_s3_cm6);
    EXPECT_TRUE(pc.f_min_s3_cm6 == pg.f_min_s3_cm6);
    EXPECT_TRUE(pc.n_negative_bins == pg.n_negative_bins);
    EXPECT_TRUE(pc.fpi.T_par_J == pg.fpi.T_par_J);
    EXPECT_TRUE(pc.fpi.sigma_n_m3 == pg.fpi.sigma_n_m3);
    EXPECT_TRUE(pc.fpi_model.q_gse_W_m2 == pg.fpi_model.q_gse_W_m2);
    // the PADs hold NaN where no bin falls in a cell: equal where numbers, NaN in the same cells
    ASSERT_EQ(pc.pad_s3_cm6.size(), pg.pad_s3_cm6.size());
    for (size_t m = 0; m < pc.pad_s3_cm6.size(); ++m)
      ASSERT_TRUE(pc.pad_s3_cm6[m] == pg.pad_s3_cm6[m] ||
                  (std::isnan(pc.pad_s3_cm6[m]) && std::isnan(pg.pad_s3_cm6[m])))
          << "PAD cell " << m;
  } else {
    expect_parity(pc.fpi.n_m3, pg.fpi.n_m3, nullptr, "moments of dist n");
  }
}

// The ions (DIS) run through the same item functions: the whole DIS pipeline on the device
// backend gives the CPU's products (counts and moments bit for bit where the backend is).
TEST_P(Parity, IonPipeline) {
  const RunConfig cfg = test::config_of("yang2022", {"geometry.duration_s=0.3"});
  const RopeFrame frame =
      make_rope_frame(cfg.geometry.L_gse, cfg.geometry.M_gse, cfg.geometry.N_gse);
  GeometrySettings g = cfg.geometry;
  g.cadence_s = cfg.dis.cadence_s;
  const Track tr = make_tracks(g, frame)[2];
  const RadialProfile& prof = test::solved("yang2022").profile;
  const InstrumentSettings& dis = cfg.dis.instrument;
  const TrackProducts pc = synthesize_track(*cpu_, tables(), prof, frame, dis, 0.15, tr, 2);
  const TrackProducts pg = synthesize_track(*device_, tables(), prof, frame, dis, 0.15, tr, 2);
  ASSERT_EQ(pc.counts.size(), static_cast<size_t>(2 * FPI_N_BINS));
  long differ = 0;
  for (size_t m = 0; m < pc.counts.size(); ++m) differ += pc.counts[m] != pg.counts[m];
  EXPECT_EQ(differ, 0) << "of " << pc.counts.size() << " bins";
  expect_parity(pc.dist_model_s3_cm6, pg.dist_model_s3_cm6, nullptr, "ion skymaps");
  expect_parity(pc.fpi_model.n_m3, pg.fpi_model.n_m3, nullptr, "ion moments n");
  expect_parity(pc.pad_gyro_s3_cm6, pg.pad_gyro_s3_cm6, nullptr, "ion dense PADs");
  if (bitwise()) {
    EXPECT_TRUE(pc.dist_model_s3_cm6 == pg.dist_model_s3_cm6);
    EXPECT_TRUE(pc.def == pg.def);
    EXPECT_TRUE(pc.fpi.P_gse_Pa == pg.fpi.P_gse_Pa);
    EXPECT_TRUE(pc.fpi.sigma_T_gse_J == pg.fpi.sigma_T_gse_J);
  }
}

TEST_P(Parity, GyroPads) {
  std::vector<Vec3> r;
  for (int n = 0; n < 8; ++n) r.push_back({-60e3 + 30e3 * n, 5e3, 0});
  const InstrumentSettings is;
  GyroPadSetup k = make_gyro_pad_setup(tables(), r, {170e3, 0, 140e3}, is);
  check(
      "gyro PAD", [&](Backend& be, std::vector<double>& out) { be.gyro_pads(k.problem, out); },
      [&] {
        k.problem.profile = absolute(k.problem.profile);
        for (GyroPadSample& smp : k.samples) absolute(smp.local);
      });
}

// f at arbitrary points (the Python API's evaluation)
TEST_P(Parity, Points) {
  std::vector<Vec3> r, v;
  for (int n = 0; n < 500; ++n) {
    r.push_back({-80e3 + 350.0 * n, 3e3 - 11.0 * n, 0});
    v.push_back({std::sin(0.1 * n) * 4e6, std::cos(0.07 * n) * 3e6, 2e6 - 8e3 * n});
  }
  PointProblem p;
  p.profile = tables().view();
  p.r = r.data();
  p.v = v.data();
  p.U = {-30e3, 80e3, -207e3};
  p.n = static_cast<long>(r.size());
  check(
      "point", [&](Backend& be, std::vector<double>& out) { be.points(p, out); },
      [&] { p.profile = absolute(p.profile); });
}

// The fit's forward model (issue 16 item 4): response skymaps reduced where they are computed to
// the ground-system moments and PAD cells; bit for bit the host's fpi_moments and pad_cells of
// the clamped skymaps (the expectation of A x counts), for each PAD weighting.
TEST_P(Parity, ForwardModelReductions) {
  std::vector<ResponseSample> s;
  std::vector<Vec3> r0, b;
  std::vector<int> parity;
  for (int n = 0; n < 6; ++n) {
    s.push_back({{170e3, 0, 140e3}, Mat3{}, n % 2});
    r0.push_back({-60e3 + 30e3 * n, 5e3, 0});
    b.push_back({0.3 + 0.1 * n, -0.2, 0.9});
    parity.push_back(n % 2);
  }
  const ResponseTables rt = make_response_tables(ResponseSettings{}, 0.03);
  ResponseSetup k;
  prepare_response(tables(), rt, s, r0, k);
  MomentWeights w[2];
  std::vector<double> A(2 * FPI_N_ENERGY);
  for (int par = 0; par < 2; ++par) {
    w[par] = moment_weights(fpi_energy_table(par).data(), MomentSettings{});
    for (int i = 0; i < FPI_N_ENERGY; ++i)
      A[par * FPI_N_ENERGY + i] = one_count_level_s3_cm6(fpi_energy_table(par)[i], 1e-7);
  }
  const std::vector<Vec3> dirs = make_fpi_tables().velocity_dir;
  const std::vector<int> channels = {3, 6, 20};
  std::vector<double> sky;
  cpu_->response_skymaps(k.problem, sky);
  for (double& f : sky) f = f > 0 ? f : 0.0;
  for (PadWeighting pw : {PadWeighting::Unweighted, PadWeighting::SolidAngle,
                          PadWeighting::PhiOfThetaMeans}) {
    ReductionProblem rp;
    rp.dir = dirs.data();
    rp.parity = parity.data();
    rp.b_field = b.data();
    rp.weights = w;
    rp.one_count = A.data();
    rp.n_samples = static_cast<int>(s.size());
    rp.pad_channel = channels.data();
    rp.n_channel = static_cast<int>(channels.size());
    rp.n_pitch = 18;
    rp.weighting = pw;
    SkymapSource src;
    src.response = &k.problem;
    std::vector<double> a, d;
    cpu_->reduce(src, rp, a);
    device_->reduce(src, rp, d);
    ASSERT_EQ(a.size(), s.size() * static_cast<size_t>(rp.row_width()));
    ASSERT_EQ(a.size(), d.size());
    for (size_t m = 0; m < a.size(); ++m) {
      if (std::isnan(a[m]) && std::isnan(d[m])) continue;
      if (bitwise())
        ASSERT_EQ(d[m], a[m]) << "reduction value " << m;
      else
        ASSERT_LE(std::fabs(d[m] - a[m]), 1e-12 * std::fabs(a[m]) + 1e-300) << "value " << m;
    }
    // the host's per-sample functions on the same (clamped) skymaps
    for (size_t n = 0; n < s.size(); ++n) {
      const double* row = a.data() + n * rp.row_width();
      const double* sk = sky.data() + n * FPI_N_BINS;
      const double* An = A.data() + parity[n] * FPI_N_ENERGY;
      const FpiMoments m = fpi_moments(sk, w[parity[n]], b[n], An);
      EXPECT_EQ(row[MOM_N], m.n_m3);
      EXPECT_EQ(row[MOM_T_PAR], m.T_par_J);
      EXPECT_EQ(row[MOM_T_PERP], m.T_perp_J);
      EXPECT_EQ(row[MOM_V + 2], m.V_m_s.z);
      EXPECT_EQ(row[MOM_SIGMA_T_PERP], m.sigma_T_perp_J);
      EXPECT_GT(m.sigma_n_m3, 0.0);
      const PadCells c = pad_cells(sk, b[n], channels, 18, pw, An);
      for (size_t q = 0; q < c.value.size(); ++q) {
        const double* cell = row + N_MOMENT_OUT + PAD_CELL_OUT * q;
        if (std::isnan(c.value[q])) {
          EXPECT_TRUE(std::isnan(cell[0]));
          continue;
        }
        EXPECT_EQ(cell[0], c.value[q]) << "cell " << q;
        EXPECT_EQ(cell[1], c.sigma[q]);
        EXPECT_EQ(cell[2], c.counts[q]);
      }
      // and the synth's PAD of the same skymap (pad_from_skymap) at those channels
      const std::vector<double> pad = pad_from_skymap(sk, b[n], 18, pw);
      for (size_t ci = 0; ci < channels.size(); ++ci)
        for (int q = 0; q < 18; ++q) {
          const double v = pad[static_cast<size_t>(channels[ci]) * 18 + q];
          if (!std::isnan(v)) {
            EXPECT_EQ(v, c.value[ci * 18 + q]);
          }
        }
    }
  }
}
