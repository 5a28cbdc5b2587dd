#pragma once
// Dense gyro-averaged pitch-angle distributions (docs/model.md §10):
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
  const double* cos_gyro = nullptr;  // gyrophase nodes 2 pi g / n_gyro, n_gyro
  const double* sin_gyro = nullptr;
  int n_gyro = 32;
  FLUXROPE_HD long n_items() const { return static_cast<long>(n_samples) * n_energy * n_pitch; }
};

// One item (sample, energy, pitch), in that (C) order, is a sum over the gyrophase nodes:
// the row prepares what the nodes share, gyro_pad_node evaluates one node. The CPU backend
// sums the nodes in a vectorized loop, the CUDA backend in a plain one (gyro_pad_item).
struct GyroPadRow {
  const GyroPadSample* sample;
  Vec3 par;      // field-aligned part of v' (spacecraft frame)
  double vperp;  // |v'_perp|
};

FLUXROPE_HD inline GyroPadRow gyro_pad_row(const GyroPadProblem& p, long item) {
  const int q = static_cast<int>(item % p.n_pitch);
  const int e = static_cast<int>((item / p.n_pitch) % p.n_energy);
  const GyroPadSample& s = p.samples[item / (static_cast<long>(p.n_pitch) * p.n_energy)];
  const double v = p.speed[e];
  return {&s, (v * p.cos_alpha[q]) * s.b, v * p.sin_alpha[q]};
}

// f_sc at gyrophase node g of a row [s^3/m^6]; docs/model.md §9: f_sc(r, v') = f(r, v' + U).
FLUXROPE_HD inline double gyro_pad_node(const GyroPadProblem& p, const GyroPadRow& row, int g) {
  const GyroPadSample& s = *row.sample;
  const Vec3 v_sc =
      row.par + (row.vperp * p.cos_gyro[g]) * s.e1 + (row.vperp * p.sin_gyro[g]) * s.e2;
  return electron_f_at(p.profile, s.local, v_sc + s.U_rope);
}

// The trapezoidal mean over gyrophase, s^3/m^6 -> s^3/cm^6.
FLUXROPE_HD inline double gyro_pad_mean(const GyroPadProblem& p, double node_sum) {
  return 1e-12 * node_sum / p.n_gyro;
}

// F [s^3/cm^6] of one item.
FLUXROPE_HD inline double gyro_pad_item(const GyroPadProblem& p, long item) {
  const GyroPadRow row = gyro_pad_row(p, item);
  double sum = 0.0;
  for (int g = 0; g < p.n_gyro; ++g) sum += gyro_pad_node(p, row, g);
  return gyro_pad_mean(p, sum);
}

}  // namespace fluxrope
