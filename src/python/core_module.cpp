// fluxrope._core: the Python extension (nanobind), a thin layer over the library's jobs
// (include/fluxrope/jobs.hpp). No physics here: it converts arguments, releases the GIL while
// the core computes, and hands results over as NumPy arrays in output units (the same table as
// the HDF5 files, io/output_tables.hpp). python/fluxrope turns them into xarray objects.
#include <fmt/format.h>
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/function.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/unique_ptr.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <cmath>
#include <map>
#include <memory>
#include <optional>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"
#include "fluxrope/instrument/skymap.hpp"
#include "fluxrope/io/output_tables.hpp"
#include "fluxrope/jobs.hpp"
#include "fluxrope/reconstruct/fit.hpp"
#include "fluxrope/version.hpp"

namespace nb = nanobind;
using namespace nb::literals;
using namespace fluxrope;

namespace {

using Array = nb::ndarray<nb::numpy, double>;
using IntArray = nb::ndarray<nb::numpy, int32_t>;

// A NumPy array that owns the vector's memory (no copy).
template <class T>
nb::object numpy(std::vector<T>&& v, std::vector<size_t> shape) {
  auto* heap = new std::vector<T>(std::move(v));
  nb::capsule owner(heap, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  return nb::cast(nb::ndarray<nb::numpy, T>(heap->data(), shape.size(), shape.data(), owner));
}

std::vector<size_t> shape_of(const OutputArray& a) {
  return std::vector<size_t>(a.shape.begin(), a.shape.end());
}

// {name: (array, units, axes)} of a list of output arrays (copied out of views).
nb::dict arrays_dict(std::vector<OutputArray>&& arrays) {
  nb::dict d;
  for (OutputArray& a : arrays) {
    nb::object arr;
    if (a.integer) {
      arr = numpy(std::move(a.idata), shape_of(a));
    } else {
      std::vector<double> v = a.view ? std::vector<double>(a.view, a.view + a.n_values())
                                     : std::move(a.data);
      arr = numpy(std::move(v), shape_of(a));
    }
    d[a.name.c_str()] = nb::make_tuple(arr, a.units, a.axes);
  }
  return d;
}

// (n, 3) double array -> Vec3s, with one clear error naming the argument.
std::vector<Vec3> vec3s(const nb::ndarray<const double, nb::c_contig, nb::device::cpu>& a,
                        const char* what) {
  if (a.ndim() != 2 || a.shape(1) != 3)
    throw Error(fmt::format("{} must be an array of shape (n, 3), got {} dimensions{}", what,
                            a.ndim(), a.ndim() == 2 ? fmt::format(" of shape (n, {})", a.shape(1))
                                                    : std::string()));
  std::vector<Vec3> v(a.shape(0));
  const double* p = a.data();
  for (size_t i = 0; i < v.size(); ++i) v[i] = {p[3 * i], p[3 * i + 1], p[3 * i + 2]};
  return v;
}

// (n, 3) array of vectors times a unit factor.
nb::object vec3_array(const std::vector<Vec3>& v, double scale) {
  std::vector<double> a;
  a.reserve(3 * v.size());
  for (const Vec3& x : v)
    for (double c : {x.x, x.y, x.z}) a.push_back(c * scale);
  return numpy(std::move(a), {v.size(), 3});
}

// A solved equilibrium held by Python, with the configuration it was solved for.
struct PyEquilibrium {
  RunConfig cfg;
  Equilibrium eq;
  std::string backend;
};

// The model along one spacecraft's track of [geometry] at given times [s from t = 0].
ModelSeries model_series(const PyEquilibrium& e, const std::string& name,
                         const std::vector<double>& t_s) {
  const EventGeometry geo = event_geometry(e.cfg);
  const SpacecraftSpec* spec = nullptr;
  for (const SpacecraftSpec& s : e.cfg.geometry.spacecraft)
    if (s.name == name) spec = &s;
  if (!spec) throw Error(fmt::format("no spacecraft '{}' in [geometry]", name));
  for (double t : t_s)
    if (!std::isfinite(t)) throw Error("the times must be finite (seconds from t = 0)");
  return model_along_track(e.eq.tables, e.eq.result.profile, geo.frame, e.cfg.instrument.dbcs_to_gse,
                           make_track(e.cfg.geometry, geo.frame, *spec, t_s));
}

std::unique_ptr<Backend> backend_of(const std::string& which) {
  std::string note;
  return make_backend(which, &note);
}

// Collects every track's per-sample arrays over the batches, in output units.
class ArraySink final : public ProductSink {
 public:
  struct Column {
    OutputArray schema;
    std::vector<double> data;
    std::vector<int32_t> idata;
    size_t row_values = 1;
  };
  std::vector<std::vector<Column>> tracks;
  InstrumentSettings s;

  void begin(const std::vector<Track>& t, const InstrumentSettings& settings) override {
    s = settings;
    TrackProducts empty;
    tracks.clear();
    for (const Track& tr : t) {
      std::vector<Column> cols;
      for (OutputArray& a : track_row_arrays(empty, s)) {
        Column c;
        c.schema = a;
        c.schema.shape[0] = tr.time_s.size();
        for (size_t d = 1; d < a.shape.size(); ++d) c.row_values *= a.shape[d];
        (a.integer ? c.idata.resize(tr.time_s.size() * c.row_values)
                   : c.data.resize(tr.time_s.size() * c.row_values));
        cols.push_back(std::move(c));
      }
      tracks.push_back(std::move(cols));
    }
  }
  void write(size_t track, size_t row0, const TrackProducts& p) override {
    std::vector<OutputArray> arrays = track_row_arrays(p, s);
    for (size_t i = 0; i < arrays.size(); ++i) {
      Column& c = tracks[track][i];
      const size_t off = row0 * c.row_values, n = p.n * c.row_values;
      if (arrays[i].integer)
        std::copy(arrays[i].idata.begin(), arrays[i].idata.begin() + n, c.idata.begin() + off);
      else
        std::copy(arrays[i].values(), arrays[i].values() + n, c.data.begin() + off);
    }
  }
};

nb::dict synth(const PyEquilibrium& e, const std::string& backend_name,
               std::optional<nb::callable> progress, const std::string& instrument) {
  const RunConfig& cfg = e.cfg;
  if (instrument != "des" && instrument != "dis")
    throw Error(fmt::format("synth: instrument = '{}' must be 'des' (electrons) or 'dis' (ions)",
                            instrument));
  const bool ions = instrument == "dis";
  EventGeometry geo = event_geometry(cfg);
  if (ions && geo.dis_tracks.empty())
    throw Error(cfg.dis.enabled
                    ? fmt::format("synth: geometry.duration_s = {:g} s holds no DIS accumulation "
                                  "(instrument.dis.cadence_s = {:g} s)",
                                  cfg.geometry.duration_s, cfg.dis.cadence_s)
                    : std::string("synth: instrument.dis.enabled = false: no DIS products"));
  const std::vector<Track>& tracks = ions ? geo.dis_tracks : geo.tracks;
  const InstrumentSettings& settings = ions ? cfg.dis.instrument : cfg.instrument;
  auto backend = backend_of(backend_name);
  ArraySink sink;
  SynthResult res;
  {
    nb::gil_scoped_release release;
    SynthProgress cb;
    if (progress)
      cb = [&](size_t done, size_t total) {
        nb::gil_scoped_acquire acquire;
        (*progress)(done, total);
      };
    res = synth_job(cfg, *backend, e.eq, geo, sink, cb,
                    ions ? SpeciesKind::Ion : SpeciesKind::Electron);
  }
  nb::dict out, out_tracks;
  for (size_t k = 0; k < tracks.size(); ++k) {
    const Track& t = tracks[k];
    std::vector<OutputArray> arrays = track_static_arrays(t, settings);
    for (ArraySink::Column& c : sink.tracks[k]) {
      OutputArray a = c.schema;
      a.view = nullptr;
      a.data = std::move(c.data);
      a.idata = std::move(c.idata);
      arrays.push_back(std::move(a));
    }
    nb::dict track;
    track["arrays"] = arrays_dict(std::move(arrays));
    track["U_rope_km_s"] = nb::make_tuple(t.U_rope_m_s.x / constants::KM_S_TO_SI,
                                          t.U_rope_m_s.y / constants::KM_S_TO_SI,
                                          t.U_rope_m_s.z / constants::KM_S_TO_SI);
    track["n_beyond_edge"] = res.tracks[k].n_beyond_edge;
    out_tracks[t.name.c_str()] = track;
  }
  out["tracks"] = out_tracks;
  out["instrument"] = instrument;
  out["notes"] = geo.notes;
  out["backend"] = backend->name();
  nb::dict timing;
  timing["kernels_s"] = res.timing.kernel_s;
  timing["prepare_s"] = res.timing.prepare_s;
  timing["host_s"] = res.timing.host_s;
  timing["write_s"] = res.timing.sink_s;
  timing["write_wait_s"] = res.timing.wait_s;
  const BatchStageTimes& st = res.timing.stages;
  timing["skymaps_s"] = st.skymaps_s;
  timing["dense_pads_s"] = st.dense_pads_s;
  timing["counts_s"] = st.counts_s;
  timing["reductions_s"] = st.reductions_s;
  timing["copies_s"] = st.copies_s;
  out["timing"] = timing;
  const Mat3& R = geo.frame.gse_to_rope;
  out["gse_to_rope"] = numpy(std::vector<double>{R.r0.x, R.r0.y, R.r0.z, R.r1.x, R.r1.y, R.r1.z,
                                                 R.r2.x, R.r2.y, R.r2.z},
                             {3, 3});
  return out;
}

}  // namespace

NB_MODULE(_core, m) {
  m.doc() = "fluxrope's C++/CUDA engine (use the fluxrope package, not this module directly)";
  // a ValueError: what Python code catches for bad values (docs/python.md)
  nb::exception<Error>(m, "FluxropeError", PyExc_ValueError);
  m.attr("__version__") = VERSION;
  m.def("cuda_device_count", &cuda_device_count);
  m.def("cuda_compiled", &cuda_compiled);

  nb::class_<RunConfig>(m, "Config")
      .def_prop_ro("toml", [](const RunConfig& c) { return render_toml(c); },
                   "the complete configuration as TOML (what an output file stores)")
      .def_prop_ro("model_form", [](const RunConfig& c) { return c.model_form; })
      .def_prop_ro("spacecraft",
                   [](const RunConfig& c) {
                     std::vector<std::string> names;
                     for (const auto& s : c.geometry.spacecraft) names.push_back(s.name);
                     return names;
                   })
      .def_prop_ro("cadence_s", [](const RunConfig& c) { return c.geometry.cadence_s; })
      .def_prop_ro("reference_gse_km",
                   [](const RunConfig& c) {
                     const Vec3 r = c.geometry.reference_gse_km;
                     return nb::make_tuple(r.x, r.y, r.z);
                   })
      .def_prop_ro("formation_velocity_gse_km_s",
                   [](const RunConfig& c) {
                     const Vec3 v = c.geometry.formation_velocity_gse_km_s;
                     return nb::make_tuple(v.x, v.y, v.z);
                   })
      .def_prop_ro("spacecraft_positions_gse_km",
                   [](const RunConfig& c) {
                     nb::dict d;
                     for (const auto& s : c.geometry.spacecraft)
                       d[s.name.c_str()] = nb::make_tuple(s.position_gse_km.x, s.position_gse_km.y,
                                                          s.position_gse_km.z);
                     return d;
                   })
      .def_prop_ro("sc_potential_V", [](const RunConfig& c) { return c.instrument.moments.sc_potential_V; })
      .def_prop_ro("t0_utc", [](const RunConfig& c) { return c.geometry.t0_utc; },
                   "UTC of t = 0, ISO 8601 ([geometry] t0_utc)")
      .def_prop_ro(
          "dbcs_to_gse",
          [](const RunConfig& c) {
            const Mat3& R = c.instrument.dbcs_to_gse;
            return numpy(std::vector<double>{R.r0.x, R.r0.y, R.r0.z, R.r1.x, R.r1.y, R.r1.z,
                                             R.r2.x, R.r2.y, R.r2.z},
                         {3, 3});
          },
          "the rotation of the instrument axes (DBCS) into GSE, rows ([instrument] dbcs_to_gse)");

  // des-moms spectra of DEF skymaps (include/fluxrope/instrument/skymap.hpp, ground_spectra)
  m.def(
      "ground_spectra",
      [](nb::ndarray<const double, nb::c_contig, nb::device::cpu> def,
         nb::ndarray<const double, nb::c_contig, nb::device::cpu> energy_eV,
         nb::ndarray<const double, nb::c_contig, nb::device::cpu> b_dbcs_nT) {
        if (def.ndim() != 4 || def.shape(1) != FPI_N_PHI || def.shape(2) != FPI_N_THETA ||
            def.shape(3) != FPI_N_ENERGY)
          throw Error("ground_spectra: def must have shape (n, 32, 16, 32)");
        const size_t n = def.shape(0);
        if (energy_eV.ndim() != 2 || energy_eV.shape(0) != n || energy_eV.shape(1) != FPI_N_ENERGY)
          throw Error("ground_spectra: energy_eV must have shape (n, 32)");
        const std::vector<Vec3> b = vec3s(b_dbcs_nT, "ground_spectra: b_dbcs_nT");
        if (b.size() != n) throw Error("ground_spectra: b_dbcs_nT must have one row per skymap");
        const GroundSpectraSettings set;
        std::vector<double> omni, par, perp, anti, pad;
        {
          nb::gil_scoped_release release;
          for (size_t k = 0; k < n; ++k) {
            const GroundSpectra g = ground_spectra(def.data() + k * FPI_N_BINS,
                                                   energy_eV.data() + k * FPI_N_ENERGY, b[k], set);
            omni.insert(omni.end(), g.omni.begin(), g.omni.end());
            par.insert(par.end(), g.par.begin(), g.par.end());
            perp.insert(perp.end(), g.perp.begin(), g.perp.end());
            anti.insert(anti.end(), g.anti.begin(), g.anti.end());
            pad.insert(pad.end(), g.pad.begin(), g.pad.end());
          }
        }
        const size_t ne = FPI_N_ENERGY, np_ = static_cast<size_t>(set.n_pitch);
        nb::dict d;
        d["omni"] = numpy(std::move(omni), {n, ne});
        d["par"] = numpy(std::move(par), {n, ne});
        d["perp"] = numpy(std::move(perp), {n, ne});
        d["anti"] = numpy(std::move(anti), {n, ne});
        d["pad"] = numpy(std::move(pad), {n, size_t{3}, np_});
        d["n_pitch"] = set.n_pitch;
        d["par_max_deg"] = set.par_max_deg;
        d["anti_min_deg"] = set.anti_min_deg;
        d["energy_edges_eV"] = nb::make_tuple(set.energy_edges_eV[0], set.energy_edges_eV[1],
                                              set.energy_edges_eV[2], set.energy_edges_eV[3]);
        return d;
      },
      "def_keV"_a, "energy_eV"_a, "b_dbcs_nT"_a);

  m.def(
      "load_config",
      [](const std::string& preset, std::optional<std::string> file,
         std::optional<std::string> text, const std::string& text_name,
         const std::vector<std::string>& sets) {
        ConfigSources src;
        src.preset = preset;
        src.file = file;
        src.text = text;
        src.text_name = text_name;
        src.sets = sets;
        return load_config(src);
      },
      "preset"_a, "file"_a = nb::none(), "text"_a = nb::none(),
      "text_name"_a = "the configuration text", "sets"_a = std::vector<std::string>{});

  nb::class_<PyEquilibrium>(m, "Equilibrium")
      .def_prop_ro("config", [](const PyEquilibrium& e) { return e.cfg; })
      .def_prop_ro("backend", [](const PyEquilibrium& e) { return e.backend; })
      .def_prop_ro("converged", [](const PyEquilibrium& e) { return e.eq.result.converged; })
      .def("profile_arrays",
           [](const PyEquilibrium& e) { return arrays_dict(profile_arrays(e.eq.result.profile)); })
      .def("scales",
           [](const PyEquilibrium& e) {
             const RadialProfile& p = e.eq.result.profile;
             nb::dict d;
             d["L_st_km"] = p.scales.L_st / constants::KM_TO_SI;
             d["B_st_nT"] = p.scales.B_st / constants::NT_TO_SI;
             d["n_e_cm3"] = p.n_e / constants::CM3_TO_SI;
             d["T_e_eV"] = p.scales.T_e / constants::EV_TO_SI;
             d["v0e_km_s"] = p.scales.v0e / constants::KM_S_TO_SI;
             return d;
           })
      .def("history",
           [](const PyEquilibrium& e) {
             std::vector<double> dB, ne, secs;
             for (const PassRecord& p : e.eq.result.history) {
               dB.push_back(p.max_dB_nT);
               ne.push_back(p.n_e / constants::CM3_TO_SI);
               secs.push_back(p.seconds);
             }
             const size_t n = dB.size();
             nb::dict d;
             d["max_dB_nT"] = numpy(std::move(dB), {n});
             d["n_e_cm3"] = numpy(std::move(ne), {n});
             d["pass_seconds"] = numpy(std::move(secs), {n});
             return d;
           })
      .def("validity",
           [](const PyEquilibrium& e) {
             const NegativityReport& r = e.eq.negativity;
             nb::dict d;
             d["n_scanned"] = r.n_scanned;
             d["n_negative"] = r.n_negative;
             d["f_min_s3_cm6"] = r.f_min * 1e-12;
             d["f_max_s3_cm6"] = r.f_max * 1e-12;
             d["rho_km_at_min"] = r.rho_at_min / constants::KM_TO_SI;
             d["energy_eV_at_min"] = r.energy_at_min / constants::EV_TO_SI;
             d["direction_at_min"] = nb::make_tuple(r.dir_at_min.x, r.dir_at_min.y, r.dir_at_min.z);
             return d;
           })
      .def(
          "field",
          [](const PyEquilibrium& e, const std::string& name, const std::vector<double>& t_s) {
            // the model field [nT, GSE] along a spacecraft's track of [geometry] at any times
            return vec3_array(model_series(e, name, t_s).B_gse_T, 1.0 / constants::NT_TO_SI);
          },
          "spacecraft"_a, "t_s"_a)
      .def(
          "electric_field",
          [](const PyEquilibrium& e, const std::string& name, const std::vector<double>& t_s) {
            // the field the spacecraft measures [mV/m, GSE] (ModelSeries::E_gse_V_m)
            return vec3_array(model_series(e, name, t_s).E_gse_V_m, 1e3);
          },
          "spacecraft"_a, "t_s"_a)
      .def(
          "f",
          [](const PyEquilibrium& e, nb::ndarray<const double, nb::c_contig, nb::device::cpu> r_km,
             nb::ndarray<const double, nb::c_contig, nb::device::cpu> v_km_s,
             std::vector<double> frame_velocity_km_s, const std::string& backend_name) {
            std::vector<Vec3> r = vec3s(r_km, "positions r_km");
            std::vector<Vec3> v = vec3s(v_km_s, "velocities v_km_s");
            if (frame_velocity_km_s.size() != 3)
              throw Error("frame_velocity_km_s must have three components (km/s, rope frame)");
            for (Vec3& x : r) x = constants::KM_TO_SI * x;
            for (Vec3& x : v) x = constants::KM_S_TO_SI * x;
            const Vec3 U = constants::KM_S_TO_SI *
                           Vec3{frame_velocity_km_s[0], frame_velocity_km_s[1], frame_velocity_km_s[2]};
            auto backend = backend_of(backend_name);
            std::vector<double> f;
            {
              nb::gil_scoped_release release;
              f = evaluate_f(*backend, e.eq, r, v, U);
            }
            const size_t n = f.size();
            return numpy(std::move(f), {n});
          },
          "r_km"_a, "v_km_s"_a, "frame_velocity_km_s"_a, "backend"_a);

  m.def(
      "solve",
      [](const RunConfig& cfg, const std::string& backend_name) {
        auto backend = backend_of(backend_name);
        auto e = std::make_unique<PyEquilibrium>();
        e->cfg = cfg;
        e->backend = backend->name();
        {
          nb::gil_scoped_release release;
          e->eq = solve_job(cfg, *backend);
        }
        return e;
      },
      "config"_a, "backend"_a);

  m.def("synth", &synth, "equilibrium"_a, "backend"_a, "progress"_a = nb::none(),
        "instrument"_a = "des");

  // fluxrope particles (jobs.hpp particles_job): the openPMD layout as a list of
  // (path, is_dataset, array or None, [(attribute, kind, value)]) that fluxrope.particles writes
  // with h5py as the tool writes it with HDF5, and each species' moment check. The arrays are
  // views of the job's memory, which lives as long as any of them.
  m.def(
      "particles",
      [](const PyEquilibrium& e, const std::string& backend_name) {
        auto backend = backend_of(backend_name);
        check_particle_resources(e.cfg, -1.0);
        auto* job = new ParticleJob();
        std::vector<H5Node> layout;
        try {
          nb::gil_scoped_release release;
          *job = particles_job(e.cfg, *backend, e.eq);
          layout = particles_layout(e.cfg, *job);
        } catch (...) {
          delete job;
          throw;
        }
        nb::capsule owner(job, [](void* p) noexcept { delete static_cast<ParticleJob*>(p); });
        nb::list nodes;
        for (const H5Node& n : layout) {
          nb::object data = nb::none();
          if (n.dataset) {
            std::vector<size_t> shape(n.shape.begin(), n.shape.end());
            data = nb::cast(nb::ndarray<nb::numpy, const double>(n.data, shape.size(),
                                                                 shape.data(), owner));
          }
          nb::list attrs;
          for (const H5Attribute& a : n.attrs) {
            using K = H5Attribute::Kind;
            switch (a.kind) {
              case K::String:
                attrs.append(nb::make_tuple(a.name, "str", a.text));
                break;
              case K::Double:
                attrs.append(nb::make_tuple(a.name, "f8", a.number));
                break;
              case K::Doubles:
                attrs.append(nb::make_tuple(a.name, "f8[]", a.numbers));
                break;
              case K::UInt32:
                attrs.append(nb::make_tuple(a.name, "u4", a.u32));
                break;
              case K::UInt64s:
                attrs.append(nb::make_tuple(a.name, "u8[]", a.u64s));
                break;
              case K::Strings:
                attrs.append(nb::make_tuple(a.name, "str[]", a.texts));
                break;
            }
          }
          nodes.append(nb::make_tuple(n.path, n.dataset, data, attrs));
        }
        nb::dict checks;
        for (size_t i = 0; i < job->species.size(); ++i) {
          const MomentCheck& c = job->checks[i];
          nb::dict d;
          d["chi2_per_dof"] = c.chi2() / c.dof();
          d["dof"] = c.dof();
          d["chi2_density"] = c.chi2_density;
          d["dof_density"] = c.dof_density;
          d["chi2_velocity"] = c.chi2_velocity;
          d["dof_velocity"] = c.dof_velocity;
          d["range99"] = nb::make_tuple(c.lo99, c.hi99);
          d["passes"] = c.passes();
          d["mean_proposals"] = job->species[i].mean_proposals;
          checks[job->species[i].name.c_str()] = d;
        }
        nb::dict out;
        out["layout"] = nodes;
        out["checks"] = checks;
        out["seconds_sampling"] = job->seconds_sampling;
        out["backend"] = backend->name();
        return out;
      },
      "equilibrium"_a, "backend"_a);

  // One spacecraft's observations (include/fluxrope/reconstruct/fit.hpp), filled by fluxrope.fit.
  nb::class_<FitObservations>(m, "FitObservations")
      .def(nb::init<>())
      .def_rw("name", &FitObservations::name)
      .def_rw("t_s", &FitObservations::t_s)
      .def_rw("B_gse_nT", &FitObservations::B_gse_nT)
      .def_rw("B_average_s", &FitObservations::B_average_s)
      .def_rw("t_fpi_s", &FitObservations::t_fpi_s)
      .def_rw("parity", &FitObservations::parity)
      .def_rw("fpi_moments", &FitObservations::fpi_moments)
      .def_rw("ne_cm3", &FitObservations::ne_cm3)
      .def_rw("T_par_eV", &FitObservations::T_par_eV)
      .def_rw("T_perp_eV", &FitObservations::T_perp_eV)
      .def_rw("V_gse_km_s", &FitObservations::V_gse_km_s)
      .def_rw("sigma_ne_cm3", &FitObservations::sigma_ne_cm3)
      .def_rw("sigma_T_par_eV", &FitObservations::sigma_T_par_eV)
      .def_rw("sigma_T_perp_eV", &FitObservations::sigma_T_perp_eV)
      .def_rw("sigma_V_gse_km_s", &FitObservations::sigma_V_gse_km_s)
      .def_rw("pad_energy_eV", &FitObservations::pad_energy_eV)
      .def_rw("pad_pitch_bins", &FitObservations::pad_pitch_bins)
      .def_rw("pad_s3_cm6", &FitObservations::pad_s3_cm6)
      .def_rw("ipad_channel", &FitObservations::ipad_channel)
      .def_rw("ipad_pitch_bins", &FitObservations::ipad_pitch_bins)
      .def_rw("ipad_s3_cm6", &FitObservations::ipad_s3_cm6)
      .def_rw("sigma_ipad_s3_cm6", &FitObservations::sigma_ipad_s3_cm6)
      .def_rw("ipad_counts", &FitObservations::ipad_counts);

  m.def(
      "fit",
      [](const RunConfig& cfg, const std::vector<FitObservations>& obs, const std::string& backend) {
        FitResult r;
        {
          nb::gil_scoped_release release;
          r = fit_job(cfg, obs, {}, backend);
        }
        nb::dict d;
        d["names"] = r.names;
        d["value"] = r.value;
        d["sigma"] = r.sigma;
        d["start"] = r.start;
        const size_t n = r.names.size();
        d["correlation"] = numpy(std::vector<double>(r.correlation), {n, n});
        d["at_bound"] = std::vector<bool>(r.at_bound);
        d["warnings"] = r.warnings;
        d["chi2"] = r.chi2;
        d["dof"] = r.dof;
        d["chi2_labels"] = r.chi2_labels;
        d["chi2_per_n"] = r.chi2_per_dof;
        d["p_value"] = r.p_value;
        d["n_per_label"] = r.n_per_label;
        d["poor"] = r.poor;
        d["rejected_steps"] = r.rejected_steps;
        d["iterations"] = r.iterations;
        d["solves"] = r.solves;
        d["evaluations"] = r.evaluations;
        d["seconds"] = r.seconds;
        d["converged"] = r.converged;
        d["stop_reason"] = r.stop_reason;
        d["best"] = r.best;
        nb::dict pred;
        for (const FitPrediction& p : r.predictions) {
          nb::dict e;
          e["moments"] = p.moments;
          e["B_gse_nT"] = p.B_gse_nT;
          e["ne_cm3"] = p.ne_cm3;
          e["T_par_eV"] = p.T_par_eV;
          e["T_perp_eV"] = p.T_perp_eV;
          e["V_gse_km_s"] = p.V_gse_km_s;
          e["ipad_s3_cm6"] = p.ipad_s3_cm6;
          pred[p.name.c_str()] = e;
        }
        d["predictions"] = pred;
        return d;
      },
      "config"_a, "observations"_a, "backend"_a = "cpu");

  // The fit's objective for a sampler (fluxrope.sample_posterior): chi^2 of a parameter vector.
  nb::class_<FitObjective>(m, "FitObjective")
      .def(nb::init<const RunConfig&, const std::vector<FitObservations>&, const std::string&>(),
           "config"_a, "observations"_a, "backend"_a = "cpu")
      .def_prop_ro("names", &FitObjective::names)
      .def_prop_ro("start", &FitObjective::start)
      .def_prop_ro("n_values", &FitObjective::n_values)
      .def_prop_ro("lower", &FitObjective::lower)
      .def_prop_ro("upper", &FitObjective::upper)
      .def(
          "chi2",
          [](FitObjective& f, const std::vector<double>& p) {
            nb::gil_scoped_release release;
            return f.chi2(p);
          },
          "p"_a);

  m.def(
      "fit_center",
      [](const RunConfig& cfg, const std::vector<std::string>& names,
         const std::vector<std::vector<double>>& t_s, const std::vector<std::vector<double>>& B_nT,
         const std::vector<double>& levels_nT) {
        if (names.size() != t_s.size() || names.size() != B_nT.size())
          throw Error("fit_center: one time series and one |B| series per spacecraft name");
        std::vector<BSeries> series;
        for (size_t i = 0; i < names.size(); ++i) series.push_back({names[i], t_s[i], B_nT[i]});
        CenterFitJob job;
        {
          nb::gil_scoped_release release;
          job = center_fit_job(cfg, series, levels_nT);
        }
        const CenterFitResult& r = job.result;
        nb::dict d;
        d["center_ln_km"] = nb::make_tuple(job.plane.user_L_km, job.plane.user_N_km);
        d["center_plane_ln_km"] = nb::make_tuple(r.L_km, r.N_km);
        d["loss_km2"] = r.loss_km2;
        d["levels_nT"] = job.settings.levels_nT;
        d["radius_km"] = r.radius_km;
        d["skipped"] = r.skipped;
        d["n_crossings"] = r.crossings.size();
        d["plane_basis_gse"] = nb::make_tuple(
            nb::make_tuple(job.plane.e_L.x, job.plane.e_L.y, job.plane.e_L.z),
            nb::make_tuple(job.plane.e_N.x, job.plane.e_N.y, job.plane.e_N.z));
        return d;
      },
      "config"_a, "names"_a, "t_s"_a, "B_nT"_a, "levels_nT"_a = std::vector<double>{});
}
