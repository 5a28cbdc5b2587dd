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
  std::vector<double> f_min_s3_cm6;     // (N)
  std::vector<double> n_negative_bins;  // (N): bins with f < 0 (their DEF is clamped to 0)
  size_t n_beyond_edge = 0;             // samples with rho > rho_e (field continued current-free)
};

TrackProducts synthesize_track(Backend& backend, const ProfileTables& profile,
                               const RopeFrame& frame, const InstrumentSettings& instrument,
                               const Track& track);

}  // namespace fluxrope
