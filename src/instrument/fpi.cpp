#include "fluxrope/instrument/fpi.hpp"

#include <cmath>

#include "fluxrope/core/constants.hpp"

namespace fluxrope {

const std::array<double, FPI_N_ENERGY>& fpi_energy_table(int parity) {
  // docs/instrument.md: burst tables; parity 1 = parity 0 x 1.13243 (half a log step up).
  static const std::array<double, FPI_N_ENERGY> p0 = {
      10.9349, 14.0229, 17.9829, 23.0611, 29.5735, 37.9248, 48.6345, 62.3686,
      79.9812, 102.567, 131.532, 168.676, 216.308, 277.393, 355.727, 456.182,
      585.005, 750.206, 962.060, 1233.74, 1582.14, 2028.93, 2601.88, 3336.64,
      4278.89, 5487.22, 7036.77, 9023.92, 11572.2, 14840.1, 19030.9, 24405.1};
  static const std::array<double, FPI_N_ENERGY> p1 = {
      12.383,  15.8799, 20.3643, 26.1151, 33.4898, 42.9471, 55.0751, 70.628,
      90.5729, 116.15,  148.95,  191.013, 244.954, 314.127, 402.835, 516.593,
      662.476, 849.555, 1089.46, 1397.12, 1791.66, 2297.61, 2946.45, 3778.5,
      4845.53, 6213.88, 7968.64, 10218.9, 13104.7, 16805.4, 21551.1, 27637};
  return parity == 0 ? p0 : p1;
}

const std::array<double, FPI_N_ENERGY>& dis_energy_table(int parity) {
  // docs/instrument.md "Ions (DIS)": the DIS stepper tables as SPEDAS lists them
  // (mms_get_fpi_info: "approximate ... in the absence of official support data"), to 6 digits;
  // parity 1 = parity 0 x 1.13335 (half a log step up), 10.6 eV to 28.3 keV.
  static const std::array<double, FPI_N_ENERGY> p0 = {
      10.6383, 13.6647, 17.5521, 22.5454, 28.9591, 37.1975, 47.7796, 61.3721,
      78.8314, 101.258, 130.064, 167.064, 214.591, 275.639, 354.054, 454.776,
      584.152, 750.333, 963.790, 1237.97, 1590.15, 2042.53, 2623.59, 3369.96,
      4328.65, 5560.08, 7141.83, 9173.56, 11783.3, 15135.4, 19441.2, 24971.9};
  static const std::array<double, FPI_N_ENERGY> p1 = {
      12.0569, 15.4869, 19.8927, 25.5518, 32.8208, 42.1578, 54.1510, 69.5560,
      89.3435, 114.760, 147.408, 189.343, 243.207, 312.396, 401.267, 515.420,
      662.049, 850.390, 1092.31, 1403.06, 1802.20, 2314.90, 2973.45, 3819.34,
      4905.88, 6301.52, 8094.19, 10396.9, 13354.6, 17153.7, 22033.7, 28301.9};
  return parity == 0 ? p0 : p1;
}

double Species::speed(double E_eV) const {
  return std::sqrt(2.0 * E_eV * constants::EV_TO_SI / mass_kg);
}

Species des_species() {
  Species s;
  s.kind = SpeciesKind::Electron;
  s.mass_kg = constants::M_ELECTRON;
  s.charge_e = -1.0;
  s.energy_eV[0] = fpi_energy_table(0);
  s.energy_eV[1] = fpi_energy_table(1);
  s.def_per_e2f = DEF_PER_E2F;  // 2 e^2 / m_e^2 in these units, to the 4 digits of the literature
  s.key = 0;
  s.tag = "des";
  return s;
}

Species dis_species(double ion_mass_amu) {
  Species s;
  s.kind = SpeciesKind::Ion;
  s.mass_kg = ion_mass_amu * constants::AMU;
  s.charge_e = 1.0;
  s.energy_eV[0] = dis_energy_table(0);
  s.energy_eV[1] = dis_energy_table(1);
  // 2 E^2 f / m^2: E = e E[eV] J, f = 1e12 f[s^3/cm^6] s^3/m^6, DEF 1e-4 of its per-m^2 value
  const double e = constants::E_CHARGE;
  s.def_per_e2f = 2.0e8 * e * e / (s.mass_kg * s.mass_kg);
  s.key = 1;
  s.tag = "dis";
  return s;
}

Vec3 fpi_look_direction(int k, int j) {
  const double th = fpi_theta_deg(j) * constants::PI / 180.0,
               ph = fpi_phi_deg(k) * constants::PI / 180.0;
  return {std::sin(th) * std::cos(ph), std::sin(th) * std::sin(ph), std::cos(th)};
}

FpiTables make_fpi_tables(const Species& species) {
  FpiTables t;
  t.velocity_dir.resize(FPI_N_PHI * FPI_N_THETA);
  for (int k = 0; k < FPI_N_PHI; ++k)
    for (int j = 0; j < FPI_N_THETA; ++j)
      t.velocity_dir[k * FPI_N_THETA + j] = -1.0 * fpi_look_direction(k, j);
  t.speed.resize(2 * FPI_N_ENERGY);
  for (int p = 0; p < 2; ++p)
    for (int i = 0; i < FPI_N_ENERGY; ++i)
      t.speed[p * FPI_N_ENERGY + i] = species.speed(species.energy(p)[i]);
  return t;
}

}  // namespace fluxrope
