// The ions as FPI DIS records them (issue 18 item 1, docs/instrument.md "Ions (DIS)"): the ions'
// Maxwellian (docs/model.md s. 3) through the same kernels as f_e, on the DIS tables, with the
// ion mass in the speeds, one-count levels, DEF and moments, DIS's own Philox stream, and the
// [instrument.dis] configuration.
#include <gtest/gtest.h>

#include <cmath>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"
#include "fluxrope/geometry/geometry.hpp"
#include "fluxrope/instrument/products.hpp"
#include "fluxrope/instrument/skymap.hpp"
#include "fluxrope/io/config.hpp"
#include "test_util.hpp"

using namespace fluxrope;
using namespace fluxrope::constants;

namespace {

// The analytic ion distribution seen from a spacecraft moving with U: a Maxwellian of density
// N_i, temperature T_i, drifting with -U, at spacecraft-frame velocity v [s^3/cm^6].
double drifting_maxwellian(double N_i, double T_i, double m, Vec3 v_rope) {
  return 1e-12 * N_i * std::pow(m / (2 * PI * T_i), 1.5) * std::exp(-0.5 * m * norm2(v_rope) / T_i);
}

Mat3 rotation_about_z(double a) {
  return Mat3{{std::cos(a), -std::sin(a), 0}, {std::sin(a), std::cos(a), 0}, {0, 0, 1}};
}

}  // namespace

TEST(Dis, EnergyTablesAreTheStepperTablesHalfALogStepApart) {
  const auto& p0 = dis_energy_table(0);
  const auto& p1 = dis_energy_table(1);
  for (int i = 0; i + 1 < FPI_N_ENERGY; ++i) EXPECT_NEAR(p0[i + 1] / p0[i], 1.28449, 2e-4) << i;
  for (int i = 0; i < FPI_N_ENERGY; ++i) EXPECT_NEAR(p1[i] / p0[i], 1.13335, 2e-4) << i;
  EXPECT_NEAR(p0[0], 10.6383, 1e-9);
  EXPECT_NEAR(p1[31], 28301.9, 1e-9);
  const Species s = dis_species();
  EXPECT_NEAR(s.mass_kg, 1.67262192369e-27, 1e-35);  // CODATA 2018 proton mass
  // DEF = 2 E^2 f / m^2: the electrons' 6.187e30 scaled by (m_e / m_p)^2
  EXPECT_NEAR(s.def_per_e2f / DEF_PER_E2F, std::pow(M_ELECTRON / s.mass_kg, 2), 1e-4 * 2.97e-7);
}

// Acceptance: with noise off and response = "centre", the ion skymap at a node of the solved
// grid (where the profile's n_i is the solver's own value) is the analytic drifting Maxwellian
// to 1e-9 relative, in every bin that is not underflow, for a rotated DBCS and both tables.
TEST(Dis, CentreSkymapIsTheAnalyticDriftingMaxwellian) {
  auto cpu = make_cpu_backend();
  const SolveResult& sr = test::solved("yang2022");
  const ProfileTables t = make_profile_tables(sr);
  const RadialProfile& rp = sr.profile;
  const Species dis = dis_species();
  const double T_i = t.model.T_i;
  const int nodes[3] = {0, 60, static_cast<int>(rp.rho.size()) / 2};
  std::vector<SkymapSample> samples;
  for (int n = 0; n < 3; ++n) {
    SkymapSample s;
    const double rho = rp.rho[nodes[n]], a = 0.7 * n + 0.3;
    s.r_rope = {rho * std::cos(a), rho * std::sin(a), 4e3 * n};
    s.U_rope = {-170e3 + 40e3 * n, 20e3, 140e3};
    s.dbcs_to_rope = rotation_about_z(0.4 + n);
    s.parity = n % 2;
    samples.push_back(s);
  }
  const std::vector<double> sky = synth_skymaps(*cpu, t, samples, dis);
  ASSERT_EQ(sky.size(), samples.size() * FPI_N_BINS);
  double worst = 0.0;
  long compared = 0;
  for (size_t n = 0; n < samples.size(); ++n) {
    const SkymapSample& s = samples[n];
    for (int k = 0; k < FPI_N_PHI; ++k)
      for (int j = 0; j < FPI_N_THETA; ++j)
        for (int i = 0; i < FPI_N_ENERGY; ++i) {
          const double E = dis_energy_table(s.parity)[i] * EV_TO_SI;
          const Vec3 v_sc = std::sqrt(2 * E / dis.mass_kg) * (-1.0 * fpi_look_direction(k, j));
          const double ref = drifting_maxwellian(rp.ni[nodes[n]], T_i, dis.mass_kg,
                                                 s.dbcs_to_rope * v_sc + s.U_rope);
          const double got = sky[((n * FPI_N_PHI + k) * FPI_N_THETA + j) * FPI_N_ENERGY + i];
          if (ref < 1e-250) continue;  // underflow
          worst = std::max(worst, std::fabs(got / ref - 1));
          ++compared;
        }
  }
  EXPECT_GT(compared, 20000);
  EXPECT_LT(worst, 1e-9) << "over " << compared << " bins";
}

// The whole DIS pipeline (synthesize_track with the [instrument.dis] settings): the noise-free
// centre skymaps are the drifting Maxwellian of the reported ion density; counts use the ion
// mass in A = m^2 / (2 E^2 G dt), DEF = 2 E^2 f / m_i^2; the ground-system moments give n_i, the
// ions' bulk velocity -U and T_i to the accuracy of the FPI quadrature on a drifting Maxwellian.
TEST(Dis, PipelineGivesTheMaxwellianItsCountsAndItsMoments) {
  auto cpu = make_cpu_backend();
  const RunConfig cfg = test::config_of(
      "yang2022", {"geometry.duration_s=0.45", "instrument.dis.response=\"centre\"",
                   "instrument.noise=false"});
  ASSERT_EQ(cfg.dis.instrument.species.kind, SpeciesKind::Ion);
  const SolveResult& sr = test::solved("yang2022");
  const ProfileTables t = make_profile_tables(sr);
  const RopeFrame frame =
      make_rope_frame(cfg.geometry.L_gse, cfg.geometry.M_gse, cfg.geometry.N_gse);
  GeometrySettings g = cfg.geometry;
  g.cadence_s = cfg.dis.cadence_s;
  const Track tr = make_tracks(g, frame)[0];
  ASSERT_EQ(tr.time_s.size(), 3u);
  const TrackProducts p =
      synthesize_track(*cpu, t, sr.profile, frame, cfg.dis.instrument, cfg.dis.cadence_s, tr, 0);
  const Species& dis = cfg.dis.instrument.species;
  const Mat3 dbcs_to_rope = frame.gse_to_rope * cfg.dis.instrument.dbcs_to_gse;
  double worst = 0.0;
  for (size_t n = 0; n < p.n; ++n) {
    EXPECT_NEAR(p.energy_eV[n * FPI_N_ENERGY], dis_energy_table(tr.parity[n])[0], 1e-12);
    for (long b = 0; b < FPI_N_BINS; ++b) {
      const int i = static_cast<int>(b % FPI_N_ENERGY), j = static_cast<int>((b / 32) % 16),
                k = static_cast<int>(b / 512);
      const double E_eV = dis_energy_table(tr.parity[n])[i];
      const Vec3 v_sc = std::sqrt(2 * E_eV * EV_TO_SI / dis.mass_kg) * (-1.0 * fpi_look_direction(k, j));
      const double ref = drifting_maxwellian(p.ne_m3[n], t.model.T_i, dis.mass_kg,
                                             dbcs_to_rope * v_sc + tr.U_rope_m_s);
      const size_t m = n * FPI_N_BINS + b;
      if (ref > 1e-250) worst = std::max(worst, std::fabs(p.dist_model_s3_cm6[m] / ref - 1));
      const double A = dis.mass_kg * dis.mass_kg /
                       (2 * std::pow(E_eV * EV_TO_SI, 2) * DIS_DEFAULT_G_DT_CM2_SR_S * 1e-4) * 1e-12;
      EXPECT_NEAR(p.counts_expected[m], p.dist_model_s3_cm6[m] / A, 1e-12 * (1 + p.counts_expected[m]));
      const double def = 2e8 * E_CHARGE * E_CHARGE / (dis.mass_kg * dis.mass_kg) * E_eV * E_eV *
                         p.dist_s3_cm6[m];
      EXPECT_NEAR(p.def[m], def, 1e-12 * def);
    }
    // the ground system's moments of that skymap against the model ions
    EXPECT_NEAR(p.fpi_model.n_m3[n] / p.ne_m3[n], 1.0, 0.03) << n;
    const Vec3 V_i_gse = transpose(frame.gse_to_rope) * (-1.0 * tr.U_rope_m_s);
    const double V[3] = {V_i_gse.x, V_i_gse.y, V_i_gse.z};
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(p.fpi_model.V_gse_m_s[3 * n + c], V[c], 0.03 * 300e3) << n;
    EXPECT_NEAR(p.fpi_model.T_par_J[n] / t.model.T_i, 1.0, 0.05) << n;
    EXPECT_NEAR(p.fpi_model.T_perp_J[n] / t.model.T_i, 1.0, 0.05) << n;
    EXPECT_DOUBLE_EQ(p.T_par_J[n], t.model.T_i);
    EXPECT_EQ(p.j_lmn_A_m2[3 * n], 0.0);
  }
  EXPECT_LT(worst, 1e-9);
}

// DES and DIS draw their counts from their own Philox streams (the species word of the key):
// the same seed, spacecraft and sample give independent draws, and DES's are those of before.
TEST(Dis, CountsDrawFromTheirOwnStream) {
  auto cpu = make_cpu_backend();
  const SolveResult& sr = test::solved("yang2022");
  const ProfileTables t = make_profile_tables(sr);
  const RunConfig cfg = test::config_of("yang2022", {"geometry.duration_s=0.15"});
  const RopeFrame frame =
      make_rope_frame(cfg.geometry.L_gse, cfg.geometry.M_gse, cfg.geometry.N_gse);
  const Track tr = make_tracks(cfg.geometry, frame)[0];
  // the ion settings with the electrons' tables: only the key and the mass differ from DES
  InstrumentSettings as_dis = cfg.instrument;
  as_dis.species.key = 1;
  const TrackProducts des =
      synthesize_track(*cpu, t, sr.profile, frame, cfg.instrument, 0.03, tr, 0);
  const TrackProducts other = synthesize_track(*cpu, t, sr.profile, frame, as_dis, 0.03, tr, 0);
  ASSERT_TRUE(des.counts_expected == other.counts_expected);
  long same = 0, nonzero = 0;
  for (size_t m = 0; m < des.counts.size(); ++m)
    if (des.counts_expected[m] > 5) {
      ++nonzero;
      same += des.counts[m] == other.counts[m];
    }
  ASSERT_GT(nonzero, 1000);
  EXPECT_LT(static_cast<double>(same) / nonzero, 0.5);  // independent draws agree ~1/sqrt(N) often
}

TEST(Dis, ConfigurationTablesAndErrors) {
  // [instrument.dis] from --set, the run-wide keys shared, DES's keys its own
  const RunConfig c = test::config_of(
      "yang2022", {"instrument.dis.g_dt_cm2_sr_s=2e-6", "instrument.dis.cadence_s=0.3",
                   "instrument.seed=7", "instrument.des.nodes_energy=5", "instrument.nodes_phi=3",
                   "instrument.dis.ion_mass_amu=4.0026"});
  EXPECT_EQ(c.dis.instrument.counts.g_dt_cm2_sr_s, 2e-6);
  EXPECT_EQ(c.instrument.counts.g_dt_cm2_sr_s, 1e-7);
  EXPECT_EQ(c.dis.cadence_s, 0.3);
  EXPECT_EQ(c.dis.instrument.counts.seed, 7u);
  EXPECT_EQ(c.instrument.response.nodes_energy, 5);
  EXPECT_EQ(c.instrument.response.nodes_phi, 3);
  EXPECT_EQ(c.dis.instrument.response.nodes_energy, 3);
  EXPECT_NEAR(c.dis.instrument.species.mass_kg, 4.0026 * AMU, 1e-40);
  EXPECT_EQ(c.dis.instrument.dense_pad_energy_eV.front(), dis_energy_table(0)[0]);
  // the rendered configuration reads back to the same settings
  ConfigSources again;
  again.text = render_toml(c);
  const RunConfig r = load_config(again);
  EXPECT_EQ(r.dis.instrument.counts.g_dt_cm2_sr_s, 2e-6);
  EXPECT_EQ(r.dis.cadence_s, 0.3);
  EXPECT_EQ(r.instrument.response.nodes_energy, 5);
  EXPECT_EQ(r.dis.instrument.species.mass_kg, c.dis.instrument.species.mass_kg);
  // errors name the table and the key
  auto fails = [](std::vector<std::string> sets, const char* fragment) {
    try {
      test::config_of("yang2022", sets);
      ADD_FAILURE() << "no error for " << sets[0];
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  fails({"instrument.dis.seed=3"}, "unknown key instrument.dis.seed");
  fails({"instrument.dis.cadence_s=nan"}, "instrument.dis.cadence_s");
  fails({"instrument.dis.ion_mass_amu=0"}, "instrument.dis.ion_mass_amu");
  fails({"instrument.dis.enabled=3"}, "instrument.dis.enabled");
  fails({"instrument.des.cadence_s=0.1"}, "unknown key instrument.des.cadence_s");
  fails({"instrument.dis=1"}, "instrument.dis");
  fails({"instrument.dis.response=\"fast\""}, "instrument.dis.response");
}
