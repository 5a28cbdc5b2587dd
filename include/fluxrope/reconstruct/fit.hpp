#pragma once
// Fitting the model to a four-spacecraft crossing (issue 11, docs/fit.md): a least-squares fit
// of any subset of the [model] keys and the axis position (L, N) to the field of every
// spacecraft and, where given, n_e, T_par and T_perp, weighted by their uncertainties.
// Levenberg-Marquardt from Eigen (unsupported/Eigen/LevenbergMarquardt: MINPACK's algorithm,
// already a dependency), the Jacobian by forward differences whose columns (one equilibrium
// solve each) run in parallel; uncertainties from the covariance (J^T J)^-1 scaled by chi^2/dof.
#include <functional>
#include <string>
#include <vector>

#include "fluxrope/engine/backend.hpp"
#include "fluxrope/equilibrium/validity.hpp"
#include "fluxrope/instrument/products.hpp"
#include "fluxrope/jobs.hpp"
#include "fluxrope/io/config.hpp"

namespace fluxrope {

// One spacecraft's observations (names match [geometry] spacecraft). Two time axes: the field's
// (FGM) and the FPI samples' (moments and PADs; their time tags, the start of each
// accumulation). Optional series are empty or as long as their axis. Sigmas, where given (the
// counting statistics of the counts, the L2 _err variables), replace the relative [fit] ones.
struct FitObservations {
  std::string name;
  std::vector<double> t_s;        // field sample times [s], the configuration's time axis
  std::vector<double> B_gse_nT;   // (n, 3)
  double B_average_s = 0.0;       // > 0: each B is the mean over [t, t + B_average_s]
  // FPI samples: times (empty: the field's), energy table of each (empty: alternating from 0)
  std::vector<double> t_fpi_s;
  std::vector<int> parity;
  bool fpi_moments = false;  // the moments are what the FPI ground system reports (L2, moments_fpi)
  std::vector<double> ne_cm3, T_par_eV, T_perp_eV;  // (m)
  std::vector<double> V_gse_km_s;                   // (m, 3): spacecraft frame
  std::vector<double> sigma_ne_cm3, sigma_T_par_eV, sigma_T_perp_eV, sigma_V_gse_km_s;
  // optional: the gyro-averaged PAD (docs/model.md §10, spacecraft frame) at chosen energies,
  // (m, E, Q) on Q equal pitch bins over 0-180 deg (centres), as synth's pad_gyro_s3_cm6
  std::vector<double> pad_energy_eV;
  int pad_pitch_bins = 0;
  std::vector<double> pad_s3_cm6;
  // optional: the instrument-style PAD (as synth's pad_s3_cm6) at chosen channels of each
  // sample's own energy table, (m, C, P) on P equal pitch bins; its sigmas and the counts of each
  // cell (the sum of its bins' counts: likelihood = "poisson"). NaN cells (no bin) are skipped.
  std::vector<int> ipad_channel;
  int ipad_pitch_bins = 0;
  std::vector<double> ipad_s3_cm6, sigma_ipad_s3_cm6, ipad_counts;

  size_t n_fpi() const { return t_fpi_s.empty() ? t_s.size() : t_fpi_s.size(); }
  const std::vector<double>& fpi_times() const { return t_fpi_s.empty() ? t_s : t_fpi_s; }
};

// What a synthesized track records, as observations: the field (noise-free) and, with moments,
// the FPI moments of its Poisson counts with their counting sigmas and the parities.
FitObservations observations_of(const Track& track, const TrackProducts& products, bool moments);
// Every track of a synthesis of cfg as observations (round trips, benchmarks): the FPI moments
// for the spacecraft named in `moments`; products kept in *products when given.
std::vector<FitObservations> observe_event(const RunConfig& cfg, Backend& backend,
                                           const Equilibrium& eq, const EventGeometry& geo,
                                           const std::vector<std::string>& moments,
                                           std::vector<TrackProducts>* products = nullptr);

// The forward model at the best fit, per spacecraft, on the observations' axes and in their units.
struct FitPrediction {
  std::string name;
  std::string moments;  // "instrument" or "model": what the moments were compared with
  std::vector<double> B_gse_nT, ne_cm3, T_par_eV, T_perp_eV, V_gse_km_s, pad_s3_cm6, ipad_s3_cm6,
      ipad_counts;
};

struct FitResult {
  std::vector<std::string> names;
  std::vector<double> start, value, sigma;  // sigma: 1-sigma from the covariance x chi^2/dof
  std::vector<double> correlation;          // (n, n)
  std::vector<bool> at_bound;
  std::vector<std::string> warnings;  // unconstrained directions, strong correlations, bounds, bad chi^2
  double chi2 = 0.0;
  long dof = 0;
  std::vector<std::string> chi2_labels;  // "MMS1 B", "MMS1 n_e", ...
  std::vector<double> chi2_per_dof;      // per label: chi^2 / N
  std::vector<double> p_value;           // per label: P(chi^2_N >= chi^2)
  std::vector<long> n_per_label;
  std::vector<std::string> poor;         // labels with chi^2/N above fit.warn_chi2_per_n
  int rejected_steps = 0;                // parameter sets where the model failed (a wall)
  std::string first_rejection;           // the first one's message
  int iterations = 0, solves = 0, evaluations = 0;
  double seconds = 0.0;
  bool converged = false;
  std::string stop_reason;
  RunConfig best;                // the configuration at the best fit
  NegativityReport negativity;   // the validity scan at the best fit (docs/model.md §8)
  std::vector<FitPrediction> predictions;
};

// The fit's objective as a function, for a sampler (fluxrope.sample_posterior): residuals
// (model - observed) / sigma of a parameter vector (fit.free order), or a deviance residual per
// Poisson cell. Holds the equilibrium cache. Thread-safe.
class FitObjective {
 public:
  FitObjective(const RunConfig& base, const std::vector<FitObservations>& obs,
               const std::string& backend = "cpu");
  ~FitObjective();
  FitObjective(const FitObjective&) = delete;
  FitObjective& operator=(const FitObjective&) = delete;
  const std::vector<std::string>& names() const;
  const std::vector<double>& start() const;
  // chi^2 at p, or +inf where the model is not defined there (message in *why when given).
  double chi2(const std::vector<double>& p, std::string* why = nullptr);
  long n_values() const;
  // [fit] bounds of each parameter (-inf / +inf where none)
  std::vector<double> lower() const;
  std::vector<double> upper() const;
  class Impl;

 private:
  Impl* impl_;
};

// progress(iteration, chi2) after each Jacobian (may be empty).
// backend: where the forward model's skymaps are synthesized ("cpu", "cuda", "thrust-host", "auto").
FitResult fit_job(const RunConfig& base, const std::vector<FitObservations>& obs,
                  const std::function<void(int, double)>& progress = {},
                  const std::string& backend = "cpu");

}  // namespace fluxrope
