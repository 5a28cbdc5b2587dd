#pragma once
// exp written so that a compiler can vectorize it (issue 3: the CPU kernels evaluate f_e
// in `#pragma omp simd` loops, and glibc's scalar exp is a library call that stops
// vectorization and serializes the evaluations). On the device the CUDA exp is used.
//
// Method (Cody-Waite reduction, as in most vector math libraries):
//   x = k ln2 + r, |r| <= ln2 / 2, k integer;  exp(x) = 2^k exp(r);
//   exp(r) by its Taylor polynomial of degree 13 (truncation error r^14/14! < 5e-18
//   relative on |r| <= ln2/2, below half an ulp); ln2 split into a 32-bit head (k * head
//   exact for |k| < 2^21) and a tail.
//   2^k is built in the exponent bits, in two factors 2^k1 2^k2 (k1 = round(k/2)) so that
//   results down to the denormal range (x >= -745.13) come out as glibc's do.
// Accuracy: within 2 ulp of glibc's exp over [-745, 709] (tests/test_units.cpp checks it
// on a dense sweep); exp(x) = 0 below -745.14, as glibc (no false negative f from
// populations that underflow differently). Every step is branch-free: value selects only.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "fluxrope/core/hd.hpp"

namespace fluxrope {

namespace detail {
// Bit copy without a branch or a call; GCC turns it into a register move inside simd loops.
FLUXROPE_HD inline double bits_to_double(std::uint64_t u) {
  double d;
  std::memcpy(&d, &u, sizeof d);
  return d;
}
FLUXROPE_HD inline std::uint64_t double_to_bits(double d) {
  std::uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
}
// 2^k for an integral double kd in [-1022, 1023] given as kd + SHIFT (SHIFT = 1.5 * 2^52
// puts the integer in the low mantissa bits).
FLUXROPE_HD inline double pow2_from_shifted(double shifted) {
  constexpr double SHIFT = 6755399441055744.0;  // 1.5 * 2^52
  const std::uint64_t k = double_to_bits(shifted) - double_to_bits(SHIFT);  // k mod 2^64
  return bits_to_double((k + 1023u) << 52);
}
}  // namespace detail

// The polynomial exp itself, on host and device alike: where results must be bit-identical
// across backends (the Poisson sampler's exp(-N)), not only close.
FLUXROPE_HD inline double exp_poly(double x) {
  constexpr double LOG2E = 1.4426950408889634;
  constexpr double LN2_HI = 0.693147180369123816490;  // 32 significant bits
  constexpr double LN2_LO = 1.90821492927058770002e-10;
  constexpr double SHIFT = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer
  constexpr double X_MAX = 709.782712893384, X_MIN = -745.1332191019412;
  const double xc = x > X_MAX ? X_MAX : (x < X_MIN ? X_MIN : x);
  const double kd = (xc * LOG2E + SHIFT) - SHIFT;  // round(x / ln2)
  const double r = (xc - kd * LN2_HI) - kd * LN2_LO;
  // Taylor polynomial of degree 13 in Estrin-like pairs (short dependency chains).
  const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  const double p01 = 1.0 + r, p23 = 0.5 + r * (1.0 / 6), p45 = 1.0 / 24 + r * (1.0 / 120),
               p67 = 1.0 / 720 + r * (1.0 / 5040), p89 = 1.0 / 40320 + r * (1.0 / 362880),
               pab = 1.0 / 3628800 + r * (1.0 / 39916800),
               pcd = 1.0 / 479001600 + r * (1.0 / 6227020800);
  const double p03 = p01 + r2 * p23, p47 = p45 + r2 * p67, p8b = p89 + r2 * pab;
  const double p07 = p03 + r4 * p47, p8d = p8b + r4 * pcd;
  const double p = p07 + r8 * p8d;
  // 2^k = 2^k1 2^k2, both factors normal for every k in [-1075, 1024].
  const double k1 = (kd * 0.5 + SHIFT) - SHIFT;
  const double k2 = kd - k1;
  const double y = p * detail::pow2_from_shifted(k1 + SHIFT) * detail::pow2_from_shifted(k2 + SHIFT);
  return x < X_MIN ? 0.0 : (x > X_MAX ? HUGE_VAL : y);
}

// exp for the kernels: CUDA's exp on the device, the vectorizable polynomial on the CPU.
FLUXROPE_HD inline double vexp(double x) {
#if defined(__CUDA_ARCH__)
  return exp(x);
#else
  return exp_poly(x);
#endif
}

}  // namespace fluxrope
