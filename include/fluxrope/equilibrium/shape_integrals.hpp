#pragma once
// Host side of the shape integrals (docs/model.md §6): the previous pass's field
// as a Hermite table, and the seven moments K_s^m(rho) of every population on a
// Chebyshev grid in rho, computed by a Backend and interpolated by the solver.
#include <array>
#include <vector>

#include "fluxrope/engine/backend.hpp"
#include "fluxrope/equilibrium/quadrature.hpp"
#include "fluxrope/model/distribution.hpp"
#include "fluxrope/model/params.hpp"

namespace fluxrope {

ModelView make_model_view(const ModelParams& m);

// Owner of the table behind a FieldView: B_z, B_phi and their rho-derivatives on a
// uniform grid rho_j = j h (SI).
struct FieldTable {
  std::vector<double> table;  // 4 per node: Bz, dBz/drho, Bphi, dBphi/drho
  int n = 0;
  double h = 0.0;
  FieldView view() const { return FieldView{table.data(), n, h, 1.0 / h}; }
};
FieldTable make_field_table(const std::vector<double>& Bz, const std::vector<double>& dBz,
                            const std::vector<double>& Bphi, const std::vector<double>& dBphi,
                            double h);

// Quadrature sizes of the velocity integrals.
struct ShapeQuadrature {
  int n_par = 24;   // Gauss-Hermite nodes along b_hat
  int n_perp = 24;  // Gauss-Hermite nodes per perpendicular direction
};

// The radial panels of the shape integrals on [0, rho_e]: an interior panel and an
// edge panel of width min(L_st, rho_e / 4) holding the continuation's kink (docs/model.md).
PanelGrid shape_panels(int n_nodes, double rho_e, double L_st);

class ShapeTable {
 public:
  ShapeTable() = default;
  ShapeTable(PanelGrid grid, std::vector<double> K);
  const PanelGrid& grid() const { return grid_; }
  // K_s^m at node k (all panels' nodes, concatenated).
  double node(int s, int m, int k) const {
    return K_[(s * N_SHAPE_MOMENTS + m) * grid_.size() + k];
  }
  // All 3 x 7 moments at radius rho (barycentric interpolation).
  void at(double rho, double out[N_POP][N_SHAPE_MOMENTS]) const;
  // d K_s^n / d rho at radius rho (spectral derivative, then interpolation).
  void density_derivative_at(double rho, double out[N_POP]) const;

 private:
  PanelGrid grid_;
  std::vector<double> K_;    // [(s*7+m)*n + k]
  std::vector<double> dKn_;  // [s*n + k]
};

// Throws fluxrope::Error naming the population and the radius when b_s >= |B| somewhere in
// the field (including its current-free continuation): population s is then not
// normalizable (docs/model.md §8).
void check_normalizable(const ModelParams& m, const FieldTable& f);

ShapeTable compute_shape_table(const ModelParams& m, const FieldTable& field, const PanelGrid& grid,
                               const ShapeQuadrature& q, Backend& backend);

}  // namespace fluxrope
