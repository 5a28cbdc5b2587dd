#pragma once
// Every CUDA runtime call goes through FLUXROPE_CUDA_CHECK: on failure it throws
// fluxrope::Error naming file:line, the call and CUDA's message (docs/architecture.md).
#include <cuda_runtime.h>

#include <string>

#include "fluxrope/core/error.hpp"

#define FLUXROPE_CUDA_CHECK(call)                                                             \
  do {                                                                                        \
    const cudaError_t fluxrope_err_ = (call);                                                 \
    if (fluxrope_err_ != cudaSuccess) {                                                       \
      throw ::fluxrope::Error(std::string(__FILE__) + ":" + std::to_string(__LINE__) + ": " + \
                              #call + " failed: " + cudaGetErrorString(fluxrope_err_));       \
    }                                                                                         \
  } while (0)
