#pragma once
// Moments of a skymap computed the way the FPI ground system computes them (issue 8 item 3,
// docs/instrument.md "Moments"; docs/instrument.md writes out every weight):
//   - phi: periodic trapezoid (each of the 32 sectors weighs 2 pi / 32);
//   - theta: trapezoid in theta of f sin(theta) over the 16 anodes padded with f = 0 at 0 and
//     180 degrees;
//   - energy: trapezoid in U = E / (E + E0), E0 = 100 eV, padded with f = 0 at U = 0 (E = 0)
//     and U = 1 (E = infinity), where d^3v = (v / m) (E0 / (1 - U)^2) dU dOmega;
//   - energies corrected for the spacecraft potential, E = E_measured + q V_sc (electrons
//     E_measured - e V_sc, ions E_measured + e V_sc; Liouville: f unchanged), and bins outside
//     [energy_min, energy_max] (after the correction) dropped.
// No extrapolation beyond the table and no photoelectron model (docs/instrument.md says why).
#include <array>

#include "fluxrope/core/vec3.hpp"
#include "fluxrope/instrument/fpi.hpp"
#include "fluxrope/instrument/reduction_kernel.hpp"

namespace fluxrope {

struct MomentSettings {
  double E0_eV = 100.0;           // the U = E / (E + E0) mapping
  double sc_potential_V = 0.0;    // V_sc; electrons measured at E = E_inf + e V_sc, ions at E_inf - e V_sc
  double energy_min_eV = 0.0;     // after the potential correction; bins at E <= 0 are dropped
  double energy_max_eV = 1e300;
};

struct FpiMoments {
  double n_m3 = 0.0;
  Vec3 V_m_s;                                // bulk velocity, spacecraft frame, skymap axes
  std::array<double, 9> P_Pa{};              // pressure tensor (row-major), skymap axes
  Vec3 q_W_m2;                               // heat flux, skymap axes
  double T_par_J = 0.0, T_perp_J = 0.0;      // against the given field direction
  int n_energies_used = 0;
  // counting statistics (reduction_kernel.hpp), when one-count levels were given; else 0
  double sigma_n_m3 = 0.0, sigma_T_par_J = 0.0, sigma_T_perp_J = 0.0;
  Vec3 sigma_V_m_s;
  std::array<double, 9> sigma_P_Pa{}, sigma_T_J{};  // per component, skymap axes
};

// The weights of one energy table (32 channels, eV) for these settings and a species' mass and
// charge (MomentWeights: reduction_kernel.hpp, where the moments themselves are computed).
MomentWeights moment_weights(const double* energy_eV, const MomentSettings& s,
                             const Species& species = des_species());

// One sample's N_MOMENT_OUT values (reduction_kernel.hpp's MomentIndex layout, as moment_item
// writes them) as FpiMoments.
FpiMoments moments_from_row(const double* row, const MomentWeights& w);

// Moments of one skymap (phi 32, theta 16, energy 32) in s^3/cm^6; b is the field direction in
// the skymap's axes (for T_par, T_perp). Negative f enters as it is. With one_count (the 32
// one-count levels A of the skymap's table, s^3/cm^6) the sigmas from the counting statistics.
// The host face of skymap_moments (reduction_kernel.hpp), which every backend runs.
FpiMoments fpi_moments(const double* skymap_s3_cm6, const MomentWeights& w, Vec3 b,
                       const double* one_count = nullptr);

}  // namespace fluxrope
