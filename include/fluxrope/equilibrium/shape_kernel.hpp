#pragma once
// Shape integrals of MODEL.md section 6, as one host/device kernel body.
//
// For population s at radius rho (fields of the previous pass fixed), the
// velocity-space shape g_s (the population without n_e and S_s(rho)) is
//   g_s = w_s C_s (m / 2 pi T_s)^{3/2} exp(-m |v - u_s|^2 / 2T_s + b_s mu / T_s),
// mu = m v_perp^2 / (2 |B(R)|) at the gyro-centre R. We need seven moments:
//   K^n = int g, K^phi = int v_phi g, K^z = int v_z g,
//   K^rr = int v_rho^2 g, K^pp = int v_phi^2 g, K^zz = int v_z^2 g, K^pz = int v_phi v_z g.
// (g is even in v_rho, so K^rho, K^rp, K^rz vanish.)
//
// Quadrature (derivation in docs/physics.md, "Shape integrals"): replace |B(R)|
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

// Pass 0 (MODEL.md section 6): the seven moments of population s in the local-field
// approximation |B(R)| ~ B_z(rho), v_perp^2 ~ v_rho^2 + v_phi^2, in closed form.
// Population s gets density factor 1/xi_s, xi_s = 1 - b_s/B_z; the rotating one, after
// completing the square in v_phi, exp(m Omega^2 rho^2 (1/xi_r - 1) / (2 T_r)) / xi_r and
// drift Omega rho / xi_r; perpendicular variance T/(m xi_s), parallel T/m.
// Returns false (and leaves K alone) when xi_s <= 0: not normalizable.
FLUXROPE_HD inline bool local_field_moments(const ModelView& m, int s, double rho, double Bz,
                                            double K[N_SHAPE_MOMENTS]) {
  const PopulationView p = m.pop[s];
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
  const PopulationView pop = p.model.pop[s];
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

// Partial sums of the seven moments over the perpendicular nodes for one work
// item; the host (or a reduction) sums the n_par items of a (rho, s) pair.
FLUXROPE_HD inline void shape_item(const ShapeProblem& p, long item, double* out) {
  const int j = static_cast<int>(item % p.n_par);
  const long rest = item / p.n_par;
  const int s = static_cast<int>(rest % N_POP);
  const int i = static_cast<int>(rest / N_POP);
  const double rho = p.rho[i];
  const LocalGaussian g = local_gaussian(p, s, rho);

  if (g.mu_coeff == 0.0) {
    // b_s = 0: a drifting Maxwellian, moments in closed form (the rule would be exact
    // too); item j = 0 carries them, the others add nothing.
    const double vt2 = g.sig_par * g.sig_par;
    double u_phi, u_z;
    drift(p.model, s, rho, u_phi, u_z);
    const double a = (j == 0) ? g.prefactor : 0.0;
    out[K_N] = a;
    out[K_PHI] = a * u_phi;
    out[K_Z] = a * u_z;
    out[K_RR] = a * vt2;
    out[K_PP] = a * (vt2 + u_phi * u_phi);
    out[K_ZZ] = a * (vt2 + u_z * u_z);
    out[K_PZ] = a * u_phi * u_z;
    return;
  }
  const double v_par = g.u_par + g.sig_par * p.x_par[j];
  const double base_phi = v_par * g.bphi + g.c_phi;
  const double base_z = v_par * g.bz + g.c_z;
  const double inv_B = 1.0 / g.Bmag;
  const double kappa = gyro_kappa(g.Bz, g.Bphi);
  double acc[N_SHAPE_MOMENTS] = {0, 0, 0, 0, 0, 0, 0};
  for (int k2 = 0; k2 < p.n_half; ++k2) {
    const double vr = g.sig_perp * p.x_half[k2];
    for (int k3 = 0; k3 < p.n_perp; ++k3) {
      const double t = g.sig_perp * p.x_perp[k3];  // along e2 = b_hat x rho_hat = (0, bz, -bphi)
      const double vp = base_phi + t * g.bz;
      const double vz = base_z - t * g.bphi;
      const double v2 = vr * vr + vp * vp + vz * vz;
      const double vperp2_local = v2 - v_par * v_par;
      const double true_term =
          vperp2_over_B_gyrocentre(p.field, rho, g.Bz, g.Bphi, kappa, vr, vp, vz);
      const double delta = g.mu_coeff * (true_term - vperp2_local * inv_B);
      const double w = p.w_half[k2] * p.w_perp[k3] * exp(delta);
      acc[K_N] += w;
      acc[K_PHI] += w * vp;
      acc[K_Z] += w * vz;
      acc[K_RR] += w * vr * vr;
      acc[K_PP] += w * vp * vp;
      acc[K_ZZ] += w * vz * vz;
      acc[K_PZ] += w * vp * vz;
    }
  }
  const double scale = g.prefactor * p.w_par[j];
  for (int m = 0; m < N_SHAPE_MOMENTS; ++m) out[m] = scale * acc[m];
}

}  // namespace fluxrope
