#pragma once
// One batch of the synthesis as a backend runs it (issue 17 item 3, docs/performance.md
// "The device pipeline"): the skymaps (response or bin-centre kernel) -> counts, noise, dist, disterr and
// DEF per bin (counts_item) -> the per-sample reductions (the ground-system moments of dist and
// of the model skymap, the instrument PAD of dist, the minimum of f and the negative bins) and
// the dense gyro-averaged PADs. Every stage is an item function that runs where the backend
// runs; on a device nothing goes back to the host between the stages, and only the products
// being written come back, straight into each segment's arrays.
#include <cmath>
#include <cstdint>

#include "fluxrope/core/hd.hpp"
#include "fluxrope/instrument/counts_kernel.hpp"
#include "fluxrope/instrument/gyro_pad_kernel.hpp"
#include "fluxrope/instrument/reduction_kernel.hpp"
#include "fluxrope/instrument/response_kernel.hpp"
#include "fluxrope/instrument/skymap_kernel.hpp"

namespace fluxrope {

// Item = one sample of a batch of skymaps: its smallest f and how many bins are negative
// (docs/model.md §8: those bins get no counts and no DEF), scanned in bin order.
FLUXROPE_HD inline void skymap_extremes_item(const double* sky, long s, double* f_min,
                                             double* n_negative) {
  const double* f = sky + s * FPI_N_BINS;
  double lo = HUGE_VAL;  // std::min's arithmetic: the same bits as the host loop it replaced
  long neg = 0;
  for (long b = 0; b < FPI_N_BINS; ++b) {
    lo = f[b] < lo ? f[b] : lo;
    neg += f[b] < 0.0;
  }
  f_min[s] = lo;
  n_negative[s] = static_cast<double>(neg);
}

// Where a segment's products go: rows [first, first + n) of the batch, into host arrays that
// hold the segment's n rows (a track's TrackProducts).
struct SynthSegmentOut {
  long first = 0, n = 0;
  double* sky_model = nullptr;        // (n, 16384) the skymaps as the kernel computed them
  double* counts_expected = nullptr;  // (n, 16384) and the other per-bin products of counts_item
  std::int32_t* counts = nullptr;
  double* dist = nullptr;
  double* disterr = nullptr;
  double* def = nullptr;
  double* gyro = nullptr;           // (n, gyro.n_energy * gyro.n_pitch)
  double* pad = nullptr;            // (n, 32, n_pitch): the PAD cells' values of dist
  double* moments_dist = nullptr;   // (n, N_MOMENT_OUT) of dist, sigmas from its counts
  double* moments_model = nullptr;  // (n, N_MOMENT_OUT) of the model skymap
  double* f_min = nullptr;          // (n) of the model skymap
  double* n_negative = nullptr;     // (n)
};

// Where a batch's skymaps come from: exactly one of the two.
struct SkymapSource {
  const ResponseProblem* response = nullptr;  // response-averaged skymaps
  const SkymapProblem* centre = nullptr;      // bin-centre skymaps
};

// Where a backend's synth_batch time went, stage by stage: wall seconds, added up over the
// batches. The CPU backend times each stage as it runs; the device backend waits for each
// stage's kernels before it times the next (a few microseconds a batch). (total - skymaps) /
// skymaps is what the other stages add to the skymap kernel (docs/performance.md).
struct BatchStageTimes {
  double skymaps_s = 0.0;     // the response (or bin-centre) kernel
  double dense_pads_s = 0.0;  // the gyro-averaged PADs
  double counts_s = 0.0;      // counts, noise, dist, disterr, DEF per bin
  double reductions_s = 0.0;  // moments of dist and of the model, PAD cells, extremes
  double copies_s = 0.0;      // products into the segments' host arrays (device: the downloads)
  double total_s() const { return skymaps_s + dense_pads_s + counts_s + reductions_s + copies_s; }
  BatchStageTimes& operator+=(const BatchStageTimes& o) {
    skymaps_s += o.skymaps_s;
    dense_pads_s += o.dense_pads_s;
    counts_s += o.counts_s;
    reductions_s += o.reductions_s;
    copies_s += o.copies_s;
    return *this;
  }
};

struct SynthBatchProblem {
  SkymapSource source;                 // the batch's skymaps (exactly one of the two)
  const GyroPadProblem* gyro = nullptr;  // the batch's dense PADs (host pointers)
  // The batch's per-bin inputs (host): one_count, energy, parity, key, seed, noise, n_samples;
  // f_model and the outputs are the backend's own.
  CountsProblem counts;
  // The batch's reductions (host): dir, parity, b_field, weights, one_count, n_pitch, weighting;
  // the backend sets sky, pad_work, the channels (all 32) and the clamp (off: as recorded).
  ReductionProblem reduction;
  const SynthSegmentOut* segments = nullptr;
  int n_segments = 0;
  BatchStageTimes* stages = nullptr;  // when set, the batch's stage times are added to it
};

// The two reductions of a batch, from the caller's b.reduction: of dist (moments with the
// counting sigmas, and the PAD cells of every channel: pad_channel holds 0..31) and of the model
// skymap (moments only). PSD as recorded, no clamp: negative model f enters the model's moments.
inline ReductionProblem dist_reduction(const ReductionProblem& r, const double* dist,
                                       const int* all_channels, int* pad_work) {
  ReductionProblem d = r;
  d.sky = dist;
  d.clamp = false;
  d.moments = true;
  d.pad_channel = all_channels;
  d.n_channel = FPI_N_ENERGY;
  d.pad_work = pad_work;
  return d;
}
inline ReductionProblem model_reduction(const ReductionProblem& r, const double* sky) {
  ReductionProblem d = r;
  d.sky = sky;
  d.clamp = false;
  d.moments = true;
  d.pad_channel = nullptr;
  d.n_channel = 0;
  d.pad_work = nullptr;
  return d;
}
// Rows of dist_reduction (moments, then value / sigma / counts of each PAD cell) -> the segment's
// moments (n, N_MOMENT_OUT) and PAD values (n, 32, n_pitch).
inline void scatter_dist_rows(const double* rows, long n, int n_pitch, double* moments,
                              double* pad) {
  const long width = N_MOMENT_OUT + PAD_CELL_OUT * FPI_N_ENERGY * static_cast<long>(n_pitch);
  const long cells = FPI_N_ENERGY * static_cast<long>(n_pitch);
  for (long s = 0; s < n; ++s) {
    const double* row = rows + s * width;
    for (int m = 0; m < N_MOMENT_OUT; ++m) moments[s * N_MOMENT_OUT + m] = row[m];
    for (long c = 0; c < cells; ++c) pad[s * cells + c] = row[N_MOMENT_OUT + PAD_CELL_OUT * c];
  }
}
// The channel list of dist_reduction.
struct AllChannels {
  int c[FPI_N_ENERGY];
  AllChannels() {
    for (int i = 0; i < FPI_N_ENERGY; ++i) c[i] = i;
  }
};

}  // namespace fluxrope
