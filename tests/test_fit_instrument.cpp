// The fit against what the instrument recorded (issue 16): observations are the FPI
// ground-system moments of Poisson counts (moments_fpi, with their counting-statistics sigmas),
// the forward model the ground-system moments of synthesized skymaps (fit.moments = "auto" ->
// "instrument"). Round trip from parameters away from the defaults; the old comparison with the
// model's true moments flagged; planted instrument errors (parity, energy limits) caught.
// Mutation tried: the forward model ignoring the observations' parities (2026-12-03: the
// planted-parity check fails, "a parity error went unnoticed").
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"
#include "fluxrope/jobs.hpp"
#include "fluxrope/reconstruct/fit.hpp"
#include "test_util.hpp"

using namespace fluxrope;
using namespace fluxrope::constants;

namespace {

const std::vector<std::string> TRUE_SETS = {
    "model.alpha_r=0.70", "model.alpha_z=0.38", "model.B0_nT=23.0", "model.gamma=2.1",
    "model.b_z=0.50",     "geometry.center_ln_km=[2.6, -0.7]"};
const std::vector<double> TRUE_VALUES = {0.70, 0.38, 23.0, 2.1, 0.50, 2.6, -0.7};

// What a synthesis of `truth` records: every spacecraft's field (with 0.1 nT Gaussian noise) and
// MMS1's FPI moments of the Poisson counts with their sigmas; `channels`: MMS1's instrument PAD
// cells at those channels (from its noisy dist, binned against the recorded field).
std::vector<FitObservations> observe(const std::vector<std::string>& sets, unsigned seed,
                                     const std::vector<int>& channels = {}) {
  const RunConfig truth = test::config_of("yang2022", sets);
  auto cpu = make_cpu_backend();
  const Equilibrium eq = solve_job(truth, *cpu);
  const EventGeometry geo = event_geometry(truth);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  std::vector<TrackProducts> products;
  std::vector<FitObservations> obs = observe_event(truth, *cpu, eq, geo, {"MMS1"}, &products);
  for (size_t ti = 0; ti < geo.tracks.size(); ++ti) {
    const Track& t = geo.tracks[ti];
    const TrackProducts& p = products[ti];
    FitObservations& o = obs[ti];
    for (double& b : o.B_gse_nT) b += 0.1 * g(rng);
    if (t.name == "MMS1") {
      for (size_t k = 0; k < p.n; ++k) {
        if (channels.empty()) continue;
        double A[FPI_N_ENERGY];
        for (int i = 0; i < FPI_N_ENERGY; ++i)
          A[i] = one_count_level_s3_cm6(fpi_energy_table(t.parity[k])[i], 1e-7);
        const Vec3 b{o.B_gse_nT[3 * k], o.B_gse_nT[3 * k + 1], o.B_gse_nT[3 * k + 2]};
        const PadCells cells = pad_cells(p.dist_s3_cm6.data() + k * FPI_N_BINS, b, channels,
                                         truth.instrument.pad_bins, truth.instrument.pad_weighting, A);
        o.ipad_s3_cm6.insert(o.ipad_s3_cm6.end(), cells.value.begin(), cells.value.end());
        o.sigma_ipad_s3_cm6.insert(o.sigma_ipad_s3_cm6.end(), cells.sigma.begin(), cells.sigma.end());
        o.ipad_counts.insert(o.ipad_counts.end(), cells.counts.begin(), cells.counts.end());
      }
      if (!channels.empty()) {
        o.ipad_channel = channels;
        o.ipad_pitch_bins = truth.instrument.pad_bins;
      }
    }
  }
  return obs;
}

const std::vector<FitObservations>& default_observations() {
  static const std::vector<FitObservations> obs = observe(TRUE_SETS, 11);
  return obs;
}

bool names(const FitResult& r, const std::string& label) {
  for (const std::string& p : r.poor)
    if (p == label) return true;
  return false;
}

}  // namespace

// The acceptance round trip: seven parameters from the field of four spacecraft and MMS1's FPI
// moments (Poisson counts, counting-statistics sigmas), started at the defaults.
TEST(FitInstrument, RoundTripWithSevenParameters) {
  const FitResult r = fit_job(test::config_of("yang2022"), default_observations());
  ASSERT_EQ(r.names.size(), TRUE_VALUES.size());
  EXPECT_TRUE(r.converged) << r.stop_reason;
  EXPECT_TRUE(r.poor.empty());
  for (size_t i = 0; i < r.names.size(); ++i) {
    ASSERT_TRUE(std::isfinite(r.sigma[i]) && r.sigma[i] > 0) << r.names[i];
    EXPECT_LT(std::fabs(r.value[i] - TRUE_VALUES[i]), 3 * r.sigma[i])
        << r.names[i] << " = " << r.value[i] << " +- " << r.sigma[i] << ", true " << TRUE_VALUES[i];
  }
  const double chi2_dof = r.chi2 / static_cast<double>(r.dof);
  EXPECT_GE(chi2_dof, 0.5);
  EXPECT_LE(chi2_dof, 2.0);
  ASSERT_EQ(r.predictions.size(), 4u);
  EXPECT_EQ(r.predictions[0].moments, "instrument");
  EXPECT_EQ(r.predictions[1].moments, "model");  // MMS2: no moments observed
}

// Today's comparison with the model's true moments, against the same FPI moments: the
// ground system's cold-end truncation (n_e a few % low, T high) is far beyond the sigmas.
TEST(FitInstrument, ModelMomentsAgainstFpiMomentsWarn) {
  RunConfig start = test::config_of("yang2022", {"fit.moments=\"model\""});
  const FitResult r = fit_job(start, default_observations());
  EXPECT_TRUE(names(r, "MMS1 n_e"));
  EXPECT_TRUE(names(r, "MMS1 T_par"));
  bool said = false;
  for (const std::string& w : r.warnings) said = said || w.find("chi^2/N above 3") != std::string::npos;
  EXPECT_TRUE(said);
}

// A planted parity error (every sample given the other table) and a planted energy limit
// (the fit's moments drop channels the ground system kept) make the fit say it is wrong.
TEST(FitInstrument, PlantedParityAndEnergyLimitErrorsAreCaught) {
  // the other parameters at the truth, B0 and the axis position from a start away from it
  std::vector<std::string> sets = TRUE_SETS;
  sets.insert(sets.end(), {"fit.free=[\"B0_nT\", \"center_L_km\"]", "model.B0_nT=22",
                           "geometry.center_ln_km=[2.0, -0.7]"});
  const RunConfig start = test::config_of("yang2022", sets);
  std::vector<FitObservations> flipped = default_observations();
  for (int& p : flipped[0].parity) p = 1 - p;
  const FitResult a = fit_job(start, flipped);
  EXPECT_FALSE(a.poor.empty()) << "a parity error went unnoticed";
  sets.push_back("instrument.moments_energy_min_eV=15");
  const RunConfig limited = test::config_of("yang2022", sets);
  const FitResult b = fit_job(limited, default_observations());
  EXPECT_FALSE(b.poor.empty()) << "an energy-limit error went unnoticed";
  const FitResult c = fit_job(start, default_observations());  // the right instrument
  EXPECT_TRUE(c.poor.empty()) << (c.poor.empty() ? "" : c.warnings.back());
}

// Instrument PAD cells (two channels of each sample's own table) as observations, Gaussian with
// their counting sigmas and as a Poisson likelihood on their counts: b_z and B0 recovered.
TEST(FitInstrument, InstrumentPadCellsGaussianAndPoisson) {
  const std::vector<FitObservations> obs = observe(TRUE_SETS, 12, {6, 9});
  for (const char* likelihood : {"gaussian", "poisson"}) {
    const RunConfig start = test::config_of(
        "yang2022", {"fit.free=[\"B0_nT\", \"b_z\", \"center_L_km\", \"center_N_km\"]",
                     "model.alpha_r=0.70", "model.alpha_z=0.38", "model.gamma=2.1",
                     std::string("fit.likelihood=\"") + likelihood + "\""});
    const FitResult r = fit_job(start, obs);
    EXPECT_TRUE(r.converged) << likelihood << ": " << r.stop_reason;
    EXPECT_TRUE(r.poor.empty()) << likelihood;
    EXPECT_LT(std::fabs(r.value[0] - 23.0), 3 * r.sigma[0]) << likelihood << " B0 " << r.value[0];
    EXPECT_LT(std::fabs(r.value[1] - 0.50), 3 * r.sigma[1]) << likelihood << " b_z " << r.value[1];
    const std::string label = std::string("MMS1 ") + (likelihood[0] == 'p' ? "PAD counts" : "instrument PAD");
    bool found = false;
    for (size_t k = 0; k < r.chi2_labels.size(); ++k)
      if (r.chi2_labels[k] == label) {
        found = true;
        EXPECT_GT(r.chi2_per_dof[k], 0.5) << label;
        EXPECT_LT(r.chi2_per_dof[k], 2.0) << label;
      }
    EXPECT_TRUE(found) << label;
  }
}

// Parameters where the model is not defined are a rejected step with its message (never a hang
// or a NaN), for the fit and for a sampler's objective.
TEST(FitInstrument, UndefinedModelIsARejectedStep) {
  FitObjective f(test::config_of("yang2022", {"fit.free=[\"b_z\"]"}), default_observations());
  std::string why;
  EXPECT_TRUE(std::isinf(f.chi2({5.0}, &why)));
  EXPECT_NE(why.find("normaliz"), std::string::npos) << why;
  const double c = f.chi2({0.5}, &why);
  EXPECT_TRUE(std::isfinite(c));
  EXPECT_THROW(f.chi2({0.5, 1.0}), Error);
}

// Observations that cannot be fitted are errors naming the spacecraft, the quantity, the index.
TEST(FitInstrument, BadObservationsAreNamed) {
  std::vector<FitObservations> obs = default_observations();
  obs[0].sigma_T_par_eV[3] = std::nan("");
  try {
    fit_job(test::config_of("yang2022"), obs);
    FAIL() << "a NaN sigma was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("MMS1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("sigma_T_par_eV[3]"), std::string::npos) << e.what();
  }
  obs = default_observations();
  obs[0].parity[2] = 2;
  EXPECT_THROW(fit_job(test::config_of("yang2022"), obs), Error);
  obs = default_observations();
  obs[0].V_gse_km_s.pop_back();
  EXPECT_THROW(fit_job(test::config_of("yang2022"), obs), Error);
}
