#pragma once
// The MMS FPI electron spectrometer (DES) burst skymap grid (docs/instrument.md): 32 energies in
// two alternating parity tables, 32 azimuths phi x 16 colatitudes theta of LOOK
// directions (where particles come from; velocity = minus look), in DBCS.
#include <array>
#include <vector>

#include "fluxrope/core/hd.hpp"
#include "fluxrope/core/vec3.hpp"
#include "fluxrope/model/profile_view.hpp"

namespace fluxrope {

inline constexpr int FPI_N_ENERGY = 32;
inline constexpr int FPI_N_PHI = 32;
inline constexpr int FPI_N_THETA = 16;
inline constexpr long FPI_N_BINS = static_cast<long>(FPI_N_ENERGY) * FPI_N_PHI * FPI_N_THETA;
inline constexpr double FPI_ANGLE_WIDTH_DEG = 11.25;
// DEF [keV/(cm^2 s sr keV)] = DEF_PER_E2F x E[eV]^2 x f[s^3/cm^6]  (= 2 E^2 f / m^2, docs/instrument.md)
inline constexpr double DEF_PER_E2F = 6.187e30;

// DES burst energy table of a parity (0 or 1) [eV], as docs/instrument.md lists them.
const std::array<double, FPI_N_ENERGY>& fpi_energy_table(int parity);
// DIS burst energy table of a parity (0 or 1) [eV] (docs/instrument.md "Ions (DIS)").
const std::array<double, FPI_N_ENERGY>& dis_energy_table(int parity);

// Which FPI spectrometer a product imitates, and what of the particle species it needs: the
// distribution the kernels evaluate (the electrons' f_e, or the ions' Maxwellian of
// docs/model.md s. 3, both through the same LocalPoint: species_point), the mass that turns
// channel energies into speeds, the charge sign of the potential correction, the burst tables.
enum class SpeciesKind { Electron, Ion };
struct Species {
  SpeciesKind kind = SpeciesKind::Electron;
  double mass_kg = 0.0;
  double charge_e = -1.0;  // charge in units of e
  std::array<double, FPI_N_ENERGY> energy_eV[2]{};  // burst tables by parity
  // DEF [keV/(cm^2 s sr keV)] = def_per_e2f x E[eV]^2 x f[s^3/cm^6] (= 2 E^2 f / m^2)
  double def_per_e2f = DEF_PER_E2F;
  int key = 0;  // the species word of the Philox key (0 electrons: the DES counts of before)
  const char* tag = "des";  // the L2 file's instrument: des, dis
  const std::array<double, FPI_N_ENERGY>& energy(int parity) const { return energy_eV[parity]; }
  double speed(double E_eV) const;  // [m/s] of a particle of energy E_eV, E = m v^2 / 2
};
Species des_species();
// ions of mass ion_mass_amu (default the proton's)
Species dis_species(double ion_mass_amu = 1.007276466621);
// Bin-centre angles [deg]: theta_j = 5.625 + 11.25 j (colatitude from +Z), phi_k = 5.625 + 11.25 k.
inline double fpi_theta_deg(int j) {
  return 5.625 + FPI_ANGLE_WIDTH_DEG * j;
}
inline double fpi_phi_deg(int k) {
  return 5.625 + FPI_ANGLE_WIDTH_DEG * k;
}

// The per-position factors of a species' distribution at r (rope frame): f_e's (local_point) or
// the ions' Maxwellian (ion_point); every kernel evaluates either through electron_f_at.
inline LocalPoint species_point(const ProfileView& p, const Species& s, Vec3 r) {
  return s.kind == SpeciesKind::Ion ? ion_point(p, r, s.mass_kg) : local_point(p, r);
}

// Unit look direction of bin (phi k, theta j) in DBCS, and the particle velocity direction
// (its negative).
Vec3 fpi_look_direction(int k, int j);

// Device-copyable table of what a skymap kernel needs of the instrument: the bin-centre
// velocity directions (minus look) in DBCS, [k * 16 + j], and the speeds of both parity
// tables [parity * 32 + i] (m/s, from E = m v^2 / 2 with the species' mass).
struct FpiTables {
  std::vector<Vec3> velocity_dir;  // 32 x 16, DBCS
  std::vector<double> speed;       // 2 x 32
};
FpiTables make_fpi_tables(const Species& species = des_species());

}  // namespace fluxrope
