#pragma once
// CPU half of parallel_for (DESIGN.md): an OpenMP loop over n work items. The
// CUDA half (kernels/parallel_for.cuh) launches the same functor over a 1-D grid.
// Static scheduling keeps the item -> thread map, and so every result, independent
// of timing; items write to disjoint outputs, so results do not depend on the
// thread count either.

namespace fluxrope {

template <class F>
void parallel_for_cpu(long n, F&& f) {
#pragma omp parallel for schedule(static)
  for (long i = 0; i < n; ++i) f(i);
}

// n_rows x row_len items, item = row * row_len + lane: row(r) prepares what a row's items
// share, out[item] = lane(prepared, lane index). The lane loop is an `omp simd` loop, so
// lane() must be branch-free inline code (value selects only) for it to vectorize; the
// CUDA backend runs the same two functions per item.
template <class Row, class Lane>
void parallel_rows_cpu(long n_rows, int row_len, double* out, Row&& row, Lane&& lane) {
#pragma omp parallel for schedule(static)
  for (long r = 0; r < n_rows; ++r) {
    const auto prepared = row(r);
    double* o = out + r * row_len;
#pragma omp simd
    for (int i = 0; i < row_len; ++i) o[i] = lane(prepared, i);
  }
}

// out[r] = sum over i < row_len of lane(row(r), i): the same split, for items that are
// sums (a gyro-average). The lanes are evaluated in vectorized blocks into a buffer and
// summed in index order, the order of the plain loop on the device. (An `omp simd
// reduction` did not vectorize with GCC 12.)
template <class Row, class Lane>
void parallel_row_sums_cpu(long n_rows, int row_len, double* out, Row&& row, Lane&& lane) {
  constexpr int BLOCK = 32;
#pragma omp parallel for schedule(static)
  for (long r = 0; r < n_rows; ++r) {
    const auto prepared = row(r);
    double sum = 0.0;
    for (int i0 = 0; i0 < row_len; i0 += BLOCK) {
      const int n = row_len - i0 < BLOCK ? row_len - i0 : BLOCK;
      double buf[BLOCK];
#pragma omp simd
      for (int i = 0; i < n; ++i) buf[i] = lane(prepared, i0 + i);
      for (int i = 0; i < n; ++i) sum += buf[i];
    }
    out[r] = sum;
  }
}

}  // namespace fluxrope
