#pragma once
// The electron distribution of docs/model.md §3 as host/device physics.
// Everything here takes small POD structs by value and is compiled by g++ for
// the CPU backend and by nvcc for the CUDA backend: one kernel body.
#include <cmath>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/hd.hpp"

namespace fluxrope {

// Population indices, in the order of docs/model.md: background, rotating, axial.
enum Population : int { POP_B = 0, POP_R = 1, POP_Z = 2, N_POP = 3 };

// One electron population s (docs/model.md §3), SI.
struct PopulationView {
  double weight = 0.0;  // w_s (signed: w_r = -alpha_r)
  double T = 0.0;       // T_s [J]
  double b = 0.0;       // b_s [T]
  double C = 0.0;       // C_s = 1 - b_s / B_0
};

// What a kernel needs of the model: the three populations and the drift parameters.
struct ModelView {
  PopulationView pop[N_POP];
  double Omega = 0.0;  // [1/s], drift of the rotating population u_r = Omega rho phi_hat
  double V = 0.0;      // [m/s], drift of the axial population u_z = V z_hat
};

// Population s of the model, chosen by value selects: an array in a kernel's parameters indexed
// by a run-time s would be copied to the device's local memory (docs/performance.md, "GPU kernels").
FLUXROPE_HD inline PopulationView population(const ModelView& m, int s) {
  return s == POP_B ? m.pop[POP_B] : (s == POP_R ? m.pop[POP_R] : m.pop[POP_Z]);
}

// Drift velocity of population s at radius rho, in the local (rho, phi, z) basis:
// u_b = 0, u_r = Omega rho phi_hat, u_z = V z_hat.
FLUXROPE_HD inline void drift(const ModelView& m, int s, double rho, double& u_phi, double& u_z) {
  u_phi = (s == POP_R) ? m.Omega * rho : 0.0;
  u_z = (s == POP_Z) ? m.V : 0.0;
}

// Radial field B_z(rho), B_phi(rho) tabulated on a uniform grid rho_j = j h, j = 0..n-1,
// as values and derivatives, interpolated by cubic Hermite polynomials (error
// O(h^4)). Beyond the edge rho_e = (n-1) h the field continues current-free
// (docs/model.md §5): B_z = B_z(rho_e), B_phi = B_phi(rho_e) rho_e / rho.
// table layout: 4 doubles per node: B_z, dB_z/drho, B_phi, dB_phi/drho (SI).
struct FieldView {
  const double* table = nullptr;
  int n = 0;
  double h = 0.0;
  double inv_h = 0.0;  // 1 / h

  FLUXROPE_HD double rho_edge() const { return (n - 1) * h; }

  // Branch-free (value selects only), so that CPU loops over it vectorize: beyond the
  // edge the interval index stops at the last one and s at 1, where the Hermite
  // polynomial returns the edge node's values exactly; B_phi then gets rho_e / rho.
  FLUXROPE_HD void eval(double rho, double& Bz, double& Bphi) const {
    const double t = rho * inv_h;
    const double last = n - 1;
    const int j = static_cast<int>(t < last - 1 ? t : last - 1);
    const double s_raw = t - j;
    const double s = s_raw < 1.0 ? s_raw : 1.0;
    const int a = 4 * j, b = a + 4;  // indices (not pointers): vectorizers see gathers
    const double s2 = s * s, om = 1.0 - s, om2 = om * om;
    const double h00 = (1.0 + 2.0 * s) * om2;
    const double h10 = s * om2 * h;
    const double h01 = s2 * (3.0 - 2.0 * s);
    const double h11 = -s2 * om * h;
    Bz = h00 * table[a] + h10 * table[a + 1] + h01 * table[b] + h11 * table[b + 1];
    Bphi = h00 * table[a + 2] + h10 * table[a + 3] + h01 * table[b + 2] + h11 * table[b + 3];
    Bphi *= t > last ? last / t : 1.0;  // current-free continuation (docs/model.md §5)
  }
};

// v_perp^2 / |B(R)| for an electron at radius rho (local field B_z, B_phi there)
// with velocity (v_rho, v_phi, v_z) in the particle's local basis, where R is its
// gyro-centre (docs/model.md §3):
//   R = r - (m / (e |B(r)|^2)) v x B(r),
//   R_x = rho - kappa (B_z v_phi - B_phi v_z),  R_y = kappa B_z v_rho,
//   B(R) = B_phi(rho_c) (-sin th_c, cos th_c, 0) + B_z(rho_c) z_hat,
// and v_perp is v minus its component along B(R). mu = m/2 * this.
// kappa = m / (e |B|^2) of the gyro-centre formula, for the local field (B_z, B_phi).
FLUXROPE_HD inline double gyro_kappa(double Bz, double Bphi) {
  return constants::M_ELECTRON / (constants::E_CHARGE * (Bz * Bz + Bphi * Bphi));
}

// Gyro-centre (R_x, R_y) in the particle's local basis (x along rho_hat, y along phi_hat).
FLUXROPE_HD inline void gyrocentre(double rho, double Bz, double Bphi, double kappa, double vr,
                                   double vp, double vz, double& Rx, double& Ry) {
  Rx = rho - kappa * (Bz * vp - Bphi * vz);
  Ry = kappa * Bz * vr;
}
FLUXROPE_HD inline void gyrocentre(double rho, double Bz, double Bphi, double vr, double vp,
                                   double vz, double& Rx, double& Ry) {
  gyrocentre(rho, Bz, Bphi, gyro_kappa(Bz, Bphi), vr, vp, vz, Rx, Ry);
}

// Floor of the gyro-centre radius where it divides [m]: far below any physical scale.
inline constexpr double RHO_FLOOR = 1e-300;

// Hot loops pass kappa = gyro_kappa(Bz, Bphi), computed once per position.
FLUXROPE_HD inline double vperp2_over_B_gyrocentre(const FieldView& f, double rho, double Bz,
                                                   double Bphi, double kappa, double vr, double vp,
                                                   double vz) {
  double Rx, Ry;
  gyrocentre(rho, Bz, Bphi, kappa, vr, vp, vz, Rx, Ry);
  const double rho_c = sqrt(Rx * Rx + Ry * Ry);
  double Bzc, Bphic;
  f.eval(rho_c, Bzc, Bphic);
  // (-sin th_c, cos th_c) = (-Ry, Rx) / rho_c; at rho_c = 0 the numerator vanishes with
  // R, and the floor keeps 0 * inf out (a value select, not a branch: see FieldView::eval).
  const double inv = 1.0 / (rho_c > RHO_FLOOR ? rho_c : RHO_FLOOR);
  const double vdotB = Bphic * (Rx * vp - Ry * vr) * inv + Bzc * vz;
  const double inv_B2 = 1.0 / (Bzc * Bzc + Bphic * Bphic);
  const double v2 = vr * vr + vp * vp + vz * vz;
  return (v2 - vdotB * vdotB * inv_B2) * sqrt(inv_B2);
}
FLUXROPE_HD inline double vperp2_over_B_gyrocentre(const FieldView& f, double rho, double Bz,
                                                   double Bphi, double vr, double vp, double vz) {
  return vperp2_over_B_gyrocentre(f, rho, Bz, Bphi, gyro_kappa(Bz, Bphi), vr, vp, vz);
}

}  // namespace fluxrope
