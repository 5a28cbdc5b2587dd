#pragma once
// Shape integrals of docs/model.md §6, as one host/device kernel body.
//
// For population s at radius rho (fields of the previous pass fixed), the
// velocity-space shape g_s (the population without n_e and S_s(rho)) is
//   g_s = w_s C_s (m / 2 pi T_s)^{3/2} exp(-m |v - u_s|^2 / 2T_s + b_s mu / T_s),
// mu = m v_perp^2 / (2 |B(R)|) at the gyro-centre R. We need seven moments:
//   K^n = int g, K^phi = int v_phi g, K^z = int v_z g,
//   K^rr = int v_rho^2 g, K^pp = int v_phi^2 g, K^zz = int v_z^2 g, K^pz = int v_phi v_z g.
// (g is even in v_rho, so K^rho, K^rp, K^rz vanish.)
//
// Quadrature (derivation in docs/model.md, "Shape integrals"): replace |B(R)|
// by the local |B(rho)| and v_perp by the part of v perpendicular to the local
// b_hat(rho); the exponent is then an exact quadratic, i.e. a Gaussian with
//   parallel:      mean u_par,          variance T/m,
//   perpendicular: mean u_perp / xi,    variance T / (m xi),   xi = 1 - b_s/|B(rho)|,
// and integral exp(c)/xi, c = m |u_perp|^2 (1/xi - 1) / (2T). Writing
// v = mean + sigma . x, the exact integrand is that Gaussian times exp(Delta(x)),
//   Delta = (b_s m / 2T) (v_perp,true^2 / |B(R)| - v_perp,local^2 / |B(rho)|),
// a small smooth correction (gyro-radius / L_st ~ 0.04), integrated with
// tensor-product Gauss-Hermite rules (probabilists', weights summing to 1).
// For b_s = 0, Delta = 0 and the rule is exact for these polynomial moments.
#include <cmath>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/hd.hpp"
#include "fluxrope/core/simd_math.hpp"
#include "fluxrope/model/distribution.hpp"

namespace fluxrope {

inline constexpr int N_SHAPE_MOMENTS = 7;
enum ShapeMoment : int { K_N = 0, K_PHI, K_Z, K_RR, K_PP, K_ZZ, K_PZ };

struct ShapeProblem {
  ModelView model;
  FieldView field;              // B of the previous pass (gyro-centres and mu)
  const double* rho = nullptr;  // radial nodes [m]
  int n_rho = 0;
  const double* x_par = nullptr;  // Gauss-Hermite nodes/weights along b_hat
  const double* w_par = nullptr;
  int n_par = 0;
  const double* x_half = nullptr;  // non-negative nodes across b_hat in rho_hat (v_rho)
  const double* w_half = nullptr;  // weights, doubled for x > 0 (the integrand is even in v_rho)
  int n_half = 0;
  const double* x_perp = nullptr;  // full rule across b_hat in b_hat x rho_hat
  const double* w_perp = nullptr;
  int n_perp = 0;

  // One work item = (radial node i, population s, parallel node j).
  FLUXROPE_HD long n_items() const { return static_cast<long>(n_rho) * N_POP * n_par; }
};

// Pass 0 (docs/model.md §6): the seven moments of population s in the local-field
// approximation |B(R)| ~ B_z(rho), v_perp^2 ~ v_rho^2 + v_phi^2, in closed form.
// Population s gets density factor 1/xi_s, xi_s = 1 - b_s/B_z; the rotating one, after
// completing the square in v_phi, exp(m Omega^2 rho^2 (1/xi_r - 1) / (2 T_r)) / xi_r and
// drift Omega rho / xi_r; perpendicular variance T/(m xi_s), parallel T/m.
// Returns false (and leaves K alone) when xi_s <= 0: not normalizable.
FLUXROPE_HD inline bool local_field_moments(const ModelView& m, int s, double rho, double Bz,
                                            double K[N_SHAPE_MOMENTS]) {
  const PopulationView p = population(m, s);
  const double xi = 1.0 - p.b / Bz;
  if (!(xi > 0.0)) return false;
  const double vt2 = p.T / constants::M_ELECTRON;
  double n = p.weight * p.C / xi, vphi = 0.0, vz = 0.0;
  if (s == POP_R) {
    n *=
        exp(constants::M_ELECTRON * m.Omega * m.Omega * rho * rho * (1.0 / xi - 1.0) / (2.0 * p.T));
    vphi = m.Omega * rho / xi;
  }
  if (s == POP_Z) vz = m.V;
  K[K_N] = n;
  K[K_PHI] = n * vphi;
  K[K_Z] = n * vz;
  K[K_RR] = n * vt2 / xi;
  K[K_PP] = n * (vt2 / xi + vphi * vphi);
  K[K_ZZ] = n * (vt2 + vz * vz);
  K[K_PZ] = n * vphi * vz;
  return true;
}

// The local Gaussian reference of population s at rho (see header comment).
struct LocalGaussian {
  double bphi, bz;    // b_hat(rho) = (0, bphi, bz)
  double Bmag;        // |B(rho)|
  double u_par;       // drift along b_hat
  double c_phi, c_z;  // perpendicular centre u_perp / xi (phi, z components)
  double sig_par, sig_perp;
  double prefactor;  // w_s C_s exp(c) / xi
  double mu_coeff;   // b_s m / (2 T_s)
  double Bz, Bphi;
};

FLUXROPE_HD inline LocalGaussian local_gaussian(const ShapeProblem& p, int s, double rho) {
  LocalGaussian g;
  const PopulationView pop = population(p.model, s);
  p.field.eval(rho, g.Bz, g.Bphi);
  g.Bmag = sqrt(g.Bz * g.Bz + g.Bphi * g.Bphi);
  g.bphi = g.Bphi / g.Bmag;
  g.bz = g.Bz / g.Bmag;
  double u_phi, u_z;
  drift(p.model, s, rho, u_phi, u_z);
  g.u_par = u_phi * g.bphi + u_z * g.bz;
  const double up_phi = u_phi - g.u_par * g.bphi;  // u_perp (phi, z); no rho component
  const double up_z = u_z - g.u_par * g.bz;
  const double xi = 1.0 - pop.b / g.Bmag;  // > 0: checked on the host before launch
  g.c_phi = up_phi / xi;
  g.c_z = up_z / xi;
  g.sig_par = sqrt(pop.T / constants::M_ELECTRON);
  g.sig_perp = g.sig_par / sqrt(xi);
  const double c =
      constants::M_ELECTRON * (up_phi * up_phi + up_z * up_z) * (1.0 / xi - 1.0) / (2.0 * pop.T);
  g.prefactor = pop.weight * pop.C * exp(c) / xi;
  g.mu_coeff = pop.b * constants::M_ELECTRON / (2.0 * pop.T);
  return g;
}

// Partial sums of the seven moments over the perpendicular nodes for one work item
// (rho_i, population s, parallel node j); the host (or a reduction) sums the n_par items of
// a (rho, s) pair. The item is split so that the CPU backend can evaluate the weights of a
// row of perpendicular nodes as one vectorized loop (shape_node_weight) and accumulate them
// in node order (shape_accumulate), the order of the plain loop in shape_item that the CUDA
// backend runs: both give the same bits.
struct ShapeRow {
  LocalGaussian g;
  double rho, v_par, base_phi, base_z, inv_B, kappa;
  int j;            // parallel node
  double vr = 0.0;  // v_rho of the current row of perpendicular nodes (k2)
  double w_half = 0.0;
};

// Sets up the item. Returns true when it is done: b_s = 0 is a drifting Maxwellian whose
// moments are closed-form (the rule would be exact too); item j = 0 carries them, the others
// add nothing.
FLUXROPE_HD inline bool shape_item_begin(const ShapeProblem& p, long item, ShapeRow& r,
                                         double* out) {
  r.j = static_cast<int>(item % p.n_par);
  const long rest = item / p.n_par;
  const int s = static_cast<int>(rest % N_POP);
  const int i = static_cast<int>(rest / N_POP);
  r.rho = p.rho[i];
  r.g = local_gaussian(p, s, r.rho);
  const LocalGaussian& g = r.g;
  if (g.mu_coeff == 0.0) {
    const double vt2 = g.sig_par * g.sig_par;
    double u_phi, u_z;
    drift(p.model, s, r.rho, u_phi, u_z);
    const double a = (r.j == 0) ? g.prefactor : 0.0;
    out[K_N] = a;
    out[K_PHI] = a * u_phi;
    out[K_Z] = a * u_z;
    out[K_RR] = a * vt2;
    out[K_PP] = a * (vt2 + u_phi * u_phi);
    out[K_ZZ] = a * (vt2 + u_z * u_z);
    out[K_PZ] = a * u_phi * u_z;
    return true;
  }
  r.v_par = g.u_par + g.sig_par * p.x_par[r.j];
  r.base_phi = r.v_par * g.bphi + g.c_phi;
  r.base_z = r.v_par * g.bz + g.c_z;
  r.inv_B = 1.0 / g.Bmag;
  r.kappa = gyro_kappa(g.Bz, g.Bphi);
  return false;
}

// The row of perpendicular nodes at half-rule node k2 (v_rho).
FLUXROPE_HD inline void shape_row_at(const ShapeProblem& p, ShapeRow& r, int k2) {
  r.vr = r.g.sig_perp * p.x_half[k2];
  r.w_half = p.w_half[k2];
}

// Velocity of node k3 of the row: along e2 = b_hat x rho_hat = (0, bz, -bphi).
FLUXROPE_HD inline void shape_node_velocity(const ShapeProblem& p, const ShapeRow& r, int k3,
                                            double& vp, double& vz) {
  const double t = r.g.sig_perp * p.x_perp[k3];
  vp = r.base_phi + t * r.g.bz;
  vz = r.base_z - t * r.g.bphi;
}

// Quadrature weight times exp(Delta) at node k3 of the row (branch-free: vectorizable).
FLUXROPE_HD inline double shape_node_weight(const ShapeProblem& p, const ShapeRow& r, int k3) {
  double vp, vz;
  shape_node_velocity(p, r, k3, vp, vz);
  const double v2 = r.vr * r.vr + vp * vp + vz * vz;
  const double vperp2_local = v2 - r.v_par * r.v_par;
  const double true_term =
      vperp2_over_B_gyrocentre(p.field, r.rho, r.g.Bz, r.g.Bphi, r.kappa, r.vr, vp, vz);
  const double delta = r.g.mu_coeff * (true_term - vperp2_local * r.inv_B);
  return r.w_half * p.w_perp[k3] * vexp(delta);
}

FLUXROPE_HD inline void shape_accumulate(const ShapeProblem& p, const ShapeRow& r, int k3,
                                         double w, double acc[N_SHAPE_MOMENTS]) {
  double vp, vz;
  shape_node_velocity(p, r, k3, vp, vz);
  acc[K_N] += w;
  acc[K_PHI] += w * vp;
  acc[K_Z] += w * vz;
  acc[K_RR] += w * r.vr * r.vr;
  acc[K_PP] += w * vp * vp;
  acc[K_ZZ] += w * vz * vz;
  acc[K_PZ] += w * vp * vz;
}

FLUXROPE_HD inline void shape_item_end(const ShapeProblem& p, const ShapeRow& r,
                                       const double acc[N_SHAPE_MOMENTS], double* out) {
  const double scale = r.g.prefactor * p.w_par[r.j];
  for (int m = 0; m < N_SHAPE_MOMENTS; ++m) out[m] = scale * acc[m];
}

FLUXROPE_HD inline void shape_item(const ShapeProblem& p, long item, double* out) {
  ShapeRow r;
  if (shape_item_begin(p, item, r, out)) return;
  double acc[N_SHAPE_MOMENTS] = {0, 0, 0, 0, 0, 0, 0};
  for (int k2 = 0; k2 < p.n_half; ++k2) {
    shape_row_at(p, r, k2);
    for (int k3 = 0; k3 < p.n_perp; ++k3)
      shape_accumulate(p, r, k3, shape_node_weight(p, r, k3), acc);
  }
  shape_item_end(p, r, acc, out);
}

}  // namespace fluxrope
