#pragma once
// The self-consistent flux-rope equilibrium (docs/model.md sections 5-7).
//
// Pass 0 solves the field equations with closed-form moments (mu with the local
// field, |B(R)| ~ B_z(rho), v_perp^2 ~ v_rho^2 + v_phi^2). Every later pass k takes
// B^(k-1) for gyro-centres and mu, computes the shape integrals on a Backend,
// re-normalizes n_e so that N_e(0) = n_i, and re-integrates the ODEs. The loop stops
// when max_rho |B^(k) - B^(k-1)| < tol_nT, or after `passes` gyro-centre passes
// when asked. Final moments come from the distribution with mu from the final
// fields (as the published run did); see docs/model.md.
#include <array>
#include <functional>
#include <vector>

#include "fluxrope/engine/backend.hpp"
#include "fluxrope/equilibrium/shape_integrals.hpp"
#include "fluxrope/model/params.hpp"
#include "fluxrope/model/profile_view.hpp"

namespace fluxrope {

struct SolverSettings {
  double x_max = 8.0;       // domain edge in L_st
  int n_rho = 801;          // output (and field-table) grid points over [0, x_max]
  int passes = 0;           // gyro-centre passes after pass 0; 0 = iterate to convergence
  double tol_nT = 1e-6;     // convergence: max |B^(k) - B^(k-1)| [nT]
  int max_passes = 50;      // safety limit when iterating to convergence
  int n_shape = 65;         // Chebyshev nodes in rho (interior panel; the edge panel gets half)
  int quad_par = 16;        // Gauss-Hermite nodes along b_hat
  int quad_perp = 16;       // Gauss-Hermite nodes per perpendicular direction
  double ode_rtol = 1e-12;  // Dormand-Prince relative (and scaled absolute) tolerance
};
// Throws fluxrope::Error naming the [solver] key and its value.
void validate(const SolverSettings& s);

// The solved profile on a uniform grid x = rho / L_st in [0, x_max]. SI units.
struct RadialProfile {
  ModelParams model;
  Scales scales;
  double n_e = 0.0;                                     // electron normalization n_e [m^-3]
  std::vector<double> x, rho;                           // [1], [m]
  std::vector<double> Bz, Bphi;                         // [T]
  std::vector<double> Aphi, Az, psi;                    // [T m], [T m], [1]
  std::vector<double> Phi, Er;                          // [V], [V/m]
  std::vector<double> ne, ni;                           // [m^-3]
  std::array<std::vector<double>, N_POP> ne_pop;        // signed population densities [m^-3]
  std::vector<double> Ve_phi, Ve_z;                     // electron bulk velocity [m/s]
  std::vector<double> j_phi, j_z;                       // [A/m^2]
  std::vector<double> P_rr, P_pp, P_zz, P_pz;           // central pressure tensor [Pa]
  std::vector<double> T_rr, T_pp, T_zz, T_par, T_perp;  // [J]
  size_t size() const { return x.size(); }
};

struct PassRecord {
  int pass = 0;
  double max_dB_nT = 0.0;  // vs. the previous pass (NaN for pass 0)
  double n_e = 0.0;        // normalization used [m^-3]
  double seconds = 0.0;
  std::vector<double> Bz, Bphi;    // the pass's field on the output grid [T]
  std::vector<double> dBz, dBphi;  // and its rho-derivatives from Ampere [T/m]
  double h = 0.0;                  // grid spacing [m]
  // The field as the Hermite table later passes (and products) evaluate.
  FieldTable field_table() const { return make_field_table(Bz, dBz, Bphi, dBphi, h); }
};

struct SolveResult {
  RadialProfile profile;
  std::vector<PassRecord> history;  // pass 0, 1, ...
  bool converged = false;
};

// Owner of the tables behind a ProfileView of a solved equilibrium: the final field (as
// the last pass's ODE produced it, with its Ampere derivatives) and the potentials.
struct ProfileTables {
  ModelParams model;
  FieldTable field;
  std::vector<double> pot;  // 6 per node, see PotentialView
  double n_e = 0.0;
  double psi_edge_coeff = 0.0, Az_edge_coeff = 0.0;
  ProfileView view() const;
};
ProfileTables make_profile_tables(const struct SolveResult& r);

using PassCallback = std::function<void(const PassRecord&)>;

SolveResult solve_equilibrium(const ModelParams& model, const SolverSettings& settings,
                              Backend& backend, const PassCallback& on_pass = {});

}  // namespace fluxrope
