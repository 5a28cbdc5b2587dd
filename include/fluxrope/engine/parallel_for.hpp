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

}  // namespace fluxrope
