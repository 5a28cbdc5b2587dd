#pragma once
// Per-spacecraft instrument products along a track (issue 3 item 4): skymaps, DEF,
// instrument-style PADs, the model field, and the negativity diagnostics (MODEL.md s. 8).
#include <vector>

#include "fluxrope/engine/backend.hpp"
#include "fluxrope/equilibrium/solver.hpp"
#include "fluxrope/geometry/geometry.hpp"
#include "fluxrope/instrument/skymap.hpp"

namespace fluxrope {

struct TrackProducts {
  size_t n = 0;                         // samples
  std::vector<double> rho_m;            // (N)
  std::vector<double> B_gse_T;          // (N, 3)
  std::vector<double> B_lmn_T;          // (N, 3): projections on the user's L, M, N
  std::vector<double> dist_s3_cm6;      // (N, phi 32, theta 16, energy 32), may be negative
  std::vector<double> def;              // same shape, keV/(cm^2 s sr keV); negative f -> 0
  std::vector<double> energy_eV;        // (N, 32): the sample's parity table
  std::vector<double> pad_s3_cm6;       // (N, energy 32, P)
  std::vector<double> pad_gyro_s3_cm6;  // (N, E, Q): dense gyro-averaged PAD (MODEL.md s. 10)
  std::vector<double> f_min_s3_cm6;     // (N)
  std::vector<double> n_negative_bins;  // (N): bins with f < 0 (their DEF is clamped to 0)
  size_t n_beyond_edge = 0;             // samples with rho > rho_e (field continued current-free)
  // Model moments along the track (from the solved profile at the sample's radius):
  std::vector<double> ne_m3;                // (N)
  std::vector<double> Ve_gse_m_s;           // (N, 3): electron bulk velocity, spacecraft frame
  std::vector<double> Ve_minus_Vi_lmn_m_s;  // (N, 3): rope-frame electron velocity (ions at rest)
  std::vector<double> T_par_J, T_perp_J;    // (N)
  std::vector<double> j_lmn_A_m2;           // (N, 3)
};

// A profile quantity at radius rho: 4-point Lagrange interpolation on the uniform output
// grid (error O(h^4)); beyond the edge, the edge value.
double profile_at(const std::vector<double>& f, double h, double rho);

// `profile` is the solved equilibrium as tables (for f_e), `profile_source` its moments.
TrackProducts synthesize_track(Backend& backend, const ProfileTables& profile,
                               const RadialProfile& profile_source, const RopeFrame& frame,
                               const InstrumentSettings& instrument, const Track& track);

}  // namespace fluxrope
