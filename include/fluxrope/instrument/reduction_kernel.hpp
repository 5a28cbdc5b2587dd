#pragma once
// Per-sample reductions of skymaps as host/device item functions (issue 16 item 4,
// docs/architecture.md "Jobs": one forward model for synthesis, fit and sampler): the moments
// of one skymap and the instrument-style PAD cells, written once and run by the host products (synth), by every
// backend after its response kernel (the fit's forward model, where only these numbers leave
// the device), bit for bit the same arithmetic.
//
// Moments (docs/instrument.md "Moments"): n = sum_b c_b f_b with the bin weight
// c_b = w_phi w_theta(j) W_parity(i) (periodic trapezoid in phi, the padded trapezoid of
// f sin(theta), the trapezoid in U = E / (E + E0) with the potential correction and energy
// limits), flux F = sum c_b v_i d_b f_b, second moment M = sum c_b v_i^2 d_b d_b^T f_b;
// V = F / n, P = m (M - n V V^T), T_par = b.P.b / n, T_perp = (tr P / n - T_par) / 2.
//
// Counting statistics (issue 16 item 3): a bin's PSD is f_b = A_i N_b with Poisson N_b, so
// var f_b = A_i f_b (f_b the recorded PSD, or the expectation). The sigmas are the linear
// propagation sum_b (dX/df_b)^2 A_i f_b (bins independent; correlations between the moments
// not kept), with
//   dn/df_b      = c_b
//   dV/df_b      = c_b (v_i d_b - V) / n
//   dT_par/df_b  = m c_b [ (v_i^2 (b.d_b)^2 - b.M.b / n) / n - 2 (b.V) (v_i (b.d_b) - b.V) / n ]
//   d(trP/n)/df_b = m c_b [ (v_i^2 - tr M / n) / n - 2 (v_i V.d_b - |V|^2) / n ]
//   dT_perp/df_b = (d(trP/n)/df_b - dT_par/df_b) / 2,
//   dP_rc/df_b   = m c_b (v_i d_r - V_r)(v_i d_c - V_c)     (the V-terms cancel: sum c f (v d - V) = 0)
//   dT_rc/df_b   = c_b [m (v_i d_r - V_r)(v_i d_c - V_c) - P_rc / n] / n   (T = P / n, the tensor).
//
// PAD cells (docs/instrument.md "PADs"): the bins of energy channel i whose centre velocity
// has its pitch angle in bin q, averaged unweighted, by solid angle, or as pyrfu does (the mean
// over theta within each phi sector, then over the sectors), with the sigma of that mean.
#include <cmath>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/hd.hpp"
#include "fluxrope/core/vec3.hpp"
#include "fluxrope/instrument/fpi.hpp"

namespace fluxrope {

// Quadrature weights of one energy table (32 channels) for the ground-system moments: energy
// weights W_i [m^3/s^3 per (s^3/m^6)] and corrected speeds v_i [m/s] (0 and weight 0 for a
// dropped channel), the angular weights. Filled by moment_weights() (fpi_moments.hpp).
struct MomentWeights {
  double W[FPI_N_ENERGY] = {}, v[FPI_N_ENERGY] = {};
  double w_theta[FPI_N_THETA] = {};  // includes sin(theta) and the padded trapezoid
  double w_phi = 0.0;
  int n_used = 0;
  double mass_kg = constants::M_ELECTRON;  // the species' mass (P = m (M - n V V))
};

// Layout of one sample's moments: n [m^-3], V [m/s] (3, skymap axes), P [Pa] (9, row-major),
// q [W/m^2] (3), T_par, T_perp [J], then the sigmas of n, V (3), T_par, T_perp, P (9) [Pa] and
// of the temperature tensor T = P / n (9) [J], each component on its own.
enum MomentIndex : int {
  MOM_N = 0,
  MOM_V = 1,
  MOM_P = 4,
  MOM_Q = 13,
  MOM_T_PAR = 16,
  MOM_T_PERP = 17,
  MOM_SIGMA_N = 18,
  MOM_SIGMA_V = 19,
  MOM_SIGMA_T_PAR = 22,
  MOM_SIGMA_T_PERP = 23,
  MOM_SIGMA_P = 24,
  MOM_SIGMA_T_TENSOR = 33,
  N_MOMENT_OUT = 42
};

// How a skymap's PSD enters: as recorded (negative model f included), or clamped at 0 (the
// expectation of A x Poisson counts, whose mean is max(f, 0): docs/model.md §8).
FLUXROPE_HD inline double psd_value(double f, bool clamp) {
  return clamp ? (f > 0.0 ? f : 0.0) : f;
}

// The moments of one skymap (phi 32, theta 16, energy 32) in s^3/cm^6 into out[N_MOMENT_OUT].
// dir: the 512 bin-centre velocity directions (FpiTables::velocity_dir); b: the field in the
// skymap's axes; A: the 32 one-count levels [s^3/cm^6] of the skymap's table, or null (sigmas 0).
FLUXROPE_HD inline void skymap_moments(const double* sky, const MomentWeights& w, const Vec3* dir,
                                       Vec3 b, bool clamp, const double* A, double* out) {
  for (int m = 0; m < N_MOMENT_OUT; ++m) out[m] = 0.0;
  // One pass for n, n V and the second moment sum m <v v>; f in s^3/cm^6 -> s^3/m^6 (1e12).
  double n = 0.0, M[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  Vec3 flux;
  for (int k = 0; k < FPI_N_PHI; ++k)
    for (int j = 0; j < FPI_N_THETA; ++j) {
      const Vec3 d = dir[k * FPI_N_THETA + j];
      const double wa = 1e12 * w.w_phi * w.w_theta[j];
      const double* f = sky + (static_cast<long>(k) * FPI_N_THETA + j) * FPI_N_ENERGY;
      double s0 = 0.0, s1 = 0.0, s2 = 0.0;
      for (int i = 0; i < FPI_N_ENERGY; ++i) {
        const double c = w.W[i] * psd_value(f[i], clamp);
        s0 += c;
        s1 += c * w.v[i];
        s2 += c * w.v[i] * w.v[i];
      }
      n += wa * s0;
      flux = flux + (wa * s1) * d;
      const double dd[3] = {d.x, d.y, d.z};
      for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) M[3 * r + c] += wa * s2 * dd[r] * dd[c];
    }
  out[MOM_N] = n;
  if (!(n > 0.0)) return;
  const Vec3 V = (1.0 / n) * flux;
  const double Va[3] = {V.x, V.y, V.z};
  double P[9];
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) P[3 * r + c] = w.mass_kg * (M[3 * r + c] - n * Va[r] * Va[c]);
  const double bn = sqrt(norm2(b));
  const Vec3 u = (1.0 / bn) * b;
  const double bb[3] = {u.x, u.y, u.z};
  double Ppar = 0.0;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) Ppar += bb[r] * P[3 * r + c] * bb[c];
  const double trace = P[0] + P[4] + P[8];
  // Second pass, over the bins with weight: the heat flux q = (m / 2) int |v - V|^2 (v - V) f d^3v
  // and, with A, the counting statistics, var f_b = A_i max(f_b, 0) in (s^3/cm^6)^2 (c_b converts
  // f in s^3/cm^6), through the derivatives of the header comment.
  const double me = w.mass_kg;
  const double bMb = Ppar / me + n * dot(u, V) * dot(u, V);  // b.M.b
  const double trM = trace / me + n * norm2(V);
  const double bV = dot(u, V), VV = norm2(V);
  Vec3 q;
  double var_n = 0.0, var_V[3] = {0, 0, 0}, var_par = 0.0, var_perp = 0.0;
  double var_P[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0}, var_T[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  for (int k = 0; k < FPI_N_PHI; ++k)
    for (int j = 0; j < FPI_N_THETA; ++j) {
      const Vec3 d = dir[k * FPI_N_THETA + j];
      const double wa = 1e12 * w.w_phi * w.w_theta[j];
      const double bd = dot(u, d), Vd = dot(V, d);
      const double* f = sky + (static_cast<long>(k) * FPI_N_THETA + j) * FPI_N_ENERGY;
      for (int i = 0; i < FPI_N_ENERGY; ++i) {
        if (w.W[i] == 0.0) continue;
        const Vec3 cv = w.v[i] * d - V;
        q = q + (wa * w.W[i] * psd_value(f[i], clamp) * norm2(cv)) * cv;
        if (!A) continue;
        const double var = A[i] * (f[i] > 0.0 ? f[i] : 0.0);
        const double c = wa * w.W[i], v = w.v[i];
        var_n += c * c * var;
        const Vec3 dV = (c / n) * (v * d - V);
        var_V[0] += dV.x * dV.x * var;
        var_V[1] += dV.y * dV.y * var;
        var_V[2] += dV.z * dV.z * var;
        const double dpar =
            me * c * ((v * v * bd * bd - bMb / n) / n - 2.0 * bV * (v * bd - bV) / n);
        const double dtr = me * c * ((v * v - trM / n) / n - 2.0 * (v * Vd - VV) / n);
        const double dperp = 0.5 * (dtr - dpar);
        var_par += dpar * dpar * var;
        var_perp += dperp * dperp * var;
        const double cva[3] = {cv.x, cv.y, cv.z};
        for (int r = 0; r < 3; ++r)
          for (int cc = 0; cc < 3; ++cc) {
            const double dP = me * c * cva[r] * cva[cc];
            const double dT = (dP - c * P[3 * r + cc] / n) / n;
            var_P[3 * r + cc] += dP * dP * var;
            var_T[3 * r + cc] += dT * dT * var;
          }
      }
    }
  q = (0.5 * me) * q;
  out[MOM_V] = V.x;
  out[MOM_V + 1] = V.y;
  out[MOM_V + 2] = V.z;
  for (int m = 0; m < 9; ++m) out[MOM_P + m] = P[m];
  out[MOM_Q] = q.x;
  out[MOM_Q + 1] = q.y;
  out[MOM_Q + 2] = q.z;
  out[MOM_T_PAR] = Ppar / n;
  out[MOM_T_PERP] = 0.5 * (trace - Ppar) / n;
  if (!A) return;
  out[MOM_SIGMA_N] = sqrt(var_n);
  for (int c = 0; c < 3; ++c) out[MOM_SIGMA_V + c] = sqrt(var_V[c]);
  out[MOM_SIGMA_T_PAR] = sqrt(var_par);
  out[MOM_SIGMA_T_PERP] = sqrt(var_perp);
  for (int m = 0; m < 9; ++m) {
    out[MOM_SIGMA_P + m] = sqrt(var_P[m]);
    out[MOM_SIGMA_T_TENSOR + m] = sqrt(var_T[m]);
  }
}

// How skymap bins are averaged within a pitch-angle bin: Unweighted (a plain mean over the bins,
// pySPEDAS mms_pad_fpi), SolidAngle (weighted by each bin's solid angle), PhiOfThetaMeans (pyrfu
// get_pitch_angle_dist: the mean over theta within each phi sector, then the mean over the phi
// sectors that have any, which weighs bins unequally).
enum class PadWeighting { Unweighted, SolidAngle, PhiOfThetaMeans };

// The pitch bin (of n_pitch equal bins over [0, 180] deg) of velocity direction v against the
// unit field direction b.
FLUXROPE_HD inline int pad_pitch_bin(Vec3 v, Vec3 b, int n_pitch) {
  double cb = dot(v, b);
  cb = cb < -1.0 ? -1.0 : (cb > 1.0 ? 1.0 : cb);
  const double alpha = acos(cb) * 180.0 / constants::PI;
  const double bin = alpha / (180.0 / n_pitch);  // in [0, n_pitch] for a finite field
  if (!(bin >= 0)) return 0;
  const int q = static_cast<int>(bin);
  return q < n_pitch - 1 ? q : n_pitch - 1;
}

// Solid angle dphi (cos th1 - cos th2) of a bin of theta row j [sr].
FLUXROPE_HD inline double pad_solid_angle(int j) {
  const double d = constants::PI / 180.0;
  const double th = 5.625 + FPI_ANGLE_WIDTH_DEG * j;
  return FPI_ANGLE_WIDTH_DEG * d *
         (cos((th - 0.5 * FPI_ANGLE_WIDTH_DEG) * d) - cos((th + 0.5 * FPI_ANGLE_WIDTH_DEG) * d));
}

// One PAD cell (energy channel i, pitch bin q) of one skymap: its value (NaN when no bin falls
// in it) and, when A_i > 0, the sigma of that mean from var f_b = A_i max(f_b, 0) and the counts
// of its bins, sum_b max(f_b, 0) / A_i (the Poisson likelihood's cells).
// bin_of: the pitch bin of each of the 512 (phi k, theta j) bins, [k * 16 + j].
FLUXROPE_HD inline void pad_cell(const double* sky, const int* bin_of, int i, int q,
                                 PadWeighting weighting, bool clamp, double A, double* value,
                                 double* sigma, double* counts) {
  double sum = 0.0, weight = 0.0, var = 0.0, n = 0.0;
  for (int k = 0; k < FPI_N_PHI; ++k) {
    double ssum = 0.0, sn = 0.0, svar = 0.0;
    for (int j = 0; j < FPI_N_THETA; ++j) {
      if (bin_of[k * FPI_N_THETA + j] != q) continue;
      const double w = weighting == PadWeighting::SolidAngle ? pad_solid_angle(j) : 1.0;
      const double f = psd_value(sky[(static_cast<long>(k) * FPI_N_THETA + j) * FPI_N_ENERGY + i], clamp);
      const double vf = A * (f > 0.0 ? f : 0.0);
      n += f > 0.0 && A > 0.0 ? f / A : 0.0;
      if (weighting == PadWeighting::PhiOfThetaMeans) {
        ssum += f;
        sn += 1.0;
        svar += vf;
      } else {
        sum += w * f;
        weight += w;
        var += w * w * vf;
      }
    }
    if (weighting == PadWeighting::PhiOfThetaMeans && sn > 0) {
      sum += ssum / sn;
      weight += 1.0;
      var += svar / (sn * sn);
    }
  }
  *value = weight > 0 ? sum / weight : NAN;
  if (sigma) *sigma = weight > 0 ? sqrt(var) / weight : NAN;
  if (counts) *counts = n;
}

// The fit's reductions of a batch of skymaps (n_samples, 16384): per sample its moments
// (N_MOMENT_OUT values) and PAD cells (value and sigma) at the chosen channels of its own
// parity table, on n_pitch bins. Output row of a sample: [moments | (channel, pitch, {value,
// sigma, counts})]. clamp: the expectation max(f, 0) (a forward model); sigmas from the same PSD.
inline constexpr int PAD_CELL_OUT = 3;  // value, sigma, counts
struct ReductionProblem {
  const double* sky = nullptr;      // (n_samples, phi, theta, energy) s^3/cm^6
  const Vec3* dir = nullptr;        // 512 bin-centre velocity directions, DBCS
  const int* parity = nullptr;      // per sample
  const Vec3* b_field = nullptr;    // per sample: the field, DBCS, any length (normalized here)
  const MomentWeights* weights = nullptr;  // [parity]
  const double* one_count = nullptr;       // [parity * 32 + i]: A [s^3/cm^6]; null: no sigmas
  bool clamp = true;
  int n_samples = 0;
  bool moments = true;              // compute the moments part of each row
  const int* pad_channel = nullptr; // channels (0-31) of the PAD cells
  int n_channel = 0, n_pitch = 0;
  PadWeighting weighting = PadWeighting::Unweighted;
  int* bin_of = nullptr;            // work: (n_samples, 512) pitch bins (filled by pad_bins_item)
  FLUXROPE_HD int moment_width() const { return moments ? N_MOMENT_OUT : 0; }
  FLUXROPE_HD int row_width() const { return moment_width() + PAD_CELL_OUT * n_channel * n_pitch; }
  FLUXROPE_HD long n_moment_items() const { return moments ? n_samples : 0; }
  FLUXROPE_HD long n_bin_items() const { return n_channel > 0 ? static_cast<long>(n_samples) * 512 : 0; }
  FLUXROPE_HD long n_pad_items() const {
    return static_cast<long>(n_samples) * n_channel * n_pitch;
  }
};

// Item = one sample: its moments into out + sample * row_width().
FLUXROPE_HD inline void moment_item(const ReductionProblem& p, long s, double* out) {
  const int par = p.parity[s];
  skymap_moments(p.sky + s * FPI_N_BINS, p.weights[par], p.dir, p.b_field[s], p.clamp,
                 p.one_count ? p.one_count + par * FPI_N_ENERGY : nullptr,
                 out + s * p.row_width());
}

// Item = one (sample, angular bin): its pitch bin into p.bin_of.
FLUXROPE_HD inline void pad_bins_item(const ReductionProblem& p, long item) {
  const long s = item / 512;
  const Vec3 b = p.b_field[s];
  p.bin_of[item] = pad_pitch_bin(p.dir[item % 512], (1.0 / sqrt(norm2(b))) * b, p.n_pitch);
}

// Item = one (sample, channel, pitch bin) after pad_bins_item: value and sigma into the row.
FLUXROPE_HD inline void pad_item(const ReductionProblem& p, long item, double* out) {
  const int q = static_cast<int>(item % p.n_pitch);
  const int c = static_cast<int>((item / p.n_pitch) % p.n_channel);
  const long s = item / (static_cast<long>(p.n_pitch) * p.n_channel);
  const int i = p.pad_channel[c];
  const double A = p.one_count ? p.one_count[p.parity[s] * FPI_N_ENERGY + i] : 0.0;
  double* o = out + s * p.row_width() + p.moment_width() + PAD_CELL_OUT * (c * p.n_pitch + q);
  pad_cell(p.sky + s * FPI_N_BINS, p.bin_of + s * 512, i, q, p.weighting, p.clamp, A, o, o + 1,
           o + 2);
}

}  // namespace fluxrope
