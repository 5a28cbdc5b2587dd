#include "fluxrope/instrument/response.hpp"

#include <algorithm>
#include <cmath>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/engine/backend.hpp"
#include "fluxrope/engine/parallel_for.hpp"
#include "fluxrope/equilibrium/quadrature.hpp"

namespace fluxrope {

using namespace constants;

ResponseTables make_response_tables(const ResponseSettings& s, double accumulation_s,
                                    const Species& species) {
  ResponseTables t;
  t.species = species;
  // A dimension of zero width is one node of weight 1 (the bin centre, exactly).
  const int n_phi = s.acceptance_phi_deg > 0 ? s.nodes_phi : 1;
  const int n_theta = s.acceptance_theta_deg > 0 ? s.nodes_theta : 1;
  t.n_en = s.energy_fwhm_rel > 0 ? s.nodes_energy : 1;
  t.n_ang = n_phi * n_theta;
  const GaussRule gp = gauss_legendre(n_phi), gt = gauss_legendre(n_theta);

  // Angular acceptance: top-hat in phi and theta around the bin centre, averaged over solid
  // angle (dOmega = sin th dth dphi), so the theta weights carry sin th, renormalized per j.
  t.node_dir.resize(static_cast<size_t>(FPI_N_PHI) * FPI_N_THETA * t.n_ang);
  t.node_w.resize(static_cast<size_t>(FPI_N_THETA) * t.n_ang);
  for (int j = 0; j < FPI_N_THETA; ++j) {
    double norm = 0.0;
    for (int b = 0; b < n_theta; ++b)
      norm += gt.w[b] * std::sin((fpi_theta_deg(j) + s.acceptance_theta_deg * gt.x[b]) * PI / 180);
    for (int b = 0; b < n_theta; ++b) {
      const double th = (fpi_theta_deg(j) + s.acceptance_theta_deg * gt.x[b]) * PI / 180.0;
      const double wt = n_theta == 1 ? 1.0 : gt.w[b] * std::sin(th) / norm;
      for (int a = 0; a < n_phi; ++a) {
        t.node_w[j * t.n_ang + b * n_phi + a] = n_phi == 1 ? wt : wt * gp.w[a];
        for (int k = 0; k < FPI_N_PHI; ++k) {
          const double ph = (fpi_phi_deg(k) + s.acceptance_phi_deg * gp.x[a]) * PI / 180.0;
          const Vec3 look{std::sin(th) * std::cos(ph), std::sin(th) * std::sin(ph), std::cos(th)};
          t.node_dir[(k * FPI_N_THETA + j) * t.n_ang + b * n_phi + a] = -1.0 * look;
        }
      }
    }
  }

  // Energy passband: Gaussian in ln E with the given FWHM, Gauss-Hermite nodes; weight
  // w_q (E_q / E_c)^2 (count weighting, response_kernel.hpp).
  const GaussRule ge = gauss_hermite(t.n_en);
  const double sigma = s.energy_fwhm_rel / (2.0 * std::sqrt(2.0 * std::log(2.0)));
  t.speed.resize(2 * FPI_N_ENERGY * static_cast<size_t>(t.n_en));
  t.speed_w.resize(t.speed.size());
  for (int p = 0; p < 2; ++p)
    for (int i = 0; i < FPI_N_ENERGY; ++i)
      for (int q = 0; q < t.n_en; ++q) {
        const double ratio = std::exp(sigma * ge.x[q]);  // E_q / E_c
        const double E = species.energy(p)[i] * ratio;
        const size_t at = (static_cast<size_t>(p) * t.n_en + q) * FPI_N_ENERGY + i;
        t.speed[at] = species.speed(E);
        t.speed_w[at] = t.n_en == 1 ? 1.0 : ge.w[q] * ratio * ratio;
      }

  // Timing: slots in the order they are measured, each a dwell of T / n_slots.
  t.slot_of.resize(static_cast<size_t>(FPI_N_PHI) * FPI_N_ENERGY);
  t.n_slots = s.sweep == Sweep::Instant ? 1 : s.sweep == Sweep::Linear ? FPI_N_ENERGY : 4 * FPI_N_ENERGY;
  for (int k = 0; k < FPI_N_PHI; ++k)
    for (int i = 0; i < FPI_N_ENERGY; ++i) {
      const int step = s.energy_descending ? FPI_N_ENERGY - 1 - i : i;  // place in the sweep
      t.slot_of[k * FPI_N_ENERGY + i] = s.sweep == Sweep::Instant ? 0
                                        : s.sweep == Sweep::Linear
                                            ? step
                                            : (k % 4) * FPI_N_ENERGY + step;
    }
  // the distinct rows of slot_of: one block of position factors per (sample, pattern, node time)
  t.pattern_of.assign(FPI_N_PHI, -1);
  t.pattern_slots.clear();
  for (int k = 0; k < FPI_N_PHI; ++k) {
    const int* row = t.slot_of.data() + k * FPI_N_ENERGY;
    const int n_known = static_cast<int>(t.pattern_slots.size()) / FPI_N_ENERGY;
    for (int m = 0; m < n_known && t.pattern_of[k] < 0; ++m)
      if (std::equal(row, row + FPI_N_ENERGY, t.pattern_slots.data() + m * FPI_N_ENERGY))
        t.pattern_of[k] = m;
    if (t.pattern_of[k] < 0) {
      t.pattern_of[k] = n_known;
      t.pattern_slots.insert(t.pattern_slots.end(), row, row + FPI_N_ENERGY);
    }
  }
  t.n_patterns = static_cast<int>(t.pattern_slots.size()) / FPI_N_ENERGY;
  const double dwell = s.sweep == Sweep::Instant ? 0.0 : accumulation_s / t.n_slots;
  t.n_time = dwell > 0 ? s.nodes_time : 1;
  const GaussRule gtime = gauss_legendre(t.n_time);
  t.time_w = t.n_time == 1 ? std::vector<double>{1.0} : gtime.w;
  t.time_offset_s.resize(static_cast<size_t>(t.n_slots) * t.n_time);
  for (int slot = 0; slot < t.n_slots; ++slot)
    for (int q = 0; q < t.n_time; ++q)
      t.time_offset_s[slot * t.n_time + q] = dwell * (slot + 0.5 + gtime.x[q]);
  return t;
}

void prepare_response(const ProfileTables& profile, const ResponseTables& t,
                      const std::vector<ResponseSample>& samples, const std::vector<Vec3>& r0_rope,
                      ResponseSetup& k) {
  ResponseProblem& p = k.problem;
  p.profile = profile.view();
  k.tables = &t;
  k.samples = samples;
  const long per_sample = static_cast<long>(t.n_patterns) * t.n_time * RESPONSE_BLOCK;
  k.lanes.resize(samples.size() * per_sample);
  double* lanes = k.lanes.data();
  const ProfileView pv = p.profile;
  // the position at each node time of each slot: r(t) = r0 + U t (docs/model.md §9), stored
  // in the (pattern, node time) block of every row measured in that slot
  parallel_for_cpu(static_cast<long>(samples.size()), [&](long n) {
    for (int m = 0; m < t.n_patterns; ++m)
      for (int q = 0; q < t.n_time; ++q) {
        double* blk = lanes + n * per_sample + (m * t.n_time + q) * static_cast<long>(RESPONSE_BLOCK);
        for (int i = 0; i < FPI_N_ENERGY; ++i) {
          const int slot = t.pattern_slots[m * FPI_N_ENERGY + i];
          const double dt = t.time_offset_s[slot * t.n_time + q];
          store_point(species_point(pv, t.species, r0_rope[n] + dt * samples[n].U_rope), blk,
                      FPI_N_ENERGY, i);
        }
      }
  });
  p.node_dir = t.node_dir.data();
  p.node_w = t.node_w.data();
  p.n_ang = t.n_ang;
  p.speed = t.speed.data();
  p.speed_w = t.speed_w.data();
  p.n_en = t.n_en;
  p.pattern_of = t.pattern_of.data();
  p.n_patterns = t.n_patterns;
  p.time_w = t.time_w.data();
  p.n_time = t.n_time;
  p.samples = k.samples.data();
  p.lanes = k.lanes.data();
  p.n_samples = static_cast<int>(k.samples.size());
}

void synth_response(Backend& backend, const ProfileTables& profile, const ResponseTables& tables,
                    const std::vector<ResponseSample>& samples, const std::vector<Vec3>& r0_rope,
                    std::vector<double>& out) {
  ResponseSetup k;
  prepare_response(profile, tables, samples, r0_rope, k);
  backend.response_skymaps(k.problem, out);
}

}  // namespace fluxrope
