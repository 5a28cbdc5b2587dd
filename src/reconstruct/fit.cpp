#include "fluxrope/reconstruct/fit.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <omp.h>

#include <Eigen/Dense>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <unsupported/Eigen/LevenbergMarquardt>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"
#include "fluxrope/instrument/response.hpp"
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

// P(chi^2_N >= x): the regularized upper incomplete gamma Q(N/2, x/2) (series below a + 1,
// Lentz's continued fraction above: Numerical Recipes' gammq).
double chi2_p_value(double x, double N) {
  const double a = 0.5 * N, z = 0.5 * x;
  if (!(z > 0)) return 1.0;
  const double lg = std::lgamma(a);
  if (z < a + 1.0) {
    double ap = a, sum = 1.0 / a, del = sum;
    for (int n = 0; n < 100000 && std::fabs(del) > std::fabs(sum) * 1e-15; ++n) {
      ap += 1.0;
      del *= z / ap;
      sum += del;
    }
    return std::max(0.0, 1.0 - sum * std::exp(-z + a * std::log(z) - lg));
  }
  const double tiny = 1e-300;
  double b = z + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
  for (int i = 1; i < 100000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < 1e-15) break;
  }
  return std::exp(-z + a * std::log(z) - lg) * h;
}

// Poisson deviance residual of observed counts N against the expectation mu:
// sign(mu - N) sqrt(2 (mu - N + N ln(N / mu))); its square sums to -2 ln(L / L_saturated).
double deviance_residual(double mu, double N) {
  if (!(mu > 0)) mu = 1e-300;
  const double d = N > 0 ? 2.0 * (mu - N + N * std::log(N / mu)) : 2.0 * mu;
  const double r = std::sqrt(std::max(d, 0.0));
  return mu >= N ? r : -r;
}

enum class Quantity { B, N, V, TPar, TPerp, Pad, IPad, Counts };

class Model {
 public:
  Model(const RunConfig& base, const std::vector<FitObservations>& obs, const std::string& backend)
      : base_(base), toml_(render_toml(base)), obs_(obs), fs_(base.fit) {
    for (const FitObservations& o : obs_) validate(o);
    for (const FitObservations& o : obs_) {
      const bool instrument =
          fs_.moments == "instrument" || (fs_.moments == "auto" && o.fpi_moments);
      kind_.push_back(instrument ? "instrument" : "model");
      setup_weights(o);
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
    // the instrument's fixed tables (the instrument is not fitted)
    const InstrumentSettings& is = base.instrument;
    tables_ = make_response_tables(is.response, base.geometry.cadence_s);
    for (int parity = 0; parity < 2; ++parity) {
      weights_[parity] = moment_weights(fpi_energy_table(parity).data(), is.moments);
      for (int i = 0; i < FPI_N_ENERGY; ++i)
        one_count_[parity * FPI_N_ENERGY + i] =
            one_count_level_s3_cm6(fpi_energy_table(parity)[i], is.counts.g_dt(i));
    }
    dirs_ = make_fpi_tables().velocity_dir;
    for (int t = 0; t < std::max(1, omp_get_max_threads()); ++t) {
      backends_.push_back(make_backend(backend));
      backend_mutex_.push_back(std::make_unique<std::mutex>());
    }
  }

  const std::vector<std::string>& names() const { return names_; }
  const std::vector<double>& start() const { return start_; }
  const std::vector<std::string>& labels() const { return labels_; }
  const std::vector<long>& n_per_label() const { return n_label_; }
  const std::vector<std::string>& kinds() const { return kind_; }
  long n_values() const { return static_cast<long>(inv_sigma_.size()); }
  long n_used() const {
    long n = 0;
    for (long c : n_label_) n += c;
    return n;
  }
  int solves() const { return solves_; }
  int evaluations() const { return evaluations_; }
  int rejected() const { return rejected_; }
  std::string first_rejection() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return first_rejection_;
  }
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

  // The forward model at p (clamped to the bounds), per observation; throws where the model is
  // not defined (a non-normalizable population, a solve that fails).
  std::vector<FitPrediction> predict(const std::vector<double>& p_in,
                                     std::shared_ptr<const Equilibrium>* eq_out = nullptr) {
    std::vector<double> p = p_in;
    for (size_t i = 0; i < p.size(); ++i) p[i] = std::min(std::max(p[i], lo_[i]), hi_[i]);
    const RunConfig cfg = config_at(p);
    const std::shared_ptr<const Equilibrium> eq = equilibrium(cfg, p);
    if (eq_out) *eq_out = eq;
    ++evaluations_;
    const RopeFrame frame = make_rope_frame(cfg.geometry.L_gse, cfg.geometry.M_gse, cfg.geometry.N_gse);
    std::vector<FitPrediction> out;
    for (size_t oi = 0; oi < obs_.size(); ++oi) {
      const FitObservations& o = obs_[oi];
      FitPrediction pr;
      pr.name = o.name;
      pr.moments = kind_[oi];
      const SpacecraftSpec* spec = nullptr;
      for (const SpacecraftSpec& s : cfg.geometry.spacecraft)
        if (s.name == o.name) spec = &s;
      // the field at the FGM times (a 3-point Gauss-Legendre mean over B_average_s when asked)
      const double gl[3] = {0.5 - 0.5 * std::sqrt(0.6), 0.5, 0.5 + 0.5 * std::sqrt(0.6)};
      const double glw[3] = {5.0 / 18.0, 8.0 / 18.0, 5.0 / 18.0};
      const int nodes = o.B_average_s > 0 ? 3 : 1;
      pr.B_gse_nT.assign(3 * o.t_s.size(), 0.0);
      for (int q = 0; q < nodes; ++q) {
        std::vector<double> times = o.t_s;
        if (nodes > 1)
          for (double& t : times) t += gl[q] * o.B_average_s;
        const Track t = make_track(cfg.geometry, frame, *spec, times);
        const ModelSeries ms = model_along_track(eq->tables, eq->result.profile, frame,
                                                 cfg.instrument.dbcs_to_gse, t);
        const double w = nodes > 1 ? glw[q] : 1.0;
        for (size_t k = 0; k < times.size(); ++k) {
          pr.B_gse_nT[3 * k] += w * ms.B_gse_T[k].x / NT_TO_SI;
          pr.B_gse_nT[3 * k + 1] += w * ms.B_gse_T[k].y / NT_TO_SI;
          pr.B_gse_nT[3 * k + 2] += w * ms.B_gse_T[k].z / NT_TO_SI;
        }
      }
      const bool moments = !o.ne_cm3.empty() || !o.T_par_eV.empty() || !o.T_perp_eV.empty() ||
                           !o.V_gse_km_s.empty();
      if (!moments && o.pad_s3_cm6.empty() && o.ipad_s3_cm6.empty()) {
        out.push_back(std::move(pr));
        continue;
      }
      Track t = make_track(cfg.geometry, frame, *spec, o.fpi_times());
      if (!o.parity.empty()) t.parity = o.parity;
      const ModelSeries ms = model_along_track(eq->tables, eq->result.profile, frame,
                                               cfg.instrument.dbcs_to_gse, t);
      const size_t m = t.time_s.size();
      if (moments && kind_[oi] == "model") {
        for (size_t k = 0; k < m; ++k) {
          pr.ne_cm3.push_back(ms.ne_m3[k] / CM3_TO_SI);
          pr.T_par_eV.push_back(ms.T_par_J[k] / EV_TO_SI);
          pr.T_perp_eV.push_back(ms.T_perp_J[k] / EV_TO_SI);
          for (double c : {ms.Ve_gse_m_s[k].x, ms.Ve_gse_m_s[k].y, ms.Ve_gse_m_s[k].z})
            pr.V_gse_km_s.push_back(c / KM_S_TO_SI);
        }
      }
      if ((moments && kind_[oi] == "instrument") || !o.ipad_s3_cm6.empty())
        instrument(cfg, *eq, frame, o, t, moments && kind_[oi] == "instrument", pr);
      if (!o.pad_s3_cm6.empty()) {
        // the dense gyro-averaged PAD at the observed energies and pitch bins (docs/model.md s. 10)
        InstrumentSettings is = cfg.instrument;
        is.dense_pad_energy_eV = o.pad_energy_eV;
        is.dense_pad_pitch = o.pad_pitch_bins;
        with_backend([&](Backend& be) {
          pr.pad_s3_cm6 = synth_gyro_pads(be, eq->tables, t.r_rope_m, t.U_rope_m_s, is);
        });
      }
      out.push_back(std::move(pr));
    }
    return out;
  }

  // residuals at p; per-label chi^2 into chi2 when given; a rejected step (the model undefined
  // at p) is a wall of 1e3 per value, its message kept.
  void residuals(const std::vector<double>& p, Eigen::VectorXd& r, std::vector<double>* chi2 = nullptr,
                 std::shared_ptr<const Equilibrium>* eq_out = nullptr,
                 std::vector<FitPrediction>* preds_out = nullptr, std::string* why = nullptr) {
    r.resize(n_values());
    std::vector<FitPrediction> preds;
    try {
      preds = predict(p, eq_out);
    } catch (const Error& e) {
      r.setConstant(1e3);
      if (chi2) chi2->assign(labels_.size(), std::numeric_limits<double>::infinity());
      std::lock_guard<std::mutex> lock(mutex_);
      ++rejected_;
      if (first_rejection_.empty()) first_rejection_ = e.what();
      if (why) *why = e.what();
      return;
    }
    if (chi2) chi2->assign(labels_.size(), 0.0);
    long m = 0;
    for (size_t oi = 0; oi < obs_.size(); ++oi) {
      const FitPrediction& pr = preds[oi];
      for (const Series& s : series_[oi]) {
        const std::vector<double>& model = *prediction_of(pr, s.q);
        for (size_t k = 0; k < s.obs->size(); ++k, ++m) {
          const double w = inv_sigma_[static_cast<size_t>(m)];
          double v = 0.0;
          if (w > 0) {
            const double mk = std::isfinite(model[k]) ? model[k] : 0.0;
            v = s.q == Quantity::Counts ? deviance_residual(mk, (*s.obs)[k]) : (mk - (*s.obs)[k]) * w;
          }
          r[m] = v;
          if (chi2) (*chi2)[static_cast<size_t>(s.label)] += v * v;
        }
      }
    }
    if (preds_out) *preds_out = std::move(preds);
  }

 private:
  struct Series {
    Quantity q;
    const std::vector<double>* obs;
    int label;
  };

  // f(backend) on this OpenMP thread's backend (the Jacobian's columns each have one); a lock
  // keeps callers from other threads (Python threads, a sampler) off a backend in use.
  template <class F>
  void with_backend(F&& f) {
    const size_t i = static_cast<size_t>(omp_get_thread_num()) % backends_.size();
    std::lock_guard<std::mutex> lock(*backend_mutex_[i]);
    f(*backends_[i]);
  }

  static const std::vector<double>* prediction_of(const FitPrediction& p, Quantity q) {
    switch (q) {
      case Quantity::B: return &p.B_gse_nT;
      case Quantity::N: return &p.ne_cm3;
      case Quantity::V: return &p.V_gse_km_s;
      case Quantity::TPar: return &p.T_par_eV;
      case Quantity::TPerp: return &p.T_perp_eV;
      case Quantity::Pad: return &p.pad_s3_cm6;
      case Quantity::IPad: return &p.ipad_s3_cm6;
      default: return &p.ipad_counts;
    }
  }

  void validate(const FitObservations& o) const {
    bool known = false;
    for (const SpacecraftSpec& s : base_.geometry.spacecraft) known = known || s.name == o.name;
    if (!known)
      throw Error(fmt::format("observations of '{}', which is not a spacecraft of [geometry]",
                              o.name));
    const size_t n = o.t_s.size(), m = o.n_fpi();
    if (n == 0 || o.B_gse_nT.size() != 3 * n)
      throw Error(fmt::format("observations of {}: {} times need {} field components (n, 3)",
                              o.name, n, 3 * n));
    if (!(std::isfinite(o.B_average_s) && o.B_average_s >= 0 && o.B_average_s <= 10))
      throw Error(fmt::format("observations of {}: B_average_s = {} must be in [0, 10] s", o.name,
                              o.B_average_s));
    const std::pair<const char*, const std::vector<double>*> per_sample[] = {
        {"ne_cm3", &o.ne_cm3},           {"T_par_eV", &o.T_par_eV},
        {"T_perp_eV", &o.T_perp_eV},     {"sigma_ne_cm3", &o.sigma_ne_cm3},
        {"sigma_T_par_eV", &o.sigma_T_par_eV}, {"sigma_T_perp_eV", &o.sigma_T_perp_eV}};
    for (const auto& [what, v] : per_sample)
      if (!v->empty() && v->size() != m)
        throw Error(fmt::format("observations of {}: {} has {} values for {} FPI samples", o.name,
                                what, v->size(), m));
    for (const auto& [what, v] : {std::pair<const char*, const std::vector<double>*>{"V_gse_km_s", &o.V_gse_km_s},
                                  {"sigma_V_gse_km_s", &o.sigma_V_gse_km_s}})
      if (!v->empty() && v->size() != 3 * m)
        throw Error(fmt::format("observations of {}: {} has {} values for {} FPI samples (m, 3)",
                                o.name, what, v->size(), m));
    if (!o.parity.empty()) {
      if (o.parity.size() != m)
        throw Error(fmt::format("observations of {}: parity has {} values for {} FPI samples",
                                o.name, o.parity.size(), m));
      for (size_t k = 0; k < m; ++k)
        if (o.parity[k] != 0 && o.parity[k] != 1)
          throw Error(fmt::format("observations of {}: parity[{}] = {} must be 0 or 1", o.name, k,
                                  o.parity[k]));
    }
    if (!o.pad_s3_cm6.empty() &&
        (o.pad_pitch_bins < 1 || o.pad_energy_eV.empty() ||
         o.pad_s3_cm6.size() != m * o.pad_energy_eV.size() * static_cast<size_t>(o.pad_pitch_bins)))
      throw Error(fmt::format("observations of {}: the PAD needs (n, energies, pitch bins) = ({}, "
                              "{}, {}) values, got {}",
                              o.name, m, o.pad_energy_eV.size(), o.pad_pitch_bins,
                              o.pad_s3_cm6.size()));
    if (!o.ipad_s3_cm6.empty() || !o.ipad_counts.empty() || !o.ipad_channel.empty()) {
      const size_t cells = m * o.ipad_channel.size() * static_cast<size_t>(std::max(0, o.ipad_pitch_bins));
      if (o.ipad_pitch_bins < 1 || o.ipad_pitch_bins > 180 || o.ipad_channel.empty() ||
          o.ipad_s3_cm6.size() != cells ||
          (!o.sigma_ipad_s3_cm6.empty() && o.sigma_ipad_s3_cm6.size() != cells) ||
          (!o.ipad_counts.empty() && o.ipad_counts.size() != cells))
        throw Error(fmt::format(
            "observations of {}: the instrument PAD needs (n, channels, pitch bins) = ({}, {}, {}) "
            "values (and as many sigmas or counts where given), got {}",
            o.name, m, o.ipad_channel.size(), o.ipad_pitch_bins, o.ipad_s3_cm6.size()));
      for (int c : o.ipad_channel)
        if (c < 0 || c >= FPI_N_ENERGY)
          throw Error(fmt::format("observations of {}: PAD channel {} is not one of 0-31", o.name, c));
    }
    if (fs_.likelihood == "poisson" && o.ipad_counts.empty() && !o.ipad_s3_cm6.empty())
      throw Error(fmt::format("observations of {}: fit.likelihood = \"poisson\" needs the counts of "
                              "the instrument PAD cells",
                              o.name));
    check_series(o.name, "time_s", o.t_s, 1, false);
    check_strictly_increasing(o.name, o.t_s);
    if (!o.t_fpi_s.empty()) {
      check_series(o.name, "t_fpi_s", o.t_fpi_s, 1, false);
      check_strictly_increasing(o.name, o.t_fpi_s);
    }
    check_series(o.name, "B_gse_nT", o.B_gse_nT, 3, false);
    check_series(o.name, "ne_cm3", o.ne_cm3, 1, true);
    check_series(o.name, "T_par_eV", o.T_par_eV, 1, true);
    check_series(o.name, "T_perp_eV", o.T_perp_eV, 1, true);
    check_series(o.name, "V_gse_km_s", o.V_gse_km_s, 3, false);
    for (const auto& [what, v] :
         {std::pair<const char*, const std::vector<double>*>{"sigma_ne_cm3", &o.sigma_ne_cm3},
          {"sigma_T_par_eV", &o.sigma_T_par_eV}, {"sigma_T_perp_eV", &o.sigma_T_perp_eV},
          {"sigma_V_gse_km_s", &o.sigma_V_gse_km_s}})
      for (size_t i = 0; i < v->size(); ++i)
        if (!std::isfinite((*v)[i]) || (*v)[i] < 0)
          throw Error(fmt::format("observations of {}: {}[{}] = {} must be finite and >= 0", o.name,
                                  what, i, (*v)[i]));
    check_series(o.name, "pad_s3_cm6", o.pad_s3_cm6, 1, false);
    for (size_t i = 0; i < o.ipad_counts.size(); ++i)
      if (!std::isfinite(o.ipad_counts[i]) || o.ipad_counts[i] < 0)
        throw Error(fmt::format("observations of {}: ipad_counts[{}] = {} must be finite and >= 0",
                                o.name, i, o.ipad_counts[i]));
    for (const FitObservations& other : obs_)
      if (&other != &o && other.name == o.name)
        throw Error(fmt::format("observations of {} are given twice", o.name));
  }

  // The residuals' weights 1 / sigma, fixed by the observations (0: a value left out).
  void setup_weights(const FitObservations& o) {
    std::vector<Series> series;
    auto add = [&](const std::string& label, Quantity q, const std::vector<double>& v,
                   const std::function<double(size_t)>& sigma) {
      if (v.empty()) return;
      const int li = static_cast<int>(labels_.size());
      labels_.push_back(o.name + " " + label);
      long used = 0;
      for (size_t k = 0; k < v.size(); ++k) {
        const double s = std::isfinite(v[k]) ? sigma(k) : 0.0;
        const double w = q == Quantity::Counts ? (std::isfinite(v[k]) ? 1.0 : 0.0)
                                               : (s > 0 && std::isfinite(s) ? 1.0 / s : 0.0);
        inv_sigma_.push_back(w);
        used += w > 0;
      }
      n_label_.push_back(used);
      series.push_back({q, &v, li});
    };
    auto given = [](const std::vector<double>& s, size_t k) { return s.empty() ? 0.0 : s[k]; };
    add("B", Quantity::B, o.B_gse_nT, [&](size_t) { return fs_.sigma_B_nT; });
    auto rel = [&](const std::vector<double>& v, const std::vector<double>& s, double r) {
      return [&v, &s, r, given](size_t k) {
        const double g = given(s, k);
        return g > 0 ? g : r * std::fabs(v[k]);
      };
    };
    add("n_e", Quantity::N, o.ne_cm3, rel(o.ne_cm3, o.sigma_ne_cm3, fs_.sigma_n_rel));
    add("V_e", Quantity::V, o.V_gse_km_s, [&](size_t k) {
      const double g = given(o.sigma_V_gse_km_s, k);
      return g > 0 ? g : fs_.sigma_V_km_s;
    });
    add("T_par", Quantity::TPar, o.T_par_eV, rel(o.T_par_eV, o.sigma_T_par_eV, fs_.sigma_T_rel));
    add("T_perp", Quantity::TPerp, o.T_perp_eV, rel(o.T_perp_eV, o.sigma_T_perp_eV, fs_.sigma_T_rel));
    static const std::vector<double> none;
    add("PAD", Quantity::Pad, o.pad_s3_cm6, rel(o.pad_s3_cm6, none, fs_.sigma_pad_rel));
    if (fs_.likelihood == "poisson")
      add("PAD counts", Quantity::Counts, o.ipad_counts, [](size_t) { return 1.0; });
    else
      add("instrument PAD", Quantity::IPad, o.ipad_s3_cm6,
          rel(o.ipad_s3_cm6, o.sigma_ipad_s3_cm6, fs_.sigma_pad_rel));
    series_.push_back(std::move(series));
  }

  // The instrument's view of track t: skymaps synthesized with the configured response at the
  // FPI samples (their parities), reduced on the backend to the ground-system moments (against
  // the model field) and the PAD cells; only those come back.
  void instrument(const RunConfig& cfg, const Equilibrium& eq, const RopeFrame& frame,
                  const FitObservations& o, const Track& t, bool moments,
                  FitPrediction& pr) {
    const Mat3 gse_to_dbcs = transpose(cfg.instrument.dbcs_to_gse);
    const Mat3 dbcs_to_rope = frame.gse_to_rope * cfg.instrument.dbcs_to_gse;
    const size_t m = t.time_s.size(), batch = 256;
    for (size_t k0 = 0; k0 < m; k0 += batch) {
      const size_t nb = std::min(batch, m - k0);
      const bool integrated = cfg.instrument.response.kind == ResponseKind::Integrated;
      std::vector<Vec3> b_field, r0;
      std::vector<int> parity;
      std::vector<ResponseSample> rs;
      std::vector<SkymapSample> cs;
      for (size_t k = k0; k < k0 + nb; ++k) {
        // T_par, T_perp and the pitch angles against the recorded field, as the ground system
        // and the PAD tools take them (a pitch-bin edge moves with the field used); normalized
        // by the reductions exactly as pad_cells normalizes the observed side
        b_field.push_back(gse_to_dbcs * observed_field(o, t.time_s[k]));
        parity.push_back(t.parity[k]);
        if (integrated) {
          rs.push_back({t.U_rope_m_s, dbcs_to_rope, t.parity[k]});
          r0.push_back(t.r_rope_m[k]);
        } else {
          SkymapSample s;
          s.r_rope = t.r_rope_m[k];
          s.U_rope = t.U_rope_m_s;
          s.dbcs_to_rope = dbcs_to_rope;
          s.parity = t.parity[k];
          cs.push_back(s);
        }
      }
      ReductionProblem rp;
      rp.dir = dirs_.data();
      rp.parity = parity.data();
      rp.b_field = b_field.data();
      rp.weights = weights_;
      rp.one_count = one_count_;
      rp.clamp = true;
      rp.n_samples = static_cast<int>(nb);
      rp.moments = moments;
      rp.pad_channel = o.ipad_channel.data();
      rp.n_channel = static_cast<int>(o.ipad_channel.size());
      rp.n_pitch = o.ipad_pitch_bins;
      rp.weighting = cfg.instrument.pad_weighting;
      std::vector<double> rows;
      SkymapSource src;
      ResponseSetup setup;
      std::unique_ptr<SkymapSetup> centre;
      if (integrated) {
        prepare_response(eq.tables, tables_, rs, r0, setup);
        src.response = &setup.problem;
      } else {
        centre = std::make_unique<SkymapSetup>(make_skymap_setup(eq.tables, cs));
        src.centre = &centre->problem;
      }
      with_backend([&](Backend& be) { be.reduce(src, rp, rows); });
      const int w = rp.row_width();
      for (size_t k = 0; k < nb; ++k) {
        const double* row = rows.data() + k * static_cast<size_t>(w);
        if (moments) {
          pr.ne_cm3.push_back(row[MOM_N] / CM3_TO_SI);
          pr.T_par_eV.push_back(row[MOM_T_PAR] / EV_TO_SI);
          pr.T_perp_eV.push_back(row[MOM_T_PERP] / EV_TO_SI);
          const Vec3 V = cfg.instrument.dbcs_to_gse * Vec3{row[MOM_V], row[MOM_V + 1], row[MOM_V + 2]};
          for (double c : {V.x, V.y, V.z}) pr.V_gse_km_s.push_back(c / KM_S_TO_SI);
        }
        for (int c = 0; c < rp.n_channel * rp.n_pitch; ++c) {
          pr.ipad_s3_cm6.push_back(row[rp.moment_width() + PAD_CELL_OUT * c]);
          pr.ipad_counts.push_back(row[rp.moment_width() + PAD_CELL_OUT * c + 2]);
        }
      }
    }
  }

  // The observed field at time t [nT], linear between the FGM samples (the end values beyond).
  static Vec3 observed_field(const FitObservations& o, double t) {
    const std::vector<double>& ts = o.t_s;
    size_t j = static_cast<size_t>(std::lower_bound(ts.begin(), ts.end(), t) - ts.begin());
    auto at = [&](size_t i) { return Vec3{o.B_gse_nT[3 * i], o.B_gse_nT[3 * i + 1], o.B_gse_nT[3 * i + 2]}; };
    if (j == 0) return at(0);
    if (j >= ts.size()) return at(ts.size() - 1);
    if (ts[j] == t) return at(j);
    const double w = (t - ts[j - 1]) / (ts[j] - ts[j - 1]);
    return (1.0 - w) * at(j - 1) + w * at(j);
  }

  const RunConfig& base_;
  std::string toml_;
  const std::vector<FitObservations>& obs_;
  const FitSettings fs_;
  std::vector<std::string> names_, labels_, kind_;
  std::vector<double> start_, lo_, hi_;
  std::vector<double> inv_sigma_;
  std::vector<long> n_label_;
  std::vector<std::vector<Series>> series_;
  ResponseTables tables_;
  MomentWeights weights_[2];
  double one_count_[2 * FPI_N_ENERGY];
  std::vector<Vec3> dirs_;
  std::vector<std::unique_ptr<Backend>> backends_;
  std::vector<std::unique_ptr<std::mutex>> backend_mutex_;
  mutable std::mutex mutex_;
  std::map<std::vector<double>, std::shared_ptr<const Equilibrium>> cache_;
  std::atomic<int> solves_{0}, evaluations_{0}, rejected_{0};
  std::string first_rejection_;
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
                  const std::function<void(int, double)>& progress, const std::string& backend) {
  const auto t0 = std::chrono::steady_clock::now();
  if (obs.empty()) throw Error("fit: no observations");
  Model model(base, obs, backend);
  const size_t n = model.names().size();
  if (static_cast<long>(n) >= model.n_used())
    throw Error(fmt::format("fit: {} free parameters but only {} observed values", n,
                            model.n_used()));
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
  std::string why;
  model.residuals(r.value, res, &chi2_label, &eq, &r.predictions, &why);
  if (!why.empty())
    throw Error(fmt::format("fit: the model is not defined at the best fit: {}", why));
  Eigen::MatrixXd J;
  Eigen::VectorXd xb(static_cast<long>(n));
  for (size_t i = 0; i < n; ++i) xb[static_cast<long>(i)] = (r.value[i] - f.p0[i]) / f.scale[i];
  f.df(xb, J);
  for (size_t i = 0; i < n; ++i) J.col(static_cast<long>(i)) /= f.scale[i];  // per unit parameter
  r.chi2 = res.squaredNorm();
  r.dof = model.n_used() - static_cast<long>(n);
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
  r.n_per_label = model.n_per_label();
  for (size_t li = 0; li < chi2_label.size(); ++li) {
    const double N = static_cast<double>(std::max<long>(r.n_per_label[li], 1));
    r.chi2_per_dof.push_back(chi2_label[li] / N);
    r.p_value.push_back(chi2_p_value(chi2_label[li], N));
    if (r.chi2_per_dof.back() > base.fit.warn_chi2_per_n) r.poor.push_back(r.chi2_labels[li]);
  }
  if (!r.poor.empty()) {
    std::string list;
    for (size_t li = 0; li < r.chi2_labels.size(); ++li)
      if (r.chi2_per_dof[li] > base.fit.warn_chi2_per_n)
        list += fmt::format("{}{} {:.3g}", list.empty() ? "" : ", ", r.chi2_labels[li],
                            r.chi2_per_dof[li]);
    r.warnings.push_back(fmt::format(
        "the model does not describe the observations: chi^2/N above {:g} for {} (the sigmas and "
        "the parameters are not to be trusted; compare like with like: fit.moments)",
        base.fit.warn_chi2_per_n, list));
  }
  r.rejected_steps = model.rejected();
  r.first_rejection = model.first_rejection();
  if (r.rejected_steps > 0)
    r.warnings.push_back(fmt::format("{} trial parameter sets were rejected (the model is not "
                                     "defined there), the first: {}",
                                     r.rejected_steps, r.first_rejection));
  r.best = model.config_at(r.value);
  if (eq) r.negativity = eq->negativity;
  r.solves = model.solves();
  r.evaluations = model.evaluations();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

FitObservations observations_of(const Track& t, const TrackProducts& p, bool moments) {
  FitObservations o;
  o.name = t.name;
  o.t_s = t.time_s;
  for (double b : p.B_gse_T) o.B_gse_nT.push_back(b / NT_TO_SI);
  if (!moments) return o;
  o.fpi_moments = true;
  o.parity = t.parity;
  for (size_t k = 0; k < p.n; ++k) {
    o.ne_cm3.push_back(p.fpi.n_m3[k] / CM3_TO_SI);
    o.sigma_ne_cm3.push_back(p.fpi.sigma_n_m3[k] / CM3_TO_SI);
    o.T_par_eV.push_back(p.fpi.T_par_J[k] / EV_TO_SI);
    o.sigma_T_par_eV.push_back(p.fpi.sigma_T_par_J[k] / EV_TO_SI);
    o.T_perp_eV.push_back(p.fpi.T_perp_J[k] / EV_TO_SI);
    o.sigma_T_perp_eV.push_back(p.fpi.sigma_T_perp_J[k] / EV_TO_SI);
    for (int c = 0; c < 3; ++c) {
      o.V_gse_km_s.push_back(p.fpi.V_gse_m_s[3 * k + c] / KM_S_TO_SI);
      o.sigma_V_gse_km_s.push_back(p.fpi.sigma_V_gse_m_s[3 * k + c] / KM_S_TO_SI);
    }
  }
  return o;
}

std::vector<FitObservations> observe_event(const RunConfig& cfg, Backend& backend,
                                           const Equilibrium& eq, const EventGeometry& geo,
                                           const std::vector<std::string>& moments,
                                           std::vector<TrackProducts>* products) {
  std::vector<FitObservations> obs;
  for (size_t ti = 0; ti < geo.tracks.size(); ++ti) {
    const Track& t = geo.tracks[ti];
    TrackProducts p = synthesize_track(backend, eq.tables, eq.result.profile, geo.frame,
                                       cfg.instrument, cfg.geometry.cadence_s, t, ti);
    obs.push_back(observations_of(
        t, p, std::find(moments.begin(), moments.end(), t.name) != moments.end()));
    if (products) products->push_back(std::move(p));
  }
  return obs;
}

class FitObjective::Impl {
 public:
  Impl(const RunConfig& base, const std::vector<FitObservations>& obs, const std::string& backend)
      : base_(base), obs_(obs), model_(base_, obs_, backend) {}
  RunConfig base_;
  std::vector<FitObservations> obs_;
  Model model_;
};

FitObjective::FitObjective(const RunConfig& base, const std::vector<FitObservations>& obs,
                           const std::string& backend)
    : impl_(new Impl(base, obs, backend)) {}
FitObjective::~FitObjective() { delete impl_; }
const std::vector<std::string>& FitObjective::names() const { return impl_->model_.names(); }
const std::vector<double>& FitObjective::start() const { return impl_->model_.start(); }
long FitObjective::n_values() const { return impl_->model_.n_used(); }
std::vector<double> FitObjective::lower() const {
  std::vector<double> v;
  for (size_t i = 0; i < names().size(); ++i) v.push_back(impl_->model_.lo(i));
  return v;
}
std::vector<double> FitObjective::upper() const {
  std::vector<double> v;
  for (size_t i = 0; i < names().size(); ++i) v.push_back(impl_->model_.hi(i));
  return v;
}
double FitObjective::chi2(const std::vector<double>& p, std::string* why) {
  if (p.size() != names().size())
    throw Error(fmt::format("the fit objective takes {} parameters ({}), got {}", names().size(),
                            fmt::format("{}", fmt::join(names(), ", ")), p.size()));
  for (double v : p)
    if (!std::isfinite(v)) {
      if (why) *why = "a parameter is not finite";
      return std::numeric_limits<double>::infinity();
    }
  Eigen::VectorXd r;
  std::string w;
  impl_->model_.residuals(p, r, nullptr, nullptr, nullptr, &w);
  if (!w.empty()) {
    if (why) *why = w;
    return std::numeric_limits<double>::infinity();
  }
  return r.squaredNorm();
}

}  // namespace fluxrope
