// Particles and fields of the equilibrium for kinetic simulations (docs/simulation.md).
#include "fluxrope/particles/particles.hpp"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"
#include "fluxrope/equilibrium/quadrature.hpp"

namespace fluxrope {

using constants::E_CHARGE;
using constants::KM_TO_SI;
using constants::PI;

namespace {

bool finite(double v) { return std::isfinite(v); }

// Linear interpolation of a profile column on its uniform rho grid (0 beyond the edge: the
// current-free continuation carries no current, and the moments are not used there).
double profile_at(const RadialProfile& p, const std::vector<double>& col, double rho) {
  const size_t n = p.rho.size();
  const double h = p.rho[1] - p.rho[0];
  const double t = rho / h;
  if (!(t < n - 1)) return t <= n - 1 + 1e-9 ? col[n - 1] : 0.0;
  const size_t j = static_cast<size_t>(t);
  const double s = t - j;
  return (1.0 - s) * col[j] + s * col[j + 1];
}

// The radius of the box's farthest corner and the distance from the axis to its nearest side.
void box_radii(const ParticleSettings& s, double& far, double& inscribed) {
  const double ax = std::max(std::abs(s.x_range_km[0]), std::abs(s.x_range_km[1]));
  const double ay = std::max(std::abs(s.y_range_km[0]), std::abs(s.y_range_km[1]));
  far = std::hypot(ax, ay) * KM_TO_SI;
  inscribed = std::min({-s.x_range_km[0], s.x_range_km[1], -s.y_range_km[0], s.y_range_km[1]}) *
              KM_TO_SI;
}

}  // namespace

void validate(const ParticleSettings& s) {
  if (s.dims != 2 && s.dims != 3)
    throw Error(fmt::format("particles.dims = {} must be 2 (the cross-section) or 3 (periodic "
                            "along the axis)",
                            s.dims));
  for (const auto& [name, r] : {std::pair<const char*, std::array<double, 2>>{"x_range_km", s.x_range_km},
                                {"y_range_km", s.y_range_km}}) {
    if (!finite(r[0]) || !finite(r[1]) || !(r[0] < r[1]) || std::abs(r[0]) > 1e6 ||
        std::abs(r[1]) > 1e6)
      throw Error(fmt::format("particles.{} = [{}, {}] must be two finite lengths [km], lower < "
                              "upper, within 1e6 km",
                              name, r[0], r[1]));
  }
  if (s.dims == 3 && (!finite(s.z_length_km) || !(s.z_length_km > 0) || s.z_length_km > 1e6))
    throw Error(fmt::format("particles.z_length_km = {} must be a positive length [km] below 1e6",
                            s.z_length_km));
  const int used = s.dims == 3 ? 3 : 2;
  for (int a = 0; a < used; ++a)
    if (s.cells[a] < 1 || s.cells[a] > 100000)
      throw Error(fmt::format("particles.cells[{}] = {} must be 1 .. 100000", a, s.cells[a]));
  if (s.particles_per_cell < 1 || s.particles_per_cell > 1000000)
    throw Error(fmt::format("particles.particles_per_cell = {} must be 1 .. 1000000 (zero "
                            "particles per cell samples nothing)",
                            s.particles_per_cell));
  double n = s.particles_per_cell;
  for (int a = 0; a < used; ++a) n *= static_cast<double>(s.cells[a]);
  if (n > 2e9)
    throw Error(fmt::format("particles: {} cells x {} particles per cell = {:.3g} particles a "
                            "species, more than 2e9 (60 bytes each in memory): fewer cells or "
                            "particles_per_cell",
                            n / s.particles_per_cell, s.particles_per_cell, n));
  if (s.loading != "weighted" && s.loading != "equal")
    throw Error(fmt::format("particles.loading = \"{}\" must be \"weighted\" (particles_per_cell "
                            "in every cell, weights n V / ppc) or \"equal\" (positions drawn "
                            "from n, one weight)",
                            s.loading));
  if (s.species.empty())
    throw Error("particles.species must name at least one of \"electrons\", \"ions\"");
  std::set<std::string> seen;
  for (const std::string& sp : s.species) {
    if (sp != "electrons" && sp != "ions")
      throw Error(fmt::format("particles.species: \"{}\" is not a species (\"electrons\", \"ions\")", sp));
    if (!seen.insert(sp).second)
      throw Error(fmt::format("particles.species names \"{}\" twice", sp));
  }
  if (!finite(s.ion_mass_amu) || !(s.ion_mass_amu > 0.0) || s.ion_mass_amu > 1e3)
    throw Error(fmt::format("particles.ion_mass_amu = {} must be a mass in (0, 1000] u",
                            s.ion_mass_amu));
  if (s.fields != "yee" && s.fields != "node")
    throw Error(fmt::format("particles.fields = \"{}\" must be \"yee\" (staggered as WarpX, "
                            "PIConGPU, Smilei) or \"node\" (every component at the nodes)",
                            s.fields));
  if (s.max_attempts < 1 || s.max_attempts > 100000000)
    throw Error(fmt::format("particles.max_attempts = {} must be 1 .. 1e8", s.max_attempts));
}

ParticleBox particle_box(const ParticleSettings& s) {
  ParticleBox b;
  b.dims = s.dims;
  b.nx = s.cells[0];
  b.ny = s.cells[1];
  b.nz = s.dims == 3 ? s.cells[2] : 1;
  b.x0 = s.x_range_km[0] * KM_TO_SI;
  b.y0 = s.y_range_km[0] * KM_TO_SI;
  b.dx = (s.x_range_km[1] - s.x_range_km[0]) * KM_TO_SI / b.nx;
  b.dy = (s.y_range_km[1] - s.y_range_km[0]) * KM_TO_SI / b.ny;
  b.z0 = 0.0;
  b.dz = s.dims == 3 ? s.z_length_km * KM_TO_SI / b.nz : 1.0;
  return b;
}

ParticleProblem make_particle_problem(const ParticleSettings& s, const ProfileTables& tables,
                                      const RadialProfile& profile,
                                      const NegativityReport& negativity, int species) {
  validate(s);
  ParticleProblem p;
  p.profile = tables.view();
  p.box = particle_box(s);
  p.species = species;
  p.loading = s.loading == "equal" ? LOADING_EQUAL : LOADING_WEIGHTED;
  p.ppc = s.particles_per_cell;
  p.max_attempts = s.max_attempts;
  p.ion_mass_kg = s.ion_mass_amu * constants::AMU;
  p.seed = s.seed;
  const ParticleBox& b = p.box;

  double far = 0.0, inscribed = 0.0;
  box_radii(s, far, inscribed);
  const double edge = p.profile.field.rho_edge();
  if (far > edge)
    throw Error(fmt::format(
        "particles: the box reaches rho = {:.1f} km at a corner, beyond the solved domain (rho "
        "<= {:.1f} km = solver.x_max L_st): shrink particles.x_range_km / y_range_km or raise "
        "solver.x_max",
        far / KM_TO_SI, edge / KM_TO_SI));
  // The axis inside, at least a cell from every side: a box cut at the axis samples half a rope,
  // whose current does not close (no equilibrium for the simulation).
  if (!(b.x0 + b.dx <= 0.0 && b.x0 + (b.nx - 1) * b.dx >= 0.0 && b.y0 + b.dy <= 0.0 &&
        b.y0 + (b.ny - 1) * b.dy >= 0.0))
    throw Error(fmt::format(
        "particles: the box x_range_km = [{}, {}], y_range_km = [{}, {}] cuts the rope at its "
        "axis (x = y = 0 must lie inside the box, at least one cell from its sides)",
        s.x_range_km[0], s.x_range_km[1], s.y_range_km[0], s.y_range_km[1]));
  // f_e < 0 on the box's radii (docs/model.md §8): no distribution to sample there. A negative
  // tail below PARTICLE_NEGATIVE_TOLERANCE of the largest f (the default rope's reaches -5e-46 of
  // it, beyond 3 keV) holds no particle of any sample that fits in memory; every proposal is
  // still checked (PARTICLE_F_NEGATIVE).
  if (species == PARTICLE_ELECTRONS && negativity.n_negative > 0 && negativity.rho_at_min <= far &&
      -negativity.f_min > PARTICLE_NEGATIVE_TOLERANCE * negativity.f_max)
    throw Error(fmt::format(
        "particles: f_e < 0 inside the box (the validity scan: {} of {} points, minimum {:.2e} of "
        "the largest f at rho = {:.2f} km, E = {:.1f} eV; docs/model.md §8): f_e is not a "
        "distribution there and cannot be sampled; choose parameters with f_e >= 0 (for the "
        "published set, T_b > T_r: model.tau_b > 1)",
        negativity.n_negative, negativity.n_scanned, -negativity.f_min / negativity.f_max,
        negativity.rho_at_min / KM_TO_SI, negativity.energy_at_min / constants::EV_TO_SI));

  // The least |B| anywhere (the table at 8 points a cell, and the continuation's limit B_z(rho_e)),
  // less 0.1%: the envelope's bound of the mu term; the kernel reports it if ever broken.
  double B_min = std::numeric_limits<double>::infinity();
  const int m = 8 * (p.profile.field.n - 1);
  for (int i = 0; i <= m; ++i) {
    double Bz, Bphi;
    p.profile.field.eval(edge * i / m, Bz, Bphi);
    B_min = std::min(B_min, std::hypot(Bz, Bphi));
  }
  {
    double Bz, Bphi;
    p.profile.field.eval(edge, Bz, Bphi);
    B_min = std::min(B_min, std::abs(Bz));
  }
  B_min *= 1.0 - 1e-3;
  p.inv_B_min = 1.0 / B_min;
  if (species == PARTICLE_ELECTRONS) {
    const char* names[N_POP] = {"b_b", "b_r", "b_z"};
    for (int q = 0; q < N_POP; ++q) {
      const PopulationView pv = p.profile.model.pop[q];
      if (pv.weight > 0.0 && pv.b >= B_min)
        throw Error(fmt::format(
            "particles: {} = {:.4g} nT is not below the least field strength {:.4g} nT: the "
            "envelope of that population's mu term is not bounded (docs/simulation.md)",
            names[q], pv.b / constants::NT_TO_SI, B_min / constants::NT_TO_SI));
    }
  }

  // Equal loading: a bound of n over the box's radii, and the weight that makes the sum of the
  // weights the box's content (Gauss-Legendre, 4 x 4 nodes a cell).
  if (p.loading == LOADING_EQUAL) {
    double n_max = 0.0;
    const int k = 16 * (p.profile.field.n - 1);
    for (int i = 0; i <= k; ++i) n_max = std::max(n_max, plasma_density(p.profile, far * i / k));
    p.n_max = n_max * (1.0 + 1e-3);
    const GaussRule g = gauss_legendre(4);
    double content = 0.0;
    for (long ix = 0; ix < b.nx; ++ix)
      for (long iy = 0; iy < b.ny; ++iy)
        for (size_t a = 0; a < g.x.size(); ++a)
          for (size_t c = 0; c < g.x.size(); ++c) {
            const double x = b.x0 + (ix + 0.5 + g.x[a]) * b.dx;
            const double y = b.y0 + (iy + 0.5 + g.x[c]) * b.dy;
            content += g.w[a] * g.w[c] * plasma_density(p.profile, std::hypot(x, y));
          }
    content *= b.dx * b.dy * b.dz * b.nz;
    p.equal_weight = content / static_cast<double>(p.n_items());
  }
  (void)profile;
  return p;
}

ParticleSet run_particle_problem(Backend& backend, const ParticleProblem& problem) {
  ParticleProblem p = problem;
  ParticleSet set;
  const bool ions = p.species == PARTICLE_IONS;
  set.name = ions ? "ions" : "electrons";
  set.charge_C = ions ? E_CHARGE : -E_CHARGE;
  set.mass_kg = ions ? p.ion_mass_kg : constants::M_ELECTRON;
  const size_t n = static_cast<size_t>(p.n_items());
  for (std::vector<double>* v : {&set.x, &set.y, &set.z, &set.vx, &set.vy, &set.vz, &set.w})
    v->assign(n, 0.0);
  std::vector<std::int32_t> tries(n, 0);
  p.x = set.x.data();
  p.y = set.y.data();
  p.z = set.z.data();
  p.vx = set.vx.data();
  p.vy = set.vy.data();
  p.vz = set.vz.data();
  p.w = set.w.data();
  p.tries = tries.data();
  run(backend, p);
  double total = 0.0;
  for (size_t i = 0; i < n; ++i) {
    if (tries[i] > 0) {
      total += tries[i];
      continue;
    }
    const double rho = std::hypot(set.x[i], set.y[i]) / KM_TO_SI;
    const double E_eV = 0.5 * set.mass_kg *
                        (set.vx[i] * set.vx[i] + set.vy[i] * set.vy[i] + set.vz[i] * set.vz[i]) /
                        constants::EV_TO_SI;
    if (tries[i] == PARTICLE_F_NEGATIVE)
      throw Error(fmt::format(
          "particles: f_e < 0 at rho = {:.3f} km, E = {:.1f} eV (a proposed velocity of {} {}): "
          "the model is not a distribution there (docs/model.md §8); no particles written",
          rho, E_eV, set.name, i));
    if (tries[i] == PARTICLE_ENVELOPE_BROKEN)
      throw Error(fmt::format(
          "particles: the rejection bound does not hold for {} {} at rho = {:.3f} km (E = {:.1f} "
          "eV): a bug, please report it with the configuration",
          set.name, i, rho, E_eV));
    throw Error(fmt::format("particles: {} {} at rho = {:.3f} km was refused "
                            "particles.max_attempts = {} times",
                            set.name, i, rho, p.max_attempts));
  }
  set.mean_proposals = n ? total / static_cast<double>(n) : 0.0;
  return set;
}

FieldGrid field_grid(const ParticleSettings& s, const ProfileTables& tables,
                     const RadialProfile& profile) {
  validate(s);
  const ParticleBox b = particle_box(s);
  const ProfileView view = tables.view();
  FieldGrid g;
  g.dims = s.dims;
  g.n_nodes = {b.nx + 1, b.ny + 1, s.dims == 3 ? b.nz + 1 : 1};
  g.spacing = {b.dx, b.dy, s.dims == 3 ? b.dz : 0.0};
  g.origin = {b.x0, b.y0, 0.0};
  const bool yee = s.fields == "yee";
  // Yee: E and J on the edges (component c half a cell along c), B on the faces (half a cell
  // along the other two); in 2-D the offsets along z are dropped (nothing varies along it).
  auto edge = [&](int c) {
    std::array<double, 3> o{0, 0, 0};
    if (yee) o[c] = 0.5;
    return o;
  };
  auto face = [&](int c) {
    std::array<double, 3> o{0.5, 0.5, 0.5};
    if (!yee) return std::array<double, 3>{0, 0, 0};
    o[c] = 0.0;
    return o;
  };
  GridRecord B{"B", "T", {0, 1, -2, -1, 0, 0, 0}, {}, {face(0), face(1), face(2)}};
  GridRecord E{"E", "V/m", {1, 1, -3, -1, 0, 0, 0}, {}, {edge(0), edge(1), edge(2)}};
  GridRecord J{"J", "A/m^2", {-2, 0, 0, 1, 0, 0, 0}, {}, {edge(0), edge(1), edge(2)}};
  const size_t count = static_cast<size_t>(g.n_nodes[0] * g.n_nodes[1] * g.n_nodes[2]);
  for (GridRecord* r : {&B, &E, &J})
    for (auto& c : r->component) c.assign(count, 0.0);
  for (long i = 0; i < g.n_nodes[0]; ++i)
    for (long j = 0; j < g.n_nodes[1]; ++j)
      for (int c = 0; c < 3; ++c) {
        // the value at (i, j) of component c of each record (constant along z)
        auto at = [&](const std::array<double, 3>& o, double& x, double& y, double& rho) {
          x = b.x0 + (i + o[0]) * b.dx;
          y = b.y0 + (j + o[1]) * b.dy;
          rho = std::hypot(x, y);
        };
        double x, y, rho;
        at(B.offset[c], x, y, rho);
        double Bz, Bphi;
        view.field.eval(rho, Bz, Bphi);
        const double bval = c == 0 ? (rho > 0 ? -Bphi * y / rho : 0.0)
                            : c == 1 ? (rho > 0 ? Bphi * x / rho : 0.0)
                                     : Bz;
        at(E.offset[c], x, y, rho);
        const double Er = profile_at(profile, profile.Er, rho);
        const double eval = c == 0 ? (rho > 0 ? Er * x / rho : 0.0)
                            : c == 1 ? (rho > 0 ? Er * y / rho : 0.0)
                                     : 0.0;
        at(J.offset[c], x, y, rho);
        const double jp = profile_at(profile, profile.j_phi, rho);
        const double jz = profile_at(profile, profile.j_z, rho);
        const double jval = c == 0 ? (rho > 0 ? -jp * y / rho : 0.0)
                            : c == 1 ? (rho > 0 ? jp * x / rho : 0.0)
                                     : jz;
        for (long k = 0; k < g.n_nodes[2]; ++k) {
          const size_t idx = static_cast<size_t>((i * g.n_nodes[1] + j) * g.n_nodes[2] + k);
          B.component[c][idx] = bval;
          E.component[c][idx] = eval;
          J.component[c][idx] = jval;
        }
      }
  if (s.dims == 2)
    for (GridRecord* r : {&B, &E, &J})
      for (auto& o : r->offset) o[2] = 0.0;
  g.records = {B, E};
  if (s.current) g.records.push_back(J);
  return g;
}

void chi2_range99(int dof, double& lo, double& hi) {
  // Wilson-Hilferty: (chi^2/k)^(1/3) is normal with mean 1 - 2/9k and variance 2/9k (error
  // below 1e-3 relative for k >= 30); z = 2.5758, the 0.5% and 99.5% quantiles.
  const double k = dof, v = 2.0 / (9.0 * k), z = 2.5758293035489;
  lo = std::pow(1.0 - v - z * std::sqrt(v), 3);
  hi = std::pow(1.0 - v + z * std::sqrt(v), 3);
}

MomentCheck check_moments(const ParticleSet& set, const RadialProfile& profile,
                          const ParticleSettings& s, int n_bins) {
  const bool ions = set.name == "ions";
  double far = 0.0, R = 0.0;
  box_radii(s, far, R);
  const ParticleBox box = particle_box(s);
  // equal-area annuli inside the inscribed circle
  std::vector<double> edges(n_bins + 1);
  for (int b = 0; b <= n_bins; ++b) edges[b] = R * std::sqrt(static_cast<double>(b) / n_bins);
  auto bin_of = [&](double rho) {
    if (!(rho < R)) return -1;
    const int b = static_cast<int>(n_bins * (rho / R) * (rho / R));
    return std::min(b, n_bins - 1);
  };
  constexpr int K = 7;
  std::vector<Eigen::Matrix<double, K, 1>> D(n_bins, Eigen::Matrix<double, K, 1>::Zero());
  std::vector<Eigen::Matrix<double, K, K>> S(n_bins, Eigen::Matrix<double, K, K>::Zero());
  std::vector<double> W(n_bins, 0.0), count(n_bins, 0.0), var_w(n_bins, 0.0);
  const double m = set.mass_kg;
  const double T_i = profile.model.T_i;
  const size_t n = set.size();
  for (size_t i = 0; i < n; ++i) {
    const double rho = std::hypot(set.x[i], set.y[i]);
    const int b = bin_of(rho);
    if (b < 0) continue;
    const double c = rho > 0 ? set.x[i] / rho : 1.0, sn = rho > 0 ? set.y[i] / rho : 0.0;
    const double vr = c * set.vx[i] + sn * set.vy[i], vp = -sn * set.vx[i] + c * set.vy[i];
    double up = 0, uz = 0, Trr = T_i, Tpp = T_i, Tzz = T_i, Tpz = 0;
    if (!ions) {
      up = profile_at(profile, profile.Ve_phi, rho);
      uz = profile_at(profile, profile.Ve_z, rho);
      Trr = profile_at(profile, profile.T_rr, rho);
      Tpp = profile_at(profile, profile.T_pp, rho);
      Tzz = profile_at(profile, profile.T_zz, rho);
      Tpz = profile_at(profile, profile.P_pz, rho) / profile_at(profile, profile.ne, rho);
    }
    const double dp = vp - up, dz = set.vz[i] - uz;
    Eigen::Matrix<double, K, 1> d;
    // velocities in km/s and temperatures in eV keep S well scaled
    d << vr / KM_TO_SI, dp / KM_TO_SI, dz / KM_TO_SI, (m * vr * vr - Trr) / constants::EV_TO_SI,
        (m * dp * dp - Tpp) / constants::EV_TO_SI, (m * dz * dz - Tzz) / constants::EV_TO_SI,
        (m * dp * dz - Tpz) / constants::EV_TO_SI;
    const double w = set.w[i];
    D[b] += w * d;
    S[b] += (w * w) * (d * d.transpose());
    W[b] += w;
    count[b] += 1.0;
  }
  MomentCheck out;
  for (int b = 0; b < n_bins; ++b) {
    if (count[b] < 50) continue;  // too few for the normal limit
    const Eigen::Matrix<double, K, 1> x = S[b].ldlt().solve(D[b]);
    out.chi2_velocity += D[b].dot(x);
    out.dof_velocity += K;
  }
  // The density: the expected content of each annulus, 2 pi L int n rho drho (Gauss-Legendre).
  const GaussRule g = gauss_legendre(8);
  const double length = s.dims == 3 ? s.z_length_km * KM_TO_SI : 1.0;
  auto n_at = [&](double rho) { return profile_at(profile, profile.ni, rho); };
  std::vector<double> expect(n_bins, 0.0);
  for (int b = 0; b < n_bins; ++b) {
    const double a = edges[b], h = edges[b + 1] - edges[b];
    const int sub = 16;
    for (int q = 0; q < sub; ++q)
      for (size_t k = 0; k < g.x.size(); ++k) {
        const double rho = a + h * (q + 0.5 + g.x[k]) / sub;
        expect[b] += g.w[k] * n_at(rho) * rho * h / sub;
      }
    expect[b] *= 2.0 * PI * length;
  }
  if (s.loading == "equal") {
    // multinomial: the bins and the rest of the box; p_b = expect_b / content (content = N w)
    const double N = static_cast<double>(n), content = N * set.w[0];
    double rest_obs = N, rest_exp = N;
    for (int b = 0; b < n_bins; ++b) {
      const double e = N * expect[b] / content;
      out.chi2_density += (count[b] - e) * (count[b] - e) / e;
      rest_obs -= count[b];
      rest_exp -= e;
    }
    out.chi2_density += (rest_obs - rest_exp) * (rest_obs - rest_exp) / rest_exp;
    out.dof_density = n_bins;
  } else if (s.particles_per_cell >= 2) {
    // stratified: each cell's ppc positions are independent; Var(sum) = sum over cells of
    // ppc/(ppc-1) sum_j (X_j - mean X)^2, X_j = w_j [j in bin b]
    const long ppc = s.particles_per_cell;
    std::vector<int> bins(static_cast<size_t>(ppc));
    std::set<int> present;
    for (long cell = 0; cell < box.n_cells(); ++cell) {
      present.clear();
      for (long j = 0; j < ppc; ++j) {
        const size_t i = static_cast<size_t>(cell * ppc + j);
        bins[j] = bin_of(std::hypot(set.x[i], set.y[i]));
        if (bins[j] >= 0) present.insert(bins[j]);
      }
      for (int b : present) {
        double mean = 0.0;
        for (long j = 0; j < ppc; ++j) mean += bins[j] == b ? set.w[cell * ppc + j] : 0.0;
        mean /= ppc;
        double ss = 0.0;
        for (long j = 0; j < ppc; ++j) {
          const double x = (bins[j] == b ? set.w[cell * ppc + j] : 0.0) - mean;
          ss += x * x;
        }
        var_w[b] += ss * ppc / (ppc - 1.0);
      }
    }
    for (int b = 0; b < n_bins; ++b) {
      if (!(var_w[b] > 0.0)) continue;
      out.chi2_density += (W[b] - expect[b]) * (W[b] - expect[b]) / var_w[b];
      out.dof_density += 1;
    }
  }
  chi2_range99(out.dof(), out.lo99, out.hi99);
  return out;
}

}  // namespace fluxrope
