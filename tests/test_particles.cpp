// Initial conditions for PIC codes (docs/simulation.md): the sampled particles against the
// profile they come from, the grid fields against Ampere's law, and the bad inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"
#include "fluxrope/jobs.hpp"
#include "test_util.hpp"

namespace fluxrope {
namespace {

using constants::E_CHARGE;
using constants::KM_TO_SI;

const Equilibrium& equilibrium() {
  static const Equilibrium eq = [] {
    auto cpu = make_cpu_backend();
    return solve_job(test::config_of("yang2022"), *cpu);
  }();
  return eq;
}

// 128 x 128 cells x 64 = 1.05e6 particles a species: the acceptance's 10^6.
ParticleSettings million() {
  ParticleSettings s;
  s.particles_per_cell = 64;
  return s;
}

ParticleSet sample(const ParticleSettings& s, int species, Backend& backend,
                   void (*plant)(ParticleProblem&) = nullptr) {
  const Equilibrium& eq = equilibrium();
  ParticleProblem p = make_particle_problem(s, eq.tables, eq.result.profile, eq.negativity, species);
  if (plant) plant(p);
  return run_particle_problem(backend, p);
}

TEST(Particles, BinnedMomentsPassTheChi2TestAndEachPlantedErrorFailsIt) {
  auto cpu = make_cpu_backend();
  const ParticleSettings s = million();
  const RadialProfile& profile = equilibrium().result.profile;
  for (int species : {PARTICLE_ELECTRONS, PARTICLE_IONS}) {
    const ParticleSet set = sample(s, species, *cpu);
    ASSERT_GE(set.size(), 1000000u);
    const MomentCheck c = check_moments(set, profile, s);
    EXPECT_EQ(c.dof(), 20 * 8);
    EXPECT_TRUE(c.passes()) << set.name << ": chi^2/dof = " << c.chi2() / c.dof() << " outside "
                            << c.lo99 << " .. " << c.hi99 << " (density "
                            << c.chi2_density / c.dof_density << ", velocity "
                            << c.chi2_velocity / c.dof_velocity << ")";
  }
  // The planted errors: each sampled f differs from the profile's in one physical way.
  struct Planted {
    const char* what;
    void (*plant)(ParticleProblem&);
  };
  const Planted planted[] = {
      {"wrong sign of Omega", [](ParticleProblem& p) { p.profile.model.Omega *= -1.0; }},
      {"missing mu term",
       [](ParticleProblem& p) {
         for (auto& q : p.profile.model.pop) q.b = 0.0;
       }},
      {"negative population dropped",
       [](ParticleProblem& p) { p.profile.model.pop[POP_R].weight = 0.0; }},
  };
  for (const Planted& e : planted) {
    const ParticleSet set = sample(s, PARTICLE_ELECTRONS, *cpu, e.plant);
    const MomentCheck c = check_moments(set, profile, s);
    EXPECT_GT(c.chi2() / c.dof(), c.hi99) << e.what << ": chi^2/dof = " << c.chi2() / c.dof();
  }
}

TEST(Particles, EqualLoadingPassesThePearsonAndVelocityTests) {
  auto cpu = make_cpu_backend();
  ParticleSettings s;
  s.loading = "equal";
  s.particles_per_cell = 16;
  const RadialProfile& profile = equilibrium().result.profile;
  const ParticleSet set = sample(s, PARTICLE_ELECTRONS, *cpu);
  const MomentCheck c = check_moments(set, profile, s);
  EXPECT_EQ(c.dof_density, 20);
  EXPECT_TRUE(c.passes()) << "chi^2/dof = " << c.chi2() / c.dof();
  // one weight; their sum is the box's content (per metre), 2 pi int n rho drho over the
  // inscribed disk is below it
  double total = 0.0;
  for (double w : set.w) total += w;
  EXPECT_DOUBLE_EQ(set.w.front(), set.w.back());
  EXPECT_NEAR(total, 150e3 * 150e3 * 41.5e6, 0.04 * total);  // n ~ 40-43 cm^-3 over the box
}

// Ampere's law between the grid B and the current the particles carry: the line integral of B
// around squares of the node grid (trapezoids) against mu0 times the particles' current through
// them, within 4 sigma of the velocity sampling error; and B_z's drop across an annulus against
// mu0 int j_phi drho. The electrons' drift is ~3% of their thermal speed, so the current of N
// particles has a relative noise of ~30 / sqrt(N): 2.6e6 electrons in the inner 80 x 80 km make
// it a 10-15 sigma signal (docs/simulation.md "Noise").
TEST(Particles, AmpereHoldsBetweenTheGridFieldAndTheParticleCurrent) {
  auto cpu = make_cpu_backend();
  ParticleSettings s;
  s.x_range_km = {-40.0, 40.0};
  s.y_range_km = {-40.0, 40.0};
  s.cells = {64, 64, 1};
  s.particles_per_cell = 640;
  s.fields = "node";
  const Equilibrium& eq = equilibrium();
  const RadialProfile& profile = eq.result.profile;
  const ParticleSet e = sample(s, PARTICLE_ELECTRONS, *cpu);
  const ParticleSet ions = sample(s, PARTICLE_IONS, *cpu);
  const FieldGrid g = field_grid(s, eq.tables, profile);
  const GridRecord& B = g.records[0];
  ASSERT_EQ(B.name, "B");
  const long nx = g.n_nodes[0], ny = g.n_nodes[1];
  auto at = [&](int c, long i, long j) { return B.component[c][static_cast<size_t>(i * ny + j)]; };
  const long ic = nx / 2, jc = ny / 2;  // the node on the axis (64 cells: node 32 at x = 0)
  ASSERT_NEAR(g.origin[0] + ic * g.spacing[0], 0.0, 1e-6);
  for (long half : {8L, 16L, 28L}) {
    // counter-clockwise: bottom (+x), right (+y), top (-x), left (-y)
    double loop = 0.0;
    for (long k = -half; k < half; ++k) {
      loop += 0.5 * (at(0, ic + k, jc - half) + at(0, ic + k + 1, jc - half)) * g.spacing[0];
      loop += 0.5 * (at(1, ic + half, jc + k) + at(1, ic + half, jc + k + 1)) * g.spacing[1];
      loop -= 0.5 * (at(0, ic + k, jc + half) + at(0, ic + k + 1, jc + half)) * g.spacing[0];
      loop -= 0.5 * (at(1, ic - half, jc + k) + at(1, ic - half, jc + k + 1)) * g.spacing[1];
    }
    const double a = half * g.spacing[0];
    double I = 0.0, var = 0.0;
    for (const ParticleSet* set : {&e, &ions}) {
      for (size_t i = 0; i < set->size(); ++i) {
        if (std::abs(set->x[i]) >= a || std::abs(set->y[i]) >= a) continue;
        const double qw = set->charge_C * set->w[i];
        const double rho = std::hypot(set->x[i], set->y[i]);
        const double h = profile.rho[1];
        const size_t j = std::min(static_cast<size_t>(rho / h), profile.size() - 2);
        const double t = rho / h - j;
        const double uz = set == &e ? (1 - t) * profile.Ve_z[j] + t * profile.Ve_z[j + 1] : 0.0;
        I += qw * set->vz[i];
        var += qw * qw * (set->vz[i] - uz) * (set->vz[i] - uz);
      }
    }
    const double mu0 = constants::MU0;
    EXPECT_LT(std::abs(loop - mu0 * I), 4.0 * mu0 * std::sqrt(var))
        << "square of half-side " << a / KM_TO_SI << " km: loop " << loop << " T m, mu0 I "
        << mu0 * I << " T m";
    EXPECT_GT(std::abs(loop), 10.0 * mu0 * std::sqrt(var));  // the test can see the current
  }
  // B_z(rho1) - B_z(rho2) = mu0 int_rho1^rho2 j_phi drho, from the particles in the annulus
  const double r1 = 4 * g.spacing[0], r2 = 30 * g.spacing[0];
  double sum = 0.0, var = 0.0;
  for (const ParticleSet* set : {&e, &ions})
    for (size_t i = 0; i < set->size(); ++i) {
      const double rho = std::hypot(set->x[i], set->y[i]);
      if (rho < r1 || rho >= r2) continue;
      const double vphi = (-set->y[i] * set->vx[i] + set->x[i] * set->vy[i]) / rho;
      const double h = profile.rho[1];
      const size_t j = static_cast<size_t>(rho / h);
      const double t = rho / h - j;
      const double up = set == &e ? (1 - t) * profile.Ve_phi[j] + t * profile.Ve_phi[j + 1] : 0.0;
      const double c = set->charge_C * set->w[i] / (2 * constants::PI * rho);
      sum += c * vphi;
      var += c * c * (vphi - up) * (vphi - up);
    }
  const double dBz = at(2, ic + 4, jc) - at(2, ic + 30, jc);
  EXPECT_LT(std::abs(dBz - constants::MU0 * sum), 4.0 * constants::MU0 * std::sqrt(var))
      << "B_z drop " << dBz << " T, mu0 int j_phi " << constants::MU0 * sum;
  EXPECT_GT(std::abs(dBz), 10.0 * constants::MU0 * std::sqrt(var));
}

// The total charge is zero to the sampling error: both species carry the same n(rho) (quasi-
// neutrality), each with the stratified sampling error of its weights.
TEST(Particles, TheBoxIsNeutralToTheSamplingError) {
  auto cpu = make_cpu_backend();
  const ParticleSettings s;
  const ParticleSet e = sample(s, PARTICLE_ELECTRONS, *cpu);
  const ParticleSet i = sample(s, PARTICLE_IONS, *cpu);
  double Q = 0.0, total = 0.0, var = 0.0;
  const long ppc = s.particles_per_cell;
  for (const ParticleSet* set : {&e, &i})
    for (size_t c = 0; c < set->size() / ppc; ++c) {
      double mean = 0.0, ss = 0.0;
      for (long j = 0; j < ppc; ++j) mean += set->w[c * ppc + j] / ppc;
      for (long j = 0; j < ppc; ++j) ss += std::pow(set->w[c * ppc + j] - mean, 2);
      var += E_CHARGE * E_CHARGE * ss * ppc / (ppc - 1.0);
      Q += set->charge_C * mean * ppc;
      total += E_CHARGE * mean * ppc;
    }
  EXPECT_LT(std::abs(Q), 4.0 * std::sqrt(var)) << "Q = " << Q << " C/m of " << total;
  EXPECT_LT(std::abs(Q), 1e-5 * total);
}

TEST(Particles, EveryBackendSamplesTheSameParticlesBitForBit) {
  auto cpu = make_cpu_backend();
  auto thrust = make_thrust_host_backend();
  ParticleSettings s;
  s.cells = {32, 24, 4};
  s.particles_per_cell = 8;
  for (const char* loading : {"weighted", "equal"})
    for (int dims : {2, 3})
      for (int species : {PARTICLE_ELECTRONS, PARTICLE_IONS}) {
        s.loading = loading;
        s.dims = dims;
        const ParticleSet a = sample(s, species, *cpu), b = sample(s, species, *thrust);
        ASSERT_EQ(a.size(), b.size());
        for (auto m : {&ParticleSet::x, &ParticleSet::y, &ParticleSet::z, &ParticleSet::vx,
                       &ParticleSet::vy, &ParticleSet::vz, &ParticleSet::w})
          EXPECT_EQ(std::memcmp((a.*m).data(), (b.*m).data(), a.size() * sizeof(double)), 0)
              << loading << " " << dims << "-D " << a.name;
        if (dims == 3) {  // periodic along z: positions fill [0, L)
          double zmax = 0.0;
          for (double z : a.z) zmax = std::max(zmax, z);
          EXPECT_GT(zmax, 0.9 * s.z_length_km * KM_TO_SI);
          EXPECT_LT(zmax, s.z_length_km * KM_TO_SI);
        }
      }
  // another seed, other particles
  ParticleSettings t = s;
  t.seed = 2;
  EXPECT_NE(sample(s, PARTICLE_ELECTRONS, *cpu).vx, sample(t, PARTICLE_ELECTRONS, *cpu).vx);
}

TEST(Particles, BadInputsAreClearErrors) {
  const Equilibrium& eq = equilibrium();
  auto problem = [&](const ParticleSettings& s, const Equilibrium& e = equilibrium()) {
    return make_particle_problem(s, e.tables, e.result.profile, e.negativity, PARTICLE_ELECTRONS);
  };
  auto message = [&](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  ParticleSettings cut;
  cut.x_range_km = {0.0, 75.0};
  EXPECT_NE(message([&] { problem(cut); }).find("cuts the rope at its axis"), std::string::npos);
  ParticleSettings big;
  big.x_range_km = {-150.0, 150.0};
  EXPECT_NE(message([&] { problem(big); }).find("beyond the solved domain"), std::string::npos);
  ParticleSettings none;
  none.particles_per_cell = 0;
  EXPECT_NE(message([&] { problem(none); }).find("zero particles per cell"), std::string::npos);
  ParticleSettings species;
  species.species = {"electrons", "electrons"};
  EXPECT_NE(message([&] { problem(species); }).find("twice"), std::string::npos);
  ParticleSettings huge;
  huge.cells = {100000, 100000, 1};
  EXPECT_NE(message([&] { problem(huge); }).find("more than 2e9"), std::string::npos);
  // T_b < T_r: f_e < 0 from a few hundred eV (docs/model.md §8)
  auto cpu = make_cpu_backend();
  const Equilibrium negative = solve_job(test::config_of("yang2022", {"model.tau_b=0.95"}), *cpu);
  ASSERT_GT(negative.negativity.n_negative, 0);
  EXPECT_NE(message([&] { problem(ParticleSettings{}, negative); }).find("f_e < 0 inside the box"),
            std::string::npos);
  (void)eq;
}

TEST(Particles, ConfigKeysRoundTripAndRefuseBadValues) {
  RunConfig cfg = test::config_of("yang2022", {"particles.dims=3", "particles.cells=[16, 16, 4]",
                                               "particles.loading=\"equal\"", "particles.seed=7",
                                               "particles.species=[\"ions\"]"});
  EXPECT_EQ(cfg.particles.dims, 3);
  EXPECT_EQ(cfg.particles.cells[2], 4);
  EXPECT_EQ(cfg.particles.loading, "equal");
  EXPECT_EQ(cfg.particles.seed, 7u);
  ASSERT_EQ(cfg.particles.species.size(), 1u);
  ConfigSources src;
  src.text = render_toml(cfg);
  const RunConfig again = load_config(src);
  EXPECT_EQ(again.particles.cells, cfg.particles.cells);
  EXPECT_EQ(again.particles.species, cfg.particles.species);
  EXPECT_EQ(again.particles.loading, "equal");
  for (const char* bad : {"particles.particles_per_cell=0", "particles.dims=4",
                          "particles.loading=\"uniform\"", "particles.x_range_km=[1, -1]",
                          "particles.speces=[\"ions\"]", "particles.fields=\"cell\"",
                          "particles.x_range_km=[nan, 1]"}) {
    EXPECT_THROW(test::config_of("yang2022", {bad}), Error) << bad;
  }
}

}  // namespace
}  // namespace fluxrope
