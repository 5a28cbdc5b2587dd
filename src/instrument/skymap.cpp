#include "fluxrope/instrument/skymap.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"

namespace fluxrope {

SkymapSetup make_skymap_setup(const ProfileTables& profile, const std::vector<SkymapSample>& samples,
                              const Species& species) {
  SkymapSetup k;
  SkymapProblem& p = k.problem;
  p.profile = profile.view();
  k.samples = samples;
  k.tables = make_fpi_tables(species);
  for (SkymapSample& s : k.samples) s.local = species_point(p.profile, species, s.r_rope);
  p.velocity_dir = k.tables.velocity_dir.data();
  p.speed = k.tables.speed.data();
  p.samples = k.samples.data();
  p.n_samples = static_cast<int>(k.samples.size());
  return k;
}

std::vector<double> synth_skymaps(Backend& backend, const ProfileTables& profile,
                                  const std::vector<SkymapSample>& samples, const Species& species) {
  const SkymapSetup k = make_skymap_setup(profile, samples, species);
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
    g.local = species_point(p.profile, s.species, r_rope[n]);
    g.U_rope = U_rope[n];
    const Vec3 B{-g.local.sn * g.local.Bphi, g.local.c * g.local.Bphi, g.local.Bz};
    g.b = (1.0 / std::sqrt(norm2(B))) * B;
    const Vec3 a = std::fabs(g.b.x) < 0.9 ? Vec3{1, 0, 0} : Vec3{0, 1, 0};
    const Vec3 e1 = cross(g.b, a);
    g.e1 = (1.0 / std::sqrt(norm2(e1))) * e1;
    g.e2 = cross(g.b, g.e1);
  }
  for (double E : s.dense_pad_energy_eV)
    k.speed.push_back(s.species.speed(E));
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

void require_pitch_field(Vec3 b) {
  const double bnorm = std::sqrt(norm2(b));
  if (!(bnorm > 0) || !std::isfinite(bnorm))
    throw Error(fmt::format("pitch angles need a finite non-zero field, got ({}, {}, {})", b.x,
                            b.y, b.z));
}

namespace {
// The angular bins of every pitch bin against b_dbcs (pad_order, reduction_kernel.hpp).
struct PitchBins {
  int bin_of[FPI_N_PHI * FPI_N_THETA], order[FPI_N_PHI * FPI_N_THETA];
  std::vector<int> start;
  PitchBins(Vec3 b_dbcs, int n_pitch) : start(static_cast<size_t>(n_pitch) + 1) {
    require_pitch_field(b_dbcs);
    static const FpiTables fpi = make_fpi_tables();
    const Vec3 b = (1.0 / std::sqrt(norm2(b_dbcs))) * b_dbcs;
    for (int a = 0; a < FPI_N_PHI * FPI_N_THETA; ++a)
      bin_of[a] = pad_pitch_bin(fpi.velocity_dir[a], b, n_pitch);
    pad_order(bin_of, n_pitch, order, start.data());
  }
  const int* members(int q) const { return order + start[static_cast<size_t>(q)]; }
  int n_members(int q) const {
    return start[static_cast<size_t>(q) + 1] - start[static_cast<size_t>(q)];
  }
};
}  // namespace

PadCells pad_cells(const double* skymap, Vec3 b_dbcs, const std::vector<int>& channels, int n_pitch,
                   PadWeighting weighting, const double* one_count) {
  const PitchBins bins(b_dbcs, n_pitch);
  PadCells c;
  for (int i : channels)
    for (int q = 0; q < n_pitch; ++q) {
      double v, s, n;
      pad_cell(skymap, bins.members(q), bins.n_members(q), i, weighting, false, one_count[i], &v,
               &s, &n);
      c.value.push_back(v);
      c.sigma.push_back(s);
      c.counts.push_back(n);
    }
  return c;
}

std::vector<double> pad_from_skymap(const double* skymap, Vec3 b_dbcs, int n_pitch,
                                    PadWeighting weighting) {
  // the cells of reduction_kernel.hpp, as every backend computes them (the fit's PADs)
  const PitchBins bins(b_dbcs, n_pitch);
  std::vector<double> pad(static_cast<size_t>(FPI_N_ENERGY) * n_pitch);
  for (int i = 0; i < FPI_N_ENERGY; ++i)
    for (int q = 0; q < n_pitch; ++q)
      pad_cell(skymap, bins.members(q), bins.n_members(q), i, weighting, false, 0.0,
               &pad[static_cast<size_t>(i) * n_pitch + q], nullptr, nullptr);
  return pad;
}

GroundSpectra ground_spectra(const double* def, const double* energy_eV, Vec3 b_dbcs,
                             const GroundSpectraSettings& s) {
  if (!(s.n_pitch >= 1 && s.n_pitch <= 180))
    throw Error(fmt::format("ground spectra: n_pitch = {} must be 1 .. 180", s.n_pitch));
  if (!(0.0 < s.par_max_deg && s.par_max_deg < s.anti_min_deg && s.anti_min_deg < 180.0))
    throw Error(fmt::format("ground spectra: the bands need 0 < par_max_deg ({}) < anti_min_deg "
                            "({}) < 180", s.par_max_deg, s.anti_min_deg));
  require_pitch_field(b_dbcs);
  static const FpiTables fpi = make_fpi_tables();
  const Vec3 b = (1.0 / std::sqrt(norm2(b_dbcs))) * b_dbcs;
  const int n_dir = FPI_N_PHI * FPI_N_THETA;
  // per direction: its band (0 par, 1 perp, 2 anti) and its pitch bin
  std::vector<int> band(n_dir), bin_of(n_dir);
  for (int a = 0; a < n_dir; ++a) {
    double c = dot(fpi.velocity_dir[a], b);
    c = c < -1.0 ? -1.0 : (c > 1.0 ? 1.0 : c);
    const double alpha = std::acos(c) * 180.0 / constants::PI;
    band[a] = alpha < s.par_max_deg ? 0 : (alpha <= s.anti_min_deg ? 1 : 2);
    bin_of[a] = pad_pitch_bin(fpi.velocity_dir[a], b, s.n_pitch);
  }
  GroundSpectra g;
  const size_t n_cells = 3 * static_cast<size_t>(s.n_pitch);
  std::vector<double> pad_sum(n_cells, 0.0), pad_n(n_cells, 0.0);
  for (int i = 0; i < FPI_N_ENERGY; ++i) {
    int range = -1;
    for (int r = 0; r < 3; ++r)
      if (energy_eV[i] >= s.energy_edges_eV[r] && energy_eV[i] < s.energy_edges_eV[r + 1]) range = r;
    double sum[3] = {0, 0, 0}, n[3] = {0, 0, 0}, all = 0.0;
    for (int a = 0; a < n_dir; ++a) {
      const double v = def[static_cast<long>(a) * FPI_N_ENERGY + i];
      sum[band[a]] += v;
      n[band[a]] += 1.0;
      all += v;
      if (range >= 0) {
        pad_sum[range * s.n_pitch + bin_of[a]] += v;
        pad_n[range * s.n_pitch + bin_of[a]] += 1.0;
      }
    }
    g.omni[i] = all / n_dir;
    g.par[i] = n[0] > 0 ? sum[0] / n[0] : NAN;
    g.perp[i] = n[1] > 0 ? sum[1] / n[1] : NAN;
    g.anti[i] = n[2] > 0 ? sum[2] / n[2] : NAN;
  }
  g.pad.resize(n_cells);
  for (size_t c = 0; c < n_cells; ++c) g.pad[c] = pad_n[c] > 0 ? pad_sum[c] / pad_n[c] : NAN;
  return g;
}

}  // namespace fluxrope
