// The device backend, written once on Thrust and compiled twice (issue 10, docs/architecture.md):
//   kernels/cuda_backend.cu            nvcc, Thrust's CUDA system: the "cuda" backend;
//   src/engine/thrust_host_backend.cpp g++ with THRUST_DEVICE_SYSTEM_OMP: the "thrust-host"
//                                      backend, so that CI, which has no GPU, runs every line
//                                      of this file except the GPU itself.
// Included once by exactly those two files, after they have chosen the Thrust device system;
// everything here is in an anonymous namespace of that file. Each product is one for_items launch
// over its items calling the host/device item function of include/fluxrope: the device runs the items
// one per thread in any order; the physics is the same code as on the CPU.
//
// Storage is thrust::device_vector, kept as members and reused from call to call (a synthesis
// calls the kernels once a batch: no allocation after the first batch unless a batch grows), and
// the profile tables stay resident until the host tables change.
#include <thrust/copy.h>
#include <thrust/device_vector.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/system_error.h>
#include <thrust/transform.h>

#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <string>
#include <vector>

#include "fluxrope/core/error.hpp"
#include "fluxrope/core/stopwatch.hpp"
#include "fluxrope/engine/backend.hpp"

namespace fluxrope {
namespace {

// The item functions as functors (no extended lambdas: the same code compiles with g++).
struct ShapeItems {
  ShapeProblem p;
  double* out;
  FLUXROPE_HD void operator()(long item) const { shape_item(p, item, out + item * N_SHAPE_MOMENTS); }
};
struct SkymapItems {
  SkymapProblem p;
  FLUXROPE_HD double operator()(long item) const { return skymap_item(p, item); }
};
struct GyroPadItems {
  GyroPadProblem p;
  FLUXROPE_HD double operator()(long item) const { return gyro_pad_item(p, item); }
};
struct ResponseItems {
  ResponseProblem p;
  FLUXROPE_HD double operator()(long item) const { return response_item(p, item); }
};
struct CountsItems {
  CountsProblem p;
  FLUXROPE_HD void operator()(long item) const { counts_item(p, item); }
};
struct MomentItems {
  ReductionProblem p;
  double* out;
  FLUXROPE_HD void operator()(long s) const { moment_item(p, s, out); }
};
struct PadBinItems {
  ReductionProblem p;
  FLUXROPE_HD void operator()(long i) const { pad_bins_item(p, i); }
};
struct PadOrderItems {
  ReductionProblem p;
  FLUXROPE_HD void operator()(long s) const { pad_order_item(p, s); }
};
struct PadItems {
  ReductionProblem p;
  double* out;
  FLUXROPE_HD void operator()(long i) const { pad_item(p, i, out); }
};
struct ExtremesItems {
  const double* sky;
  double* f_min;
  double* n_negative;
  FLUXROPE_HD void operator()(long s) const { skymap_extremes_item(sky, s, f_min, n_negative); }
};
struct PointItems {
  PointProblem p;
  FLUXROPE_HD double operator()(long item) const { return point_item(p, item); }
};
// out[i] = items(i), as one item of for_items (below).
template <class Items>
struct StoreItems {
  Items items;
  double* out;
  FLUXROPE_HD void operator()(long i) const { out[i] = items(i); }
};

// Runs f, turning Thrust's and the allocator's exceptions into one fluxrope::Error that names
// the file:line of the call, what was being done and the system's message.
template <class F>
void guarded(const char* file, int line, const char* what, F&& f) {
  try {
    f();
  } catch (const thrust::system_error& e) {
    throw Error(std::string(file) + ":" + std::to_string(line) + ": " + what + " failed: " +
                e.what());
  } catch (const std::bad_alloc& e) {
    throw Error(std::string(file) + ":" + std::to_string(line) + ": " + what +
                " failed: out of device memory (" + e.what() + ")");
  }
}
#define FLUXROPE_THRUST(what, ...) guarded(__FILE__, __LINE__, what, [&] { __VA_ARGS__; })

template <class T>
using DeviceVector = thrust::device_vector<T>;

// f(i) for every item i < n on the device system. On CUDA our own launch: blocks of
// ITEM_BLOCK threads under __launch_bounds__(ITEM_BLOCK), which lets the heaviest item
// (response_item, ~140 registers) keep its values in registers, where Thrust's kernels' launch
// bounds (256 threads) held it to 128 registers and it spilled (docs/performance.md, "GPU
// kernels"). On the host system: thrust::for_each_n (OpenMP), the same items.
#if defined(__CUDACC__)
constexpr int ITEM_BLOCK = 128;
template <class F>
__global__ void __launch_bounds__(ITEM_BLOCK, 1) items_kernel(F f, long n) {
  const long i = static_cast<long>(blockIdx.x) * ITEM_BLOCK + threadIdx.x;
  if (i < n) f(i);
}
template <class F>
void for_items(long n, const F& f) {
  if (n <= 0) return;
  const long blocks = (n + ITEM_BLOCK - 1) / ITEM_BLOCK;
  items_kernel<<<static_cast<unsigned>(blocks), ITEM_BLOCK>>>(f, n);
  FLUXROPE_CUDA_CHECK(cudaGetLastError());
}
#else
template <class F>
void for_items(long n, const F& f) {
  if (n > 0) thrust::for_each_n(thrust::counting_iterator<long>(0), n, f);
}
#endif

// The seconds since the watch's last lap, once every kernel launched so far has finished: on
// CUDA a synchronization (the launches are asynchronous); on the host system they have.
inline double stage_done(Stopwatch& watch) {
#if defined(__CUDACC__)
  FLUXROPE_THRUST("synchronize", FLUXROPE_CUDA_CHECK(cudaStreamSynchronize(0)));
#endif
  return watch.lap();
}

// host array -> device vector (reusing its memory), returns the device pointer
template <class T>
T* upload(DeviceVector<T>& d, const T* host, size_t n) {
  d.assign(host, host + n);
  return thrust::raw_pointer_cast(d.data());
}

// The products of a batch to the host. On CUDA every device range goes by cudaMemcpyAsync into
// one pinned staging buffer (reused from batch to batch, grown when a batch needs more), then,
// after one synchronization, by memcpy into its destination; on the host system
// (thrust-host) device memory is host memory and each range is copied directly.
class Downloads {
 public:
  Downloads() = default;
  Downloads(const Downloads&) = delete;
  Downloads& operator=(const Downloads&) = delete;
  ~Downloads() {
#if defined(__CUDACC__)
    if (pinned_) cudaFreeHost(pinned_);
#endif
  }
  template <class T>
  void add(const DeviceVector<T>& from, size_t first, size_t count, T* to) {
    if (count == 0) return;
    const T* src = thrust::raw_pointer_cast(from.data()) + first;
    items_.push_back({src, to, count * sizeof(T), total_});
    total_ += count * sizeof(T);
  }
  void run() {
    const long n = static_cast<long>(items_.size());
#if defined(__CUDACC__)
    if (capacity_ < total_) {
      if (pinned_) FLUXROPE_CUDA_CHECK(cudaFreeHost(pinned_));
      pinned_ = nullptr;
      FLUXROPE_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&pinned_), total_));
      capacity_ = total_;
    }
    for (const Item& it : items_)
      FLUXROPE_CUDA_CHECK(cudaMemcpyAsync(pinned_ + it.offset, it.from, it.bytes,
                                          cudaMemcpyDeviceToHost, 0));
    FLUXROPE_CUDA_CHECK(cudaStreamSynchronize(0));
    // (nvcc compiles this file without OpenMP: one host thread, ~10 GB/s)
    for (long i = 0; i < n; ++i) std::memcpy(items_[i].to, pinned_ + items_[i].offset, items_[i].bytes);
#else
#pragma omp parallel for schedule(dynamic)
    for (long i = 0; i < n; ++i) std::memcpy(items_[i].to, items_[i].from, items_[i].bytes);
#endif
    items_.clear();
    total_ = 0;
  }

 private:
  struct Item {
    const void* from;
    void* to;
    size_t bytes, offset;
  };
  std::vector<Item> items_;
  size_t total_ = 0;
#if defined(__CUDACC__)
  char* pinned_ = nullptr;
  size_t capacity_ = 0;
#endif
};

// An item problem (engine/item_problem.hpp) on the device system: every array the problem lists
// goes to device memory (inputs copied, outputs allocated), a copy of the problem points at those,
// its items run one per thread, and the outputs come back into the problem's host arrays.
template <class P>
struct ProblemItems {
  P p;
  FLUXROPE_HD void operator()(long i) const { p.item(i); }
};
template <class P>
void run_problem_items(const P& problem) {
  struct Buffer {
    DeviceVector<unsigned char> device;
    void* host = nullptr;
    size_t bytes = 0;
  };
  P d = problem;
  std::vector<std::unique_ptr<Buffer>> outputs, inputs;
  FLUXROPE_THRUST("item problem (upload)", {
    d.arrays([&](auto& ptr, size_t count, ArrayUse use) {
      using T = std::remove_const_t<std::remove_pointer_t<std::remove_reference_t<decltype(ptr)>>>;
      if (count == 0 || ptr == nullptr) return;
      auto b = std::make_unique<Buffer>();
      b->bytes = count * sizeof(T);
      b->host = const_cast<T*>(ptr);
      const unsigned char* bytes = reinterpret_cast<const unsigned char*>(ptr);
      if (use == ArrayUse::In)
        b->device.assign(bytes, bytes + b->bytes);
      else
        b->device.resize(b->bytes);
      ptr = reinterpret_cast<T*>(thrust::raw_pointer_cast(b->device.data()));
      (use == ArrayUse::In ? inputs : outputs).push_back(std::move(b));
    });
  });
  FLUXROPE_THRUST("item problem (items)", for_items(d.n_items(), ProblemItems<P>{d}));
  FLUXROPE_THRUST("item problem (download)", {
    for (const auto& b : outputs)
      thrust::copy(b->device.begin(), b->device.end(), static_cast<unsigned char*>(b->host));
  });
}

class ThrustBackend : public Backend {
 public:
  explicit ThrustBackend(std::string name) : name_(std::move(name)) {}
  std::string name() const override { return name_; }
#if defined(__CUDACC__)
  Engine engine() const override { return Engine::Cuda; }
#else
  Engine engine() const override { return Engine::ThrustHost; }
#endif

  void shape_partials(const ShapeProblem& p, std::vector<double>& out) override {
    ShapeProblem d = p;
    FLUXROPE_THRUST("shape_partials (upload)", {
      d.rho = upload(rho_, p.rho, static_cast<size_t>(p.n_rho));
      d.x_par = upload(x_par_, p.x_par, static_cast<size_t>(p.n_par));
      d.w_par = upload(w_par_, p.w_par, static_cast<size_t>(p.n_par));
      d.x_half = upload(x_half_, p.x_half, static_cast<size_t>(p.n_half));
      d.w_half = upload(w_half_, p.w_half, static_cast<size_t>(p.n_half));
      d.x_perp = upload(x_perp_, p.x_perp, static_cast<size_t>(p.n_perp));
      d.w_perp = upload(w_perp_, p.w_perp, static_cast<size_t>(p.n_perp));
      d.field.table = upload(shape_field_, p.field.table, 4 * static_cast<size_t>(p.field.n));
    });
    const long n = p.n_items();
    FLUXROPE_THRUST("shape_partials (shape_item)", {
      out_.resize(static_cast<size_t>(n) * N_SHAPE_MOMENTS);
      for_items(n, ShapeItems{d, thrust::raw_pointer_cast(out_.data())});
      out.resize(out_.size());
      thrust::copy(out_.begin(), out_.end(), out.begin());
    });
  }

  void skymaps(const SkymapProblem& p, std::vector<double>& out) override {
    map("skymaps (skymap_item)", p.n_items(), SkymapItems{device_skymap(p)}, sky_, out);
  }

  void gyro_pads(const GyroPadProblem& p, std::vector<double>& out) override {
    map("gyro_pads (gyro_pad_item)", p.n_items(), GyroPadItems{device_gyro(p)}, out_, out);
  }

  void response_skymaps(const ResponseProblem& p, std::vector<double>& out) override {
    map("response_skymaps (response_item)", p.n_items(), ResponseItems{device_response(p)}, sky_,
        out);
  }

  void points(const PointProblem& p, std::vector<double>& out) override {
    PointProblem d = p;
    FLUXROPE_THRUST("points (upload)", {
      d.profile = resident(p.profile);
      d.r = upload(r_, p.r, static_cast<size_t>(p.n));
      d.v = upload(v_, p.v, static_cast<size_t>(p.n));
    });
    map("points (point_item)", p.n_items(), PointItems{d}, out_, out);
  }

  void counts(const CountsProblem& p) override {
    const size_t n = static_cast<size_t>(p.n_items());
    CountsProblem d = p;
    FLUXROPE_THRUST("counts (upload)", {
      d.f_model = upload(f_model_, p.f_model, n);
      d.one_count = upload(one_count_, p.one_count, 2 * static_cast<size_t>(FPI_N_ENERGY));
      d.energy = upload(energy_, p.energy, 2 * static_cast<size_t>(FPI_N_ENERGY));
      d.parity = upload(parity_, p.parity, static_cast<size_t>(p.n_samples));
      d.key = upload(key_, p.key, 2 * static_cast<size_t>(p.n_samples));
      expected_.resize(n);
      counts_.resize(n);
      dist_.resize(n);
      disterr_.resize(n);
      def_.resize(n);
      d.counts_expected = thrust::raw_pointer_cast(expected_.data());
      d.counts = thrust::raw_pointer_cast(counts_.data());
      d.dist = thrust::raw_pointer_cast(dist_.data());
      d.disterr = thrust::raw_pointer_cast(disterr_.data());
      d.def = thrust::raw_pointer_cast(def_.data());
    });
    FLUXROPE_THRUST("counts (counts_item)", {
      for_items(p.n_items(), CountsItems{d});
      thrust::copy(expected_.begin(), expected_.end(), p.counts_expected);
      thrust::copy(counts_.begin(), counts_.end(), p.counts);
      thrust::copy(dist_.begin(), dist_.end(), p.dist);
      thrust::copy(disterr_.begin(), disterr_.end(), p.disterr);
      thrust::copy(def_.begin(), def_.end(), p.def);
    });
  }

  void reduce(const SkymapSource& src, const ReductionProblem& r, std::vector<double>& out) override {
    // the skymaps into sky_ on the device, where they stay
    if (src.response) {
      ResponseProblem d = device_response(*src.response);
      run_into("reduce (response_item)", src.response->n_items(), ResponseItems{d}, sky_);
    } else {
      SkymapProblem d = device_skymap(*src.centre);
      run_into("reduce (skymap_item)", src.centre->n_items(), SkymapItems{d}, sky_);
    }
    ReductionProblem d = r;
    const size_t rows = static_cast<size_t>(r.n_samples) * r.row_width();
    FLUXROPE_THRUST("reduce (upload)", {
      d.sky = thrust::raw_pointer_cast(sky_.data());
      d.dir = upload(red_dir_, r.dir, static_cast<size_t>(FPI_N_PHI) * FPI_N_THETA);
      d.parity = upload(parity_, r.parity, static_cast<size_t>(r.n_samples));
      d.b_field = upload(b_field_, r.b_field, static_cast<size_t>(r.n_samples));
      d.weights = upload(weights_, r.weights, 2);
      d.one_count = r.one_count ? upload(one_count_, r.one_count, 2 * static_cast<size_t>(FPI_N_ENERGY))
                                : nullptr;
      d.pad_channel = r.n_channel > 0 ? upload(channel_, r.pad_channel, static_cast<size_t>(r.n_channel))
                                      : nullptr;
      pad_work_.resize(static_cast<size_t>(d.n_pad_work()));
      d.pad_work = thrust::raw_pointer_cast(pad_work_.data());
      red_.assign(rows, 0.0);
    });
    double* o = thrust::raw_pointer_cast(red_.data());
    FLUXROPE_THRUST("reduce (moment_item, pad_bins_item, pad_item)", {
      reductions(d, o);
      out.resize(rows);
      thrust::copy(red_.begin(), red_.end(), out.begin());
    });
  }

  void synth_batch(const SynthBatchProblem& b) override {
    // each stage timed once its kernels have finished (stage_done)
    BatchStageTimes t;
    Stopwatch watch;
    // 1. the batch's skymaps into sky_, its dense PADs into out_: they stay on the device
    long n_samples;
    if (b.source.response) {
      n_samples = b.source.response->n_samples;
      run_into("synth_batch (response_item)", b.source.response->n_items(),
               ResponseItems{device_response(*b.source.response)}, sky_);
    } else {
      n_samples = b.source.centre->n_samples;
      run_into("synth_batch (skymap_item)", b.source.centre->n_items(),
               SkymapItems{device_skymap(*b.source.centre)}, sky_);
    }
    t.skymaps_s += stage_done(watch);
    const long per_gyro = b.gyro ? static_cast<long>(b.gyro->n_energy) * b.gyro->n_pitch : 0;
    if (b.gyro) run_into("synth_batch (gyro_pad_item)", b.gyro->n_items(),
                         GyroPadItems{device_gyro(*b.gyro)}, out_);
    t.dense_pads_s += stage_done(watch);
    // 2. counts of the whole batch, from sky_ where it is
    const size_t cells = static_cast<size_t>(n_samples) * FPI_N_BINS;
    CountsProblem c = b.counts;
    c.n_samples = n_samples;
    FLUXROPE_THRUST("synth_batch (upload counts inputs)", {
      c.f_model = thrust::raw_pointer_cast(sky_.data());
      c.one_count = upload(one_count_, b.counts.one_count, 2 * static_cast<size_t>(FPI_N_ENERGY));
      c.energy = upload(energy_, b.counts.energy, 2 * static_cast<size_t>(FPI_N_ENERGY));
      c.parity = upload(parity_, b.counts.parity, static_cast<size_t>(n_samples));
      c.key = upload(key_, b.counts.key, 2 * static_cast<size_t>(n_samples));
      expected_.resize(cells);
      counts_.resize(cells);
      dist_.resize(cells);
      disterr_.resize(cells);
      def_.resize(cells);
      c.counts_expected = thrust::raw_pointer_cast(expected_.data());
      c.counts = thrust::raw_pointer_cast(counts_.data());
      c.dist = thrust::raw_pointer_cast(dist_.data());
      c.disterr = thrust::raw_pointer_cast(disterr_.data());
      c.def = thrust::raw_pointer_cast(def_.data());
    });
    FLUXROPE_THRUST("synth_batch (counts_item)", for_items(c.n_items(), CountsItems{c}));
    t.counts_s += stage_done(watch);
    // 3. the reductions of dist and of the model skymap, and the extremes, on the device
    ReductionProblem r = b.reduction;
    r.n_samples = static_cast<int>(n_samples);
    static const AllChannels all;
    FLUXROPE_THRUST("synth_batch (upload reduction inputs)", {
      r.dir = upload(red_dir_, b.reduction.dir, static_cast<size_t>(FPI_N_PHI) * FPI_N_THETA);
      r.parity = c.parity;
      r.b_field = upload(b_field_, b.reduction.b_field, static_cast<size_t>(n_samples));
      r.weights = upload(weights_, b.reduction.weights, 2);
      r.one_count = c.one_count;
      upload(channel_, all.c, static_cast<size_t>(FPI_N_ENERGY));
      pad_work_.resize(static_cast<size_t>(n_samples * ReductionProblem::pad_work_width(r.n_pitch)));
    });
    const ReductionProblem rd =
        dist_reduction(r, c.dist, thrust::raw_pointer_cast(channel_.data()),
                       thrust::raw_pointer_cast(pad_work_.data()));
    const ReductionProblem rm = model_reduction(r, c.f_model);
    FLUXROPE_THRUST("synth_batch (moment_item, pad_bins_item, pad_item, skymap_extremes_item)", {
      red_.resize(static_cast<size_t>(n_samples) * rd.row_width());
      mom_model_.resize(static_cast<size_t>(n_samples) * N_MOMENT_OUT);
      f_min_.resize(static_cast<size_t>(n_samples));
      n_negative_.resize(static_cast<size_t>(n_samples));
      double* rows = thrust::raw_pointer_cast(red_.data());
      reductions(rd, rows);
      for_items(rm.n_moment_items(), MomentItems{rm, thrust::raw_pointer_cast(mom_model_.data())});
      for_items(n_samples, ExtremesItems{c.f_model, thrust::raw_pointer_cast(f_min_.data()),
                                         thrust::raw_pointer_cast(n_negative_.data())});
    });
    t.reductions_s += stage_done(watch);
    // 4. only the products come back, each segment's rows into its arrays
    rows_host_.resize(red_.size());
    const size_t width = static_cast<size_t>(rd.row_width());
    for (int si = 0; si < b.n_segments; ++si) {
      const SynthSegmentOut& o = b.segments[si];
      const size_t f = static_cast<size_t>(o.first), n = static_cast<size_t>(o.n);
      downloads_.add(sky_, f * FPI_N_BINS, n * FPI_N_BINS, o.sky_model);
      downloads_.add(expected_, f * FPI_N_BINS, n * FPI_N_BINS, o.counts_expected);
      downloads_.add(counts_, f * FPI_N_BINS, n * FPI_N_BINS, o.counts);
      downloads_.add(dist_, f * FPI_N_BINS, n * FPI_N_BINS, o.dist);
      downloads_.add(disterr_, f * FPI_N_BINS, n * FPI_N_BINS, o.disterr);
      downloads_.add(def_, f * FPI_N_BINS, n * FPI_N_BINS, o.def);
      downloads_.add(out_, f * per_gyro, n * per_gyro, o.gyro);
      downloads_.add(mom_model_, f * N_MOMENT_OUT, n * N_MOMENT_OUT, o.moments_model);
      downloads_.add(f_min_, f, n, o.f_min);
      downloads_.add(n_negative_, f, n, o.n_negative);
    }
    downloads_.add(red_, 0, red_.size(), rows_host_.data());
    FLUXROPE_THRUST("synth_batch (download)", downloads_.run());
    for (int si = 0; si < b.n_segments; ++si) {
      const SynthSegmentOut& o = b.segments[si];
      scatter_dist_rows(rows_host_.data() + static_cast<size_t>(o.first) * width, o.n, rd.n_pitch,
                        o.moments_dist, o.pad);
    }
    t.copies_s += watch.lap();
    if (b.stages) *b.stages += t;
  }

 private:
  // The reductions of r (device pointers) into rows: moments, pitch bins and their order, then
  // the PAD cells.
  static void reductions(const ReductionProblem& r, double* rows) {
    for_items(r.n_moment_items(), MomentItems{r, rows});
    for_items(r.n_bin_items(), PadBinItems{r});
    for_items(r.n_order_items(), PadOrderItems{r});
    for_items(r.n_pad_items(), PadItems{r, rows});
  }
  // items(i) for i < n into the device vector `to` (resized, not cleared), where it stays.
  template <class Items>
  void run_into(const char* what, long n, const Items& items, DeviceVector<double>& to) {
    FLUXROPE_THRUST(what, {
      to.resize(static_cast<size_t>(n));
      for_items(n, StoreItems<Items>{items, thrust::raw_pointer_cast(to.data())});
    });
  }

  // out[i] = items(i) for i < n, computed into `to` on the device (where it stays) and copied
  // back into out (resized, not cleared).
  template <class Items>
  void map(const char* what, long n, const Items& items, DeviceVector<double>& to,
           std::vector<double>& out) {
    run_into(what, n, items, to);
    FLUXROPE_THRUST(what, {
      out.resize(static_cast<size_t>(n));
      thrust::copy(to.begin(), to.begin() + n, out.begin());
    });
  }

  // p with its arrays on the device.
  SkymapProblem device_skymap(const SkymapProblem& p) {
    SkymapProblem d = p;
    FLUXROPE_THRUST("skymaps (upload)", {
      d.profile = resident(p.profile);
      d.velocity_dir = upload(dirs_, p.velocity_dir, static_cast<size_t>(FPI_N_PHI) * FPI_N_THETA);
      d.speed = upload(speed_, p.speed, 2 * static_cast<size_t>(FPI_N_ENERGY));
      d.samples = upload(skymap_samples_, p.samples, static_cast<size_t>(p.n_samples));
    });
    return d;
  }
  GyroPadProblem device_gyro(const GyroPadProblem& p) {
    GyroPadProblem d = p;
    FLUXROPE_THRUST("gyro_pads (upload)", {
      d.profile = resident(p.profile);
      d.samples = upload(gyro_samples_, p.samples, static_cast<size_t>(p.n_samples));
      d.speed = upload(gyro_speed_, p.speed, static_cast<size_t>(p.n_energy));
      d.cos_alpha = upload(cos_alpha_, p.cos_alpha, static_cast<size_t>(p.n_pitch));
      d.sin_alpha = upload(sin_alpha_, p.sin_alpha, static_cast<size_t>(p.n_pitch));
      d.cos_gyro = upload(cos_gyro_, p.cos_gyro, static_cast<size_t>(p.n_gyro));
      d.sin_gyro = upload(sin_gyro_, p.sin_gyro, static_cast<size_t>(p.n_gyro));
    });
    return d;
  }
  ResponseProblem device_response(const ResponseProblem& p) {
    ResponseProblem d = p;
    const size_t n_dir = static_cast<size_t>(FPI_N_PHI) * FPI_N_THETA * p.n_ang;
    const size_t n_speed = 2 * static_cast<size_t>(FPI_N_ENERGY) * p.n_en;
    FLUXROPE_THRUST("response_skymaps (upload)", {
      d.profile = resident(p.profile);
      d.node_dir = upload(dirs_, p.node_dir, n_dir);
      d.node_w = upload(node_w_, p.node_w, static_cast<size_t>(FPI_N_THETA) * p.n_ang);
      d.speed = upload(speed_, p.speed, n_speed);
      d.speed_w = upload(speed_w_, p.speed_w, n_speed);
      d.pattern_of = upload(pattern_of_, p.pattern_of, static_cast<size_t>(FPI_N_PHI));
      d.time_w = upload(time_w_, p.time_w, static_cast<size_t>(p.n_time));
      d.samples = upload(response_samples_, p.samples, static_cast<size_t>(p.n_samples));
      d.lanes = upload(lanes_, p.lanes,
                       static_cast<size_t>(p.n_samples) * p.n_patterns * p.n_time * RESPONSE_BLOCK);
    });
    return d;
  }

  // The profile's tables on the device, uploaded again only when the host tables change.
  ProfileView resident(const ProfileView& host) {
    const size_t nf = 4 * static_cast<size_t>(host.field.n), np = 6 * static_cast<size_t>(host.pot.n);
    const bool same = host_field_.size() == nf && host_pot_.size() == np &&
                      std::memcmp(host_field_.data(), host.field.table, nf * sizeof(double)) == 0 &&
                      std::memcmp(host_pot_.data(), host.pot.table, np * sizeof(double)) == 0;
    if (!same) {
      upload(field_, host.field.table, nf);
      upload(pot_, host.pot.table, np);
      host_field_.assign(host.field.table, host.field.table + nf);
      host_pot_.assign(host.pot.table, host.pot.table + np);
    }
    ProfileView v = host;  // scalars from the caller, tables on the device
    v.field.table = thrust::raw_pointer_cast(field_.data());
    v.pot.table = thrust::raw_pointer_cast(pot_.data());
    return v;
  }

  std::string name_;
  // sky_: the last skymaps (response or bin-centre), kept for counts and reduce; out_: the rest
  DeviceVector<double> sky_, out_, field_, pot_, shape_field_;
  std::vector<double> host_field_, host_pot_;
  DeviceVector<double> rho_, x_par_, w_par_, x_half_, w_half_, x_perp_, w_perp_;
  DeviceVector<Vec3> dirs_, r_, v_;
  DeviceVector<double> speed_, speed_w_, node_w_, time_w_, cos_alpha_, sin_alpha_, cos_gyro_,
      sin_gyro_;
  DeviceVector<int> pattern_of_;
  DeviceVector<SkymapSample> skymap_samples_;
  DeviceVector<GyroPadSample> gyro_samples_;
  DeviceVector<ResponseSample> response_samples_;
  DeviceVector<double> lanes_;
  DeviceVector<double> f_model_, one_count_, energy_, expected_, dist_, disterr_, def_;
  DeviceVector<int> parity_;
  DeviceVector<std::uint32_t> key_;
  DeviceVector<std::int32_t> counts_;
  DeviceVector<Vec3> red_dir_, b_field_;
  DeviceVector<MomentWeights> weights_;
  DeviceVector<int> channel_, pad_work_;
  DeviceVector<double> red_, mom_model_, f_min_, n_negative_, gyro_speed_;
  std::vector<double> rows_host_;
  Downloads downloads_;
};

}  // namespace
}  // namespace fluxrope
