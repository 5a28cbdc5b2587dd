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

Vec3 fpi_look_direction(int k, int j) {
  const double th = fpi_theta_deg(j) * constants::PI / 180.0,
               ph = fpi_phi_deg(k) * constants::PI / 180.0;
  return {std::sin(th) * std::cos(ph), std::sin(th) * std::sin(ph), std::cos(th)};
}

FpiTables make_fpi_tables() {
  FpiTables t;
  t.velocity_dir.resize(FPI_N_PHI * FPI_N_THETA);
  for (int k = 0; k < FPI_N_PHI; ++k)
    for (int j = 0; j < FPI_N_THETA; ++j)
      t.velocity_dir[k * FPI_N_THETA + j] = -1.0 * fpi_look_direction(k, j);
  t.speed.resize(2 * FPI_N_ENERGY);
  for (int p = 0; p < 2; ++p)
    for (int i = 0; i < FPI_N_ENERGY; ++i)
      t.speed[p * FPI_N_ENERGY + i] =
          std::sqrt(2.0 * fpi_energy_table(p)[i] * constants::EV_TO_SI / constants::M_ELECTRON);
  return t;
}

}  // namespace fluxrope
