// FPI grid and synthetic skymaps / instrument PADs (issue 3, docs/instrument.md).
#include <gtest/gtest.h>
#include <omp.h>

#include <array>
#include <cmath>
#include <random>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"
#include "fluxrope/engine/parallel_for.hpp"
#include "fluxrope/instrument/skymap.hpp"
#include "test_util.hpp"

using namespace fluxrope;
using namespace fluxrope::constants;

TEST(Fpi, EnergyTablesAreLogSpacedAndParityIsHalfAStepUp) {
  const auto& p0 = fpi_energy_table(0);
  const auto& p1 = fpi_energy_table(1);
  for (int i = 0; i + 1 < FPI_N_ENERGY; ++i) {
    EXPECT_NEAR(p0[i + 1] / p0[i], 1.28240, 2e-4) << i;
    EXPECT_NEAR(p1[i + 1] / p1[i], 1.28240, 2e-4) << i;
  }
  for (int i = 0; i < FPI_N_ENERGY; ++i) EXPECT_NEAR(p1[i] / p0[i], 1.13243, 2e-4) << i;
  EXPECT_DOUBLE_EQ(p0[0], 10.9349);
  EXPECT_DOUBLE_EQ(p1[31], 27637);
}

TEST(Fpi, LookDirectionsAreTheBinCentres) {
  const Vec3 first = fpi_look_direction(0, 0);  // theta 5.625, phi 5.625 deg
  EXPECT_NEAR(first.z, std::cos(5.625 * PI / 180), 1e-15);
  const Vec3 eq = fpi_look_direction(8, 8);  // theta 95.625, phi 95.625 deg
  EXPECT_NEAR(eq.z, std::cos(95.625 * PI / 180), 1e-15);
  EXPECT_NEAR(std::atan2(eq.y, eq.x) * 180 / PI, 95.625, 1e-12);
  const FpiTables t = make_fpi_tables();
  EXPECT_NEAR(t.velocity_dir[8 * 16 + 8].z, -eq.z, 1e-15);  // velocity = minus look
  EXPECT_NEAR(0.5 * M_ELECTRON * t.speed[32] * t.speed[32] / EV_TO_SI, fpi_energy_table(1)[0],
              1e-9);
}

namespace {
const ProfileTables& uniform_profile() {
  static const ProfileTables t = make_profile_tables(test::solved("uniform", {"solver.passes=1"}));
  return t;
}
}  // namespace

// A beam: in the spacecraft frame the rope plasma moves with -U, so the skymap peaks in
// the look bin pointing along +U (look = minus velocity). Getting the sign wrong mirrors it.
TEST(Skymap, BeamShowsUpInTheLookBinOppositeToItsVelocity) {
  auto cpu = make_cpu_backend();
  for (const auto& [k, j] : {std::pair{7, 5}, std::pair{20, 12}, std::pair{30, 1}}) {
    SkymapSample s;
    s.r_rope = {40e3, 10e3, 0};
    s.U_rope = 4.0e6 * fpi_look_direction(k, j);  // beam velocity -U, kinetic energy ~45 eV
    const std::vector<double> sky = synth_skymaps(*cpu, uniform_profile(), {s});
    const int i = 6;  // 37.9 eV, near the beam energy
    int best_k = -1, best_j = -1;
    double best = -1;
    for (int kk = 0; kk < FPI_N_PHI; ++kk)
      for (int jj = 0; jj < FPI_N_THETA; ++jj) {
        const double f = sky[(static_cast<size_t>(kk) * FPI_N_THETA + jj) * FPI_N_ENERGY + i];
        if (f > best) best = f, best_k = kk, best_j = jj;
      }
    EXPECT_EQ(best_k, k);
    EXPECT_EQ(best_j, j);
  }
}

TEST(Skymap, UsesTheEnergyTableOfTheSamplesParity) {
  auto cpu = make_cpu_backend();
  const ProfileView pv = uniform_profile().view();
  SkymapSample a, b;
  a.r_rope = b.r_rope = {10e3, 0, 0};
  b.parity = 1;
  const std::vector<double> sky = synth_skymaps(*cpu, uniform_profile(), {a, b});
  for (int p = 0; p < 2; ++p)
    for (int i : {0, 9, 31}) {
      const double v = std::sqrt(2 * fpi_energy_table(p)[i] * EV_TO_SI / M_ELECTRON);
      const double expect = 1e-12 * electron_f(pv, a.r_rope, v * (-1.0 * fpi_look_direction(3, 4)));
      EXPECT_NEAR(sky[p * FPI_N_BINS + (3 * FPI_N_THETA + 4) * FPI_N_ENERGY + i], expect,
                  1e-13 * expect);
    }
}

TEST(Skymap, IsotropicPlasmaGivesAFlatPad) {
  auto cpu = make_cpu_backend();
  SkymapSample s;
  s.r_rope = {30e3, 0, 0};
  const std::vector<double> sky = synth_skymaps(*cpu, uniform_profile(), {s});
  for (PadWeighting w :
       {PadWeighting::Unweighted, PadWeighting::SolidAngle, PadWeighting::PhiOfThetaMeans}) {
    const std::vector<double> pad = pad_from_skymap(sky.data(), Vec3{0.3, -0.2, 0.9}, 18, w);
    for (int i = 0; i < FPI_N_ENERGY; ++i) {
      // Round-off in v^2 along different directions enters exp(-E/T): relative error ~ eps E/T.
      const double cond = 1.0 + fpi_energy_table(0)[i] * EV_TO_SI / uniform_profile().model.T_b;
      const double ref = sky[i];
      int filled = 0;
      for (int q = 0; q < 18; ++q) {
        const double v = pad[static_cast<size_t>(i) * 18 + q];
        if (std::isnan(v)) continue;
        ++filled;
        EXPECT_NEAR(v, ref, 1e-14 * cond * ref) << "energy " << i << " pitch bin " << q;
      }
      EXPECT_GE(filled, 15);
    }
  }
}

TEST(Skymap, ResultIsIndependentOfTheThreadCount) {
  auto cpu = make_cpu_backend();
  const ProfileTables t = make_profile_tables(test::solved("yang2022"));
  std::vector<SkymapSample> samples(3);
  for (int n = 0; n < 3; ++n) {
    samples[n].r_rope = {5e3 * n, 12e3, 0};
    samples[n].U_rope = {-170e3, 20e3, 140e3};
    samples[n].parity = n % 2;
  }
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const std::vector<double> one = synth_skymaps(*cpu, t, samples);
  omp_set_num_threads(std::max(2, saved));
  const std::vector<double> many = synth_skymaps(*cpu, t, samples);
  omp_set_num_threads(saved);
  ASSERT_EQ(one.size(), many.size());
  for (size_t m = 0; m < one.size(); ++m) ASSERT_EQ(one[m], many[m]);
}

// The dense gyro-averaged PAD (docs/model.md §10) against the instrument-style PAD of the
// skymap, for a gyrotropic case with a parallel/antiparallel asymmetry: a Maxwellian seen
// from a spacecraft moving along B, f_sc ~ exp(-kappa cos alpha), kappa = m v |U| / T. The
// skymap PAD averages pixels whose centres lie anywhere within a 10-degree bin, so it differs
// from F at the bin centre by at most |dF/dalpha| delta + |d2F/dalpha2| delta^2 / 2 with
// delta = 5 degrees: (kappa delta + kappa^2 delta^2) F.
TEST(GyroPad, AgreesWithTheSkymapPadWhereBinsAreFine) {
  auto cpu = make_cpu_backend();
  const ProfileTables& t = uniform_profile();
  SkymapSample s;
  s.r_rope = {30e3, 0, 0};
  s.U_rope = {0, 0, 200e3};  // B = B0 z_hat in the uniform plasma
  const std::vector<double> sky = synth_skymaps(*cpu, t, {s});
  const std::vector<double> pad =
      pad_from_skymap(sky.data(), Vec3{0, 0, 1}, 18, PadWeighting::Unweighted);
  InstrumentSettings is;
  is.dense_pad_pitch = 18;
  is.dense_pad_gyrophase = 64;
  const std::vector<double> dense = synth_gyro_pads(*cpu, t, {s.r_rope}, s.U_rope, is);
  const double T = t.model.T_b, delta = 5.0 * PI / 180.0;
  int compared = 0;
  for (int i = 4; i <= 10; ++i) {
    const double v = std::sqrt(2 * fpi_energy_table(0)[i] * EV_TO_SI / M_ELECTRON);
    const double kappa = M_ELECTRON * v * 200e3 / T;
    for (int q = 0; q < 18; ++q) {
      const double a = pad[i * 18 + q], F = dense[i * 18 + q];
      if (std::isnan(a)) continue;
      ++compared;
      EXPECT_NEAR(a, F, (kappa * delta + kappa * kappa * delta * delta) * F)
          << "energy " << i << " bin " << q;
    }
    // and the asymmetry itself: F(0..10 deg) / F(170..180 deg) = exp(-2 kappa cos 5deg)
    EXPECT_NEAR(dense[i * 18 + 0] / dense[i * 18 + 17], std::exp(-2 * kappa * std::cos(delta)),
                1e-10);
  }
  EXPECT_GT(compared, 100);
}

TEST(GyroPad, IsotropicPlasmaGivesAFlatDensePad) {
  auto cpu = make_cpu_backend();
  InstrumentSettings is;
  const std::vector<double> dense =
      synth_gyro_pads(*cpu, uniform_profile(), {Vec3{10e3, 5e3, 0}}, Vec3{0, 0, 0}, is);
  const int Q = is.dense_pad_pitch;
  for (size_t e = 0; e < is.dense_pad_energy_eV.size(); ++e) {
    const double cond = 1.0 + is.dense_pad_energy_eV[e] * EV_TO_SI / uniform_profile().model.T_b;
    for (int q = 1; q < Q; ++q)
      EXPECT_NEAR(dense[e * Q + q], dense[e * Q], 1e-14 * cond * dense[e * Q]) << "energy " << e;
  }
}

// The CPU backend evaluates a row's energies (and a dense PAD's gyrophase nodes) as one
// vectorized loop; the CUDA backend and this reference call the per-item functions one at
// a time. Same arithmetic in the same order, so they agree to rounding (1e-14 relative
// leaves room for FMA contraction in builds for newer CPUs). Samples on the axis (rho = 0,
// where the gyro-centre radius can vanish) and beyond the domain edge (the current-free
// continuation, rho_e = 8 L_st = 150 km) exercise the branch-free selects.
TEST(Skymap, VectorizedCpuLoopMatchesThePerItemKernel) {
  auto cpu = make_cpu_backend();
  const ProfileTables t = make_profile_tables(test::solved("yang2022"));
  std::vector<SkymapSample> samples(4);
  const Vec3 where[4] = {{0, 0, 0}, {12e3, -7e3, 1e3}, {40e3, 30e3, 0}, {160e3, 90e3, 0}};
  for (int n = 0; n < 4; ++n) {
    samples[n].r_rope = where[n];
    samples[n].U_rope = {-170e3, 20e3, 140e3};
    samples[n].parity = n % 2;
  }
  const std::vector<double> sky = synth_skymaps(*cpu, t, samples);
  const SkymapSetup k = make_skymap_setup(t, samples);
  const SkymapProblem& p = k.problem;
  ASSERT_EQ(sky.size(), static_cast<size_t>(p.n_items()));
  for (long item = 0; item < p.n_items(); ++item) {
    const double ref = skymap_item(p, item);
    ASSERT_EQ(sky[item], ref) << "item " << item;
  }
}

TEST(GyroPad, VectorizedCpuLoopMatchesThePerItemKernel) {
  auto cpu = make_cpu_backend();
  const ProfileTables t = make_profile_tables(test::solved("yang2022"));
  const std::vector<Vec3> r = {{0, 0, 0}, {25e3, 10e3, 0}, {170e3, 0, 0}};
  InstrumentSettings is;
  is.dense_pad_gyrophase = 40;  // not a multiple of the CPU loop's block of 32
  const Vec3 U{-30e3, 80e3, -207e3};
  const std::vector<double> F = synth_gyro_pads(*cpu, t, r, U, is);
  const GyroPadSetup k = make_gyro_pad_setup(t, r, U, is);
  const GyroPadProblem& p = k.problem;
  ASSERT_EQ(F.size(), static_cast<size_t>(p.n_items()));
  for (long item = 0; item < p.n_items(); ++item) {
    const double ref = gyro_pad_item(p, item);
    ASSERT_EQ(F[item], ref) << "item " << item;
  }
}

// The vector paths of the CPU loops (baseline x86-64, AVX2, AVX-512, chosen at run time by the
// CPU) give the per-item kernel's values bit for bit: no FMA in any, the same IEEE
// operations in the same order. Runs the wide paths only where the CPU has them.
TEST(Skymap, BaselineAvx2AndAvx512LoopsGiveIdenticalBits) {
  const ProfileTables t = make_profile_tables(test::solved("yang2022"));
  std::vector<SkymapSample> samples(2);
  samples[0].r_rope = {12e3, -7e3, 1e3};
  samples[1].r_rope = {160e3, 90e3, 0};
  for (SkymapSample& s : samples) s.U_rope = {-170e3, 20e3, 140e3};
  samples[1].parity = 1;
  const SkymapSetup k = make_skymap_setup(t, samples);
  const SkymapProblem& p = k.problem;
  auto lane = [&](const SkymapRow& row, int i) { return skymap_bin(p, row, i); };
  double base[FPI_N_ENERGY];
  for (long r = 0; r < p.n_items() / FPI_N_ENERGY; ++r) {
    const SkymapRow row = skymap_row(p, r);
    detail::lanes(row, 0, FPI_N_ENERGY, base, lane);
    for (int i = 0; i < FPI_N_ENERGY; ++i)
      ASSERT_EQ(base[i], skymap_item(p, r * FPI_N_ENERGY + i)) << "row " << r << ", bin " << i;
#if FLUXROPE_CPU_DISPATCH
    if (detail::simd_level() < 1) continue;
    double wide[FPI_N_ENERGY];
    detail::lanes_avx2(row, 0, FPI_N_ENERGY, wide, lane);
    for (int i = 0; i < FPI_N_ENERGY; ++i) ASSERT_EQ(wide[i], base[i]) << "row " << r << ", bin " << i;
    if (detail::simd_level() < 2) continue;
    detail::lanes_avx512(row, 0, FPI_N_ENERGY, wide, lane);
    for (int i = 0; i < FPI_N_ENERGY; ++i)
      ASSERT_EQ(wide[i], base[i]) << "AVX-512, row " << r << ", bin " << i;
#endif
  }
}

// The des-moms spectra (ground_spectra) against sums written out by hand: DEF = band value x the
// channel index + 1 for a field along +Z, where each direction's pitch angle is 180 deg minus its
// look colatitude (velocity = minus look), so the theta rows alone decide the bands.
TEST(GroundSpectra, BandsAndEnergyRangesAverageTheRightBins) {
  const std::array<double, FPI_N_ENERGY>& E = fpi_energy_table(0);
  std::vector<double> def(FPI_N_BINS);
  auto band_of = [](int j) {
    const double alpha = 180.0 - fpi_theta_deg(j);
    return alpha < 45.0 ? 0 : (alpha <= 135.0 ? 1 : 2);
  };
  const double value[3] = {1.0, 10.0, 100.0};
  for (int k = 0; k < FPI_N_PHI; ++k)
    for (int j = 0; j < FPI_N_THETA; ++j)
      for (int i = 0; i < FPI_N_ENERGY; ++i)
        def[(static_cast<long>(k) * FPI_N_THETA + j) * FPI_N_ENERGY + i] =
            value[band_of(j)] * (i + 1);
  const GroundSpectra g = ground_spectra(def.data(), E.data(), Vec3{0, 0, 2.5});
  int n_band[3] = {0, 0, 0};
  for (int j = 0; j < FPI_N_THETA; ++j) ++n_band[band_of(j)];
  ASSERT_EQ(n_band[0] + n_band[1] + n_band[2], 16);
  for (int i = 0; i < FPI_N_ENERGY; ++i) {
    EXPECT_DOUBLE_EQ(g.par[i], 1.0 * (i + 1));
    EXPECT_DOUBLE_EQ(g.perp[i], 10.0 * (i + 1));
    EXPECT_DOUBLE_EQ(g.anti[i], 100.0 * (i + 1));
    EXPECT_NEAR(g.omni[i], (n_band[0] + 10.0 * n_band[1] + 100.0 * n_band[2]) / 16.0 * (i + 1),
                1e-12 * g.omni[i]);
  }
  // pitchangdist: 30 bins of 6 deg; theta row j (centre 5.625 + 11.25 j) gives pitch 180 - theta;
  // the low range [0, 200) eV holds the channels below 200 eV, each with weight 1
  const GroundSpectraSettings s;
  ASSERT_EQ(g.pad.size(), 3u * s.n_pitch);
  double mean_low = 0.0;
  int n_low = 0;
  for (int i = 0; i < FPI_N_ENERGY; ++i)
    if (E[i] < 200.0) {
      mean_low += i + 1;
      ++n_low;
    }
  mean_low /= n_low;
  for (int j = 0; j < FPI_N_THETA; ++j) {
    const int q = static_cast<int>((180.0 - fpi_theta_deg(j)) / 6.0);
    EXPECT_NEAR(g.pad[q], value[band_of(j)] * mean_low, 1e-12 * g.pad[q]) << "theta row " << j;
  }
  int empty = 0;
  for (int q = 0; q < s.n_pitch; ++q) empty += std::isnan(g.pad[q]) ? 1 : 0;
  EXPECT_EQ(empty, s.n_pitch - FPI_N_THETA);  // one pitch bin per theta row, the rest empty
  EXPECT_THROW(ground_spectra(def.data(), E.data(), Vec3{0, 0, 0}), Error);
}

// The counting-statistics sigmas of the pressure and temperature tensors (reduction_kernel.hpp)
// against Monte Carlo: Poisson counts drawn around a drifting skymap, their moments' sample
// standard deviations per component. With R realizations a sample std carries ~1/sqrt(2R) of
// relative noise: R = 400 gives 3.5%; the linear propagation itself errs by O(1/sqrt(N)) of the
// counts (here thousands in the bins that carry the moments). Tolerance 15% (4 sigma) on the
// diagonal, where the signal is well above the noise.
TEST(FpiMoments, TensorSigmasMatchPoissonMonteCarlo) {
  auto cpu = make_cpu_backend();
  SkymapSample s;
  s.r_rope = {30e3, 0, 0};
  s.U_rope = {150e3, -80e3, 60e3};
  const std::vector<double> sky = synth_skymaps(*cpu, uniform_profile(), {s});
  const MomentWeights w = moment_weights(fpi_energy_table(0).data(), MomentSettings{});
  double A[FPI_N_ENERGY];
  for (int i = 0; i < FPI_N_ENERGY; ++i) A[i] = one_count_level_s3_cm6(fpi_energy_table(0)[i], 1e-5);
  const Vec3 b{0.2, -0.3, 0.93};
  const FpiMoments predicted = fpi_moments(sky.data(), w, b, A);
  std::mt19937_64 rng(20151019);
  const int R = 400;
  std::array<double, 9> sP{}, sP2{}, sT{}, sT2{};
  std::vector<double> draw(sky.size());
  for (int r = 0; r < R; ++r) {
    for (size_t m = 0; m < sky.size(); ++m) {
      const double mean = sky[m] / A[m % FPI_N_ENERGY];
      draw[m] = mean > 0 ? A[m % FPI_N_ENERGY] * std::poisson_distribution<long>(mean)(rng) : 0.0;
    }
    const FpiMoments o = fpi_moments(draw.data(), w, b);
    for (int c = 0; c < 9; ++c) {
      const double T = o.P_Pa[c] / o.n_m3;
      sP[c] += o.P_Pa[c], sP2[c] += o.P_Pa[c] * o.P_Pa[c];
      sT[c] += T, sT2[c] += T * T;
    }
  }
  for (int c : {0, 4, 8}) {
    const double std_P = std::sqrt(sP2[c] / R - (sP[c] / R) * (sP[c] / R));
    const double std_T = std::sqrt(sT2[c] / R - (sT[c] / R) * (sT[c] / R));
    EXPECT_NEAR(predicted.sigma_P_Pa[c] / std_P, 1.0, 0.15) << "P component " << c;
    EXPECT_NEAR(predicted.sigma_T_J[c] / std_T, 1.0, 0.15) << "T component " << c;
    // T's sigma is not P's over n: the density's own noise is correlated with P's
    EXPECT_GT(std::fabs(predicted.sigma_T_J[c] - predicted.sigma_P_Pa[c] / predicted.n_m3),
              1e-3 * predicted.sigma_T_J[c]);
  }
}

// The sigmas of skymap_moments, which sums squares of per-bin derivatives through power sums of
// the speed per angular bin, against the derivatives of its header comment summed bin by bin
// (long double, in the plain form). Rounding only: 1e-12 relative per component, for an
// electron skymap with a drift and a tilted field, noise-free and with negative bins.
TEST(FpiMoments, SigmasEqualTheBinByBinPropagation) {
  auto cpu = make_cpu_backend();
  SkymapSample s;
  s.r_rope = {30e3, 0, 0};
  s.U_rope = {150e3, -80e3, 60e3};
  std::vector<double> sky = synth_skymaps(*cpu, uniform_profile(), {s});
  for (size_t m = 0; m < sky.size(); m += 97) sky[m] = -0.3 * sky[m];  // negative bins: var 0
  const MomentWeights w = moment_weights(fpi_energy_table(0).data(), MomentSettings{});
  double A[FPI_N_ENERGY];
  for (int i = 0; i < FPI_N_ENERGY; ++i) A[i] = one_count_level_s3_cm6(fpi_energy_table(0)[i], 1e-5);
  const Vec3 b{0.2, -0.3, 0.93};
  const FpiMoments got = fpi_moments(sky.data(), w, b, A);
  const std::vector<Vec3> dir = make_fpi_tables().velocity_dir;
  using L = long double;
  const L n = got.n_m3, me = w.mass_kg, bn = std::sqrt(L(norm2(b)));
  const L u[3] = {b.x / bn, b.y / bn, b.z / bn};
  const L V[3] = {got.V_m_s.x, got.V_m_s.y, got.V_m_s.z};
  L P[9], M[9];
  for (int r = 0; r < 9; ++r) P[r] = got.P_Pa[r];
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) M[3 * r + c] = P[3 * r + c] / me + n * V[r] * V[c];
  L bMb = 0, trM = M[0] + M[4] + M[8], bV = 0, VV = 0;
  for (int r = 0; r < 3; ++r) {
    bV += u[r] * V[r];
    VV += V[r] * V[r];
    for (int c = 0; c < 3; ++c) bMb += u[r] * M[3 * r + c] * u[c];
  }
  L var_n = 0, var_V[3] = {0, 0, 0}, var_par = 0, var_perp = 0, var_P[9] = {}, var_T[9] = {};
  for (int k = 0; k < FPI_N_PHI; ++k)
    for (int j = 0; j < FPI_N_THETA; ++j)
      for (int i = 0; i < FPI_N_ENERGY; ++i) {
        const int a = k * FPI_N_THETA + j;
        const double f = sky[static_cast<size_t>(a) * FPI_N_ENERGY + i];
        const L var = L(A[i]) * (f > 0 ? f : 0.0);
        const L c = 1e12L * w.w_phi * w.w_theta[j] * w.W[i], v = w.v[i];
        const L d[3] = {dir[a].x, dir[a].y, dir[a].z};
        const L bd = u[0] * d[0] + u[1] * d[1] + u[2] * d[2];
        const L Vd = V[0] * d[0] + V[1] * d[1] + V[2] * d[2];
        var_n += c * c * var;
        for (int r = 0; r < 3; ++r) {
          const L dV = c * (v * d[r] - V[r]) / n;
          var_V[r] += dV * dV * var;
        }
        const L dpar = me * c * ((v * v * bd * bd - bMb / n) / n - 2 * bV * (v * bd - bV) / n);
        const L dtr = me * c * ((v * v - trM / n) / n - 2 * (v * Vd - VV) / n);
        var_par += dpar * dpar * var;
        var_perp += (dtr - dpar) * (dtr - dpar) / 4 * var;
        for (int r = 0; r < 3; ++r)
          for (int cc = 0; cc < 3; ++cc) {
            const L dP = me * c * (v * d[r] - V[r]) * (v * d[cc] - V[cc]);
            const L dT = (dP - c * P[3 * r + cc] / n) / n;
            var_P[3 * r + cc] += dP * dP * var;
            var_T[3 * r + cc] += dT * dT * var;
          }
      }
  auto near = [](double got, L want, const char* what, int c) {
    EXPECT_NEAR(got, static_cast<double>(std::sqrt(want)), 1e-12 * static_cast<double>(std::sqrt(want)))
        << what << " component " << c;
  };
  near(got.sigma_n_m3, var_n, "n", 0);
  near(got.sigma_V_m_s.x, var_V[0], "V", 0);
  near(got.sigma_V_m_s.y, var_V[1], "V", 1);
  near(got.sigma_V_m_s.z, var_V[2], "V", 2);
  near(got.sigma_T_par_J, var_par, "T_par", 0);
  near(got.sigma_T_perp_J, var_perp, "T_perp", 0);
  for (int c = 0; c < 9; ++c) {
    near(got.sigma_P_Pa[c], var_P[c], "P", c);
    near(got.sigma_T_J[c], var_T[c], "T tensor", c);
  }
}

// pad_order (the PAD cells' bin lists) against the definition: pitch bin q's members are the
// angular bins a with bin_of[a] == q, in increasing a, for fields in several directions and
// pitch binnings (empty bins included).
TEST(PadCells, PadOrderListsEachPitchBinsAngularBinsInOrder) {
  const FpiTables fpi = make_fpi_tables();
  for (int n_pitch : {1, 7, 18, 180})
    for (const Vec3 b : {Vec3{0, 0, 1}, Vec3{0.2, -0.3, 0.93}, Vec3{-1, 0.5, 0}}) {
      int bin_of[512], order[512];
      std::vector<int> start(static_cast<size_t>(n_pitch) + 1, -1);
      const Vec3 u = (1.0 / std::sqrt(norm2(b))) * b;
      for (int a = 0; a < 512; ++a) bin_of[a] = pad_pitch_bin(fpi.velocity_dir[a], u, n_pitch);
      pad_order(bin_of, n_pitch, order, start.data());
      ASSERT_EQ(start[0], 0);
      ASSERT_EQ(start[static_cast<size_t>(n_pitch)], 512);
      for (int q = 0; q < n_pitch; ++q) {
        std::vector<int> want, got(order + start[q], order + start[q + 1]);
        for (int a = 0; a < 512; ++a)
          if (bin_of[a] == q) want.push_back(a);
        EXPECT_EQ(got, want) << "n_pitch " << n_pitch << " pitch bin " << q;
      }
    }
}
