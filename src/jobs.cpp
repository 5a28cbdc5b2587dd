#include "fluxrope/jobs.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"
#include "fluxrope/instrument/response.hpp"
#include "fluxrope/io/output_tables.hpp"
#include "fluxrope/version.hpp"

namespace fluxrope {

Equilibrium solve_job(const RunConfig& cfg, Backend& backend, const PassCallback& on_pass) {
  Equilibrium eq;
  eq.result = solve_equilibrium(cfg.model, cfg.solver, backend, on_pass);
  eq.tables = make_profile_tables(eq.result);
  eq.negativity = scan_negative_f(eq.tables, eq.result.profile);
  return eq;
}

EventGeometry event_geometry(const RunConfig& cfg) {
  const GeometrySettings& g = cfg.geometry;
  EventGeometry e;
  e.frame = make_rope_frame(g.L_gse, g.M_gse, g.N_gse);
  if (e.frame.max_skew_deg > 0.5)
    e.notes.push_back(fmt::format(
        "warning: the LMN vectors depart from orthogonality by up to {:.2f} deg; "
        "orthonormalized keeping M as the axis",
        e.frame.max_skew_deg));
  if (e.frame.left_handed)
    e.notes.push_back(
        "note: the LMN triad is left-handed; the model frame (x, y, z) = (N, M x N, M) has y "
        "along -L. B_lmn_nT are projections on your L, M, N.");
  e.tracks = make_tracks(g, e.frame);
  if (cfg.dis.enabled && g.duration_s >= cfg.dis.cadence_s * (1 - 1e-12)) {
    GeometrySettings d = g;
    d.cadence_s = cfg.dis.cadence_s;
    e.dis_tracks = make_tracks(d, e.frame);
  } else if (cfg.dis.enabled) {
    e.notes.push_back(fmt::format(
        "note: geometry.duration_s = {:g} s is shorter than one DIS accumulation "
        "(instrument.dis.cadence_s = {:g} s): no DIS products",
        g.duration_s, cfg.dis.cadence_s));
  }
  return e;
}

namespace {

double physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0.0;
}

std::string gb(double bytes) { return fmt::format("{:.3g} GB", bytes / 1e9); }

}  // namespace

namespace {
// One spectrometer's share of the estimate.
void add_estimate(const InstrumentSettings& s, const std::vector<Track>& tracks,
                  const OutputSettings& out, bool in_memory, SynthEstimate& e) {
  double samples = 0.0;
  for (const Track& t : tracks) samples += static_cast<double>(t.time_s.size());
  // bytes of one sample's row in the file, and in memory (doubles, int32 counts)
  double row_file = 0.0, row_memory = 0.0;
  TrackProducts empty;
  for (const OutputArray& a : track_row_arrays(empty, s)) {
    double values = 1.0;
    for (size_t d = 1; d < a.shape.size(); ++d) values *= static_cast<double>(a.shape[d]);
    row_file += values * (a.integer || (a.skymap && out.float32) ? 4.0 : 8.0);
    row_memory += values * (a.integer ? 4.0 : 8.0);
  }
  // the backend's working arrays per sample: the skymap and its five count products
  row_memory += 6.0 * 8.0 * FPI_N_BINS;
  const double gyro =
      static_cast<double>(s.dense_pad_energy_eV.size()) * s.dense_pad_pitch * s.dense_pad_gyrophase;
  const ResponseSettings& r = s.response;
  const double nodes = r.kind == ResponseKind::Centre
                           ? 1.0
                           : static_cast<double>(r.nodes_energy) * r.nodes_phi * r.nodes_theta *
                                 r.nodes_time;
  e.file_bytes += samples * row_file;
  const double batch = std::min(samples, static_cast<double>(out.batch_samples));
  // streamed: the batch being computed and the one being written (products.cpp, WriteBehind);
  // DES and DIS run one after the other, so the larger of the two counts
  const double memory = (in_memory ? samples : std::min(samples, 2.0 * batch)) * row_memory;
  e.memory_bytes = in_memory ? e.memory_bytes + memory : std::max(e.memory_bytes, memory);
  e.evaluations += samples * (FPI_N_BINS * nodes + gyro);
}
}  // namespace

SynthEstimate estimate_synth(const RunConfig& cfg, const EventGeometry& geo, bool in_memory,
                             bool with_dis) {
  SynthEstimate e;
  add_estimate(cfg.instrument, geo.tracks, cfg.output, in_memory, e);
  if (with_dis) add_estimate(cfg.dis.instrument, geo.dis_tracks, cfg.output, in_memory, e);
  return e;
}

void check_synth_resources(const RunConfig& cfg, const EventGeometry& geo, bool in_memory,
                           double free_disk_bytes, bool with_dis) {
  const SynthEstimate e = estimate_synth(cfg, geo, in_memory, with_dis);
  const GeometrySettings& g = cfg.geometry;
  const std::string interval = fmt::format(
      "{} spacecraft x {} samples (geometry.duration_s = {:g}, cadence_s = {:g})",
      geo.tracks.size(), geo.tracks.empty() ? 0 : geo.tracks[0].time_s.size(), g.duration_s,
      g.cadence_s);
  const double ram = physical_memory_bytes();
  if (ram > 0 && e.memory_bytes > 0.5 * ram)
    throw Error(fmt::format(
        "the synthesis would need about {} of memory ({}{}), more than half of this machine's {}: "
        "{}",
        gb(e.memory_bytes), interval,
        in_memory ? "" : fmt::format(", output.batch_samples = {}", cfg.output.batch_samples),
        gb(ram),
        in_memory ? "synthesize a shorter interval, or run `fluxrope synth`, which writes batch by "
                    "batch"
                  : "lower output.batch_samples"));
  // gzip (with shuffle) shrinks these arrays ~5x (docs/performance.md): refuse only what cannot fit
  const double needed = cfg.output.gzip > 0 ? 0.1 * e.file_bytes : e.file_bytes;
  if (free_disk_bytes >= 0 && needed > free_disk_bytes)
    throw Error(fmt::format(
        "the output file would be about {} ({}{}) and only {} are free there: shorten the "
        "interval, set output.float32 = true or output.gzip",
        gb(e.file_bytes), interval, cfg.output.float32 ? ", float32" : "", gb(free_disk_bytes)));
  if (e.evaluations > SYNTH_MAX_EVALUATIONS)
    throw Error(fmt::format(
        "the synthesis would take about {:.2g} evaluations of f ({}, {} response nodes a bin, "
        "dense PAD {} energies x {} pitch x {} gyrophase): more than {:.0e} (a day of a "
        "workstation's cores)",
        e.evaluations, interval, FPI_N_BINS, cfg.instrument.dense_pad_energy_eV.size(),
        cfg.instrument.dense_pad_pitch, cfg.instrument.dense_pad_gyrophase,
        SYNTH_MAX_EVALUATIONS));
}

void check_atlas_resources(const RunConfig& cfg, size_t n_radii) {
  const InstrumentSettings& s = cfg.instrument;
  const double cells = static_cast<double>(n_radii) *
                       static_cast<double>(s.dense_pad_energy_eV.size()) * s.dense_pad_pitch;
  const double bytes = 8.0 * cells, evaluations = cells * s.dense_pad_gyrophase;
  const double ram = physical_memory_bytes();
  if ((ram > 0 && bytes > 0.5 * ram) || evaluations > SYNTH_MAX_EVALUATIONS)
    throw Error(fmt::format(
        "the atlas would hold {} radii x {} energies x {} pitch angles ({} of memory, {:.2g} "
        "evaluations of f): too large for this machine; raise --stride or lower "
        "instrument.dense_pad_pitch, dense_pad_gyrophase or the energies",
        n_radii, s.dense_pad_energy_eV.size(), s.dense_pad_pitch, gb(bytes), evaluations));
}

SynthResult synth_job(const RunConfig& cfg, Backend& backend, const Equilibrium& eq,
                      const EventGeometry& geo, ProductSink& sink, const SynthProgress& progress,
                      SpeciesKind species) {
  const bool ions = species == SpeciesKind::Ion;
  return synthesize_event(backend, eq.tables, eq.result.profile, geo.frame,
                          ions ? cfg.dis.instrument : cfg.instrument,
                          ions ? cfg.dis.cadence_s : cfg.geometry.cadence_s,
                          ions ? geo.dis_tracks : geo.tracks,
                          static_cast<size_t>(cfg.output.batch_samples), sink, progress);
}

std::vector<double> evaluate_f(Backend& backend, const Equilibrium& eq, const std::vector<Vec3>& r,
                               const std::vector<Vec3>& v, Vec3 U) {
  if (r.size() != v.size())
    throw Error(fmt::format("evaluate_f: {} positions but {} velocities (one of each per point)",
                            r.size(), v.size()));
  PointProblem p;
  p.profile = eq.tables.view();
  p.r = r.data();
  p.v = v.data();
  p.U = U;
  p.n = static_cast<long>(r.size());
  std::vector<double> out;
  backend.points(p, out);
  return out;
}

CenterFitJob center_fit_job(const RunConfig& cfg, const std::vector<BSeries>& series,
                            const std::vector<double>& levels_nT) {
  const GeometrySettings& g = cfg.geometry;
  const RopeFrame frame = make_rope_frame(g.L_gse, g.M_gse, g.N_gse);
  // The contours are circles in the plane perpendicular to the axis M, so the fit works in
  // L and N orthonormalized in that plane: e_N = the model's x, e_L = -(the model's y) = x x z.
  // (The paper's LN plane is 1.8 degrees off it: along-axis motion would leak into N.)
  const Vec3 e_N = frame.gse_to_rope.r0, e_L = -1.0 * frame.gse_to_rope.r1;
  CenterFitJob job;
  for (const SpacecraftSpec& spec : g.spacecraft) {
    const BSeries* b = nullptr;
    for (const BSeries& s : series)
      if (s.name == spec.name) b = &s;
    if (!b)
      throw Error(fmt::format("no |B| series given for spacecraft {} of [geometry]", spec.name));
    if (b->t_s.size() != b->Bmag_nT.size() || b->t_s.size() < 2)
      throw Error(fmt::format("the |B| series of {} needs as many times as values, at least two",
                              spec.name));
    for (size_t k = 0; k < b->t_s.size(); ++k) {
      if (!std::isfinite(b->t_s[k]) || !std::isfinite(b->Bmag_nT[k]))
        throw Error(fmt::format("the |B| series of {}: sample {} (t = {} s, |B| = {} nT) is not "
                                "finite",
                                spec.name, k, b->t_s[k], b->Bmag_nT[k]));
      if (k > 0 && !(b->t_s[k] > b->t_s[k - 1]))
        throw Error(fmt::format("the |B| series of {}: times must increase strictly (t[{}] = {} s "
                                "after t[{}] = {} s)",
                                spec.name, k, b->t_s[k], k - 1, b->t_s[k - 1]));
    }
    CenterFitSpacecraft s;
    s.name = spec.name;
    s.L0_km = dot(spec.position_gse_km, e_L);
    s.N0_km = dot(spec.position_gse_km, e_N);
    s.t_s = b->t_s;
    s.Bmag_nT = b->Bmag_nT;
    job.spacecraft.push_back(std::move(s));
  }
  for (double level : levels_nT)
    if (!(std::isfinite(level) && level > 0 && level < 1e6))
      throw Error(fmt::format("contour level {} nT must be a positive finite field (--levels)",
                              level));
  if (!levels_nT.empty()) job.settings.levels_nT = levels_nT;
  job.settings.vL_km_s = -dot(g.rope_velocity_gse_km_s, e_L);  // the spacecraft move with -V_rope
  job.settings.vN_km_s = -dot(g.rope_velocity_gse_km_s, e_N);
  job.result = fit_center(job.spacecraft, job.settings);
  // the centre back in the user's own L, N (a point of the axis, projected)
  const Vec3 C = job.result.L_km * e_L + job.result.N_km * e_N;
  job.plane = CenterFitPlane{e_L, e_N, dot(C, frame.L), dot(C, frame.N)};
  return job;
}

void check_particle_resources(const RunConfig& cfg, double free_disk_bytes) {
  const ParticleSettings& p = cfg.particles;
  const int axes = p.dims == 3 ? 3 : 2;
  double cells = 1.0, nodes = 1.0;
  for (int a = 0; a < axes; ++a) {
    cells *= static_cast<double>(p.cells[a]);
    nodes *= static_cast<double>(p.cells[a] + 1);
  }
  const double particles = cells * p.particles_per_cell * static_cast<double>(p.species.size());
  const double file = particles * 7 * 8.0 + nodes * 9 * 8.0;
  const double memory = particles * (7 * 8.0 + 4.0) + nodes * 9 * 8.0;
  const double ram = physical_memory_bytes();
  const std::string what = fmt::format(
      "{:.3g} particles ({:.3g} cells x particles_per_cell = {} x {} species)", particles, cells,
      p.particles_per_cell, p.species.size());
  if (ram > 0 && memory > 0.5 * ram)
    throw Error(fmt::format("the particles would need about {} of memory, {}, more than half of "
                            "this machine's {}: fewer particles.cells or particles_per_cell",
                            gb(memory), what, gb(ram)));
  if (free_disk_bytes >= 0 && file > free_disk_bytes)
    throw Error(fmt::format("the particle file would be about {} ({}) and only {} are free there",
                            gb(file), what, gb(free_disk_bytes)));
}

ParticleJob particles_job(const RunConfig& cfg, Backend& backend, const Equilibrium& eq) {
  const auto t0 = std::chrono::steady_clock::now();
  ParticleJob job;
  const RadialProfile& profile = eq.result.profile;
  // every species' problem is checked before any is sampled
  std::vector<ParticleProblem> problems;
  for (const std::string& name : cfg.particles.species)
    problems.push_back(make_particle_problem(cfg.particles, eq.tables, profile, eq.negativity,
                                             name == "ions" ? PARTICLE_IONS : PARTICLE_ELECTRONS));
  for (const ParticleProblem& p : problems) {
    job.species.push_back(run_particle_problem(backend, p));
    job.checks.push_back(check_moments(job.species.back(), profile, cfg.particles));
  }
  job.seconds_sampling =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  job.grid = field_grid(cfg.particles, eq.tables, profile);
  return job;
}

std::vector<H5Node> particles_layout(const RunConfig& cfg, const ParticleJob& job) {
  return openpmd_layout(job.species, job.grid, VERSION, render_toml(cfg));
}

}  // namespace fluxrope
