#pragma once
// Counts, noise and the L2 arrays of every skymap bin as one host/device item function (issues 8
// and 10): the per-bin work after the response kernel runs on the backend (on the GPU where the
// skymaps are), only the per-sample reductions (PADs, moments, the minimum of f) on the host.
//   N = max(f, 0) / A;  n = Poisson(N) keyed by (seed, spacecraft, sample, bin), or N rounded
//   when noise is off;  dist = A n (noise off: f);  disterr = A sqrt(n) (noise off: A sqrt(N));
//   DEF = def_per_e2f E^2 dist (2 E^2 f / m^2; 0 for negative f).
#include <cmath>
#include <cstdint>

#include "fluxrope/core/hd.hpp"
#include "fluxrope/instrument/counts.hpp"
#include "fluxrope/instrument/fpi.hpp"

namespace fluxrope {

struct CountsProblem {
  const double* f_model = nullptr;    // (n_samples, 16384) s^3/cm^6
  const double* one_count = nullptr;  // [parity * 32 + i]: A [s^3/cm^6]
  const double* energy = nullptr;     // [parity * 32 + i]: E [eV]
  const int* parity = nullptr;        // per sample
  const std::uint32_t* key = nullptr; // per sample: (spacecraft index, sample index) pairs
  std::uint64_t seed = 0;
  bool noise = true;
  long n_samples = 0;
  double def_per_e2f = DEF_PER_E2F;  // the species' (Species::def_per_e2f)
  // outputs, (n_samples, 16384) each
  double* counts_expected = nullptr;
  std::int32_t* counts = nullptr;
  double* dist = nullptr;
  double* disterr = nullptr;
  double* def = nullptr;
  FLUXROPE_HD long n_items() const { return n_samples * FPI_N_BINS; }
};

// The per-bin work of counts_item, the bin's Philox stream given (keyed by (seed, key of the
// sample, bin); drawn from only with noise).
FLUXROPE_HD inline void counts_item_with(const CountsProblem& p, long item, PhiloxStream& rng) {
  const long s = item / FPI_N_BINS;
  const long b = item % FPI_N_BINS;
  const int e = p.parity[s] * FPI_N_ENERGY + static_cast<int>(b % FPI_N_ENERGY);
  const double A = p.one_count[e], E = p.energy[e];
  const double f = p.f_model[item];
  const double N = f > 0 ? f / A : 0.0;  // docs/model.md §8: negative f gives no counts
  double c, dist, err;
  if (p.noise) {
    c = static_cast<double>(poisson_draw(N, rng));
    dist = A * c;
    err = A * sqrt(c);
  } else {
    c = floor(N + 0.5);
    dist = f;
    err = A * sqrt(N);
  }
  p.counts_expected[item] = N;
  p.counts[item] = static_cast<std::int32_t>(c < 2147483647.0 ? c : 2147483647.0);
  p.dist[item] = dist;
  p.disterr[item] = err;
  p.def[item] = dist < 0 ? 0.0 : p.def_per_e2f * E * E * dist;
}

FLUXROPE_HD inline void counts_item(const CountsProblem& p, long item) {
  const long s = item / FPI_N_BINS;
  PhiloxStream rng(p.seed, p.key[2 * s], p.key[2 * s + 1],
                   static_cast<std::uint32_t>(item % FPI_N_BINS));
  counts_item_with(p, item, rng);
}

}  // namespace fluxrope
