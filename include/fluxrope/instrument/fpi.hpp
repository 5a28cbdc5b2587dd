#pragma once
// The MMS FPI electron spectrometer (DES) burst skymap grid (docs/instrument.md): 32 energies in
// two alternating parity tables, 32 azimuths phi x 16 colatitudes theta of LOOK
// directions (where particles come from; velocity = minus look), in DBCS.
#include <array>
#include <vector>

#include "fluxrope/core/hd.hpp"
#include "fluxrope/core/vec3.hpp"

namespace fluxrope {

inline constexpr int FPI_N_ENERGY = 32;
inline constexpr int FPI_N_PHI = 32;
inline constexpr int FPI_N_THETA = 16;
inline constexpr long FPI_N_BINS = static_cast<long>(FPI_N_ENERGY) * FPI_N_PHI * FPI_N_THETA;
inline constexpr double FPI_ANGLE_WIDTH_DEG = 11.25;
// DEF [keV/(cm^2 s sr keV)] = DEF_PER_E2F x E[eV]^2 x f[s^3/cm^6]  (= 2 E^2 f / m^2, docs/instrument.md)
inline constexpr double DEF_PER_E2F = 6.187e30;

// Burst energy table of a parity (0 or 1) [eV], as docs/instrument.md lists them.
const std::array<double, FPI_N_ENERGY>& fpi_energy_table(int parity);
// Bin-centre angles [deg]: theta_j = 5.625 + 11.25 j (colatitude from +Z), phi_k = 5.625 + 11.25 k.
inline double fpi_theta_deg(int j) {
  return 5.625 + FPI_ANGLE_WIDTH_DEG * j;
}
inline double fpi_phi_deg(int k) {
  return 5.625 + FPI_ANGLE_WIDTH_DEG * k;
}

// Unit look direction of bin (phi k, theta j) in DBCS, and the particle velocity direction
// (its negative).
Vec3 fpi_look_direction(int k, int j);

// Device-copyable table of what a skymap kernel needs of the instrument: the bin-centre
// velocity directions (minus look) in DBCS, [k * 16 + j], and the speeds of both parity
// tables [parity * 32 + i] (m/s, from E = m v^2 / 2).
struct FpiTables {
  std::vector<Vec3> velocity_dir;  // 32 x 16, DBCS
  std::vector<double> speed;       // 2 x 32
};
FpiTables make_fpi_tables();

}  // namespace fluxrope
