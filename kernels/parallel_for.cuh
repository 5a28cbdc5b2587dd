#pragma once
// CUDA half of parallel_for (DESIGN.md): a bounds-checked 1-D launch of the same
// functor the CPU loop calls, followed by a launch-error check.
#include "cuda_check.cuh"

namespace fluxrope {

template <class F>
__global__ void parallel_for_kernel(long n, F f) {
  const long i = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) f(i);
}

template <class F>
void parallel_for_cuda(long n, F f, int block = 128) {
  if (n <= 0) return;
  const long grid = (n + block - 1) / block;
  parallel_for_kernel<<<static_cast<unsigned>(grid), block>>>(n, f);
  FLUXROPE_CUDA_CHECK(cudaGetLastError());
}

}  // namespace fluxrope
