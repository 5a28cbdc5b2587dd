#include "fluxrope/engine/backend.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>

#include "fluxrope/core/error.hpp"
#include "fluxrope/core/stopwatch.hpp"
#include "fluxrope/engine/parallel_for.hpp"
#include "fluxrope/instrument/counts_block.hpp"

namespace fluxrope {

int detail::simd_level_detect() {
#if FLUXROPE_CPU_DISPATCH
  int level = 0;
  if (__builtin_cpu_supports("avx2")) level = 1;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl"))
    level = 2;
  if (const char* cap = std::getenv("FLUXROPE_SIMD")) {
    const std::string c = cap;
    const int max = c == "baseline" ? 0 : c == "avx2" ? 1 : 2;
    level = std::min(level, max);
  }
  return level;
#else
  return 0;
#endif
}

template <class P>
void run_items_cpu(const P& p) {
  parallel_for_cpu(p.n_items(), [&](long i) { p.item(i); });
}
#define FLUXROPE_INSTANTIATE(P) template void run_items_cpu<P>(const P&);
FLUXROPE_ITEM_PROBLEMS(FLUXROPE_INSTANTIATE)
#undef FLUXROPE_INSTANTIATE

namespace {
// counts_block on the widest vector ISA (parallel_for.hpp): each bin's IEEE operations in
// counts_item's order on every path, so every path gives the same bits.
FLUXROPE_TARGET_AVX512 FLUXROPE_FLATTEN void counts_block_avx512(const CountsProblem& p, long i0) {
  counts_block(p, i0);
}
FLUXROPE_TARGET_AVX2 FLUXROPE_FLATTEN void counts_block_avx2(const CountsProblem& p, long i0) {
  counts_block(p, i0);
}

class CpuBackend final : public Backend {
 public:
  std::string name() const override {
    return fmt::format("cpu ({} threads)", omp_get_max_threads());
  }
  Engine engine() const override { return Engine::Cpu; }
  void shape_partials(const ShapeProblem& p, std::vector<double>& out) override {
    out.assign(static_cast<size_t>(p.n_items()) * N_SHAPE_MOMENTS, 0.0);
    double* o = out.data();
    // shape_item's loops, with each row of perpendicular node weights vectorized; the
    // accumulation stays in node order (the same bits as shape_item).
    auto weight = [&](const ShapeRow& r, int k3) { return shape_node_weight(p, r, k3); };
    parallel_for_cpu(p.n_items(), [&](long item) {
      double* out_item = o + item * N_SHAPE_MOMENTS;
      ShapeRow r;
      if (shape_item_begin(p, item, r, out_item)) return;
      double acc[N_SHAPE_MOMENTS] = {0, 0, 0, 0, 0, 0, 0};
      for (int k2 = 0; k2 < p.n_half; ++k2) {
        shape_row_at(p, r, k2);
        simd_lanes_in_order(r, p.n_perp, weight,
                            [&](int k3, double w) { shape_accumulate(p, r, k3, w, acc); });
      }
      shape_item_end(p, r, acc, out_item);
    });
  }
  void skymaps(const SkymapProblem& p, std::vector<double>& out) override {
    out.assign(static_cast<size_t>(p.n_items()), 0.0);
    double* o = out.data();
    parallel_rows_cpu(
        p.n_items() / FPI_N_ENERGY, FPI_N_ENERGY, o, [&](long row) { return skymap_row(p, row); },
        [&](const SkymapRow& row, int i) { return skymap_bin(p, row, i); });
  }
  void gyro_pads(const GyroPadProblem& p, std::vector<double>& out) override {
    out.assign(static_cast<size_t>(p.n_items()), 0.0);
    double* o = out.data();
    parallel_row_sums_cpu(
        p.n_items(), p.n_gyro, o, [&](long item) { return gyro_pad_row(p, item); },
        [&](const GyroPadRow& row, int g) { return gyro_pad_node(p, row, g); });
    for (double& F : out) F = gyro_pad_mean(p, F);
  }
  void response_skymaps(const ResponseProblem& p, std::vector<double>& out) override {
    out.resize(static_cast<size_t>(p.n_items()));
    double* o = out.data();
    // response_item's node loops per row (sample, phi k, theta j), the 32 energies as vector
    // lanes that each accumulate their nodes in response_item's order (the same bits).
    auto lane = [&](const ResponseNode& n, int i) { return response_lane(p.profile, n, i); };
    parallel_for_cpu(p.n_items() / FPI_N_ENERGY, [&](long row) {
      const int j = static_cast<int>(row % FPI_N_THETA);
      const int k = static_cast<int>((row / FPI_N_THETA) % FPI_N_PHI);
      const long s = row / (FPI_N_THETA * FPI_N_PHI);
      const ResponseSample& smp = p.samples[s];
      const double* blk = p.block(s, k);
      double acc[FPI_N_ENERGY] = {};
      ResponseNode n;
      n.U = smp.U_rope;
      for (int a = 0; a < p.n_ang; ++a) {
        n.dir = smp.dbcs_to_rope * p.node_dir[(k * FPI_N_THETA + j) * p.n_ang + a];
        const double wa = p.node_w[j * p.n_ang + a];
        for (int t = 0; t < p.n_time; ++t) {
          n.wat = wa * p.time_w[t];
          n.block = blk + t * RESPONSE_BLOCK;
          for (int q = 0; q < p.n_en; ++q) {
            n.speed = p.speed + p.speed_row(smp.parity, q);
            n.speed_w = p.speed_w + p.speed_row(smp.parity, q);
            simd_accumulate(n, FPI_N_ENERGY, acc, lane);
          }
        }
      }
      double* out_row = o + row * FPI_N_ENERGY;
      for (int i = 0; i < FPI_N_ENERGY; ++i) out_row[i] = 1e-12 * acc[i];
    });
  }
  void points(const PointProblem& p, std::vector<double>& out) override {
    out.resize(static_cast<size_t>(p.n_items()));
    double* o = out.data();
    parallel_for_cpu(p.n_items(), [&](long i) { o[i] = point_item(p, i); });
  }
  void counts(const CountsProblem& p) override {
    if (!p.noise) {
      parallel_for_cpu(p.n_items(), [&](long i) { counts_item(p, i); });
      return;
    }
    // In blocks of one sample's bins, the per-bin steps vectorized (counts_block); the same bits.
    const int level = detail::simd_level();
    parallel_for_cpu(p.n_items() / COUNTS_BLOCK, [&](long block) {
      const long i0 = block * COUNTS_BLOCK;
      if (level == 2)
        counts_block_avx512(p, i0);
      else if (level == 1)
        counts_block_avx2(p, i0);
      else
        counts_block(p, i0);
    });
  }
  void reduce(const SkymapSource& src, const ReductionProblem& r_in,
              std::vector<double>& out) override {
    if (src.response)
      response_skymaps(*src.response, sky_);
    else
      skymaps(*src.centre, sky_);
    ReductionProblem r = r_in;
    r.sky = sky_.data();
    pad_work_.resize(static_cast<size_t>(r.n_pad_work()));
    r.pad_work = pad_work_.data();
    out.assign(static_cast<size_t>(r.n_samples) * r.row_width(), 0.0);
    reductions(r, out.data());
  }
  void synth_batch(const SynthBatchProblem& b) override {
    // the batch's skymaps and dense PADs in one pass each, then segment by segment straight
    // into the segment's arrays (no batch-sized copies of the products); each stage timed
    BatchStageTimes t;
    Stopwatch watch;
    if (b.source.response)
      response_skymaps(*b.source.response, sky_);
    else
      skymaps(*b.source.centre, sky_);
    t.skymaps_s += watch.lap();
    const long per_gyro = b.gyro ? static_cast<long>(b.gyro->n_energy) * b.gyro->n_pitch : 0;
    if (b.gyro) gyro_pads(*b.gyro, gyro_);
    t.dense_pads_s += watch.lap();
    static const AllChannels channels;
    for (int si = 0; si < b.n_segments; ++si) {
      const SynthSegmentOut& o = b.segments[si];
      std::copy(sky_.begin() + o.first * FPI_N_BINS, sky_.begin() + (o.first + o.n) * FPI_N_BINS,
                o.sky_model);
      std::copy(gyro_.begin() + o.first * per_gyro, gyro_.begin() + (o.first + o.n) * per_gyro,
                o.gyro);
      t.copies_s += watch.lap();
      CountsProblem cp = b.counts;
      cp.f_model = o.sky_model;
      cp.parity = b.counts.parity + o.first;
      cp.key = b.counts.key + 2 * o.first;
      cp.n_samples = o.n;
      cp.counts_expected = o.counts_expected;
      cp.counts = o.counts;
      cp.dist = o.dist;
      cp.disterr = o.disterr;
      cp.def = o.def;
      counts(cp);
      t.counts_s += watch.lap();
      // the segment's rows of the batch's reductions
      ReductionProblem r = b.reduction;
      r.parity += o.first;
      r.b_field += o.first;
      r.n_samples = static_cast<int>(o.n);
      pad_work_.resize(static_cast<size_t>(o.n * ReductionProblem::pad_work_width(r.n_pitch)));
      const ReductionProblem rd = dist_reduction(r, o.dist, channels.c, pad_work_.data());
      rows_.resize(static_cast<size_t>(o.n) * rd.row_width());
      reductions(rd, rows_.data());
      scatter_dist_rows(rows_.data(), o.n, rd.n_pitch, o.moments_dist, o.pad);
      const ReductionProblem rm = model_reduction(r, o.sky_model);
      parallel_for_cpu(rm.n_moment_items(), [&](long s) { moment_item(rm, s, o.moments_model); });
      parallel_for_cpu(o.n, [&](long s) {
        skymap_extremes_item(o.sky_model, s, o.f_min, o.n_negative);
      });
      t.reductions_s += watch.lap();
    }
    if (b.stages) *b.stages += t;
  }

 private:
  // The reductions of r into rows: moments, pitch bins and their order, then the PAD cells.
  static void reductions(const ReductionProblem& r, double* rows) {
    parallel_for_cpu(r.n_moment_items(), [&](long s) { moment_item(r, s, rows); });
    parallel_for_cpu(r.n_bin_items(), [&](long i) { pad_bins_item(r, i); });
    parallel_for_cpu(r.n_order_items(), [&](long s) { pad_order_item(r, s); });
    parallel_for_cpu(r.n_pad_items(), [&](long i) { pad_item(r, i, rows); });
  }
  std::vector<double> sky_;  // the batch's skymaps, reused from call to call
  std::vector<double> gyro_, rows_;
  std::vector<int> pad_work_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend() {
  return std::make_unique<CpuBackend>();
}

std::unique_ptr<Backend> make_backend(const std::string& which, std::string* note) {
  if (which == "cpu") return make_cpu_backend();
  if (which == "cuda") return make_cuda_backend();
  if (which == "thrust-host") return make_thrust_host_backend();
  if (which == "auto") {
    if (cuda_device_count() > 0) return make_cuda_backend();
    if (note) {
      *note = cuda_compiled() ? "backend auto: no CUDA device answers, using the CPU"
                              : "backend auto: built without CUDA, using the CPU";
    }
    return make_cpu_backend();
  }
  throw Error(fmt::format("unknown backend '{}' (expected auto, cpu, cuda or thrust-host)", which));
}

}  // namespace fluxrope
