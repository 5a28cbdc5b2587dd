#pragma once
// Model parameters (docs/model.md §4) in the two forms a config may use, and
// the single validated SI struct the rest of the code works with.
#include <string>

namespace fluxrope {

// Normalized form (Vinogradov et al. 2016; the authors' released run).
// Reference temperature T_e = T_r; key names are a config contract.
struct NormalizedParams {
  double alpha_r = 0.0;
  double alpha_z = 0.0;
  double gamma = 0.0;    // V / (Omega L_st)
  double epsilon = 0.0;  // Omega / (e B_st / m)
  double B0_nT = 0.0;
  double n_i_cm3 = 0.0;
  double b_b = 0.0;  // b_s / B_st
  double b_r = 0.0;
  double b_z = 0.0;
  double T_b_eV = 0.0;
  double tau_b = 0.0;  // T_b / T_e
  double tau = 0.0;    // T_i / T_e
  double tau_z = 0.0;  // T_z / T_e
};

// Physical form, in the units the key names carry.
struct PhysicalParams {
  double alpha_r = 0.0;
  double alpha_z = 0.0;
  double B0_nT = 0.0;
  double n_i_cm3 = 0.0;
  double T_b_eV = 0.0;
  double T_r_eV = 0.0;
  double T_z_eV = 0.0;
  double T_i_eV = 0.0;
  double Omega_per_s = 0.0;
  double V_km_s = 0.0;
  double b_b_nT = 0.0;
  double b_r_nT = 0.0;
  double b_z_nT = 0.0;
};

// The validated model, SI units (T in J, B in T, n in m^-3, V in m/s).
struct ModelParams {
  double alpha_r = 0.0;
  double alpha_z = 0.0;
  double B0 = 0.0;
  double n_i = 0.0;
  double T_b = 0.0;
  double T_r = 0.0;
  double T_z = 0.0;
  double T_i = 0.0;
  double Omega = 0.0;
  double V = 0.0;
  double b_b = 0.0;
  double b_r = 0.0;
  double b_z = 0.0;
};

// Derived normalization scales (docs/model.md §4), SI.
struct Scales {
  double T_e = 0.0;   // reference temperature = T_r [J]
  double B_st = 0.0;  // sqrt(mu0 n_i T_e) [T]
  double L_st = 0.0;  // sqrt(T_e / (e Omega B_st)) [m]
  double v0e = 0.0;   // sqrt(2 T_e / m) [m/s]
  double epsilon = 0.0;
  double gamma = 0.0;
};

ModelParams to_model(const NormalizedParams& p);
ModelParams to_model(const PhysicalParams& p);
PhysicalParams to_physical(const ModelParams& m);
NormalizedParams to_normalized(const ModelParams& m);
Scales scales_of(const ModelParams& m);

// docs/model.md §8: non-finite or out-of-range parameters are errors naming the
// parameter (in the config's key name) and its value. Throws fluxrope::Error.
void validate(const ModelParams& m);

}  // namespace fluxrope
