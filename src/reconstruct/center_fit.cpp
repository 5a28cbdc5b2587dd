#include "fluxrope/reconstruct/center_fit.hpp"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <cmath>
#include <limits>

// Eigen's LevenbergMarquardt leaves m_iter unset until minimize() runs; GCC 12 warns about it
// when the class is instantiated here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <unsupported/Eigen/LevenbergMarquardt>

#include "fluxrope/core/error.hpp"

namespace fluxrope {

CenterFitSettings::CenterFitSettings() {
  for (int i = 0; i <= 10; ++i) levels_nT.push_back(16.0 + 0.4 * i);  // the paper's 11 levels
}

namespace {

// Crossing times of |B| = b by linear interpolation between samples: the first upward one
// (inward) and the last downward one (outward).
bool crossings_of(const CenterFitSpacecraft& s, double b, double& t_in, double& t_out) {
  int found = 0;
  for (size_t k = 0; k + 1 < s.t_s.size(); ++k) {
    const double a = s.Bmag_nT[k], c = s.Bmag_nT[k + 1];
    if (a < b && c >= b && !(found & 1)) {
      t_in = s.t_s[k] + (b - a) / (c - a) * (s.t_s[k + 1] - s.t_s[k]);
      found |= 1;
    }
    if (a >= b && c < b) {
      t_out = s.t_s[k] + (a - b) / (a - c) * (s.t_s[k + 1] - s.t_s[k]);
      found |= 2;
    }
  }
  return found == 3 && t_out > t_in;
}

// Residuals r_ij = (d_ij - mean_i d) / sqrt(n_i N), so that sum r^2 = L of eq. 5.
struct LossFunctor : Eigen::DenseFunctor<double> {
  std::vector<std::vector<Eigen::Vector2d>> pts;  // per used level
  int n_res;
  LossFunctor(std::vector<std::vector<Eigen::Vector2d>> p, int m)
      : Eigen::DenseFunctor<double>(2, m), pts(std::move(p)), n_res(m) {}
  int operator()(const InputType& c, ValueType& r) const {
    int k = 0;
    const double N = static_cast<double>(pts.size());
    for (const auto& level : pts) {
      double mean = 0.0;
      for (const auto& x : level) mean += (x - c).norm();
      mean /= level.size();
      const double w = 1.0 / std::sqrt(level.size() * N);
      for (const auto& x : level) r(k++) = w * ((x - c).norm() - mean);
    }
    return 0;
  }
  int df(const InputType& c, JacobianType& J) const {
    int k = 0;
    const double N = static_cast<double>(pts.size());
    for (const auto& level : pts) {
      Eigen::Vector2d mean_grad = Eigen::Vector2d::Zero();
      std::vector<Eigen::Vector2d> g;
      for (const auto& x : level) {
        const double d = std::max((x - c).norm(), 1e-12);
        g.push_back(-(x - c) / d);  // d d / d c
        mean_grad += g.back();
      }
      mean_grad /= level.size();
      const double w = 1.0 / std::sqrt(level.size() * N);
      for (const auto& gi : g) J.row(k++) = w * (gi - mean_grad).transpose();
    }
    return 0;
  }
};

}  // namespace

CenterFitResult fit_center(const std::vector<CenterFitSpacecraft>& sc, const CenterFitSettings& s) {
  CenterFitResult res;
  std::vector<std::vector<Eigen::Vector2d>> pts;
  std::vector<int> level_of;
  Eigen::Vector2d centroid = Eigen::Vector2d::Zero();
  int n_points = 0;
  for (size_t i = 0; i < s.levels_nT.size(); ++i) {
    std::vector<Eigen::Vector2d> level;
    for (size_t j = 0; j < sc.size(); ++j) {
      double t_in = 0, t_out = 0;
      if (!crossings_of(sc[j], s.levels_nT[i], t_in, t_out)) {
        res.skipped.push_back(
            fmt::format("{} does not cross {:g} nT twice", sc[j].name, s.levels_nT[i]));
        continue;
      }
      for (const auto& [t, inward] : {std::pair{t_in, true}, std::pair{t_out, false}}) {
        ContourCrossing c;
        c.spacecraft = static_cast<int>(j);
        c.level = static_cast<int>(i);
        c.inward = inward;
        c.t_s = t;
        c.L_km = sc[j].L0_km + s.vL_km_s * t;
        c.N_km = sc[j].N0_km + s.vN_km_s * t;
        res.crossings.push_back(c);
        level.emplace_back(c.L_km, c.N_km);
        centroid += level.back();
        ++n_points;
      }
    }
    if (level.size() >= 4) {
      pts.push_back(level);
      level_of.push_back(static_cast<int>(i));
    } else if (!level.empty()) {
      res.skipped.push_back(
          fmt::format("level {:g} nT: crossings of fewer than two spacecraft", s.levels_nT[i]));
    }
  }
  if (pts.size() < 2)
    throw Error(
        "fit-center: fewer than two contour levels are crossed twice by at least two spacecraft");
  int m = 0;
  for (const auto& l : pts) m += static_cast<int>(l.size());
  LossFunctor f(pts, m);
  Eigen::LevenbergMarquardt<LossFunctor> lm(f);
  lm.setXtol(1e-14);
  lm.setFtol(1e-16);
  lm.setGtol(1e-16);
  Eigen::VectorXd c = centroid / n_points;
  lm.minimize(c);
  res.iterations = static_cast<int>(lm.iterations());
  res.L_km = c(0);
  res.N_km = c(1);
  Eigen::VectorXd r(m);
  f(c, r);
  res.loss_km2 = r.squaredNorm();
  for (ContourCrossing& x : res.crossings)
    x.d_km = std::hypot(x.L_km - res.L_km, x.N_km - res.N_km);
  res.radius_km.assign(s.levels_nT.size(), std::numeric_limits<double>::quiet_NaN());
  for (size_t k = 0; k < pts.size(); ++k) {
    double mean = 0.0;
    for (const auto& x : pts[k]) mean += (x - c).norm();
    res.radius_km[level_of[k]] = mean / pts[k].size();
  }
  return res;
}

}  // namespace fluxrope

#pragma GCC diagnostic pop
