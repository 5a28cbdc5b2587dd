#include "fluxrope/equilibrium/validity.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "fluxrope/core/constants.hpp"

namespace fluxrope {

NegativityReport scan_negative_f(const ProfileTables& t, const RadialProfile& p) {
  using namespace constants;
  const ProfileView pv = t.view();
  NegativityReport r;
  r.e_min_J = 1.0 * EV_TO_SI;
  r.e_max_J = 30e3 * EV_TO_SI;
  const int n_energy = 48;
  std::vector<Vec3> dirs;
  for (int a = -1; a <= 1; ++a)
    for (int b = -1; b <= 1; ++b)
      for (int c = -1; c <= 1; ++c)
        if (a || b || c) {
          const double n = std::sqrt(static_cast<double>(a * a + b * b + c * c));
          dirs.push_back({a / n, b / n, c / n});
        }
  std::vector<size_t> radii;
  for (size_t j = 0; j < p.size(); j += 8) radii.push_back(j);
  r.f_min = INFINITY;
  for (size_t j : radii) {
    const Vec3 pos{p.rho[j], 0.0, 0.0};  // local basis = Cartesian at (rho, 0, 0)
    const LocalPoint l = local_point(pv, pos);
    for (int i = 0; i < n_energy; ++i) {
      const double E = r.e_min_J * std::pow(r.e_max_J / r.e_min_J, i / (n_energy - 1.0));
      const double v = std::sqrt(2.0 * E / M_ELECTRON);
      for (const Vec3& d : dirs) {
        const double f = electron_f_at(pv, l, v * d);
        ++r.n_scanned;
        if (f < 0.0) ++r.n_negative;
        r.f_max = std::max(r.f_max, f);
        if (f < r.f_min) {
          r.f_min = f;
          r.rho_at_min = p.rho[j];
          r.energy_at_min = E;
          r.dir_at_min = d;
        }
      }
    }
  }
  return r;
}

}  // namespace fluxrope
