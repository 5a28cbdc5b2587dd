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

// The per-position factors of one look direction's 32 energies at one node time, as a
// structure-of-arrays block (LOCAL_POINT_FIELDS x 32, energy i fastest: load_point(blk, 32, i)).
inline constexpr int RESPONSE_BLOCK = LOCAL_POINT_FIELDS * FPI_N_ENERGY;

struct ResponseProblem {
  ProfileView profile;
  // Angular nodes of bin (phi k, theta j): velocity directions (minus look) in DBCS at
  // [(k * 16 + j) * n_ang + a], weights at [j * n_ang + a] (solid-angle weights, sum 1).
  const Vec3* node_dir = nullptr;
  const double* node_w = nullptr;
  int n_ang = 1;
  // Energy nodes, node-major: the speeds [m/s] of node q of the 32 channels of a parity table at
  // [(parity * n_en + q) * 32 + i], weights w_q (E_q / E_c)^2 at the same index.
  const double* speed = nullptr;
  const double* speed_w = nullptr;
  int n_en = 1;
  // Timing: the 32 energies of phi sector k are measured in the time slots of lane pattern
  // pattern_of[k] < n_patterns (ResponseTables::pattern_slots); each slot has n_time nodes
  // (weights time_w, sum 1) where the per-position factors are tabulated.
  const int* pattern_of = nullptr;
  int n_patterns = 1;
  const double* time_w = nullptr;
  int n_time = 1;
  // Per sample; the per-position factors of (sample, pattern, node time t) as the block at
  // ((sample * n_patterns + pattern) * n_time + t) * RESPONSE_BLOCK.
  const ResponseSample* samples = nullptr;
  const double* lanes = nullptr;
  int n_samples = 0;
  FLUXROPE_HD long n_items() const { return static_cast<long>(n_samples) * FPI_N_BINS; }
  // The block of sample s, phi sector k, node time 0 (node time t at + t * RESPONSE_BLOCK).
  FLUXROPE_HD const double* block(long s, int k) const {
    return lanes + (s * n_patterns + pattern_of[k]) * static_cast<long>(n_time) * RESPONSE_BLOCK;
  }
  // The speeds (and weights) of energy node q of parity table `parity`, indexed by channel i.
  FLUXROPE_HD long speed_row(int parity, int q) const {
    return static_cast<long>(parity * n_en + q) * FPI_N_ENERGY;
  }
};

// Items in the L2 files' C order: (sample, phi 32, theta 16, energy 32).
FLUXROPE_HD inline double response_item(const ResponseProblem& p, long item) {
  const int i = static_cast<int>(item % FPI_N_ENERGY);
  const long row = item / FPI_N_ENERGY;
  const int j = static_cast<int>(row % FPI_N_THETA);
  const int k = static_cast<int>((row / FPI_N_THETA) % FPI_N_PHI);
  const long s = row / (FPI_N_THETA * FPI_N_PHI);
  const ResponseSample& smp = p.samples[s];
  const double* blk = p.block(s, k);
  double acc = 0.0;
  for (int a = 0; a < p.n_ang; ++a) {
    const Vec3 dir = smp.dbcs_to_rope * p.node_dir[(k * FPI_N_THETA + j) * p.n_ang + a];
    const double wa = p.node_w[j * p.n_ang + a];
    for (int t = 0; t < p.n_time; ++t) {
      const double wat = wa * p.time_w[t];
      const LocalPoint l = load_point(blk + t * RESPONSE_BLOCK, FPI_N_ENERGY, i);
      for (int q = 0; q < p.n_en; ++q) {
        const long e = p.speed_row(smp.parity, q) + i;
        const Vec3 v_sc = p.speed[e] * dir;
        acc += (wat * p.speed_w[e]) * electron_f_at(p.profile, l, v_sc + smp.U_rope);  // docs/model.md §9
      }
    }
  }
  return 1e-12 * acc;  // s^3/m^6 -> s^3/cm^6
}

// The CPU split: a row is one look direction (sample, k, j); its node loops run outside and the
// 32 energies are the vector lanes, each accumulating its nodes in response_item's order. Every
// table a lane reads is indexed by its energy i alone (the factors' block, the node's speed row),
// so the lanes load contiguous vectors rather than gathering.
struct ResponseNode {
  const double* block;    // the row's factors at this node time (RESPONSE_BLOCK doubles)
  const double* speed;    // [i]: this energy node's speeds in the sample's parity table
  const double* speed_w;  // [i]: their weights
  Vec3 U;                 // the sample's spacecraft velocity, rope frame
  Vec3 dir;               // this angular node's direction, rope frame
  double wat;             // w_a w_t
};

FLUXROPE_HD inline double response_lane(const ProfileView& profile, const ResponseNode& n, int i) {
  const LocalPoint l = load_point(n.block, FPI_N_ENERGY, i);
  const Vec3 v_sc = n.speed[i] * n.dir;
  return (n.wat * n.speed_w[i]) * electron_f_at(profile, l, v_sc + n.U);
}

}  // namespace fluxrope
