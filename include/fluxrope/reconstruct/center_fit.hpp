#pragma once
// Flux-rope centre from four-spacecraft |B| time series (Yang et al. 2022, eq. 5; issue 4):
// in the rope's rest frame the |B| contours are concentric circles in the LN plane and every
// spacecraft moves on a straight line, so the centre minimizes
//   L = (1/N) sum_i var_j(d_ij),   d_ij = distance of crossing j of contour i from the centre.
#include <string>
#include <vector>

#include "fluxrope/core/vec3.hpp"

namespace fluxrope {

// Coordinates (L, N) are those of an orthonormal basis of the plane perpendicular to the rope
// axis (the CLI uses L and N orthonormalized against M and converts the centre back).
struct CenterFitSpacecraft {
  std::string name;
  std::vector<double> t_s;          // sample times
  std::vector<double> Bmag_nT;      // |B| at those times
  double L0_km = 0.0, N0_km = 0.0;  // LN-plane position at t = 0 (relative to the reference point)
};

struct CenterFitSettings {
  std::vector<double> levels_nT;        // contour levels; default 11 values from 16 to 20 nT
  double vL_km_s = 0.0, vN_km_s = 0.0;  // spacecraft velocity in the rope frame, LN components
  CenterFitSettings();
};

struct ContourCrossing {
  int spacecraft = 0;
  int level = 0;
  bool inward = true;  // |B| rising through the level
  double t_s = 0.0, L_km = 0.0, N_km = 0.0;
  double d_km = 0.0;  // distance from the fitted centre (the d_ij of eq. 5)
};

struct CenterFitResult {
  double L_km = 0.0, N_km = 0.0;  // fitted centre
  double loss_km2 = 0.0;          // L of eq. 5 at the centre
  std::vector<double> radius_km;  // per level: mean distance of its crossings (NaN if unused)
  std::vector<ContourCrossing> crossings;
  std::vector<std::string> skipped;  // "MMS2 at 19.6 nT: 1 crossing" etc.
  int iterations = 0;
};

// The plane a centre fit works in: unit vectors e_L, e_N (GSE) perpendicular to the rope axis,
// and the fitted centre in the user's own (not orthonormalized) L, N.
struct CenterFitPlane {
  Vec3 e_L, e_N;
  double user_L_km = 0.0, user_N_km = 0.0;
};

// Throws fluxrope::Error when fewer than two levels have crossings of at least two spacecraft.
CenterFitResult fit_center(const std::vector<CenterFitSpacecraft>& sc, const CenterFitSettings& s);

}  // namespace fluxrope
