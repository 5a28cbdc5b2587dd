#include "fluxrope/instrument/products.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <climits>
#include <exception>
#include <cmath>
#include <limits>
#include <mutex>
#include <thread>


#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/stopwatch.hpp"
#include "fluxrope/instrument/fpi_moments.hpp"
#include "fluxrope/engine/parallel_for.hpp"

namespace fluxrope {

double profile_at(const std::vector<double>& f, double h, double rho) {
  const long n = static_cast<long>(f.size());
  const double t = rho / h;
  if (t >= n - 1) return f.back();
  const long j = std::clamp(static_cast<long>(t) - 1, 0L, n - 4);
  const double s = t - j;  // nodes at s = 0, 1, 2, 3
  const double l0 = -(s - 1) * (s - 2) * (s - 3) / 6.0, l1 = s * (s - 2) * (s - 3) / 2.0;
  const double l2 = -s * (s - 1) * (s - 3) / 2.0, l3 = s * (s - 1) * (s - 2) / 6.0;
  return l0 * f[j] + l1 * f[j + 1] + l2 * f[j + 2] + l3 * f[j + 3];
}

namespace {

// A run of consecutive rows of one track inside a batch.
struct Segment {
  size_t track, row0, n, offset;  // offset: first sample of the segment in the batch
};

// A batch's products, one TrackProducts per segment (their buffers reused batch after batch).
struct BatchProducts {
  std::vector<Segment> segments;
  std::vector<TrackProducts> products;  // [segment]
};

// Writing behind the kernels (issue 17, docs/performance.md "Writing behind the kernels"): the sink writes batch b
// on its own thread while batch b + 1 is computed. Two BatchProducts alternate (double
// buffering): memory stays two batches. sink.write runs on the writer thread only, in the order
// the batches were computed; an error there is rethrown by the next submit() or by finish().
class WriteBehind {
 public:
  explicit WriteBehind(ProductSink& sink) : sink_(sink), thread_([this] { run(); }) {}
  ~WriteBehind() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  // The buffer to fill next: never the one being written (submit() swaps them once that is
  // done), so it is free.
  BatchProducts& next() { return buffers_[fill_]; }
  // Hands the filled buffer (next()'s) to the writer, once the writer is done with the one before.
  void submit() {
    std::unique_lock<std::mutex> lock(mutex_);
    const auto t0 = SteadyClock::now();
    changed_.wait(lock, [&] { return pending_ == nullptr || error_; });  // one batch in flight
    wait_s_ += seconds_since(t0);
    rethrow(lock);
    pending_ = &buffers_[fill_];
    fill_ = 1 - fill_;
    changed_.notify_all();
  }
  // Waits until every submitted batch is written; rethrows the writer's error.
  void finish() {
    std::unique_lock<std::mutex> lock(mutex_);
    const auto t0 = SteadyClock::now();
    changed_.wait(lock, [&] { return pending_ == nullptr || error_; });
    wait_s_ += seconds_since(t0);
    rethrow(lock);
  }
  double write_s() const { return write_s_; }  // after finish()
  double wait_s() const { return wait_s_; }    // the compute side waiting for the writer

 private:
  void rethrow(std::unique_lock<std::mutex>&) {
    if (error_) {
      std::exception_ptr e = error_;
      error_ = nullptr;
      std::rethrow_exception(e);
    }
  }
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return pending_ != nullptr || stop_; });
      if (!pending_) return;  // stopped with nothing left to write
      BatchProducts* b = pending_;
      lock.unlock();
      std::exception_ptr err;
      const auto t0 = SteadyClock::now();
      try {
        for (size_t i = 0; i < b->segments.size(); ++i)
          sink_.write(b->segments[i].track, b->segments[i].row0, b->products[i]);
      } catch (...) {
        err = std::current_exception();
      }
      lock.lock();
      write_s_ += seconds_since(t0);
      if (err) error_ = err;
      pending_ = nullptr;
      changed_.notify_all();
      if (err) return;  // nothing more is written after an error
    }
  }

  ProductSink& sink_;
  BatchProducts buffers_[2];
  int fill_ = 0;                       // the buffer the compute side fills
  BatchProducts* pending_ = nullptr;   // the buffer being written (or waiting to be)
  bool stop_ = false;
  std::exception_ptr error_;
  double write_s_ = 0.0, wait_s_ = 0.0;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::thread thread_;  // last: started after every member above exists
};

void append3(std::vector<double>& v, Vec3 a) {
  v.insert(v.end(), {a.x, a.y, a.z});
}

// Everything of a frame change the products need.
struct Frames {
  Mat3 rope_to_gse, gse_to_dbcs, dbcs_to_rope, dbcs_to_gse;
};

// Per-sample model quantities: position, field, model moments (docs/model.md §7) of the
// species: the electrons' from the solved profile, the ions' n_i(rho), at rest in the rope frame
// (V_i = -U seen from the spacecraft), T_i, carrying no current.
void model_quantities(const ProfileView& pv, const RadialProfile& rp, const RopeFrame& frame,
                      const Frames& fr, const Species& species, const Track& track, size_t row,
                      TrackProducts& p, std::vector<Vec3>& b_dbcs) {
  const Vec3 r = track.r_rope_m[row];
  const LocalPoint l = local_point(pv, r);
  p.rho_m.push_back(l.rho);
  if (l.rho > pv.field.rho_edge()) ++p.n_beyond_edge;
  // B = B_phi phi_hat + B_z z_hat, phi_hat = (-sin, cos, 0) at the sample (docs/model.md s. 1)
  const Vec3 B_gse = fr.rope_to_gse * Vec3{-l.sn * l.Bphi, l.c * l.Bphi, l.Bz};
  append3(p.B_gse_T, B_gse);
  append3(p.B_lmn_T, {dot(B_gse, frame.L), dot(B_gse, frame.M), dot(B_gse, frame.N)});
  b_dbcs.push_back(fr.gse_to_dbcs * B_gse);
  const double h = rp.rho[1] - rp.rho[0];
  for (double e : species.energy(track.parity[row])) p.energy_eV.push_back(e);
  if (species.kind == SpeciesKind::Ion) {
    // N_i = n_i exp(-e Phi / T_i) with the potential the ions' skymaps use (ion_point)
    double Phi, psi, Az;
    pv.pot.eval(l.rho, Phi, psi, Az);
    p.ne_m3.push_back(pv.n_i * std::exp(-constants::E_CHARGE * Phi / pv.T_i));
    append3(p.Ve_gse_m_s, fr.rope_to_gse * (-1.0 * track.U_rope_m_s));
    append3(p.Ve_minus_Vi_lmn_m_s, {0.0, 0.0, 0.0});
    append3(p.j_lmn_A_m2, {0.0, 0.0, 0.0});
    p.T_par_J.push_back(pv.T_i);
    p.T_perp_J.push_back(pv.T_i);
    return;
  }
  // V_e = V_phi phi_hat + V_z z_hat in the rope (= ion) frame, V_e - U in the spacecraft frame;
  // j = -e n V_e. Beyond the edge the continuation is current-free: V_e = 0 there.
  const bool inside = l.rho <= pv.field.rho_edge();
  const double ne = profile_at(rp.ne, h, l.rho);
  const double vphi = inside ? profile_at(rp.Ve_phi, h, l.rho) : 0.0;
  const double vz = inside ? profile_at(rp.Ve_z, h, l.rho) : 0.0;
  const Vec3 V_rope{-l.sn * vphi, l.c * vphi, vz};
  const Vec3 V_gse = fr.rope_to_gse * V_rope;
  p.ne_m3.push_back(ne);
  append3(p.Ve_gse_m_s, fr.rope_to_gse * (V_rope - track.U_rope_m_s));
  const Vec3 V_lmn{dot(V_gse, frame.L), dot(V_gse, frame.M), dot(V_gse, frame.N)};
  append3(p.Ve_minus_Vi_lmn_m_s, V_lmn);
  append3(p.j_lmn_A_m2, (-constants::E_CHARGE * ne) * V_lmn);
  p.T_par_J.push_back(profile_at(rp.T_par, h, l.rho));
  p.T_perp_J.push_back(profile_at(rp.T_perp, h, l.rho));
}

void resize_moments(MomentSeries& m, size_t n) {
  m.n_m3.resize(n);
  m.V_dbcs_m_s.resize(3 * n);
  m.V_gse_m_s.resize(3 * n);
  m.P_gse_Pa.resize(9 * n);
  m.T_par_J.resize(n);
  m.T_perp_J.resize(n);
  m.q_gse_W_m2.resize(3 * n);
  m.sigma_n_m3.resize(n);
  m.sigma_V_gse_m_s.resize(3 * n);
  m.sigma_T_par_J.resize(n);
  m.sigma_T_perp_J.resize(n);
  m.sigma_P_gse_Pa.resize(9 * n);
  m.sigma_T_gse_J.resize(9 * n);
}

void store_moments(const FpiMoments& m, const Mat3& R, size_t k, MomentSeries& out) {
  out.n_m3[k] = m.n_m3;
  const Vec3 Vg = R * m.V_m_s, qg = R * m.q_W_m2;
  const double Vd[3] = {m.V_m_s.x, m.V_m_s.y, m.V_m_s.z}, Vgs[3] = {Vg.x, Vg.y, Vg.z},
               q[3] = {qg.x, qg.y, qg.z};
  for (int c = 0; c < 3; ++c) {
    out.V_dbcs_m_s[3 * k + c] = Vd[c];
    out.V_gse_m_s[3 * k + c] = Vgs[c];
    out.q_gse_W_m2[3 * k + c] = q[c];
  }
  // P_gse = R P R^T
  const Vec3 rows[3] = {R.r0, R.r1, R.r2};
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      const double ra[3] = {rows[a].x, rows[a].y, rows[a].z}, rb[3] = {rows[b].x, rows[b].y, rows[b].z};
      double s = 0.0;
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) s += ra[i] * m.P_Pa[3 * i + j] * rb[j];
      out.P_gse_Pa[9 * k + 3 * a + b] = s;
    }
  out.T_par_J[k] = m.T_par_J;
  out.T_perp_J[k] = m.T_perp_J;
  out.sigma_n_m3[k] = m.sigma_n_m3;
  out.sigma_T_par_J[k] = m.sigma_T_par_J;
  out.sigma_T_perp_J[k] = m.sigma_T_perp_J;
  const double sv[3] = {m.sigma_V_m_s.x, m.sigma_V_m_s.y, m.sigma_V_m_s.z};
  for (int a = 0; a < 3; ++a) {
    const double ra[3] = {rows[a].x, rows[a].y, rows[a].z};
    double v = 0.0;
    for (int i = 0; i < 3; ++i) v += ra[i] * ra[i] * sv[i] * sv[i];
    out.sigma_V_gse_m_s[3 * k + a] = std::sqrt(v);
  }
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      const double ra[3] = {rows[a].x, rows[a].y, rows[a].z}, rb[3] = {rows[b].x, rows[b].y, rows[b].z};
      double vp = 0.0, vt = 0.0;
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
          const double w2 = ra[i] * ra[i] * rb[j] * rb[j];
          vp += w2 * m.sigma_P_Pa[3 * i + j] * m.sigma_P_Pa[3 * i + j];
          vt += w2 * m.sigma_T_J[3 * i + j] * m.sigma_T_J[3 * i + j];
        }
      out.sigma_P_gse_Pa[9 * k + 3 * a + b] = std::sqrt(vp);
      out.sigma_T_gse_J[9 * k + 3 * a + b] = std::sqrt(vt);
    }
}

}  // namespace

SynthResult synthesize_event(Backend& backend, const ProfileTables& profile,
                             const RadialProfile& profile_source, const RopeFrame& frame,
                             const InstrumentSettings& instrument, double accumulation_s,
                             const std::vector<Track>& tracks, size_t batch_samples,
                             ProductSink& sink, const SynthProgress& progress) {
  const ProfileView pv = profile.view();
  Frames fr;
  fr.rope_to_gse = transpose(frame.gse_to_rope);
  fr.gse_to_dbcs = transpose(instrument.dbcs_to_gse);
  fr.dbcs_to_rope = frame.gse_to_rope * instrument.dbcs_to_gse;
  fr.dbcs_to_gse = instrument.dbcs_to_gse;
  const bool integrated = instrument.response.kind == ResponseKind::Integrated;
  const Species& species = instrument.species;
  const ResponseTables tables = make_response_tables(instrument.response, accumulation_s, species);
  MomentWeights mw[2];
  std::vector<double> one_count(2 * FPI_N_ENERGY), energies(2 * FPI_N_ENERGY);
  for (int parity = 0; parity < 2; ++parity) {
    mw[parity] = moment_weights(species.energy(parity).data(), instrument.moments, species);
    for (int i = 0; i < FPI_N_ENERGY; ++i) {
      energies[parity * FPI_N_ENERGY + i] = species.energy(parity)[i];
      one_count[parity * FPI_N_ENERGY + i] = one_count_level_s3_cm6(
          species.energy(parity)[i], instrument.counts.g_dt(i), species.mass_kg);
    }
  }
  sink.begin(tracks, instrument);

  SynthResult result;
  result.tracks.resize(tracks.size());
  for (TrackSummary& t : result.tracks) {
    t.rho_min_m = std::numeric_limits<double>::infinity();
    t.f_min_s3_cm6 = std::numeric_limits<double>::infinity();
  }
  size_t total = 0;
  for (const Track& t : tracks) total += t.time_s.size();
  if (batch_samples < 1) batch_samples = 1;

  // Buffers reused from batch to batch (no allocation, no fresh pages after the first).
  std::vector<SkymapSample> centre_samples;
  std::vector<ResponseSample> response_samples;
  std::vector<Vec3> r0, batch_r, batch_U;
  std::vector<int> parity;
  std::vector<std::uint32_t> keys;
  ResponseSetup setup;
  SkymapSetup centre;
  GyroPadSetup gyro_setup;
  std::vector<Vec3> b_dbcs;
  std::vector<SynthSegmentOut> outs;
  std::vector<double> mom_dist, mom_model;  // (batch, N_MOMENT_OUT)
  static const FpiTables fpi = make_fpi_tables();
  WriteBehind writer(sink);

  size_t track = 0, row = 0, done = 0;
  while (done < total) {
    // The batch: up to batch_samples samples, spanning tracks in order.
    auto t0 = SteadyClock::now();
    std::vector<Segment> segments;
    size_t m = 0;
    while (m < batch_samples && track < tracks.size()) {
      const size_t n_track = tracks[track].time_s.size();
      const size_t take = std::min(batch_samples - m, n_track - row);
      if (take > 0) segments.push_back({track, row, take, m});
      m += take;
      row += take;
      if (row == n_track) ++track, row = 0;
    }
    centre_samples.clear();
    response_samples.clear();
    r0.clear();
    batch_r.clear();
    batch_U.clear();
    parity.clear();
    keys.clear();
    for (const Segment& sg : segments) {
      const Track& t = tracks[sg.track];
      for (size_t k = sg.row0; k < sg.row0 + sg.n; ++k) {
        batch_r.push_back(t.r_rope_m[k]);
        batch_U.push_back(t.U_rope_m_s);
        parity.push_back(t.parity[k]);
        // Philox key: (species << 16 | spacecraft, sample): DES and DIS draw independent counts
        keys.insert(keys.end(), {static_cast<std::uint32_t>(species.key) << 16 |
                                     static_cast<std::uint32_t>(sg.track),
                                 static_cast<std::uint32_t>(k)});
        if (integrated) {
          response_samples.push_back({t.U_rope_m_s, fr.dbcs_to_rope, t.parity[k]});
          r0.push_back(t.r_rope_m[k]);
        } else {
          SkymapSample s;
          s.r_rope = t.r_rope_m[k];
          s.U_rope = t.U_rope_m_s;
          s.dbcs_to_rope = fr.dbcs_to_rope;
          s.parity = t.parity[k];
          centre_samples.push_back(s);
        }
      }
    }
    if (integrated)
      prepare_response(profile, tables, response_samples, r0, setup);
    else
      centre = make_skymap_setup(profile, centre_samples, species);
    gyro_setup = make_gyro_pad_setup(profile, batch_r, batch_U, instrument);
    const long per_gyro = static_cast<long>(gyro_setup.problem.n_energy) * gyro_setup.problem.n_pitch;
    result.timing.prepare_s += seconds_since(t0);

    // Per-sample model quantities first (the field against which PADs and temperatures are
    // taken), and each segment's arrays sized (clear() and resize() keep their memory).
    t0 = SteadyClock::now();
    BatchProducts& batch = writer.next();
    batch.segments = segments;
    batch.products.resize(segments.size());
    b_dbcs.clear();
    outs.clear();
    for (size_t si = 0; si < segments.size(); ++si) {
      const Segment& sg = segments[si];
      const Track& t = tracks[sg.track];
      TrackProducts& p = batch.products[si];
      for (auto* v : {&p.rho_m, &p.B_gse_T, &p.B_lmn_T, &p.energy_eV, &p.ne_m3, &p.Ve_gse_m_s,
                      &p.Ve_minus_Vi_lmn_m_s, &p.T_par_J, &p.T_perp_J, &p.j_lmn_A_m2})
        v->clear();
      p.n = sg.n;
      p.n_beyond_edge = 0;
      for (size_t k = sg.row0; k < sg.row0 + sg.n; ++k)
        model_quantities(pv, profile_source, frame, fr, species, t, k, p, b_dbcs);
      const size_t cells = sg.n * FPI_N_BINS;
      for (auto* v : {&p.dist_model_s3_cm6, &p.counts_expected, &p.dist_s3_cm6, &p.disterr_s3_cm6,
                      &p.def})
        v->resize(cells);
      p.counts.resize(cells);
      p.pad_gyro_s3_cm6.resize(sg.n * per_gyro);
      p.pad_s3_cm6.resize(sg.n * FPI_N_ENERGY * instrument.pad_bins);
      p.f_min_s3_cm6.resize(sg.n);
      p.n_negative_bins.resize(sg.n);
      SynthSegmentOut o;
      o.first = static_cast<long>(sg.offset);
      o.n = static_cast<long>(sg.n);
      o.sky_model = p.dist_model_s3_cm6.data();
      o.counts_expected = p.counts_expected.data();
      o.counts = p.counts.data();
      o.dist = p.dist_s3_cm6.data();
      o.disterr = p.disterr_s3_cm6.data();
      o.def = p.def.data();
      o.gyro = p.pad_gyro_s3_cm6.data();
      o.pad = p.pad_s3_cm6.data();
      o.f_min = p.f_min_s3_cm6.data();
      o.n_negative = p.n_negative_bins.data();
      outs.push_back(o);
    }
    // the moments' rows of every segment, converted after the backend ran
    const size_t n_batch = batch_r.size();
    mom_dist.resize(n_batch * N_MOMENT_OUT);
    mom_model.resize(n_batch * N_MOMENT_OUT);
    for (SynthSegmentOut& o : outs) {
      o.moments_dist = mom_dist.data() + o.first * N_MOMENT_OUT;
      o.moments_model = mom_model.data() + o.first * N_MOMENT_OUT;
    }
    for (const Vec3& b : b_dbcs) require_pitch_field(b);
    result.timing.host_s += seconds_since(t0);

    // The backend: skymaps -> counts -> reductions, the dense PADs (batch_kernel.hpp).
    t0 = SteadyClock::now();
    SynthBatchProblem bp;
    bp.source.response = integrated ? &setup.problem : nullptr;
    bp.source.centre = integrated ? nullptr : &centre.problem;
    bp.gyro = &gyro_setup.problem;
    bp.counts.one_count = one_count.data();
    bp.counts.energy = energies.data();
    bp.counts.parity = parity.data();
    bp.counts.key = keys.data();
    bp.counts.seed = instrument.counts.seed;
    bp.counts.noise = instrument.counts.noise;
    bp.counts.def_per_e2f = species.def_per_e2f;
    bp.counts.n_samples = static_cast<long>(n_batch);
    bp.reduction.dir = fpi.velocity_dir.data();
    bp.reduction.parity = parity.data();
    bp.reduction.b_field = b_dbcs.data();
    bp.reduction.weights = mw;
    bp.reduction.one_count = one_count.data();
    bp.reduction.n_samples = static_cast<int>(n_batch);
    bp.reduction.n_pitch = instrument.pad_bins;
    bp.reduction.weighting = instrument.pad_weighting;
    bp.segments = outs.data();
    bp.n_segments = static_cast<int>(outs.size());
    bp.stages = &result.timing.stages;
    backend.synth_batch(bp);
    result.timing.kernel_s += seconds_since(t0);

    // Moments into the tracks' frames, the run's summary.
    t0 = SteadyClock::now();
    for (size_t si = 0; si < segments.size(); ++si) {
      const Segment& sg = segments[si];
      TrackProducts& p = batch.products[si];
      resize_moments(p.fpi, sg.n);
      resize_moments(p.fpi_model, sg.n);
      for (size_t k = 0; k < sg.n; ++k) {
        const size_t row = (sg.offset + k) * N_MOMENT_OUT;
        store_moments(moments_from_row(mom_dist.data() + row, mw[parity[sg.offset + k]]), fr.dbcs_to_gse,
                      k, p.fpi);
        store_moments(moments_from_row(mom_model.data() + row, mw[parity[sg.offset + k]]),
                      fr.dbcs_to_gse, k, p.fpi_model);
      }
      TrackSummary& ts = result.tracks[sg.track];
      for (size_t k = 0; k < sg.n; ++k) {
        ts.rho_min_m = std::min(ts.rho_min_m, p.rho_m[k]);
        ts.rho_max_m = std::max(ts.rho_max_m, p.rho_m[k]);
        ts.f_min_s3_cm6 = std::min(ts.f_min_s3_cm6, p.f_min_s3_cm6[k]);
        ts.n_negative_bins += static_cast<long>(p.n_negative_bins[k]);
      }
      ts.n_beyond_edge += p.n_beyond_edge;
    }
    result.timing.host_s += seconds_since(t0);
    writer.submit();  // written while the next batch computes
    done += m;
    if (progress) progress(done, total);
  }
  writer.finish();
  result.timing.sink_s = writer.write_s();
  result.timing.wait_s = writer.wait_s();
  return result;
}

ModelSeries model_along_track(const ProfileTables& profile, const RadialProfile& profile_source,
                              const RopeFrame& frame, const Mat3& dbcs_to_gse, const Track& track) {
  const ProfileView pv = profile.view();
  Frames fr;
  fr.rope_to_gse = transpose(frame.gse_to_rope);
  fr.gse_to_dbcs = transpose(dbcs_to_gse);
  TrackProducts p;
  std::vector<Vec3> b_dbcs;
  for (size_t k = 0; k < track.time_s.size(); ++k)
    model_quantities(pv, profile_source, frame, fr, des_species(), track, k, p, b_dbcs);
  ModelSeries m;
  const double h = profile_source.rho[1] - profile_source.rho[0];
  for (size_t k = 0; k < track.time_s.size(); ++k) {
    const LocalPoint l = local_point(pv, track.r_rope_m[k]);
    const double Er = l.rho <= pv.field.rho_edge() ? profile_at(profile_source.Er, h, l.rho) : 0.0;
    const Vec3 B_rope{-l.sn * l.Bphi, l.c * l.Bphi, l.Bz};
    // E' = E + U x B in the frame moving with U (non-relativistic, |U| << c)
    m.E_gse_V_m.push_back(fr.rope_to_gse * (Vec3{Er * l.c, Er * l.sn, 0.0} +
                                            cross(track.U_rope_m_s, B_rope)));
    m.B_gse_T.push_back({p.B_gse_T[3 * k], p.B_gse_T[3 * k + 1], p.B_gse_T[3 * k + 2]});
    m.Ve_gse_m_s.push_back({p.Ve_gse_m_s[3 * k], p.Ve_gse_m_s[3 * k + 1], p.Ve_gse_m_s[3 * k + 2]});
  }
  m.ne_m3 = std::move(p.ne_m3);
  m.T_par_J = std::move(p.T_par_J);
  m.T_perp_J = std::move(p.T_perp_J);
  return m;
}

namespace {
// Collects every batch of one track in memory.
class MemorySink final : public ProductSink {
 public:
  TrackProducts all;
  void begin(const std::vector<Track>&, const InstrumentSettings&) override {}
  void write(size_t, size_t, const TrackProducts& p) override {
    auto cat = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
    auto cat_moments = [&](MomentSeries& to, const MomentSeries& from) {
      cat(to.n_m3, from.n_m3);
      cat(to.V_dbcs_m_s, from.V_dbcs_m_s);
      cat(to.V_gse_m_s, from.V_gse_m_s);
      cat(to.P_gse_Pa, from.P_gse_Pa);
      cat(to.T_par_J, from.T_par_J);
      cat(to.T_perp_J, from.T_perp_J);
      cat(to.q_gse_W_m2, from.q_gse_W_m2);
      cat(to.sigma_n_m3, from.sigma_n_m3);
      cat(to.sigma_V_gse_m_s, from.sigma_V_gse_m_s);
      cat(to.sigma_T_par_J, from.sigma_T_par_J);
      cat(to.sigma_T_perp_J, from.sigma_T_perp_J);
      cat(to.sigma_P_gse_Pa, from.sigma_P_gse_Pa);
      cat(to.sigma_T_gse_J, from.sigma_T_gse_J);
    };
    all.n += p.n;
    all.n_beyond_edge += p.n_beyond_edge;
    cat(all.rho_m, p.rho_m);
    cat(all.B_gse_T, p.B_gse_T);
    cat(all.B_lmn_T, p.B_lmn_T);
    cat(all.energy_eV, p.energy_eV);
    cat(all.dist_model_s3_cm6, p.dist_model_s3_cm6);
    cat(all.counts_expected, p.counts_expected);
    cat(all.counts, p.counts);
    cat(all.dist_s3_cm6, p.dist_s3_cm6);
    cat(all.disterr_s3_cm6, p.disterr_s3_cm6);
    cat(all.def, p.def);
    cat(all.pad_s3_cm6, p.pad_s3_cm6);
    cat(all.pad_gyro_s3_cm6, p.pad_gyro_s3_cm6);
    cat(all.f_min_s3_cm6, p.f_min_s3_cm6);
    cat(all.n_negative_bins, p.n_negative_bins);
    cat(all.ne_m3, p.ne_m3);
    cat(all.Ve_gse_m_s, p.Ve_gse_m_s);
    cat(all.Ve_minus_Vi_lmn_m_s, p.Ve_minus_Vi_lmn_m_s);
    cat(all.T_par_J, p.T_par_J);
    cat(all.T_perp_J, p.T_perp_J);
    cat(all.j_lmn_A_m2, p.j_lmn_A_m2);
    cat_moments(all.fpi, p.fpi);
    cat_moments(all.fpi_model, p.fpi_model);
  }
};
}  // namespace

TrackProducts synthesize_track(Backend& backend, const ProfileTables& profile,
                               const RadialProfile& profile_source, const RopeFrame& frame,
                               const InstrumentSettings& instrument, double accumulation_s,
                               const Track& track, size_t track_index) {
  // Earlier tracks of the event only shift the Philox key: give this one its index.
  std::vector<Track> tracks(track_index + 1);
  for (size_t i = 0; i < track_index; ++i) tracks[i].name = "(skipped)";
  tracks[track_index] = track;
  MemorySink sink;
  synthesize_event(backend, profile, profile_source, frame, instrument, accumulation_s, tracks, 256,
                   sink);
  return std::move(sink.all);
}

}  // namespace fluxrope
