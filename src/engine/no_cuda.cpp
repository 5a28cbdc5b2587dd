// Compiled instead of kernels/*.cu when the build has no CUDA compiler.
#include "fluxrope/core/error.hpp"
#include "fluxrope/engine/backend.hpp"

namespace fluxrope {

// Never called (no backend of this build has Engine::Cuda); instantiated so that run() links.
template <class P>
void run_items_cuda(const P&) {
  throw Error("backend cuda: this build of fluxrope has no CUDA support (nvcc was not found)");
}
#define FLUXROPE_INSTANTIATE(P) template void run_items_cuda<P>(const P&);
FLUXROPE_ITEM_PROBLEMS(FLUXROPE_INSTANTIATE)
#undef FLUXROPE_INSTANTIATE

bool cuda_compiled() {
  return false;
}
int cuda_device_count() {
  return 0;
}
std::unique_ptr<Backend> make_cuda_backend() {
  throw Error("backend cuda: this build of fluxrope has no CUDA support (nvcc was not found)");
}

}  // namespace fluxrope
