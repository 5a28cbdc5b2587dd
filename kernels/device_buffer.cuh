#pragma once
// Owning device array (RAII) for the few arrays a launch needs.
#include <cstddef>
#include <vector>

#include "cuda_check.cuh"

namespace fluxrope {

template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t n) : n_(n) {
    if (n_ > 0) FLUXROPE_CUDA_CHECK(cudaMalloc(&ptr_, n_ * sizeof(T)));
  }
  DeviceBuffer(const T* host, size_t n) : DeviceBuffer(n) {
    if (n_ > 0) FLUXROPE_CUDA_CHECK(cudaMemcpy(ptr_, host, n_ * sizeof(T), cudaMemcpyHostToDevice));
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() {
    if (ptr_) cudaFree(ptr_);
  }
  T* get() const { return ptr_; }
  void copy_to(std::vector<T>& host) const {
    host.resize(n_);
    if (n_ > 0)
      FLUXROPE_CUDA_CHECK(cudaMemcpy(host.data(), ptr_, n_ * sizeof(T), cudaMemcpyDeviceToHost));
  }

 private:
  T* ptr_ = nullptr;
  size_t n_ = 0;
};

}  // namespace fluxrope
