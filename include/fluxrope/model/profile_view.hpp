#pragma once
// The solved equilibrium as a device-copyable view, and the electron distribution
// f_e(r, v) of docs/model.md §3 evaluated on it (host/device, one body for every
// backend). Products (skymaps, PADs, moments along tracks) are built on electron_f.
#include <cmath>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/hd.hpp"
#include "fluxrope/core/simd_math.hpp"
#include "fluxrope/core/vec3.hpp"
#include "fluxrope/model/distribution.hpp"

namespace fluxrope {

// Potentials on the same uniform grid as the FieldView, with their rho-derivatives,
// cubic Hermite interpolated. Layout: 6 doubles per node:
//   Phi [V], dPhi/drho (= -E_rho), psi [1], dpsi/drho, A_z [T m], dA_z/drho (= -B_phi).
// Beyond the edge rho_e they continue as docs/model.md §5 says:
//   Phi = Phi(rho_e), A_z = A_z(rho_e) - rho_e B_phi(rho_e) ln(rho/rho_e),
//   psi = psi(rho_e) + (e Omega / 2T_r) (B_z(rho_e) - m Omega / e) (rho^2 - rho_e^2).
struct PotentialView {
  const double* table = nullptr;
  int n = 0;
  double h = 0.0;
  double psi_edge_coeff = 0.0;  // (e Omega / 2 T_r) (B_z(rho_e) - m Omega / e) [1/m^2]
  double Az_edge_coeff = 0.0;   // -rho_e B_phi(rho_e) [T m]

  FLUXROPE_HD void eval(double rho, double& Phi, double& psi, double& Az) const {
    const double t = rho / h;
    if (!(t < n - 1)) {  // beyond the edge (and NaN: never an index from it)
      const double* e = table + 6 * (n - 1);
      const double re = (n - 1) * h;
      Phi = e[0];
      psi = e[2] + psi_edge_coeff * (rho * rho - re * re);
      Az = e[4] + Az_edge_coeff * log(rho / re);
      return;
    }
    const int j = static_cast<int>(t);
    const double s = t - j;
    const double* a = table + 6 * j;
    const double* b = a + 6;
    const double s2 = s * s, om = 1.0 - s, om2 = om * om;
    const double h00 = (1.0 + 2.0 * s) * om2, h10 = s * om2 * h, h01 = s2 * (3.0 - 2.0 * s),
                 h11 = -s2 * om * h;
    Phi = h00 * a[0] + h10 * a[1] + h01 * b[0] + h11 * b[1];
    psi = h00 * a[2] + h10 * a[3] + h01 * b[2] + h11 * b[3];
    Az = h00 * a[4] + h10 * a[5] + h01 * b[4] + h11 * b[5];
  }
};

struct ProfileView {
  ModelView model;
  FieldView field;  // final B: the particle's field and the gyro-centre field
  PotentialView pot;
  double n_e = 0.0;  // final electron normalization [m^-3]
  double n_i = 0.0;  // ion density on the axis [m^-3] (docs/model.md s. 3: N_i = n_i exp(-e Phi / T_i))
  double T_i = 0.0;  // ion temperature [J]
};

// Everything about f_e that depends on the position only, computed once per point:
// the local basis, the field there, and per population the amplitude
// A_s = n_e w_s C_s (m / 2 pi T_s)^{3/2} exp(e Phi / T_s - chi_s), the drift and the
// exponent coefficients -m / 2T_s and b_s m / 2T_s.
struct LocalPoint {
  double rho = 0.0, c = 1.0, sn = 0.0;  // rho_hat = (c, sn, 0), phi_hat = (-sn, c, 0)
  double Bz = 0.0, Bphi = 0.0;
  double kappa = 0.0;  // m / (e |B|^2): the gyro-centre offset per unit v x B
  double amp[N_POP] = {0, 0, 0};
  double u_phi[N_POP] = {0, 0, 0}, u_z[N_POP] = {0, 0, 0};
  double a[N_POP] = {0, 0, 0}, bmu[N_POP] = {0, 0, 0};
};

// A LocalPoint as LOCAL_POINT_FIELDS doubles, for tables in structure-of-arrays order: field f of
// point i at blk[f * stride + i]. The CPU kernels' vector lanes (one point per lane) then read
// each field of all their points as one contiguous vector instead of gathering a struct per lane
// (docs/performance.md, "Kernel layout"); the values, and so every result, are the same.
inline constexpr int LOCAL_POINT_FIELDS = 6 + 5 * N_POP;
FLUXROPE_HD inline void store_point(const LocalPoint& l, double* blk, int stride, int i) {
  double* o = blk + i;
  o[0 * stride] = l.rho;
  o[1 * stride] = l.c;
  o[2 * stride] = l.sn;
  o[3 * stride] = l.Bz;
  o[4 * stride] = l.Bphi;
  o[5 * stride] = l.kappa;
  for (int s = 0; s < N_POP; ++s) {
    o[(6 + s) * stride] = l.amp[s];
    o[(6 + N_POP + s) * stride] = l.u_phi[s];
    o[(6 + 2 * N_POP + s) * stride] = l.u_z[s];
    o[(6 + 3 * N_POP + s) * stride] = l.a[s];
    o[(6 + 4 * N_POP + s) * stride] = l.bmu[s];
  }
}
FLUXROPE_HD inline LocalPoint load_point(const double* blk, int stride, int i) {
  const double* o = blk + i;
  LocalPoint l;
  l.rho = o[0 * stride];
  l.c = o[1 * stride];
  l.sn = o[2 * stride];
  l.Bz = o[3 * stride];
  l.Bphi = o[4 * stride];
  l.kappa = o[5 * stride];
  for (int s = 0; s < N_POP; ++s) {
    l.amp[s] = o[(6 + s) * stride];
    l.u_phi[s] = o[(6 + N_POP + s) * stride];
    l.u_z[s] = o[(6 + 2 * N_POP + s) * stride];
    l.a[s] = o[(6 + 3 * N_POP + s) * stride];
    l.bmu[s] = o[(6 + 4 * N_POP + s) * stride];
  }
  return l;
}
// The amplitudes' fields (6 .. 6 + N_POP - 1) of a structure-of-arrays table.
inline constexpr int LOCAL_POINT_AMP = 6;

// Rope frame, Cartesian (x, y, z) with z along the rope axis (docs/model.md §1).
// The part of a LocalPoint every species shares: the local basis and the field at r, and the
// potentials there (Phi [V], psi, A_z [T m]).
FLUXROPE_HD inline LocalPoint local_frame(const ProfileView& p, Vec3 r, double& Phi, double& psi,
                                          double& Az) {
  LocalPoint l;
  l.rho = sqrt(r.x * r.x + r.y * r.y);
  if (l.rho > 0.0) {
    l.c = r.x / l.rho;
    l.sn = r.y / l.rho;
  }
  p.field.eval(l.rho, l.Bz, l.Bphi);
  l.kappa = gyro_kappa(l.Bz, l.Bphi);
  p.pot.eval(l.rho, Phi, psi, Az);
  return l;
}

FLUXROPE_HD inline LocalPoint local_point(const ProfileView& p, Vec3 r) {
  double Phi, psi, Az;
  LocalPoint l = local_frame(p, r, Phi, psi, Az);
  const double m = constants::M_ELECTRON, e = constants::E_CHARGE;
  for (int s = 0; s < N_POP; ++s) {
    const PopulationView q = p.model.pop[s];
    drift(p.model, s, l.rho, l.u_phi[s], l.u_z[s]);
    // chi_b = 0, chi_r = psi, chi_z = e V A_z / T_z (docs/model.md §3)
    const double chi = (s == POP_R) ? psi : (s == POP_Z) ? e * p.model.V * Az / q.T : 0.0;
    const double norm = pow(m / (2.0 * constants::PI * q.T), 1.5);
    l.amp[s] = p.n_e * q.weight * q.C * norm * exp(e * Phi / q.T - chi);
    l.a[s] = -0.5 * m / q.T;
    l.bmu[s] = 0.5 * q.b * m / q.T;
  }
  return l;
}

// The ions' distribution (docs/model.md s. 3: Boltzmann, at rest in the rope frame) as a
// LocalPoint, so that every kernel written for f_e evaluates it unchanged: one population of
// amplitude A_i = n_i exp(-e Phi / T_i) (m_i / 2 pi T_i)^{3/2} and exponent coefficient
// -m_i / 2 T_i, no drift and no mu term (bmu = 0); the other two populations have amplitude 0
// and add exactly 0. The field is kept (the mu term is evaluated, then multiplied by 0).
//   f_i(r, v) = A_i exp(-m_i |v|^2 / 2 T_i)
FLUXROPE_HD inline LocalPoint ion_point(const ProfileView& p, Vec3 r, double ion_mass_kg) {
  double Phi, psi, Az;
  LocalPoint l = local_frame(p, r, Phi, psi, Az);
  const double e = constants::E_CHARGE, T = p.T_i;
  l.amp[0] = p.n_i * exp(-e * Phi / T) * pow(ion_mass_kg / (2.0 * constants::PI * T), 1.5);
  l.a[0] = -0.5 * ion_mass_kg / T;
  return l;
}

// f_e [s^3/m^6] at a prepared point and rope-frame velocity v [m/s] (docs/model.md §3):
//   f_e = n_e sum_s w_s C_s (m / 2 pi T_s)^{3/2}
//         exp(-m |v - u_s|^2 / 2T_s + b_s mu / T_s + e Phi / T_s - chi_s),
// mu = m v_perp^2 / (2 |B(R)|) with the gyro-centre field.
FLUXROPE_HD inline double electron_f_at(const ProfileView& p, const LocalPoint& l, Vec3 v) {
  const double vr = l.c * v.x + l.sn * v.y, vp = -l.sn * v.x + l.c * v.y, vz = v.z;
  const double mu_term =
      vperp2_over_B_gyrocentre(p.field, l.rho, l.Bz, l.Bphi, l.kappa, vr, vp, vz);
  double f = 0.0;
  for (int s = 0; s < N_POP; ++s) {
    const double dp = vp - l.u_phi[s], dz = vz - l.u_z[s];
    f += l.amp[s] * vexp(l.a[s] * (vr * vr + dp * dp + dz * dz) + l.bmu[s] * mu_term);
  }
  return f;
}

FLUXROPE_HD inline double electron_f(const ProfileView& p, Vec3 r, Vec3 v) {
  return electron_f_at(p, local_point(p, r), v);
}

// docs/model.md §9: phase-space density is frame invariant. A spacecraft moving with
// velocity U in the rope frame sees, at spacecraft-frame velocity v', f_sc = f(r, v' + U).
FLUXROPE_HD inline double electron_f_spacecraft(const ProfileView& p, Vec3 r, Vec3 v_sc, Vec3 U) {
  return electron_f(p, r, v_sc + U);
}

}  // namespace fluxrope
