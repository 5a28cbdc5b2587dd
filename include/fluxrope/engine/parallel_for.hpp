#pragma once
// The CPU backend's loops (docs/architecture.md): an OpenMP loop over n work items. The device
// backend (kernels/thrust_backend.inl) runs the same item functions through Thrust.
// Items write to disjoint outputs and each item's arithmetic is fixed, so results depend neither
// on which thread runs an item nor on the thread count. Guided scheduling, not static: a core
// shared with the writer thread (products.cpp, issue 17) would otherwise hold the whole team
// back to its half speed.

namespace fluxrope {

template <class F>
void parallel_for_cpu(long n, F&& f) {
#pragma omp parallel for schedule(guided)
  for (long i = 0; i < n; ++i) f(i);
}

// The lane loops below exist three times on x86-64: for the baseline ISA (SSE2, 2 doubles a
// vector), for AVX2 (4 doubles) and for AVX-512 (8 doubles), the widest the CPU has picked at run
// time. No FMA in any of them (the kernels are built with -ffp-contract=off): all three give
// bit-identical results (the same IEEE operations in the same order), so a result does not
// depend on which CPU computed it. GCC 12 emits no hardware gather in any of them (its generic
// tuning emulates the table reads with scalar loads and inserts; docs/performance.md measured
// that forcing vgatherqpd gains 0-9%).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__CUDACC__)
#define FLUXROPE_CPU_DISPATCH 1
#define FLUXROPE_TARGET_AVX2 __attribute__((target("avx2")))
#define FLUXROPE_TARGET_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl")))
// Inlines every call in the function (where the ISA's copy of a long inline body must be its own).
#define FLUXROPE_FLATTEN __attribute__((flatten))
#else
#define FLUXROPE_CPU_DISPATCH 0
#define FLUXROPE_TARGET_AVX2
#define FLUXROPE_TARGET_AVX512
#define FLUXROPE_FLATTEN
#endif

namespace detail {
template <class Prepared, class Lane>
inline void lanes(const Prepared& prepared, int i0, int n, double* o, Lane& lane) {
#pragma omp simd
  for (int i = 0; i < n; ++i) o[i] = lane(prepared, i0 + i);
}
template <class Prepared, class Lane>
FLUXROPE_TARGET_AVX2 void lanes_avx2(const Prepared& prepared, int i0, int n, double* o,
                                     Lane& lane) {
#pragma omp simd
  for (int i = 0; i < n; ++i) o[i] = lane(prepared, i0 + i);
}
template <class Prepared, class Lane>
FLUXROPE_TARGET_AVX512 void lanes_avx512(const Prepared& prepared, int i0, int n, double* o,
                                         Lane& lane) {
#pragma omp simd
  for (int i = 0; i < n; ++i) o[i] = lane(prepared, i0 + i);
}
// acc[i] += lane(prepared, i): one node of a quadrature summed into every lane's total, so each
// lane accumulates its nodes in the order of the per-item loop.
template <class Prepared, class Lane>
inline void accumulate(const Prepared& prepared, int n, double* acc, Lane& lane) {
#pragma omp simd
  for (int i = 0; i < n; ++i) acc[i] += lane(prepared, i);
}
template <class Prepared, class Lane>
FLUXROPE_TARGET_AVX2 void accumulate_avx2(const Prepared& prepared, int n, double* acc,
                                          Lane& lane) {
#pragma omp simd
  for (int i = 0; i < n; ++i) acc[i] += lane(prepared, i);
}
template <class Prepared, class Lane>
FLUXROPE_TARGET_AVX512 void accumulate_avx512(const Prepared& prepared, int n, double* acc,
                                              Lane& lane) {
#pragma omp simd
  for (int i = 0; i < n; ++i) acc[i] += lane(prepared, i);
}

// The widest vector ISA of this CPU: 0 baseline, 1 AVX2, 2 AVX-512 (F, DQ, VL). The environment
// variable FLUXROPE_SIMD = baseline | avx2 | avx512 caps it (benchmarks compare the paths).
int simd_level_detect();
inline int simd_level() {
  static const int level = simd_level_detect();
  return level;
}
}  // namespace detail

// out[k] = lane(prepared, i0 + k) for k < n, vectorized, on the widest path the CPU has.
template <class Prepared, class Lane>
inline void simd_lanes(const Prepared& prepared, int i0, int n, double* out, Lane& lane) {
  switch (detail::simd_level()) {
    case 2:
      detail::lanes_avx512(prepared, i0, n, out, lane);
      break;
    case 1:
      detail::lanes_avx2(prepared, i0, n, out, lane);
      break;
    default:
      detail::lanes(prepared, i0, n, out, lane);
  }
}

// acc[k] += lane(prepared, k) for k < n, vectorized, on the widest path the CPU has.
template <class Prepared, class Lane>
inline void simd_accumulate(const Prepared& prepared, int n, double* acc, Lane& lane) {
  switch (detail::simd_level()) {
    case 2:
      detail::accumulate_avx512(prepared, n, acc, lane);
      break;
    case 1:
      detail::accumulate_avx2(prepared, n, acc, lane);
      break;
    default:
      detail::accumulate(prepared, n, acc, lane);
  }
}

// consume(i, lane(prepared, i)) for i < n in index order, the lanes evaluated vectorized in
// blocks: for items that reduce their lanes (a gyro-average, the shape moments) in the order
// of the plain loop on the device, so the CPU gives the same bits. (An `omp simd reduction`
// did not vectorize with GCC 12.)
template <class Prepared, class Lane, class Consume>
inline void simd_lanes_in_order(const Prepared& prepared, int n, Lane& lane, Consume&& consume) {
  constexpr int BLOCK = 32;
  double buf[BLOCK];
  for (int i0 = 0; i0 < n; i0 += BLOCK) {
    const int m = n - i0 < BLOCK ? n - i0 : BLOCK;
    simd_lanes(prepared, i0, m, buf, lane);
    for (int i = 0; i < m; ++i) consume(i0 + i, buf[i]);
  }
}

// n_rows x row_len items, item = row * row_len + lane: row(r) prepares what a row's items
// share, out[item] = lane(prepared, lane index). The lane loop is an `omp simd` loop, so
// lane() must be branch-free inline code (value selects only) for it to vectorize; the
// CUDA backend runs the same two functions per item.
template <class Row, class Lane>
void parallel_rows_cpu(long n_rows, int row_len, double* out, Row&& row, Lane&& lane) {
#pragma omp parallel for schedule(guided)
  for (long r = 0; r < n_rows; ++r) simd_lanes(row(r), 0, row_len, out + r * row_len, lane);
}

// out[r] = sum over i < row_len of lane(row(r), i), summed in index order: the same split,
// for items that are sums (a gyro-average).
template <class Row, class Lane>
void parallel_row_sums_cpu(long n_rows, int row_len, double* out, Row&& row, Lane&& lane) {
#pragma omp parallel for schedule(guided)
  for (long r = 0; r < n_rows; ++r) {
    double sum = 0.0;
    simd_lanes_in_order(row(r), row_len, lane, [&](int, double v) { sum += v; });
    out[r] = sum;
  }
}

}  // namespace fluxrope
