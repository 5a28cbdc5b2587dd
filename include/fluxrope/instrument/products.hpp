#pragma once
// Per-spacecraft products along the tracks (issues 3 and 8): skymaps as the instrument records
// them (response-averaged f, expected and Poisson counts, dist and disterr as an L2 file holds
// them, DEF), instrument-style and dense gyro-averaged PADs, the model field and moments, and
// the moments the FPI ground system would compute from the skymaps. Computed in batches of
// samples that may span several spacecraft (one backend launch a batch) and handed to a sink
// batch by batch, so a long interval runs in bounded memory.
#include <cstdint>
#include <functional>
#include <vector>

#include "fluxrope/engine/backend.hpp"
#include "fluxrope/equilibrium/solver.hpp"
#include "fluxrope/geometry/geometry.hpp"
#include "fluxrope/instrument/skymap.hpp"

namespace fluxrope {

// Moments along a track (n samples): FPI-style from a skymap, or the model's.
struct MomentSeries {
  std::vector<double> n_m3;         // (n)
  std::vector<double> V_dbcs_m_s;   // (n, 3): spacecraft frame, instrument axes
  std::vector<double> V_gse_m_s;    // (n, 3): spacecraft frame, GSE axes
  std::vector<double> P_gse_Pa;     // (n, 3, 3)
  std::vector<double> T_par_J, T_perp_J;  // (n): against the model field
  std::vector<double> q_gse_W_m2;   // (n, 3)
  // counting statistics of n, V (GSE; per-component variances rotated, covariances dropped),
  // T_par, T_perp from var f = A f of each bin (reduction_kernel.hpp)
  std::vector<double> sigma_n_m3, sigma_V_gse_m_s, sigma_T_par_J, sigma_T_perp_J;
  // per tensor component in GSE (9 a sample), var_ab = sum_ij R_ai^2 R_bj^2 var_ij of the
  // skymap axes' (component correlations not kept, as for V)
  std::vector<double> sigma_P_gse_Pa, sigma_T_gse_J;
};

// Rows [row0, row0 + n) of one track.
struct TrackProducts {
  size_t n = 0;                         // samples
  std::vector<double> rho_m;            // (n)
  std::vector<double> B_gse_T;          // (n, 3)
  std::vector<double> B_lmn_T;          // (n, 3): projections on the user's L, M, N
  std::vector<double> energy_eV;        // (n, 32): the sample's parity table
  // Skymaps (n, phi 32, theta 16, energy 32):
  std::vector<double> dist_model_s3_cm6;  // noise-free response-averaged f (may be negative)
  std::vector<double> counts_expected;    // N = max(f, 0) / A
  std::vector<int32_t> counts;            // Poisson draws of N (= round(N) never; noise off: 0)
  std::vector<double> dist_s3_cm6;        // A counts (noise on) or the model f (noise off)
  std::vector<double> disterr_s3_cm6;     // A sqrt(counts), or A sqrt(N) with noise off
  std::vector<double> def;                // from dist, keV/(cm^2 s sr keV); negative f -> 0
  std::vector<double> pad_s3_cm6;       // (n, energy 32, P) from dist
  std::vector<double> pad_gyro_s3_cm6;  // (n, E, Q): dense gyro-averaged PAD (docs/model.md s. 10)
  std::vector<double> f_min_s3_cm6;     // (n): of the model f
  std::vector<double> n_negative_bins;  // (n): bins with model f < 0 (zero counts, zero DEF)
  size_t n_beyond_edge = 0;             // samples with rho > rho_e (field continued current-free)
  // Model moments along the track (from the solved profile at the sample's radius):
  std::vector<double> ne_m3;                // (n)
  std::vector<double> Ve_gse_m_s;           // (n, 3): electron bulk velocity, spacecraft frame
  std::vector<double> Ve_minus_Vi_lmn_m_s;  // (n, 3): rope-frame electron velocity (ions at rest)
  std::vector<double> T_par_J, T_perp_J;    // (n)
  std::vector<double> j_lmn_A_m2;           // (n, 3)
  // FPI ground-system moments of dist (with noise) and of the noise-free model skymap:
  MomentSeries fpi, fpi_model;
};

// A profile quantity at radius rho: 4-point Lagrange interpolation on the uniform output
// grid (error O(h^4)); beyond the edge, the edge value.
double profile_at(const std::vector<double>& f, double h, double rho);

// The model field and moments along a track, without skymaps (what a fit compares with
// observations): B in GSE [T], n_e [m^-3], T_par, T_perp [J] at every sample.
struct ModelSeries {
  std::vector<Vec3> B_gse_T;
  std::vector<double> ne_m3, T_par_J, T_perp_J;
  std::vector<Vec3> Ve_gse_m_s;  // electron bulk velocity, spacecraft frame
  // The electric field the spacecraft measures (EDP), GSE [V/m]: the rope frame's radial
  // E_rho rho_hat plus the motional term U x B of the spacecraft's velocity U through the rope
  // (docs/model.md "Fields along the tracks"); E_rho = 0 beyond the edge, where the profile
  // is continued at constant density and potential.
  std::vector<Vec3> E_gse_V_m;
};
ModelSeries model_along_track(const ProfileTables& profile, const RadialProfile& profile_source,
                              const RopeFrame& frame, const Mat3& dbcs_to_gse, const Track& track);

// Receives the products batch by batch: begin() once with every track, then write() for
// consecutive rows of each track, in order. write() runs on a writer thread of its own (one
// thread, calls never concurrent) while the next batch is computed.
class ProductSink {
 public:
  virtual ~ProductSink() = default;
  virtual void begin(const std::vector<Track>& tracks, const InstrumentSettings& s) = 0;
  virtual void write(size_t track, size_t row0, const TrackProducts& p) = 0;
};

// What a run reports per track, and where its time went.
struct TrackSummary {
  double rho_min_m = 0.0, rho_max_m = 0.0;
  double f_min_s3_cm6 = 0.0;
  long n_negative_bins = 0;
  size_t n_beyond_edge = 0;
};
struct SynthTiming {
  double prepare_s = 0.0;  // per-position factors, sample tables
  double kernel_s = 0.0;   // the backend: skymaps, dense PADs, counts, per-sample reductions
  BatchStageTimes stages;  // kernel_s stage by stage, as the backend timed them
  double host_s = 0.0;     // model quantities along the tracks, the moments into GSE
  double sink_s = 0.0;     // the sink (HDF5 writing), on its own thread behind the kernels
  double wait_s = 0.0;     // the computation waiting for the sink (writing not hidden)
};
struct SynthResult {
  std::vector<TrackSummary> tracks;
  SynthTiming timing;
};

// done / total samples after each batch.
using SynthProgress = std::function<void(size_t done, size_t total)>;

// The products of every track, in batches of at most batch_samples samples (of any spacecraft).
// `profile` is the solved equilibrium as tables (for f_e), `profile_source` its moments.
SynthResult synthesize_event(Backend& backend, const ProfileTables& profile,
                             const RadialProfile& profile_source, const RopeFrame& frame,
                             const InstrumentSettings& instrument, double accumulation_s,
                             const std::vector<Track>& tracks, size_t batch_samples,
                             ProductSink& sink, const SynthProgress& progress = {});

// All products of one track in memory (tests, benchmarks): synthesize_event with one track.
TrackProducts synthesize_track(Backend& backend, const ProfileTables& profile,
                               const RadialProfile& profile_source, const RopeFrame& frame,
                               const InstrumentSettings& instrument, double accumulation_s,
                               const Track& track, size_t track_index = 0);

}  // namespace fluxrope
