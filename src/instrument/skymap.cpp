#include "fluxrope/instrument/skymap.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"

namespace fluxrope {

SkymapSetup make_skymap_setup(const ProfileTables& profile,
                              const std::vector<SkymapSample>& samples) {
  static const FpiTables fpi = make_fpi_tables();
  SkymapSetup k;
  SkymapProblem& p = k.problem;
  p.profile = profile.view();
  k.samples = samples;
  for (SkymapSample& s : k.samples) s.local = local_point(p.profile, s.r_rope);
  p.velocity_dir = fpi.velocity_dir.data();
  p.speed = fpi.speed.data();
  p.samples = k.samples.data();
  p.n_samples = static_cast<int>(k.samples.size());
  return k;
}

std::vector<double> synth_skymaps(Backend& backend, const ProfileTables& profile,
                                  const std::vector<SkymapSample>& samples) {
  const SkymapSetup k = make_skymap_setup(profile, samples);
  std::vector<double> out;
  backend.skymaps(k.problem, out);
  return out;
}

GyroPadSetup make_gyro_pad_setup(const ProfileTables& profile, const std::vector<Vec3>& r_rope,
                                 Vec3 U_rope, const InstrumentSettings& s) {
  return make_gyro_pad_setup(profile, r_rope, std::vector<Vec3>(r_rope.size(), U_rope), s);
}

GyroPadSetup make_gyro_pad_setup(const ProfileTables& profile, const std::vector<Vec3>& r_rope,
                                 const std::vector<Vec3>& U_rope, const InstrumentSettings& s) {
  GyroPadSetup k;
  GyroPadProblem& p = k.problem;
  p.profile = profile.view();
  k.samples.resize(r_rope.size());
  for (size_t n = 0; n < r_rope.size(); ++n) {
    GyroPadSample& g = k.samples[n];
    g.local = local_point(p.profile, r_rope[n]);
    g.U_rope = U_rope[n];
    const Vec3 B{-g.local.sn * g.local.Bphi, g.local.c * g.local.Bphi, g.local.Bz};
    g.b = (1.0 / std::sqrt(norm2(B))) * B;
    const Vec3 a = std::fabs(g.b.x) < 0.9 ? Vec3{1, 0, 0} : Vec3{0, 1, 0};
    const Vec3 e1 = cross(g.b, a);
    g.e1 = (1.0 / std::sqrt(norm2(e1))) * e1;
    g.e2 = cross(g.b, g.e1);
  }
  for (double E : s.dense_pad_energy_eV)
    k.speed.push_back(std::sqrt(2.0 * E * constants::EV_TO_SI / constants::M_ELECTRON));
  for (int q = 0; q < s.dense_pad_pitch; ++q) {
    const double alpha = (q + 0.5) * constants::PI / s.dense_pad_pitch;
    k.cos_alpha.push_back(std::cos(alpha));
    k.sin_alpha.push_back(std::sin(alpha));
  }
  for (int g = 0; g < s.dense_pad_gyrophase; ++g) {
    const double phase = 2.0 * constants::PI * g / s.dense_pad_gyrophase;
    k.cos_gyro.push_back(std::cos(phase));
    k.sin_gyro.push_back(std::sin(phase));
  }
  p.samples = k.samples.data();
  p.n_samples = static_cast<int>(k.samples.size());
  p.speed = k.speed.data();
  p.n_energy = static_cast<int>(k.speed.size());
  p.cos_alpha = k.cos_alpha.data();
  p.sin_alpha = k.sin_alpha.data();
  p.n_pitch = s.dense_pad_pitch;
  p.cos_gyro = k.cos_gyro.data();
  p.sin_gyro = k.sin_gyro.data();
  p.n_gyro = s.dense_pad_gyrophase;
  return k;
}

std::vector<double> synth_gyro_pads(Backend& backend, const ProfileTables& profile,
                                    const std::vector<Vec3>& r_rope, Vec3 U_rope,
                                    const InstrumentSettings& s) {
  return synth_gyro_pads(backend, profile, r_rope, std::vector<Vec3>(r_rope.size(), U_rope), s);
}

std::vector<double> synth_gyro_pads(Backend& backend, const ProfileTables& profile,
                                    const std::vector<Vec3>& r_rope,
                                    const std::vector<Vec3>& U_rope, const InstrumentSettings& s) {
  const GyroPadSetup k = make_gyro_pad_setup(profile, r_rope, U_rope, s);
  std::vector<double> out;
  backend.gyro_pads(k.problem, out);
  return out;
}

std::vector<double> pad_from_skymap(const double* skymap, Vec3 b_dbcs, int n_pitch,
                                    PadWeighting weighting) {
  const double bnorm = std::sqrt(norm2(b_dbcs));
  if (!(bnorm > 0) || !std::isfinite(bnorm))
    throw Error(fmt::format("pitch angles need a finite non-zero field, got ({}, {}, {})",
                            b_dbcs.x, b_dbcs.y, b_dbcs.z));
  const Vec3 b = (1.0 / bnorm) * b_dbcs;
  const double dphi = FPI_ANGLE_WIDTH_DEG * constants::PI / 180.0;
  const size_t cells = static_cast<size_t>(FPI_N_ENERGY) * n_pitch;
  // sum / weight over the bins of a pitch bin; for the pyrfu estimator per phi sector first
  // (sector_sum / sector_n), whose means then enter sum / weight with weight 1 each.
  std::vector<double> sum(cells, 0.0), weight(cells, 0.0), sector_sum(cells), sector_n(cells);
  const bool per_sector = weighting == PadWeighting::PhiOfThetaMeans;
  for (int k = 0; k < FPI_N_PHI; ++k) {
    std::fill(sector_sum.begin(), sector_sum.end(), 0.0);
    std::fill(sector_n.begin(), sector_n.end(), 0.0);
    for (int j = 0; j < FPI_N_THETA; ++j) {
      const Vec3 v = -1.0 * fpi_look_direction(k, j);
      const double alpha = std::acos(std::clamp(dot(v, b), -1.0, 1.0)) * 180.0 / constants::PI;
      const double bin = alpha / (180.0 / n_pitch);  // in [0, n_pitch] for a finite field
      const int q = bin >= 0 ? std::min(n_pitch - 1, static_cast<int>(bin)) : 0;
      const double th1 = (fpi_theta_deg(j) - 0.5 * FPI_ANGLE_WIDTH_DEG) * constants::PI / 180.0;
      const double th2 = (fpi_theta_deg(j) + 0.5 * FPI_ANGLE_WIDTH_DEG) * constants::PI / 180.0;
      const double w =
          weighting == PadWeighting::SolidAngle ? dphi * (std::cos(th1) - std::cos(th2)) : 1.0;
      const double* f = skymap + (static_cast<size_t>(k) * FPI_N_THETA + j) * FPI_N_ENERGY;
      std::vector<double>& s = per_sector ? sector_sum : sum;
      std::vector<double>& n = per_sector ? sector_n : weight;
      for (int i = 0; i < FPI_N_ENERGY; ++i) {
        s[static_cast<size_t>(i) * n_pitch + q] += w * f[i];
        n[static_cast<size_t>(i) * n_pitch + q] += w;
      }
    }
    if (per_sector)
      for (size_t m = 0; m < cells; ++m)
        if (sector_n[m] > 0) {
          sum[m] += sector_sum[m] / sector_n[m];
          weight[m] += 1.0;
        }
  }
  for (size_t m = 0; m < sum.size(); ++m)
    sum[m] = weight[m] > 0 ? sum[m] / weight[m] : std::numeric_limits<double>::quiet_NaN();
  return sum;
}

}  // namespace fluxrope
