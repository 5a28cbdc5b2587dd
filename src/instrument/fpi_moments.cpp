#include "fluxrope/instrument/fpi_moments.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "fluxrope/core/constants.hpp"

namespace fluxrope {

using namespace constants;

MomentWeights moment_weights(const double* energy_eV, const MomentSettings& s,
                             const Species& species) {
  MomentWeights w;
  w.mass_kg = species.mass_kg;
  // at infinity E = E_measured + q V_sc: a particle of charge q gained -q V_sc on its way in
  const double shift_eV = species.charge_e * s.sc_potential_V;
  // Energy: the bins kept, ascending in U, padded with U = 0 and U = 1 (f = 0 there).
  std::vector<int> used;
  for (int i = 0; i < FPI_N_ENERGY; ++i) {
    const double E = energy_eV[i] + shift_eV;
    if (E > 0.0 && E >= s.energy_min_eV && E <= s.energy_max_eV) used.push_back(i);
  }
  std::sort(used.begin(), used.end(), [&](int a, int b) { return energy_eV[a] < energy_eV[b]; });
  w.n_used = static_cast<int>(used.size());
  auto U_of = [&](int i) {
    const double E = energy_eV[i] + shift_eV;
    return E / (E + s.E0_eV);
  };
  for (size_t m = 0; m < used.size(); ++m) {
    const int i = used[m];
    const double U = U_of(i);
    const double U_lo = m == 0 ? 0.0 : U_of(used[m - 1]);
    const double U_hi = m + 1 == used.size() ? 1.0 : U_of(used[m + 1]);
    const double E = (energy_eV[i] + shift_eV) * EV_TO_SI;
    const double v = std::sqrt(2.0 * E / species.mass_kg);
    const double dE_dU = s.E0_eV * EV_TO_SI / ((1.0 - U) * (1.0 - U));
    w.v[i] = v;
    w.W[i] = 0.5 * (U_hi - U_lo) * (v / species.mass_kg) * dE_dU;  // v^2 dv = (v / m) dE
  }
  // Angles: periodic trapezoid in phi; theta trapezoid of f sin(theta) padded with 0, 180 deg.
  w.w_phi = 2.0 * PI / FPI_N_PHI;
  for (int j = 0; j < FPI_N_THETA; ++j) {
    const double lo = j == 0 ? 0.0 : fpi_theta_deg(j - 1);
    const double hi = j == FPI_N_THETA - 1 ? 180.0 : fpi_theta_deg(j + 1);
    w.w_theta[j] = 0.5 * (hi - lo) * PI / 180.0 * std::sin(fpi_theta_deg(j) * PI / 180.0);
  }
  return w;
}

FpiMoments moments_from_row(const double* o, const MomentWeights& w) {
  FpiMoments m;
  m.n_energies_used = w.n_used;
  m.n_m3 = o[MOM_N];
  m.V_m_s = {o[MOM_V], o[MOM_V + 1], o[MOM_V + 2]};
  for (int i = 0; i < 9; ++i) m.P_Pa[i] = o[MOM_P + i];
  m.q_W_m2 = {o[MOM_Q], o[MOM_Q + 1], o[MOM_Q + 2]};
  m.T_par_J = o[MOM_T_PAR];
  m.T_perp_J = o[MOM_T_PERP];
  m.sigma_n_m3 = o[MOM_SIGMA_N];
  m.sigma_V_m_s = {o[MOM_SIGMA_V], o[MOM_SIGMA_V + 1], o[MOM_SIGMA_V + 2]};
  m.sigma_T_par_J = o[MOM_SIGMA_T_PAR];
  m.sigma_T_perp_J = o[MOM_SIGMA_T_PERP];
  for (int i = 0; i < 9; ++i) {
    m.sigma_P_Pa[i] = o[MOM_SIGMA_P + i];
    m.sigma_T_J[i] = o[MOM_SIGMA_T_TENSOR + i];
  }
  return m;
}

FpiMoments fpi_moments(const double* sky, const MomentWeights& w, Vec3 b, const double* A) {
  static const std::vector<Vec3> dir = make_fpi_tables().velocity_dir;
  double o[N_MOMENT_OUT];
  skymap_moments(sky, w, dir.data(), b, false, A, o);
  return moments_from_row(o, w);
}

}  // namespace fluxrope
