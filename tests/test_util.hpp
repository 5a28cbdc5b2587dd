#pragma once
// Shared helpers: solved profiles are cached per (preset, overrides) so the suite
// solves each configuration once.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "fluxrope/engine/backend.hpp"
#include "fluxrope/equilibrium/solver.hpp"
#include "fluxrope/io/config.hpp"

namespace fluxrope::test {

// A fresh directory of the test's own under the system's temporary directory (mkdtemp: never a
// fixed name), removed with everything in it when the object goes.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "fluxrope_test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline RunConfig config_of(const std::string& preset, const std::vector<std::string>& sets = {}) {
  ConfigSources src;
  src.preset = preset;
  src.sets = sets;
  return load_config(src);
}

inline const SolveResult& solved(const std::string& preset,
                                 const std::vector<std::string>& sets = {}) {
  static std::map<std::string, SolveResult> cache;
  std::string key = preset;
  for (const auto& s : sets) key += "|" + s;
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  const RunConfig cfg = config_of(preset, sets);
  auto cpu = make_cpu_backend();
  return cache.emplace(key, solve_equilibrium(cfg.model, cfg.solver, *cpu)).first->second;
}

inline double max_abs(const std::vector<double>& v) {
  double m = 0.0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

inline double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0.0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// Fourth-order first derivative on a uniform grid: central inside, one-sided
// fourth-order stencils at the two points nearest each end.
inline std::vector<double> derivative(const std::vector<double>& f, double h) {
  const size_t n = f.size();
  std::vector<double> d(n);
  for (size_t i = 2; i + 2 < n; ++i)
    d[i] = (f[i - 2] - 8 * f[i - 1] + 8 * f[i + 1] - f[i + 2]) / (12 * h);
  auto fwd0 = [&](size_t i, double s) {  // f'(x_i), stencil going in direction s
    auto g = [&](int k) { return f[static_cast<size_t>(static_cast<long>(i) + s * k)]; };
    return s * (-25 * g(0) + 48 * g(1) - 36 * g(2) + 16 * g(3) - 3 * g(4)) / (12 * h);
  };
  auto fwd1 = [&](size_t i, double s) {  // f'(x_i) with one point behind
    auto g = [&](int k) { return f[static_cast<size_t>(static_cast<long>(i) + s * k)]; };
    return s * (-3 * g(-1) - 10 * g(0) + 18 * g(1) - 6 * g(2) + g(3)) / (12 * h);
  };
  d[0] = fwd0(0, 1);
  d[1] = fwd1(1, 1);
  d[n - 1] = fwd0(n - 1, -1);
  d[n - 2] = fwd1(n - 2, -1);
  return d;
}

}  // namespace fluxrope::test
