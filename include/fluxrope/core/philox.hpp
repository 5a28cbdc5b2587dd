#pragma once
// Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3"; the
// algorithm of Random123 and of cuRAND's Philox4_32_10), a counter-based generator: the
// output is a pure function of (key, counter), so a random number keyed by (seed, spacecraft,
// sample, bin) is the same on every backend, thread count and batch split. Host/device;
// tests/test_counts.cpp checks Random123's known-answer vectors.
#include <cstdint>

#include "fluxrope/core/hd.hpp"

namespace fluxrope {

struct Philox4x32 {
  std::uint32_t v[4];
};

FLUXROPE_HD inline void philox_mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi,
                                       std::uint32_t& lo) {
  const std::uint64_t p = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(p >> 32);
  lo = static_cast<std::uint32_t>(p);
}

FLUXROPE_HD inline Philox4x32 philox4x32_10(Philox4x32 ctr, std::uint32_t k0, std::uint32_t k1) {
  constexpr std::uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u;
  constexpr std::uint32_t W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      k0 += W0;
      k1 += W1;
    }
    std::uint32_t hi0, lo0, hi1, lo1;
    philox_mulhilo(M0, ctr.v[0], hi0, lo0);
    philox_mulhilo(M1, ctr.v[2], hi1, lo1);
    ctr = {{hi1 ^ ctr.v[1] ^ k0, lo1, hi0 ^ ctr.v[3] ^ k1, lo0}};
  }
  return ctr;
}

// The uniform double in (0, 1) of two words of a block: their top 53 bits, centred in their step.
FLUXROPE_HD inline double philox_uniform(std::uint32_t hi, std::uint32_t lo) {
  const std::uint64_t bits = ((static_cast<std::uint64_t>(hi) << 32) | lo) >> 11;  // 53 bits
  // (converted as a signed integer, the same value: a conversion vector units have)
  return (static_cast<double>(static_cast<std::int64_t>(bits)) + 0.5) * (1.0 / 9007199254740992.0);
}

// A stream of uniform doubles in (0, 1) for one (seed, a, b, c) key: counter (c, b, a, block),
// two 53-bit uniforms per Philox block.
class PhiloxStream {
 public:
  FLUXROPE_HD PhiloxStream(std::uint64_t seed, std::uint32_t a, std::uint32_t b, std::uint32_t c)
      : k0_(static_cast<std::uint32_t>(seed)),
        k1_(static_cast<std::uint32_t>(seed >> 32)),
        a_(a),
        b_(b),
        c_(c) {}
  // The same stream, its first block (counter block 0) computed already (philox_first_blocks).
  FLUXROPE_HD PhiloxStream(std::uint64_t seed, std::uint32_t a, std::uint32_t b, std::uint32_t c,
                           const Philox4x32& first_block)
      : PhiloxStream(seed, a, b, c) {
    block_ = first_block;
    next_ = 1;
    used_ = 0;
  }
  FLUXROPE_HD double uniform() {
    if (used_ == 2) {
      block_ = philox4x32_10({{c_, b_, a_, next_}}, k0_, k1_);
      ++next_;
      used_ = 0;
    }
    const std::uint32_t hi = block_.v[2 * used_], lo = block_.v[2 * used_ + 1];
    ++used_;
    return philox_uniform(hi, lo);
  }

 private:
  std::uint32_t k0_, k1_, a_, b_, c_;
  std::uint32_t next_ = 0;
  int used_ = 2;
  Philox4x32 block_{{0, 0, 0, 0}};
};

// Block 0 of the streams (seed, a, b, c[l]) for l < n: the counter words of PhiloxStream, one
// stream a lane, written as a plain loop over the lanes so that a vectorizing compiler runs 2-8
// lanes an instruction (the rounds of one block are a chain of dependent multiplies, ~50 cycles
// scalar). Integer arithmetic: the same bits as philox4x32_10 on any path.
FLUXROPE_HD inline void philox_first_blocks(std::uint64_t seed, std::uint32_t a, std::uint32_t b,
                                            const std::uint32_t* c, int n, std::uint32_t* w0,
                                            std::uint32_t* w1, std::uint32_t* w2,
                                            std::uint32_t* w3) {
  const std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
#if defined(_OPENMP) && !defined(__CUDACC__)
#pragma omp simd
#endif
  for (int l = 0; l < n; ++l) {
    const Philox4x32 r = philox4x32_10({{c[l], b, a, 0}}, k0, k1);  // PhiloxStream's counter
    w0[l] = r.v[0];
    w1[l] = r.v[1];
    w2[l] = r.v[2];
    w3[l] = r.v[3];
  }
}

}  // namespace fluxrope
