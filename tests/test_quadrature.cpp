// Building blocks of the solver: Gauss-Hermite rules, Chebyshev interpolation,
// the gyro-centre, and the shape-integral kernel against closed forms.
#include <gtest/gtest.h>
#include <omp.h>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"
#include "fluxrope/core/vec3.hpp"
#include "fluxrope/equilibrium/quadrature.hpp"
#include "fluxrope/equilibrium/shape_integrals.hpp"
#include "test_util.hpp"

using namespace fluxrope;
using namespace fluxrope::constants;

TEST(GaussHermite, IntegratesGaussianMomentsExactlyUpToDegree2nMinus1) {
  for (int n : {4, 9, 16, 24}) {
    const GaussRule r = gauss_hermite(n);
    double double_factorial = 1.0;  // E[x^{2k}] = (2k-1)!! for the standard normal
    for (int k = 0; 2 * k <= 2 * n - 1; ++k) {
      if (k > 0) double_factorial *= (2 * k - 1);
      double even = 0.0, odd = 0.0;
      for (int i = 0; i < n; ++i) {
        even += r.w[i] * std::pow(r.x[i], 2 * k);
        odd += r.w[i] * std::pow(r.x[i], 2 * k + 1);
      }
      EXPECT_NEAR(even / double_factorial, 1.0, 1e-12) << "n=" << n << " degree " << 2 * k;
      EXPECT_NEAR(odd, 0.0, 1e-12 * double_factorial) << "n=" << n << " degree " << 2 * k + 1;
    }
  }
}

TEST(GaussHermite, EvenHalfIntegratesEvenFunctions) {
  const GaussRule full = gauss_hermite(16), half = even_half(full);
  ASSERT_EQ(half.x.size(), 8u);
  double a = 0.0, b = 0.0;
  for (size_t i = 0; i < full.x.size(); ++i) a += full.w[i] * std::cos(full.x[i]);
  for (size_t i = 0; i < half.x.size(); ++i) b += half.w[i] * std::cos(half.x[i]);
  EXPECT_NEAR(a, b, 1e-15);
  EXPECT_NEAR(a, std::exp(-0.5), 1e-12);  // E[cos x] = e^{-1/2}
}

TEST(Chebyshev, InterpolatesAndDifferentiatesSmoothProfiles) {
  const ChebyshevGrid g(97, 0.0, 8.0);
  std::vector<double> f(g.size());
  for (int k = 0; k < g.size(); ++k) f[k] = std::exp(-0.5 * g.nodes()[k] * g.nodes()[k]);
  const std::vector<double> d = g.derivative(f);
  std::vector<double> c(g.size());
  double err = 0.0, derr = 0.0;
  for (double t = 0.0; t <= 8.0; t += 0.0137) {
    g.weights_at(t, c.data());
    double v = 0.0, dv = 0.0;
    for (int k = 0; k < g.size(); ++k) {
      v += c[k] * f[k];
      dv += c[k] * d[k];
    }
    err = std::max(err, std::fabs(v - std::exp(-0.5 * t * t)));
    derr = std::max(derr, std::fabs(dv + t * std::exp(-0.5 * t * t)));
  }
  EXPECT_LT(err, 1e-13);
  EXPECT_LT(derr, 1e-10);
}

// R = r - (m / (e B^2)) v x B must be the centre of the actual electron orbit:
// integrate m dv/dt = -e v x B over one gyro-period and average the position.
TEST(GyroCentre, IsTheOrbitAverageOfAnElectronInAUniformField) {
  const double Bz = 20e-9, Bphi = -6e-9, rho = 30e3;
  const Vec3 B{0.0, Bphi, Bz};
  const Vec3 v0{1.1e6, -2.3e6, 0.7e6};  // (v_rho, v_phi, v_z) at r = (rho, 0, 0)
  double Rx, Ry;
  gyrocentre(rho, Bz, Bphi, v0.x, v0.y, v0.z, Rx, Ry);
  const double Bmag = std::sqrt(norm2(B));
  const double period = 2.0 * PI * M_ELECTRON / (E_CHARGE * Bmag);
  const int steps = 20000;
  const double dt = period / steps;
  Vec3 r{rho, 0.0, 0.0}, v = v0, avg{};
  auto acc = [&](Vec3 vel) { return (-E_CHARGE / M_ELECTRON) * cross(vel, B); };
  for (int i = 0; i < steps; ++i) {
    avg = avg + (1.0 / steps) * r;  // left Riemann sum of a periodic function: spectrally accurate
    const Vec3 k1v = acc(v), k1r = v;
    const Vec3 k2v = acc(v + 0.5 * dt * k1v), k2r = v + 0.5 * dt * k1v;
    const Vec3 k3v = acc(v + 0.5 * dt * k2v), k3r = v + 0.5 * dt * k2v;
    const Vec3 k4v = acc(v + dt * k3v), k4r = v + dt * k3v;
    v = v + (dt / 6.0) * (k1v + 2.0 * k2v + 2.0 * k3v + k4v);
    r = r + (dt / 6.0) * (k1r + 2.0 * k2r + 2.0 * k3r + k4r);
  }
  // The parallel drift moves the average along B; compare perpendicular to B.
  const Vec3 bhat = (1.0 / Bmag) * B;
  // Mean parallel displacement of the samples t_i = i dt, i < steps: v_par (period - dt) / 2.
  const Vec3 drift = ((period - dt) * dot(v0, bhat) / 2.0) * bhat;
  const Vec3 centre = avg - drift;
  const double gyro_radius =
      std::sqrt(norm2(v0) - dot(v0, bhat) * dot(v0, bhat)) * period / (2 * PI);
  EXPECT_NEAR(centre.x, Rx, 1e-6 * gyro_radius);
  EXPECT_NEAR(centre.y, Ry, 1e-6 * gyro_radius);
}

// v_perp^2 / |B(R)| against a Cartesian re-derivation: particle at (rho, 0, 0), R from
// the vector formula, B(R) = B_phi(rho_c) phi_hat(R) + B_z(rho_c) z_hat, v_perp taken
// against B(R), in the solved yang2022 field.
TEST(GyroCentre, PerpendicularSpeedIsTakenAgainstTheFieldAtTheGyroCentre) {
  const SolveResult& r = test::solved("yang2022", {"solver.passes=1"});
  const FieldTable f = r.history.back().field_table();
  const FieldView fv = f.view();
  const Scales sc = scales_of(test::config_of("yang2022").model);
  const double vt = std::sqrt(33.0 * EV_TO_SI / M_ELECTRON);
  unsigned seed = 12345;
  auto uniform = [&seed]() {
    seed = seed * 1103515245u + 12345u;
    return ((seed >> 8) & 0xFFFF) / 65535.0 * 2.0 - 1.0;
  };
  for (int i = 0; i < 200; ++i) {
    const double rho = (0.05 + 3.0 * (0.5 + 0.5 * uniform())) * sc.L_st;
    const Vec3 v{4 * vt * uniform(), 4 * vt * uniform(), 4 * vt * uniform()};
    double Bz, Bphi;
    fv.eval(rho, Bz, Bphi);
    const Vec3 B{0.0, Bphi, Bz};
    const Vec3 R = Vec3{rho, 0.0, 0.0} - (M_ELECTRON / (E_CHARGE * norm2(B))) * cross(v, B);
    const double rho_c = std::hypot(R.x, R.y);
    double Bzc, Bphic;
    fv.eval(rho_c, Bzc, Bphic);
    const Vec3 phi_hat{-R.y / rho_c, R.x / rho_c, 0.0};
    const Vec3 Bc = Bphic * phi_hat + Vec3{0.0, 0.0, Bzc};
    const double vpar = dot(v, Bc) / std::sqrt(norm2(Bc));
    const double expect = (norm2(v) - vpar * vpar) / std::sqrt(norm2(Bc));
    EXPECT_NEAR(vperp2_over_B_gyrocentre(fv, rho, Bz, Bphi, v.x, v.y, v.z), expect,
                1e-12 * norm2(v) / Bzc);
  }
}

namespace {

FieldTable uniform_field(double Bz, double Bphi, double edge, int n = 101) {
  std::vector<double> bz(n, Bz), zero(n, 0.0), bp(n, Bphi);
  return make_field_table(bz, zero, bp, zero, edge / (n - 1));
}

}  // namespace

// In a uniform B_z the gyro-centre field equals the local one, so the quadrature must
// reproduce docs/model.md §6's closed-form pass-0 moments (b_s != 0) to round-off.
TEST(ShapeKernel, MatchesClosedFormMomentsInAUniformAxialField) {
  const ModelParams m = test::config_of("yang2022", {"model.b_r=0.2"}).model;
  const double Bz = 18e-9;
  const Scales sc = scales_of(m);
  const FieldTable f = uniform_field(Bz, 0.0, 20 * sc.L_st);
  const PanelGrid grid({ChebyshevGrid(9, 0.0, 8 * sc.L_st)});
  auto cpu = make_cpu_backend();
  const ShapeTable t = compute_shape_table(m, f, grid, ShapeQuadrature{16, 16}, *cpu);
  const ModelView mv = make_model_view(m);
  for (int k = 0; k < grid.size(); ++k) {
    const double rho = grid.nodes()[k];
    for (int s = 0; s < N_POP; ++s) {
      const PopulationView p = mv.pop[s];
      const double xi = 1.0 - p.b / Bz, vt2 = p.T / M_ELECTRON;
      double n = p.weight * p.C / xi, uphi = 0.0, uz = 0.0;
      if (s == POP_R) {
        n *= std::exp(M_ELECTRON * m.Omega * m.Omega * rho * rho * (1.0 / xi - 1.0) / (2.0 * p.T));
        uphi = m.Omega * rho / xi;
      }
      if (s == POP_Z) uz = m.V;
      const double expect[N_SHAPE_MOMENTS] = {n,
                                              n * uphi,
                                              n * uz,
                                              n * vt2 / xi,
                                              n * (vt2 / xi + uphi * uphi),
                                              n * (vt2 + uz * uz),
                                              n * uphi * uz};
      const double vscale = std::sqrt(vt2 / xi) + std::fabs(uphi) + std::fabs(uz);
      double pass0[N_SHAPE_MOMENTS];  // the solver's pass-0 closed form
      ASSERT_TRUE(local_field_moments(mv, s, rho, Bz, pass0));
      for (int mm = 0; mm < N_SHAPE_MOMENTS; ++mm) {
        const double scale = std::fabs(n) * (mm == 0 ? 1.0 : mm < 3 ? vscale : vscale * vscale);
        EXPECT_NEAR(t.node(s, mm, k), expect[mm], 1e-13 * scale)
            << "population " << s << " moment " << mm << " rho node " << k;
        EXPECT_NEAR(pass0[mm], expect[mm], 1e-13 * scale)
            << "pass 0, population " << s << " moment " << mm;
      }
    }
  }
}

// The kernel's split into a local Gaussian times exp(Delta) against brute force: the
// exact integrand of docs/model.md §3 (gyro-centre mu in the solved yang2022 field,
// where B_phi is largest) summed by the trapezoidal rule on a Cartesian velocity grid,
// which converges geometrically for smooth, rapidly decaying integrands.
TEST(ShapeKernel, MatchesBruteForceIntegrationWithGyroCentreMu) {
  const SolveResult& r = test::solved("yang2022");
  const ModelParams m = test::config_of("yang2022").model;
  const Scales sc = scales_of(m);
  const FieldTable f = r.history.back().field_table();
  const FieldView fv = f.view();
  const double rho = 1.58 * sc.L_st;
  const PanelGrid grid({ChebyshevGrid(2, rho, rho + 0.5 * sc.L_st)});  // node 0 at rho
  auto cpu = make_cpu_backend();
  const ShapeTable t = compute_shape_table(m, f, grid, {}, *cpu);
  const ModelView mv = make_model_view(m);
  double Bz, Bphi;
  fv.eval(rho, Bz, Bphi);
  for (int s : {POP_B, POP_Z}) {  // the populations with b_s != 0
    const PopulationView p = mv.pop[s];
    double u_phi, u_z;
    drift(mv, s, rho, u_phi, u_z);
    const double sig =
        std::sqrt(p.T / M_ELECTRON) * 1.6;  // covers the widest (perpendicular) direction
    const int half = 60;
    const double h = 0.2 * sig;
    double K[N_SHAPE_MOMENTS] = {0, 0, 0, 0, 0, 0, 0};
    const double norm = p.weight * p.C * std::pow(M_ELECTRON / (2 * PI * p.T), 1.5) * h * h * h;
    for (int a = -half; a <= half; ++a)
      for (int b = -half; b <= half; ++b)
        for (int c = -half; c <= half; ++c) {
          const double vr = a * h, vp = u_phi + b * h, vz = u_z + c * h;
          const double d2 = vr * vr + (vp - u_phi) * (vp - u_phi) + (vz - u_z) * (vz - u_z);
          const double mu_term = vperp2_over_B_gyrocentre(fv, rho, Bz, Bphi, vr, vp, vz);
          const double g = norm * std::exp(-M_ELECTRON * d2 / (2 * p.T) +
                                           p.b * M_ELECTRON * mu_term / (2 * p.T));
          K[K_N] += g;
          K[K_PHI] += g * vp;
          K[K_Z] += g * vz;
          K[K_RR] += g * vr * vr;
          K[K_PP] += g * vp * vp;
          K[K_ZZ] += g * vz * vz;
          K[K_PZ] += g * vp * vz;
        }
    const double v2 = p.T / M_ELECTRON + u_z * u_z;
    const double scale[N_SHAPE_MOMENTS] = {1, std::sqrt(v2), std::sqrt(v2), v2, v2, v2, v2};
    for (int mm = 0; mm < N_SHAPE_MOMENTS; ++mm)
      EXPECT_NEAR(t.node(s, mm, 0), K[mm], 1e-9 * std::fabs(K[K_N]) * scale[mm])
          << "population " << s << " moment " << mm;
  }
}

TEST(ShapeKernel, ResultIsIndependentOfTheThreadCount) {
  const SolveResult& r = test::solved("yang2022", {"solver.passes=1"});
  const ModelParams m = test::config_of("yang2022").model;
  const Scales sc = scales_of(m);
  const PanelGrid grid = shape_panels(17, 8 * sc.L_st, sc.L_st);
  auto cpu = make_cpu_backend();
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const ShapeTable one = compute_shape_table(m, r.history.back().field_table(), grid, {}, *cpu);
  omp_set_num_threads(std::max(2, saved));
  const ShapeTable many = compute_shape_table(m, r.history.back().field_table(), grid, {}, *cpu);
  omp_set_num_threads(saved);
  for (int s = 0; s < N_POP; ++s)
    for (int mm = 0; mm < N_SHAPE_MOMENTS; ++mm)
      for (int k = 0; k < grid.size(); ++k) ASSERT_EQ(one.node(s, mm, k), many.node(s, mm, k));
}

TEST(ShapeKernel, RefusesANonNormalizablePopulationNamingItAndTheRadius) {
  const ModelParams m = test::config_of("yang2022").model;
  const FieldTable weak = uniform_field(7e-9, 0.0, 100e3);  // |B| = 7 nT < b_z = 8.66 nT
  const PanelGrid grid({ChebyshevGrid(9, 0.0, 100e3)});
  auto cpu = make_cpu_backend();
  try {
    compute_shape_table(m, weak, grid, {}, *cpu);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("axial"), std::string::npos) << msg;
    EXPECT_NE(msg.find("rho = 0 km"), std::string::npos) << msg;
  }
}
