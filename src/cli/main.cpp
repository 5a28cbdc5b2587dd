// fluxrope: one tool, subcommands (docs/architecture.md "Jobs").
//   fluxrope presets                      list the built-in parameter sets
//   fluxrope show-config [--preset NAME]  print a complete TOML config to start from
//   fluxrope solve [options]              solve the equilibrium, write HDF5, print a summary
//   fluxrope synth [options]              solve, then synthesize FPI products along the tracks
//   fluxrope atlas [options]              solve, then tabulate gyro-averaged f(rho, E, alpha)
//   fluxrope fit-center --input F | --csv NAME=FILE...   the rope centre of paper eq. 5
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include <unistd.h>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"
#include "fluxrope/engine/backend.hpp"
#include "fluxrope/equilibrium/solver.hpp"
#include "fluxrope/equilibrium/validity.hpp"
#include "fluxrope/instrument/products.hpp"
#include "fluxrope/io/atomic_output.hpp"
#include "fluxrope/io/config.hpp"
#include "fluxrope/io/hdf5_file.hpp"
#include "fluxrope/io/openpmd_io.hpp"
#include "fluxrope/io/profile_io.hpp"
#include "fluxrope/jobs.hpp"
#include "fluxrope/reconstruct/fit.hpp"
#include "fluxrope/version.hpp"

using namespace fluxrope;
using namespace fluxrope::constants;

namespace {

struct CommonOptions {
  ConfigSources src;
  std::string config_file;
  CLI::Option* config_option = nullptr;
  int passes = 0;
  CLI::Option* passes_option = nullptr;  // given or not
  std::string output;
  std::string backend = "auto";
};

void add_config_options(CLI::App* cmd, CommonOptions& o) {
  o.config_option = cmd->add_option("--config", o.config_file, "TOML configuration file");
  cmd->add_option("--preset", o.src.preset, "built-in parameter set (see `fluxrope presets`)");
  cmd->add_option("--set", o.src.sets, "override one key, e.g. --set model.tau_z=0.5 (repeatable)");
}

void add_run_options(CLI::App* cmd, CommonOptions& o, const std::string& default_output) {
  add_config_options(cmd, o);
  o.passes_option = cmd->add_option("--passes", o.passes,
                                    "gyro-centre passes after pass 0 (0 = iterate to convergence)");
  o.output = default_output;
  cmd->add_option("-o,--output", o.output, "output HDF5 file")->capture_default_str();
  cmd->add_option("--backend", o.backend,
                  "auto | cpu | cuda | thrust-host (the device code on the host, for checks)")
      ->capture_default_str();
}

RunConfig resolve(CommonOptions& o) {
  if (o.passes_option && o.passes_option->count() > 0) {
    if (o.passes < 0 || o.passes > 1000)
      throw Error(fmt::format("--passes {} must be in [0, 1000] (0 = iterate to convergence)",
                              o.passes));
    o.src.sets.push_back(fmt::format("solver.passes={}", o.passes));
  }
  if (o.passes_option && o.passes_option->count() > 1)
    throw Error("--passes is given more than once");
  if (o.config_option && o.config_option->count() > 1)
    throw Error("--config is given more than once (one file; --set overrides single keys)");
  if (o.config_option && o.config_option->count() > 0) o.src.file = o.config_file;
  return load_config(o.src);
}

void print_summary(const SolveResult& r) {
  const RadialProfile& p = r.profile;
  const size_t n = p.size();
  const auto mn = std::min_element(p.Bphi.begin(), p.Bphi.end()) - p.Bphi.begin();
  const auto [ne_lo, ne_hi] = std::minmax_element(p.ne.begin(), p.ne.end());
  fmt::print("\nprofile (x = rho / L_st, L_st = {:.4f} km, B_st = {:.4f} nT, n_e = {:.6f} cm^-3)\n",
             p.scales.L_st / KM_TO_SI, p.scales.B_st / NT_TO_SI, p.n_e / CM3_TO_SI);
  const size_t i1 = std::min(n - 1, static_cast<size_t>(std::lround(1.0 / (p.x[1] - p.x[0]))));
  fmt::print("  B_z on the axis     {:12.6f} nT\n", p.Bz[0] / NT_TO_SI);
  fmt::print("  B_z at x = {:<8g} {:12.6f} nT\n", p.x[i1], p.Bz[i1] / NT_TO_SI);
  fmt::print("  B_z at the edge     {:12.6f} nT   (x = {:g})\n", p.Bz[n - 1] / NT_TO_SI,
             p.x[n - 1]);
  fmt::print("  min B_phi           {:12.6f} nT   (x = {:.3f})\n", p.Bphi[mn] / NT_TO_SI, p.x[mn]);
  fmt::print("  n_e range           {:12.6f} .. {:.6f} cm^-3\n", *ne_lo / CM3_TO_SI,
             *ne_hi / CM3_TO_SI);
  fmt::print("  n_e at the edge     {:12.6f} cm^-3\n", p.ne[n - 1] / CM3_TO_SI);
  fmt::print("  T_zz on the axis    {:12.6f} eV\n", p.T_zz[0] / EV_TO_SI);
}

// The equilibrium part of every run command: solve with a pass table, summary, validity scan.
Equilibrium solve_and_report(const char* command, const RunConfig& cfg, Backend& backend) {
  fmt::print("fluxrope {} {}: {} form, backend {}\n", VERSION, command, cfg.model_form,
             backend.name());
  fmt::print("{:>5} {:>16} {:>14} {:>10}\n", "pass", "max|dB| [nT]", "n_e [cm^-3]", "time [s]");
  Equilibrium eq = solve_job(cfg, backend, [](const PassRecord& p) {
    fmt::print(
        "{:>5} {:>16} {:>14.9f} {:>10.4f}\n", p.pass,
        std::isnan(p.max_dB_nT) ? std::string("(closed form)") : fmt::format("{:.3e}", p.max_dB_nT),
        p.n_e / CM3_TO_SI, p.seconds);
    std::fflush(stdout);
  });
  const SolveResult& r = eq.result;
  if (cfg.solver.passes == 0) {
    if (r.converged)
      fmt::print("converged: max|dB| < {:g} nT after {} passes\n", cfg.solver.tol_nT,
                 r.history.size() - 1);
    else
      fmt::print(stderr, "warning: not converged to {:g} nT within solver.max_passes = {}\n",
                 cfg.solver.tol_nT, cfg.solver.max_passes);
  } else {
    fmt::print("stopped after {} passes as asked (converged to {:g} nT: {})\n", cfg.solver.passes,
               cfg.solver.tol_nT, r.converged ? "yes" : "no");
  }
  print_summary(r);
  const NegativityReport& neg = eq.negativity;
  if (neg.n_negative == 0) {
    fmt::print("  f_e >= 0 on the validity scan ({} points, {:g} eV .. {:g} keV)\n", neg.n_scanned,
               neg.e_min_J / EV_TO_SI, neg.e_max_J / EV_TO_SI / 1e3);
  } else {
    fmt::print(
        stderr,
        "warning: f_e < 0 at {} of {} scanned points (docs/model.md §8); minimum {:.3e} s^3/cm^6 "
        "({:.1e} of the largest f on the scan) at rho = {:.3f} km, E = {:.1f} eV, direction "
        "(rho, phi, z) = ({:.2f}, {:.2f}, {:.2f})\n",
        neg.n_negative, neg.n_scanned, neg.f_min * 1e-12, -neg.f_min / neg.f_max,
        neg.rho_at_min / KM_TO_SI, neg.energy_at_min / EV_TO_SI, neg.dir_at_min.x, neg.dir_at_min.y,
        neg.dir_at_min.z);
  }
  return eq;
}

void write_equilibrium(H5File& f, const RunConfig& cfg, const Equilibrium& eq,
                       const Backend& backend) {
  write_root_attributes(f, cfg);
  write_profile(f, eq.result.profile);
  write_solver_history(f, eq.result, cfg.solver, backend.name());
  write_validity(f, eq.negativity);
}

std::unique_ptr<Backend> backend_for(const CommonOptions& o) {
  std::string note;
  auto backend = make_backend(o.backend, &note);
  if (!note.empty()) fmt::print("{}\n", note);
  return backend;
}

int cmd_solve(CommonOptions& o) {
  const RunConfig cfg = resolve(o);
  AtomicOutput out(o.output);  // fails now, before any work, if the file cannot be written
  auto backend = backend_for(o);
  const Equilibrium eq = solve_and_report("solve", cfg, *backend);
  {
    H5File f(out.temp_path(), H5File::Mode::Create, out.target());
    write_equilibrium(f, cfg, eq, *backend);
  }
  out.commit();
  fmt::print("\nwrote {}\n", o.output);
  return 0;
}

// The backend's time stage by stage (docs/performance.md): the other stages against the skymap
// kernel are the least the synthesis can cost beyond it on this backend, before any writing.
void print_stages(const char* species, const BatchStageTimes& st) {
  fmt::print(
      "  backend stages, {}: skymaps {:.2f} s, dense PADs {:.2f} s, counts {:.2f} s, reductions "
      "{:.2f} s, copies {:.2f} s ({:.2f}x the skymap kernel)\n",
      species, st.skymaps_s, st.dense_pads_s, st.counts_s, st.reductions_s, st.copies_s,
      st.skymaps_s > 0 ? st.total_s() / st.skymaps_s : 0.0);
}

int cmd_synth(CommonOptions& o) {
  using clock = std::chrono::steady_clock;
  const RunConfig cfg = resolve(o);
  AtomicOutput out(o.output);
  const EventGeometry geo = event_geometry(cfg);
  check_synth_resources(cfg, geo, false, static_cast<double>(free_bytes_at(out.resolved())));
  auto backend = backend_for(o);
  const Equilibrium eq = solve_and_report("synth", cfg, *backend);
  for (const std::string& note : geo.notes) fmt::print(stderr, "{}\n", note);
  const GeometrySettings& g = cfg.geometry;
  const std::vector<Track>& tracks = geo.tracks;
  const size_t per_track = tracks.empty() ? 0 : tracks[0].time_s.size();
  const ResponseSettings& rs = cfg.instrument.response;
  fmt::print("\nsynthesizing {} spacecraft x {} samples (FPI burst grid, {} bins a sample)\n",
             tracks.size(), per_track, FPI_N_BINS);
  if (rs.kind == ResponseKind::Integrated) {
    const ResponseTables rt = make_response_tables(rs, g.cadence_s);
    fmt::print("  response integrated: {} nodes a bin (energy {} x angle {} x time {}), sweep {}\n",
               rt.n_en * rt.n_ang * rt.n_time, rt.n_en, rt.n_ang, rt.n_time,
               sweep_name(rs.sweep));
  } else {
    fmt::print("  response centre: f at each bin centre at the sample's time tag\n");
  }
  fmt::print("  counts: G dt {}, noise {}\n",
             cfg.instrument.counts.g_dt_table.empty()
                 ? fmt::format("{:g} cm^2 sr s", cfg.instrument.counts.g_dt_cm2_sr_s)
                 : std::string("from one_count_s3_cm6"),
             cfg.instrument.counts.noise
                 ? fmt::format("on (seed {})", cfg.instrument.counts.seed)
                 : std::string("off"));
  if (!geo.dis_tracks.empty())
    fmt::print("  DIS: {} samples a spacecraft every {:g} s, G dt {}\n",
               geo.dis_tracks[0].time_s.size(), cfg.dis.cadence_s,
               cfg.dis.instrument.counts.g_dt_table.empty()
                   ? fmt::format("{:g} cm^2 sr s", cfg.dis.instrument.counts.g_dt_cm2_sr_s)
                   : std::string("from one_count_s3_cm6"));
  const bool tty = isatty(fileno(stdout));
  const auto t_start = clock::now();
  SynthResult res, dis_res;
  {
    H5File f(out.temp_path(), H5File::Mode::Create, out.target());
    if (cfg.output.release_page_cache) f.release_written_pages();
    write_equilibrium(f, cfg, eq, *backend);
    write_frame(f, geo.frame);
    TrackWriter writer(f, cfg.output);
    size_t last_percent = 0;
    auto progress = [&](const char* what) {
      last_percent = 0;
      return [&, what](size_t done, size_t total) {
        const size_t percent = 100 * done / std::max<size_t>(total, 1);
        const double secs = std::chrono::duration<double>(clock::now() - t_start).count();
        if (tty) {
          fmt::print("\r  {} {} / {} samples ({}%), {:.1f} s", what, done, total, percent, secs);
          if (done == total) fmt::print("\n");
        } else if (percent >= last_percent + 10 || done == total) {
          fmt::print("  {} {} / {} samples ({}%), {:.1f} s\n", what, done, total, percent, secs);
          last_percent = percent;
        }
        std::fflush(stdout);
      };
    };
    res = synth_job(cfg, *backend, eq, geo, writer, progress("DES"));
    if (!geo.dis_tracks.empty()) {
      TrackWriter dis_writer(f, cfg.output, "/dis");
      dis_res = synth_job(cfg, *backend, eq, geo, dis_writer, progress("DIS"), SpeciesKind::Ion);
    }
  }
  for (size_t k = 0; k < tracks.size(); ++k) {
    const TrackSummary& ts = res.tracks[k];
    fmt::print("  {:<6} rho {:.1f} .. {:.1f} km, min f {:.2e} s^3/cm^6, {} negative bins\n",
               tracks[k].name, ts.rho_min_m / KM_TO_SI, ts.rho_max_m / KM_TO_SI, ts.f_min_s3_cm6,
               ts.n_negative_bins);
    if (ts.n_beyond_edge > 0)
      fmt::print(
          "  note: {} samples of {} lie beyond the solved domain (rho > {:g} L_st): the field "
          "there is the current-free continuation of docs/model.md §5\n",
          ts.n_beyond_edge, tracks[k].name, cfg.solver.x_max);
  }
  const SynthTiming& tm = res.timing;
  fmt::print(
      "  time: backend {:.2f} s, preparation {:.2f} s, host {:.2f} s, writing {:.2f} s (behind "
      "the kernels; waited for {:.2f} s), wall {:.2f} s\n",
      tm.kernel_s, tm.prepare_s, tm.host_s, tm.sink_s, tm.wait_s,
      std::chrono::duration<double>(clock::now() - t_start).count());
  print_stages("DES", tm.stages);
  if (!geo.dis_tracks.empty()) {
    fmt::print("  DIS (/dis; the times above are DES's, the wall both): backend {:.2f} s, "
               "preparation {:.2f} s, host {:.2f} s, writing {:.2f} s\n",
               dis_res.timing.kernel_s, dis_res.timing.prepare_s, dis_res.timing.host_s,
               dis_res.timing.sink_s);
    print_stages("DIS", dis_res.timing.stages);
  }
  out.commit();
  fmt::print("\nwrote {}\n", o.output);
  return 0;
}

int cmd_particles(CommonOptions& o) {
  const RunConfig cfg = resolve(o);
  AtomicOutput out(o.output);
  check_particle_resources(cfg, static_cast<double>(free_bytes_at(out.resolved())));
  auto backend = backend_for(o);
  const Equilibrium eq = solve_and_report("particles", cfg, *backend);
  const ParticleSettings& p = cfg.particles;
  const ParticleBox box = particle_box(p);
  fmt::print("\nsampling {} in a {}-D box x [{}, {}] km, y [{}, {}] km{}: {} x {}{} cells, {} "
             "particles a cell, {} loading, seed {}\n",
             fmt::join(p.species, " and "), p.dims, p.x_range_km[0], p.x_range_km[1],
             p.y_range_km[0], p.y_range_km[1],
             p.dims == 3 ? fmt::format(", z [0, {}] km (periodic)", p.z_length_km) : "", box.nx,
             box.ny, p.dims == 3 ? fmt::format(" x {}", box.nz) : "", p.particles_per_cell,
             p.loading, p.seed);
  const ParticleJob job = particles_job(cfg, *backend, eq);
  for (size_t s = 0; s < job.species.size(); ++s) {
    const ParticleSet& set = job.species[s];
    const MomentCheck& c = job.checks[s];
    fmt::print("  {:<9} {} particles, {:.2f} velocity proposals each; binned moments chi^2/dof "
               "= {:.3f} ({} dof, 99% range {:.3f} .. {:.3f}; density {:.3f}, velocity {:.3f}){}\n",
               set.name, set.size(), set.mean_proposals, c.chi2() / c.dof(), c.dof(), c.lo99,
               c.hi99, c.chi2_density / std::max(c.dof_density, 1),
               c.chi2_velocity / std::max(c.dof_velocity, 1),
               c.passes() ? "" : "  OUTSIDE the range");
  }
  fmt::print("  sampled in {:.2f} s; fields {} on {} nodes\n", job.seconds_sampling, p.fields,
             job.grid.n_nodes[0] * job.grid.n_nodes[1] * job.grid.n_nodes[2]);
  {
    H5File f(out.temp_path(), H5File::Mode::Create, out.target());
    write_nodes(f, particles_layout(cfg, job));
  }
  out.commit();
  fmt::print("\nwrote {} (openPMD 1.1.0)\n", o.output);
  return 0;
}

int cmd_atlas(CommonOptions& o, const std::vector<double>& frame_velocity_km_s, int stride) {
  const RunConfig cfg = resolve(o);
  if (frame_velocity_km_s.size() != 3)
    throw Error("--frame-velocity needs three components vx,vy,vz [km/s] in the rope frame");
  const double speed = std::sqrt(frame_velocity_km_s[0] * frame_velocity_km_s[0] +
                                 frame_velocity_km_s[1] * frame_velocity_km_s[1] +
                                 frame_velocity_km_s[2] * frame_velocity_km_s[2]);
  if (!(speed <= GEOMETRY_MAX_SPEED_KM_S))
    throw Error(fmt::format("--frame-velocity {},{},{} km/s: the speed must be finite and at most "
                            "{:g} km/s",
                            frame_velocity_km_s[0], frame_velocity_km_s[1], frame_velocity_km_s[2],
                            GEOMETRY_MAX_SPEED_KM_S));
  if (stride < 1 || stride > cfg.solver.n_rho)
    throw Error(fmt::format("--stride {} must be in [1, solver.n_rho = {}]", stride,
                            cfg.solver.n_rho));
  check_atlas_resources(cfg, static_cast<size_t>((cfg.solver.n_rho - 1) / stride + 1));
  AtomicOutput out(o.output);
  auto backend = backend_for(o);
  const Equilibrium eq = solve_and_report("atlas", cfg, *backend);
  const RadialProfile& p = eq.result.profile;
  std::vector<Vec3> r;
  std::vector<double> rho_km;
  for (size_t j = 0; j < p.size(); j += static_cast<size_t>(stride)) {
    r.push_back({p.rho[j], 0.0, 0.0});
    rho_km.push_back(p.rho[j] / KM_TO_SI);
  }
  const Vec3 U{frame_velocity_km_s[0] * KM_S_TO_SI, frame_velocity_km_s[1] * KM_S_TO_SI,
               frame_velocity_km_s[2] * KM_S_TO_SI};
  const InstrumentSettings& is = cfg.instrument;
  fmt::print(
      "\natlas: {} radii x {} energies x {} pitch angles ({} gyrophases), frame velocity ({}, {}, "
      "{}) km/s\n",
      r.size(), is.dense_pad_energy_eV.size(), is.dense_pad_pitch, is.dense_pad_gyrophase,
      frame_velocity_km_s[0], frame_velocity_km_s[1], frame_velocity_km_s[2]);
  const std::vector<double> F = synth_gyro_pads(*backend, eq.tables, r, U, is);
  {
    H5File f(out.temp_path(), H5File::Mode::Create, out.target());
    write_equilibrium(f, cfg, eq, *backend);
    write_atlas(f, rho_km, is, F, frame_velocity_km_s);
  }
  out.commit();
  fmt::print("\nwrote {}\n", o.output);
  return 0;
}

// --csv NAME=FILE options: every NAME a spacecraft of [geometry], each once, a file for each
// spacecraft; returns the FILE of every spacecraft in [geometry] order.
std::vector<std::string> csv_files(const std::vector<std::string>& csv, const RunConfig& cfg) {
  std::vector<std::string> files(cfg.geometry.spacecraft.size());
  std::string names;
  for (const SpacecraftSpec& sc : cfg.geometry.spacecraft)
    names += (names.empty() ? "" : ", ") + sc.name;
  for (const std::string& c : csv) {
    const auto eq = c.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == c.size())
      throw Error(fmt::format("--csv '{}': expected NAME=FILE, e.g. --csv MMS1=mms1_b.csv", c));
    const std::string name = c.substr(0, eq);
    size_t k = 0;
    while (k < files.size() && cfg.geometry.spacecraft[k].name != name) ++k;
    if (k == files.size())
      throw Error(fmt::format("--csv {}: {} is not a spacecraft of [geometry] ({})", c, name,
                              names));
    if (!files[k].empty()) throw Error(fmt::format("--csv {}=... is given twice", name));
    files[k] = c.substr(eq + 1);
  }
  for (size_t k = 0; k < files.size(); ++k)
    if (files[k].empty())
      throw Error(fmt::format("no --csv {}=FILE given for spacecraft {} of [geometry]",
                              cfg.geometry.spacecraft[k].name, cfg.geometry.spacecraft[k].name));
  return files;
}

struct FitOptions {
  std::string input;             // fluxrope HDF5 file with /tracks
  std::vector<std::string> csv;  // NAME=FILE
  std::vector<double> levels;    // nT
};

int cmd_fit_center(CommonOptions& o, const FitOptions& fo) {
  if (fo.input.empty() == fo.csv.empty())
    throw Error(
        "fit-center needs either --input FILE.h5 (a synth output) or --csv NAME=FILE for every "
        "spacecraft");
  if (!fo.input.empty()) {
    H5File in(fo.input, H5File::Mode::Read);
    o.src.text = in.read_string_attr("/", "config_toml");
    o.src.text_name = fmt::format("the config_toml of '{}'", fo.input);
  }
  const RunConfig cfg = resolve(o);
  AtomicOutput out(o.output);
  std::vector<BSeries> series;
  if (!fo.input.empty()) {
    H5File in(fo.input, H5File::Mode::Read);
    for (const SpacecraftSpec& spec : cfg.geometry.spacecraft)
      series.push_back(read_track_bseries(in, spec.name));
  } else {
    const std::vector<std::string> files = csv_files(fo.csv, cfg);
    for (size_t k = 0; k < files.size(); ++k) {
      BSeries s;
      s.name = cfg.geometry.spacecraft[k].name;
      read_b_csv(files[k], s.t_s, s.Bmag_nT);
      series.push_back(std::move(s));
    }
  }
  const CenterFitJob job = center_fit_job(cfg, series, fo.levels);
  const CenterFitResult& r = job.result;
  const CenterFitSettings& fs = job.settings;
  const std::vector<CenterFitSpacecraft>& sc = job.spacecraft;
  const CenterFitPlane& plane = job.plane;
  fmt::print("fluxrope {} fit-center: {} spacecraft, {} levels, {} crossings\n", VERSION, sc.size(),
             fs.levels_nT.size(), r.crossings.size());
  for (const std::string& why : r.skipped) fmt::print("  skipped: {}\n", why);
  fmt::print("  centre (L, N)   = ({:.3f}, {:.3f}) km relative to the reference point at t = 0\n",
             plane.user_L_km, plane.user_N_km);
  fmt::print("  L (eq. 5)       = {:.4g} km^2, sqrt(L) = {:.3g} km\n", r.loss_km2,
             std::sqrt(r.loss_km2));
  for (size_t i = 0; i < fs.levels_nT.size(); ++i)
    if (!std::isnan(r.radius_km[i]))
      fmt::print("  {:6.2f} nT: mean radius {:.2f} km\n", fs.levels_nT[i], r.radius_km[i]);
  {
    H5File f(out.temp_path(), H5File::Mode::Create, out.target());
    write_root_attributes(f, cfg);
    write_center_fit(f, r, fs, sc, plane);
  }
  out.commit();
  fmt::print("\nwrote {}\n", o.output);
  return 0;
}

struct ModelFitOptions {
  std::string input;                 // fluxrope synth output: observations
  std::vector<std::string> csv;      // NAME=FILE
  std::vector<std::string> moments = {"MMS1"};  // spacecraft whose n_e, T_par, T_perp are used
  std::vector<double> pad_energies;  // eV: gyro-averaged PAD values at these energies (--input)
  std::vector<int> pad_channels;     // instrument PAD cells at these channels (--input)
  bool model_moments = false;        // --input: the model's true moments instead of moments_fpi
  int csv_fpi_parity = -1;           // >= 0: the CSV moments are FPI moments, first row's parity
  std::string backend = "auto";      // where the forward model's skymaps are synthesized
  long noise_seed = 0;               // with noise_seed_given: Gaussian noise with the [fit] sigmas
  bool noise_seed_given = false;
  std::string toml;                  // best-fit configuration file
  bool strict = false;
};

int cmd_fit(CommonOptions& o, const ModelFitOptions& fo) {
  if (fo.input.empty() == fo.csv.empty())
    throw Error("fit needs either --input FILE.h5 (a synth output) or --csv NAME=FILE for every "
                "spacecraft");
  const RunConfig cfg = resolve(o);
  for (const std::string& m : fo.moments) {
    bool known = false;
    for (const SpacecraftSpec& sc : cfg.geometry.spacecraft) known = known || sc.name == m;
    if (!known)
      throw Error(fmt::format("--moments {}: not a spacecraft of [geometry]", m));
  }
  for (double e : fo.pad_energies)
    if (!(e >= 1e-2 && e <= 1e6))
      throw Error(fmt::format("--pad-energies {}: energies must be in [0.01, 1e6] eV", e));
  if (!fo.pad_energies.empty() && fo.input.empty())
    throw Error("--pad-energies needs --input (a synth output with the dense PADs)");
  for (int c : fo.pad_channels)
    if (c < 0 || c >= FPI_N_ENERGY)
      throw Error(fmt::format("--pad-channels {}: channels are 0-31 (of each sample's table)", c));
  if (!fo.pad_channels.empty() && fo.input.empty())
    throw Error("--pad-channels needs --input (a synth output with the skymaps)");
  if (fo.model_moments && fo.input.empty())
    throw Error("--model-moments needs --input (a synth output)");
  if (fo.csv_fpi_parity != -1 && (fo.csv.empty() || (fo.csv_fpi_parity != 0 && fo.csv_fpi_parity != 1)))
    throw Error(fmt::format("--csv-fpi-parity {}: 0 or 1 (the first row's energy table), with --csv",
                            fo.csv_fpi_parity));
  if (fo.noise_seed_given && fo.noise_seed < 0)
    throw Error(fmt::format("--noise-seed {} must be >= 0", fo.noise_seed));
  AtomicOutput out(o.output);
  const std::string toml_path =
      !fo.toml.empty() ? fo.toml
                       : (o.output.size() > 3 && o.output.substr(o.output.size() - 3) == ".h5"
                              ? o.output.substr(0, o.output.size() - 3)
                              : o.output) +
                             "_best.toml";
  AtomicOutput toml_out(toml_path, "best-fit configuration");
  std::vector<FitObservations> obs;
  const auto with_moments = [&](const std::string& name) {
    return std::find(fo.moments.begin(), fo.moments.end(), name) != fo.moments.end();
  };
  if (!fo.input.empty()) {
    H5File in(fo.input, H5File::Mode::Read);
    for (const SpacecraftSpec& spec : cfg.geometry.spacecraft)
      obs.push_back(read_track_observations(in, spec.name, with_moments(spec.name),
                                            fo.pad_energies, !fo.model_moments,
                                            with_moments(spec.name) ? fo.pad_channels
                                                                    : std::vector<int>{},
                                            &cfg.instrument));
  } else {
    const std::vector<std::string> files = csv_files(fo.csv, cfg);
    for (size_t k = 0; k < files.size(); ++k) {
      FitObservations ob;
      ob.name = cfg.geometry.spacecraft[k].name;
      const bool m = with_moments(ob.name);
      read_fit_csv(files[k], ob.t_s, ob.B_gse_nT, m ? &ob.ne_cm3 : nullptr,
                   m ? &ob.T_par_eV : nullptr, m ? &ob.T_perp_eV : nullptr);
      if (m && fo.csv_fpi_parity >= 0) {
        // the rows are FPI burst records: their energy tables alternate from the first row's
        ob.fpi_moments = true;
        for (size_t r = 0; r < ob.t_s.size(); ++r)
          ob.parity.push_back(static_cast<int>((static_cast<size_t>(fo.csv_fpi_parity) + r) % 2));
      }
      obs.push_back(std::move(ob));
    }
  }
  if (fo.noise_seed_given) add_fit_noise(obs, cfg.fit, static_cast<uint64_t>(fo.noise_seed));
  fmt::print("fluxrope {} fit: {} free parameters ({}), {} spacecraft\n", VERSION,
             cfg.fit.free.size(), fmt::join(cfg.fit.free, ", "), obs.size());
  for (const FitObservations& ob : obs)
    if (!ob.ne_cm3.empty() || !ob.ipad_s3_cm6.empty())
      fmt::print("  {}: moments {} ({}){}\n", ob.name,
                 cfg.fit.moments == "model" || (cfg.fit.moments == "auto" && !ob.fpi_moments)
                     ? "against the model's moments"
                     : "against the ground-system moments of synthesized skymaps",
                 ob.fpi_moments ? "observed: FPI moments" : "observed: model moments",
                 ob.ipad_s3_cm6.empty() ? "" : ", instrument PAD cells");
  const FitResult r = fit_job(
      cfg, obs,
      [](int it, double chi2) {
        fmt::print("  Jacobian {:>3}: chi^2 = {:.6g}\n", it, chi2);
        std::fflush(stdout);
      },
      fo.backend);
  fmt::print("\n{} ({} iterations, {} equilibrium solves, {} forward-model evaluations, {:.1f} s)\n",
             r.stop_reason, r.iterations, r.solves, r.evaluations, r.seconds);
  fmt::print("  {:<14} {:>14} {:>12} {:>14}\n", "parameter", "best fit", "1 sigma", "start");
  for (size_t i = 0; i < r.names.size(); ++i)
    fmt::print("  {:<14} {:>14.6g} {:>12.3g} {:>14.6g}{}\n", r.names[i], r.value[i], r.sigma[i],
               r.start[i], r.at_bound[i] ? "   (at bound)" : "");
  fmt::print("  sigmas from the covariance (J^T J)^-1 scaled by chi^2/dof = {:.4g} / {} = {:.4g}\n",
             r.chi2, r.dof, r.chi2 / static_cast<double>(r.dof));
  for (size_t k = 0; k < r.chi2_labels.size(); ++k)
    fmt::print("  chi^2/N {:<22} {:8.3f}  (N = {}, p = {:.2g})\n", r.chi2_labels[k],
               r.chi2_per_dof[k], r.n_per_label[k], r.p_value[k]);
  for (const std::string& w : r.warnings) fmt::print(stderr, "warning: {}\n", w);
  if (r.negativity.n_negative > 0)
    fmt::print(stderr,
               "warning: at the best fit f_e < 0 at {} of {} scanned points (docs/model.md §8), "
               "minimum {:.3e} s^3/cm^6\n",
               r.negativity.n_negative, r.negativity.n_scanned, r.negativity.f_min * 1e-12);
  {
    H5File f(out.temp_path(), H5File::Mode::Create, out.target());
    write_root_attributes(f, r.best);
    write_fit(f, r, obs);
    write_validity(f, r.negativity);
  }
  {
    std::FILE* fp = std::fopen(toml_out.temp_path().c_str(), "w");
    if (!fp) throw Error(fmt::format("cannot write '{}'", toml_path));
    const std::string text = render_toml(r.best);
    const bool ok = std::fwrite(text.data(), 1, text.size(), fp) == text.size();
    if ((std::fclose(fp) != 0) || !ok)
      throw Error(fmt::format("cannot write '{}' (disk full?)", toml_path));
  }
  out.commit();
  toml_out.commit();
  fmt::print("\nwrote {} and the best-fit configuration {} (fluxrope synth --config {})\n",
             o.output, toml_path, toml_path);
  bool bad = !r.converged || !r.poor.empty();
  for (bool b : r.at_bound) bad = bad || b;
  if (fo.strict && bad) {
    fmt::print(stderr,
               "fluxrope: error: the fit did not converge, ends at a bound or does not describe the "
               "observations (chi^2/N above fit.warn_chi2_per_n) (--strict)\n");
    return 3;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{fmt::format(
      "fluxrope {}: kinetic flux-rope equilibria (Vinogradov et al. 2016, Yang et al. 2022)",
      VERSION)};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(VERSION));

  auto* presets_cmd = app.add_subcommand("presets", "list the built-in parameter sets");
  CommonOptions show_opts;
  std::string show_form;
  auto* show_cmd =
      app.add_subcommand("show-config", "print a complete TOML configuration to start from");
  add_config_options(show_cmd, show_opts);
  show_cmd->add_option("--form", show_form, "print [model] in this form: normalized | physical")
      ->check(CLI::IsMember({"normalized", "physical"}));
  CommonOptions solve_opts;
  auto* solve_cmd =
      app.add_subcommand("solve", "solve the self-consistent equilibrium and write HDF5");
  add_run_options(solve_cmd, solve_opts, "fluxrope_solve.h5");
  CommonOptions synth_opts;
  auto* synth_cmd = app.add_subcommand(
      "synth",
      "solve, then synthesize FPI DES and DIS skymaps, DEF, PADs and moments along every spacecraft track ([geometry])");
  add_run_options(synth_cmd, synth_opts, "fluxrope_synth.h5");
  CommonOptions particles_opts;
  auto* particles_cmd = app.add_subcommand(
      "particles",
      "solve, then sample electrons and ions of the equilibrium and its fields on a grid for a "
      "PIC code ([particles]; openPMD)");
  add_run_options(particles_cmd, particles_opts, "fluxrope_particles.h5");
  CommonOptions atlas_opts;
  std::vector<double> frame_velocity = {0.0, 0.0, 0.0};
  int stride = 5;
  auto* atlas_cmd = app.add_subcommand("atlas",
                                       "solve, then tabulate the gyro-averaged f(rho, E, alpha) "
                                       "over the rope ([instrument] dense PAD grid)");
  add_run_options(atlas_cmd, atlas_opts, "fluxrope_atlas.h5");
  atlas_cmd
      ->add_option("--frame-velocity", frame_velocity,
                   "velocity of the observer's frame in the rope frame, vx,vy,vz [km/s] (default "
                   "0: rope frame)")
      ->delimiter(',')
      ->expected(3);
  atlas_cmd->add_option("--stride", stride, "every stride-th radius of the profile grid")
      ->capture_default_str();
  CommonOptions fit_opts;
  FitOptions fit;
  auto* fit_cmd = app.add_subcommand(
      "fit-center",
      "find the rope centre from four-spacecraft |B| series (Yang et al. 2022, eq. 5)");
  add_config_options(fit_cmd, fit_opts);
  fit_opts.output = "fluxrope_center.h5";
  fit_cmd->add_option("-o,--output", fit_opts.output, "output HDF5 file")->capture_default_str();
  fit_cmd->add_option("--input", fit.input, "a fluxrope synth output (its [geometry] is used)");
  fit_cmd->add_option("--csv", fit.csv,
                      "NAME=FILE: time_s,Bx,By,Bz (GSE, nT) per spacecraft of [geometry]");
  fit_cmd
      ->add_option("--levels", fit.levels,
                   "contour levels [nT], comma-separated (default 16..20, 11 values)")
      ->delimiter(',');

  CommonOptions mfit_opts;
  ModelFitOptions mfit;
  auto* mfit_cmd = app.add_subcommand(
      "fit", "fit [fit] free model parameters and the axis position to four-spacecraft data");
  add_config_options(mfit_cmd, mfit_opts);
  mfit_opts.output = "fluxrope_fit.h5";
  mfit_cmd->add_option("-o,--output", mfit_opts.output, "output HDF5 file")->capture_default_str();
  mfit_cmd->add_option("--input", mfit.input,
                       "observations from a fluxrope synth output (its tracks' B, the FPI moments moments_fpi)");
  mfit_cmd->add_option("--csv", mfit.csv,
                       "NAME=FILE: time_s,Bx,By,Bz[,ne_cm3,T_par_eV,T_perp_eV] per spacecraft");
  mfit_cmd->add_option("--moments", mfit.moments,
                       "spacecraft whose n_e, T_par, T_perp enter the fit (default MMS1)")
      ->delimiter(',');
  mfit_cmd
      ->add_option("--pad-energies", mfit.pad_energies,
                   "with --input: also fit the gyro-averaged PAD at these energies [eV] (the "
                   "--moments spacecraft)")
      ->delimiter(',');
  mfit_cmd
      ->add_option("--pad-channels", mfit.pad_channels,
                   "with --input: also fit the instrument-style PAD cells of these channels (0-31 "
                   "of each sample's own table; the --moments spacecraft)")
      ->delimiter(',');
  mfit_cmd->add_flag("--model-moments", mfit.model_moments,
                     "with --input: observe the model's true moments (ne_cm3, ...) instead of the "
                     "ground system's moments_fpi");
  mfit_cmd->add_option("--csv-fpi-parity", mfit.csv_fpi_parity,
                       "the CSV moments are FPI burst moments (compared with the instrument forward "
                       "model) whose first row has this energy table, 0 or 1, then alternating");
  mfit_cmd->add_option("--backend", mfit.backend,
                       "where the forward model's skymaps are synthesized: cpu, cuda, thrust-host, "
                       "auto")
      ->capture_default_str();
  auto* noise_seed_opt = mfit_cmd->add_option(
      "--noise-seed", mfit.noise_seed,
      "add Gaussian noise with the [fit] sigmas to the observations (round trips)");
  mfit_cmd->add_option("--toml", mfit.toml, "best-fit configuration (default OUTPUT_best.toml)");
  mfit_cmd->add_flag("--strict", mfit.strict,
                     "exit non-zero when the fit does not converge, ends at a bound or has a "
                     "chi^2/N above fit.warn_chi2_per_n");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // one line, exit 1, as every other error
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    fmt::print(stderr, "fluxrope: error: {} (see fluxrope --help)\n", what);
    return 1;
  }
  mfit.noise_seed_given = noise_seed_opt->count() > 0;

  try {
    if (*presets_cmd) {
      for (const auto& p : presets())
        fmt::print("{:<16} {}{}\n", p.name, p.description,
                   p.name == DEFAULT_PRESET ? " [default]" : "");
      return 0;
    }
    if (*show_cmd) {
      RunConfig cfg = resolve(show_opts);
      if (!show_form.empty()) set_model_form(cfg, show_form);
      fmt::print("{}", render_toml(cfg));
      return 0;
    }
    if (*solve_cmd) return cmd_solve(solve_opts);
    if (*synth_cmd) return cmd_synth(synth_opts);
    if (*particles_cmd) return cmd_particles(particles_opts);
    if (*atlas_cmd) return cmd_atlas(atlas_opts, frame_velocity, stride);
    if (*fit_cmd) return cmd_fit_center(fit_opts, fit);
    if (*mfit_cmd) return cmd_fit(mfit_opts, mfit);
  } catch (const Error& e) {
    fmt::print(stderr, "fluxrope: error: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "fluxrope: internal error: {}\n", e.what());
    return 2;
  }
  return 0;
}
