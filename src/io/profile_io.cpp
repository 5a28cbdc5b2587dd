#include "fluxrope/io/profile_io.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"
#include "fluxrope/instrument/fpi.hpp"
#include "fluxrope/io/output_tables.hpp"
#include "fluxrope/jobs.hpp"
#include "fluxrope/version.hpp"

namespace fluxrope {

using namespace constants;


void write_root_attributes(H5File& f, const RunConfig& cfg) {
  f.attr("/", "fluxrope_version", std::string(VERSION));
  f.attr("/", "config_toml", render_toml(cfg));
}

void write_profile(H5File& f, const RadialProfile& p) {
  f.group("/profile");
  for (const OutputArray& a : profile_arrays(p))
    f.write("/profile/" + a.name, a.data, a.shape, a.units, a.axes);
  f.attr("/profile", "L_st_km", p.scales.L_st / KM_TO_SI);
  f.attr("/profile", "B_st_nT", p.scales.B_st / NT_TO_SI);
  f.attr("/profile", "n_e_cm3", p.n_e / CM3_TO_SI);
  f.attr("/profile", "T_e_eV", p.scales.T_e / EV_TO_SI);
  f.attr("/profile", "v0e_km_s", p.scales.v0e / KM_S_TO_SI);
}

void write_validity(H5File& f, const NegativityReport& r) {
  f.group("/validity");
  f.attr("/validity", "scan",
         fmt::format(
             "f_e in the rope frame at {} points: every 8th radius x 48 energies log-spaced over "
             "[{:g}, {:g}] eV x 26 directions (docs/model.md §8)",
             r.n_scanned, r.e_min_J / EV_TO_SI, r.e_max_J / EV_TO_SI));
  f.attr("/validity", "n_scanned", static_cast<int64_t>(r.n_scanned));
  f.attr("/validity", "n_negative", static_cast<int64_t>(r.n_negative));
  f.attr("/validity", "f_min_s3_cm6", r.f_min * 1e-12);
  f.attr("/validity", "f_max_s3_cm6", r.f_max * 1e-12);
  f.attr("/validity", "rho_km_at_min", r.rho_at_min / KM_TO_SI);
  f.attr("/validity", "energy_eV_at_min", r.energy_at_min / EV_TO_SI);
  f.write("/validity/direction_at_min", {r.dir_at_min.x, r.dir_at_min.y, r.dir_at_min.z}, "1",
          "rho,phi,z");
}

void write_frame(H5File& f, const RopeFrame& fr) {
  f.group("/geometry");
  const Mat3& R = fr.gse_to_rope;
  f.write("/geometry/gse_to_rope",
          {R.r0.x, R.r0.y, R.r0.z, R.r1.x, R.r1.y, R.r1.z, R.r2.x, R.r2.y, R.r2.z}, {3, 3}, "1",
          "rope_xyz,gse");
  f.write("/geometry/lmn_gse",
          {fr.L.x, fr.L.y, fr.L.z, fr.M.x, fr.M.y, fr.M.z, fr.N.x, fr.N.y, fr.N.z}, {3, 3}, "1",
          "lmn,gse");
  f.attr("/geometry", "left_handed_lmn", static_cast<int64_t>(fr.left_handed ? 1 : 0));
  f.attr("/geometry", "max_skew_deg", fr.max_skew_deg);
}

void write_atlas(H5File& f, const std::vector<double>& rho_km, const InstrumentSettings& s,
                 const std::vector<double>& F, const std::vector<double>& frame_velocity_km_s) {
  f.group("/atlas");
  std::vector<double> pitch;
  for (int q = 0; q < s.dense_pad_pitch; ++q)
    pitch.push_back((q + 0.5) * 180.0 / s.dense_pad_pitch);
  f.write("/atlas/f_s3_cm6", F, {rho_km.size(), s.dense_pad_energy_eV.size(), pitch.size()},
          "s^3/cm^6", "rho,energy,pitch");
  f.write("/atlas/rho_km", rho_km, "km", "rho");
  f.write("/atlas/energy_eV", s.dense_pad_energy_eV, "eV", "energy");
  f.write("/atlas/pitch_deg", pitch, "deg", "pitch");
  f.write("/atlas/frame_velocity_rope_km_s", frame_velocity_km_s, "km/s", "xyz_rope");
  f.attr("/atlas/f_s3_cm6", "description",
         std::string("gyro-averaged f (docs/model.md §10) at (rho, 0, 0), pitch against the "
                     "local B, in the frame "
                     "moving with frame_velocity_rope_km_s through the rope"));
  f.attr("/atlas/f_s3_cm6", "gyrophase_nodes", static_cast<int64_t>(s.dense_pad_gyrophase));
}

void write_center_fit(H5File& f, const CenterFitResult& r, const CenterFitSettings& s,
                      const std::vector<CenterFitSpacecraft>& sc, const CenterFitPlane& plane) {
  f.group("/center_fit");
  f.write("/center_fit/center_ln_km", {plane.user_L_km, plane.user_N_km}, "km", "ln");
  f.attr("/center_fit/center_ln_km", "description",
         std::string("the rope axis in the given L, N relative to the reference point at t = 0"));
  // What a plot of the fit needs, in the fit plane's coordinates (those of the crossings).
  f.write("/center_fit/center_plane_ln_km", {r.L_km, r.N_km}, "km", "ln");
  f.write("/center_fit/plane_basis_gse", {plane.e_L.x, plane.e_L.y, plane.e_L.z, plane.e_N.x,
                                          plane.e_N.y, plane.e_N.z},
          {2, 3}, "1", "basis_vector,gse");
  f.attr("/center_fit/plane_basis_gse", "description",
         std::string("rows e_L, e_N: L and N orthonormalized in the plane perpendicular to M, the "
                     "coordinates of "
                     "center_plane_ln_km, crossings, spacecraft_position0_ln_km"));
  std::vector<double> p0;
  for (const auto& c : sc) p0.insert(p0.end(), {c.L0_km, c.N0_km});
  f.write("/center_fit/spacecraft_position0_ln_km", p0, {sc.size(), 2}, "km", "spacecraft,ln");
  f.write("/center_fit/spacecraft_velocity_ln_km_s", {s.vL_km_s, s.vN_km_s}, "km/s", "ln");
  f.write("/center_fit/loss_km2", {r.loss_km2}, "km^2", "scalar");
  f.write("/center_fit/levels_nT", s.levels_nT, "nT", "level");
  f.write("/center_fit/radius_km", r.radius_km, "km", "level");
  std::vector<double> table, dist;
  for (const ContourCrossing& c : r.crossings) {
    for (double v : {static_cast<double>(c.spacecraft), static_cast<double>(c.level),
                     c.inward ? 1.0 : 0.0, c.t_s, c.L_km, c.N_km})
      table.push_back(v);
    dist.push_back(c.d_km);
  }
  f.write("/center_fit/crossings", table, {r.crossings.size(), 6}, "mixed", "crossing,column");
  f.attr(
      "/center_fit/crossings", "columns",
      std::string(
          "spacecraft index, level index, inward (1) / outward (0), t [s], L [km], N [km]; L and N "
          "orthonormalized in the plane perpendicular to M (center_ln_km is in the given L, N)"));
  std::string names;
  for (const auto& c : sc) names += (names.empty() ? "" : ",") + c.name;
  f.attr("/center_fit/crossings", "spacecraft", names);
  f.write("/center_fit/crossing_distance_km", dist, "km", "crossing");
  f.attr("/center_fit", "sqrt_loss_km", std::sqrt(r.loss_km2));
}

void read_b_csv(const std::string& path, std::vector<double>& t_s, std::vector<double>& Bmag_nT) {
  std::vector<double> B;
  read_fit_csv(path, t_s, B, nullptr, nullptr, nullptr);
  for (size_t k = 0; k < t_s.size(); ++k)
    Bmag_nT.push_back(std::sqrt(B[3 * k] * B[3 * k] + B[3 * k + 1] * B[3 * k + 1] +
                                B[3 * k + 2] * B[3 * k + 2]));
}

TrackWriter::TrackWriter(H5File& f, const OutputSettings& o, std::string root)
    : f_(f), o_(o), root_(std::move(root)) {}

void TrackWriter::begin(const std::vector<Track>& tracks, const InstrumentSettings& s) {
  names_.clear();
  beyond_.assign(tracks.size(), 0);
  s_ = s;
  TrackProducts empty;  // the schema of the per-sample arrays
  const std::vector<OutputArray> schema = track_row_arrays(empty, s);
  for (const Track& t : tracks) {
    const std::string g = root_ + "/" + t.name;
    names_.push_back(g);
    f_.group(g);
    for (const OutputArray& a : track_static_arrays(t, s))
      f_.write(g + "/" + a.name, a.data, a.shape, a.units, a.axes);
    for (const OutputArray& a : schema) {
      std::vector<uint64_t> shape = a.shape;
      shape[0] = t.time_s.size();
      const H5File::Type type = a.integer                   ? H5File::Type::I32
                                : a.skymap && o_.float32 ? H5File::Type::F32
                                                            : H5File::Type::F64;
      f_.create(g + "/" + a.name, shape, type, o_.gzip, a.units, a.axes);
    }
    const double cadence_ms =
        1e3 * (t.time_s.size() > 1 ? t.time_s[1] - t.time_s[0] : 0.0);
    f_.attr(g + "/time_s", "description",
            fmt::format("start of each {:g} ms accumulation (as FPI's Epoch)", cadence_ms));
    f_.attr(g, "instrument", std::string(s.species.tag));
    f_.attr(g, "species", std::string(s.species.kind == SpeciesKind::Ion ? "ions" : "electrons"));
    f_.attr(g + "/moments_fpi", "description",
            std::string("moments of dist_s3_cm6 (counts, noise) computed as the FPI ground system "
                        "does (docs/instrument.md); T_par, T_perp against the model field"));
    f_.attr(g + "/moments_fpi_model", "description",
            std::string("the same moments of dist_model_s3_cm6 (noise-free response average)"));
    f_.attr(g + "/dist_s3_cm6", "description",
            std::string(s.counts.noise ? "A counts, A = m^2 / (2 E^2 G dt): what an L2 file holds"
                                       : "the noise-free model f (instrument.noise = false)"));
    f_.attr(g + "/disterr_s3_cm6", "description",
            std::string(s.counts.noise ? "A sqrt(counts)" : "A sqrt(counts_expected)"));
    f_.attr(g + "/counts", "description",
            std::string(s.counts.noise ? "Poisson draws of counts_expected (Philox, seed in config)"
                                       : "counts_expected rounded to the nearest integer"));
    f_.attr(g + "/dist_model_s3_cm6", "response",
            std::string(s.response.kind == ResponseKind::Centre ? "centre" : "integrated"));
    f_.attr(g, "U_rope_km_s",
            fmt::format("[{}, {}, {}]", t.U_rope_m_s.x / KM_S_TO_SI, t.U_rope_m_s.y / KM_S_TO_SI,
                        t.U_rope_m_s.z / KM_S_TO_SI));
    f_.attr(g, "angles_frame",
            std::string("phi/theta: look directions in DBCS (velocity = minus look); "
                        "/geometry and [instrument] dbcs_to_gse give the rotations"));
    f_.attr(g + "/pad_s3_cm6", "weighting",
            std::string(pad_weighting_name(s.pad_weighting)));
    f_.attr(g + "/pad_s3_cm6", "description", std::string("binned from dist_s3_cm6"));
    f_.attr(g + "/pad_gyro_s3_cm6", "gyrophase_nodes", static_cast<int64_t>(s.dense_pad_gyrophase));
    f_.attr(g, "n_beyond_edge", static_cast<int64_t>(0));
  }
}

void TrackWriter::write(size_t track, size_t row0, const TrackProducts& p) {
  const std::string& g = names_.at(track);
  for (const OutputArray& a : track_row_arrays(p, s_)) {
    if (a.integer)
      f_.write_rows(g + "/" + a.name, row0, p.n, a.idata.data());
    else
      f_.write_rows(g + "/" + a.name, row0, p.n, a.values());
  }
  beyond_[track] += p.n_beyond_edge;
  f_.attr(g, "n_beyond_edge", static_cast<int64_t>(beyond_[track]));
}

void write_fit(H5File& f, const FitResult& r, const std::vector<FitObservations>& obs) {
  f.group("/fit");
  const uint64_t n = r.names.size();
  std::string names;
  for (const std::string& s : r.names) names += (names.empty() ? "" : ",") + s;
  f.write("/fit/value", r.value, "mixed", "parameter");
  f.write("/fit/sigma", r.sigma, "mixed", "parameter");
  f.write("/fit/start", r.start, "mixed", "parameter");
  f.write("/fit/correlation", r.correlation, {n, n}, "1", "parameter,parameter_col");
  std::vector<double> at_bound(r.at_bound.begin(), r.at_bound.end());
  f.write("/fit/at_bound", at_bound, "1", "parameter");
  f.attr("/fit/value", "parameters", names);
  f.attr("/fit", "parameters", names);
  f.attr("/fit/sigma", "description",
         std::string("1 sigma from the covariance (J^T J)^-1 scaled by chi^2/dof; inf where the "
                     "data do not constrain the parameter"));
  f.write("/fit/chi2_per_n", r.chi2_per_dof, "1", "quantity");
  std::string labels;
  for (const std::string& s : r.chi2_labels) labels += (labels.empty() ? "" : ",") + s;
  f.attr("/fit/chi2_per_n", "quantities", labels);
  f.attr("/fit", "chi2", r.chi2);
  f.attr("/fit", "dof", static_cast<int64_t>(r.dof));
  f.attr("/fit", "converged", static_cast<int64_t>(r.converged ? 1 : 0));
  f.attr("/fit", "stop_reason", r.stop_reason);
  std::string warnings;
  for (const std::string& w : r.warnings) warnings += (warnings.empty() ? "" : "\n") + w;
  f.attr("/fit", "warnings", warnings);
  f.attr("/fit", "iterations", static_cast<int64_t>(r.iterations));
  f.attr("/fit", "solves", static_cast<int64_t>(r.solves));
  f.attr("/fit", "seconds", r.seconds);
  f.attr("/fit", "best_config_toml", render_toml(r.best));
  {
    std::vector<double> pv = r.p_value;
    f.write("/fit/p_value", pv, "1", "quantity");
    f.attr("/fit/p_value", "description",
           std::string("P(chi^2_N >= chi^2) per quantity: small when the model or the sigmas are wrong"));
    std::string poor;
    for (const std::string& q : r.poor) poor += (poor.empty() ? "" : "; ") + q;
    f.attr("/fit", "poor_quantities", poor);
    f.attr("/fit", "rejected_steps", static_cast<int64_t>(r.rejected_steps));
    f.attr("/fit", "evaluations", static_cast<int64_t>(r.evaluations));
  }
  // what was fitted, and the forward model at the best fit (figure: examples/fig_fit.py)
  for (size_t oi = 0; oi < obs.size(); ++oi) {
    const FitObservations& o = obs[oi];
    const FitPrediction& m = r.predictions[oi];
    const std::string g = "/fit/tracks/" + o.name;
    f.group(g);
    const uint64_t k = o.t_s.size(), nf = o.n_fpi();
    f.write(g + "/time_s", o.t_s, "s", "time");
    f.write(g + "/observed_B_gse_nT", o.B_gse_nT, {k, 3}, "nT", "time,gse");
    f.write(g + "/model_B_gse_nT", m.B_gse_nT, {k, 3}, "nT", "time,gse");
    const bool fpi_axis = !o.t_fpi_s.empty();
    const char* ax = fpi_axis ? "fpi_time" : "time";
    if (fpi_axis) f.write(g + "/fpi_time_s", o.t_fpi_s, "s", "fpi_time");
    f.attr(g, "moments", m.moments);
    auto pair = [&](const std::string& what, const std::vector<double>& ob,
                    const std::vector<double>& model, const char* units) {
      if (ob.empty()) return;
      f.write(g + "/observed_" + what, ob, units, ax);
      f.write(g + "/model_" + what, model, units, ax);
    };
    pair("ne_cm3", o.ne_cm3, m.ne_cm3, "cm^-3");
    pair("T_par_eV", o.T_par_eV, m.T_par_eV, "eV");
    pair("T_perp_eV", o.T_perp_eV, m.T_perp_eV, "eV");
    if (!o.V_gse_km_s.empty()) {
      f.write(g + "/observed_Ve_gse_km_s", o.V_gse_km_s, {nf, 3}, "km/s", std::string(ax) + ",gse");
      f.write(g + "/model_Ve_gse_km_s", m.V_gse_km_s, {nf, 3}, "km/s", std::string(ax) + ",gse");
    }
    if (!o.pad_s3_cm6.empty()) {
      const std::vector<uint64_t> shape{nf, o.pad_energy_eV.size(),
                                        static_cast<uint64_t>(o.pad_pitch_bins)};
      const std::string axes = std::string(ax) + ",pad_energy,pad_pitch";
      f.write(g + "/observed_pad_s3_cm6", o.pad_s3_cm6, shape, "s^3/cm^6", axes);
      f.write(g + "/model_pad_s3_cm6", m.pad_s3_cm6, shape, "s^3/cm^6", axes);
      f.write(g + "/pad_energy_eV", o.pad_energy_eV, "eV", "pad_energy");
    }
    if (!o.ipad_s3_cm6.empty()) {
      const std::vector<uint64_t> shape{nf, o.ipad_channel.size(),
                                        static_cast<uint64_t>(o.ipad_pitch_bins)};
      const std::string axes = std::string(ax) + ",pad_channel,pitch";
      f.write(g + "/observed_ipad_s3_cm6", o.ipad_s3_cm6, shape, "s^3/cm^6", axes);
      f.write(g + "/model_ipad_s3_cm6", m.ipad_s3_cm6, shape, "s^3/cm^6", axes);
      if (!o.ipad_counts.empty()) {
        f.write(g + "/observed_ipad_counts", o.ipad_counts, shape, "counts", axes);
        f.write(g + "/model_ipad_counts", m.ipad_counts, shape, "counts", axes);
      }
      std::vector<double> ch(o.ipad_channel.begin(), o.ipad_channel.end());
      f.write(g + "/pad_channel", ch, "1", "pad_channel");
    }
  }
}

namespace {
// One CSV cell as a finite number, or false (text, trailing characters, empty, inf, nan).
bool parse_cell(const std::string& cell, double& v) {
  size_t a = cell.find_first_not_of(" \t\r"), b = cell.find_last_not_of(" \t\r");
  if (a == std::string::npos) return false;
  const std::string c = cell.substr(a, b - a + 1);
  char* end = nullptr;
  errno = 0;
  v = std::strtod(c.c_str(), &end);
  return end == c.c_str() + c.size() && errno != ERANGE && std::isfinite(v);
}

std::vector<std::string> split_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream ss(line);
  while (std::getline(ss, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.push_back("");
  return cells;
}
}  // namespace

void read_fit_csv(const std::string& path, std::vector<double>& t_s, std::vector<double>& B,
                  std::vector<double>* ne, std::vector<double>* tpar, std::vector<double>* tperp) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw Error(fmt::format("cannot read CSV file '{}': no such file", path));
  if (!fs::is_regular_file(st))
    throw Error(fmt::format("cannot read CSV file '{}': not a regular file", path));
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("cannot read CSV file '{}'", path));
  if ((ne == nullptr) != (tpar == nullptr) || (ne == nullptr) != (tperp == nullptr))
    throw Error("read_fit_csv: the moment columns are read all three (ne, T_par, T_perp) or none");
  const bool moments = ne != nullptr;
  const char* layout = moments ? "time_s, Bx, By, Bz, ne_cm3, T_par_eV, T_perp_eV"
                               : "time_s, Bx, By, Bz[, ne_cm3, T_par_eV, T_perp_eV]";
  std::string line;
  int number = 0;
  size_t columns = 0;  // of the first data row; every row must have as many
  bool seen_content = false;
  while (std::getline(in, line)) {
    ++number;
    if (line.size() > 100000)
      throw Error(fmt::format("CSV file '{}', line {}: longer than 100000 characters", path, number));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos || line[line.find_first_not_of(" \t")] == '#')
      continue;
    const std::vector<std::string> cells = split_cells(line);
    std::vector<double> v(cells.size());
    size_t bad = cells.size();
    for (size_t c = 0; c < cells.size(); ++c)
      if (!parse_cell(cells[c], v[c])) {
        bad = c;
        break;
      }
    if (bad < cells.size()) {
      if (!seen_content) {  // a header line
        seen_content = true;
        continue;
      }
      throw Error(fmt::format(
          "CSV file '{}', line {}, column {}: '{}' is not a finite number (expected {})", path,
          number, bad + 1, cells[bad], layout));
    }
    seen_content = true;
    if (columns == 0) columns = cells.size();
    if (cells.size() != columns)
      throw Error(fmt::format("CSV file '{}', line {}: {} columns where the rows above have {}",
                              path, number, cells.size(), columns));
    if ((cells.size() != 4 && cells.size() != 7) || (moments && cells.size() != 7))
      throw Error(fmt::format("CSV file '{}', line {}: {} columns, expected {}", path, number,
                              cells.size(), layout));
    t_s.push_back(v[0]);
    B.insert(B.end(), {v[1], v[2], v[3]});
    if (moments) {
      ne->push_back(v[4]);
      tpar->push_back(v[5]);
      tperp->push_back(v[6]);
    }
    if (t_s.size() > 10000000)
      throw Error(fmt::format("CSV file '{}' has more than 1e7 rows", path));
  }
  if (in.bad()) throw Error(fmt::format("CSV file '{}': read error", path));
  if (t_s.size() < 2) throw Error(fmt::format("CSV file '{}' has fewer than two samples", path));
  for (size_t k = 1; k < t_s.size(); ++k)
    if (!(t_s[k] > t_s[k - 1]))
      throw Error(fmt::format("CSV file '{}': time_s must increase strictly (row {}: {} after {})",
                              path, k + 1, t_s[k], t_s[k - 1]));
}

std::string track_group(const H5File& in, const std::string& name) {
  const std::string g = "/tracks/" + name;
  if (!in.exists(g))
    throw Error(fmt::format("'{}' has no {} for spacecraft {}", in.path(), g, name));
  return g;
}

BSeries read_track_bseries(const H5File& in, const std::string& name) {
  const std::string g = track_group(in, name);
  BSeries s;
  s.name = name;
  s.t_s = in.read_shaped(g + "/time_s", {-1});
  const int64_t n = static_cast<int64_t>(s.t_s.size());
  const std::vector<double> B = in.read_shaped(g + "/B_gse_nT", {n, 3});
  for (int64_t k = 0; k < n; ++k)
    s.Bmag_nT.push_back(std::sqrt(B[3 * k] * B[3 * k] + B[3 * k + 1] * B[3 * k + 1] +
                                  B[3 * k + 2] * B[3 * k + 2]));
  return s;
}

FitObservations read_track_observations(const H5File& in, const std::string& name, bool moments,
                                        const std::vector<double>& pad_energies_eV, bool fpi,
                                        const std::vector<int>& pad_channels,
                                        const InstrumentSettings* instrument) {
  const std::string g = track_group(in, name);
  FitObservations ob;
  ob.name = name;
  // values the fit needs (finite, increasing times, positive moments), named with the file
  const auto check = [&](const char* what, const std::vector<double>& v, size_t per, bool positive) {
    for (size_t i = 0; i < v.size(); ++i)
      if (!std::isfinite(v[i]) || (positive && !(v[i] > 0)))
        throw Error(fmt::format("'{}': {}/{}[{}] = {} is {}", in.path(), g, what, i / per, v[i],
                                std::isfinite(v[i]) ? "not positive" : "not finite"));
  };
  ob.t_s = in.read_shaped(g + "/time_s", {-1});
  check("time_s", ob.t_s, 1, false);
  for (size_t k = 1; k < ob.t_s.size(); ++k)
    if (!(ob.t_s[k] > ob.t_s[k - 1]))
      throw Error(fmt::format("'{}': {}/time_s must increase strictly (time_s[{}] = {} after {})",
                              in.path(), g, k, ob.t_s[k], ob.t_s[k - 1]));
  const int64_t n = static_cast<int64_t>(ob.t_s.size());
  ob.B_gse_nT = in.read_shaped(g + "/B_gse_nT", {n, 3});
  check("B_gse_nT", ob.B_gse_nT, 3, false);
  if (!moments) return ob;
  if (in.exists(g + "/parity")) {
    const std::vector<double> par = in.read_shaped(g + "/parity", {n});
    for (size_t k = 0; k < par.size(); ++k) {
      if (par[k] != 0.0 && par[k] != 1.0)
        throw Error(fmt::format("'{}': {}/parity[{}] = {} must be 0 or 1", in.path(), g, k, par[k]));
      ob.parity.push_back(static_cast<int>(par[k]));
    }
  }
  if (fpi) {
    // what the ground system reports from the Poisson counts, with its counting statistics
    const std::string m = g + "/moments_fpi/";
    ob.fpi_moments = true;
    ob.ne_cm3 = in.read_shaped(m + "n_cm3", {n});
    ob.T_par_eV = in.read_shaped(m + "T_par_eV", {n});
    ob.T_perp_eV = in.read_shaped(m + "T_perp_eV", {n});
    ob.V_gse_km_s = in.read_shaped(m + "V_gse_km_s", {n, 3});
    check("moments_fpi/n_cm3", ob.ne_cm3, 1, true);
    check("moments_fpi/T_par_eV", ob.T_par_eV, 1, true);
    check("moments_fpi/T_perp_eV", ob.T_perp_eV, 1, true);
    check("moments_fpi/V_gse_km_s", ob.V_gse_km_s, 3, false);
    if (in.exists(m + "sigma_n_cm3")) {
      ob.sigma_ne_cm3 = in.read_shaped(m + "sigma_n_cm3", {n});
      ob.sigma_T_par_eV = in.read_shaped(m + "sigma_T_par_eV", {n});
      ob.sigma_T_perp_eV = in.read_shaped(m + "sigma_T_perp_eV", {n});
      ob.sigma_V_gse_km_s = in.read_shaped(m + "sigma_V_gse_km_s", {n, 3});
      for (const auto& [what, v] : {std::pair<const char*, const std::vector<double>*>{
                                        "moments_fpi/sigma_n_cm3", &ob.sigma_ne_cm3},
                                    {"moments_fpi/sigma_T_par_eV", &ob.sigma_T_par_eV},
                                    {"moments_fpi/sigma_T_perp_eV", &ob.sigma_T_perp_eV},
                                    {"moments_fpi/sigma_V_gse_km_s", &ob.sigma_V_gse_km_s}})
        check(what, *v, 1, false);
    }
  } else {
    ob.ne_cm3 = in.read_shaped(g + "/ne_cm3", {n});
    ob.T_par_eV = in.read_shaped(g + "/T_par_eV", {n});
    ob.T_perp_eV = in.read_shaped(g + "/T_perp_eV", {n});
    check("ne_cm3", ob.ne_cm3, 1, true);
    check("T_par_eV", ob.T_par_eV, 1, true);
    check("T_perp_eV", ob.T_perp_eV, 1, true);
  }
  if (!pad_channels.empty()) {
    // the instrument-style PAD of the recorded skymaps, binned against the recorded field
    const InstrumentSettings is = instrument ? *instrument : InstrumentSettings{};
    const std::vector<double> dist =
        in.read_shaped(g + "/dist_s3_cm6", {n, FPI_N_PHI, FPI_N_THETA, FPI_N_ENERGY});
    check("dist_s3_cm6", dist, FPI_N_BINS, false);
    ob.ipad_channel = pad_channels;
    ob.ipad_pitch_bins = is.pad_bins;
    const Mat3 gse_to_dbcs = transpose(is.dbcs_to_gse);
    for (int64_t k = 0; k < n; ++k) {
      const int par = ob.parity.empty() ? static_cast<int>(k % 2) : ob.parity[static_cast<size_t>(k)];
      double A[FPI_N_ENERGY];
      for (int i = 0; i < FPI_N_ENERGY; ++i)
        A[i] = one_count_level_s3_cm6(fpi_energy_table(par)[i], is.counts.g_dt(i));
      const Vec3 b = gse_to_dbcs * Vec3{ob.B_gse_nT[3 * k], ob.B_gse_nT[3 * k + 1], ob.B_gse_nT[3 * k + 2]};
      const PadCells c = pad_cells(dist.data() + k * FPI_N_BINS, b, pad_channels, is.pad_bins,
                                   is.pad_weighting, A);
      ob.ipad_s3_cm6.insert(ob.ipad_s3_cm6.end(), c.value.begin(), c.value.end());
      ob.sigma_ipad_s3_cm6.insert(ob.sigma_ipad_s3_cm6.end(), c.sigma.begin(), c.sigma.end());
      ob.ipad_counts.insert(ob.ipad_counts.end(), c.counts.begin(), c.counts.end());
    }
  }
  if (pad_energies_eV.empty()) return ob;
  // the synth file's dense PAD (n, E, Q) at the channels nearest the asked energies
  std::vector<uint64_t> shape;
  const std::vector<double> F = in.read_shaped(g + "/pad_gyro_s3_cm6", {n, -1, -1}, &shape);
  const std::vector<double> E =
      in.read_shaped(g + "/pad_gyro_energy_eV", {static_cast<int64_t>(shape[1])});
  if (E.empty() || shape[2] == 0)
    throw Error(fmt::format("'{}': {}/pad_gyro_s3_cm6 is empty", in.path(), g));
  for (double e : E)
    if (!(e > 0 && std::isfinite(e)))
      throw Error(fmt::format("'{}': {}/pad_gyro_energy_eV holds {} (energies must be positive)",
                              in.path(), g, e));
  ob.pad_pitch_bins = static_cast<int>(shape[2]);
  std::vector<size_t> pick;
  for (double want : pad_energies_eV) {
    size_t best = 0;
    for (size_t e = 0; e < E.size(); ++e)
      if (std::fabs(std::log(E[e] / want)) < std::fabs(std::log(E[best] / want))) best = e;
    pick.push_back(best);
    ob.pad_energy_eV.push_back(E[best]);
  }
  for (uint64_t k = 0; k < shape[0]; ++k)
    for (size_t e : pick)
      for (uint64_t q = 0; q < shape[2]; ++q)
        ob.pad_s3_cm6.push_back(F[(k * shape[1] + e) * shape[2] + q]);
  return ob;
}

void add_fit_noise(std::vector<FitObservations>& obs, const FitSettings& s, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  for (FitObservations& o : obs) {
    for (double& b : o.B_gse_nT) b += s.sigma_B_nT * g(rng);
    if (o.fpi_moments) continue;  // FPI moments and PADs carry the noise of their counts
    for (double& v : o.ne_cm3) v *= 1.0 + s.sigma_n_rel * g(rng);
    for (double& v : o.T_par_eV) v *= 1.0 + s.sigma_T_rel * g(rng);
    for (double& v : o.T_perp_eV) v *= 1.0 + s.sigma_T_rel * g(rng);
    for (double& v : o.pad_s3_cm6) v *= 1.0 + s.sigma_pad_rel * g(rng);
  }
}

void write_solver_history(H5File& f, const SolveResult& r, const SolverSettings& s,
                          const std::string& backend) {
  f.group("/solver");
  std::vector<double> dB, ne, secs;
  for (const PassRecord& p : r.history) {
    dB.push_back(p.max_dB_nT);
    ne.push_back(p.n_e / CM3_TO_SI);
    secs.push_back(p.seconds);
  }
  f.write("/solver/max_dB_nT", dB, "nT", "pass");
  f.write("/solver/n_e_cm3", ne, "cm^-3", "pass");
  f.write("/solver/pass_seconds", secs, "s", "pass");
  f.attr("/solver/max_dB_nT", "description",
         std::string(
             "max over rho of |B(pass k) - B(pass k-1)|; entry 0 (pass 0, closed form) is NaN"));
  f.attr("/solver", "passes", static_cast<int64_t>(r.history.size()) - 1);
  f.attr("/solver", "converged", static_cast<int64_t>(r.converged ? 1 : 0));
  f.attr("/solver", "tol_nT", s.tol_nT);
  f.attr("/solver", "backend", backend);
}

}  // namespace fluxrope
