#pragma once
// Counts and Poisson noise (issue 8 item 2, docs/instrument.md "Counts"): the expected counts of a bin are
// N = f / A with the one-count level A = m^2 / (2 E^2 G dt); an L2 file holds f = A n and
// sigma_f = A sqrt(n) for the recorded counts n. Counts are Poisson draws keyed by
// (seed, spacecraft, sample, bin) through Philox, so a seed reproduces them bit for bit on any
// backend, thread count or batch size.
#include <cmath>
#include <cstdint>
#include <vector>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/hd.hpp"
#include "fluxrope/core/philox.hpp"
#include "fluxrope/core/simd_math.hpp"
#include "fluxrope/instrument/fpi.hpp"

namespace fluxrope {

// One-count level A [s^3/cm^6] at energy E [eV] for G dt [cm^2 sr s] and a particle of mass m
// (SI inside: A = m^2 / (2 E^2 G dt) in s^3/m^6).
inline double one_count_level_s3_cm6(double E_eV, double g_dt_cm2_sr_s,
                                     double mass_kg = constants::M_ELECTRON) {
  const double E = E_eV * constants::EV_TO_SI;
  return 1e-12 * mass_kg * mass_kg / (2.0 * E * E * g_dt_cm2_sr_s * 1e-4);
}
// The inverse: the G dt of a bin whose one-count level (an L2 file's disterr^2 / dist) is A.
inline double g_dt_from_one_count(double E_eV, double A_s3_cm6,
                                  double mass_kg = constants::M_ELECTRON) {
  return one_count_level_s3_cm6(E_eV, 1.0, mass_kg) / A_s3_cm6;
}

// A Poisson draw of mean `mean` from the stream. Below a mean of 30: inversion by sequential
// search (exp_poly, so bit-identical on host and device). From 30 on: Hormann's transformed
// rejection PTRS (W. Hormann 1993, Insurance Math. Econom. 12, 39; the method of NumPy), whose
// log / lgamma come from the platform's libm: host and device agree except where an acceptance
// test lands within an ulp of its bound.
// Means from 2^62 on (and an infinite one) give 2^62 without a draw: the count would not fit an
// int64 (the stored counts saturate at 2^31 - 1 long before, counts_item).
inline constexpr double POISSON_MEAN_MAX = 4611686018427387904.0;  // 2^62
FLUXROPE_HD inline std::int64_t poisson_draw(double mean, PhiloxStream& rng) {
  if (!(mean > 0.0)) return 0;
  if (!(mean < POISSON_MEAN_MAX)) return static_cast<std::int64_t>(POISSON_MEAN_MAX);
  if (mean < 30.0) {
    const double u = rng.uniform();
    double p = exp_poly(-mean), cdf = p;
    std::int64_t k = 0;
    while (u > cdf) {
      ++k;
      p *= mean / static_cast<double>(k);
      cdf += p;
      if (p < 1e-300 && k > mean) break;  // u above the rounded total: the far tail
    }
    return k;
  }
  const double slam = sqrt(mean), loglam = log(mean);
  const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const double U = rng.uniform() - 0.5, V = rng.uniform();
    const double us = 0.5 - fabs(U);
    const double k = floor((2.0 * a / us + b) * U + mean + 0.43);
    // (a k returned is below 2^63: the mean is below 2^62, an accepted k within a few sqrt(mean) of it)
    if (us >= 0.07 && V <= vr) return static_cast<std::int64_t>(k);
    if (k < 0.0 || (us < 0.013 && V > us)) continue;
    if (log(V) + log(invalpha) - log(a / (us * us) + b) <= -mean + k * loglam - lgamma(k + 1.0))
      return static_cast<std::int64_t>(k);
  }
}

// [instrument] count keys (README "Configuration", docs/instrument.md).
struct CountSettings {
  // G dt per pixel and energy step [cm^2 sr s]; a 32-entry table (per energy channel, from
  // one_count_s3_cm6) replaces the scalar when given.
  double g_dt_cm2_sr_s = 1e-7;
  std::vector<double> g_dt_table;  // empty, or 32 values
  bool noise = true;
  std::uint64_t seed = 20151019;
  double g_dt(int channel) const {
    return g_dt_table.empty() ? g_dt_cm2_sr_s : g_dt_table[static_cast<size_t>(channel)];
  }
};

}  // namespace fluxrope
