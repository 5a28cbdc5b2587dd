// The "cuda" backend: kernels/thrust_backend.inl compiled by nvcc with Thrust's CUDA system
// (the same source is the "thrust-host" backend under g++). What is CUDA-only lives here:
// which device, and whether one answers.
#include <string>

#include "cuda_check.cuh"
#include "thrust_backend.inl"

namespace fluxrope {

template <class P>
void run_items_cuda(const P& p) {
  run_problem_items(p);
}
#define FLUXROPE_INSTANTIATE(P) template void run_items_cuda<P>(const P&);
FLUXROPE_ITEM_PROBLEMS(FLUXROPE_INSTANTIATE)
#undef FLUXROPE_INSTANTIATE

bool cuda_compiled() {
  return true;
}

int cuda_device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver / no device" error
    return 0;
  }
  return n;
}

std::unique_ptr<Backend> make_cuda_backend() {
  if (cuda_device_count() <= 0) {
    throw Error("backend cuda: no CUDA device answers on this machine (use --backend cpu or auto)");
  }
  int device = 0;
  FLUXROPE_CUDA_CHECK(cudaGetDevice(&device));
  cudaDeviceProp prop{};
  FLUXROPE_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return std::make_unique<ThrustBackend>(std::string("cuda (") + prop.name + ", device " +
                                         std::to_string(device) + ")");
}

}  // namespace fluxrope
