#pragma once
// Initial conditions for kinetic simulations (docs/simulation.md): macro-particles sampled from
// the equilibrium's f_e and f_i in a box of the rope's cross-section (2-D, the axis along z) or
// periodic along the axis (3-D), the fields B, E and the model current on a Cartesian grid, and
// the checks that tie them to the profile (binned moments as a chi^2 test, Ampere's law).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "fluxrope/engine/backend.hpp"
#include "fluxrope/equilibrium/solver.hpp"
#include "fluxrope/equilibrium/validity.hpp"
#include "fluxrope/particles/particle_kernel.hpp"

namespace fluxrope {

// f_e < 0 on the box's radii is refused when its most negative value exceeds this fraction of the
// largest f: a tail below it holds, on average, fewer than 1e-12 x (velocity volume) of a
// particle per particle sampled, which no sample of up to ~1e10 particles reaches.
inline constexpr double PARTICLE_NEGATIVE_TOLERANCE = 1e-12;

// The [particles] table (README "Configuration", docs/simulation.md). Lengths in km, as
// [geometry]; the box is in the rope frame (z along the axis, x, y across it, the axis at 0).
struct ParticleSettings {
  int dims = 2;                                 // 2: (x, y) cross-section; 3: periodic along z
  std::array<double, 2> x_range_km = {-75.0, 75.0};
  std::array<double, 2> y_range_km = {-75.0, 75.0};
  double z_length_km = 10.0;                    // 3-D only
  std::array<long, 3> cells = {128, 128, 8};    // nz used in 3-D only
  int particles_per_cell = 32;
  std::string loading = "weighted";             // "weighted" or "equal"
  std::vector<std::string> species = {"electrons", "ions"};
  double ion_mass_amu = 1.007276466621;         // the ions' mass (the equilibrium does not depend on it)
  std::uint64_t seed = 1;
  std::string fields = "yee";                   // "yee" (staggered) or "node" (every component at nodes)
  bool current = true;                          // write the model's current density J on the grid
  int max_attempts = 100000;                    // proposals per particle before it is an error
};
void validate(const ParticleSettings& s);

// The box of the settings in SI (2-D: nz = 1, dz = 1 m).
ParticleBox particle_box(const ParticleSettings& s);

// One species' macro-particles, SI, rope frame. Weighting: physical particles per macro-particle
// (2-D: per metre along the axis).
struct ParticleSet {
  std::string name;          // "electrons" or "ions"
  double charge_C = 0.0;     // of one physical particle
  double mass_kg = 0.0;
  std::vector<double> x, y, z, vx, vy, vz, w;
  double mean_proposals = 0.0;  // velocity proposals per accepted particle
  size_t size() const { return x.size(); }
};

// What sample_species needs of the equilibrium and the settings, checked: the box inside the
// solved domain with the axis inside it, f_e >= 0 on the box's radii (the validity scan),
// b_s below the least |B| (the envelope). An Error naming the key and the value otherwise.
ParticleProblem make_particle_problem(const ParticleSettings& s, const ProfileTables& tables,
                                      const RadialProfile& profile,
                                      const NegativityReport& negativity, int species);
// Runs the problem on the backend; an Error naming the particle's radius and velocity when a
// proposal met f_e < 0 or a broken bound, or ran out of attempts.
ParticleSet run_particle_problem(Backend& backend, const ParticleProblem& p);

// Fields on the grid: every component (nx+1) x (ny+1) [x (nz+1)] values, C order (x slowest),
// component c of a record at x0 + (i + offset[c][0]) dx, ... ("yee": E_x at (i+1/2, j, k), B_x
// at (i, j+1/2, k+1/2), J as E; "node": offsets 0).
struct GridRecord {
  std::string name;            // "B", "E", "J"
  std::string units;           // "T", "V/m", "A/m^2"
  std::array<int, 7> unit_dimension{};  // openPMD: powers of L, M, T, I, theta, N, J
  std::array<std::vector<double>, 3> component;  // x, y, z
  std::array<std::array<double, 3>, 3> offset{};  // per component, in cells
};
struct FieldGrid {
  int dims = 2;
  std::array<long, 3> n_nodes{};   // per axis (nz: 1 in 2-D)
  std::array<double, 3> spacing{}, origin{};  // [m]
  std::vector<GridRecord> records;
};
FieldGrid field_grid(const ParticleSettings& s, const ProfileTables& tables,
                     const RadialProfile& profile);

// The binned-moment test (docs/simulation.md "Checks"): in n_bins annuli inside the box's
// inscribed circle, per species,
//  - the density: equal loading, the bin counts against the multinomial expectation (Pearson);
//    weighted loading, the weight sums against 2 pi int n rho drho, the variance from each
//    cell's particles (stratified sampling);
//  - the velocity moments conditional on the positions: per particle d = (v_rho, v_phi - u_phi,
//    v_z - u_z, m dv_rho^2 - T_rr, m dv_phi^2 - T_pp, m dv_z^2 - T_zz, m dv_phi dv_z - T_pz) with
//    u, T the profile's at the particle's radius, E[d] = 0; per bin D = sum w d, S = sum w^2 d d^T
//    and chi^2 = D^T S^-1 D, 7 degrees of freedom.
// chi^2 over all bins with its 99% range (Wilson-Hilferty quantiles).
struct MomentCheck {
  double chi2_density = 0.0, chi2_velocity = 0.0;
  int dof_density = 0, dof_velocity = 0;
  double chi2() const { return chi2_density + chi2_velocity; }
  int dof() const { return dof_density + dof_velocity; }
  double lo99 = 0.0, hi99 = 0.0;  // the central 99% range of chi^2 / dof
  bool passes() const { return chi2() / dof() >= lo99 && chi2() / dof() <= hi99; }
};
MomentCheck check_moments(const ParticleSet& set, const RadialProfile& profile,
                          const ParticleSettings& s, int n_bins = 20);
// The central 99% range of chi^2/dof for dof degrees of freedom.
void chi2_range99(int dof, double& lo, double& hi);

}  // namespace fluxrope
