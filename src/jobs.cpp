#include "fluxrope/jobs.hpp"

#include <fmt/format.h>

#include <cmath>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"

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
  return e;
}

SynthResult synth_job(const RunConfig& cfg, Backend& backend, const Equilibrium& eq,
                      const EventGeometry& geo, ProductSink& sink, const SynthProgress& progress) {
  return synthesize_event(backend, eq.tables, eq.result.profile, geo.frame, cfg.instrument,
                          cfg.geometry.cadence_s, geo.tracks,
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
    CenterFitSpacecraft s;
    s.name = spec.name;
    s.L0_km = dot(spec.position_gse_km, e_L);
    s.N0_km = dot(spec.position_gse_km, e_N);
    s.t_s = b->t_s;
    s.Bmag_nT = b->Bmag_nT;
    job.spacecraft.push_back(std::move(s));
  }
  if (!levels_nT.empty()) job.settings.levels_nT = levels_nT;
  job.settings.vL_km_s = -dot(g.rope_velocity_gse_km_s, e_L);  // the spacecraft move with -V_rope
  job.settings.vN_km_s = -dot(g.rope_velocity_gse_km_s, e_N);
  job.result = fit_center(job.spacecraft, job.settings);
  // the centre back in the user's own L, N (a point of the axis, projected)
  const Vec3 C = job.result.L_km * e_L + job.result.N_km * e_N;
  job.plane = CenterFitPlane{e_L, e_N, dot(C, frame.L), dot(C, frame.N)};
  return job;
}

}  // namespace fluxrope
