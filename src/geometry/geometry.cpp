#include "fluxrope/geometry/geometry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"

namespace fluxrope {

namespace {
Vec3 unit(Vec3 v, const char* name) {
  const double n = std::sqrt(norm2(v));
  if (!(n > 0.0) || !std::isfinite(n))
    throw Error(fmt::format("geometry.{}_gse is a zero or non-finite vector", name));
  return (1.0 / n) * v;
}
double skew_deg(Vec3 a, Vec3 b) {
  return std::fabs(90.0 - std::acos(std::clamp(dot(a, b), -1.0, 1.0)) * 180.0 / constants::PI);
}
}  // namespace

RopeFrame make_rope_frame(Vec3 L, Vec3 M, Vec3 N) {
  RopeFrame f;
  f.L = unit(L, "L");
  f.M = unit(M, "M");
  f.N = unit(N, "N");
  const Vec3 z = f.M;  // the rope axis is kept exactly
  const Vec3 xr = f.N - dot(f.N, z) * z;
  if (norm2(xr) < 1e-12)
    throw Error("geometry: N_gse is parallel to M_gse, no rope frame can be built");
  const Vec3 x = (1.0 / std::sqrt(norm2(xr))) * xr;
  const Vec3 y = cross(z, x);
  f.gse_to_rope = Mat3{x, y, z};
  f.max_skew_deg = std::max({skew_deg(f.L, f.M), skew_deg(f.M, f.N), skew_deg(f.L, f.N)});
  f.left_handed = dot(cross(f.L, f.M), f.N) < 0.0;
  return f;
}

Track make_track(const GeometrySettings& g, const RopeFrame& f, const SpacecraftSpec& sc,
                 const std::vector<double>& times_s) {
  using constants::KM_TO_SI;
  const Vec3 C = (g.center_L_km * KM_TO_SI) * f.L + (g.center_N_km * KM_TO_SI) * f.N;
  Track t;
  t.name = sc.name;
  t.U_rope_m_s = f.gse_to_rope * ((-constants::KM_S_TO_SI) * g.rope_velocity_gse_km_s);
  const Vec3 r0 = f.gse_to_rope * (KM_TO_SI * sc.position_gse_km - C);
  for (size_t k = 0; k < times_s.size(); ++k) {
    t.time_s.push_back(times_s[k]);
    t.parity.push_back(static_cast<int>(k % 2));
    t.r_rope_m.push_back(r0 + times_s[k] * t.U_rope_m_s);
  }
  return t;
}

std::vector<Track> make_tracks(const GeometrySettings& g, const RopeFrame& f) {
  if (!(g.cadence_s > 0))
    throw Error(fmt::format("geometry.cadence_s = {} must be positive", g.cadence_s));
  if (!(g.duration_s > 0))
    throw Error(fmt::format("geometry.duration_s = {} must be positive", g.duration_s));
  const long n = static_cast<long>(std::floor(g.duration_s / g.cadence_s * (1 + 1e-12)));
  std::vector<double> times;
  for (long k = 0; k < n; ++k) times.push_back(g.t_start_s + k * g.cadence_s);
  std::vector<Track> tracks;
  for (const SpacecraftSpec& sc : g.spacecraft) tracks.push_back(make_track(g, f, sc, times));
  return tracks;
}

}  // namespace fluxrope
