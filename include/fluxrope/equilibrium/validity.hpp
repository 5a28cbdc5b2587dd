#pragma once
// docs/model.md §8: f_e is a sum with a negative population and can be negative in
// parts of phase space. After a solve, f_e is scanned over radius x energy x direction
// in the rope frame and the minimum and the negative points are reported, never hidden.
#include <cstdint>

#include "fluxrope/core/vec3.hpp"
#include "fluxrope/equilibrium/solver.hpp"

namespace fluxrope {

struct NegativityReport {
  double f_min = 0.0;          // minimum of f_e over the scan [s^3/m^6]
  double f_max = 0.0;          // maximum, for scale
  double rho_at_min = 0.0;     // [m]
  double energy_at_min = 0.0;  // [J]
  Vec3 dir_at_min;             // velocity direction in the local (rho, phi, z) basis
  int64_t n_negative = 0;      // scanned points with f_e < 0
  int64_t n_scanned = 0;
  double e_min_J = 0.0, e_max_J = 0.0;  // scanned energy range
};

// Scan: every 8th radius of the profile grid, 48 energies log-spaced over [1 eV, 30 keV]
// (the FPI range), 26 directions (the 3x3x3 cube's face, edge and corner directions).
NegativityReport scan_negative_f(const ProfileTables& t, const RadialProfile& p);

}  // namespace fluxrope
