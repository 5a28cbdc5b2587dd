#pragma once
// Host side of the instrument response (issue 8, docs/instrument.md): the quadrature nodes
// of a bin's energy passband, angular acceptance and measurement time, the sweep schedule,
// and the per-position factors along each sample's path during its accumulation.
#include <vector>

#include "fluxrope/equilibrium/solver.hpp"
#include "fluxrope/instrument/response_kernel.hpp"

namespace fluxrope {

class Backend;

enum class ResponseKind { Centre, Integrated };
// When inside the accumulation each bin is measured (docs/instrument.md "Sweep"):
//   Instant: every bin at the sample's time tag (a snapshot, as "centre" skymaps);
//   Linear: the energy sweep spans the accumulation once, all 512 angles measured together;
//   DeflectionMajor: four deflection steps one after another, each a full energy sweep;
//     phi sector k is head k / 4 at deflection step k % 4 (128 dwells of T / 128).
enum class Sweep { Instant, Linear, DeflectionMajor };
// The config spelling: "instant", "linear", "deflection_major".
inline const char* sweep_name(Sweep s) {
  return s == Sweep::Instant ? "instant" : s == Sweep::Linear ? "linear" : "deflection_major";
}

// [instrument] response keys (README "Configuration"); defaults justified in docs/instrument.md.
struct ResponseSettings {
  ResponseKind kind = ResponseKind::Integrated;
  double energy_fwhm_rel = 0.13;       // FWHM of the Gaussian passband in ln E (~ dE/E)
  double acceptance_phi_deg = 6.0;     // top-hat, across the fan (FPI design value)
  double acceptance_theta_deg = 11.25; // top-hat, along the fan (one anode)
  Sweep sweep = Sweep::DeflectionMajor;
  bool energy_descending = true;  // the sweep goes from the highest energy down
  int nodes_energy = 3;           // Gauss-Hermite in ln E
  int nodes_phi = 2;              // Gauss-Legendre across the acceptance
  int nodes_theta = 2;
  int nodes_time = 1;  // Gauss-Legendre over each dwell
};

// The quadrature and timing tables of a response, independent of the samples.
struct ResponseTables {
  std::vector<Vec3> node_dir;  // [(k * 16 + j) * n_ang + a], DBCS velocity directions
  std::vector<double> node_w;  // [j * n_ang + a]
  std::vector<double> speed, speed_w;  // [(parity * n_en + q) * 32 + i] (node-major)
  std::vector<int> slot_of;            // [k * 32 + i]
  // The distinct rows of slot_of (lane patterns): sector k's energies are measured in the slots
  // pattern_slots[pattern_of[k] * 32 + i] (4 patterns deflection-major, 1 linear or instant).
  std::vector<int> pattern_of;         // [k]
  std::vector<int> pattern_slots;      // [pattern * 32 + i]
  std::vector<double> time_offset_s;   // [slot * n_time + t]: from the sample's time tag
  std::vector<double> time_w;          // [t]
  int n_ang = 1, n_en = 1, n_slots = 1, n_patterns = 1, n_time = 1;
  Species species;  // whose distribution, energy tables and mass
};
// accumulation_s: the skymap's accumulation time (the burst cadence: 30 ms DES, 150 ms DIS).
ResponseTables make_response_tables(const ResponseSettings& s, double accumulation_s,
                                    const Species& species = des_species());

// The kernel input for a batch of samples: each sample's time-tag position r0 (rope frame)
// and its ResponseSample; the per-position factors along r0 + U t are computed here.
// Movable, not copyable (the problem points into the vectors).
struct ResponseSetup {
  const ResponseTables* tables = nullptr;
  std::vector<ResponseSample> samples;
  std::vector<double> lanes;  // ResponseProblem::lanes
  ResponseProblem problem;
  ResponseSetup() = default;
  ResponseSetup(ResponseSetup&&) = default;
  ResponseSetup(const ResponseSetup&) = delete;
  ResponseSetup& operator=(const ResponseSetup&) = delete;
};
// Fills `setup` (its vectors keep their capacity between batches).
void prepare_response(const ProfileTables& profile, const ResponseTables& tables,
                      const std::vector<ResponseSample>& samples, const std::vector<Vec3>& r0_rope,
                      ResponseSetup& setup);

// Response-averaged skymaps (N, phi 32, theta 16, energy 32) in s^3/cm^6 on a backend.
void synth_response(Backend& backend, const ProfileTables& profile, const ResponseTables& tables,
                    const std::vector<ResponseSample>& samples, const std::vector<Vec3>& r0_rope,
                    std::vector<double>& out);

}  // namespace fluxrope
