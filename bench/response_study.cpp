// Convergence study of the integrated bin response (issue 8, docs/instrument.md): for the
// default event (MMS1 at 4 samples across the rope), each node setting against the setting with
// 4x the nodes in every dimension. Errors are judged where the instrument can see them:
//   rel  = max |f - f_4x| / f_4x over bins with at least one expected count,
//   abs  = max |f - f_4x| / A over all bins (A = the bin's one-count level),
//   and rel over the bins with at least 1e-3 expected counts.
// Usage: fluxrope_response_study [nodes_energy nodes_phi nodes_theta nodes_time]...
// (no arguments: the table in docs/instrument.md).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "fluxrope/engine/backend.hpp"
#include "fluxrope/instrument/products.hpp"
#include "fluxrope/io/config.hpp"

using namespace fluxrope;

namespace {
struct Nodes {
  int e, p, t, time;
};

std::vector<double> skymaps(Backend& b, const ProfileTables& t, const RunConfig& cfg,
                            const std::vector<ResponseSample>& s, const std::vector<Vec3>& r0,
                            Nodes n) {
  ResponseSettings rs = cfg.instrument.response;
  rs.nodes_energy = n.e;
  rs.nodes_phi = n.p;
  rs.nodes_theta = n.t;
  rs.nodes_time = n.time;
  const ResponseTables tables = make_response_tables(rs, cfg.geometry.cadence_s);
  std::vector<double> out;
  synth_response(b, t, tables, s, r0, out);
  return out;
}
}  // namespace

int main(int argc, char** argv) {
  ConfigSources src;
  const RunConfig cfg = load_config(src);
  auto cpu = make_cpu_backend();
  const SolveResult r = solve_equilibrium(cfg.model, cfg.solver, *cpu);
  const ProfileTables t = make_profile_tables(r);
  const GeometrySettings& g = cfg.geometry;
  const RopeFrame frame = make_rope_frame(g.L_gse, g.M_gse, g.N_gse);
  const Track track = make_tracks(g, frame)[0];
  std::vector<ResponseSample> samples;
  std::vector<Vec3> r0;
  const Mat3 dbcs_to_rope = frame.gse_to_rope * cfg.instrument.dbcs_to_gse;
  for (size_t k : {size_t{0}, size_t{12}, size_t{16}, size_t{20}}) {  // outside, edge, near axis
    samples.push_back({track.U_rope_m_s, dbcs_to_rope, track.parity[k]});
    r0.push_back(track.r_rope_m[k]);
  }
  std::vector<Nodes> settings;
  for (int a = 1; a + 3 < argc; a += 4)
    settings.push_back({std::atoi(argv[a]), std::atoi(argv[a + 1]), std::atoi(argv[a + 2]),
                        std::atoi(argv[a + 3])});
  if (settings.empty())
    settings = {{1, 1, 1, 1}, {2, 1, 1, 1}, {2, 2, 2, 1}, {3, 2, 2, 1},
                {3, 2, 3, 1}, {3, 3, 3, 1}, {4, 2, 2, 1}, {3, 2, 2, 2}};
  fmt::print("{:>6} {:>4} {:>6} {:>5} {:>6} {:>12} {:>12} {:>14}\n", "energy", "phi", "theta",
             "time", "nodes", "rel (N>=1)", "abs / A", "rel (N>=1e-3)");
  for (const Nodes n : settings) {
    const std::vector<double> a = skymaps(*cpu, t, cfg, samples, r0, n);
    const std::vector<double> b =
        skymaps(*cpu, t, cfg, samples, r0, {4 * n.e, 4 * n.p, 4 * n.t, 4 * n.time});
    double rel = 0.0, abs_counts = 0.0, rel_low = 0.0;
    for (size_t m = 0; m < a.size(); ++m) {
      const int parity = samples[m / FPI_N_BINS].parity;
      const int i = static_cast<int>(m % FPI_N_ENERGY);
      const double A = one_count_level_s3_cm6(fpi_energy_table(parity)[i],
                                              cfg.instrument.counts.g_dt(i));
      const double d = std::fabs(a[m] - b[m]);
      abs_counts = std::max(abs_counts, d / A);
      if (b[m] >= A) rel = std::max(rel, d / b[m]);
      if (b[m] >= 1e-3 * A) rel_low = std::max(rel_low, d / b[m]);
    }
    fmt::print("{:>6} {:>4} {:>6} {:>5} {:>6} {:>12.2e} {:>12.2e} {:>14.2e}\n", n.e, n.p, n.t,
               n.time, n.e * n.p * n.t * n.time, rel, abs_counts, rel_low);
  }
  return 0;
}
