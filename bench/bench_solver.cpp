// Benchmarks of the equilibrium solver (issue 2 item 7): pass 0, one gyro-centre pass,
// the full converged solve of the yang2022 preset, and the shape-integral kernel on each
// backend. Thread count: the "threads" argument (1 = one core; 0 = all cores).
// Run: build/bench/fluxrope_bench   (figures in docs/performance.md)
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cmath>
#include <random>

#include "fluxrope/core/simd_math.hpp"
#include "fluxrope/engine/backend.hpp"
#include "fluxrope/engine/parallel_for.hpp"
#include "fluxrope/equilibrium/solver.hpp"
#include "fluxrope/instrument/counts_kernel.hpp"
#include "fluxrope/instrument/products.hpp"
#include "fluxrope/instrument/skymap.hpp"
#include "fluxrope/io/config.hpp"
#include "fluxrope/jobs.hpp"
#include "fluxrope/particles/particles.hpp"
#include "fluxrope/reconstruct/fit.hpp"

using namespace fluxrope;

namespace {

const RunConfig& preset() {
  static const RunConfig cfg = load_config({});
  return cfg;
}

void set_threads(benchmark::State& state) {
  static const int all = omp_get_max_threads();
  const int n = state.range(0) > 0 ? static_cast<int>(state.range(0)) : all;
  omp_set_num_threads(n);
  state.counters["threads"] = n;
}

SolveResult run(int passes) {
  SolverSettings s = preset().solver;
  s.passes = passes;
  auto cpu = make_cpu_backend();
  return solve_equilibrium(preset().model, s, *cpu);
}

// Pass 0 (closed-form moments) is timed from the solver's own pass record.
void BM_Pass0(benchmark::State& state) {
  set_threads(state);
  for (auto _ : state) {
    const SolveResult r = run(1);
    state.SetIterationTime(r.history[0].seconds);
  }
}
BENCHMARK(BM_Pass0)->Arg(1)->UseManualTime()->Unit(benchmark::kMillisecond);

// One gyro-centre pass: shape integrals on the backend + normalization + ODE.
void BM_GyroCentrePass(benchmark::State& state) {
  set_threads(state);
  for (auto _ : state) {
    const SolveResult r = run(1);
    state.SetIterationTime(r.history[1].seconds);
  }
}
BENCHMARK(BM_GyroCentrePass)->Arg(1)->Arg(0)->UseManualTime()->Unit(benchmark::kMillisecond);

// The full converged solve (tol 1e-6 nT), including the final moments.
void BM_FullSolve(benchmark::State& state) {
  set_threads(state);
  size_t passes = 0;
  for (auto _ : state) {
    const SolveResult r = run(0);
    passes = r.history.size() - 1;
    benchmark::DoNotOptimize(r.profile.Bz.data());
  }
  state.counters["passes"] = static_cast<double>(passes);
}
BENCHMARK(BM_FullSolve)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

// The shape-integral kernel alone, as distribution evaluations per second.
void shape_kernel(benchmark::State& state, Backend& backend) {
  static const SolveResult r = run(1);
  const Scales sc = scales_of(preset().model);
  const PanelGrid grid =
      shape_panels(preset().solver.n_shape, preset().solver.x_max * sc.L_st, sc.L_st);
  const FieldTable f = r.history.back().field_table();
  const ShapeQuadrature q{preset().solver.quad_par, preset().solver.quad_perp};
  for (auto _ : state) {
    const ShapeTable t = compute_shape_table(preset().model, f, grid, q, backend);
    benchmark::DoNotOptimize(t.node(0, 0, 0));
  }
  // Populations with b_s != 0 are integrated point by point (b_r = 0 is closed form).
  const ModelParams& m = preset().model;
  const int mu_pops = (m.b_b != 0) + (m.b_r != 0) + (m.b_z != 0);
  const double evals =
      static_cast<double>(grid.size()) * mu_pops * q.n_par * (q.n_perp / 2) * q.n_perp;
  state.counters["evals/s"] =
      benchmark::Counter(evals, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_ShapeIntegralsCpu(benchmark::State& state) {
  set_threads(state);
  auto cpu = make_cpu_backend();
  shape_kernel(state, *cpu);
}
BENCHMARK(BM_ShapeIntegralsCpu)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

void BM_ShapeIntegralsCuda(benchmark::State& state) {
  if (cuda_device_count() == 0) {
    state.SkipWithError("no CUDA device");
    return;
  }
  auto cuda = make_cuda_backend();
  shape_kernel(state, *cuda);
}
BENCHMARK(BM_ShapeIntegralsCuda)->Unit(benchmark::kMillisecond);

}  // namespace

// Skymap synthesis (issue 3): distribution evaluations per second, double, all three
// populations, gyro-centre mu, frame shift. 16 samples of the default rope.
namespace {
void skymap_bench(benchmark::State& state, Backend& backend) {
  static const ProfileTables t = make_profile_tables(run(0));
  std::vector<SkymapSample> samples(16);
  for (int n = 0; n < 16; ++n) {
    samples[n].r_rope = {-60e3 + 8e3 * n, 5e3, 0};
    samples[n].U_rope = {170e3, 0, 140e3};
    samples[n].parity = n % 2;
  }
  for (auto _ : state) {
    const std::vector<double> sky = synth_skymaps(backend, t, samples);
    benchmark::DoNotOptimize(sky.data());
  }
  state.counters["evals/s"] = benchmark::Counter(static_cast<double>(samples.size()) * FPI_N_BINS,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

void BM_SkymapCpu(benchmark::State& state) {
  set_threads(state);
  auto cpu = make_cpu_backend();
  skymap_bench(state, *cpu);
}
BENCHMARK(BM_SkymapCpu)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

void BM_SkymapCuda(benchmark::State& state) {
  if (cuda_device_count() == 0) {
    state.SkipWithError("no CUDA device");
    return;
  }
  auto cuda = make_cuda_backend();
  skymap_bench(state, *cuda);
}
BENCHMARK(BM_SkymapCuda)->Unit(benchmark::kMillisecond);

// The integrated bin response (issue 8): f_e evaluations per second (every quadrature node of
// every bin is one evaluation), 16 samples of the default rope with the default response
// (deflection-major sweep, so each energy of a row has its own position). The kernel alone:
// the per-position tables are prepared once, outside the timed loop, into a reused buffer.
void response_bench(benchmark::State& state, Backend& backend, ResponseSettings rs = {}) {
  static const ProfileTables t = make_profile_tables(run(0));
  std::vector<ResponseSample> samples(16);
  std::vector<Vec3> r0(16);
  for (int n = 0; n < 16; ++n) {
    r0[n] = {-60e3 + 8e3 * n, 5e3, 0};
    samples[n].U_rope = {170e3, 0, 140e3};
    samples[n].parity = n % 2;
  }
  const ResponseTables tables = make_response_tables(rs, 0.03);
  ResponseSetup setup;
  prepare_response(t, tables, samples, r0, setup);
  std::vector<double> sky;
  for (auto _ : state) {
    backend.response_skymaps(setup.problem, sky);
    benchmark::DoNotOptimize(sky.data());
  }
  const double nodes = static_cast<double>(tables.n_ang) * tables.n_en * tables.n_time;
  state.counters["nodes"] = nodes;
  state.counters["evals/s"] =
      benchmark::Counter(static_cast<double>(samples.size()) * FPI_N_BINS * nodes,
                         benchmark::Counter::kIsIterationInvariantRate);
}

void BM_ResponseCpu(benchmark::State& state) {
  set_threads(state);
  auto cpu = make_cpu_backend();
  response_bench(state, *cpu);
}
BENCHMARK(BM_ResponseCpu)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

// The same with every bin at the time tag (one position a sample: no per-lane gather of the
// position factors), for comparison with the bin-centre kernel.
void BM_ResponseInstantCpu(benchmark::State& state) {
  set_threads(state);
  auto cpu = make_cpu_backend();
  ResponseSettings rs;
  rs.sweep = Sweep::Instant;
  response_bench(state, *cpu, rs);
}
BENCHMARK(BM_ResponseInstantCpu)->Arg(1)->Unit(benchmark::kMillisecond);

// The device backend's code on the host (Thrust's OpenMP system): the per-item kernel without
// the CPU backend's vectorized rows, for comparison.
void BM_ResponseThrustHost(benchmark::State& state) {
  set_threads(state);
  auto b = make_thrust_host_backend();
  response_bench(state, *b);
}
BENCHMARK(BM_ResponseThrustHost)->Arg(0)->Unit(benchmark::kMillisecond);

void BM_ResponseCuda(benchmark::State& state) {
  if (cuda_device_count() == 0) {
    state.SkipWithError("no CUDA device");
    return;
  }
  auto cuda = make_cuda_backend();
  response_bench(state, *cuda);
}
BENCHMARK(BM_ResponseCuda)->Unit(benchmark::kMillisecond);
}  // namespace

// Dense gyro-averaged PAD cubes (issue 3): evaluations per second (each node of
// energy x pitch x gyrophase is one f_e evaluation), 16 positions of the default rope.
namespace {
void gyro_pad_bench(benchmark::State& state, Backend& backend) {
  static const ProfileTables t = make_profile_tables(run(0));
  std::vector<Vec3> r;
  for (int n = 0; n < 16; ++n) r.push_back({-60e3 + 8e3 * n, 5e3, 0});
  const InstrumentSettings is;
  for (auto _ : state) {
    const std::vector<double> F = synth_gyro_pads(backend, t, r, {-30e3, 80e3, -207e3}, is);
    benchmark::DoNotOptimize(F.data());
  }
  const double evals =
      16.0 * is.dense_pad_energy_eV.size() * is.dense_pad_pitch * is.dense_pad_gyrophase;
  state.counters["evals/s"] =
      benchmark::Counter(evals, benchmark::Counter::kIsIterationInvariantRate);
}

// The per-bin counts (Poisson draws, dist, disterr, DEF) of 64 skymaps whose expected counts
// are log-uniform over 1e-4 .. 100 (a synth run's spread: half its bins below 0.01, a quarter
// above 30), on the CPU backend.
void BM_CountsCpu(benchmark::State& state) {
  set_threads(state);
  auto cpu = make_cpu_backend();
  const long n = 64;
  std::vector<double> f(static_cast<size_t>(n) * FPI_N_BINS), A(2 * FPI_N_ENERGY, 1.0),
      E(2 * FPI_N_ENERGY, 100.0), N(f.size()), dist(f.size()), err(f.size()), def(f.size());
  std::vector<std::int32_t> counts(f.size());
  std::vector<int> parity(static_cast<size_t>(n));
  std::vector<std::uint32_t> key(2 * static_cast<size_t>(n));
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(-4.0, 2.0);
  for (double& x : f) x = std::pow(10.0, u(rng));
  for (long s = 0; s < n; ++s) {
    parity[static_cast<size_t>(s)] = static_cast<int>(s % 2);
    key[2 * static_cast<size_t>(s)] = 1;
    key[2 * static_cast<size_t>(s) + 1] = static_cast<std::uint32_t>(s);
  }
  CountsProblem p;
  p.f_model = f.data();
  p.one_count = A.data();
  p.energy = E.data();
  p.parity = parity.data();
  p.key = key.data();
  p.n_samples = n;
  p.counts_expected = N.data();
  p.counts = counts.data();
  p.dist = dist.data();
  p.disterr = err.data();
  p.def = def.data();
  for (auto _ : state) {
    cpu->counts(p);
    benchmark::DoNotOptimize(counts.data());
  }
  state.counters["bins/s"] = benchmark::Counter(static_cast<double>(f.size()),
                                                benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_CountsCpu)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

void BM_GyroPadCpu(benchmark::State& state) {
  set_threads(state);
  auto cpu = make_cpu_backend();
  gyro_pad_bench(state, *cpu);
}
BENCHMARK(BM_GyroPadCpu)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

void BM_GyroPadCuda(benchmark::State& state) {
  if (cuda_device_count() == 0) {
    state.SkipWithError("no CUDA device");
    return;
  }
  auto cuda = make_cuda_backend();
  gyro_pad_bench(state, *cuda);
}
BENCHMARK(BM_GyroPadCuda)->Unit(benchmark::kMillisecond);
}  // namespace

// The default event end to end (what `fluxrope synth` computes, without the HDF5 write):
// converged solve, tracks, skymaps, DEF, PADs, dense PADs and moments for 4 spacecraft.
namespace {
void BM_DefaultEventSynth(benchmark::State& state) {
  set_threads(state);
  auto cpu = make_cpu_backend();
  const RunConfig& cfg = preset();
  for (auto _ : state) {
    const SolveResult r = solve_equilibrium(cfg.model, cfg.solver, *cpu);
    const ProfileTables t = make_profile_tables(r);
    const RopeFrame frame =
        make_rope_frame(cfg.geometry.L_gse, cfg.geometry.M_gse, cfg.geometry.N_gse);
    for (const Track& tr : make_tracks(cfg.geometry, frame)) {
      const TrackProducts p = synthesize_track(*cpu, t, r.profile, frame, cfg.instrument,
                                               cfg.geometry.cadence_s, tr);
      benchmark::DoNotOptimize(p.dist_s3_cm6.data());
    }
  }
}
BENCHMARK(BM_DefaultEventSynth)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

// The CPU's limit for these kernels: each f_e evaluation needs three exp. Throughput of exp
// alone on an array of arguments like the kernel's, through loop(x, y, n).
template <class Loop>
void exp_throughput(benchmark::State& state, Loop loop) {
  std::vector<double> x(4096), y(4096);
  for (size_t i = 0; i < x.size(); ++i) x[i] = -30.0 + 30.0 * i / x.size();
  for (auto _ : state) {
    loop(x.data(), y.data(), static_cast<int>(x.size()));
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["exp/s"] = benchmark::Counter(static_cast<double>(x.size()),
                                               benchmark::Counter::kIsIterationInvariantRate);
}
auto vexp_lane = [](const double* x, int i) { return vexp(x[i]); };

// glibc's exp: a scalar call.
void BM_ExpThroughput(benchmark::State& state) {
  exp_throughput(state, [](const double* x, double* y, int n) {
    for (int i = 0; i < n; ++i) y[i] = std::exp(x[i]);
  });
}
BENCHMARK(BM_ExpThroughput);

// The exp the CPU kernels use (core/simd_math.hpp) in their baseline x86-64 lane loop.
void BM_VexpThroughput(benchmark::State& state) {
  exp_throughput(state,
                 [](const double* x, double* y, int n) { detail::lanes(x, 0, n, y, vexp_lane); });
}
BENCHMARK(BM_VexpThroughput);

// The same in their AVX2 and AVX-512 lane loops (engine/parallel_for.hpp), where the CPU has them.
void BM_VexpThroughputAvx2(benchmark::State& state) {
  if (detail::simd_level() < 1) {
    state.SkipWithError("no AVX2 on this CPU");
    return;
  }
  exp_throughput(state, [](const double* x, double* y, int n) {
    detail::lanes_avx2(x, 0, n, y, vexp_lane);
  });
}
BENCHMARK(BM_VexpThroughputAvx2);
void BM_VexpThroughputAvx512(benchmark::State& state) {
  if (detail::simd_level() < 2) {
    state.SkipWithError("no AVX-512 on this CPU (or FLUXROPE_SIMD caps it)");
    return;
  }
  exp_throughput(state, [](const double* x, double* y, int n) {
    detail::lanes_avx512(x, 0, n, y, vexp_lane);
  });
}
BENCHMARK(BM_VexpThroughputAvx512);
}  // namespace

// The fit of issue 11's acceptance: seven parameters (alpha_r, alpha_z, B0, gamma, b_z, the axis
// L, N) from the four spacecraft's field and MMS1's n_e, T_par, T_perp with 0.1 nT and 1% noise,
// started at the defaults. Wall time of fit_job (its Jacobian columns run on all cores).
namespace {
void BM_FitSevenParameters(benchmark::State& state) {
  ConfigSources truth_src;
  truth_src.sets = {"model.alpha_r=0.70", "model.alpha_z=0.38", "model.B0_nT=23.0",
                    "model.gamma=2.1", "model.b_z=0.50", "geometry.center_ln_km=[2.6, -0.7]"};
  const RunConfig truth = load_config(truth_src);
  auto cpu = make_cpu_backend();
  const Equilibrium eq = solve_job(truth, *cpu);
  const EventGeometry geo = event_geometry(truth);
  std::mt19937_64 rng(7);
  std::normal_distribution<double> g(0.0, 1.0);
  std::vector<FitObservations> obs;
  for (const Track& t : geo.tracks) {
    const ModelSeries m = model_along_track(eq.tables, eq.result.profile, geo.frame,
                                            truth.instrument.dbcs_to_gse, t);
    FitObservations o;
    o.name = t.name;
    o.t_s = t.time_s;
    for (const Vec3& B : m.B_gse_T)
      for (double c : {B.x, B.y, B.z}) o.B_gse_nT.push_back(c * 1e9 + 0.1 * g(rng));
    if (t.name == "MMS1")
      for (size_t k = 0; k < t.time_s.size(); ++k) {
        o.ne_cm3.push_back(m.ne_m3[k] * 1e-6 * (1 + 0.01 * g(rng)));
        o.T_par_eV.push_back(m.T_par_J[k] / constants::EV_TO_SI * (1 + 0.01 * g(rng)));
        o.T_perp_eV.push_back(m.T_perp_J[k] / constants::EV_TO_SI * (1 + 0.01 * g(rng)));
      }
    obs.push_back(std::move(o));
  }
  const RunConfig start = load_config(ConfigSources{});
  int solves = 0;
  for (auto _ : state) {
    const FitResult r = fit_job(start, obs);
    solves = r.solves;
    benchmark::DoNotOptimize(r.value.data());
  }
  state.counters["solves"] = solves;
}
BENCHMARK(BM_FitSevenParameters)->Unit(benchmark::kSecond)->Iterations(3);
}  // namespace

// The fit's forward model (issue 16): one evaluation of the objective = MMS1's 34 FPI samples of
// the default crossing synthesized with the integrated response and reduced on the backend to
// the ground-system moments, plus the field of four spacecraft. Geometry-only parameter (the
// axis position): the equilibrium is reused, the skymaps are not. Arg: 0 cpu, 1 thrust-host,
// 2 cuda (skipped without a device).
namespace {
void BM_ForwardModel(benchmark::State& state) {
  static const char* names[] = {"cpu", "thrust-host", "cuda"};
  const std::string backend = names[state.range(0)];
  if (backend == "cuda" && cuda_device_count() == 0) {
    state.SkipWithError("no CUDA device");
    return;
  }
  ConfigSources src;
  src.sets = {"fit.free=[\"center_L_km\"]"};
  const RunConfig cfg = load_config(src);
  auto cpu = make_cpu_backend();
  const Equilibrium eq = solve_job(cfg, *cpu);
  const EventGeometry geo = event_geometry(cfg);
  const std::vector<FitObservations> obs = observe_event(cfg, *cpu, eq, geo, {"MMS1"});
  FitObjective f(cfg, obs, backend);
  double L = 2.0;
  for (auto _ : state) {
    L += 1e-3;
    benchmark::DoNotOptimize(f.chi2({L}));
  }
  state.counters["evaluations/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                       benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ForwardModel)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
}  // namespace

// PIC initial conditions (docs/simulation.md): macro-particles sampled per second from the
// default rope with the [particles] defaults (524,288 a species, weighted loading), the
// sampling alone (no moment check, no file). Args: species (0 electrons, 1 ions), threads
// (0 = all) for the CPU backend; the device backend's code on the host and CUDA.
namespace {
const Equilibrium& particle_equilibrium() {
  static const Equilibrium eq = [] {
    auto cpu = make_cpu_backend();
    return solve_job(preset(), *cpu);
  }();
  return eq;
}

void particles_bench(benchmark::State& state, Backend& backend, int species) {
  const Equilibrium& eq = particle_equilibrium();
  const ParticleSettings s;
  const ParticleProblem p =
      make_particle_problem(s, eq.tables, eq.result.profile, eq.negativity, species);
  size_t n = 0;
  for (auto _ : state) {
    const ParticleSet set = run_particle_problem(backend, p);
    n = set.size();
    benchmark::DoNotOptimize(set.vx.data());
  }
  state.counters["particles/s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_SampleParticlesCpu(benchmark::State& state) {
  state.SetLabel(state.range(0) == 0 ? "electrons" : "ions");
  static const int all = omp_get_max_threads();
  const int threads = state.range(1) > 0 ? static_cast<int>(state.range(1)) : all;
  omp_set_num_threads(threads);
  state.counters["threads"] = threads;
  auto cpu = make_cpu_backend();
  particles_bench(state, *cpu, static_cast<int>(state.range(0)));
}
BENCHMARK(BM_SampleParticlesCpu)
    ->Args({0, 1})
    ->Args({0, 0})
    ->Args({1, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_SampleParticlesThrustHost(benchmark::State& state) {
  auto b = make_thrust_host_backend();
  particles_bench(state, *b, PARTICLE_ELECTRONS);
}
BENCHMARK(BM_SampleParticlesThrustHost)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SampleParticlesCuda(benchmark::State& state) {
  if (cuda_device_count() == 0) {
    state.SkipWithError("no CUDA device");
    return;
  }
  auto cuda = make_cuda_backend();
  particles_bench(state, *cuda, PARTICLE_ELECTRONS);
}
BENCHMARK(BM_SampleParticlesCuda)->Unit(benchmark::kMillisecond)->UseRealTime();
}  // namespace
