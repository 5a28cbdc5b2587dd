#include "fluxrope/instrument/fpi_moments.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "fluxrope/core/constants.hpp"

namespace fluxrope {

using namespace constants;

MomentWeights moment_weights(const double* energy_eV, const MomentSettings& s) {
  MomentWeights w;
  // Energy: the bins kept, ascending in U, padded with U = 0 and U = 1 (f = 0 there).
  std::vector<int> used;
  for (int i = 0; i < FPI_N_ENERGY; ++i) {
    const double E = energy_eV[i] - s.sc_potential_V;
    if (E > 0.0 && E >= s.energy_min_eV && E <= s.energy_max_eV) used.push_back(i);
  }
  std::sort(used.begin(), used.end(), [&](int a, int b) { return energy_eV[a] < energy_eV[b]; });
  w.n_used = static_cast<int>(used.size());
  auto U_of = [&](int i) {
    const double E = energy_eV[i] - s.sc_potential_V;
    return E / (E + s.E0_eV);
  };
  for (size_t m = 0; m < used.size(); ++m) {
    const int i = used[m];
    const double U = U_of(i);
    const double U_lo = m == 0 ? 0.0 : U_of(used[m - 1]);
    const double U_hi = m + 1 == used.size() ? 1.0 : U_of(used[m + 1]);
    const double E = (energy_eV[i] - s.sc_potential_V) * EV_TO_SI;
    const double v = std::sqrt(2.0 * E / M_ELECTRON);
    const double dE_dU = s.E0_eV * EV_TO_SI / ((1.0 - U) * (1.0 - U));
    w.v[i] = v;
    w.W[i] = 0.5 * (U_hi - U_lo) * (v / M_ELECTRON) * dE_dU;  // v^2 dv = (v / m) dE
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

FpiMoments fpi_moments(const double* sky, const MomentWeights& w, Vec3 b) {
  // One pass for n, n V and the second moment sum m <v v>; a second for the heat flux,
  // which needs V. f in s^3/cm^6 -> s^3/m^6 (1e12).
  FpiMoments m;
  m.n_energies_used = w.n_used;
  double n = 0.0, M[9] = {};
  Vec3 flux;
  // the bins' velocity directions (minus look), once for every call
  static const std::vector<Vec3> dir = make_fpi_tables().velocity_dir;
  for (int k = 0; k < FPI_N_PHI; ++k)
    for (int j = 0; j < FPI_N_THETA; ++j) {
      const Vec3 d = dir[k * FPI_N_THETA + j];
      const double wa = 1e12 * w.w_phi * w.w_theta[j];
      const double* f = sky + (static_cast<size_t>(k) * FPI_N_THETA + j) * FPI_N_ENERGY;
      double s0 = 0.0, s1 = 0.0, s2 = 0.0;
      for (int i = 0; i < FPI_N_ENERGY; ++i) {
        const double c = w.W[i] * f[i];
        s0 += c;
        s1 += c * w.v[i];
        s2 += c * w.v[i] * w.v[i];
      }
      n += wa * s0;
      flux = flux + (wa * s1) * d;
      const double dd[3] = {d.x, d.y, d.z};
      for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) M[3 * r + c] += wa * s2 * dd[r] * dd[c];
    }
  m.n_m3 = n;
  if (!(n > 0.0)) return m;
  m.V_m_s = (1.0 / n) * flux;
  const double V[3] = {m.V_m_s.x, m.V_m_s.y, m.V_m_s.z};
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) m.P_Pa[3 * r + c] = M_ELECTRON * (M[3 * r + c] - n * V[r] * V[c]);
  // q = (m / 2) int |v - V|^2 (v - V) f d^3v
  Vec3 q;
  for (int k = 0; k < FPI_N_PHI; ++k)
    for (int j = 0; j < FPI_N_THETA; ++j) {
      const Vec3 d = dir[k * FPI_N_THETA + j];
      const double wa = 1e12 * w.w_phi * w.w_theta[j];
      const double* f = sky + (static_cast<size_t>(k) * FPI_N_THETA + j) * FPI_N_ENERGY;
      for (int i = 0; i < FPI_N_ENERGY; ++i) {
        if (w.W[i] == 0.0) continue;
        const Vec3 c = w.v[i] * d - m.V_m_s;
        q = q + (wa * w.W[i] * f[i] * norm2(c)) * c;
      }
    }
  m.q_W_m2 = (0.5 * M_ELECTRON) * q;
  const double bn = std::sqrt(norm2(b));
  const Vec3 u = (1.0 / bn) * b;
  const double bb[3] = {u.x, u.y, u.z};
  double Ppar = 0.0;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) Ppar += bb[r] * m.P_Pa[3 * r + c] * bb[c];
  const double trace = m.P_Pa[0] + m.P_Pa[4] + m.P_Pa[8];
  m.T_par_J = Ppar / n;
  m.T_perp_J = 0.5 * (trace - Ppar) / n;
  return m;
}

}  // namespace fluxrope
