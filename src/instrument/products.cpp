#include "fluxrope/instrument/products.hpp"

#include <algorithm>
#include <limits>

namespace fluxrope {

TrackProducts synthesize_track(Backend& backend, const ProfileTables& profile,
                               const RopeFrame& frame, const InstrumentSettings& instrument,
                               const Track& track) {
  const ProfileView pv = profile.view();
  const Mat3 rope_to_gse = transpose(frame.gse_to_rope);
  const Mat3 gse_to_dbcs = transpose(instrument.dbcs_to_gse);
  const Mat3 dbcs_to_rope = frame.gse_to_rope * instrument.dbcs_to_gse;
  const double rho_e = pv.field.rho_edge();
  TrackProducts p;
  p.n = track.time_s.size();
  std::vector<SkymapSample> samples(p.n);
  std::vector<Vec3> b_dbcs(p.n);
  for (size_t k = 0; k < p.n; ++k) {
    SkymapSample& s = samples[k];
    s.r_rope = track.r_rope_m[k];
    s.U_rope = track.U_rope_m_s;
    s.dbcs_to_rope = dbcs_to_rope;
    s.parity = track.parity[k];
    const LocalPoint l = local_point(pv, s.r_rope);
    p.rho_m.push_back(l.rho);
    if (l.rho > rho_e) ++p.n_beyond_edge;
    // B = B_phi phi_hat + B_z z_hat, phi_hat = (-sin, cos, 0) at the sample (MODEL.md s. 1)
    const Vec3 B_rope{-l.sn * l.Bphi, l.c * l.Bphi, l.Bz};
    const Vec3 B_gse = rope_to_gse * B_rope;
    for (double c : {B_gse.x, B_gse.y, B_gse.z}) p.B_gse_T.push_back(c);
    for (double c : {dot(B_gse, frame.L), dot(B_gse, frame.M), dot(B_gse, frame.N)})
      p.B_lmn_T.push_back(c);
    b_dbcs[k] = gse_to_dbcs * B_gse;
    for (double e : fpi_energy_table(s.parity)) p.energy_eV.push_back(e);
  }
  p.dist_s3_cm6 = synth_skymaps(backend, profile, samples);
  p.def.resize(p.dist_s3_cm6.size());
  for (size_t k = 0; k < p.n; ++k) {
    const double* f = p.dist_s3_cm6.data() + k * SKY_N_BINS;
    double* d = p.def.data() + k * SKY_N_BINS;
    double fmin = std::numeric_limits<double>::infinity();
    long neg = 0;
    for (long b = 0; b < SKY_N_BINS; ++b) {
      const double E = fpi_energy_table(samples[k].parity)[b % SKY_N_ENERGY];
      fmin = std::min(fmin, f[b]);
      if (f[b] < 0) ++neg;
      d[b] = f[b] < 0 ? 0.0 : DEF_PER_E2F * E * E * f[b];  // MODEL.md s. 8: clamped and counted
    }
    p.f_min_s3_cm6.push_back(fmin);
    p.n_negative_bins.push_back(static_cast<double>(neg));
    const std::vector<double> pad =
        pad_from_skymap(f, b_dbcs[k], instrument.pad_bins, instrument.pad_weighting);
    p.pad_s3_cm6.insert(p.pad_s3_cm6.end(), pad.begin(), pad.end());
  }
  return p;
}

}  // namespace fluxrope
