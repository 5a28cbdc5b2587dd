#pragma once
// f_e at arbitrary phase-space points (the Python API's evaluation, docs/architecture.md): item i is
// f(r_i, v_i + U) in s^3/cm^6, r in the rope frame, v measured in a frame moving with U.
#include "fluxrope/core/hd.hpp"
#include "fluxrope/core/vec3.hpp"
#include "fluxrope/model/profile_view.hpp"

namespace fluxrope {

struct PointProblem {
  ProfileView profile;
  const Vec3* r = nullptr;  // [m], rope frame
  const Vec3* v = nullptr;  // [m/s], in the moving frame
  Vec3 U;                   // velocity of that frame in the rope frame [m/s]
  long n = 0;
  FLUXROPE_HD long n_items() const { return n; }
};

FLUXROPE_HD inline double point_item(const PointProblem& p, long i) {
  return 1e-12 * electron_f_spacecraft(p.profile, p.r[i], p.v[i], p.U);  // docs/model.md §9
}

}  // namespace fluxrope
