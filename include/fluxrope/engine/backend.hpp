#pragma once
// Backends run the dense phase-space kernels. The physics is the same
// host/device function on every backend; a backend only decides where the loop
// over work items runs (docs/architecture.md). Chosen at run time: auto | cpu | cuda.
#include <memory>
#include <string>
#include <vector>

#include "fluxrope/engine/item_problem.hpp"
#include "fluxrope/engine/item_problems.hpp"
#include "fluxrope/equilibrium/shape_kernel.hpp"
#include "fluxrope/instrument/batch_kernel.hpp"
#include "fluxrope/instrument/counts_kernel.hpp"
#include "fluxrope/instrument/gyro_pad_kernel.hpp"
#include "fluxrope/instrument/reduction_kernel.hpp"
#include "fluxrope/instrument/response_kernel.hpp"
#include "fluxrope/instrument/skymap_kernel.hpp"
#include "fluxrope/model/point_kernel.hpp"

namespace fluxrope {

class Backend {
 public:
  virtual ~Backend() = default;
  // "cpu (N threads)" or "cuda (device name)".
  virtual std::string name() const = 0;
  // Where run(backend, problem) runs the items of an item problem (engine/item_problem.hpp).
  virtual Engine engine() const = 0;
  // out[item * N_SHAPE_MOMENTS + m] = shape_item(p, item) for every item of p.
  // The problem's arrays are host pointers; a device backend copies them.
  virtual void shape_partials(const ShapeProblem& p, std::vector<double>& out) = 0;
  // out[item] = skymap_item(p, item) for every item of p (host pointers in p, as above;
  // the profile's tables hold p.profile.field.n nodes).
  virtual void skymaps(const SkymapProblem& p, std::vector<double>& out) = 0;
  // out[item] = gyro_pad_item(p, item) for every item of p (host pointers, as above).
  virtual void gyro_pads(const GyroPadProblem& p, std::vector<double>& out) = 0;
  // out[item] = response_item(p, item) for every item of p (host pointers, as above). `out` is
  // resized, not cleared: a buffer reused from batch to batch keeps its memory.
  // (Issue 10 replaces these per-product methods by one problem/item dispatcher on Thrust.)
  virtual void response_skymaps(const ResponseProblem& p, std::vector<double>& out) = 0;
  // out[i] = point_item(p, i) (host pointers, as above).
  virtual void points(const PointProblem& p, std::vector<double>& out) = 0;
  // counts_item(p, item) for every item: fills p's output arrays (host pointers).
  virtual void counts(const CountsProblem& p) = 0;
  // The instrument forward model of a batch (issue 16, the fit): the skymaps of `source` (the
  // response kernel, or the bin-centre kernel) stay where they are computed, the reductions r
  // (moment_item, pad_bins_item, pad_item of reduction_kernel.hpp) run on them there, and only
  // the reductions come back: out is (r.n_samples, r.row_width()). r.sky and r.bin_of are the
  // backend's own; r's other arrays are host pointers.
  virtual void reduce(const SkymapSource& source, const ReductionProblem& r,
                      std::vector<double>& out) = 0;
  // One batch of the synthesis (batch_kernel.hpp): skymaps -> counts -> per-sample reductions
  // and the dense PADs, every stage where the backend runs; each segment's products are written
  // into its SynthSegmentOut arrays (host). On a device only those products cross to the host.
  virtual void synth_batch(const SynthBatchProblem& b) = 0;
};

// Runs every item of an item problem (engine/item_problem.hpp) where the backend runs: on the CPU
// an OpenMP loop over the items; on a device backend the problem's inputs are copied up, the items
// run one per thread and the outputs come back into the problem's host arrays.
template <class P>
void run(Backend& backend, const P& p) {
  switch (backend.engine()) {
    case Engine::Cpu:
      run_items_cpu(p);
      return;
    case Engine::ThrustHost:
      run_items_thrust_host(p);
      return;
    case Engine::Cuda:
      run_items_cuda(p);
      return;
  }
}

std::unique_ptr<Backend> make_cpu_backend();
// The device backend's source (kernels/thrust_backend.inl) compiled for the host with Thrust's
// OpenMP system: the item functions one per item, as on the GPU, without the CPU backend's
// vectorized row split. CI runs every parity test against it.
std::unique_ptr<Backend> make_thrust_host_backend();

// True when this build compiled the CUDA kernels (nvcc was found at configure time).
bool cuda_compiled();
// Number of CUDA devices that answer (0 without CUDA, without a driver or device).
int cuda_device_count();
// Throws fluxrope::Error when CUDA is not compiled in or no device answers.
std::unique_ptr<Backend> make_cuda_backend();

// "cpu", "cuda", "thrust-host" or "auto" (cuda when a device answers, else cpu). 'note'
// receives a one-line message when auto fell back to the CPU. Unknown names are an Error.
std::unique_ptr<Backend> make_backend(const std::string& which, std::string* note = nullptr);

}  // namespace fluxrope
