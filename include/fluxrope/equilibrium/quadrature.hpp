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
// Gauss-Legendre rule on [-1/2, 1/2] with weights summing to 1: the mean of f over a unit
// interval, exact for polynomials of degree <= 2n-1. Nodes ascending, exactly antisymmetric,
// the middle node of an odd rule exactly 0 (so one node is the interval's centre).
GaussRule gauss_legendre(int n);
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

// Piecewise Chebyshev grid: panels [a_0, a_1], [a_1, a_2], ... each with its own nodes
// (shared end points appear in both panels). Used so that a non-smooth feature in one
// panel (the kink of the current-free continuation at the domain edge) does not spoil
// the spectral accuracy of the others.
class PanelGrid {
 public:
  PanelGrid() = default;
  explicit PanelGrid(std::vector<ChebyshevGrid> panels);
  int panels() const { return static_cast<int>(panels_.size()); }
  const ChebyshevGrid& panel(int p) const { return panels_[p]; }
  int offset(int p) const { return offset_[p]; }  // index of panel p's first node
  int size() const { return offset_.back(); }
  const std::vector<double>& nodes() const { return nodes_; }  // all panels, concatenated
  int locate(double t) const;  // panel holding t (the last one beyond the edge)

 private:
  std::vector<ChebyshevGrid> panels_;
  std::vector<int> offset_;
  std::vector<double> nodes_;
};

}  // namespace fluxrope
