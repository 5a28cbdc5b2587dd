#include "fluxrope/reconstruct/fit.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <Eigen/Dense>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <unsupported/Eigen/LevenbergMarquardt>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"
#include "fluxrope/jobs.hpp"

namespace fluxrope {

using namespace constants;

namespace {

// Parameters of [geometry] (no equilibrium to re-solve when only these move): the axis
// position, the rope velocity in GSE, and small tilts of the axis M towards L and towards N.
const std::vector<std::string>& geometry_parameters() {
  static const std::vector<std::string> g = {
      "center_L_km", "center_N_km", "rope_velocity_gse_x_km_s", "rope_velocity_gse_y_km_s",
      "rope_velocity_gse_z_km_s", "axis_tilt_L_deg", "axis_tilt_N_deg"};
  return g;
}
bool is_geometry(const std::string& n) {
  for (const std::string& g : geometry_parameters())
    if (n == g) return true;
  return false;
}
double geometry_value(const GeometrySettings& g, const std::string& n) {
  if (n == "center_L_km") return g.center_L_km;
  if (n == "center_N_km") return g.center_N_km;
  if (n == "rope_velocity_gse_x_km_s") return g.rope_velocity_gse_km_s.x;
  if (n == "rope_velocity_gse_y_km_s") return g.rope_velocity_gse_km_s.y;
  if (n == "rope_velocity_gse_z_km_s") return g.rope_velocity_gse_km_s.z;
  return 0.0;  // tilts start at the given M
}

// The residual vector of a parameter vector: (model - observed) / sigma for every field
// component of every spacecraft sample, then n_e, T_par, T_perp where observed.
// Observations must be finite (a NaN would make chi^2 NaN and every sigma with it); moments
// and temperatures positive where they are relative-weighted.
void check_series(const std::string& sc, const char* what, const std::vector<double>& v,
                  size_t per_sample, bool positive) {
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i]) || (positive && !(v[i] > 0)))
      throw Error(fmt::format("observations of {}: {}[{}] = {} is {}", sc, what, i / per_sample,
                              v[i], std::isfinite(v[i]) ? "not positive" : "not finite"));
}

void check_strictly_increasing(const std::string& sc, const std::vector<double>& t) {
  for (size_t k = 1; k < t.size(); ++k)
    if (!(t[k] > t[k - 1]))
      throw Error(fmt::format("observations of {}: time_s must increase strictly (time_s[{}] = {} "
                              "after time_s[{}] = {})",
                              sc, k, t[k], k - 1, t[k - 1]));
}

class Model {
 public:
  Model(const RunConfig& base, const std::vector<FitObservations>& obs)
      : base_(base), toml_(render_toml(base)), obs_(obs), fs_(base.fit) {
    for (const FitObservations& o : obs_) {
      bool known = false;
      for (const SpacecraftSpec& s : base.geometry.spacecraft) known = known || s.name == o.name;
      if (!known)
        throw Error(fmt::format("observations of '{}', which is not a spacecraft of [geometry]",
                                o.name));
      const size_t n = o.t_s.size();
      if (n == 0 || o.B_gse_nT.size() != 3 * n)
        throw Error(fmt::format("observations of {}: {} times need {} field components (n, 3)",
                                o.name, n, 3 * n));
      for (const auto* v : {&o.ne_cm3, &o.T_par_eV, &o.T_perp_eV})
        if (!v->empty() && v->size() != n)
          throw Error(fmt::format("observations of {}: a moment series has {} values for {} times",
                                  o.name, v->size(), n));
      if (!o.pad_s3_cm6.empty() &&
          (o.pad_pitch_bins < 1 || o.pad_energy_eV.empty() ||
           o.pad_s3_cm6.size() != n * o.pad_energy_eV.size() * static_cast<size_t>(o.pad_pitch_bins)))
        throw Error(fmt::format("observations of {}: the PAD needs (n, energies, pitch bins) = ({}, "
                                "{}, {}) values, got {}",
                                o.name, n, o.pad_energy_eV.size(), o.pad_pitch_bins,
                                o.pad_s3_cm6.size()));
      check_series(o.name, "time_s", o.t_s, 1, false);
      check_strictly_increasing(o.name, o.t_s);
      check_series(o.name, "B_gse_nT", o.B_gse_nT, 3, false);
      check_series(o.name, "ne_cm3", o.ne_cm3, 1, true);
      check_series(o.name, "T_par_eV", o.T_par_eV, 1, true);
      check_series(o.name, "T_perp_eV", o.T_perp_eV, 1, true);
      check_series(o.name, "pad_s3_cm6", o.pad_s3_cm6, 1, false);
      for (const FitObservations& other : obs_)
        if (&other != &o && other.name == o.name)
          throw Error(fmt::format("observations of {} are given twice", o.name));
      labels_.push_back(o.name + " B");
      if (!o.ne_cm3.empty()) labels_.push_back(o.name + " n_e");
      if (!o.T_par_eV.empty()) labels_.push_back(o.name + " T_par");
      if (!o.T_perp_eV.empty()) labels_.push_back(o.name + " T_perp");
      if (!o.pad_s3_cm6.empty()) labels_.push_back(o.name + " PAD");
      n_values_ += 3 * n + o.ne_cm3.size() + o.T_par_eV.size() + o.T_perp_eV.size() +
                   o.pad_s3_cm6.size();
    }
    for (const std::string& name : fs_.free) {
      names_.push_back(name);
      start_.push_back(is_geometry(name) ? geometry_value(base.geometry, name)
                                         : model_key_value(base, name));
      const auto b = fs_.bounds.find(name);
      lo_.push_back(b == fs_.bounds.end() ? -std::numeric_limits<double>::infinity() : b->second.first);
      hi_.push_back(b == fs_.bounds.end() ? std::numeric_limits<double>::infinity() : b->second.second);
    }
    for (const auto& [name, b] : fs_.bounds) {
      bool free = false;
      for (const std::string& n : names_) free = free || n == name;
      if (!free)
        throw Error(fmt::format("fit.bounds names '{}', which is not in fit.free", name));
    }
  }

  const std::vector<std::string>& names() const { return names_; }
  const std::vector<double>& start() const { return start_; }
  const std::vector<std::string>& labels() const { return labels_; }
  long n_values() const { return static_cast<long>(n_values_); }
  int solves() const { return solves_; }
  double lo(size_t i) const { return lo_[i]; }
  double hi(size_t i) const { return hi_[i]; }

  RunConfig config_at(const std::vector<double>& p) const {
    ConfigSources src;
    src.text = toml_;
    src.text_name = "the fit's configuration";
    const GeometrySettings& g = base_.geometry;
    double L = g.center_L_km, N = g.center_N_km, tilt_L = 0.0, tilt_N = 0.0;
    Vec3 V = g.rope_velocity_gse_km_s;
    for (size_t i = 0; i < names_.size(); ++i) {
      const std::string& n = names_[i];
      if (n == "center_L_km") L = p[i];
      else if (n == "center_N_km") N = p[i];
      else if (n == "rope_velocity_gse_x_km_s") V.x = p[i];
      else if (n == "rope_velocity_gse_y_km_s") V.y = p[i];
      else if (n == "rope_velocity_gse_z_km_s") V.z = p[i];
      else if (n == "axis_tilt_L_deg") tilt_L = p[i];
      else if (n == "axis_tilt_N_deg") tilt_N = p[i];
      else src.sets.push_back(fmt::format("model.{}={:.17g}", n, p[i]));
    }
    src.sets.push_back(fmt::format("geometry.center_ln_km=[{:.17g}, {:.17g}]", L, N));
    src.sets.push_back(
        fmt::format("geometry.rope_velocity_gse_km_s=[{:.17g}, {:.17g}, {:.17g}]", V.x, V.y, V.z));
    if (tilt_L != 0.0 || tilt_N != 0.0) {
      // M tilted by tilt_L towards L and tilt_N towards N (small rotations of the axis)
      const double d = PI / 180.0;
      const Vec3 Mt = g.M_gse + std::tan(tilt_L * d) * std::sqrt(norm2(g.M_gse)) *
                                    ((1.0 / std::sqrt(norm2(g.L_gse))) * g.L_gse) +
                      std::tan(tilt_N * d) * std::sqrt(norm2(g.M_gse)) *
                          ((1.0 / std::sqrt(norm2(g.N_gse))) * g.N_gse);
      src.sets.push_back(
          fmt::format("geometry.M_gse=[{:.17g}, {:.17g}, {:.17g}]", Mt.x, Mt.y, Mt.z));
    }
    return load_config(src);
  }

  // The equilibrium for the model part of p (solved once per distinct model part).
  std::shared_ptr<const Equilibrium> equilibrium(const RunConfig& cfg, const std::vector<double>& p) {
    std::vector<double> key;
    for (size_t i = 0; i < names_.size(); ++i)
      if (!is_geometry(names_[i])) key.push_back(p[i]);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = cache_.find(key);
      if (it != cache_.end()) return it->second;
    }
    auto backend = make_cpu_backend();
    auto eq = std::make_shared<const Equilibrium>(solve_job(cfg, *backend));
    std::lock_guard<std::mutex> lock(mutex_);
    ++solves_;
    if (cache_.size() > 64) cache_.clear();
    cache_[key] = eq;
    return eq;
  }

  // residuals at p (clamped to the bounds); per-label chi^2 into chi2 when given
  void residuals(const std::vector<double>& p_in, Eigen::VectorXd& r,
                 std::vector<double>* chi2 = nullptr, std::shared_ptr<const Equilibrium>* eq_out = nullptr) {
    std::vector<double> p = p_in;
    for (size_t i = 0; i < p.size(); ++i) p[i] = std::min(std::max(p[i], lo_[i]), hi_[i]);
    r.resize(static_cast<long>(n_values_));
    RunConfig cfg;
    std::shared_ptr<const Equilibrium> eq;
    try {
      cfg = config_at(p);
      eq = equilibrium(cfg, p);
    } catch (const Error&) {
      // parameters where the model is not defined (a non-normalizable population): a wall
      r.setConstant(1e6);
      if (chi2) chi2->assign(labels_.size(), std::numeric_limits<double>::infinity());
      return;
    }
    if (eq_out) *eq_out = eq;
    const RopeFrame frame = make_rope_frame(cfg.geometry.L_gse, cfg.geometry.M_gse, cfg.geometry.N_gse);
    long m = 0;
    size_t label = 0;
    if (chi2) chi2->assign(labels_.size(), 0.0);
    auto add = [&](double v) {
      r[m++] = v;
      if (chi2) (*chi2)[label] += v * v;
    };
    for (const FitObservations& o : obs_) {
      const SpacecraftSpec* spec = nullptr;
      for (const SpacecraftSpec& s : cfg.geometry.spacecraft)
        if (s.name == o.name) spec = &s;
      const Track t = make_track(cfg.geometry, frame, *spec, o.t_s);
      const ModelSeries ms = model_along_track(eq->tables, eq->result.profile, frame,
                                               cfg.instrument.dbcs_to_gse, t);
      for (size_t k = 0; k < o.t_s.size(); ++k) {
        const Vec3 B = ms.B_gse_T[k];
        add((B.x / NT_TO_SI - o.B_gse_nT[3 * k]) / fs_.sigma_B_nT);
        add((B.y / NT_TO_SI - o.B_gse_nT[3 * k + 1]) / fs_.sigma_B_nT);
        add((B.z / NT_TO_SI - o.B_gse_nT[3 * k + 2]) / fs_.sigma_B_nT);
      }
      ++label;
      // relative uncertainties: sigma = sigma_rel |observed|
      auto moments = [&](const std::vector<double>& obs, const std::vector<double>& model,
                         double si_per_unit, double sigma_rel) {
        if (obs.empty()) return;
        for (size_t k = 0; k < obs.size(); ++k)
          add((model[k] / si_per_unit - obs[k]) / (sigma_rel * std::fabs(obs[k])));
        ++label;
      };
      moments(o.ne_cm3, ms.ne_m3, CM3_TO_SI, fs_.sigma_n_rel);
      moments(o.T_par_eV, ms.T_par_J, EV_TO_SI, fs_.sigma_T_rel);
      moments(o.T_perp_eV, ms.T_perp_J, EV_TO_SI, fs_.sigma_T_rel);
      if (!o.pad_s3_cm6.empty()) {
        // the dense gyro-averaged PAD at the observed energies and pitch bins (docs/physics.md s. 10)
        InstrumentSettings is = cfg.instrument;
        is.dense_pad_energy_eV = o.pad_energy_eV;
        is.dense_pad_pitch = o.pad_pitch_bins;
        auto cpu = make_cpu_backend();
        const std::vector<double> F = synth_gyro_pads(*cpu, eq->tables, t.r_rope_m, t.U_rope_m_s, is);
        for (size_t k = 0; k < F.size(); ++k)
          add((F[k] - o.pad_s3_cm6[k]) / (fs_.sigma_pad_rel * std::fabs(o.pad_s3_cm6[k])));
        ++label;
      }
    }
  }

 private:
  const RunConfig& base_;
  std::string toml_;
  const std::vector<FitObservations>& obs_;
  const FitSettings fs_;
  std::vector<std::string> names_, labels_;
  std::vector<double> start_, lo_, hi_;
  size_t n_values_ = 0;
  std::mutex mutex_;
  std::map<std::vector<double>, std::shared_ptr<const Equilibrium>> cache_;
  int solves_ = 0;
};

// Eigen's Levenberg-Marquardt on x = (p - p0) / scale; the Jacobian by forward differences,
// its columns in parallel (each one an equilibrium solve when a model key moves).
struct Functor : Eigen::DenseFunctor<double> {
  Model& model;
  std::vector<double> p0, scale;
  double step;
  const std::function<void(int, double)>* progress;
  int jacobians = 0;
  Functor(Model& m, double rel_step, const std::function<void(int, double)>* cb)
      : DenseFunctor<double>(static_cast<int>(m.names().size()), static_cast<int>(m.n_values())),
        model(m), p0(m.start()), step(rel_step), progress(cb) {
    for (double v : p0) scale.push_back(std::fabs(v) > 1e-3 ? std::fabs(v) : 1.0);
  }
  std::vector<double> params(const Eigen::VectorXd& x) const {
    std::vector<double> p(p0.size());
    for (size_t i = 0; i < p.size(); ++i) p[i] = p0[i] + scale[i] * x[static_cast<long>(i)];
    return p;
  }
  int operator()(const Eigen::VectorXd& x, Eigen::VectorXd& f) {
    model.residuals(params(x), f);
    return 0;
  }
  int df(const Eigen::VectorXd& x, Eigen::MatrixXd& J) {
    Eigen::VectorXd f0;
    model.residuals(params(x), f0);
    J.resize(f0.size(), x.size());
    const int n = static_cast<int>(x.size());
    std::vector<Eigen::VectorXd> cols(static_cast<size_t>(n));
#pragma omp parallel for schedule(dynamic)
    for (int i = 0; i < n; ++i) {
      Eigen::VectorXd xi = x;
      xi[i] += step;
      model.residuals(params(xi), cols[static_cast<size_t>(i)]);
    }
    for (int i = 0; i < n; ++i) J.col(i) = (cols[static_cast<size_t>(i)] - f0) / step;
    ++jacobians;
    if (progress && *progress) (*progress)(jacobians, f0.squaredNorm());
    return 0;
  }
};

const char* status_text(Eigen::LevenbergMarquardtSpace::Status s) {
  using namespace Eigen::LevenbergMarquardtSpace;
  switch (s) {
    case RelativeReductionTooSmall:
      return "converged: the relative reduction of chi^2 is below ftol";
    case RelativeErrorTooSmall:
      return "converged: the relative change of the parameters is below xtol";
    case RelativeErrorAndReductionTooSmall:
      return "converged: chi^2 and the parameters both stopped changing";
    case CosinusTooSmall:
      return "converged: the residuals are orthogonal to the Jacobian (gtol)";
    case TooManyFunctionEvaluation:
      return "stopped: fit.max_iterations reached before convergence";
    case FtolTooSmall:
    case XtolTooSmall:
    case GtolTooSmall:
      return "stopped: the tolerances are too small for the precision of the model";
    default:
      return "stopped: improper input";
  }
}

}  // namespace

FitResult fit_job(const RunConfig& base, const std::vector<FitObservations>& obs,
                  const std::function<void(int, double)>& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  if (obs.empty()) throw Error("fit: no observations");
  Model model(base, obs);
  const size_t n = model.names().size();
  if (static_cast<long>(n) >= model.n_values())
    throw Error(fmt::format("fit: {} free parameters but only {} observed values", n,
                            model.n_values()));
  Functor f(model, base.fit.rel_step, &progress);
  Eigen::LevenbergMarquardt<Functor> lm(f);
  lm.setMaxfev(base.fit.max_iterations * static_cast<Eigen::Index>(n + 2));
  lm.setXtol(1e-8);
  lm.setFtol(1e-10);
  Eigen::VectorXd x = Eigen::VectorXd::Zero(static_cast<long>(n));
  const Eigen::LevenbergMarquardtSpace::Status status = lm.minimize(x);

  FitResult r;
  r.names = model.names();
  r.start = model.start();
  r.value = f.params(x);
  r.at_bound.assign(n, false);
  for (size_t i = 0; i < n; ++i) {
    const double clamped = std::min(std::max(r.value[i], model.lo(i)), model.hi(i));
    if (clamped != r.value[i] || clamped == model.lo(i) || clamped == model.hi(i)) {
      r.at_bound[i] = true;
      r.warnings.push_back(fmt::format("{} ends at its bound {}", r.names[i], clamped));
    }
    r.value[i] = clamped;
  }
  r.stop_reason = status_text(status);
  r.converged = status >= 1 && status <= 4;
  r.iterations = static_cast<int>(lm.iterations());

  // Final residuals, Jacobian and covariance at the best fit.
  Eigen::VectorXd res;
  std::vector<double> chi2_label;
  std::shared_ptr<const Equilibrium> eq;
  model.residuals(r.value, res, &chi2_label, &eq);
  Eigen::MatrixXd J;
  Eigen::VectorXd xb(static_cast<long>(n));
  for (size_t i = 0; i < n; ++i) xb[static_cast<long>(i)] = (r.value[i] - f.p0[i]) / f.scale[i];
  f.df(xb, J);
  for (size_t i = 0; i < n; ++i) J.col(static_cast<long>(i)) /= f.scale[i];  // per unit parameter
  r.chi2 = res.squaredNorm();
  r.dof = model.n_values() - static_cast<long>(n);
  const double scale2 = r.dof > 0 ? r.chi2 / static_cast<double>(r.dof) : 1.0;
  const Eigen::MatrixXd JTJ = J.transpose() * J;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(JTJ);
  const double lmax = es.eigenvalues().maxCoeff();
  // Covariance on the directions the data constrain (pseudo-inverse); a direction they do not
  // constrain makes the parameters it moves unbounded (sigma infinite) and is named.
  Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(static_cast<long>(n), static_cast<long>(n));
  std::vector<bool> unconstrained(n, false);
  for (long k = 0; k < static_cast<long>(n); ++k) {
    const double l = es.eigenvalues()[k];
    if (l > 1e-14 * lmax && l > 0) {
      cov += es.eigenvectors().col(k) * es.eigenvectors().col(k).transpose() / l;
      continue;
    }
    std::string who;
    for (long i = 0; i < static_cast<long>(n); ++i)
      if (std::fabs(es.eigenvectors()(i, k)) > 0.3) {
        unconstrained[static_cast<size_t>(i)] = true;
        who += (who.empty() ? "" : ", ") + r.names[static_cast<size_t>(i)];
      }
    r.warnings.push_back(fmt::format(
        "the data do not constrain {} (J^T J eigenvalue {:.2g} of {:.2g}): uncertainty infinite",
        who, l, lmax));
  }
  cov *= scale2;
  r.sigma.resize(n);
  r.correlation.assign(n * n, 0.0);
  for (size_t i = 0; i < n; ++i)
    r.sigma[i] = unconstrained[i] ? std::numeric_limits<double>::infinity()
                                  : std::sqrt(cov(static_cast<long>(i), static_cast<long>(i)));
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      const double c = cov(static_cast<long>(i), static_cast<long>(j)) / (r.sigma[i] * r.sigma[j]);
      r.correlation[i * n + j] = std::isfinite(c) ? c : std::numeric_limits<double>::quiet_NaN();
      if (i < j && std::isfinite(c) && std::fabs(c) > 0.99)
        r.warnings.push_back(fmt::format("{} and {} are {:.3f} correlated: the data constrain a "
                                         "combination of them, not each",
                                         r.names[i], r.names[j], c));
    }
  if (!r.converged) r.warnings.push_back(r.stop_reason);
  r.chi2_labels = model.labels();
  size_t li = 0;
  for (const FitObservations& o : obs) {
    r.n_per_label.push_back(static_cast<long>(3 * o.t_s.size()));
    for (const auto* v : {&o.ne_cm3, &o.T_par_eV, &o.T_perp_eV, &o.pad_s3_cm6})
      if (!v->empty()) r.n_per_label.push_back(static_cast<long>(v->size()));
  }
  for (li = 0; li < chi2_label.size(); ++li)
    r.chi2_per_dof.push_back(chi2_label[li] / static_cast<double>(r.n_per_label[li]));
  r.best = model.config_at(r.value);
  if (eq) r.negativity = eq->negativity;
  r.solves = model.solves();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace fluxrope
