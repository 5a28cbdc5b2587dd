#include "fluxrope/io/output_tables.hpp"

#include "fluxrope/core/constants.hpp"

namespace fluxrope {

using namespace constants;

size_t OutputArray::n_values() const {
  size_t n = 1;
  for (uint64_t d : shape) n *= d;
  return n;
}

namespace {
OutputArray scaled(const std::string& name, const std::vector<double>& v, double si_per_unit,
                   const std::string& units, std::vector<uint64_t> shape, const std::string& axes) {
  OutputArray a;
  a.name = name;
  a.units = units;
  a.axes = axes;
  a.shape = std::move(shape);
  a.data.resize(v.size());
  const double f = 1.0 / si_per_unit;
  for (size_t i = 0; i < v.size(); ++i) a.data[i] = v[i] * f;
  return a;
}
OutputArray view(const std::string& name, const std::vector<double>& v, const std::string& units,
                 std::vector<uint64_t> shape, const std::string& axes, bool skymap = false) {
  OutputArray a;
  a.name = name;
  a.units = units;
  a.axes = axes;
  a.shape = std::move(shape);
  a.view = v.data();
  a.skymap = skymap;
  return a;
}
std::vector<uint64_t> rows(uint64_t n, std::vector<uint64_t> row) {
  row.insert(row.begin(), n);
  return row;
}
}  // namespace

std::vector<OutputArray> profile_arrays(const RadialProfile& p) {
  const uint64_t n = p.size();
  std::vector<OutputArray> a;
  auto w = [&](const char* name, const std::vector<double>& v, double si, const char* units) {
    a.push_back(scaled(name, v, si, units, {n}, "rho"));
  };
  w("x", p.x, 1.0, "L_st");
  w("rho_km", p.rho, KM_TO_SI, "km");
  w("Bz_nT", p.Bz, NT_TO_SI, "nT");
  w("Bphi_nT", p.Bphi, NT_TO_SI, "nT");
  w("Er_mV_m", p.Er, MV_M_TO_SI, "mV/m");
  w("Phi_V", p.Phi, 1.0, "V");
  w("Aphi_nT_km", p.Aphi, NT_TO_SI * KM_TO_SI, "nT km");
  w("Az_nT_km", p.Az, NT_TO_SI * KM_TO_SI, "nT km");
  w("psi", p.psi, 1.0, "1");
  w("ne_cm3", p.ne, CM3_TO_SI, "cm^-3");
  w("ni_cm3", p.ni, CM3_TO_SI, "cm^-3");
  w("ne_b_cm3", p.ne_pop[POP_B], CM3_TO_SI, "cm^-3");
  w("ne_r_cm3", p.ne_pop[POP_R], CM3_TO_SI, "cm^-3");
  w("ne_z_cm3", p.ne_pop[POP_Z], CM3_TO_SI, "cm^-3");
  w("Ve_phi_km_s", p.Ve_phi, KM_S_TO_SI, "km/s");
  w("Ve_z_km_s", p.Ve_z, KM_S_TO_SI, "km/s");
  w("j_phi_nA_m2", p.j_phi, NA_M2_TO_SI, "nA/m^2");
  w("j_z_nA_m2", p.j_z, NA_M2_TO_SI, "nA/m^2");
  w("T_rr_eV", p.T_rr, EV_TO_SI, "eV");
  w("T_pp_eV", p.T_pp, EV_TO_SI, "eV");
  w("T_zz_eV", p.T_zz, EV_TO_SI, "eV");
  w("T_par_eV", p.T_par, EV_TO_SI, "eV");
  w("T_perp_eV", p.T_perp, EV_TO_SI, "eV");
  return a;
}

std::vector<OutputArray> track_static_arrays(const Track& t, const InstrumentSettings& s) {
  const uint64_t n = t.time_s.size(), P = static_cast<uint64_t>(s.pad_bins);
  std::vector<double> pos, parity(t.parity.begin(), t.parity.end()), phi, theta, pitch, gyro_pitch;
  for (const Vec3& r : t.r_rope_m)
    for (double c : {r.x, r.y, r.z}) pos.push_back(c);
  for (uint64_t k = 0; k < n; ++k)
    for (int i = 0; i < FPI_N_PHI; ++i) phi.push_back(fpi_phi_deg(i));
  for (int j = 0; j < FPI_N_THETA; ++j) theta.push_back(fpi_theta_deg(j));
  for (uint64_t q = 0; q < P; ++q) pitch.push_back((q + 0.5) * 180.0 / P);
  for (int q = 0; q < s.dense_pad_pitch; ++q)
    gyro_pitch.push_back((q + 0.5) * 180.0 / s.dense_pad_pitch);
  std::vector<OutputArray> a;
  a.push_back(scaled("time_s", t.time_s, 1.0, "s", {n}, "time"));
  a.push_back(scaled("parity", parity, 1.0, "1", {n}, "time"));
  a.push_back(scaled("position_rope_km", pos, KM_TO_SI, "km", {n, 3}, "time,xyz_rope"));
  a.push_back(scaled("phi_deg", phi, 1.0, "deg", {n, FPI_N_PHI}, "time,phi"));
  a.push_back(scaled("theta_deg", theta, 1.0, "deg", {FPI_N_THETA}, "theta"));
  a.push_back(scaled("pitch_deg", pitch, 1.0, "deg", {P}, "pitch"));
  a.push_back(scaled("pad_gyro_energy_eV", s.dense_pad_energy_eV, 1.0, "eV",
                     {s.dense_pad_energy_eV.size()}, "pad_gyro_energy"));
  a.push_back(scaled("pad_gyro_pitch_deg", gyro_pitch, 1.0, "deg", {gyro_pitch.size()},
                     "pad_gyro_pitch"));
  return a;
}

std::vector<OutputArray> track_row_arrays(const TrackProducts& p, const InstrumentSettings& s) {
  const uint64_t n = p.n, P = static_cast<uint64_t>(s.pad_bins);
  const std::vector<uint64_t> sky = rows(n, {FPI_N_PHI, FPI_N_THETA, FPI_N_ENERGY});
  const char* sky_axes = "time,phi,theta,energy";
  std::vector<OutputArray> a;
  a.push_back(scaled("rho_km", p.rho_m, KM_TO_SI, "km", {n}, "time"));
  a.push_back(scaled("B_gse_nT", p.B_gse_T, NT_TO_SI, "nT", {n, 3}, "time,gse"));
  a.push_back(scaled("B_lmn_nT", p.B_lmn_T, NT_TO_SI, "nT", {n, 3}, "time,lmn"));
  a.push_back(view("energy_eV", p.energy_eV, "eV", {n, FPI_N_ENERGY}, "time,energy"));
  a.push_back(view("dist_s3_cm6", p.dist_s3_cm6, "s^3/cm^6", sky, sky_axes, true));
  a.push_back(view("disterr_s3_cm6", p.disterr_s3_cm6, "s^3/cm^6", sky, sky_axes, true));
  a.push_back(view("dist_model_s3_cm6", p.dist_model_s3_cm6, "s^3/cm^6", sky, sky_axes, true));
  a.push_back(view("counts_expected", p.counts_expected, "counts", sky, sky_axes, true));
  OutputArray counts;
  counts.name = "counts";
  counts.units = "counts";
  counts.axes = sky_axes;
  counts.shape = sky;
  counts.integer = true;
  counts.idata = p.counts;
  a.push_back(std::move(counts));
  a.push_back(view("def_keV_cm2_s_sr_keV", p.def, "keV/(cm^2 s sr keV)", sky, sky_axes, true));
  a.push_back(view("pad_s3_cm6", p.pad_s3_cm6, "s^3/cm^6", {n, FPI_N_ENERGY, P},
                   "time,energy,pitch"));
  a.push_back(view("pad_gyro_s3_cm6", p.pad_gyro_s3_cm6, "s^3/cm^6",
                   {n, s.dense_pad_energy_eV.size(), static_cast<uint64_t>(s.dense_pad_pitch)},
                   "time,pad_gyro_energy,pad_gyro_pitch"));
  a.push_back(view("f_min_s3_cm6", p.f_min_s3_cm6, "s^3/cm^6", {n}, "time"));
  a.push_back(view("n_negative_bins", p.n_negative_bins, "1", {n}, "time"));
  if (s.species.kind == SpeciesKind::Ion) {  // the model ions: at rest in the rope frame, T_i
    a.push_back(scaled("ni_cm3", p.ne_m3, CM3_TO_SI, "cm^-3", {n}, "time"));
    a.push_back(scaled("Vi_gse_km_s", p.Ve_gse_m_s, KM_S_TO_SI, "km/s", {n, 3}, "time,gse"));
    a.push_back(scaled("Ti_par_eV", p.T_par_J, EV_TO_SI, "eV", {n}, "time"));
    a.push_back(scaled("Ti_perp_eV", p.T_perp_J, EV_TO_SI, "eV", {n}, "time"));
  } else {
    a.push_back(scaled("ne_cm3", p.ne_m3, CM3_TO_SI, "cm^-3", {n}, "time"));
    a.push_back(scaled("Ve_gse_km_s", p.Ve_gse_m_s, KM_S_TO_SI, "km/s", {n, 3}, "time,gse"));
    a.push_back(scaled("Ve_minus_Vi_lmn_km_s", p.Ve_minus_Vi_lmn_m_s, KM_S_TO_SI, "km/s", {n, 3},
                       "time,lmn"));
    a.push_back(scaled("T_par_eV", p.T_par_J, EV_TO_SI, "eV", {n}, "time"));
    a.push_back(scaled("T_perp_eV", p.T_perp_J, EV_TO_SI, "eV", {n}, "time"));
    a.push_back(scaled("j_lmn_nA_m2", p.j_lmn_A_m2, NA_M2_TO_SI, "nA/m^2", {n, 3}, "time,lmn"));
  }
  for (const auto& [group, m] : {std::pair<std::string, const MomentSeries*>{"moments_fpi", &p.fpi},
                                 {"moments_fpi_model", &p.fpi_model}}) {
    const std::string g = group + "/";
    a.push_back(scaled(g + "n_cm3", m->n_m3, CM3_TO_SI, "cm^-3", {n}, "time"));
    a.push_back(scaled(g + "V_dbcs_km_s", m->V_dbcs_m_s, KM_S_TO_SI, "km/s", {n, 3}, "time,dbcs"));
    a.push_back(scaled(g + "V_gse_km_s", m->V_gse_m_s, KM_S_TO_SI, "km/s", {n, 3}, "time,gse"));
    a.push_back(scaled(g + "P_gse_nPa", m->P_gse_Pa, 1e-9, "nPa", {n, 3, 3}, "time,gse,gse_col"));
    a.push_back(scaled(g + "T_par_eV", m->T_par_J, EV_TO_SI, "eV", {n}, "time"));
    a.push_back(scaled(g + "T_perp_eV", m->T_perp_J, EV_TO_SI, "eV", {n}, "time"));
    a.push_back(scaled(g + "q_gse_mW_m2", m->q_gse_W_m2, 1e-3, "mW/m^2", {n, 3}, "time,gse"));
    // counting statistics (the L2 _err variables' role; docs/fit.md)
    a.push_back(scaled(g + "sigma_n_cm3", m->sigma_n_m3, CM3_TO_SI, "cm^-3", {n}, "time"));
    a.push_back(scaled(g + "sigma_V_gse_km_s", m->sigma_V_gse_m_s, KM_S_TO_SI, "km/s", {n, 3},
                       "time,gse"));
    a.push_back(scaled(g + "sigma_T_par_eV", m->sigma_T_par_J, EV_TO_SI, "eV", {n}, "time"));
    a.push_back(scaled(g + "sigma_T_perp_eV", m->sigma_T_perp_J, EV_TO_SI, "eV", {n}, "time"));
    a.push_back(scaled(g + "sigma_P_gse_nPa", m->sigma_P_gse_Pa, 1e-9, "nPa", {n, 3, 3},
                       "time,gse,gse_col"));
    a.push_back(scaled(g + "sigma_T_gse_eV", m->sigma_T_gse_J, EV_TO_SI, "eV", {n, 3, 3},
                       "time,gse,gse_col"));
  }
  return a;
}

}  // namespace fluxrope
