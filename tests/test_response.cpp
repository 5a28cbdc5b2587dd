// The instrument response (issue 8): bin averages over passband, acceptance and sweep time,
// counts with Poisson noise, and the ground-system moments. Mutations these tests were run
// against (each made a test here fail): the (E/E_c)^2 count weighting dropped; sin(theta)
// left out of the acceptance weights; the sweep's slots ascending instead of descending;
// dwell midpoints at the dwell start; Philox's key bump before the first round; the Poisson
// inversion's cdf started at 0; the first theta interval's padding dropped; dE/dU with E0
// doubled; counts keyed by the sample's place in its batch instead of its row.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <map>
#include <random>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"
#include "fluxrope/core/philox.hpp"
#include "fluxrope/engine/parallel_for.hpp"
#include "fluxrope/equilibrium/quadrature.hpp"
#include "fluxrope/instrument/counts_block.hpp"
#include "fluxrope/instrument/products.hpp"
#include "test_util.hpp"

using namespace fluxrope;
using namespace fluxrope::constants;

namespace {
const ProfileTables& yang() {
  static const ProfileTables t = make_profile_tables(test::solved("yang2022"));
  return t;
}
const ProfileTables& uniform() {
  static const ProfileTables t = make_profile_tables(test::solved("uniform", {"solver.passes=1"}));
  return t;
}

// Samples on the axis, inside, at the domain edge and beyond it (rho_e = 150 km), both parities.
void some_samples(std::vector<ResponseSample>& s, std::vector<Vec3>& r0, Mat3 rot = {}) {
  const Vec3 where[4] = {{0, 0, 0}, {12e3, -7e3, 1e3}, {40e3, 30e3, 0}, {160e3, 90e3, 0}};
  s.clear();
  r0.clear();
  for (int n = 0; n < 4; ++n) {
    s.push_back({{-170e3, 20e3, 140e3}, rot, n % 2});
    r0.push_back(where[n]);
  }
}

std::vector<double> response(Backend& b, const ProfileTables& t, const ResponseSettings& rs,
                             const std::vector<ResponseSample>& s, const std::vector<Vec3>& r0) {
  const ResponseTables tables = make_response_tables(rs, 0.03);
  std::vector<double> out;
  synth_response(b, t, tables, s, r0, out);
  return out;
}
}  // namespace

TEST(Quadrature, GaussLegendreIntegratesPolynomialsExactly) {
  for (int n : {1, 2, 3, 5, 8}) {
    const GaussRule g = gauss_legendre(n);
    for (int d = 0; d < 2 * n; ++d) {  // mean of x^d over [-1/2, 1/2]
      double s = 0;
      for (int k = 0; k < n; ++k) s += g.w[k] * std::pow(g.x[k], d);
      const double exact = d % 2 ? 0.0 : std::pow(0.5, d) / (d + 1);
      EXPECT_NEAR(s, exact, 1e-15) << "n " << n << " degree " << d;
    }
  }
  EXPECT_EQ(gauss_legendre(3).x[1], 0.0);
}

// A response of zero width in every dimension is the bin-centre skymap, bit for bit.
TEST(Response, ZeroWidthIntegratedEqualsCentreBitForBit) {
  auto cpu = make_cpu_backend();
  ResponseSettings rs;
  rs.energy_fwhm_rel = 0.0;
  rs.acceptance_phi_deg = rs.acceptance_theta_deg = 0.0;
  rs.sweep = Sweep::Instant;
  std::vector<ResponseSample> s;
  std::vector<Vec3> r0;
  some_samples(s, r0, make_rope_frame({0.96, 0.22, -0.05}, {-0.06, 0.46, 0.88}, {-0.22, 0.84, -0.49}).gse_to_rope);
  const std::vector<double> a = response(*cpu, yang(), rs, s, r0);
  std::vector<SkymapSample> c(s.size());
  for (size_t n = 0; n < s.size(); ++n) {
    c[n].r_rope = r0[n];
    c[n].U_rope = s[n].U_rope;
    c[n].dbcs_to_rope = s[n].dbcs_to_rope;
    c[n].parity = s[n].parity;
  }
  const std::vector<double> b = synth_skymaps(*cpu, yang(), c);
  ASSERT_EQ(a.size(), b.size());
  for (size_t m = 0; m < a.size(); ++m) ASSERT_EQ(a[m], b[m]) << "bin " << m;
}

// The CPU backend's row split (energies as vector lanes, baseline / AVX2 / AVX-512) gives the
// per-item kernel's bits (what the device runs per item), for every sweep.
TEST(Response, VectorizedCpuLoopMatchesThePerItemKernel) {
  auto cpu = make_cpu_backend();
  auto per_item = make_thrust_host_backend();
  std::vector<ResponseSample> s;
  std::vector<Vec3> r0;
  some_samples(s, r0);
  for (Sweep sw : {Sweep::Instant, Sweep::Linear, Sweep::DeflectionMajor}) {
    ResponseSettings rs;
    rs.sweep = sw;
    rs.nodes_time = 2;
    const std::vector<double> a = response(*cpu, yang(), rs, s, r0);
    const std::vector<double> b = response(*per_item, yang(), rs, s, r0);
    ASSERT_EQ(a.size(), b.size());
    for (size_t m = 0; m < a.size(); ++m) ASSERT_EQ(a[m], b[m]) << "bin " << m;
  }
}

// Uniform drifting Maxwellian (alpha_r = alpha_z = b = 0): the converged bin average equals an
// independent quadrature of the analytic f over the same passband and acceptance: composite
// Simpson over ln E (+-10 sigma of the Gaussian), phi and theta (solid-angle weighted), with
// the (E / E_c)^2 count weighting.
TEST(Response, UniformMaxwellianMatchesAnIndependentQuadrature) {
  auto cpu = make_cpu_backend();
  const ProfileView pv = uniform().view();
  const double n = pv.n_e, T = pv.model.pop[POP_B].T;
  ResponseSettings rs;
  rs.nodes_energy = 16;
  rs.nodes_phi = rs.nodes_theta = 8;
  const Vec3 U{-170e3, 300e3, 140e3};  // a drift of ~360 km/s: strongly anisotropic bins
  const std::vector<ResponseSample> s = {{U, Mat3{}, 1}};
  const std::vector<double> sky = response(*cpu, uniform(), rs, s, {{30e3, 0, 0}});
  const double sigma = rs.energy_fwhm_rel / (2 * std::sqrt(2 * std::log(2.0)));
  auto f = [&](double E_eV, double th, double ph) {
    const double v = std::sqrt(2 * E_eV * EV_TO_SI / M_ELECTRON);
    const Vec3 vr = U + (-v) * Vec3{std::sin(th) * std::cos(ph), std::sin(th) * std::sin(ph), std::cos(th)};
    return n * std::pow(M_ELECTRON / (2 * PI * T), 1.5) * std::exp(-M_ELECTRON * norm2(vr) / (2 * T));
  };
  auto simpson = [](int m, auto&& g) {  // weights of composite Simpson on m (even) intervals
    double s = 0;
    for (int q = 0; q <= m; ++q) s += (q == 0 || q == m ? 1 : q % 2 ? 4 : 2) * g(q);
    return s;
  };
  const int ME = 240, MA = 24;
  int tested = 0;
  for (const auto& [k, j] : {std::pair{3, 2}, std::pair{11, 7}, std::pair{19, 8}, std::pair{28, 14}}) {
    for (int i = 0; i < 16; i += 3) {
      const double Ec = fpi_energy_table(1)[i];
      const double th0 = fpi_theta_deg(j) * PI / 180, ph0 = fpi_phi_deg(k) * PI / 180;
      const double dth = rs.acceptance_theta_deg * PI / 180, dph = rs.acceptance_phi_deg * PI / 180;
      double num = 0, den = 0;
      simpson(MA, [&](int b) {
        const double th = th0 - 0.5 * dth + dth * b / MA;
        const double wb = (b == 0 || b == MA ? 1 : b % 2 ? 4 : 2) * std::sin(th);
        simpson(MA, [&](int a) {
          const double ph = ph0 - 0.5 * dph + dph * a / MA;
          const double wa = (a == 0 || a == MA ? 1 : a % 2 ? 4 : 2);
          simpson(ME, [&](int q) {
            const double x = -10.0 + 20.0 * q / ME;  // ln(E / Ec) / sigma
            const double wq = (q == 0 || q == ME ? 1 : q % 2 ? 4 : 2) * std::exp(-0.5 * x * x);
            const double r = std::exp(sigma * x);
            num += wb * wa * wq * r * r * f(Ec * r, th, ph);
            den += wb * wa * wq;
            return 0.0;
          });
          return 0.0;
        });
        return 0.0;
      });
      const double expected = 1e-12 * num / den;
      const double got = sky[(static_cast<size_t>(k) * FPI_N_THETA + j) * FPI_N_ENERGY + i];
      EXPECT_NEAR(got, expected, 1e-8 * expected) << "k " << k << " j " << j << " i " << i;
      ++tested;
    }
  }
  EXPECT_EQ(tested, 24);
}

// The default node counts converge: within 1e-3 relative of 4x the nodes in every dimension
// for the default event's bins that hold at least one expected count (docs/instrument.md has
// the full study: bench/response_study.cpp).
TEST(Response, DefaultNodesAreConvergedForTheDefaultEvent) {
  auto cpu = make_cpu_backend();
  const RunConfig cfg = test::config_of("yang2022");
  const GeometrySettings& g = cfg.geometry;
  const RopeFrame frame = make_rope_frame(g.L_gse, g.M_gse, g.N_gse);
  const Track tr = make_tracks(g, frame)[0];
  std::vector<ResponseSample> s;
  std::vector<Vec3> r0;
  for (size_t k : {size_t{0}, size_t{16}}) {  // outside the rope and at closest approach
    s.push_back({tr.U_rope_m_s, frame.gse_to_rope * cfg.instrument.dbcs_to_gse, tr.parity[k]});
    r0.push_back(tr.r_rope_m[k]);
  }
  ResponseSettings def = cfg.instrument.response, dense = def;
  dense.nodes_energy *= 4;
  dense.nodes_phi *= 4;
  dense.nodes_theta *= 4;
  dense.nodes_time *= 4;
  const std::vector<double> a = response(*cpu, yang(), def, s, r0);
  const std::vector<double> b = response(*cpu, yang(), dense, s, r0);
  double worst = 0;
  long counted = 0;
  for (size_t m = 0; m < a.size(); ++m) {
    const int i = static_cast<int>(m % FPI_N_ENERGY);
    const double A = one_count_level_s3_cm6(fpi_energy_table(s[m / FPI_N_BINS].parity)[i],
                                            cfg.instrument.counts.g_dt(i));
    if (b[m] < A) continue;
    worst = std::max(worst, std::fabs(a[m] - b[m]) / b[m]);
    ++counted;
  }
  EXPECT_LT(worst, 1e-3);
  EXPECT_GT(counted, 5000);
}

// Later-measured bins see the spacecraft further along its path: with a deflection-major
// sweep the last deflection step of a sample is measured ~3/4 of the 30 ms after the first.
TEST(Response, SweepMovesTheSpacecraftDuringTheAccumulation) {
  ResponseSettings rs;  // deflection_major, descending energies
  const ResponseTables t = make_response_tables(rs, 0.03);
  ASSERT_EQ(t.n_slots, 128);
  // phi sector 0 (deflection 0), highest energy first; sector 3 (deflection 3), lowest last
  EXPECT_NEAR(t.time_offset_s[t.slot_of[0 * 32 + 31]], 0.5 * 0.03 / 128, 1e-15);
  EXPECT_NEAR(t.time_offset_s[t.slot_of[3 * 32 + 0]], 127.5 * 0.03 / 128, 1e-15);
  EXPECT_EQ(t.slot_of[4 * 32 + 5], t.slot_of[0 * 32 + 5]);  // sector 4: head 1, deflection 0
  rs.sweep = Sweep::Linear;
  const ResponseTables l = make_response_tables(rs, 0.03);
  EXPECT_NEAR(l.time_offset_s[l.slot_of[17 * 32 + 0]], 31.5 * 0.03 / 32, 1e-15);
  rs.sweep = Sweep::Instant;
  const ResponseTables z = make_response_tables(rs, 0.03);
  EXPECT_EQ(z.n_time, 1);
  EXPECT_EQ(z.time_offset_s[0], 0.0);
}

// ---------------------------------------------------------------------------------------------
// Counts
// ---------------------------------------------------------------------------------------------

// Random123's known-answer vectors for Philox4x32-10 (kat_vectors).
TEST(Counts, PhiloxMatchesTheKnownAnswerVectors) {
  const Philox4x32 a = philox4x32_10({{0, 0, 0, 0}}, 0, 0);
  EXPECT_EQ(a.v[0], 0x6627e8d5u);
  EXPECT_EQ(a.v[1], 0xe169c58du);
  EXPECT_EQ(a.v[2], 0xbc57ac4cu);
  EXPECT_EQ(a.v[3], 0x9b00dbd8u);
  const Philox4x32 b = philox4x32_10({{~0u, ~0u, ~0u, ~0u}}, ~0u, ~0u);
  EXPECT_EQ(b.v[0], 0x408f276du);
  EXPECT_EQ(b.v[1], 0x41c83b0eu);
  EXPECT_EQ(b.v[2], 0xa20bc7c6u);
  EXPECT_EQ(b.v[3], 0x6d5451fdu);
  const Philox4x32 c =
      philox4x32_10({{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, 0xa4093822u, 0x299f31d0u);
  EXPECT_EQ(c.v[0], 0xd16cfe09u);
  EXPECT_EQ(c.v[1], 0x94fdccebu);
  EXPECT_EQ(c.v[2], 0x5001e420u);
  EXPECT_EQ(c.v[3], 0x24126ea1u);
}

// philox_first_blocks (the CPU counts' vectorized first blocks) against philox4x32_10 with
// PhiloxStream's counter (c, b, a, 0), and a stream started from them against a plain one.
TEST(Counts, VectorizedFirstBlocksEqualThePlainGenerator) {
  const std::uint64_t seed = 0x9e3779b97f4a7c15ull;
  const std::uint32_t a = 3, b = 0xfffffff0u;
  std::uint32_t c[67], w0[67], w1[67], w2[67], w3[67];
  for (int l = 0; l < 67; ++l) c[l] = 0x01000193u * static_cast<std::uint32_t>(l) + 7u;
  philox_first_blocks(seed, a, b, c, 67, w0, w1, w2, w3);
  for (int l = 0; l < 67; ++l) {
    const Philox4x32 want = philox4x32_10({{c[l], b, a, 0}}, static_cast<std::uint32_t>(seed),
                                          static_cast<std::uint32_t>(seed >> 32));
    EXPECT_EQ(w0[l], want.v[0]) << l;
    EXPECT_EQ(w1[l], want.v[1]) << l;
    EXPECT_EQ(w2[l], want.v[2]) << l;
    EXPECT_EQ(w3[l], want.v[3]) << l;
    PhiloxStream plain(seed, a, b, c[l]), started(seed, a, b, c[l], {{w0[l], w1[l], w2[l], w3[l]}});
    for (int k = 0; k < 5; ++k) EXPECT_EQ(plain.uniform(), started.uniform()) << l << " draw " << k;
  }
}

// The CPU backend's counts in blocks (counts_block, vectorized steps) give the bits of
// counts_item bin by bin: every output, over means that take each path of poisson_draw (none,
// negative f, the inversion's first term, its search up to just below 30, PTRS's quick acceptance
// and its full trials from 30 on, means beyond the block's limit) and random means.
TEST(Counts, BlocksGiveTheBitsOfThePerBinDraw) {
  const long n = 6;
  const std::vector<double> fixed = {0.0, -3.0, -0.0, 1e-300, 1e-9, 0.003, 0.7, 1.0, 2.5, 9.99,
                                     17.0, 29.0, 29.999999, 30.0, 30.000001, 31.0, 64.0, 1e3,
                                     2.5e5, 1e9, 3e13, 4e15, 1e17, 1e200};
  std::vector<double> f(static_cast<size_t>(n) * FPI_N_BINS), A(2 * FPI_N_ENERGY), E(2 * FPI_N_ENERGY);
  for (int i = 0; i < 2 * FPI_N_ENERGY; ++i) {
    A[static_cast<size_t>(i)] = 0.5 + 0.01 * i;
    E[static_cast<size_t>(i)] = 10.0 * (i + 1);
  }
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(-5.0, 3.5);
  for (size_t i = 0; i < f.size(); ++i)
    f[i] = i < 4 * fixed.size() ? fixed[i % fixed.size()] * A[i % FPI_N_ENERGY]
                                : std::pow(10.0, u(rng));
  std::vector<int> parity(static_cast<size_t>(n));
  std::vector<std::uint32_t> key(2 * static_cast<size_t>(n));
  for (long s = 0; s < n; ++s) {
    parity[static_cast<size_t>(s)] = static_cast<int>(s % 2);
    key[2 * static_cast<size_t>(s)] = static_cast<std::uint32_t>(s % 4);
    key[2 * static_cast<size_t>(s) + 1] = static_cast<std::uint32_t>(1000 + s);
  }
  struct Out {
    std::vector<double> N, dist, err, def;
    std::vector<std::int32_t> counts;
    explicit Out(size_t m) : N(m), dist(m), err(m), def(m), counts(m) {}
  };
  auto problem = [&](Out& o) {
    CountsProblem p;
    p.f_model = f.data();
    p.one_count = A.data();
    p.energy = E.data();
    p.parity = parity.data();
    p.key = key.data();
    p.seed = 0x5eedull << 33;
    p.n_samples = n;
    p.counts_expected = o.N.data();
    p.counts = o.counts.data();
    p.dist = o.dist.data();
    p.disterr = o.err.data();
    p.def = o.def.data();
    return p;
  };
  Out want(f.size()), backend(f.size()), direct(f.size());
  const CountsProblem pw = problem(want);
  for (long i = 0; i < pw.n_items(); ++i) counts_item(pw, i);
  make_cpu_backend()->counts(problem(backend));  // the widest vector path of this CPU
  const CountsProblem pd = problem(direct);      // this file's own (baseline) compilation
  for (long i0 = 0; i0 < pd.n_items(); i0 += COUNTS_BLOCK) counts_block(pd, i0);
  auto bits = [](double x) {
    std::uint64_t b;
    std::memcpy(&b, &x, sizeof b);
    return b;
  };
  long differ = 0;
  for (const Out* o : {&backend, &direct})
    for (size_t i = 0; i < f.size(); ++i) {
      const bool same = o->counts[i] == want.counts[i] && bits(o->N[i]) == bits(want.N[i]) &&
                        bits(o->dist[i]) == bits(want.dist[i]) &&
                        bits(o->err[i]) == bits(want.err[i]) && bits(o->def[i]) == bits(want.def[i]);
      if (!same && ++differ <= 5)
        ADD_FAILURE() << (o == &backend ? "backend" : "direct") << " bin " << i << ": N "
                      << want.N[i] << ", counts " << o->counts[i] << " want " << want.counts[i];
    }
  EXPECT_EQ(differ, 0);
  // the means cover every path: some bins above PTRS_FROM, some in the inversion's search
  long n_ptrs = 0, n_search = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    n_ptrs += want.N[i] >= 30.0;
    n_search += want.N[i] > 0 && want.N[i] < 30.0 && want.counts[i] > 0;
  }
  EXPECT_GT(n_ptrs, 10000);
  EXPECT_GT(n_search, 10000);
}

// Over many keys the draws have the Poisson mean and variance (5 sigma of their sampling
// error) and pass a chi-square test against the Poisson pmf (bins of >= 20 expected draws;
// bound: dof + 5 sqrt(2 dof), about a 5-sigma excursion).
TEST(Counts, PoissonDrawsHaveThePoissonDistribution) {
  const int draws = 40000;
  for (double N : {0.2, 3.0, 29.5, 30.5, 120.0, 2500.0}) {
    std::map<long, long> hist;
    double sum = 0, sum2 = 0;
    for (int d = 0; d < draws; ++d) {
      PhiloxStream rng(7, 1, static_cast<std::uint32_t>(d), 99);
      const double k = static_cast<double>(poisson_draw(N, rng));
      sum += k;
      sum2 += k * k;
      ++hist[static_cast<long>(k)];
    }
    const double mean = sum / draws, var = sum2 / draws - mean * mean;
    EXPECT_NEAR(mean, N, 5 * std::sqrt(N / draws)) << "N = " << N;
    EXPECT_NEAR(var, N, 5 * std::sqrt((N + 2 * N * N) / draws)) << "N = " << N;
    // chi-square over bins of consecutive k, each with >= 20 expected draws
    double chi2 = 0, expected_bin = 0, observed_bin = 0;
    int dof = -1;
    const long kmax = static_cast<long>(N + 12 * std::sqrt(N) + 20);
    for (long k = 0; k <= kmax; ++k) {
      const double pk = std::exp(k * std::log(N) - N - std::lgamma(k + 1.0));
      expected_bin += draws * pk;
      observed_bin += hist.count(k) ? hist[k] : 0;
      if (expected_bin >= 20 || k == kmax) {
        chi2 += (observed_bin - expected_bin) * (observed_bin - expected_bin) / expected_bin;
        ++dof;
        expected_bin = observed_bin = 0;
      }
    }
    EXPECT_LT(chi2, dof + 5 * std::sqrt(2.0 * dof)) << "N = " << N << ", dof " << dof;
  }
  PhiloxStream rng(1, 2, 3, 4);
  EXPECT_EQ(poisson_draw(0.0, rng), 0);
  EXPECT_EQ(poisson_draw(-1e-70, rng), 0);
}

namespace {
// Collects the counts of every track, keyed by track.
struct CountsSink final : ProductSink {
  std::vector<std::vector<int32_t>> counts;
  std::vector<std::vector<double>> dist, n_fpi, gyro;
  void begin(const std::vector<Track>& tracks, const InstrumentSettings&) override {
    counts.assign(tracks.size(), {});
    dist.assign(tracks.size(), {});
    n_fpi.assign(tracks.size(), {});
    gyro.assign(tracks.size(), {});
  }
  void write(size_t track, size_t row0, const TrackProducts& p) override {
    EXPECT_EQ(row0 * FPI_N_BINS, counts[track].size());
    counts[track].insert(counts[track].end(), p.counts.begin(), p.counts.end());
    dist[track].insert(dist[track].end(), p.dist_s3_cm6.begin(), p.dist_s3_cm6.end());
    n_fpi[track].insert(n_fpi[track].end(), p.fpi.n_m3.begin(), p.fpi.n_m3.end());
    gyro[track].insert(gyro[track].end(), p.pad_gyro_s3_cm6.begin(), p.pad_gyro_s3_cm6.end());
  }
};

// The first n samples of every track (a few keep a test quick).
std::vector<Track> first_samples(std::vector<Track> tracks, size_t n) {
  for (Track& t : tracks) {
    t.time_s.resize(n);
    t.parity.resize(n);
    t.r_rope_m.resize(n);
  }
  return tracks;
}

CountsSink run_event(const RunConfig& cfg, int threads, size_t batch) {
  const int before = omp_get_max_threads();
  omp_set_num_threads(threads);
  auto cpu = make_cpu_backend();
  const GeometrySettings& g = cfg.geometry;
  const RopeFrame frame = make_rope_frame(g.L_gse, g.M_gse, g.N_gse);
  const std::vector<Track> tracks = first_samples(make_tracks(g, frame), 5);
  CountsSink sink;
  synthesize_event(*cpu, yang(), test::solved("yang2022").profile, frame, cfg.instrument,
                   g.cadence_s, tracks, batch, sink);
  omp_set_num_threads(before);
  return sink;
}
}  // namespace

// A seed gives the same counts for any thread count and batch size (batches span spacecraft),
// and every product lands in its own track's rows whatever the batch split.
TEST(Counts, IdenticalForAnyThreadCountAndBatchSize) {
  const RunConfig cfg = test::config_of("yang2022", {"geometry.duration_s=0.15"});
  const CountsSink a = run_event(cfg, 1, 64), b = run_event(cfg, 2, 3), c = run_event(cfg, 2, 1);
  ASSERT_EQ(a.counts.size(), 4u);
  for (size_t t = 0; t < 4; ++t) {
    ASSERT_EQ(a.counts[t].size(), 5u * FPI_N_BINS);
    EXPECT_TRUE(a.counts[t] == b.counts[t]) << "track " << t;
    EXPECT_TRUE(a.counts[t] == c.counts[t]) << "track " << t;
    EXPECT_TRUE(a.n_fpi[t] == c.n_fpi[t]) << "track " << t;
    EXPECT_TRUE(a.gyro[t] == b.gyro[t]) << "track " << t;
    EXPECT_TRUE(a.dist[t] == c.dist[t]) << "track " << t;
  }
  EXPECT_FALSE(a.gyro[0] == a.gyro[1]);
  EXPECT_FALSE(a.counts[0] == a.counts[1]);  // spacecraft are keyed apart
  // another seed, other counts; noise off: dist is the model
  const CountsSink d = run_event(test::config_of("yang2022", {"instrument.seed=5"}), 2, 64);
  EXPECT_FALSE(a.counts[0] == d.counts[0]);
}

// Writing behind the kernels (issue 17): the sink runs on the writer thread; an error it throws
// stops the synthesis and reaches the caller with its message, nothing is written after it, and
// nothing hangs; the batches arrive in order, each written before the one two later is filled.
namespace {
struct FailingSink final : ProductSink {
  size_t calls = 0, fail_at;
  std::vector<std::pair<size_t, size_t>> order;  // (track, row0) as written
  explicit FailingSink(size_t fail) : fail_at(fail) {}
  void begin(const std::vector<Track>&, const InstrumentSettings&) override {}
  void write(size_t track, size_t row0, const TrackProducts&) override {
    if (++calls == fail_at) throw Error("the disk is full (test)");
    order.emplace_back(track, row0);
  }
};
}  // namespace

TEST(WriteBehind, SinkErrorsReachTheCallerAndBatchesArriveInOrder) {
  const RunConfig cfg = test::config_of("yang2022", {"geometry.duration_s=0.15"});
  auto cpu = make_cpu_backend();
  const GeometrySettings& g = cfg.geometry;
  const RopeFrame frame = make_rope_frame(g.L_gse, g.M_gse, g.N_gse);
  const std::vector<Track> tracks = first_samples(make_tracks(g, frame), 5);
  const RadialProfile& prof = test::solved("yang2022").profile;
  // batches of 3 samples over 4 x 5 rows: 9 segments (track, row0) in the tracks' order
  FailingSink ok(0);
  synthesize_event(*cpu, yang(), prof, frame, cfg.instrument, g.cadence_s, tracks, 3, ok);
  const std::vector<std::pair<size_t, size_t>> expected = {
      {0, 0}, {0, 3}, {1, 0}, {1, 1}, {1, 4}, {2, 0}, {2, 2}, {3, 0}, {3, 3}};
  EXPECT_EQ(ok.order, expected);
  for (size_t fail : {1u, 4u, 9u}) {  // the first, a middle and the last write
    FailingSink bad(fail);
    try {
      synthesize_event(*cpu, yang(), prof, frame, cfg.instrument, g.cadence_s, tracks, 3, bad);
      ADD_FAILURE() << "no error from a sink failing at write " << fail;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("the disk is full (test)"), std::string::npos);
    }
    EXPECT_EQ(bad.calls, fail) << "nothing is written after the error";
  }
}

// The backend's time stage by stage (the tool's "backend stages" line): every backend times
// each stage of synth_batch, and the stages partition the time the synthesis spent in it.
TEST(SynthTiming, EveryBackendTimesItsStagesWithinTheBackendTime) {
  const RunConfig cfg = test::config_of("yang2022", {"geometry.duration_s=0.15"});
  const GeometrySettings& g = cfg.geometry;
  const RopeFrame frame = make_rope_frame(g.L_gse, g.M_gse, g.N_gse);
  const std::vector<Track> tracks = first_samples(make_tracks(g, frame), 5);
  const RadialProfile& prof = test::solved("yang2022").profile;
  for (auto make : {make_cpu_backend, make_thrust_host_backend}) {
    auto backend = make();
    FailingSink sink(0);
    const SynthTiming tm = synthesize_event(*backend, yang(), prof, frame, cfg.instrument,
                                            g.cadence_s, tracks, 3, sink)
                               .timing;
    const BatchStageTimes& st = tm.stages;
    SCOPED_TRACE(backend->name());
    EXPECT_GT(st.skymaps_s, 0.0);
    EXPECT_GT(st.dense_pads_s, 0.0);
    EXPECT_GT(st.counts_s, 0.0);
    EXPECT_GT(st.reductions_s, 0.0);
    EXPECT_GE(st.copies_s, 0.0);
    // laps of one clock inside the interval kernel_s measures around each synth_batch call
    EXPECT_LE(st.total_s(), tm.kernel_s);
    EXPECT_GT(st.total_s(), 0.5 * tm.kernel_s);
  }
}

// ---------------------------------------------------------------------------------------------
// Ground-system moments
// ---------------------------------------------------------------------------------------------

namespace {
// Composite-trapezoid error bound sum h^3 / 12 max|g''| of g over the nodes x (max|g''| by
// finite differences on 64 points an interval).
template <class G>
double trapezoid_bound(const std::vector<double>& x, G&& g) {
  double bound = 0;
  for (size_t m = 0; m + 1 < x.size(); ++m) {
    const double h = x[m + 1] - x[m], d = h / 64;
    double g2 = 0;
    for (int q = 1; q < 64; ++q) {
      const double t = x[m] + q * d;
      g2 = std::max(g2, std::fabs(g(t + d) - 2 * g(t) + g(t - d)) / (d * d));
    }
    bound += h * h * h / 12 * g2;
  }
  return bound;
}
}  // namespace

// A Maxwellian at rest: n and the pressure trace of the ground-system method equal the
// analytic moments truncated to the table's range [E_1, E_32], plus the method's padded end
// intervals, within the derived trapezoid bounds in U = E / (E + E0) and in theta. V = 0 and
// the off-diagonal pressure vanish by symmetry; f x 2 doubles n and P exactly and leaves V, T.
TEST(FpiMoments, MaxwellianAtRestMatchesItsTruncatedMoments) {
  const double n0 = 30e6, T = 60 * EV_TO_SI, m = M_ELECTRON, E0 = 100 * EV_TO_SI;
  const auto& E = fpi_energy_table(0);
  std::vector<double> sky(FPI_N_BINS), sky2(FPI_N_BINS);
  auto fM = [&](double EJ) { return n0 * std::pow(m / (2 * PI * T), 1.5) * std::exp(-EJ / T); };
  for (long b = 0; b < FPI_N_BINS; ++b) {
    sky[b] = 1e-12 * fM(E[b % FPI_N_ENERGY] * EV_TO_SI);
    sky2[b] = 2 * sky[b];
  }
  const MomentWeights w = moment_weights(E.data(), MomentSettings{});
  EXPECT_EQ(w.n_used, 32);
  const FpiMoments mo = fpi_moments(sky.data(), w, {0, 0, 1});
  // radial integrands in U: g_n = f v^2 dv/dU, g_p = (m / 3) f v^4 dv/dU (trace / 3)
  auto E_of = [&](double U) { return E0 * U / (1 - U); };
  auto g = [&](double U, int power) {
    const double EJ = E_of(U), v = std::sqrt(2 * EJ / m);
    return fM(EJ) * std::pow(v, power) * (v / m) * E0 / ((1 - U) * (1 - U));
  };
  std::vector<double> U;
  for (double e : E) U.push_back(e * EV_TO_SI / (e * EV_TO_SI + E0));
  for (int power : {0, 2}) {
    auto gp = [&](double u) { return g(u, power); };
    // the truncated integral over [U_1, U_32] (Simpson, 20000 intervals: converged) plus the
    // padded ends: 0.5 U_1 g(U_1) and 0.5 (1 - U_32) g(U_32)
    double inner = 0;
    const int M = 20000;
    for (int q = 0; q <= M; ++q) {
      const double u = U.front() + (U.back() - U.front()) * q / M;
      inner += (q == 0 || q == M ? 1 : q % 2 ? 4 : 2) * gp(u);
    }
    inner *= (U.back() - U.front()) / M / 3;
    const double radial = inner + 0.5 * U.front() * gp(U.front()) + 0.5 * (1 - U.back()) * gp(U.back());
    const double radial_bound = trapezoid_bound(U, gp);
    // theta: the padded trapezoid of sin over [0, pi] (|sin''| <= 1), phi exact for isotropic f
    std::vector<double> th = {0};
    for (int j = 0; j < FPI_N_THETA; ++j) th.push_back(fpi_theta_deg(j) * PI / 180);
    th.push_back(PI);
    double ang_bound = 0;
    for (size_t q = 0; q + 1 < th.size(); ++q) ang_bound += std::pow(th[q + 1] - th[q], 3) / 12;
    ang_bound *= 2 * PI;
    const double expected = 4 * PI * radial;
    const double bound = 4 * PI * radial_bound + ang_bound * radial + ang_bound * radial_bound;
    const double got = power == 0 ? mo.n_m3 : (mo.P_Pa[0] + mo.P_Pa[4] + mo.P_Pa[8]) / m;
    EXPECT_NEAR(got, expected, bound) << "moment v^" << power;
    EXPECT_LT(bound, 0.02 * expected) << "the bound is informative";
    if (power == 0) {
      EXPECT_LT(expected, 0.99 * n0) << "truncation below 10.9 eV matters at 60 eV";
    }
  }
  EXPECT_LT(std::sqrt(norm2(mo.V_m_s)), 1e-6 * std::sqrt(T / m));
  EXPECT_LT(std::fabs(mo.P_Pa[1]), 1e-12 * mo.P_Pa[0]);
  EXPECT_NEAR(mo.T_par_J, mo.T_perp_J, 1e-2 * mo.T_par_J);  // theta vs phi quadrature differ
  const FpiMoments m2 = fpi_moments(sky2.data(), w, {0, 0, 1});
  EXPECT_EQ(m2.n_m3, 2 * mo.n_m3);
  for (int c = 0; c < 9; ++c) EXPECT_EQ(m2.P_Pa[c], 2 * mo.P_Pa[c]);
  EXPECT_EQ(m2.V_m_s.x, mo.V_m_s.x);
  EXPECT_EQ(m2.T_par_J, mo.T_par_J);
  EXPECT_EQ(m2.q_W_m2.z, 2 * mo.q_W_m2.z);
}

// The spacecraft potential shifts the energies (E - e V_sc) and the bins below the lower limit
// are dropped; a drifting Maxwellian gives its drift back (the sign of minus-look directions).
TEST(FpiMoments, PotentialShiftEnergyLimitsAndDrift) {
  const auto& E = fpi_energy_table(1);
  MomentSettings s;
  s.sc_potential_V = 5.0;
  s.energy_min_eV = 20.0;
  const MomentWeights w = moment_weights(E.data(), s);
  int expected_used = 0;
  for (double e : E) expected_used += e - 5.0 >= 20.0;
  EXPECT_EQ(w.n_used, expected_used);
  EXPECT_NEAR(0.5 * M_ELECTRON * w.v[31] * w.v[31] / EV_TO_SI, E[31] - 5.0, 1e-9);
  EXPECT_EQ(w.W[0], 0.0);
  // a warm beam drifting along +x at 600 km/s (T = 200 eV, well inside the table)
  const double T = 200 * EV_TO_SI, Vd = 600e3;
  std::vector<double> sky(FPI_N_BINS);
  const MomentWeights w0 = moment_weights(E.data(), MomentSettings{});
  for (int k = 0; k < FPI_N_PHI; ++k)
    for (int j = 0; j < FPI_N_THETA; ++j)
      for (int i = 0; i < FPI_N_ENERGY; ++i) {
        const Vec3 v = w0.v[i] * (-1.0 * fpi_look_direction(k, j)) - Vec3{Vd, 0, 0};
        sky[(k * FPI_N_THETA + j) * FPI_N_ENERGY + i] =
            1e-12 * 1e7 * std::pow(M_ELECTRON / (2 * PI * T), 1.5) *
            std::exp(-M_ELECTRON * norm2(v) / (2 * T));
      }
  const FpiMoments mo = fpi_moments(sky.data(), w0, {1, 0, 0});
  EXPECT_NEAR(mo.V_m_s.x, Vd, 0.02 * Vd);
  EXPECT_LT(std::fabs(mo.V_m_s.y), 0.01 * Vd);
  EXPECT_NEAR(mo.n_m3, 1e7, 0.03e7);
}
