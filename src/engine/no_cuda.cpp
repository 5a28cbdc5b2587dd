// Compiled instead of kernels/*.cu when the build has no CUDA compiler.
#include "fluxrope/core/error.hpp"
#include "fluxrope/engine/backend.hpp"

namespace fluxrope {

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
