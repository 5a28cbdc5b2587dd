#include "fluxrope/instrument/skymap.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "fluxrope/core/constants.hpp"

namespace fluxrope {

std::vector<double> synth_skymaps(Backend& backend, const ProfileTables& profile,
                                  const std::vector<SkymapSample>& samples) {
  static const FpiTables fpi = make_fpi_tables();
  SkymapProblem p;
  p.profile = profile.view();
  std::vector<SkymapSample> prepared = samples;
  for (SkymapSample& s : prepared) s.local = local_point(p.profile, s.r_rope);
  p.velocity_dir = fpi.velocity_dir.data();
  p.speed = fpi.speed.data();
  p.samples = prepared.data();
  p.n_samples = static_cast<int>(prepared.size());
  std::vector<double> out;
  backend.skymaps(p, out);
  return out;
}

std::vector<double> synth_gyro_pads(Backend& backend, const ProfileTables& profile,
                                    const std::vector<Vec3>& r_rope, Vec3 U_rope,
                                    const InstrumentSettings& s) {
  GyroPadProblem p;
  p.profile = profile.view();
  std::vector<GyroPadSample> samples(r_rope.size());
  for (size_t k = 0; k < r_rope.size(); ++k) {
    GyroPadSample& g = samples[k];
    g.local = local_point(p.profile, r_rope[k]);
    g.U_rope = U_rope;
    const Vec3 B{-g.local.sn * g.local.Bphi, g.local.c * g.local.Bphi, g.local.Bz};
    g.b = (1.0 / std::sqrt(norm2(B))) * B;
    const Vec3 a = std::fabs(g.b.x) < 0.9 ? Vec3{1, 0, 0} : Vec3{0, 1, 0};
    const Vec3 e1 = cross(g.b, a);
    g.e1 = (1.0 / std::sqrt(norm2(e1))) * e1;
    g.e2 = cross(g.b, g.e1);
  }
  std::vector<double> speed, ca, sa;
  for (double E : s.dense_pad_energy_eV)
    speed.push_back(std::sqrt(2.0 * E * constants::EV_TO_SI / constants::M_ELECTRON));
  for (int q = 0; q < s.dense_pad_pitch; ++q) {
    const double alpha = (q + 0.5) * constants::PI / s.dense_pad_pitch;
    ca.push_back(std::cos(alpha));
    sa.push_back(std::sin(alpha));
  }
  p.samples = samples.data();
  p.n_samples = static_cast<int>(samples.size());
  p.speed = speed.data();
  p.n_energy = static_cast<int>(speed.size());
  p.cos_alpha = ca.data();
  p.sin_alpha = sa.data();
  p.n_pitch = s.dense_pad_pitch;
  p.n_gyro = s.dense_pad_gyrophase;
  std::vector<double> out;
  backend.gyro_pads(p, out);
  return out;
}

std::vector<double> pad_from_skymap(const double* skymap, Vec3 b_dbcs, int n_pitch,
                                    PadWeighting weighting) {
  const double bnorm = std::sqrt(norm2(b_dbcs));
  const Vec3 b = (1.0 / bnorm) * b_dbcs;
  const double dphi = FPI_ANGLE_WIDTH_DEG * constants::PI / 180.0;
  std::vector<double> sum(static_cast<size_t>(FPI_N_ENERGY) * n_pitch, 0.0),
      weight(sum.size(), 0.0);
  for (int k = 0; k < FPI_N_PHI; ++k) {
    for (int j = 0; j < FPI_N_THETA; ++j) {
      const Vec3 v = -1.0 * fpi_look_direction(k, j);
      const double alpha = std::acos(std::clamp(dot(v, b), -1.0, 1.0)) * 180.0 / constants::PI;
      const int q = std::min(n_pitch - 1, static_cast<int>(alpha / (180.0 / n_pitch)));
      const double th1 = (fpi_theta_deg(j) - 0.5 * FPI_ANGLE_WIDTH_DEG) * constants::PI / 180.0;
      const double th2 = (fpi_theta_deg(j) + 0.5 * FPI_ANGLE_WIDTH_DEG) * constants::PI / 180.0;
      const double w =
          weighting == PadWeighting::SolidAngle ? dphi * (std::cos(th1) - std::cos(th2)) : 1.0;
      const double* f = skymap + (static_cast<size_t>(k) * FPI_N_THETA + j) * FPI_N_ENERGY;
      for (int i = 0; i < FPI_N_ENERGY; ++i) {
        sum[static_cast<size_t>(i) * n_pitch + q] += w * f[i];
        weight[static_cast<size_t>(i) * n_pitch + q] += w;
      }
    }
  }
  for (size_t m = 0; m < sum.size(); ++m)
    sum[m] = weight[m] > 0 ? sum[m] / weight[m] : std::numeric_limits<double>::quiet_NaN();
  return sum;
}

}  // namespace fluxrope
