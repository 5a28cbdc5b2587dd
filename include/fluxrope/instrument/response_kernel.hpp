#pragma once
// The instrument's bin response (issue 8): what one FPI DES skymap bin records is f_sc averaged
// over the bin's energy passband, its angular acceptance and its moment of measurement inside
// the accumulation, not f_sc at the bin centre (docs/instrument.md derives every weight).
//
//   f_bin = sum over angular nodes a, time nodes t, energy nodes q of
//           w_a w_t w_q (E_q / E_c)^2 f_sc(r(t), v(E_q, dir_a))
//
// The (E/E_c)^2 factor makes f_bin the count-weighted average: the expected counts of the bin
// are N = f_bin / A(E_c) with the one-count level A = m^2 / (2 E_c^2 G dt) (docs/instrument.md), exactly
// the passband integral of the count rate. The weights of each dimension sum to 1, so a
// dimension of zero width collapses to one node of weight 1 and f_bin = f_sc at the centre.
// One host/device item function (response_item) serves every backend; the CPU backend runs
// the same arithmetic as rows of 32 energies (response_row, response_lane).
#include "fluxrope/core/hd.hpp"
#include "fluxrope/core/vec3.hpp"
#include "fluxrope/instrument/fpi.hpp"
#include "fluxrope/model/profile_view.hpp"

namespace fluxrope {

// One sample of one spacecraft as the response kernel sees it. Samples of several spacecraft
// can share one problem (one batch).
struct ResponseSample {
  Vec3 U_rope;        // spacecraft velocity in the rope frame [m/s]
  Mat3 dbcs_to_rope;  // rotation DBCS -> rope frame
  int parity = 0;     // energy table (0 or 1)
};

struct ResponseProblem {
  ProfileView profile;
  // Angular nodes of bin (phi k, theta j): velocity directions (minus look) in DBCS at
  // [(k * 16 + j) * n_ang + a], weights at [j * n_ang + a] (solid-angle weights, sum 1).
  const Vec3* node_dir = nullptr;
  const double* node_w = nullptr;
  int n_ang = 1;
  // Energy nodes of channel i of a parity table: speeds [m/s] at [(parity * 32 + i) * n_en + q],
  // weights w_q (E_q / E_c)^2 at the same index.
  const double* speed = nullptr;
  const double* speed_w = nullptr;
  int n_en = 1;
  // Timing: bin (phi k, energy i) is measured in time slot slot_of[k * 32 + i] < n_slots; each
  // slot has n_time nodes (weights time_w, sum 1) where the per-position factors are tabulated.
  const int* slot_of = nullptr;
  int n_slots = 1;
  const double* time_w = nullptr;
  int n_time = 1;
  // Per sample, and per-position factors at [(sample * n_slots + slot) * n_time + t].
  const ResponseSample* samples = nullptr;
  const LocalPoint* local = nullptr;
  int n_samples = 0;
  FLUXROPE_HD long n_items() const { return static_cast<long>(n_samples) * FPI_N_BINS; }
};

// Items in the L2 files' C order: (sample, phi 32, theta 16, energy 32).
FLUXROPE_HD inline double response_item(const ResponseProblem& p, long item) {
  const int i = static_cast<int>(item % FPI_N_ENERGY);
  const long row = item / FPI_N_ENERGY;
  const int j = static_cast<int>(row % FPI_N_THETA);
  const int k = static_cast<int>((row / FPI_N_THETA) % FPI_N_PHI);
  const long s = row / (FPI_N_THETA * FPI_N_PHI);
  const ResponseSample& smp = p.samples[s];
  const LocalPoint* loc =
      p.local + (s * p.n_slots + p.slot_of[k * FPI_N_ENERGY + i]) * static_cast<long>(p.n_time);
  const int e0 = (smp.parity * FPI_N_ENERGY + i) * p.n_en;
  double acc = 0.0;
  for (int a = 0; a < p.n_ang; ++a) {
    const Vec3 dir = smp.dbcs_to_rope * p.node_dir[(k * FPI_N_THETA + j) * p.n_ang + a];
    const double wa = p.node_w[j * p.n_ang + a];
    for (int t = 0; t < p.n_time; ++t) {
      const double wat = wa * p.time_w[t];
      for (int q = 0; q < p.n_en; ++q) {
        const Vec3 v_sc = p.speed[e0 + q] * dir;
        acc += (wat * p.speed_w[e0 + q]) *
               electron_f_at(p.profile, loc[t], v_sc + smp.U_rope);  // docs/physics.md §9
      }
    }
  }
  return 1e-12 * acc;  // s^3/m^6 -> s^3/cm^6
}

// The CPU split: a row is one look direction (sample, k, j); its node loops run outside and the
// 32 energies are the vector lanes, each accumulating its nodes in response_item's order.
struct ResponseNode {
  const ResponseSample* sample;
  const LocalPoint* loc;  // the sample's factors, slot 0, this node's time t
  const int* slot_of;     // [i]: the row's slots (phi k)
  long slot_stride;       // n_time: distance between slots in loc
  const double* speed;    // [i * n_en + q] with q folded in: the sample's parity table
  const double* speed_w;
  int n_en;
  Vec3 dir;    // this angular node's direction, rope frame
  double wat;  // w_a w_t
};

FLUXROPE_HD inline double response_lane(const ProfileView& profile, const ResponseNode& n, int i) {
  const LocalPoint& l = n.loc[n.slot_of[i] * n.slot_stride];
  const Vec3 v_sc = n.speed[i * n.n_en] * n.dir;
  return (n.wat * n.speed_w[i * n.n_en]) * electron_f_at(profile, l, v_sc + n.sample->U_rope);
}

}  // namespace fluxrope
