#include "fluxrope/equilibrium/quadrature.hpp"

#include <Eigen/Eigenvalues>
#include <cmath>
#include <stdexcept>

#include "fluxrope/core/constants.hpp"

namespace fluxrope {

GaussRule gauss_hermite(int n) {
  if (n < 1) throw std::invalid_argument("gauss_hermite: n must be >= 1");
  // He_{k+1} = x He_k - k He_{k-1}: symmetric Jacobi matrix with off-diagonal sqrt(k).
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(n, n);
  for (int k = 1; k < n; ++k) J(k, k - 1) = J(k - 1, k) = std::sqrt(static_cast<double>(k));
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(J);
  GaussRule r;
  r.x.resize(n);
  r.w.resize(n);
  // Polish each node with Newton steps on the orthonormal polynomial p_n and take the
  // Christoffel weights w = 1 / sum_{k<n} p_k(x)^2 (accurate to round-off even for the
  // tiny outer weights, unlike squared eigenvector components).
  for (int i = 0; i < n; ++i) {
    double x = es.eigenvalues()(i);
    double sum = 0.0;
    for (int it = 0; it < 3; ++it) {
      double p0 = 1.0, p1 = x;  // orthonormal p_k = He_k / sqrt(k!)
      sum = 1.0;
      if (n == 1) {
        p1 = x;
      } else {
        sum += x * x;
        for (int k = 1; k < n - 1; ++k) {
          const double p2 = (x * p1 - std::sqrt(static_cast<double>(k)) * p0) / std::sqrt(k + 1.0);
          p0 = p1;
          p1 = p2;
          sum += p1 * p1;
        }
      }
      // here p1 = p_{n-1}, p0 = p_{n-2}; p_n and p_n' = sqrt(n) p_{n-1}
      const double pn =
          n == 1 ? x : (x * p1 - std::sqrt(n - 1.0) * p0) / std::sqrt(static_cast<double>(n));
      const double dpn = std::sqrt(static_cast<double>(n)) * (n == 1 ? 1.0 : p1);
      x -= pn / dpn;
    }
    r.x[i] = x;
    r.w[i] = 1.0 / sum;
  }
  // Enforce exact symmetry.
  for (int k = 0; k < n / 2; ++k) {
    const int m = n - 1 - k;
    const double xs = 0.5 * (r.x[m] - r.x[k]);
    const double ws = 0.5 * (r.w[m] + r.w[k]);
    r.x[k] = -xs;
    r.x[m] = xs;
    r.w[k] = r.w[m] = ws;
  }
  if (n % 2 == 1) r.x[n / 2] = 0.0;
  double sum = 0.0;
  for (double w : r.w) sum += w;
  for (double& w : r.w) w /= sum;
  return r;
}

GaussRule gauss_legendre(int n) {
  if (n < 1) throw std::invalid_argument("gauss_legendre: n must be >= 1");
  GaussRule r;
  r.x.assign(n, 0.0);
  r.w.assign(n, 0.0);
  // Newton on P_n from the Chebyshev-like guess cos(pi (i + 3/4) / (n + 1/2)); the weight
  // 2 / ((1 - x^2) P_n'(x)^2) on [-1, 1] becomes half of it on [-1/2, 1/2] (sum 1).
  for (int i = 0; i < (n + 1) / 2; ++i) {
    double x = std::cos(constants::PI * (i + 0.75) / (n + 0.5)), dp = 1.0;
    for (int it = 0; it < 100; ++it) {
      double p0 = 1.0, p1 = x;
      for (int k = 2; k <= n; ++k) {
        const double p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = n * (x * p1 - p0) / (x * x - 1.0);
      const double dx = p1 / dp;
      x -= dx;
      if (std::fabs(dx) < 1e-16) break;
    }
    const double w = 1.0 / ((1.0 - x * x) * dp * dp);
    r.x[n - 1 - i] = 0.5 * x;
    r.x[i] = -0.5 * x;
    r.w[i] = r.w[n - 1 - i] = w;
  }
  if (n % 2 == 1) r.x[n / 2] = 0.0;
  return r;
}

GaussRule even_half(const GaussRule& full) {
  GaussRule h;
  for (size_t k = 0; k < full.x.size(); ++k) {
    if (full.x[k] > 0.0) {
      h.x.push_back(full.x[k]);
      h.w.push_back(2.0 * full.w[k]);
    } else if (full.x[k] == 0.0) {
      h.x.push_back(0.0);
      h.w.push_back(full.w[k]);
    }
  }
  return h;
}

ChebyshevGrid::ChebyshevGrid(int n, double a, double b) {
  if (n < 2) throw std::invalid_argument("ChebyshevGrid: need at least 2 nodes");
  x_.resize(n);
  lambda_.resize(n);
  for (int k = 0; k < n; ++k) {
    x_[k] = 0.5 * (a + b) - 0.5 * (b - a) * std::cos(constants::PI * k / (n - 1));
    lambda_[k] = (k % 2 == 0 ? 1.0 : -1.0) * ((k == 0 || k == n - 1) ? 0.5 : 1.0);
  }
  x_.front() = a;
  x_.back() = b;
}

void ChebyshevGrid::weights_at(double t, double* c) const {
  const int n = size();
  double sum = 0.0;
  for (int k = 0; k < n; ++k) {
    const double d = t - x_[k];
    if (d == 0.0) {
      for (int j = 0; j < n; ++j) c[j] = (j == k) ? 1.0 : 0.0;
      return;
    }
    c[k] = lambda_[k] / d;
    sum += c[k];
  }
  for (int k = 0; k < n; ++k) c[k] /= sum;
}

std::vector<double> ChebyshevGrid::derivative(const std::vector<double>& f) const {
  // D_ij = (lambda_j / lambda_i) / (x_i - x_j), D_ii = -sum_{j != i} D_ij.
  const int n = size();
  std::vector<double> d(n, 0.0);
  for (int i = 0; i < n; ++i) {
    double diag = 0.0, acc = 0.0;
    for (int j = 0; j < n; ++j) {
      if (j == i) continue;
      const double D = (lambda_[j] / lambda_[i]) / (x_[i] - x_[j]);
      diag -= D;
      acc += D * f[j];
    }
    d[i] = acc + diag * f[i];
  }
  return d;
}

PanelGrid::PanelGrid(std::vector<ChebyshevGrid> panels) : panels_(std::move(panels)) {
  offset_.push_back(0);
  for (const auto& g : panels_) {
    nodes_.insert(nodes_.end(), g.nodes().begin(), g.nodes().end());
    offset_.push_back(offset_.back() + g.size());
  }
}

int PanelGrid::locate(double t) const {
  for (int p = 0; p + 1 < panels(); ++p)
    if (t <= panels_[p].nodes().back()) return p;
  return panels() - 1;
}

}  // namespace fluxrope
