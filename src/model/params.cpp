#include "fluxrope/model/params.hpp"

#include <fmt/format.h>

#include <cmath>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"

namespace fluxrope {

using namespace constants;

ModelParams to_model(const NormalizedParams& p) {
  ModelParams m;
  m.alpha_r = p.alpha_r;
  m.alpha_z = p.alpha_z;
  m.B0 = p.B0_nT * NT_TO_SI;
  m.n_i = p.n_i_cm3 * CM3_TO_SI;
  m.T_b = p.T_b_eV * EV_TO_SI;
  const double T_e = m.T_b / p.tau_b;  // reference temperature T_e = T_r
  m.T_r = T_e;
  m.T_z = p.tau_z * T_e;
  m.T_i = p.tau * T_e;
  const double B_st = std::sqrt(MU0 * m.n_i * T_e);
  m.Omega = p.epsilon * E_CHARGE * B_st / M_ELECTRON;
  const double L_st = std::sqrt(T_e / (E_CHARGE * m.Omega * B_st));
  m.V = p.gamma * m.Omega * L_st;
  m.b_b = p.b_b * B_st;
  m.b_r = p.b_r * B_st;
  m.b_z = p.b_z * B_st;
  return m;
}

ModelParams to_model(const PhysicalParams& p) {
  ModelParams m;
  m.alpha_r = p.alpha_r;
  m.alpha_z = p.alpha_z;
  m.B0 = p.B0_nT * NT_TO_SI;
  m.n_i = p.n_i_cm3 * CM3_TO_SI;
  m.T_b = p.T_b_eV * EV_TO_SI;
  m.T_r = p.T_r_eV * EV_TO_SI;
  m.T_z = p.T_z_eV * EV_TO_SI;
  m.T_i = p.T_i_eV * EV_TO_SI;
  m.Omega = p.Omega_per_s;
  m.V = p.V_km_s * KM_S_TO_SI;
  m.b_b = p.b_b_nT * NT_TO_SI;
  m.b_r = p.b_r_nT * NT_TO_SI;
  m.b_z = p.b_z_nT * NT_TO_SI;
  return m;
}

PhysicalParams to_physical(const ModelParams& m) {
  PhysicalParams p;
  p.alpha_r = m.alpha_r;
  p.alpha_z = m.alpha_z;
  p.B0_nT = m.B0 / NT_TO_SI;
  p.n_i_cm3 = m.n_i / CM3_TO_SI;
  p.T_b_eV = m.T_b / EV_TO_SI;
  p.T_r_eV = m.T_r / EV_TO_SI;
  p.T_z_eV = m.T_z / EV_TO_SI;
  p.T_i_eV = m.T_i / EV_TO_SI;
  p.Omega_per_s = m.Omega;
  p.V_km_s = m.V / KM_S_TO_SI;
  p.b_b_nT = m.b_b / NT_TO_SI;
  p.b_r_nT = m.b_r / NT_TO_SI;
  p.b_z_nT = m.b_z / NT_TO_SI;
  return p;
}

Scales scales_of(const ModelParams& m) {
  Scales s;
  s.T_e = m.T_r;
  s.B_st = std::sqrt(MU0 * m.n_i * s.T_e);
  s.L_st = std::sqrt(s.T_e / (E_CHARGE * m.Omega * s.B_st));
  s.v0e = std::sqrt(2.0 * s.T_e / M_ELECTRON);
  s.epsilon = m.Omega / (E_CHARGE * s.B_st / M_ELECTRON);
  s.gamma = m.V / (m.Omega * s.L_st);
  return s;
}

NormalizedParams to_normalized(const ModelParams& m) {
  const Scales s = scales_of(m);
  NormalizedParams p;
  p.alpha_r = m.alpha_r;
  p.alpha_z = m.alpha_z;
  p.gamma = s.gamma;
  p.epsilon = s.epsilon;
  p.B0_nT = m.B0 / NT_TO_SI;
  p.n_i_cm3 = m.n_i / CM3_TO_SI;
  p.b_b = m.b_b / s.B_st;
  p.b_r = m.b_r / s.B_st;
  p.b_z = m.b_z / s.B_st;
  p.T_b_eV = m.T_b / EV_TO_SI;
  p.tau_b = m.T_b / s.T_e;
  p.tau = m.T_i / s.T_e;
  p.tau_z = m.T_z / s.T_e;
  return p;
}

namespace {
void require(bool ok, const char* name, double value, const char* what) {
  if (!ok) throw Error(fmt::format("model parameter {} = {:g} {}", name, value, what));
}
}  // namespace

void validate(const ModelParams& m) {
  const PhysicalParams p = to_physical(m);
  struct Item {
    const char* name;
    double v;
  };
  for (const Item& it :
       {Item{"alpha_r", p.alpha_r}, Item{"alpha_z", p.alpha_z}, Item{"B0_nT", p.B0_nT},
        Item{"n_i_cm3", p.n_i_cm3}, Item{"T_b_eV", p.T_b_eV}, Item{"T_r_eV", p.T_r_eV},
        Item{"T_z_eV", p.T_z_eV}, Item{"T_i_eV", p.T_i_eV}, Item{"Omega_per_s", p.Omega_per_s},
        Item{"V_km_s", p.V_km_s}, Item{"b_b_nT", p.b_b_nT}, Item{"b_r_nT", p.b_r_nT},
        Item{"b_z_nT", p.b_z_nT}}) {
    require(std::isfinite(it.v), it.name, it.v, "is not finite");
  }
  // The model is non-relativistic (docs/model.md): drifts well below c.
  require(std::fabs(p.V_km_s) <= 3e4, "V_km_s (= gamma Omega L_st)", p.V_km_s,
          "km/s is beyond the non-relativistic model's range |V| <= 3e4 km/s (0.1 c)");
  const Scales sc = scales_of(m);
  require(std::isfinite(sc.L_st) && sc.L_st > 0, "L_st [m]", sc.L_st,
          "is not a finite positive length (check n_i, T_e, Omega)");
  require(p.B0_nT > 0, "B0_nT", p.B0_nT, "must be positive (field on the axis)");
  require(p.n_i_cm3 > 0, "n_i_cm3", p.n_i_cm3, "must be positive (ion density)");
  require(p.T_b_eV > 0, "T_b_eV", p.T_b_eV, "must be positive (temperature)");
  require(p.T_r_eV > 0, "T_r_eV (= T_b_eV / tau_b)", p.T_r_eV, "must be positive (temperature)");
  require(p.T_z_eV > 0, "T_z_eV (= tau_z T_r)", p.T_z_eV, "must be positive (temperature)");
  require(p.T_i_eV > 0, "T_i_eV (= tau T_r)", p.T_i_eV, "must be positive (temperature)");
  require(p.Omega_per_s > 0, "Omega_per_s (epsilon)", p.Omega_per_s,
          "must be positive (rotation rate; it also sets L_st)");
  // Signed weights (docs/model.md §3): w_r = -alpha_r is the negative rotating
  // population, w_z = alpha_z the axial one, w_b = 1 + alpha_r - alpha_z > 0.
  require(p.alpha_r >= 0, "alpha_r", p.alpha_r,
          "must be >= 0 (the rotating population has weight -alpha_r)");
  require(p.alpha_z >= 0, "alpha_z", p.alpha_z, "must be >= 0 (axial population weight)");
  const double w_b = 1.0 + p.alpha_r - p.alpha_z;
  require(w_b > 0, "1 + alpha_r - alpha_z", w_b, "must be > 0 (background population weight)");
  // Amplitude C_s = 1 - b_s/B_0 must be positive, i.e. population s normalizable on the axis.
  const char* bnames[3] = {"b_b (background population)", "b_r (rotating population)",
                           "b_z (axial population)"};
  const double bs[3] = {m.b_b, m.b_r, m.b_z};
  for (int s = 0; s < 3; ++s) {
    if (!(bs[s] < m.B0)) {
      throw Error(fmt::format(
          "model parameter {} = {:g} nT >= B0 = {:g} nT: the distribution is not normalizable "
          "on the axis (rho = 0 km)",
          bnames[s], bs[s] / NT_TO_SI, m.B0 / NT_TO_SI));
    }
  }
}

}  // namespace fluxrope
