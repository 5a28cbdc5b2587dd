#include "fluxrope/equilibrium/shape_integrals.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"

namespace fluxrope {

using namespace constants;

ModelView make_model_view(const ModelParams& m) {
  ModelView v;
  const double w[N_POP] = {1.0 + m.alpha_r - m.alpha_z, -m.alpha_r, m.alpha_z};
  const double T[N_POP] = {m.T_b, m.T_r, m.T_z};
  const double b[N_POP] = {m.b_b, m.b_r, m.b_z};
  for (int s = 0; s < N_POP; ++s) {
    v.pop[s].weight = w[s];
    v.pop[s].T = T[s];
    v.pop[s].b = b[s];
    v.pop[s].C = 1.0 - b[s] / m.B0;  // amplitude C_s = 1 - b_s / B_0
  }
  v.Omega = m.Omega;
  v.V = m.V;
  return v;
}

FieldTable make_field_table(const std::vector<double>& Bz, const std::vector<double>& dBz,
                            const std::vector<double>& Bphi, const std::vector<double>& dBphi,
                            double h) {
  FieldTable f;
  f.n = static_cast<int>(Bz.size());
  f.h = h;
  f.table.resize(4 * Bz.size());
  for (size_t j = 0; j < Bz.size(); ++j) {
    f.table[4 * j + 0] = Bz[j];
    f.table[4 * j + 1] = dBz[j];
    f.table[4 * j + 2] = Bphi[j];
    f.table[4 * j + 3] = dBphi[j];
  }
  return f;
}

PanelGrid shape_panels(int n_nodes, double rho_e, double L_st) {
  const double edge = std::min(L_st, 0.25 * rho_e);
  return PanelGrid({ChebyshevGrid(n_nodes, 0.0, rho_e - edge),
                    ChebyshevGrid((n_nodes + 1) / 2, rho_e - edge, rho_e)});
}

ShapeTable::ShapeTable(PanelGrid grid, std::vector<double> K)
    : grid_(std::move(grid)), K_(std::move(K)) {
  const int n = grid_.size();
  dKn_.resize(N_POP * n);
  for (int s = 0; s < N_POP; ++s) {
    for (int p = 0; p < grid_.panels(); ++p) {
      const int o = grid_.offset(p), np = grid_.panel(p).size();
      const double* k = K_.data() + (s * N_SHAPE_MOMENTS + K_N) * n + o;
      const std::vector<double> d = grid_.panel(p).derivative(std::vector<double>(k, k + np));
      std::copy(d.begin(), d.end(), dKn_.begin() + s * n + o);
    }
  }
}

void ShapeTable::at(double rho, double out[N_POP][N_SHAPE_MOMENTS]) const {
  const int n = grid_.size(), p = grid_.locate(rho), o = grid_.offset(p),
            np = grid_.panel(p).size();
  thread_local std::vector<double> c;
  c.resize(np);
  grid_.panel(p).weights_at(rho, c.data());
  for (int s = 0; s < N_POP; ++s) {
    for (int m = 0; m < N_SHAPE_MOMENTS; ++m) {
      const double* k = K_.data() + (s * N_SHAPE_MOMENTS + m) * n + o;
      double acc = 0.0;
      for (int i = 0; i < np; ++i) acc += c[i] * k[i];
      out[s][m] = acc;
    }
  }
}

void ShapeTable::density_derivative_at(double rho, double out[N_POP]) const {
  const int n = grid_.size(), p = grid_.locate(rho), o = grid_.offset(p),
            np = grid_.panel(p).size();
  std::vector<double> c(np);
  grid_.panel(p).weights_at(rho, c.data());
  for (int s = 0; s < N_POP; ++s) {
    double acc = 0.0;
    for (int i = 0; i < np; ++i) acc += c[i] * dKn_[s * n + o + i];
    out[s] = acc;
  }
}

void check_normalizable(const ModelParams& m, const FieldTable& f) {
  static const char* names[N_POP] = {"background (b_b)", "rotating (b_r)", "axial (b_z)"};
  const double b[N_POP] = {m.b_b, m.b_r, m.b_z};
  for (int s = 0; s < N_POP; ++s) {
    if (b[s] <= 0.0) continue;
    for (int j = 0; j < f.n; ++j) {
      const double Bz = f.table[4 * j], Bphi = f.table[4 * j + 2];
      const double B = std::sqrt(Bz * Bz + Bphi * Bphi);
      // Beyond the edge |B| -> B_z(rho_e): covered by the last node's B_z.
      const double Bmin = (j == f.n - 1) ? std::min(B, std::fabs(Bz)) : B;
      if (!(b[s] < Bmin)) {
        throw Error(fmt::format(
            "the {} electron population is not normalizable: b_s = {:.6g} nT >= |B| = {:.6g} nT "
            "at rho = {:.6g} km (xi_s = 1 - b_s/|B| <= 0, docs/model.md §6)",
            names[s], b[s] / NT_TO_SI, Bmin / NT_TO_SI, j * f.h / KM_TO_SI));
      }
    }
  }
}

ShapeTable compute_shape_table(const ModelParams& m, const FieldTable& field, const PanelGrid& grid,
                               const ShapeQuadrature& q, Backend& backend) {
  check_normalizable(m, field);
  const GaussRule par = gauss_hermite(q.n_par);
  const GaussRule perp = gauss_hermite(q.n_perp);
  const GaussRule half = even_half(perp);
  ShapeProblem p;
  p.model = make_model_view(m);
  p.field = field.view();
  p.rho = grid.nodes().data();
  p.n_rho = grid.size();
  p.x_par = par.x.data();
  p.w_par = par.w.data();
  p.n_par = q.n_par;
  p.x_half = half.x.data();
  p.w_half = half.w.data();
  p.n_half = static_cast<int>(half.x.size());
  p.x_perp = perp.x.data();
  p.w_perp = perp.w.data();
  p.n_perp = q.n_perp;

  std::vector<double> partial;
  backend.shape_partials(p, partial);

  // Sum the n_par partial sums of each (rho node, population) in a fixed order.
  const int n = grid.size();
  std::vector<double> K(static_cast<size_t>(N_POP) * N_SHAPE_MOMENTS * n, 0.0);
  for (int i = 0; i < n; ++i) {
    for (int s = 0; s < N_POP; ++s) {
      for (int j = 0; j < q.n_par; ++j) {
        const double* src =
            partial.data() + ((static_cast<long>(i) * N_POP + s) * q.n_par + j) * N_SHAPE_MOMENTS;
        for (int mm = 0; mm < N_SHAPE_MOMENTS; ++mm)
          K[(s * N_SHAPE_MOMENTS + mm) * n + i] += src[mm];
      }
    }
  }
  return ShapeTable(grid, std::move(K));
}

}  // namespace fluxrope
