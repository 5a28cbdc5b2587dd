#pragma once
// CUDA half of parallel_for (DESIGN.md): a bounds-checked 1-D launch of the same
// functor the CPU loop calls, followed by a launch-error check.
#include <vector>

#include "cuda_check.cuh"
#include "device_buffer.cuh"

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

// out[i] = item(i) for every i < n, computed on the device and copied to the host.
template <class F>
void device_map(long n, F item, std::vector<double>& out) {
  DeviceBuffer<double> result(static_cast<size_t>(n));
  double* r = result.get();
  parallel_for_cuda(n, [item, r] __device__(long i) { r[i] = item(i); });
  FLUXROPE_CUDA_CHECK(cudaDeviceSynchronize());
  result.copy_to(out);
}

}  // namespace fluxrope
