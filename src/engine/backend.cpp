#include "fluxrope/engine/backend.hpp"

#include <fmt/format.h>
#include <omp.h>

#include "fluxrope/core/error.hpp"
#include "fluxrope/engine/parallel_for.hpp"

namespace fluxrope {

namespace {

class CpuBackend final : public Backend {
 public:
  std::string name() const override {
    return fmt::format("cpu ({} threads)", omp_get_max_threads());
  }
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
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend() {
  return std::make_unique<CpuBackend>();
}

std::unique_ptr<Backend> make_backend(const std::string& which, std::string* note) {
  if (which == "cpu") return make_cpu_backend();
  if (which == "cuda") return make_cuda_backend();
  if (which == "auto") {
    if (cuda_device_count() > 0) return make_cuda_backend();
    if (note) {
      *note = cuda_compiled() ? "backend auto: no CUDA device answers, using the CPU"
                              : "backend auto: built without CUDA, using the CPU";
    }
    return make_cpu_backend();
  }
  throw Error(fmt::format("unknown backend '{}' (expected auto, cpu or cuda)", which));
}

}  // namespace fluxrope
