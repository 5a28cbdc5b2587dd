#pragma once
// Host-side quadrature and interpolation building blocks of the solver.
#include <vector>

namespace fluxrope {

// Probabilists' Gauss-Hermite rule: int f(x) exp(-x^2/2) dx / sqrt(2 pi) ~= sum w_k f(x_k),
// exact for polynomials of degree <= 2n-1; weights sum to 1. Nodes ascending, exactly
// antisymmetric (x_{n-1-k} = -x_k). Golub-Welsch: eigenvalues of the Jacobi matrix of the
// He_n recurrence (Eigen's self-adjoint eigensolver), weights = first eigenvector components^2.
struct GaussRule {
  std::vector<double> x, w;
};
GaussRule gauss_hermite(int n);
// The non-negative half of a symmetric rule, with weights doubled for x > 0, for
// integrands even in x.
GaussRule even_half(const GaussRule& full);

// Chebyshev-Lobatto nodes on [a, b] with barycentric interpolation (Berrut & Trefethen
// 2004): spectrally accurate for the smooth radial shape functions.
class ChebyshevGrid {
 public:
  ChebyshevGrid() = default;
  ChebyshevGrid(int n, double a, double b);
  int size() const { return static_cast<int>(x_.size()); }
  const std::vector<double>& nodes() const { return x_; }
  // Interpolation weights c_k at point t: f(t) ~= sum_k c_k f_k. Writes size() values.
  void weights_at(double t, double* c) const;
  // Values of the derivative at the nodes, from values at the nodes (differentiation matrix).
  std::vector<double> derivative(const std::vector<double>& f) const;

 private:
  std::vector<double> x_, lambda_;
};

}  // namespace fluxrope
