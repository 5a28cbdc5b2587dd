// The "thrust-host" backend: kernels/thrust_backend.inl, the CUDA backend's source, compiled by
// the host compiler with Thrust's OpenMP device system. It runs the item functions one per item
// on all cores, as the device does, so CI exercises the device backend's code without a GPU
// (issue 10); its results equal the per-item kernels' bit for bit.
#define THRUST_DEVICE_SYSTEM THRUST_DEVICE_SYSTEM_OMP

#include <fmt/format.h>
#include <omp.h>

#include "../../kernels/thrust_backend.inl"
#include "fluxrope/engine/backend.hpp"

namespace fluxrope {

template <class P>
void run_items_thrust_host(const P& p) {
  run_problem_items(p);
}
#define FLUXROPE_INSTANTIATE(P) template void run_items_thrust_host<P>(const P&);
FLUXROPE_ITEM_PROBLEMS(FLUXROPE_INSTANTIATE)
#undef FLUXROPE_INSTANTIATE

std::unique_ptr<Backend> make_thrust_host_backend() {
  return std::make_unique<ThrustBackend>(
      fmt::format("thrust-host (Thrust OpenMP system, {} threads)", omp_get_max_threads()));
}

}  // namespace fluxrope
