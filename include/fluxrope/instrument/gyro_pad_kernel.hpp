#pragma once
// Dense gyro-averaged pitch-angle distributions (MODEL.md section 10):
//   F(r, W, alpha) = (1/2pi) int f_sc(r, v'(W, alpha, gyrophase)) d gyrophase,
// alpha against the local B(r), v' in the spacecraft frame, integrated by the trapezoidal
// rule in gyrophase (spectrally accurate for a periodic integrand). One host/device body.
#include "fluxrope/core/hd.hpp"
#include "fluxrope/core/vec3.hpp"
#include "fluxrope/model/profile_view.hpp"

namespace fluxrope {

struct GyroPadSample {
  LocalPoint local;  // per-position factors at the sample (rope frame)
  Vec3 U_rope;       // spacecraft velocity in the rope frame [m/s]
  Vec3 b, e1, e2;    // field direction and two perpendicular unit vectors (rope frame)
};

struct GyroPadProblem {
  ProfileView profile;
  const GyroPadSample* samples = nullptr;
  int n_samples = 0;
  const double* speed = nullptr;  // [m/s], n_energy
  int n_energy = 0;
  const double* cos_alpha = nullptr;  // pitch nodes, n_pitch
  const double* sin_alpha = nullptr;
  int n_pitch = 0;
  int n_gyro = 32;
  FLUXROPE_HD long n_items() const { return static_cast<long>(n_samples) * n_energy * n_pitch; }
};

// F [s^3/cm^6] for item = (sample, energy, pitch), in that (C) order.
FLUXROPE_HD inline double gyro_pad_item(const GyroPadProblem& p, long item) {
  const int q = static_cast<int>(item % p.n_pitch);
  const int e = static_cast<int>((item / p.n_pitch) % p.n_energy);
  const GyroPadSample& s = p.samples[item / (static_cast<long>(p.n_pitch) * p.n_energy)];
  const double v = p.speed[e];
  const Vec3 par = (v * p.cos_alpha[q]) * s.b;
  const double vperp = v * p.sin_alpha[q];
  double sum = 0.0;
  for (int g = 0; g < p.n_gyro; ++g) {
    const double phase = 2.0 * constants::PI * g / p.n_gyro;
    const Vec3 v_sc = par + (vperp * cos(phase)) * s.e1 + (vperp * sin(phase)) * s.e2;
    sum += electron_f_at(p.profile, s.local, v_sc + s.U_rope);  // MODEL.md s. 9: f(r, v' + U)
  }
  return 1e-12 * sum / p.n_gyro;
}

}  // namespace fluxrope
