#pragma once
// One qualifier for physics that runs on the host and on the device (docs/architecture.md:
// "Physics written once"). Under nvcc it expands to __host__ __device__,
// otherwise to nothing, so the same header compiles with g++ for the CPU backend.

#if defined(__CUDACC__)
#define FLUXROPE_HD __host__ __device__
#else
#define FLUXROPE_HD
#endif
