// The electron distribution f_e(r, v) on a solved profile (docs/model.md sections 3, 5, 9).
#include <gtest/gtest.h>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/equilibrium/validity.hpp"
#include "fluxrope/model/profile_view.hpp"
#include "test_util.hpp"

using namespace fluxrope;
using namespace fluxrope::constants;

namespace {

// Moments of electron_f at (rho, 0, 0) by the trapezoidal rule on a Cartesian velocity grid.
struct Moments {
  double n = 0, Vphi = 0, Vz = 0, Prr = 0, Ppp = 0, Pzz = 0;
};
Moments brute_force_moments(const ProfileView& pv, double rho, double sigma) {
  const int half = 60;
  const double h = 0.2 * sigma;
  double M[6] = {0, 0, 0, 0, 0, 0};
  for (int a = -half; a <= half; ++a)
    for (int b = -half; b <= half; ++b)
      for (int c = -half; c <= half; ++c) {
        const Vec3 v{a * h, b * h, c * h};  // at (rho, 0, 0): x = rho_hat, y = phi_hat
        const double f = electron_f(pv, Vec3{rho, 0, 0}, v) * h * h * h;
        M[0] += f;
        M[1] += f * v.y;
        M[2] += f * v.z;
        M[3] += f * v.x * v.x;
        M[4] += f * v.y * v.y;
        M[5] += f * v.z * v.z;
      }
  Moments m;
  m.n = M[0];
  m.Vphi = M[1] / M[0];
  m.Vz = M[2] / M[0];
  m.Prr = M_ELECTRON * M[3];
  m.Ppp = M_ELECTRON * (M[4] - M[0] * m.Vphi * m.Vphi);
  m.Pzz = M_ELECTRON * (M[5] - M[0] * m.Vz * m.Vz);
  return m;
}

}  // namespace

// electron_f integrates to the solver's final moments: the distribution the products
// evaluate is the one the equilibrium was solved with.
TEST(Distribution, IntegratesToTheSolvedMoments) {
  const SolveResult& r = test::solved("yang2022");
  const ProfileTables t = make_profile_tables(r);
  const ProfileView pv = t.view();
  const RadialProfile& p = r.profile;
  for (size_t j : {size_t{0}, size_t{158}, size_t{400}}) {
    const Moments m = brute_force_moments(pv, p.rho[j], 1.6 * std::sqrt(p.model.T_b / M_ELECTRON));
    EXPECT_NEAR(m.n / p.ne[j], 1.0, 1e-9) << "x = " << p.x[j];
    EXPECT_NEAR(m.Vphi, p.Ve_phi[j], 1e-9 * std::sqrt(p.model.T_b / M_ELECTRON))
        << "x = " << p.x[j];
    EXPECT_NEAR(m.Vz, p.Ve_z[j], 1e-9 * std::sqrt(p.model.T_b / M_ELECTRON)) << "x = " << p.x[j];
    EXPECT_NEAR(m.Prr / p.P_rr[j], 1.0, 1e-9) << "x = " << p.x[j];
    EXPECT_NEAR(m.Ppp / p.P_pp[j], 1.0, 1e-9) << "x = " << p.x[j];
    EXPECT_NEAR(m.Pzz / p.P_zz[j], 1.0, 1e-9) << "x = " << p.x[j];
  }
}

// docs/model.md §9, paper eq. 6 (exact for a Maxwellian): at equal spacecraft-frame
// speed, f(v' along U) / f(v' against U) = exp(-2 m |U| v' / T).
TEST(Distribution, FrameShiftOfAMaxwellianFollowsEq6) {
  const SolveResult& r = test::solved("uniform", {"solver.passes=1"});
  const ProfileTables t = make_profile_tables(r);
  const ProfileView pv = t.view();
  const double T = r.profile.model.T_b, vt = std::sqrt(T / M_ELECTRON);
  for (const Vec3 U : {Vec3{170e3, 0, 140e3}, Vec3{-50e3, 220e3, 10e3}}) {
    const double Umag = std::sqrt(norm2(U));
    const Vec3 Uhat = (1.0 / Umag) * U;
    for (double speed : {0.3 * vt, vt, 2.5 * vt}) {
      const Vec3 pos{30e3, -12e3, 0};
      const double along = electron_f_spacecraft(pv, pos, speed * Uhat, U);
      const double against = electron_f_spacecraft(pv, pos, -speed * Uhat, U);
      EXPECT_NEAR(along / against / std::exp(-2 * M_ELECTRON * Umag * speed / T), 1.0, 1e-10);
    }
  }
}

// Paper eq. 7: a bi-Maxwellian (uniform plasma, b_b != 0: T_par = T_b, T_perp = T_b/xi_b)
// has f_perp / f_par = exp((m v^2 / 2)(1/T_par - 1/T_perp)) at equal speed.
TEST(Distribution, BiMaxwellianAnisotropyFollowsEq7) {
  const SolveResult& r = test::solved("uniform", {"model.b_b=-0.3", "solver.passes=1"});
  const ProfileTables t = make_profile_tables(r);
  const ProfileView pv = t.view();
  const RadialProfile& p = r.profile;
  const size_t j = 300;
  const double Tpar = p.T_par[j], Tperp = p.T_perp[j];
  const Vec3 pos{p.rho[j], 0, 0};
  for (double E_eV : {10.0, 66.0, 300.0}) {
    const double v = std::sqrt(2 * E_eV * EV_TO_SI / M_ELECTRON);
    const double fpar = electron_f(pv, pos, Vec3{0, 0, v});  // B = B0 z_hat
    const double fperp = electron_f(pv, pos, Vec3{v / std::sqrt(2.0), v / std::sqrt(2.0), 0});
    const double expect = std::exp(0.5 * M_ELECTRON * v * v * (1 / Tpar - 1 / Tperp));
    EXPECT_NEAR(fperp / fpar / expect, 1.0, 1e-10) << E_eV << " eV";
  }
}

TEST(Distribution, ZeroSpacecraftVelocityIsTheRopeFrame) {
  const SolveResult& r = test::solved("yang2022");
  const ProfileTables t = make_profile_tables(r);
  const ProfileView pv = t.view();
  const Vec3 pos{20e3, 25e3, 3e3}, v{1.2e6, -0.4e6, 2.1e6};
  EXPECT_EQ(electron_f_spacecraft(pv, pos, v, Vec3{0, 0, 0}), electron_f(pv, pos, v));
  // And the shift is by +U: f_sc(v') = f(v' + U).
  const Vec3 U{150e3, -30e3, 90e3};
  EXPECT_EQ(electron_f_spacecraft(pv, pos, v, U), electron_f(pv, pos, v + U));
}

// Beyond the edge the potentials continue as docs/model.md §5 says, continuously.
TEST(Distribution, PotentialsContinueBeyondTheEdge) {
  const SolveResult& r = test::solved("yang2022");
  const ProfileTables t = make_profile_tables(r);
  const ProfileView pv = t.view();
  const RadialProfile& p = r.profile;
  const double re = p.rho.back();
  double Phi, psi, Az;
  pv.pot.eval(re * (1 - 1e-12), Phi, psi, Az);
  EXPECT_NEAR(psi, p.psi.back(), 1e-9 * std::fabs(p.psi.back()));
  EXPECT_NEAR(Az, p.Az.back(), 1e-9 * std::fabs(p.Az.back()));
  const double rho = 1.5 * re;
  pv.pot.eval(rho, Phi, psi, Az);
  const ModelParams& m = p.model;
  EXPECT_DOUBLE_EQ(Phi, p.Phi.back());
  EXPECT_NEAR(Az, p.Az.back() - re * p.Bphi.back() * std::log(rho / re), 1e-12 * std::fabs(Az));
  const double expect_psi = p.psi.back() + E_CHARGE * m.Omega / (2 * m.T_r) *
                                               (p.Bz.back() - M_ELECTRON * m.Omega / E_CHARGE) *
                                               (rho * rho - re * re);
  EXPECT_NEAR(psi, expect_psi, 1e-12 * std::fabs(expect_psi));
}

// docs/model.md §8 / section 4: with T_b < T_r the negative rotating population wins at
// high energy and f_e < 0 "above a few hundred eV"; the scan must say so. With T_b > T_r and
// no mu terms (Vinogradov et al. 2016's condition) f_e >= 0 on the whole scan.
TEST(Validity, NegativeDistributionIsReportedNotHidden) {
  const SolveResult& bad = test::solved("vinogradov2016", {"model.tau_b=0.95"});
  const NegativityReport r = scan_negative_f(make_profile_tables(bad), bad.profile);
  EXPECT_GT(r.n_negative, 0);
  EXPECT_LT(r.f_min, 0.0);
  EXPECT_GT(r.energy_at_min, 100 * EV_TO_SI);
  // The reported minimum is a real value of f_e at the reported point.
  const ProfileTables t = make_profile_tables(bad);
  const double v = std::sqrt(2 * r.energy_at_min / M_ELECTRON);
  EXPECT_DOUBLE_EQ(electron_f(t.view(), Vec3{r.rho_at_min, 0, 0}, v * r.dir_at_min), r.f_min);

  const SolveResult& good = test::solved("vinogradov2016");
  const NegativityReport g = scan_negative_f(make_profile_tables(good), good.profile);
  EXPECT_EQ(g.n_negative, 0);
  EXPECT_GE(g.f_min, 0.0);
  EXPECT_EQ(g.n_scanned, r.n_scanned);
}
