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
#include "fluxrope/io/config.hpp"

namespace fluxrope {

// One spacecraft's observations (names match [geometry] spacecraft). Optional series are empty
// or as long as t_s.
struct FitObservations {
  std::string name;
  std::vector<double> t_s;        // sample times [s], the configuration's time axis
  std::vector<double> B_gse_nT;   // (n, 3)
  std::vector<double> ne_cm3, T_par_eV, T_perp_eV;
  // optional: the gyro-averaged PAD (docs/physics.md §10, spacecraft frame) at chosen energies,
  // (n, E, Q) on Q equal pitch bins over 0-180 deg (centres), as synth's pad_gyro_s3_cm6
  std::vector<double> pad_energy_eV;
  int pad_pitch_bins = 0;
  std::vector<double> pad_s3_cm6;
};

struct FitResult {
  std::vector<std::string> names;
  std::vector<double> start, value, sigma;  // sigma: 1-sigma from the covariance x chi^2/dof
  std::vector<double> correlation;          // (n, n)
  std::vector<bool> at_bound;
  std::vector<std::string> warnings;  // unconstrained directions, strong correlations, bounds
  double chi2 = 0.0;
  long dof = 0;
  std::vector<std::string> chi2_labels;  // "MMS1 B", "MMS1 n_e", ...
  std::vector<double> chi2_per_dof;      // per label
  std::vector<long> n_per_label;
  int iterations = 0, solves = 0;
  double seconds = 0.0;
  bool converged = false;
  std::string stop_reason;
  RunConfig best;                // the configuration at the best fit
  NegativityReport negativity;   // the validity scan at the best fit (docs/physics.md §8)
};

// progress(iteration, chi2) after each Jacobian (may be empty).
FitResult fit_job(const RunConfig& base, const std::vector<FitObservations>& obs,
                  const std::function<void(int, double)>& progress = {});

}  // namespace fluxrope
