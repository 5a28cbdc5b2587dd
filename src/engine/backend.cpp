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
    parallel_for_cpu(p.n_items(),
                     [&](long item) { shape_item(p, item, o + item * N_SHAPE_MOMENTS); });
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
