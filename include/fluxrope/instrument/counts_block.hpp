#pragma once
// The CPU backend's counts (docs/performance.md, issue 17): counts_item for a block of 64 bins
// of one sample at a time, its per-bin steps written as loops over the bins that a vectorizing
// compiler runs 2-8 bins an instruction. Every bin goes through the IEEE operations of
// counts_item (poisson_draw), in the same order, so the results are the same bits on every
// instruction-set path (the kernels are built with -ffp-contract=off):
//   1. the first Philox block of every bin's stream (philox_first_blocks);
//   2. N = f / A, the stream's first uniform u and exp_poly(-N), for all bins;
//   3. below a mean of 30, the bins whose u lies above exp(-N) (the rest draw 0) continue the
//      inversion search 8 at a time, sorted by mean so that the lanes of a group stop at similar
//      k; a group runs until its last lane stops, each lane adding its terms as poisson_draw does;
//   4. from 30 on, PTRS's first trial (two uniforms from the first block; sqrt, divisions, floor)
//      8 at a time; the ~10% of bins whose first trial is not a quick acceptance draw again
//      through poisson_draw itself, from the start of their stream;
//   5. dist, disterr, DEF and the stored counts, for all bins.
// Host only: the device runs counts_item per bin (kernels/thrust_backend.inl).
#include <cmath>
#include <cstdint>

#include "fluxrope/core/philox.hpp"
#include "fluxrope/core/simd_math.hpp"
#include "fluxrope/instrument/counts_kernel.hpp"
#include "fluxrope/instrument/fpi.hpp"

namespace fluxrope {

inline constexpr int COUNTS_BLOCK = 64;  // bins a block; FPI_N_BINS is a multiple of it
static_assert(FPI_N_BINS % COUNTS_BLOCK == 0, "a block holds bins of one sample");
static_assert(COUNTS_BLOCK % FPI_N_ENERGY == 0, "a block starts at energy channel 0");

namespace detail {

inline constexpr int DRAW_LANES = 8;      // bins a group of steps 3 and 4
inline constexpr double PTRS_FROM = 30.0;  // poisson_draw's switch from inversion to PTRS
// Means above this go through poisson_draw itself: their counts would not fit an int64 exactly.
inline constexpr double BLOCK_MEAN_MAX = 4503599627370496.0;  // 2^52

// Step 3 for one group of DRAW_LANES bins (lanes past the group's bins hold m = 0, u = 0, p = 1,
// which stop at once): mean m, uniform u and first term p (= the first cdf) each, u > p; k
// receives the draws. A stopped lane keeps its state, so the loop may run a few steps past the
// last one (it tests for the end every 4 steps). The state is kept by blends written as
// x_new r + x_old (1 - r) with r = 1 or 0: exact for the finite values here (x 1 = x, x 0 = 0),
// and unlike a conditional assignment they compile to whole-vector arithmetic, not masked stores.
inline void inversion_group(const double* m, const double* u, const double* p0, double* k_out) {
  double p[DRAW_LANES], cdf[DRAW_LANES], k[DRAW_LANES], run[DRAW_LANES];
  for (int l = 0; l < DRAW_LANES; ++l) {
    p[l] = p0[l];
    cdf[l] = p0[l];
    k[l] = 0.0;
    run[l] = u[l] > p0[l] ? 1.0 : 0.0;
  }
  double j = 0.0;  // poisson_draw's k, exact in a double
  for (;;) {
    for (int step = 0; step < 4; ++step) {
      j += 1.0;
#pragma omp simd
      for (int l = 0; l < DRAW_LANES; ++l) {
        const double pn = p[l] * (m[l] / j);  // p *= mean / k
        const double cn = cdf[l] + pn;         // cdf += p
        const double r = run[l], keep = 1.0 - r;
        p[l] = pn * r + p[l] * keep;
        cdf[l] = cn * r + cdf[l] * keep;
        k[l] = j * r + k[l] * keep;
        // poisson_draw stops at the far-tail break or once u <= cdf
        run[l] = (pn < 1e-300 && j > m[l]) || !(u[l] > cn) ? 0.0 : r;
      }
    }
    double any = 0.0;
    for (int l = 0; l < DRAW_LANES; ++l) any += run[l];
    if (any == 0.0) break;
  }
  for (int l = 0; l < DRAW_LANES; ++l) k_out[l] = k[l];
}

// Step 4 for one group of DRAW_LANES bins (lanes past the group's bins hold m = 30, u = v = 0.5):
// PTRS's first trial from the first block's uniforms u (U = u - 0.5) and v (V); ok[l] = 1 where
// it was a quick acceptance, and then k[l] is the draw.
inline void ptrs_first_trial_group(const double* m, const double* u, const double* v, double* k,
                                   double* ok) {
#pragma omp simd
  for (int l = 0; l < DRAW_LANES; ++l) {
    // poisson_draw's expressions, operation for operation
    const double mean = m[l], U = u[l] - 0.5, V = v[l];
    const double slam = sqrt(mean);
    const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    const double vr = 0.9277 - 3.6224 / (b - 2.0);
    const double us = 0.5 - fabs(U);
    k[l] = floor((2.0 * a / us + b) * U + mean + 0.43);
    ok[l] = us >= 0.07 && V <= vr ? 1.0 : 0.0;
  }
}

}  // namespace detail

// counts_item of the bins i0 .. i0 + COUNTS_BLOCK - 1 (i0 a multiple of COUNTS_BLOCK), with noise.
inline void counts_block(const CountsProblem& p, long i0) {
  constexpr int W = COUNTS_BLOCK;
  using detail::DRAW_LANES;
  const long s = i0 / FPI_N_BINS;
  const std::uint32_t ka = p.key[2 * s], kb = p.key[2 * s + 1];
  const double* A_row = p.one_count + p.parity[s] * FPI_N_ENERGY;  // bin l has channel l % 32
  const double* E_row = p.energy + p.parity[s] * FPI_N_ENERGY;
  const double* f = p.f_model + i0;

  // 1.
  std::uint32_t c[W], w0[W], w1[W], w2[W], w3[W];
  const std::uint32_t c0 = static_cast<std::uint32_t>(i0 % FPI_N_BINS);  // the block's first bin
  for (int l = 0; l < W; ++l) c[l] = c0 + static_cast<std::uint32_t>(l);
  philox_first_blocks(p.seed, ka, kb, c, W, w0, w1, w2, w3);

  // 2. (the channel tables copied per bin first: contiguous loads for the vector loops)
  double A[W], E[W];
  for (int l = 0; l < W; ++l) {
    A[l] = A_row[l % FPI_N_ENERGY];
    E[l] = E_row[l % FPI_N_ENERGY];
  }
  double N[W], u[W], p0[W], k[W];
#pragma omp simd
  for (int l = 0; l < W; ++l) {
    N[l] = f[l] > 0 ? f[l] / A[l] : 0.0;
    u[l] = philox_uniform(w0[l], w1[l]);
    p0[l] = exp_poly(-N[l]);
    k[l] = 0.0;
  }

  // Which bins continue: the inversion ones in order of their mean (a counting sort on its
  // integer part), the PTRS ones in bin order.
  int inv[W], ptrs[W], n_inv = 0, n_ptrs = 0;
  int bucket_start[31] = {};
  unsigned char bucket_of[W];
  for (int l = 0; l < W; ++l) {
    if (N[l] > 0.0 && N[l] < detail::PTRS_FROM) {
      if (u[l] > p0[l]) {
        bucket_of[l] = static_cast<unsigned char>(N[l]);
        ++bucket_start[bucket_of[l] + 1];
        ++n_inv;
      }
    } else if (N[l] >= detail::PTRS_FROM) {
      ptrs[n_ptrs++] = l;
    }
  }
  for (int b = 0; b < 30; ++b) bucket_start[b + 1] += bucket_start[b];
  for (int l = 0; l < W; ++l)
    if (N[l] > 0.0 && N[l] < detail::PTRS_FROM && u[l] > p0[l]) inv[bucket_start[bucket_of[l]]++] = l;

  // 3.
  for (int g = 0; g < n_inv; g += DRAW_LANES) {
    const int n = n_inv - g < DRAW_LANES ? n_inv - g : DRAW_LANES;
    double m[DRAW_LANES] = {}, uu[DRAW_LANES] = {}, pp[DRAW_LANES], kk[DRAW_LANES];
    for (int l = 0; l < DRAW_LANES; ++l) pp[l] = 1.0;
    for (int l = 0; l < n; ++l) {
      const int b = inv[g + l];
      m[l] = N[b];
      uu[l] = u[b];
      pp[l] = p0[b];
    }
    detail::inversion_group(m, uu, pp, kk);
    for (int l = 0; l < n; ++l) k[inv[g + l]] = kk[l];
  }

  // 4.
  for (int g = 0; g < n_ptrs; g += DRAW_LANES) {
    const int n = n_ptrs - g < DRAW_LANES ? n_ptrs - g : DRAW_LANES;
    double m[DRAW_LANES], uu[DRAW_LANES], vv[DRAW_LANES], kk[DRAW_LANES], ok[DRAW_LANES];
    for (int l = 0; l < DRAW_LANES; ++l) {
      m[l] = detail::PTRS_FROM;
      uu[l] = vv[l] = 0.5;
    }
    for (int l = 0; l < n; ++l) {
      const int b = ptrs[g + l];
      m[l] = N[b];
      uu[l] = u[b];
      vv[l] = philox_uniform(w2[b], w3[b]);
    }
    detail::ptrs_first_trial_group(m, uu, vv, kk, ok);
    for (int l = 0; l < n; ++l) {
      const int b = ptrs[g + l];
      if (ok[l] != 0.0 && N[b] <= detail::BLOCK_MEAN_MAX) {
        k[b] = kk[l];
      } else {  // the whole draw again, from the start of the stream
        PhiloxStream rng(p.seed, ka, kb, c[b], Philox4x32{{w0[b], w1[b], w2[b], w3[b]}});
        k[b] = static_cast<double>(poisson_draw(N[b], rng));
      }
    }
  }

  // 5.: counts_item_with's stores
#pragma omp simd
  for (int l = 0; l < W; ++l) {
    const double cl = k[l], dist = A[l] * cl;
    p.counts_expected[i0 + l] = N[l];
    p.counts[i0 + l] = static_cast<std::int32_t>(cl < 2147483647.0 ? cl : 2147483647.0);
    p.dist[i0 + l] = dist;
    p.disterr[i0 + l] = A[l] * sqrt(cl);
    p.def[i0 + l] = dist < 0 ? 0.0 : p.def_per_e2f * E[l] * E[l] * dist;
  }
}

}  // namespace fluxrope
