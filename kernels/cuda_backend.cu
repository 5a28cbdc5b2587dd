// CUDA backend: thin launch code around the host/device kernel bodies in
// include/fluxrope (nothing physics-specific lives only here).
#include <cstring>
#include <memory>
#include <string>

#include "cuda_check.cuh"
#include "device_buffer.cuh"
#include "fluxrope/engine/backend.hpp"
#include "parallel_for.cuh"

namespace fluxrope {

namespace {

// A solved profile's tables on the device; view() is the ProfileView with device pointers.
class DeviceProfile {
 public:
  explicit DeviceProfile(const ProfileView& host)
      : view_(host),
        field_(host.field.table, 4 * static_cast<size_t>(host.field.n)),
        pot_(host.pot.table, 6 * static_cast<size_t>(host.field.n)) {
    view_.field.table = field_.get();
    view_.pot.table = pot_.get();
  }
  const ProfileView& view() const { return view_; }

 private:
  ProfileView view_;
  DeviceBuffer<double> field_, pot_;
};

class CudaBackend final : public Backend {
 public:
  CudaBackend() {
    FLUXROPE_CUDA_CHECK(cudaGetDevice(&device_));
    cudaDeviceProp prop{};
    FLUXROPE_CUDA_CHECK(cudaGetDeviceProperties(&prop, device_));
    name_ = std::string("cuda (") + prop.name + ", device " + std::to_string(device_) + ")";
  }
  std::string name() const override { return name_; }

  // The profile's tables stay on the device from call to call (a synthesis calls the kernels
  // once a batch); they are uploaded again only when the host tables change.
  ProfileView resident(const ProfileView& host) {
    const size_t nf = 4 * static_cast<size_t>(host.field.n), np = 6 * static_cast<size_t>(host.pot.n);
    const bool same = profile_ && field_.size() == nf && pot_.size() == np &&
                      std::memcmp(field_.data(), host.field.table, nf * sizeof(double)) == 0 &&
                      std::memcmp(pot_.data(), host.pot.table, np * sizeof(double)) == 0;
    if (!same) {
      profile_ = std::make_unique<DeviceProfile>(host);
      field_.assign(host.field.table, host.field.table + nf);
      pot_.assign(host.pot.table, host.pot.table + np);
    }
    ProfileView v = host;  // scalars from the caller, tables on the device
    v.field.table = profile_->view().field.table;
    v.pot.table = profile_->view().pot.table;
    return v;
  }

  void shape_partials(const ShapeProblem& p, std::vector<double>& out) override {
    DeviceBuffer<double> rho(p.rho, p.n_rho);
    DeviceBuffer<double> xpar(p.x_par, p.n_par), wpar(p.w_par, p.n_par);
    DeviceBuffer<double> xhalf(p.x_half, p.n_half), whalf(p.w_half, p.n_half);
    DeviceBuffer<double> xperp(p.x_perp, p.n_perp), wperp(p.w_perp, p.n_perp);
    DeviceBuffer<double> table(p.field.table, static_cast<size_t>(4) * p.field.n);
    ShapeProblem d = p;
    d.rho = rho.get();
    d.x_par = xpar.get();
    d.w_par = wpar.get();
    d.x_half = xhalf.get();
    d.w_half = whalf.get();
    d.x_perp = xperp.get();
    d.w_perp = wperp.get();
    d.field.table = table.get();
    const long n = p.n_items();
    DeviceBuffer<double> result(static_cast<size_t>(n) * N_SHAPE_MOMENTS);
    double* r = result.get();
    parallel_for_cuda(
        n, [d, r] __device__(long item) { shape_item(d, item, r + item * N_SHAPE_MOMENTS); });
    FLUXROPE_CUDA_CHECK(cudaDeviceSynchronize());
    result.copy_to(out);
  }

  void skymaps(const SkymapProblem& p, std::vector<double>& out) override {
    DeviceBuffer<Vec3> dirs(p.velocity_dir, static_cast<size_t>(FPI_N_PHI) * FPI_N_THETA);
    DeviceBuffer<double> speed(p.speed, 2 * FPI_N_ENERGY);
    DeviceBuffer<SkymapSample> samples(p.samples, static_cast<size_t>(p.n_samples));
    SkymapProblem d = p;
    d.profile = resident(p.profile);
    d.velocity_dir = dirs.get();
    d.speed = speed.get();
    d.samples = samples.get();
    device_map(
        p.n_items(), [d] __device__(long item) { return skymap_item(d, item); }, out);
  }

  void response_skymaps(const ResponseProblem& p, std::vector<double>& out) override {
    const size_t n_dir = static_cast<size_t>(FPI_N_PHI) * FPI_N_THETA * p.n_ang;
    const size_t n_speed = 2 * static_cast<size_t>(FPI_N_ENERGY) * p.n_en;
    DeviceBuffer<Vec3> dirs(p.node_dir, n_dir);
    DeviceBuffer<double> node_w(p.node_w, static_cast<size_t>(FPI_N_THETA) * p.n_ang);
    DeviceBuffer<double> speed(p.speed, n_speed), speed_w(p.speed_w, n_speed);
    DeviceBuffer<int> slot_of(p.slot_of, static_cast<size_t>(FPI_N_PHI) * FPI_N_ENERGY);
    DeviceBuffer<double> time_w(p.time_w, static_cast<size_t>(p.n_time));
    DeviceBuffer<ResponseSample> samples(p.samples, static_cast<size_t>(p.n_samples));
    DeviceBuffer<LocalPoint> local(
        p.local, static_cast<size_t>(p.n_samples) * p.n_slots * static_cast<size_t>(p.n_time));
    ResponseProblem d = p;
    d.profile = resident(p.profile);
    d.node_dir = dirs.get();
    d.node_w = node_w.get();
    d.speed = speed.get();
    d.speed_w = speed_w.get();
    d.slot_of = slot_of.get();
    d.time_w = time_w.get();
    d.samples = samples.get();
    d.local = local.get();
    device_map(
        p.n_items(), [d] __device__(long item) { return response_item(d, item); }, out);
  }

  void points(const PointProblem& p, std::vector<double>& out) override {
    DeviceBuffer<Vec3> r(p.r, static_cast<size_t>(p.n)), v(p.v, static_cast<size_t>(p.n));
    PointProblem d = p;
    d.profile = resident(p.profile);
    d.r = r.get();
    d.v = v.get();
    device_map(
        p.n_items(), [d] __device__(long i) { return point_item(d, i); }, out);
  }

  void gyro_pads(const GyroPadProblem& p, std::vector<double>& out) override {
    DeviceBuffer<GyroPadSample> samples(p.samples, static_cast<size_t>(p.n_samples));
    DeviceBuffer<double> speed(p.speed, static_cast<size_t>(p.n_energy));
    DeviceBuffer<double> ca(p.cos_alpha, static_cast<size_t>(p.n_pitch)),
        sa(p.sin_alpha, static_cast<size_t>(p.n_pitch));
    DeviceBuffer<double> cg(p.cos_gyro, static_cast<size_t>(p.n_gyro)),
        sg(p.sin_gyro, static_cast<size_t>(p.n_gyro));
    GyroPadProblem d = p;
    d.profile = resident(p.profile);
    d.samples = samples.get();
    d.speed = speed.get();
    d.cos_alpha = ca.get();
    d.sin_alpha = sa.get();
    d.cos_gyro = cg.get();
    d.sin_gyro = sg.get();
    device_map(
        p.n_items(), [d] __device__(long item) { return gyro_pad_item(d, item); }, out);
  }

 private:
  int device_ = 0;
  std::string name_;
  std::unique_ptr<DeviceProfile> profile_;
  std::vector<double> field_, pot_;  // host copies of the resident tables
};

}  // namespace

bool cuda_compiled() {
  return true;
}

int cuda_device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver / no device" error
    return 0;
  }
  return n;
}

std::unique_ptr<Backend> make_cuda_backend() {
  if (cuda_device_count() <= 0) {
    throw Error("backend cuda: no CUDA device answers on this machine (use --backend cpu or auto)");
  }
  return std::make_unique<CudaBackend>();
}

}  // namespace fluxrope
