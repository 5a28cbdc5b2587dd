#pragma once
// Macro-particles sampled from the equilibrium (docs/simulation.md), one item per particle,
// host/device: the same body on every backend (engine/item_problem.hpp).
//
// Positions: "weighted" loading puts particles_per_cell particles uniformly in each cell, each
// with the weight n(rho) V_cell / ppc at its own position (an unbiased estimate of the density
// in every cell); "equal" loading draws every position from n(rho) over the box by rejection
// against the box's maximum density, all particles with one weight. n(rho) is the ions' density
// n_i exp(-e Phi / T_i), which quasi-neutrality makes the electrons' too (docs/model.md §5).
//
// Velocities: ions from their Maxwellian (at rest, T_i). Electrons from the full f_e (three
// populations, the mu term at the gyro-centre; docs/model.md §3) by rejection against an
// envelope E(v) >= f_e(v) built from the positive populations only:
//   f_e <= sum_{w_s > 0} A_s exp(-k_s |v - u_s|^2 + bmu_s mu_term),   k_s = m / 2T_s,
// (the rotating population, w_r < 0, only lowers f) and, with mu_term = v_perp^2 / |B(R)|,
//   mu_term <= |v|^2 / B_min  where bmu_s > 0     (B_min: the least |B| anywhere; host),
//   exp(bmu_s mu_term) <= 1   where bmu_s <= 0.
// So population s's envelope is A_s exp(-k_s |v - u_s|^2 + c_s |v|^2), c_s = max(bmu_s, 0)/B_min,
// an isotropic Gaussian: with kk = k_s - c_s > 0 (b_s < B_min),
//   -k|v - u|^2 + c|v|^2 = -kk |v - u k/kk|^2 + k c |u|^2 / kk,
// of mass M_s = A_s exp(k c |u|^2 / kk) (pi / kk)^{3/2}. A proposal picks s with probability
// M_s / sum M, draws v from that Gaussian and is accepted with probability f_e(v) / E(v): the
// accepted v are distributed exactly as f_e(r, .) / n(r). A proposal with f_e(v) < 0 (the model
// invalid there, docs/model.md §8) or f_e(v) > E(v) (a broken bound) ends the item with a status
// the host reports; nothing is clamped.
//
// Random numbers: one Philox stream per particle, keyed (seed, PARTICLE_STREAM | species,
// particle index): the same particle on every backend, thread count and order.
#include <cstdint>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/hd.hpp"
#include "fluxrope/core/philox.hpp"
#include "fluxrope/core/simd_math.hpp"
#include "fluxrope/core/vec3.hpp"
#include "fluxrope/engine/item_problem.hpp"
#include "fluxrope/model/profile_view.hpp"

namespace fluxrope {

enum ParticleSpecies : int { PARTICLE_ELECTRONS = 0, PARTICLE_IONS = 1 };
enum ParticleLoading : int { LOADING_WEIGHTED = 0, LOADING_EQUAL = 1 };

// Status of an item (its `tries` entry): > 0 the number of velocity proposals it took; else
inline constexpr std::int32_t PARTICLE_ENVELOPE_BROKEN = -1;  // f_e > E: a bound does not hold
inline constexpr std::int32_t PARTICLE_F_NEGATIVE = -2;       // f_e < 0 at the proposed velocity
inline constexpr std::int32_t PARTICLE_EXHAUSTED = -3;        // max_attempts proposals refused
// The Philox key word of particle streams (the counts use species << 16 | track, below 2^31).
inline constexpr std::uint32_t PARTICLE_STREAM = 0x80000000u;

// The box in the rope frame (z along the axis) [m]: cells of dx x dy x dz from (x0, y0, z0).
// In 2-D nz = 1, z0 = 0, dz = 1 m: weights count particles per metre of rope.
struct ParticleBox {
  double x0 = 0, y0 = 0, z0 = 0;
  double dx = 1, dy = 1, dz = 1;
  long nx = 1, ny = 1, nz = 1;
  int dims = 2;
  FLUXROPE_HD long n_cells() const { return nx * ny * nz; }
};

// n(rho) [m^-3]: the ions' Boltzmann density, equal to the electrons' (quasi-neutrality).
FLUXROPE_HD inline double plasma_density(const ProfileView& p, double rho) {
  double Phi, psi, Az;
  p.pot.eval(rho, Phi, psi, Az);
  return p.n_i * exp(-constants::E_CHARGE * Phi / p.T_i);
}

// Three standard normals (Box-Muller on four uniforms; the fourth normal is not used, so that
// every proposal takes the same number of draws).
FLUXROPE_HD inline Vec3 normal3(PhiloxStream& rng) {
  const double u1 = rng.uniform(), u2 = rng.uniform(), u3 = rng.uniform(), u4 = rng.uniform();
  const double r1 = sqrt(-2.0 * log(u1)), r2 = sqrt(-2.0 * log(u3));
  const double t1 = 2.0 * constants::PI * u2, t2 = 2.0 * constants::PI * u4;
  return {r1 * cos(t1), r1 * sin(t1), r2 * cos(t2)};
}

// The envelope of the electron populations at a point (see the top of this file).
struct ElectronEnvelope {
  double amp[N_POP] = {0, 0, 0};  // A_s (0: not in the envelope)
  double k[N_POP] = {0, 0, 0}, c[N_POP] = {0, 0, 0};
  Vec3 u[N_POP], mean[N_POP];  // drift and proposal mean (Cartesian, rope frame) [m/s]
  double sigma[N_POP] = {0, 0, 0};  // proposal standard deviation per component [m/s]
  double mass[N_POP] = {0, 0, 0};   // M_s
  double total = 0.0;

  FLUXROPE_HD double at(Vec3 v) const {
    double E = 0.0;
    const double v2 = dot(v, v);
    for (int s = 0; s < N_POP; ++s) {
      const Vec3 d = v - u[s];
      E += amp[s] * vexp(-k[s] * dot(d, d) + c[s] * v2);
    }
    return E;
  }
};

FLUXROPE_HD inline ElectronEnvelope electron_envelope(const LocalPoint& l, double inv_B_min) {
  ElectronEnvelope e;
  const Vec3 phi_hat{-l.sn, l.c, 0.0};
  for (int s = 0; s < N_POP; ++s) {
    if (!(l.amp[s] > 0.0)) continue;  // the negative (rotating) population only lowers f
    const double k = -l.a[s];
    const double c = l.bmu[s] > 0.0 ? l.bmu[s] * inv_B_min : 0.0;
    const double kk = k - c;  // > 0: the host checks b_s < B_min
    const Vec3 u = l.u_phi[s] * phi_hat + Vec3{0.0, 0.0, l.u_z[s]};
    e.amp[s] = l.amp[s];
    e.k[s] = k;
    e.c[s] = c;
    e.u[s] = u;
    e.mean[s] = (k / kk) * u;
    e.sigma[s] = sqrt(0.5 / kk);
    e.mass[s] = l.amp[s] * exp(k * c * dot(u, u) / kk) * pow(constants::PI / kk, 1.5);
    e.total += e.mass[s];
  }
  return e;
}

// One electron velocity at a prepared point by rejection (above): the number of proposals, or a
// negative status with v the offending velocity.
FLUXROPE_HD inline std::int32_t sample_electron_velocity(const ProfileView& p, const LocalPoint& l,
                                                         const ElectronEnvelope& e,
                                                         int max_attempts, PhiloxStream& rng,
                                                         Vec3& v) {
  for (int t = 1; t <= max_attempts; ++t) {
    const double pick = rng.uniform() * e.total;
    const int s = pick < e.mass[0] ? 0 : (pick < e.mass[0] + e.mass[1] ? 1 : 2);
    const int q = e.mass[s] > 0.0 ? s : (e.mass[2] > 0.0 ? 2 : 0);  // rounding at the ends
    v = e.mean[q] + e.sigma[q] * normal3(rng);
    const double f = electron_f_at(p, l, v);
    const double E = e.at(v);
    if (f < 0.0) return PARTICLE_F_NEGATIVE;
    if (f > E * (1.0 + 1e-9)) return PARTICLE_ENVELOPE_BROKEN;
    if (rng.uniform() * E <= f) return t;
  }
  return PARTICLE_EXHAUSTED;
}

struct ParticleProblem {
  ProfileView profile;
  ParticleBox box;
  int species = PARTICLE_ELECTRONS;
  int loading = LOADING_WEIGHTED;
  int ppc = 1;                 // particles per cell (equal loading: n_items = ppc x cells too)
  int max_attempts = 100000;   // proposals per position and per velocity
  double ion_mass_kg = 0.0;
  double n_max = 0.0;          // equal loading: a bound of n(rho) over the box [m^-3]
  double equal_weight = 0.0;   // equal loading: physical particles per macro-particle
  double inv_B_min = 0.0;      // 1 / (least |B| anywhere, with a margin) [1/T]
  std::uint64_t seed = 0;
  // outputs, n_items() each: position [m], velocity [m/s] (rope frame), weight, status
  double *x = nullptr, *y = nullptr, *z = nullptr;
  double *vx = nullptr, *vy = nullptr, *vz = nullptr;
  double* w = nullptr;
  std::int32_t* tries = nullptr;

  FLUXROPE_HD long n_items() const { return box.n_cells() * ppc; }
  FLUXROPE_HD void item(long i) const;

  // The arrays a device backend moves (engine/item_problem.hpp): the profile's tables in, the
  // particles out.
  template <class F>
  void arrays(F&& f) {
    f(profile.field.table, 4 * static_cast<size_t>(profile.field.n), ArrayUse::In);
    f(profile.pot.table, 6 * static_cast<size_t>(profile.pot.n), ArrayUse::In);
    const size_t n = static_cast<size_t>(n_items());
    for (double** o : {&x, &y, &z, &vx, &vy, &vz, &w}) f(*o, n, ArrayUse::Out);
    f(tries, n, ArrayUse::Out);
  }
};

FLUXROPE_HD inline void ParticleProblem::item(long i) const {
  const ParticleProblem& p = *this;
  const ParticleBox& b = p.box;
  PhiloxStream rng(p.seed, PARTICLE_STREAM | static_cast<std::uint32_t>(p.species),
                   static_cast<std::uint32_t>(static_cast<std::uint64_t>(i) >> 32),
                   static_cast<std::uint32_t>(i));
  Vec3 r;
  double weight = 0.0;
  std::int32_t status = 1;
  if (p.loading == LOADING_WEIGHTED) {
    const long cell = i / p.ppc;
    const long ix = cell % b.nx, iy = (cell / b.nx) % b.ny, iz = cell / (b.nx * b.ny);
    r.x = b.x0 + (ix + rng.uniform()) * b.dx;
    r.y = b.y0 + (iy + rng.uniform()) * b.dy;
    r.z = b.dims == 3 ? b.z0 + (iz + rng.uniform()) * b.dz : 0.0;
    weight = plasma_density(p.profile, sqrt(r.x * r.x + r.y * r.y)) * b.dx * b.dy * b.dz / p.ppc;
  } else {
    status = PARTICLE_EXHAUSTED;
    for (int t = 0; t < p.max_attempts; ++t) {
      r.x = b.x0 + rng.uniform() * (b.nx * b.dx);
      r.y = b.y0 + rng.uniform() * (b.ny * b.dy);
      r.z = b.dims == 3 ? b.z0 + rng.uniform() * (b.nz * b.dz) : 0.0;
      const double n = plasma_density(p.profile, sqrt(r.x * r.x + r.y * r.y));
      if (n > p.n_max) {
        status = PARTICLE_ENVELOPE_BROKEN;
        break;
      }
      if (rng.uniform() * p.n_max <= n) {
        status = 1;
        break;
      }
    }
    weight = p.equal_weight;
  }
  Vec3 v{0.0, 0.0, 0.0};
  if (status > 0) {
    if (p.species == PARTICLE_IONS) {
      v = sqrt(p.profile.T_i / p.ion_mass_kg) * normal3(rng);
    } else {
      const LocalPoint l = local_point(p.profile, r);
      status = sample_electron_velocity(p.profile, l, electron_envelope(l, p.inv_B_min),
                                        p.max_attempts, rng, v);
    }
  }
  p.x[i] = r.x;
  p.y[i] = r.y;
  p.z[i] = r.z;
  p.vx[i] = v.x;
  p.vy[i] = v.y;
  p.vz[i] = v.z;
  p.w[i] = weight;
  p.tries[i] = status;
}

}  // namespace fluxrope
