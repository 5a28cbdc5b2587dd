// [geometry] and [instrument] tables: defaults (the default event), typed reading of
// arrays and the spacecraft list, and their TOML rendering.
#include "fluxrope/io/event_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <set>
#include <sstream>

#include "fluxrope/core/error.hpp"

namespace fluxrope {

GeometrySettings default_event_geometry() {
  GeometrySettings g;  // LMN of Yang et al. 2022 (GeometrySettings' defaults)
  // MMS1 passes 2 km from the axis (representative): the axis sits at L = 2 km, N = 0 from it.
  g.center_L_km = 2.0;
  g.center_N_km = 0.0;
  // 170 km/s across the axis along N (the crossing direction, so that B_L is the bipolar
  // component) and 140 km/s along it: V = 170 N - 140 M with N, M normalized. The sign along M
  // is the one that makes antiparallel fluxes exceed parallel ones outside the rope, as observed
  // (paper section 2; representative: the paper does not list the vector).
  g.rope_velocity_gse_km_s = {-29.1, 78.5, -207.4};
  g.t_start_s = -0.5;
  g.duration_s = 1.0;
  g.cadence_s = 0.03;
  // a regular tetrahedron of 10 km sides, MMS1 at the reference point (representative)
  g.spacecraft = {{"MMS1", {0.0, 0.0, 0.0}},
                  {"MMS2", {10.0, 0.0, 0.0}},
                  {"MMS3", {5.0, 8.660254, 0.0}},
                  {"MMS4", {5.0, 2.886751, 8.164966}}};
  return g;
}

namespace {

const std::set<std::string>& geometry_keys() {
  static const std::set<std::string> k = {
      "L_gse",     "M_gse",      "N_gse",     "center_ln_km", "rope_velocity_gse_km_s",
      "t_start_s", "t0_utc",     "duration_s", "cadence_s",    "spacecraft",
      "reference_gse_km",        "formation_velocity_gse_km_s"};
  return k;
}
// [instrument] keys of the whole run, shared by DES and DIS.
const std::set<std::string>& common_instrument_keys() {
  static const std::set<std::string> k = {"pad_bins", "pad_weighting", "dbcs_to_gse",
                                          "dense_pad_pitch", "dense_pad_gyrophase", "noise",
                                          "seed", "sc_potential_V"};
  return k;
}
// Keys of one spectrometer: [instrument.des] (or, the old names, [instrument]) and [instrument.dis].
const std::set<std::string>& spectrometer_keys() {
  static const std::set<std::string> k = {
      "dense_pad_energy_eV", "response",         "energy_fwhm_rel",       "acceptance_phi_deg",
      "acceptance_theta_deg", "sweep",           "sweep_energy",          "nodes_energy",
      "nodes_phi",           "nodes_theta",      "nodes_time",            "g_dt_cm2_sr_s",
      "one_count_s3_cm6",    "moments_E0_eV",    "moments_energy_min_eV", "moments_energy_max_eV"};
  return k;
}
// Keys only [instrument.dis] has.
const std::set<std::string>& dis_only_keys() {
  static const std::set<std::string> k = {"enabled", "cadence_s", "ion_mass_amu"};
  return k;
}
std::set<std::string> joined(std::initializer_list<const std::set<std::string>*> sets) {
  std::set<std::string> out;
  for (const auto* s : sets) out.insert(s->begin(), s->end());
  return out;
}
const std::set<std::string>& instrument_keys() {
  static const std::set<std::string> k = [] {
    std::set<std::string> all = joined({&common_instrument_keys(), &spectrometer_keys()});
    all.insert({"des", "dis"});
    return all;
  }();
  return k;
}
const std::set<std::string>& des_keys() { return spectrometer_keys(); }
const std::set<std::string>& dis_keys() {
  static const std::set<std::string> k = joined({&spectrometer_keys(), &dis_only_keys()});
  return k;
}
const std::set<std::string>& fit_keys() {
  static const std::set<std::string> k = {"free",        "bounds",         "sigma_B_nT",
                                          "sigma_n_rel", "sigma_T_rel",    "sigma_pad_rel",
                                          "max_iterations", "rel_step",    "sigma_V_km_s",
                                          "moments",     "likelihood",     "warn_chi2_per_n"};
  return k;
}
const std::set<std::string>& particles_keys() {
  static const std::set<std::string> k = {
      "dims",    "x_range_km", "y_range_km", "z_length_km", "cells",  "particles_per_cell",
      "loading", "species",    "ion_mass_amu", "seed",      "fields", "current",
      "max_attempts"};
  return k;
}
const std::set<std::string>& output_keys() {
  static const std::set<std::string> k = {"float32", "gzip", "batch_samples",
                                             "release_page_cache"};
  return k;
}

std::string list(const std::set<std::string>& s) {
  std::string out;
  for (const auto& k : s) out += (out.empty() ? "" : ", ") + k;
  return out;
}

// Every number of these tables must be finite (TOML allows nan and inf literals).
double number(const toml::node& n, const std::string& what) {
  if (!n.is_number()) throw Error(fmt::format("{} must be a number", what));
  const double v = *n.value<double>();
  if (!std::isfinite(v)) throw Error(fmt::format("{}: {} is not finite", what, v));
  return v;
}

double bounded(const toml::node& n, double lo, double hi, const std::string& what,
               const char* unit) {
  const double v = number(n, what);
  if (!(v >= lo && v <= hi))
    throw Error(fmt::format("{}: {:g} is out of range: it must be in [{:g}, {:g}] {} (README "
                            "\"Valid ranges\")",
                            what, v, lo, hi, unit));
  return v;
}

// A vector of three numbers whose length is at most max_norm.
Vec3 bounded_vec3(const toml::node& n, double max_norm, const std::string& what,
                  const char* unit);

std::vector<double> numbers(const toml::node& n, size_t count, const std::string& what) {
  const toml::array* a = n.as_array();
  if (!a || a->size() != count)
    throw Error(fmt::format("{} must be an array of {} numbers", what, count));
  std::vector<double> out;
  for (const auto& e : *a) out.push_back(number(e, what));
  return out;
}

Vec3 vec3(const toml::node& n, const std::string& what) {
  const auto v = numbers(n, 3, what);
  return {v[0], v[1], v[2]};
}

Vec3 bounded_vec3(const toml::node& n, double max_norm, const std::string& what,
                  const char* unit) {
  const Vec3 v = vec3(n, what);
  const double len = std::sqrt(norm2(v));
  if (!(len <= max_norm))
    throw Error(fmt::format("{}: [{:g}, {:g}, {:g}] is out of range: its length {:.4g} {} must "
                            "be at most {:g} {} (README \"Valid ranges\")",
                            what, v.x, v.y, v.z, len, unit, max_norm, unit));
  return v;
}

// A direction: three finite numbers, not all zero.
Vec3 direction(const toml::node& n, const std::string& what) {
  const Vec3 v = bounded_vec3(n, 1e6, what, "");
  if (!(norm2(v) > 1e-24))
    throw Error(fmt::format("{}: [{:g}, {:g}, {:g}] is not a direction (zero length)", what, v.x,
                            v.y, v.z));
  return v;
}

int integer_in(const toml::node& n, long lo, long hi, const std::string& what) {
  auto v = n.value<int64_t>();
  if (!n.is_integer() || !v || *v < lo || *v > hi)
    throw Error(fmt::format("{} must be an integer in [{}, {}]", what, lo, hi));
  return static_cast<int>(*v);
}

double number_in(const toml::node& n, double lo, double hi, const std::string& what,
                 const std::string& why) {
  const double v = number(n, what);
  if (!(v >= lo && v <= hi)) throw Error(fmt::format("{} = {} {}", what, v, why));
  return v;
}

std::string choice(const toml::node& n, const std::vector<std::string>& options,
                   const std::string& what) {
  auto v = n.value<std::string>();
  for (const auto& o : options)
    if (v && *v == o) return o;
  std::string list;
  for (const auto& o : options) list += (list.empty() ? "" : ", ") + ("\"" + o + "\"");
  throw Error(fmt::format("{}{} must be one of {}", what,
                          v ? fmt::format(" = \"{}\"", *v) : std::string(), list));
}

// An ISO 8601 UTC time "YYYY-MM-DDThh:mm:ss[.f...]" (a trailing Z allowed) in 2000-2100, as
// the MMS files are stamped; returned without the Z.
std::string utc_time(const toml::node& n, const std::string& what) {
  auto v = n.value<std::string>();
  const std::string bad = fmt::format(
      "{} must be a UTC time \"YYYY-MM-DDThh:mm:ss[.fff]\" in 2000-2100 (e.g. "
      "\"2015-10-19T14:07:56.5\")", what);
  if (!n.is_string() || !v) throw Error(bad);
  std::string s = *v;
  if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) s.pop_back();
  auto digits = [&](size_t at, size_t len) {
    if (s.size() < at + len) return -1;
    int x = 0;
    for (size_t i = at; i < at + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return -1;
      x = 10 * x + (s[i] - '0');
    }
    return x;
  };
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':')
    throw Error(bad + fmt::format(", got \"{}\"", *v));
  const int year = digits(0, 4), month = digits(5, 2), day = digits(8, 2), hour = digits(11, 2),
            minute = digits(14, 2), second = digits(17, 2);
  const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  const int month_days[] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool ok = year >= 2000 && year <= 2100 && month >= 1 && month <= 12 && day >= 1 &&
            hour >= 0 && hour < 24 && minute >= 0 && minute < 60 && second >= 0 && second < 60;
  ok = ok && day <= month_days[month - 1];
  if (ok && s.size() > 19) {  // a fraction of a second: '.' and 1-9 digits
    ok = s[19] == '.' && s.size() >= 21 && s.size() <= 29 && digits(20, s.size() - 20) >= 0;
  }
  if (!ok) throw Error(bad + fmt::format(", got \"{}\"", *v));
  s[10] = 'T';
  return s;
}

bool boolean(const toml::node& n, const std::string& what) {
  auto v = n.value<bool>();
  if (!n.is_boolean() || !v) throw Error(fmt::format("{} must be true or false", what));
  return *v;
}

}  // namespace

bool is_common_instrument_key(const std::string& key) {
  return common_instrument_keys().count(key) > 0;
}

void check_event_key(const std::string& table, const std::string& key, const std::string& where) {
  const auto& keys = table == "geometry"         ? geometry_keys()
                     : table == "instrument"     ? instrument_keys()
                     : table == "instrument.des" ? des_keys()
                     : table == "instrument.dis" ? dis_keys()
                     : table == "fit"            ? fit_keys()
                     : table == "particles"      ? particles_keys()
                                                 : output_keys();
  if (!keys.count(key))
    throw Error(
        fmt::format("unknown key {}.{} in {} (accepts: {})", table, key, where, list(keys)));
}

GeometrySettings geometry_from(const toml::table& t, const std::string& where) {
  GeometrySettings g = default_event_geometry();
  for (const auto& [k, n] : t) {
    const std::string key(k.str()), what = fmt::format("geometry.{} in {}", key, where);
    if (key == "L_gse") g.L_gse = direction(n, what);
    if (key == "M_gse") g.M_gse = direction(n, what);
    if (key == "N_gse") g.N_gse = direction(n, what);
    if (key == "rope_velocity_gse_km_s")
      g.rope_velocity_gse_km_s = bounded_vec3(n, GEOMETRY_MAX_SPEED_KM_S, what, "km/s");
    if (key == "center_ln_km") {
      const auto c = numbers(n, 2, what);
      for (double v : c)
        if (!(std::fabs(v) <= GEOMETRY_MAX_DISTANCE_KM))
          throw Error(fmt::format("{}: [{:g}, {:g}] is out of range: each must be within +-{:g} "
                                  "km (README \"Valid ranges\")",
                                  what, c[0], c[1], GEOMETRY_MAX_DISTANCE_KM));
      g.center_L_km = c[0];
      g.center_N_km = c[1];
    }
    if (key == "t_start_s")
      g.t_start_s = bounded(n, -GEOMETRY_MAX_TIME_S, GEOMETRY_MAX_TIME_S, what, "s");
    if (key == "t0_utc") g.t0_utc = utc_time(n, what);
    if (key == "reference_gse_km") g.reference_gse_km = bounded_vec3(n, 1e6, what, "km");
    if (key == "formation_velocity_gse_km_s")
      g.formation_velocity_gse_km_s = bounded_vec3(n, GEOMETRY_MAX_SPEED_KM_S, what, "km/s");
    if (key == "duration_s") g.duration_s = bounded(n, 1e-6, GEOMETRY_MAX_TIME_S, what, "s");
    if (key == "cadence_s") g.cadence_s = bounded(n, 1e-4, 1e4, what, "s");
    if (key == "spacecraft") {
      const toml::array* a = n.as_array();
      if (!a || a->empty())
        throw Error(
            fmt::format("{} must be a non-empty array of tables ([[geometry.spacecraft]])", what));
      g.spacecraft.clear();
      for (const auto& e : *a) {
        const toml::table* sc = e.as_table();
        if (!sc)
          throw Error(
              fmt::format("{}: every entry must be a table with name and position_gse_km", what));
        SpacecraftSpec s;
        for (const auto& [sk, sn] : *sc) {
          const std::string skey(sk.str());
          if (skey == "name") {
            auto v = sn.value<std::string>();
            const bool ok = v && !v->empty() && v->size() <= 32 &&
                            std::all_of(v->begin(), v->end(), [](char c) {
                              return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
                                     c == '-' || c == '.';
                            });
            if (!ok)
              throw Error(fmt::format(
                  "{}: name {} must be 1-32 characters of letters, digits, '_', '-', '.' (it "
                  "names an HDF5 group)",
                  what, v ? "'" + *v + "'" : std::string("(not a string)")));
            s.name = *v;
          } else if (skey == "position_gse_km") {
            s.position_gse_km =
                bounded_vec3(sn, GEOMETRY_MAX_DISTANCE_KM, what + " position_gse_km", "km");
          } else {
            throw Error(fmt::format(
                "unknown key geometry.spacecraft.{} in {} (accepts: name, position_gse_km)", skey,
                where));
          }
        }
        if (s.name.empty()) throw Error(fmt::format("{}: an entry has no name", what));
        for (const auto& other : g.spacecraft)
          if (other.name == s.name)
            throw Error(fmt::format("{}: spacecraft name '{}' appears twice", what, s.name));
        g.spacecraft.push_back(s);
      }
      if (g.spacecraft.size() > GEOMETRY_MAX_SPACECRAFT)
        throw Error(fmt::format("{}: {} spacecraft, at most {} are allowed", what,
                                g.spacecraft.size(), GEOMETRY_MAX_SPACECRAFT));
    }
  }
  return g;
}

void validate(const GeometrySettings& g) {
  if (!(g.cadence_s > 0) || !std::isfinite(g.cadence_s))
    throw Error(fmt::format("geometry.cadence_s = {} must be positive", g.cadence_s));
  if (!(g.duration_s >= g.cadence_s))
    throw Error(fmt::format("geometry.duration_s = {} must be at least one cadence ({} s)",
                            g.duration_s, g.cadence_s));
  const double samples = std::floor(g.duration_s / g.cadence_s * (1 + 1e-12));
  if (samples > GEOMETRY_MAX_SAMPLES)
    throw Error(fmt::format(
        "geometry.duration_s = {:g} s at cadence_s = {:g} s is {:.3g} samples a spacecraft; at "
        "most {:g} are allowed (a 1-day FPI burst interval is 2.9e6)",
        g.duration_s, g.cadence_s, samples, GEOMETRY_MAX_SAMPLES));
  // The LMN vectors must form a frame: M and N independent (the axis and the crossing
  // direction), no pair of the three within 30 degrees of parallel (an MVA triad is orthogonal;
  // such a skew is a typo).
  const auto angle_deg = [](Vec3 a, Vec3 b) {
    const double c = std::fabs(dot(a, b)) / std::sqrt(norm2(a) * norm2(b));
    return std::acos(std::min(1.0, c)) * 180.0 / 3.14159265358979323846;
  };
  const std::pair<const char*, double> pairs[3] = {
      {"L_gse and M_gse", angle_deg(g.L_gse, g.M_gse)},
      {"M_gse and N_gse", angle_deg(g.M_gse, g.N_gse)},
      {"L_gse and N_gse", angle_deg(g.L_gse, g.N_gse)}};
  for (const auto& [names, deg] : pairs)
    if (!(deg >= 60.0))
      throw Error(fmt::format("geometry.{} are {:.2f} deg from parallel: LMN must be "
                              "(nearly) orthogonal directions",
                              names, deg));
}

InstrumentSettings default_instrument(const Species& species) {
  InstrumentSettings s;
  s.species = species;
  s.dense_pad_energy_eV.assign(species.energy(0).begin(), species.energy(0).end());
  if (species.kind == SpeciesKind::Ion) s.counts.g_dt_cm2_sr_s = DIS_DEFAULT_G_DT_CM2_SR_S;
  return s;
}

DisSettings dis_from(const toml::table& t, const std::string& where) {
  DisSettings d;
  if (const toml::node* n = t.get("ion_mass_amu"))
    d.ion_mass_amu = bounded(*n, 0.5, 300.0, fmt::format("instrument.dis.ion_mass_amu in {}", where),
                             "u (the ion mass: 1.00728 protons)");
  if (const toml::node* n = t.get("enabled"))
    d.enabled = boolean(*n, fmt::format("instrument.dis.enabled in {}", where));
  if (const toml::node* n = t.get("cadence_s"))
    d.cadence_s = bounded(*n, 1e-3, 1e3, fmt::format("instrument.dis.cadence_s in {}", where),
                          "s (DIS burst: 0.15)");
  toml::table rest;
  for (const auto& [key, node] : t)
    if (!dis_only_keys().count(std::string(key.str()))) {
      const toml::key k = key;  // (C++17 lambdas cannot capture a structured binding)
      node.visit([&](auto&& v) { rest.insert_or_assign(k, v); });
    }
  d.instrument = instrument_from(rest, where, dis_species(d.ion_mass_amu));
  return d;
}

InstrumentSettings instrument_from(const toml::table& t, const std::string& where,
                                   const Species& species) {
  InstrumentSettings s = default_instrument(species);
  const std::string table = species.kind == SpeciesKind::Ion ? "instrument.dis" : "instrument";
  for (const auto& [k, n] : t) {
    const std::string key(k.str()), what = fmt::format("{}.{} in {}", table, key, where);
    if (key == "pad_bins") {
      auto v = n.value<int64_t>();
      if (!n.is_integer() || !v || *v < 1 || *v > 180)
        throw Error(fmt::format("{} must be an integer in [1, 180]", what));
      s.pad_bins = static_cast<int>(*v);
    }
    if (key == "pad_weighting") {
      const std::string v = choice(n, {"unweighted", "solid_angle", "pyrfu"}, what);
      for (PadWeighting w : {PadWeighting::Unweighted, PadWeighting::SolidAngle,
                             PadWeighting::PhiOfThetaMeans})
        if (v == pad_weighting_name(w)) s.pad_weighting = w;
    }
    if (key == "dense_pad_pitch" || key == "dense_pad_gyrophase") {
      auto v = n.value<int64_t>();
      if (!n.is_integer() || !v || *v < 1 || *v > 4096)
        throw Error(fmt::format("{} must be an integer in [1, 4096]", what));
      (key == "dense_pad_pitch" ? s.dense_pad_pitch : s.dense_pad_gyrophase) = static_cast<int>(*v);
    }
    if (key == "dense_pad_energy_eV") {
      const toml::array* a = n.as_array();
      if (!a || a->empty() || a->size() > 1024)
        throw Error(fmt::format("{} must be an array of 1 to 1024 energies [eV]", what));
      s.dense_pad_energy_eV.clear();
      for (const auto& e : *a) {
        const double E = number(e, what);
        if (!(E >= 1e-2 && E <= 1e6))
          throw Error(fmt::format("{}: energy {:g} eV is out of range [0.01, 1e6] eV", what, E));
        if (!s.dense_pad_energy_eV.empty() && !(E > s.dense_pad_energy_eV.back()))
          throw Error(fmt::format("{}: energies must increase strictly ({:g} eV follows {:g} eV)",
                                  what, E, s.dense_pad_energy_eV.back()));
        s.dense_pad_energy_eV.push_back(E);
      }
    }
    ResponseSettings& r = s.response;
    if (key == "response")
      r.kind = choice(n, {"centre", "integrated"}, what) == "centre" ? ResponseKind::Centre
                                                                     : ResponseKind::Integrated;
    if (key == "energy_fwhm_rel")  // FWHM in ln E: ln 10 is a passband a decade wide
      r.energy_fwhm_rel = number_in(n, 0.0, std::log(10.0), what,
                                    "must be in [0, ln 10 = 2.303] (FWHM of the passband in ln E; "
                                    "0 = the channel energy only, more than ln 10 is wider than a "
                                    "decade)");
    if (key == "acceptance_phi_deg")
      r.acceptance_phi_deg =
          number_in(n, 0.0, 90.0, what, "must be in [0, 90] degrees (0 = the bin centre only)");
    if (key == "acceptance_theta_deg")
      r.acceptance_theta_deg = number_in(
          n, 0.0, 11.25, what, "must be in [0, 11.25] degrees (at most one anode; 0 = the centre)");
    if (key == "sweep") {
      const std::string v = choice(n, {"instant", "linear", "deflection_major"}, what);
      for (Sweep sw : {Sweep::Instant, Sweep::Linear, Sweep::DeflectionMajor})
        if (v == sweep_name(sw)) r.sweep = sw;
    }
    if (key == "sweep_energy")
      r.energy_descending = choice(n, {"descending", "ascending"}, what) == "descending";
    if (key == "nodes_energy") r.nodes_energy = integer_in(n, 1, 64, what);
    if (key == "nodes_phi") r.nodes_phi = integer_in(n, 1, 64, what);
    if (key == "nodes_theta") r.nodes_theta = integer_in(n, 1, 64, what);
    if (key == "nodes_time") r.nodes_time = integer_in(n, 1, 64, what);
    CountSettings& c = s.counts;
    if (key == "g_dt_cm2_sr_s") {
      // G dt per pixel and energy step: the FPI DES value is ~1e-7 cm^2 sr s (docs/instrument.md);
      // eight decades either side keep every expected count within int32 and above 1e-30.
      c.g_dt_cm2_sr_s = bounded(n, 1e-15, 1e-3, what, "cm^2 sr s (G dt per pixel and energy step)");
    }
    if (key == "one_count_s3_cm6") {
      const auto A = numbers(n, FPI_N_ENERGY, what);
      c.g_dt_table.clear();
      for (int i = 0; i < FPI_N_ENERGY; ++i) {
        const double E = species.energy(0)[i];
        const double g_dt = A[i] > 0 ? g_dt_from_one_count(E, A[i], species.mass_kg) : 0.0;
        if (!(A[i] > 0) || !(g_dt >= 1e-15 && g_dt <= 1e-3))
          throw Error(fmt::format("{}: entry {} = {:g} must be positive and give G dt in [1e-15, "
                                  "1e-3] cm^2 sr s (disterr^2 / dist of a parity-0 record, "
                                  "s^3/cm^6; it gives {:g})",
                                  what, i, A[i], g_dt));
        c.g_dt_table.push_back(g_dt);
      }
    }
    if (key == "noise") c.noise = boolean(n, what);
    if (key == "seed") {
      auto v = n.value<int64_t>();
      if (!n.is_integer() || !v || *v < 0)
        throw Error(fmt::format("{} must be an integer in [0, 2^63)", what));
      c.seed = static_cast<std::uint64_t>(*v);
    }
    MomentSettings& m = s.moments;
    if (key == "sc_potential_V")
      m.sc_potential_V = number_in(n, -1e3, 1e3, what, "must be in [-1000, 1000] V");
    if (key == "moments_E0_eV")
      m.E0_eV = number_in(n, 1e-3, 1e6, what, "must be positive (eV)");
    if (key == "moments_energy_min_eV")
      m.energy_min_eV = number_in(n, 0.0, 1e6, what, "must be in [0, 1e6] eV");
    if (key == "moments_energy_max_eV")
      m.energy_max_eV = number_in(n, 0.0, 1e300, what, "must be positive (eV)");
    if (key == "dbcs_to_gse") {
      const toml::array* a = n.as_array();
      if (!a || a->size() != 3) throw Error(fmt::format("{} must be a 3x3 array (rows)", what));
      s.dbcs_to_gse = Mat3{vec3(*a->get(0), what), vec3(*a->get(1), what), vec3(*a->get(2), what)};
      const Mat3 I = s.dbcs_to_gse * transpose(s.dbcs_to_gse);
      const double err = std::fabs(I.r0.x - 1) + std::fabs(I.r1.y - 1) + std::fabs(I.r2.z - 1) +
                         std::fabs(I.r0.y) + std::fabs(I.r0.z) + std::fabs(I.r1.z);
      if (err > 1e-6)
        throw Error(
            fmt::format("{} is not a rotation (R R^T differs from 1 by {:.2g})", what, err));
      const Mat3& R = s.dbcs_to_gse;
      const double det = dot(R.r0, cross(R.r1, R.r2));
      if (det < 0)
        throw Error(fmt::format("{} is a reflection (determinant {:.6g}), not a rotation", what, det));
    }
  }
  // both ways of giving the one-count level: only the table is kept (it is the last word of a
  // merged table), so say which one wins instead of guessing
  if (t.contains("g_dt_cm2_sr_s") && t.contains("one_count_s3_cm6"))
    throw Error(fmt::format(
        "{0}.g_dt_cm2_sr_s and {0}.one_count_s3_cm6 in {1} both set the one-count level: give "
        "one of them",
        table, where));
  return s;
}

void validate(const InstrumentSettings& s) {
  if (!(s.moments.energy_max_eV > s.moments.energy_min_eV))
    throw Error(fmt::format(
        "{}.moments_energy_max_eV = {:g} must exceed moments_energy_min_eV = {:g}",
        s.species.kind == SpeciesKind::Ion ? "instrument.dis" : "instrument",
        s.moments.energy_max_eV, s.moments.energy_min_eV));
}

OutputSettings output_from(const toml::table& t, const std::string& where) {
  OutputSettings o;
  for (const auto& [k, n] : t) {
    const std::string key(k.str()), what = fmt::format("output.{} in {}", key, where);
    if (key == "float32") o.float32 = boolean(n, what);
    if (key == "gzip") o.gzip = integer_in(n, 0, 9, what);
    if (key == "batch_samples") o.batch_samples = integer_in(n, 1, 100000, what);
    if (key == "release_page_cache") o.release_page_cache = boolean(n, what);
  }
  return o;
}

ParticleSettings particles_from(const toml::table& t, const std::string& where) {
  ParticleSettings p;
  for (const auto& [k, n] : t) {
    const std::string key(k.str()), what = fmt::format("particles.{} in {}", key, where);
    if (key == "dims") p.dims = integer_in(n, 2, 3, what);
    if (key == "x_range_km" || key == "y_range_km") {
      const auto r = numbers(n, 2, what);
      (key == "x_range_km" ? p.x_range_km : p.y_range_km) = {r[0], r[1]};
    }
    if (key == "z_length_km") p.z_length_km = number_in(n, 1e-6, 1e6, what, "must be a length in (0, 1e6] km");
    if (key == "cells") {
      const toml::array* a = n.as_array();
      if (!a || a->size() < 2 || a->size() > 3)
        throw Error(fmt::format("{} must be an array of 2 or 3 integers (cells along x, y[, z])", what));
      for (size_t i = 0; i < a->size(); ++i)
        p.cells[i] = integer_in(*a->get(i), 1, 100000, what);
    }
    if (key == "particles_per_cell")
      p.particles_per_cell = integer_in(n, 1, 1000000, what + " (zero particles per cell samples nothing)");
    if (key == "loading") p.loading = choice(n, {"weighted", "equal"}, what);
    if (key == "species") {
      const toml::array* a = n.as_array();
      if (!a || a->empty())
        throw Error(fmt::format("{} must be a non-empty array of \"electrons\", \"ions\"", what));
      p.species.clear();
      for (const auto& e : *a) p.species.push_back(choice(e, {"electrons", "ions"}, what));
    }
    if (key == "ion_mass_amu") p.ion_mass_amu = number_in(n, 1e-6, 1e3, what, "must be a mass in (0, 1000] u");
    if (key == "seed") {
      auto v = n.value<int64_t>();
      if (!n.is_integer() || !v || *v < 0)
        throw Error(fmt::format("{} must be a non-negative integer", what));
      p.seed = static_cast<std::uint64_t>(*v);
    }
    if (key == "fields") p.fields = choice(n, {"yee", "node"}, what);
    if (key == "current") p.current = boolean(n, what);
    if (key == "max_attempts") p.max_attempts = integer_in(n, 1, 100000000, what);
  }
  return p;
}

std::string render_particles_toml(const ParticleSettings& p) {
  std::ostringstream o;
  o << "\n[particles]   # fluxrope particles: initial conditions for PIC codes (docs/simulation.md)\n";
  o << fmt::format("dims        = {}   # 2: the cross-section (x, y), the axis along z; 3: periodic along z\n", p.dims);
  o << fmt::format("x_range_km  = [{}, {}]   # the box in the rope frame, the axis at x = y = 0\n",
                   p.x_range_km[0], p.x_range_km[1]);
  o << fmt::format("y_range_km  = [{}, {}]\n", p.y_range_km[0], p.y_range_km[1]);
  o << fmt::format("z_length_km = {}   # 3-D only\n", p.z_length_km);
  o << fmt::format("cells       = [{}, {}, {}]   # along x, y, z (z: 3-D only)\n", p.cells[0],
                   p.cells[1], p.cells[2]);
  o << fmt::format("particles_per_cell = {}\n", p.particles_per_cell);
  o << fmt::format("loading     = \"{}\"   # \"weighted\" (ppc in every cell, w = n V / ppc) or \"equal\" (one weight)\n",
                   p.loading);
  std::string sp;
  for (const std::string& s : p.species) sp += (sp.empty() ? "" : ", ") + ("\"" + s + "\"");
  o << fmt::format("species     = [{}]\n", sp);
  o << fmt::format("ion_mass_amu = {}   # the equilibrium does not depend on it (reduced mass ratios)\n",
                   p.ion_mass_amu);
  o << fmt::format("seed        = {}   # Philox key: (seed, species, particle)\n", p.seed);
  o << fmt::format("fields      = \"{}\"   # \"yee\" (staggered) or \"node\"\n", p.fields);
  o << fmt::format("current     = {}   # also the model's current density J on the grid\n",
                   p.current ? "true" : "false");
  o << fmt::format("max_attempts = {}   # proposals a particle before it is an error\n", p.max_attempts);
  return o.str();
}

FitSettings fit_from(const toml::table& t, const std::string& where) {
  FitSettings f;
  for (const auto& [k, n] : t) {
    const std::string key(k.str()), what = fmt::format("fit.{} in {}", key, where);
    if (key == "free") {
      const toml::array* a = n.as_array();
      if (!a || a->empty())
        throw Error(fmt::format("{} must be a non-empty array of parameter names", what));
      f.free.clear();
      for (const auto& e : *a) {
        auto v = e.value<std::string>();
        if (!v) throw Error(fmt::format("{}: every entry must be a string (a parameter name)", what));
        f.free.push_back(*v);
      }
    }
    if (key == "bounds") {
      const toml::table* b = n.as_table();
      if (!b) throw Error(fmt::format("{} must be a table {{ name = [lower, upper], ... }}", what));
      f.bounds.clear();
      for (const auto& [bk, bn] : *b) {
        const auto lohi = numbers(bn, 2, what + "." + std::string(bk.str()));
        if (!(lohi[0] < lohi[1]))
          throw Error(fmt::format("{}.{} = [{}, {}]: the lower bound must be below the upper", what,
                                  bk.str(), lohi[0], lohi[1]));
        f.bounds[std::string(bk.str())] = {lohi[0], lohi[1]};
      }
    }
    if (key == "sigma_B_nT") f.sigma_B_nT = number_in(n, 1e-6, 1e3, what, "must be positive (nT)");
    if (key == "sigma_n_rel") f.sigma_n_rel = number_in(n, 1e-6, 10, what, "must be positive");
    if (key == "sigma_T_rel") f.sigma_T_rel = number_in(n, 1e-6, 10, what, "must be positive");
    if (key == "sigma_pad_rel") f.sigma_pad_rel = number_in(n, 1e-6, 10, what, "must be positive");
    if (key == "max_iterations") f.max_iterations = integer_in(n, 1, 10000, what);
    if (key == "rel_step") f.rel_step = number_in(n, 1e-10, 0.1, what, "must be in (0, 0.1]");
    if (key == "sigma_V_km_s") f.sigma_V_km_s = number_in(n, 1e-6, 1e4, what, "must be in [1e-6, 1e4] km/s");
    if (key == "warn_chi2_per_n")
      f.warn_chi2_per_n = number_in(n, 1e-3, 1e12, what, "must be in [1e-3, 1e12]");
    if (key == "moments" || key == "likelihood") {
      const auto v = n.value<std::string>();
      const bool ok = v && (key == "moments" ? (*v == "auto" || *v == "instrument" || *v == "model")
                                             : (*v == "gaussian" || *v == "poisson"));
      if (!ok)
        throw Error(fmt::format("{} must be {}", what,
                                key == "moments" ? "\"auto\", \"instrument\" or \"model\""
                                                 : "\"gaussian\" or \"poisson\""));
      (key == "moments" ? f.moments : f.likelihood) = *v;
    }
  }
  return f;
}

namespace {
std::string v3(Vec3 v) {
  return fmt::format("[{}, {}, {}]", v.x, v.y, v.z);
}
}  // namespace

// One spectrometer's keys ([instrument.des] or [instrument.dis]).
static void render_spectrometer(std::ostringstream& o, const InstrumentSettings& s) {
  std::string energies;
  for (double E : s.dense_pad_energy_eV)
    energies += (energies.empty() ? "" : ", ") + fmt::format("{}", E);
  o << fmt::format("dense_pad_energy_eV = [{}]   # gyro-averaged PAD energies\n", energies);
  const ResponseSettings& r = s.response;
  o << "# bin response (docs/instrument.md): what each skymap bin averages over\n";
  o << fmt::format("response             = \"{}\"   # \"integrated\" or \"centre\" (bin-centre f)\n",
                   r.kind == ResponseKind::Centre ? "centre" : "integrated");
  o << fmt::format("energy_fwhm_rel      = {}   # FWHM of the Gaussian passband in ln E (~dE/E)\n",
                   r.energy_fwhm_rel);
  o << fmt::format("acceptance_phi_deg   = {}   # top-hat acceptance across the fan\n",
                   r.acceptance_phi_deg);
  o << fmt::format("acceptance_theta_deg = {}   # top-hat acceptance along the fan (anode)\n",
                   r.acceptance_theta_deg);
  o << fmt::format(
      "sweep                = \"{}\"   # \"deflection_major\", \"linear\" or \"instant\"\n",
      sweep_name(r.sweep));
  o << fmt::format("sweep_energy         = \"{}\"   # energy order of a sweep\n",
                   r.energy_descending ? "descending" : "ascending");
  o << fmt::format("nodes_energy         = {}   # Gauss-Hermite nodes in ln E\n", r.nodes_energy);
  o << fmt::format("nodes_phi            = {}   # Gauss-Legendre nodes across the acceptance\n",
                   r.nodes_phi);
  o << fmt::format("nodes_theta          = {}\n", r.nodes_theta);
  o << fmt::format("nodes_time           = {}   # Gauss-Legendre nodes over each dwell\n",
                   r.nodes_time);
  const CountSettings& c = s.counts;
  o << "# counts: N = f / A, A = m^2 / (2 E^2 G dt)\n";
  if (c.g_dt_table.empty()) {
    o << fmt::format("g_dt_cm2_sr_s        = {}   # G dt per pixel and energy step [cm^2 sr s]\n",
                     c.g_dt_cm2_sr_s);
  } else {
    std::string A;
    for (int i = 0; i < FPI_N_ENERGY; ++i)
      A += (A.empty() ? "" : ", ") +
           fmt::format("{}", one_count_level_s3_cm6(s.species.energy(0)[i], c.g_dt_table[i],
                                                    s.species.mass_kg));
    o << fmt::format("one_count_s3_cm6     = [{}]   # disterr^2/dist per channel (parity 0)\n", A);
  }
  const MomentSettings& m = s.moments;
  o << "# moments as the FPI ground system computes them (docs/instrument.md)\n";
  o << fmt::format("moments_E0_eV        = {}   # U = E / (E + E0) mapping\n", m.E0_eV);
  o << fmt::format("moments_energy_min_eV = {}\n", m.energy_min_eV);
  o << fmt::format("moments_energy_max_eV = {:g}\n", m.energy_max_eV);
}

std::string render_event_toml(const GeometrySettings& g, const InstrumentSettings& s,
                              const DisSettings& dis, const OutputSettings& out, const FitSettings& fit) {
  std::ostringstream o;
  o << "\n[geometry]\n";
  o << "# LMN in GSE (the rope axis is M); model axes: z = M, x = N orthogonalized, y = z x x\n";
  o << fmt::format("L_gse       = {}\n", v3(g.L_gse));
  o << fmt::format("M_gse       = {}\n", v3(g.M_gse));
  o << fmt::format("N_gse       = {}\n", v3(g.N_gse));
  o << fmt::format(
      "center_ln_km = [{}, {}]   # rope axis (L, N) relative to the reference point at t = 0\n",
      g.center_L_km, g.center_N_km);
  o << fmt::format("rope_velocity_gse_km_s = {}   # ion bulk velocity seen by the spacecraft\n",
                   v3(g.rope_velocity_gse_km_s));
  o << fmt::format("t0_utc      = \"{}\"   # UTC of t = 0\n", g.t0_utc);
  o << fmt::format("t_start_s   = {}\n", g.t_start_s);
  o << fmt::format("duration_s  = {}\n", g.duration_s);
  o << fmt::format("cadence_s   = {}   # FPI burst: 0.03\n", g.cadence_s);
  o << fmt::format("reference_gse_km = {}   # the reference point at t = 0 (MEC positions)\n",
                   v3(g.reference_gse_km));
  o << fmt::format("formation_velocity_gse_km_s = {}   # (MEC velocities)\n",
                   v3(g.formation_velocity_gse_km_s));
  for (const auto& sc : g.spacecraft) {
    o << "\n[[geometry.spacecraft]]\n";
    o << fmt::format("name = \"{}\"\nposition_gse_km = {}   # relative to the reference point\n",
                     sc.name, v3(sc.position_gse_km));
  }
  o << "\n[instrument]   # run-wide; each spectrometer's own keys in [instrument.des], [instrument.dis]\n";
  o << fmt::format("pad_bins      = {}   # equal pitch-angle bins over 0-180 deg\n", s.pad_bins);
  o << fmt::format(
      "pad_weighting = \"{}\"   # \"unweighted\" (pySPEDAS), \"solid_angle\" or \"pyrfu\"\n",
      pad_weighting_name(s.pad_weighting));
  o << fmt::format("dbcs_to_gse   = [{}, {}, {}]   # rows; identity: DBCS taken as GSE\n",
                   v3(s.dbcs_to_gse.r0), v3(s.dbcs_to_gse.r1), v3(s.dbcs_to_gse.r2));
  o << fmt::format(
      "dense_pad_pitch     = {}   # pitch nodes at the centres of equal bins over 0-180 deg\n",
      s.dense_pad_pitch);
  o << fmt::format("dense_pad_gyrophase = {}   # trapezoidal gyrophase nodes\n",
                   s.dense_pad_gyrophase);
  const CountSettings& c = s.counts;
  o << fmt::format("noise                = {}   # Poisson counts (false: dist = the model f)\n",
                   c.noise ? "true" : "false");
  o << fmt::format("seed                 = {}   # Philox key: (seed, species, spacecraft, sample, bin)\n",
                   c.seed);
  o << fmt::format("sc_potential_V       = {}   # moments: electron energies E - e V_sc, ions E + e V_sc\n",
                   s.moments.sc_potential_V);
  o << "\n[instrument.des]   # the electron spectrometer (DES); the old [instrument] names work too\n";
  render_spectrometer(o, s);
  o << "\n[instrument.dis]   # the ion spectrometer (DIS), docs/instrument.md \"Ions (DIS)\"\n";
  o << fmt::format("enabled      = {}   # fluxrope synth writes the DIS products\n",
                   dis.enabled ? "true" : "false");
  o << fmt::format("cadence_s    = {}   # DIS burst: 0.15\n", dis.cadence_s);
  o << fmt::format("ion_mass_amu = {}   # protons: 1.007276466621\n", dis.ion_mass_amu);
  render_spectrometer(o, dis.instrument);
  o << "\n[output]\n";
  o << fmt::format("float32       = {}   # skymap-sized arrays as float32, as the L2 files\n",
                   out.float32 ? "true" : "false");
  o << fmt::format("gzip          = {}   # deflate level of the chunked datasets (0-9)\n", out.gzip);
  o << fmt::format("batch_samples = {}   # samples per batch (a backend launch, an HDF5 chunk)\n",
                   out.batch_samples);
  o << fmt::format("release_page_cache = {}   # stream the written file out of the page cache\n",
                   out.release_page_cache ? "true" : "false");
  o << "\n[fit]   # fluxrope fit (docs/fit.md)\n";
  std::string names;
  for (const std::string& n : fit.free) names += (names.empty() ? "" : ", ") + ("\"" + n + "\"");
  o << fmt::format("free = [{}]\n", names);
  std::string bounds;
  for (const auto& [n, b] : fit.bounds)
    bounds += (bounds.empty() ? "" : ", ") + fmt::format("{} = [{}, {}]", n, b.first, b.second);
  o << fmt::format("bounds = {{{}}}   # name = [lower, upper]\n", bounds);
  o << fmt::format("sigma_B_nT     = {}   # uncertainty of each field component [nT]\n",
                   fit.sigma_B_nT);
  o << fmt::format("sigma_n_rel    = {}   # of the density, relative\n", fit.sigma_n_rel);
  o << fmt::format("sigma_T_rel    = {}   # of T_par and T_perp, relative\n", fit.sigma_T_rel);
  o << fmt::format("sigma_pad_rel  = {}   # of gyro-averaged PAD values, relative\n",
                   fit.sigma_pad_rel);
  o << fmt::format("sigma_V_km_s   = {}   # of each electron velocity component [km/s]\n",
                   fit.sigma_V_km_s);
  o << fmt::format("moments        = \"{}\"   # \"auto\", \"instrument\" (ground-system moments of "
                   "synthesized skymaps) or \"model\"\n",
                   fit.moments);
  o << fmt::format("likelihood     = \"{}\"   # \"gaussian\" or \"poisson\" (instrument PAD cells' "
                   "counts)\n",
                   fit.likelihood);
  o << fmt::format("warn_chi2_per_n = {}   # chi^2/N of a quantity above this: a warning\n",
                   fit.warn_chi2_per_n);
  o << fmt::format("max_iterations = {}\n", fit.max_iterations);
  o << fmt::format("rel_step       = {}   # finite-difference step, relative\n", fit.rel_step);
  return o.str();
}

}  // namespace fluxrope
