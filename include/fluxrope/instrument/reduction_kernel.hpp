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

// sum_i t_i (p2 v_i^2 + p1 v_i + p0)^2 from the power sums T_p = sum_i t_i v_i^p (p = 0..4).
FLUXROPE_HD inline double quad_form(const double* T, double p2, double p1, double p0) {
  return p2 * p2 * T[4] + 2.0 * p2 * p1 * T[3] + (p1 * p1 + 2.0 * p2 * p0) * T[2] +
         2.0 * p1 * p0 * T[1] + p0 * p0 * T[0];
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
  // Second pass: the heat flux q = (m / 2) int |v - V|^2 (v - V) f d^3v, bin by bin (central, no
  // cancellation) and, with A, the counting statistics, var f_b = A_i max(f_b, 0) in
  // (s^3/cm^6)^2 (c_b converts f in s^3/cm^6), through the derivatives of the header comment.
  // Each derivative is a polynomial of degree <= 2 in the speed v_i whose coefficients depend
  // only on the angular bin, so an angular bin needs only the power sums over its energies,
  // T_p = sum_i W_i^2 A_i max(f_i, 0) v_i^p (p <= 4), and each sum of squares is evaluated once
  // per angular bin (quad_form): ~10 operations a bin instead of ~150.
  const double me = w.mass_kg;
  const double bMb = Ppar / me + n * dot(u, V) * dot(u, V);  // b.M.b
  const double trM = trace / me + n * norm2(V);
  const double bV = dot(u, V), VV = norm2(V);
  Vec3 q;
  // sums of wa^2 (sum_i W_i^2 var_i p(v_i)^2) for each derivative's polynomial p; the constant
  // factors (1/n, m) are applied at the end
  double var_n = 0.0, var_V[3] = {0, 0, 0}, var_par = 0.0, var_perp = 0.0;
  double var_P[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0}, var_T[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  const double Pn[9] = {P[0] / (me * n), P[1] / (me * n), P[2] / (me * n),
                        P[3] / (me * n), P[4] / (me * n), P[5] / (me * n),
                        P[6] / (me * n), P[7] / (me * n), P[8] / (me * n)};
  for (int k = 0; k < FPI_N_PHI; ++k)
    for (int j = 0; j < FPI_N_THETA; ++j) {
      const Vec3 d = dir[k * FPI_N_THETA + j];
      const double wa = 1e12 * w.w_phi * w.w_theta[j];
      const double* f = sky + (static_cast<long>(k) * FPI_N_THETA + j) * FPI_N_ENERGY;
      double T[5] = {0, 0, 0, 0, 0};
      for (int i = 0; i < FPI_N_ENERGY; ++i) {
        if (w.W[i] == 0.0) continue;
        const Vec3 cv = w.v[i] * d - V;
        q = q + (wa * w.W[i] * psd_value(f[i], clamp) * norm2(cv)) * cv;
        if (!A) continue;
        const double v = w.v[i], v2 = v * v;
        const double t = w.W[i] * w.W[i] * (A[i] * (f[i] > 0.0 ? f[i] : 0.0));
        T[0] += t;
        T[1] += t * v;
        T[2] += t * v2;
        T[3] += t * v2 * v;
        T[4] += t * v2 * v2;
      }
      if (!A) continue;
      const double bd = dot(u, d), Vd = dot(V, d);
      const double wa2 = wa * wa;
      for (int p = 0; p < 5; ++p) T[p] *= wa2;
      var_n += T[0];
      const double da[3] = {d.x, d.y, d.z}, Va[3] = {V.x, V.y, V.z};
      for (int r = 0; r < 3; ++r) var_V[r] += quad_form(T, 0.0, da[r], -Va[r]);
      // dT_par: (m c / n) (bd^2 v^2 - 2 bV bd v + 2 bV^2 - b.M.b / n); d(trP/n): (m c / n)
      // (v^2 - 2 Vd v + 2 VV - tr M / n); dT_perp: half their difference
      const double a2 = bd * bd, a1 = -2.0 * bV * bd, a0 = 2.0 * bV * bV - bMb / n;
      const double t1 = -2.0 * Vd, t0 = 2.0 * VV - trM / n;
      var_par += quad_form(T, a2, a1, a0);
      var_perp += quad_form(T, 0.5 * (1.0 - a2), 0.5 * (t1 - a1), 0.5 * (t0 - a0));
      // dP_rc: m c (d_r d_c v^2 - (d_r V_c + d_c V_r) v + V_r V_c); dT_rc: the same over n less
      // c P_rc / n^2 (symmetric in r, c)
      for (int r = 0; r < 3; ++r)
        for (int cc = r; cc < 3; ++cc) {
          const double p2 = da[r] * da[cc], p1 = -(da[r] * Va[cc] + da[cc] * Va[r]),
                       p0 = Va[r] * Va[cc];
          var_P[3 * r + cc] += quad_form(T, p2, p1, p0);
          var_T[3 * r + cc] += quad_form(T, p2, p1, p0 - Pn[3 * r + cc]);
        }
    }
  for (int r = 0; r < 3; ++r)
    for (int cc = 0; cc < r; ++cc) {
      var_P[3 * r + cc] = var_P[3 * cc + r];
      var_T[3 * r + cc] = var_T[3 * cc + r];
    }
  const double mn2 = (me / n) * (me / n);
  for (int r = 0; r < 3; ++r) var_V[r] /= n * n;
  var_par *= mn2;
  var_perp *= mn2;
  for (int m = 0; m < 9; ++m) {
    var_P[m] *= me * me;
    var_T[m] *= mn2;
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

// The angular bins of each pitch bin: from bin_of (the pitch bin of each of the 512 (phi k,
// theta j) bins, [k * 16 + j]) a counting sort, order[start[q] .. start[q + 1]) the bins a =
// k * 16 + j of pitch bin q in increasing a (start has n_pitch + 1 entries).
FLUXROPE_HD inline void pad_order(const int* bin_of, int n_pitch, int* order, int* start) {
  for (int q = 0; q <= n_pitch; ++q) start[q] = 0;
  for (int a = 0; a < FPI_N_PHI * FPI_N_THETA; ++a) ++start[bin_of[a] + 1];
  for (int q = 0; q < n_pitch; ++q) start[q + 1] += start[q];
  // start[q] serves as pitch bin q's cursor while filling in increasing a, and so ends at the
  // next bin's start: shift back by one
  for (int a = 0; a < FPI_N_PHI * FPI_N_THETA; ++a) order[start[bin_of[a]]++] = a;
  for (int q = n_pitch; q > 0; --q) start[q] = start[q - 1];
  start[0] = 0;
}

// One PAD cell (energy channel i) of one skymap from the angular bins of its pitch bin
// (members[0 .. n_members), increasing k * 16 + j: pad_order): its value (NaN when no bin falls
// in it) and, when A_i > 0, the sigma of that mean from var f_b = A_i max(f_b, 0) and the counts
// of its bins, sum_b max(f_b, 0) / A_i (the Poisson likelihood's cells).
FLUXROPE_HD inline void pad_cell(const double* sky, const int* members, int n_members, int i,
                                 PadWeighting weighting, bool clamp, double A, double* value,
                                 double* sigma, double* counts) {
  double sum = 0.0, weight = 0.0, var = 0.0, n = 0.0;
  double ssum = 0.0, sn = 0.0, svar = 0.0;  // PhiOfThetaMeans: the current phi sector's
  for (int m = 0; m < n_members; ++m) {
    const int a = members[m], j = a % FPI_N_THETA;
    const double w = weighting == PadWeighting::SolidAngle ? pad_solid_angle(j) : 1.0;
    const double f = psd_value(sky[static_cast<long>(a) * FPI_N_ENERGY + i], clamp);
    const double vf = A * (f > 0.0 ? f : 0.0);
    n += f > 0.0 && A > 0.0 ? f / A : 0.0;
    if (weighting == PadWeighting::PhiOfThetaMeans) {
      ssum += f;
      sn += 1.0;
      svar += vf;
      // the sector ends: its mean enters
      if (m + 1 == n_members || members[m + 1] / FPI_N_THETA != a / FPI_N_THETA) {
        sum += ssum / sn;
        weight += 1.0;
        var += svar / (sn * sn);
        ssum = sn = svar = 0.0;
      }
    } else {
      sum += w * f;
      weight += w;
      var += w * w * vf;
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
  // work: per sample PAD_WORK_WIDTH(n_pitch) ints, [pitch bin of each of the 512 angular bins
  // (pad_bins_item) | the bins ordered by pitch bin, 512 | n_pitch + 1 starts (pad_order_item)]
  int* pad_work = nullptr;
  FLUXROPE_HD static long pad_work_width(int n_pitch) { return 2 * 512 + n_pitch + 1; }
  FLUXROPE_HD long n_pad_work() const {
    return n_channel > 0 ? static_cast<long>(n_samples) * pad_work_width(n_pitch) : 0;
  }
  FLUXROPE_HD int moment_width() const { return moments ? N_MOMENT_OUT : 0; }
  FLUXROPE_HD int row_width() const { return moment_width() + PAD_CELL_OUT * n_channel * n_pitch; }
  FLUXROPE_HD long n_moment_items() const { return moments ? n_samples : 0; }
  FLUXROPE_HD long n_bin_items() const { return n_channel > 0 ? static_cast<long>(n_samples) * 512 : 0; }
  FLUXROPE_HD long n_order_items() const { return n_channel > 0 ? n_samples : 0; }
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

// Item = one (sample, angular bin): its pitch bin into the sample's pad_work.
FLUXROPE_HD inline void pad_bins_item(const ReductionProblem& p, long item) {
  const long s = item / 512;
  const Vec3 b = p.b_field[s];
  p.pad_work[s * ReductionProblem::pad_work_width(p.n_pitch) + item % 512] =
      pad_pitch_bin(p.dir[item % 512], (1.0 / sqrt(norm2(b))) * b, p.n_pitch);
}

// Item = one sample, after pad_bins_item: its angular bins ordered by pitch bin (pad_order).
FLUXROPE_HD inline void pad_order_item(const ReductionProblem& p, long s) {
  int* w = p.pad_work + s * ReductionProblem::pad_work_width(p.n_pitch);
  pad_order(w, p.n_pitch, w + 512, w + 1024);
}

// Item = one (sample, channel, pitch bin) after pad_order_item: value, sigma and counts into
// the row.
FLUXROPE_HD inline void pad_item(const ReductionProblem& p, long item, double* out) {
  const int q = static_cast<int>(item % p.n_pitch);
  const int c = static_cast<int>((item / p.n_pitch) % p.n_channel);
  const long s = item / (static_cast<long>(p.n_pitch) * p.n_channel);
  const int i = p.pad_channel[c];
  const double A = p.one_count ? p.one_count[p.parity[s] * FPI_N_ENERGY + i] : 0.0;
  double* o = out + s * p.row_width() + p.moment_width() + PAD_CELL_OUT * (c * p.n_pitch + q);
  const int* w = p.pad_work + s * ReductionProblem::pad_work_width(p.n_pitch);
  const int* start = w + 1024;
  pad_cell(p.sky + s * FPI_N_BINS, w + 512 + start[q], start[q + 1] - start[q], i, p.weighting,
           p.clamp, A, o, o + 1, o + 2);
}

}  // namespace fluxrope
