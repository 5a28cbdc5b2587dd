#include "fluxrope/instrument/products.hpp"

#include <algorithm>
#include <limits>

#include "fluxrope/core/constants.hpp"

namespace fluxrope {

double profile_at(const std::vector<double>& f, double h, double rho) {
  const long n = static_cast<long>(f.size());
  const double t = rho / h;
  if (t >= n - 1) return f.back();
  const long j = std::clamp(static_cast<long>(t) - 1, 0L, n - 4);
  const double s = t - j;  // nodes at s = 0, 1, 2, 3
  const double l0 = -(s - 1) * (s - 2) * (s - 3) / 6.0, l1 = s * (s - 2) * (s - 3) / 2.0;
  const double l2 = -s * (s - 1) * (s - 3) / 2.0, l3 = s * (s - 1) * (s - 2) / 6.0;
  return l0 * f[j] + l1 * f[j + 1] + l2 * f[j + 2] + l3 * f[j + 3];
}

TrackProducts synthesize_track(Backend& backend, const ProfileTables& profile,
                               const RadialProfile& profile_source, const RopeFrame& frame,
                               const InstrumentSettings& instrument, const Track& track) {
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
    // Moments (MODEL.md section 7) at the sample: V_e = V_phi phi_hat + V_z z_hat in the rope
    // (= ion) frame, V_e - U in the spacecraft frame; j = -e n V_e. Beyond the edge the
    // continuation is current-free: V_e = 0 there.
    const RadialProfile& rp = profile_source;
    const double h = rp.rho[1] - rp.rho[0];
    const bool inside = l.rho <= rho_e;
    const double ne = profile_at(rp.ne, h, l.rho);
    const double vphi = inside ? profile_at(rp.Ve_phi, h, l.rho) : 0.0;
    const double vz = inside ? profile_at(rp.Ve_z, h, l.rho) : 0.0;
    const Vec3 V_rope{-l.sn * vphi, l.c * vphi, vz};
    const Vec3 V_gse = rope_to_gse * V_rope;
    const Vec3 V_sc_gse = rope_to_gse * (V_rope - s.U_rope);
    p.ne_m3.push_back(ne);
    for (double c : {V_sc_gse.x, V_sc_gse.y, V_sc_gse.z}) p.Ve_gse_m_s.push_back(c);
    for (double c : {dot(V_gse, frame.L), dot(V_gse, frame.M), dot(V_gse, frame.N)})
      p.Ve_minus_Vi_lmn_m_s.push_back(c);
    for (double c : {dot(V_gse, frame.L), dot(V_gse, frame.M), dot(V_gse, frame.N)})
      p.j_lmn_A_m2.push_back(-constants::E_CHARGE * ne * c);
    p.T_par_J.push_back(profile_at(rp.T_par, h, l.rho));
    p.T_perp_J.push_back(profile_at(rp.T_perp, h, l.rho));
    for (double e : fpi_energy_table(s.parity)) p.energy_eV.push_back(e);
  }
  p.dist_s3_cm6 = synth_skymaps(backend, profile, samples);
  p.pad_gyro_s3_cm6 =
      synth_gyro_pads(backend, profile, track.r_rope_m, track.U_rope_m_s, instrument);
  p.def.resize(p.dist_s3_cm6.size());
  for (size_t k = 0; k < p.n; ++k) {
    const double* f = p.dist_s3_cm6.data() + k * FPI_N_BINS;
    double* d = p.def.data() + k * FPI_N_BINS;
    double fmin = std::numeric_limits<double>::infinity();
    long neg = 0;
    for (long b = 0; b < FPI_N_BINS; ++b) {
      const double E = fpi_energy_table(samples[k].parity)[b % FPI_N_ENERGY];
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
