#include "fluxrope/equilibrium/solver.hpp"

#include <fmt/format.h>

#include <array>
#include <boost/numeric/odeint.hpp>
#include <chrono>
#include <cmath>
#include <limits>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"

namespace fluxrope {

using namespace constants;

void validate(const SolverSettings& s) {
  auto fail = [](const char* key, double v, const char* what) {
    throw Error(fmt::format("solver.{} = {:g} {}", key, v, what));
  };
  if (!(std::isfinite(s.x_max) && s.x_max > 0))
    fail("x_max", s.x_max, "must be positive (in L_st)");
  if (s.n_rho < 11) fail("n_rho", s.n_rho, "must be >= 11");
  if (s.passes < 0) fail("passes", s.passes, "must be >= 0 (0 = iterate to convergence)");
  if (!(std::isfinite(s.tol_nT) && s.tol_nT > 0)) fail("tol_nT", s.tol_nT, "must be positive");
  if (s.max_passes < 1) fail("max_passes", s.max_passes, "must be >= 1");
  if (s.n_shape < 9) fail("n_shape", s.n_shape, "must be >= 9");
  if (s.quad_par < 4 || s.quad_par > 200) fail("quad_par", s.quad_par, "must be in [4, 200]");
  if (s.quad_perp < 4 || s.quad_perp > 200) fail("quad_perp", s.quad_perp, "must be in [4, 200]");
  if (!(s.ode_rtol >= 1e-15 && s.ode_rtol <= 1e-3))
    fail("ode_rtol", s.ode_rtol, "must be in [1e-15, 1e-3]");
  if (s.n_rho > 100001) fail("n_rho", s.n_rho, "must be <= 100001");
  if (s.n_shape > 4097) fail("n_shape", s.n_shape, "must be <= 4097");
  if (s.max_passes > 1000) fail("max_passes", s.max_passes, "must be <= 1000");
  if (s.passes > 1000) fail("passes", s.passes, "must be <= 1000");
  if (!(s.x_max >= 0.5 && s.x_max <= 100)) fail("x_max", s.x_max, "must be in [0.5, 100] L_st");
  // Work of one pass's shape integrals (1.5 n_shape nodes x 3 populations x quad_par x
  // quad_perp^2 evaluations; ~1e8 a second a core): refused above SHAPE_MAX_EVALUATIONS, where
  // one pass would take minutes, before anything is allocated.
  constexpr double SHAPE_MAX_EVALUATIONS = 4e9;
  const double evals = 1.5 * s.n_shape * N_POP * static_cast<double>(s.quad_par) * s.quad_perp *
                       s.quad_perp;
  if (evals > SHAPE_MAX_EVALUATIONS)
    throw Error(fmt::format(
        "solver.n_shape = {}, quad_par = {}, quad_perp = {}: one pass's shape integrals would take "
        "{:.2g} evaluations of f (minutes a pass; the limit is {:.0e}): lower them (the defaults "
        "65, 16, 16 converge to 1e-6 nT, docs/model.md)",
        s.n_shape, s.quad_par, s.quad_perp, evals, SHAPE_MAX_EVALUATIONS));
}

namespace {

using State = std::array<double, 4>;  // (rho A_phi / (B_st L_st^2), B_z / B_st, A_z / (B_st L_st),
                                      // rho B_phi / (B_st L_st))
constexpr int MOM_N = 0, MOM_PHI = 1, MOM_Z = 2;
const char* kPopName[N_POP] = {"background (b_b)", "rotating (b_r)", "axial (b_z)"};

// Quantities at one radius, given the ODE state.
struct Local {
  double rho, Bz, Bphi, Aphi, Az, psi;
  double phi;          // e Phi / T_r
  double S[N_POP];     // spatial factors S_s (docs/model.md §3)
  double K[N_POP][3];  // K_s^n, K_s^phi, K_s^z used for this pass
  double Ne, Ni;       // [m^-3]
  double j_phi, j_z;   // [A/m^2]
};

// One pass of the field equations: Ampere for (A_phi, B_z, A_z, B_phi), quasi-neutrality
// solved for Phi at every evaluation. Moments come either in closed form (pass 0) or
// from a ShapeTable (passes >= 1).
class PassSystem {
 public:
  PassSystem(const ModelParams& m, const Scales& sc, double n_e, const ShapeTable* table)
      : m_(m), sc_(sc), n_e_(n_e), table_(table), view_(make_model_view(m)) {
    T_[POP_B] = m.T_b;
    T_[POP_R] = m.T_r;
    T_[POP_Z] = m.T_z;
    for (int s = 0; s < N_POP; ++s) q_[s] = m.T_r / T_[s];
    q_i_ = m.T_r / m.T_i;
  }

  void operator()(const State& y, State& dydx, double x) {
    const Local l = local(x, y);
    const double c = MU0 * sc_.L_st / sc_.B_st;
    dydx[0] = x * y[1];            // d(rho A_phi)/drho = rho B_z
    dydx[1] = -c * l.j_phi;        // dB_z/drho = -mu0 j_phi
    dydx[2] = -l.Bphi / sc_.B_st;  // dA_z/drho = -B_phi
    dydx[3] = c * x * l.j_z;       // d(rho B_phi)/drho = mu0 rho j_z
  }

  Local local(double x, const State& y) {
    Local l;
    const double L = sc_.L_st, B = sc_.B_st;
    l.rho = x * L;
    l.Bz = y[1] * B;
    l.Bphi = x > 0 ? y[3] / x * B : 0.0;
    l.Aphi = x > 0 ? y[0] / x * B * L : 0.0;
    l.Az = y[2] * B * L;
    const double F = y[0] * B * L * L;  // rho A_phi
    // psi = e Omega rho A_phi / T_r - m Omega^2 rho^2 / (2 T_r)   (docs/model.md §3)
    l.psi = E_CHARGE * m_.Omega * F / m_.T_r -
            M_ELECTRON * m_.Omega * m_.Omega * l.rho * l.rho / (2.0 * m_.T_r);
    const double chi[N_POP] = {0.0, l.psi, E_CHARGE * m_.V * l.Az / m_.T_z};
    moments(l.rho, l.Bz, l.K);
    double a[N_POP];
    for (int s = 0; s < N_POP; ++s) a[s] = n_e_ * l.K[s][MOM_N] * std::exp(-chi[s]);
    l.phi = solve_quasineutrality(a, l.rho);
    phi_guess_ = l.phi;
    l.Ne = 0.0;
    double flux_phi = 0.0, flux_z = 0.0;
    for (int s = 0; s < N_POP; ++s) {
      l.S[s] = std::exp(q_[s] * l.phi - chi[s]);
      l.Ne += n_e_ * l.K[s][MOM_N] * l.S[s];
      flux_phi += n_e_ * l.K[s][MOM_PHI] * l.S[s];
      flux_z += n_e_ * l.K[s][MOM_Z] * l.S[s];
    }
    l.Ni = m_.n_i * std::exp(-q_i_ * l.phi);
    l.j_phi = -E_CHARGE * flux_phi;  // j = -e n_e <v>, electrons only
    l.j_z = -E_CHARGE * flux_z;
    return l;
  }

 private:
  // K_s^{n,phi,z} at rho: from the shape table (passes >= 1) or, in pass 0, in closed
  // form with the local field (local_field_moments).
  void moments(double rho, double Bz, double K[N_POP][3]) const {
    if (table_) {
      double all[N_POP][N_SHAPE_MOMENTS];
      table_->at(rho, all);
      for (int s = 0; s < N_POP; ++s) {
        K[s][MOM_N] = all[s][K_N];
        K[s][MOM_PHI] = all[s][K_PHI];
        K[s][MOM_Z] = all[s][K_Z];
      }
      return;
    }
    for (int s = 0; s < N_POP; ++s) {
      double all[N_SHAPE_MOMENTS];
      if (!local_field_moments(view_, s, rho, Bz, all)) {
        const PopulationView& p = view_.pop[s];
        throw Error(fmt::format(
            "the {} electron population is not normalizable: b_s = {:.6g} nT >= B_z = {:.6g} nT at "
            "rho = {:.6g} km (x = {:.4g}; xi_s = 1 - b_s/B_z <= 0, docs/model.md §6)",
            kPopName[s], p.b / NT_TO_SI, Bz / NT_TO_SI, rho / KM_TO_SI, rho / sc_.L_st));
      }
      K[s][MOM_N] = all[K_N];
      K[s][MOM_PHI] = all[K_PHI];
      K[s][MOM_Z] = all[K_Z];
    }
  }

  // Quasi-neutrality n_i exp(-e Phi / T_i) = sum_s a_s exp(e Phi / T_s) for phi = e Phi / T_r,
  // by Newton on log(N_e) + q_i phi - log(n_i), warm-started at the last solution.
  double solve_quasineutrality(const double a[N_POP], double rho) {
    double phi = phi_guess_;
    const double log_ni = std::log(m_.n_i);
    int converged_steps = 0;
    for (int it = 0; it < 100; ++it) {
      double Ne = 0.0, dNe = 0.0;
      for (int s = 0; s < N_POP; ++s) {
        const double e = a[s] * std::exp(q_[s] * phi);
        Ne += e;
        dNe += q_[s] * e;
      }
      if (!(Ne > 0.0)) {
        throw Error(
            fmt::format("quasi-neutrality has no solution at rho = {:.6g} km (x = {:.4g}): the "
                        "electron density "
                        "is not positive (the negative rotating population dominates)",
                        rho / KM_TO_SI, rho / sc_.L_st));
      }
      const double g = std::log(Ne) + q_i_ * phi - log_ni;
      const double dg = dNe / Ne + q_i_;
      const double step = g / dg;
      phi -= step;
      // Quadratic convergence: once a step is below 1e-9 the next is at round-off.
      if (std::fabs(step) <= 1e-9 * (1.0 + std::fabs(phi))) converged_steps++;
      if (converged_steps == 2) return phi;
    }
    throw Error(fmt::format(
        "quasi-neutrality: Newton iteration for Phi did not converge at rho = {:.6g} km",
        rho / KM_TO_SI));
  }

  ModelParams m_;
  Scales sc_;
  double n_e_;
  const ShapeTable* table_;
  ModelView view_;
  double T_[N_POP], q_[N_POP], q_i_;
  double phi_guess_ = 0.0;
};

// Integrates one pass from the axis to the edge, with the state observed on the grid.
// Guarded so that no parameter set can hang it: near a non-normalizable population
// (B_z -> b_s, xi_s -> 0) or a runaway current the equations stiffen without bound and the
// adaptive step collapses; that is reported with the radius, the step and the parameters.
std::vector<State> integrate_pass(PassSystem& sys, const std::vector<double>& x, double B0_over_Bst,
                                  double rtol, int pass, const ModelParams& model,
                                  const Scales& sc) {
  namespace odeint = boost::numeric::odeint;
  State y = {0.0, B0_over_Bst, 0.0, 0.0};  // axis: A_phi = 0, B_z = B_0, A_z = 0, B_phi = 0
  std::vector<State> out;
  out.reserve(x.size());
  const double x_end = x.back();
  // A converged solve takes a few hundred steps; a step below 1e-9 of the domain, or
  // PASS_MAX_STEPS steps, means the solution is running into a singularity.
  constexpr long PASS_MAX_STEPS = 200000;
  const double min_step = 1e-9 * x_end;
  auto stepper = odeint::make_dense_output(rtol, rtol, odeint::runge_kutta_dopri5<State>());
  auto collapse = [&](const std::string& why) {
    const double xc = stepper.current_time();
    const State& yc = stepper.current_state();
    const PhysicalParams p = to_physical(model);
    double xi_min = 1.0;
    const char* worst = kPopName[0];
    const double bs[N_POP] = {model.b_b, model.b_r, model.b_z};
    for (int s = 0; s < N_POP; ++s) {
      const double xi = 1.0 - bs[s] / (yc[1] * sc.B_st);
      if (xi < xi_min) {
        xi_min = xi;
        worst = kPopName[s];
      }
    }
    const std::string diagnosis =
        xi_min < 1e-3 ? fmt::format("B_z falls onto b_s of the {} population there (xi_s = 1 - "
                                    "b_s/B_z = {:.3g}: not normalizable beyond, docs/model.md §6)",
                                    worst, xi_min)
                      : fmt::format("B_z = {:.6g} nT there", yc[1] * sc.B_st / NT_TO_SI);
    return Error(fmt::format(
        "the equilibrium has no solution out to x_max = {:g} L_st: in pass {} the field equations "
        "stiffen without bound at rho = {:.6g} km (x = {:.5g}), {}; {}; parameters alpha_r = {:g}, "
        "alpha_z = {:g}, B0_nT = {:g}, b_b_nT = {:.6g}, b_r_nT = {:.6g}, b_z_nT = {:.6g}, "
        "V_km_s = {:.6g}, Omega_per_s = {:.6g} (a smaller solver.x_max or other [model] values)",
        x_end, pass, xc * sc.L_st / KM_TO_SI, xc, why, diagnosis, p.alpha_r, p.alpha_z, p.B0_nT, p.b_b_nT, p.b_r_nT, p.b_z_nT, p.V_km_s, p.Omega_per_s));
  };
  stepper.initialize(y, x.front(), 1e-3);
  out.push_back(y);
  size_t next = 1;
  long steps = 0;
  while (next < x.size()) {
    try {
      // the last step ends on the edge (as odeint's integrate_times): f is never evaluated
      // beyond the solved domain
      if (stepper.current_time() + stepper.current_time_step() > x_end)
        stepper.initialize(stepper.current_state(), stepper.current_time(),
                           x_end - stepper.current_time());
      stepper.do_step(std::ref(sys));
    } catch (const odeint::step_adjustment_error& e) {
      throw collapse(fmt::format("the step could not be adjusted ({})", e.what()));
    }
    ++steps;
    const State& yc = stepper.current_state();
    for (double v : yc)
      if (!std::isfinite(v)) throw collapse("the state became non-finite");
    const double reached = stepper.current_time() + 1e-13 * x_end;  // the edge within round-off
    while (next < x.size() && x[next] <= reached) {
      State s;
      stepper.calc_state(x[next], s);
      out.push_back(s);
      ++next;
    }
    if (next == x.size()) break;
    if (stepper.current_time_step() < min_step)
      throw collapse(fmt::format("the adaptive step fell to {:.3g} L_st after {} steps",
                                 stepper.current_time_step(), steps));
    if (steps >= PASS_MAX_STEPS)
      throw collapse(fmt::format("{} steps did not reach the edge", steps));
  }
  return out;
}

struct PassFields {
  std::vector<double> Bz, dBz, Bphi, dBphi;
};

PassFields fields_of(PassSystem& sys, const std::vector<double>& x, const std::vector<State>& ys) {
  PassFields f;
  const size_t n = x.size();
  f.Bz.resize(n);
  f.dBz.resize(n);
  f.Bphi.resize(n);
  f.dBphi.resize(n);
  for (size_t j = 0; j < n; ++j) {
    const Local l = sys.local(x[j], ys[j]);
    f.Bz[j] = l.Bz;
    f.Bphi[j] = l.Bphi;
    f.dBz[j] = -MU0 * l.j_phi;
    // d B_phi / d rho = mu0 j_z - B_phi / rho; on the axis B_phi ~ mu0 j_z rho / 2.
    f.dBphi[j] = l.rho > 0 ? MU0 * l.j_z - l.Bphi / l.rho : 0.5 * MU0 * l.j_z;
  }
  return f;
}

double max_dB_nT(const PassFields& a, const PassFields& b) {
  double m = 0.0;
  for (size_t j = 0; j < a.Bz.size(); ++j) {
    m = std::max(m, std::hypot(a.Bz[j] - b.Bz[j], a.Bphi[j] - b.Bphi[j]));
  }
  return m / NT_TO_SI;
}

double axis_normalization(const ModelParams& m, const ShapeTable& t) {
  // N_e(0) = n_e sum_s K_s^n(0) (S_s(0) = 1 on the axis) must equal n_i.
  double sum = 0.0;
  for (int s = 0; s < N_POP; ++s) sum += t.node(s, K_N, 0);
  if (!(sum > 0.0))
    throw Error("the electron density on the axis is not positive: cannot normalize n_e");
  return m.n_i / sum;
}

// Moments of the final distribution (mu from the final fields; table_final) with the
// spatial factors of the last pass's solution.
RadialProfile build_profile(const ModelParams& m, const Scales& sc, const std::vector<double>& x,
                            const std::vector<State>& ys, PassSystem& last_sys,
                            const ShapeTable& last_table, const ShapeTable& table_final,
                            double n_e_last, double n_e_final) {
  RadialProfile p;
  p.model = m;
  p.scales = sc;
  p.n_e = n_e_final;
  const size_t n = x.size();
  for (auto* v : {&p.rho,  &p.Bz,   &p.Bphi,   &p.Aphi, &p.Az,    &p.psi,   &p.Phi,   &p.Er,
                  &p.ne,   &p.ni,   &p.Ve_phi, &p.Ve_z, &p.j_phi, &p.j_z,   &p.P_rr,  &p.P_pp,
                  &p.P_zz, &p.P_pz, &p.T_rr,   &p.T_pp, &p.T_zz,  &p.T_par, &p.T_perp}) {
    v->resize(n);
  }
  for (auto& v : p.ne_pop) v.resize(n);
  p.x = x;
  const double T_s[N_POP] = {m.T_b, m.T_r, m.T_z};
  for (size_t j = 0; j < n; ++j) {
    const Local l = last_sys.local(x[j], ys[j]);
    p.rho[j] = l.rho;
    p.Bz[j] = l.Bz;
    p.Bphi[j] = l.Bphi;
    p.Aphi[j] = l.Aphi;
    p.Az[j] = l.Az;
    p.psi[j] = l.psi;
    p.Phi[j] = l.phi * m.T_r / E_CHARGE;
    p.ni[j] = l.Ni;

    // E_rho = -dPhi/drho by differentiating quasi-neutrality N_i(Phi) = n_e sum K_s S_s:
    //   Phi' = n_e sum (K_s' - K_s chi_s') S_s / (-(e/T_i) N_i - n_e sum K_s S_s e/T_s),
    // chi_r' = psi' = e Omega rho B_z / T_r - m Omega^2 rho / T_r, chi_z' = -e V B_phi / T_z.
    double dK[N_POP];
    last_table.density_derivative_at(l.rho, dK);
    const double dchi[N_POP] = {
        0.0, (E_CHARGE * m.Omega * l.rho * l.Bz - M_ELECTRON * m.Omega * m.Omega * l.rho) / m.T_r,
        -E_CHARGE * m.V * l.Bphi / m.T_z};
    double num = 0.0, den = -(E_CHARGE / m.T_i) * l.Ni;
    for (int s = 0; s < N_POP; ++s) {
      num += n_e_last * (dK[s] - l.K[s][MOM_N] * dchi[s]) * l.S[s];
      den -= n_e_last * l.K[s][MOM_N] * l.S[s] * E_CHARGE / T_s[s];
    }
    p.Er[j] = -num / den;

    double K[N_POP][N_SHAPE_MOMENTS];
    table_final.at(l.rho, K);
    double M[N_SHAPE_MOMENTS] = {0, 0, 0, 0, 0, 0, 0};
    for (int s = 0; s < N_POP; ++s) {
      p.ne_pop[s][j] = n_e_final * K[s][K_N] * l.S[s];
      for (int mm = 0; mm < N_SHAPE_MOMENTS; ++mm) M[mm] += n_e_final * K[s][mm] * l.S[s];
    }
    const double ne = M[K_N];
    const double Vp = M[K_PHI] / ne, Vz = M[K_Z] / ne;
    p.ne[j] = ne;
    p.Ve_phi[j] = Vp;
    p.Ve_z[j] = Vz;
    p.j_phi[j] = -E_CHARGE * M[K_PHI];
    p.j_z[j] = -E_CHARGE * M[K_Z];
    // Central second moments P_ij = m (int v_i v_j f - n V_i V_j) (V_rho = 0).
    p.P_rr[j] = M_ELECTRON * M[K_RR];
    p.P_pp[j] = M_ELECTRON * (M[K_PP] - ne * Vp * Vp);
    p.P_zz[j] = M_ELECTRON * (M[K_ZZ] - ne * Vz * Vz);
    p.P_pz[j] = M_ELECTRON * (M[K_PZ] - ne * Vp * Vz);
    p.T_rr[j] = p.P_rr[j] / ne;
    p.T_pp[j] = p.P_pp[j] / ne;
    p.T_zz[j] = p.P_zz[j] / ne;
    // T_par = b.P.b / n and T_perp = (tr P / n - T_par) / 2 in the local field direction.
    const double B = std::hypot(l.Bz, l.Bphi), bp = l.Bphi / B, bz = l.Bz / B;
    p.T_par[j] = (bp * bp * p.P_pp[j] + 2.0 * bp * bz * p.P_pz[j] + bz * bz * p.P_zz[j]) / ne;
    p.T_perp[j] = 0.5 * ((p.P_rr[j] + p.P_pp[j] + p.P_zz[j]) / ne - p.T_par[j]);
  }
  return p;
}

}  // namespace

SolveResult solve_equilibrium(const ModelParams& model, const SolverSettings& settings,
                              Backend& backend, const PassCallback& on_pass) {
  validate(model);
  validate(settings);
  using clock = std::chrono::steady_clock;
  const Scales sc = scales_of(model);
  const int n = settings.n_rho;
  std::vector<double> x(n);
  for (int j = 0; j < n; ++j) x[j] = settings.x_max * j / (n - 1);
  const double h = settings.x_max * sc.L_st / (n - 1);
  const double rho_e = settings.x_max * sc.L_st;
  const PanelGrid cheb = shape_panels(settings.n_shape, rho_e, sc.L_st);
  const ShapeQuadrature quad{settings.quad_par, settings.quad_perp};

  SolveResult result;
  auto record = [&](int pass, double dB, double n_e, double secs, const PassFields& f) {
    PassRecord r;
    r.pass = pass;
    r.max_dB_nT = dB;
    r.n_e = n_e;
    r.seconds = secs;
    r.Bz = f.Bz;
    r.Bphi = f.Bphi;
    r.dBz = f.dBz;
    r.dBphi = f.dBphi;
    r.h = h;
    result.history.push_back(r);
    if (on_pass) on_pass(result.history.back());
  };

  // Pass 0: closed-form moments with the local field.
  auto t0 = clock::now();
  PassSystem sys0(model, sc, model.n_i, nullptr);
  std::vector<State> ys =
      integrate_pass(sys0, x, model.B0 / sc.B_st, settings.ode_rtol, 0, model, sc);
  PassFields fields = fields_of(sys0, x, ys);
  record(0, std::numeric_limits<double>::quiet_NaN(), model.n_i,
         std::chrono::duration<double>(clock::now() - t0).count(), fields);

  const int limit = settings.passes > 0 ? settings.passes : settings.max_passes;
  ShapeTable table;
  double dB = std::numeric_limits<double>::infinity();
  for (int k = 1; k <= limit; ++k) {
    t0 = clock::now();
    table = compute_shape_table(model, result.history.back().field_table(), cheb, quad, backend);
    const double n_e = axis_normalization(model, table);
    PassSystem sys(model, sc, n_e, &table);
    ys = integrate_pass(sys, x, model.B0 / sc.B_st, settings.ode_rtol, k, model, sc);
    PassFields next = fields_of(sys, x, ys);
    dB = max_dB_nT(next, fields);
    fields = std::move(next);
    record(k, dB, n_e, std::chrono::duration<double>(clock::now() - t0).count(), fields);
    if (settings.passes == 0 && dB < settings.tol_nT) break;
  }
  result.converged = dB < settings.tol_nT;

  // Final moments: the distribution with mu from the final fields, n_e re-normalized.
  const ShapeTable table_final =
      compute_shape_table(model, result.history.back().field_table(), cheb, quad, backend);
  const double n_e_final = axis_normalization(model, table_final);
  PassSystem last(model, sc, result.history.back().n_e, &table);
  result.profile = build_profile(model, sc, x, ys, last, table, table_final,
                                 result.history.back().n_e, n_e_final);
  return result;
}

ProfileTables make_profile_tables(const SolveResult& r) {
  const RadialProfile& p = r.profile;
  const ModelParams& m = p.model;
  ProfileTables t;
  t.model = m;
  t.field = r.history.back().field_table();
  t.n_e = p.n_e;
  const size_t n = p.size();
  t.pot.resize(6 * n);
  for (size_t j = 0; j < n; ++j) {
    double* e = t.pot.data() + 6 * j;
    e[0] = p.Phi[j];
    e[1] = -p.Er[j];
    e[2] = p.psi[j];
    // dpsi/drho = e Omega rho B_z / T_r - m Omega^2 rho / T_r  (d(rho A_phi)/drho = rho B_z)
    e[3] = (E_CHARGE * m.Omega * p.rho[j] * p.Bz[j] - M_ELECTRON * m.Omega * m.Omega * p.rho[j]) /
           m.T_r;
    e[4] = p.Az[j];
    e[5] = -p.Bphi[j];
  }
  const double re = p.rho.back();
  t.psi_edge_coeff =
      E_CHARGE * m.Omega / (2.0 * m.T_r) * (p.Bz.back() - M_ELECTRON * m.Omega / E_CHARGE);
  t.Az_edge_coeff = -re * p.Bphi.back();
  return t;
}

ProfileView ProfileTables::view() const {
  ProfileView v;
  v.model = make_model_view(model);
  v.field = field.view();
  v.pot = PotentialView{pot.data(), field.n, field.h, psi_edge_coeff, Az_edge_coeff};
  v.n_e = n_e;
  v.n_i = model.n_i;
  v.T_i = model.T_i;
  return v;
}

}  // namespace fluxrope
