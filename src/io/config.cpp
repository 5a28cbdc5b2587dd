#include "fluxrope/io/config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string_view>

#include "fluxrope/core/error.hpp"
#include "fluxrope/io/event_config.hpp"

namespace fluxrope {

namespace {

// ---------------------------------------------------------------------------
// Key tables: name, kind, accessor and the comment show-config prints.
// ---------------------------------------------------------------------------
enum class Kind { Number, Integer };

// Every key has a closed range [lo, hi] (README "Valid ranges"): wide enough for any rope a
// non-relativistic model describes, narrow enough that no product overflows or runs for ever.
template <class S>
struct Key {
  const char* name;
  Kind kind;
  std::function<double&(S&)> number;
  std::function<int&(S&)> integer;
  const char* comment;
  double lo, hi;
};

template <class S>
Key<S> num(const char* name, double S::*m, const char* comment, double lo, double hi) {
  return {name, Kind::Number, [m](S& s) -> double& { return s.*m; }, nullptr, comment, lo, hi};
}
template <class S>
Key<S> integer(const char* name, int S::*m, const char* comment, double lo, double hi) {
  return {name, Kind::Integer, nullptr, [m](S& s) -> int& { return s.*m; }, comment, lo, hi};
}

const std::vector<Key<NormalizedParams>>& normalized_keys() {
  using P = NormalizedParams;
  static const std::vector<Key<P>> k = {
      num("alpha_r", &P::alpha_r, "rotating population weight (w_r = -alpha_r)", 0, 100),
      num("alpha_z", &P::alpha_z, "axial population weight (w_z = alpha_z)", 0, 100),
      num("gamma", &P::gamma, "V / (Omega L_st)", -100, 100),
      num("epsilon", &P::epsilon, "Omega / (e B_st / m_e)", 1e-8, 1),
      num("B0_nT", &P::B0_nT, "B_z on the axis [nT]", 1e-3, 1e5),
      num("n_i_cm3", &P::n_i_cm3, "ion density n_i [cm^-3]", 1e-6, 1e6),
      num("b_b", &P::b_b, "mu coefficient of the background population, b_b / B_st", -100, 100),
      num("b_r", &P::b_r, "mu coefficient of the rotating population, b_r / B_st", -100, 100),
      num("b_z", &P::b_z, "mu coefficient of the axial population, b_z / B_st", -100, 100),
      num("T_b_eV", &P::T_b_eV, "background temperature T_b [eV]", 1e-3, 1e5),
      num("tau_b", &P::tau_b, "T_b / T_e (reference T_e = T_r)", 1e-3, 1e3),
      num("tau", &P::tau, "T_i / T_e", 1e-3, 1e3),
      num("tau_z", &P::tau_z, "T_z / T_e", 1e-3, 1e3),
  };
  return k;
}

const std::vector<Key<PhysicalParams>>& physical_keys() {
  using P = PhysicalParams;
  static const std::vector<Key<P>> k = {
      num("alpha_r", &P::alpha_r, "rotating population weight (w_r = -alpha_r)", 0, 100),
      num("alpha_z", &P::alpha_z, "axial population weight (w_z = alpha_z)", 0, 100),
      num("B0_nT", &P::B0_nT, "B_z on the axis [nT]", 1e-3, 1e5),
      num("n_i_cm3", &P::n_i_cm3, "ion density n_i [cm^-3]", 1e-6, 1e6),
      num("T_b_eV", &P::T_b_eV, "background temperature [eV]", 1e-3, 1e5),
      num("T_r_eV", &P::T_r_eV, "rotating population temperature = reference T_e [eV]", 1e-3, 1e5),
      num("T_z_eV", &P::T_z_eV, "axial population temperature [eV]", 1e-3, 1e5),
      num("T_i_eV", &P::T_i_eV, "ion temperature [eV]", 1e-3, 1e5),
      num("Omega_per_s", &P::Omega_per_s, "rotation rate Omega [1/s]", 1e-6, 1e6),
      num("V_km_s", &P::V_km_s, "axial drift V [km/s]", -3e4, 3e4),
      num("b_b_nT", &P::b_b_nT, "mu coefficient of the background population [nT]", -1e5, 1e5),
      num("b_r_nT", &P::b_r_nT, "mu coefficient of the rotating population [nT]", -1e5, 1e5),
      num("b_z_nT", &P::b_z_nT, "mu coefficient of the axial population [nT]", -1e5, 1e5),
  };
  return k;
}

const std::vector<Key<SolverSettings>>& solver_keys() {
  using S = SolverSettings;
  static const std::vector<Key<S>> k = {
      num("x_max", &S::x_max, "domain edge in L_st", 0.5, 100),
      integer("n_rho", &S::n_rho, "radial grid points over [0, x_max] (output and field tables)",
              11, 100001),
      integer("passes", &S::passes, "gyro-centre passes after pass 0; 0 = iterate to convergence",
              0, 1000),
      num("tol_nT", &S::tol_nT, "convergence: max |B(k) - B(k-1)| [nT]", 1e-12, 1e3),
      integer("max_passes", &S::max_passes, "limit when iterating to convergence", 1, 1000),
      integer("n_shape", &S::n_shape,
              "Chebyshev nodes in rho for the shape integrals (edge panel: half)", 9, 4097),
      integer("quad_par", &S::quad_par, "Gauss-Hermite nodes along b", 4, 200),
      integer("quad_perp", &S::quad_perp, "Gauss-Hermite nodes per perpendicular direction", 4,
              200),
      num("ode_rtol", &S::ode_rtol, "Dormand-Prince relative tolerance", 1e-15, 1e-3),
  };
  return k;
}

template <class S>
std::string key_list(const std::vector<Key<S>>& keys) {
  std::string s;
  for (const auto& k : keys) s += (s.empty() ? "" : ", ") + std::string(k.name);
  return s;
}

// ---------------------------------------------------------------------------
// Presets
// ---------------------------------------------------------------------------
NormalizedParams yang2022() {
  // docs/model.md §4: exactly the released run (n_i = 40, tau_b = T_b/T_r = 1.05).
  NormalizedParams p;
  p.alpha_r = 0.75;
  p.alpha_z = 0.35;
  p.gamma = 2.0;
  p.epsilon = 0.002;
  p.B0_nT = 22.0;
  p.n_i_cm3 = 40.0;
  p.b_b = -0.07;
  p.b_r = 0.0;
  p.b_z = 0.53;
  p.T_b_eV = 34.8;
  p.tau_b = 1.05;
  p.tau = 3.7;
  p.tau_z = 0.4;
  return p;
}

NormalizedParams preset_params(const std::string& name) {
  if (name == "yang2022") return yang2022();
  if (name == "vinogradov2016") {
    NormalizedParams p = yang2022();  // the same rope without the mu terms (b_s = 0)
    p.b_b = p.b_r = p.b_z = 0.0;
    return p;
  }
  if (name == "uniform") {
    NormalizedParams p = yang2022();  // no current-carrying populations: B = B0, Phi = 0
    p.alpha_r = p.alpha_z = 0.0;
    p.b_b = p.b_r = p.b_z = 0.0;
    return p;
  }
  std::string names;
  for (const auto& pi : presets()) names += (names.empty() ? "" : ", ") + pi.name;
  throw Error(fmt::format("unknown preset '{}' (available: {})", name, names));
}

// ---------------------------------------------------------------------------
// Merging: values keyed by name, typed as TOML gives them.
// ---------------------------------------------------------------------------
struct Value {
  bool is_integer = false;
  double number = 0.0;
  long long integer = 0;
  std::string where;  // for messages: "file.toml" or "--set"
};

struct Merged {
  std::string form = "normalized";
  std::map<std::string, Value> model, solver;
  toml::table geometry, instrument, output, fit, particles;  // overrides of the defaults, checked as they come
  toml::table instrument_dis;  // [instrument.dis] ([instrument.des] goes into instrument)
};

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    default:
      return "a date/time";
  }
}

bool known(const std::string& form, const std::string& key) {
  auto has = [&](const auto& keys) {
    for (const auto& k : keys)
      if (key == k.name) return true;
    return false;
  };
  return form == "physical" ? has(physical_keys()) : has(normalized_keys());
}

void apply(Merged& m, const std::string& table, const std::string& key, const toml::node& node,
           const std::string& where) {
  if (table == "model" && key == "form") {
    const auto s = node.value<std::string>();
    if (!s)
      throw Error(
          fmt::format("model.form in {} must be a string (\"normalized\" or \"physical\"), got {}",
                      where, type_name(node)));
    if (*s != "normalized" && *s != "physical")
      throw Error(fmt::format(
          "model.form = \"{}\" in {} is not a form (expected \"normalized\" or \"physical\")", *s,
          where));
    if (*s != m.form) m.model.clear();  // switching form: every key of the new form must be given
    m.form = *s;
    return;
  }
  // [instrument.des] / [instrument.dis] as a table, or --set instrument.dis.key=value
  if (table == "instrument") {
    for (const char* sub : {"des", "dis"}) {
      const std::string prefix = std::string(sub) + ".";
      if (key == sub) {
        const toml::table* t = node.as_table();
        if (!t)
          throw Error(fmt::format("instrument.{} in {} must be a table ([instrument.{}]), got {}",
                                  sub, where, sub, type_name(node)));
        for (const auto& [k, n] : *t) apply(m, "instrument." + key, std::string(k.str()), n, where);
        return;
      }
      if (key.rfind(prefix, 0) == 0) {
        apply(m, "instrument." + std::string(sub), key.substr(prefix.size()), node, where);
        return;
      }
    }
  }
  if (table == "instrument.des" || table == "instrument.dis") {
    check_event_key(table, key, where);
    toml::table one;
    node.visit([&](auto&& n) { one.insert_or_assign(key, n); });
    if (table == "instrument.des")
      instrument_from(one, where);  // type-check now, naming the source
    else
      dis_from(one, where);
    toml::table& dest = table == "instrument.des" ? m.instrument : m.instrument_dis;
    node.visit([&](auto&& n) { dest.insert_or_assign(key, n); });
    return;
  }
  if (table == "geometry" || table == "instrument" || table == "output" || table == "fit" ||
      table == "particles") {
    check_event_key(table, key, where);
    toml::table one;
    node.visit([&](auto&& n) { one.insert_or_assign(key, n); });
    if (table == "particles")
      particles_from(one, where);
    else if (table == "geometry")
      geometry_from(one, where);  // type-check now, naming the source
    else if (table == "instrument")
      instrument_from(one, where);
    else if (table == "fit")
      fit_from(one, where);
    else
      output_from(one, where);
    toml::table& dest = table == "geometry"     ? m.geometry
                        : table == "instrument" ? m.instrument
                        : table == "fit"        ? m.fit
                        : table == "particles"  ? m.particles
                                                : m.output;
    node.visit([&](auto&& n) { dest.insert_or_assign(key, n); });
    return;
  }
  std::map<std::string, Value>* dest = nullptr;
  if (table == "model") {
    if (!known(m.form, key))
      throw Error(fmt::format(
          "unknown key model.{} in {} (form = \"{}\" accepts: form, {})", key, where, m.form,
          m.form == "physical" ? key_list(physical_keys()) : key_list(normalized_keys())));
    dest = &m.model;
  } else if (table == "solver") {
    bool ok = false;
    for (const auto& k : solver_keys()) ok = ok || key == k.name;
    if (!ok)
      throw Error(fmt::format("unknown key solver.{} in {} (accepts: {})", key, where,
                              key_list(solver_keys())));
    dest = &m.solver;
  } else {
    throw Error(fmt::format(
        "unknown table [{}] in {} (accepts: [model], [solver], [geometry], [instrument], [output], [fit], [particles])", table,
        where));
  }
  Value v;
  v.where = where;
  if (node.is_integer()) {
    v.is_integer = true;
    v.integer = *node.value<long long>();
    v.number = static_cast<double>(v.integer);
  } else if (node.is_floating_point()) {
    v.number = *node.value<double>();
  } else {
    throw Error(
        fmt::format("{}.{} in {} must be a number, got {}", table, key, where, type_name(node)));
  }
  (*dest)[key] = v;
}

void apply_table(Merged& m, const toml::table& root, const std::string& where) {
  for (const auto& [tname, tnode] : root) {
    const std::string t(tname.str());
    const toml::table* tab = tnode.as_table();
    if (!tab)
      throw Error(
          fmt::format("unknown top-level key '{}' in {} (expected tables [model], [solver], "
                      "[geometry], [instrument], [output], [fit], [particles])",
                      t, where));
    if (t != "model" && t != "solver" && t != "geometry" && t != "instrument" && t != "output" &&
        t != "fit" && t != "particles")
      throw Error(fmt::format(
          "unknown table [{}] in {} (accepts: [model], [solver], [geometry], [instrument], [output], [fit], [particles])", t,
          where));
    // form first, so the other keys are checked against the right form
    if (t == "model" && tab->contains("form")) apply(m, t, "form", *tab->get("form"), where);
    for (const auto& [k, n] : *tab) {
      const std::string key(k.str());
      if (t == "model" && key == "form") continue;
      apply(m, t, key, n, where);
    }
  }
}

template <class S>
void fill(S& s, const std::vector<Key<S>>& keys, const std::map<std::string, Value>& vals,
          const char* table, bool all_required, const std::string& form) {
  for (const auto& k : keys) {
    auto it = vals.find(k.name);
    if (it == vals.end()) {
      if (all_required)
        throw Error(fmt::format("missing key {}.{} (form = \"{}\" needs all of: {})", table, k.name,
                                form, key_list(keys)));
      continue;
    }
    const Value& v = it->second;
    if (k.kind == Kind::Integer) {
      if (!v.is_integer)
        throw Error(fmt::format("{}.{} in {} must be an integer, got {:g}", table, k.name, v.where,
                                v.number));
      if (v.integer < k.lo || v.integer > k.hi)
        throw Error(fmt::format("{}.{} = {} in {} is out of range: it must be an integer in [{:g}, "
                                "{:g}] (README \"Valid ranges\")",
                                table, k.name, v.integer, v.where, k.lo, k.hi));
      k.integer(s) = static_cast<int>(v.integer);
    } else {
      if (!std::isfinite(v.number))
        throw Error(
            fmt::format("{}.{} = {} in {} is not finite", table, k.name, v.number, v.where));
      if (v.number < k.lo || v.number > k.hi)
        throw Error(fmt::format(
            "{}.{} = {:g} in {} is out of range: it must be in [{:g}, {:g}] (README \"Valid "
            "ranges\")",
            table, k.name, v.number, v.where, k.lo, k.hi));
      k.number(s) = v.number;
    }
  }
}

template <class S>
void seed(std::map<std::string, Value>& vals, S s, const std::vector<Key<S>>& keys) {
  for (const auto& k : keys) {
    Value v;
    v.where = "the preset";
    if (k.kind == Kind::Integer) {
      v.is_integer = true;
      v.integer = k.integer(s);
      v.number = static_cast<double>(v.integer);
    } else {
      v.number = k.number(s);
    }
    vals[k.name] = v;
  }
}

// toml++ 3.3 (Debian 12's) reaches __builtin_unreachable -- undefined behaviour, found by
// fuzz/fuzz_config.cpp -- when its whitespace test meets a code point of the lookup's empty
// blocks: is_non_ascii_horizontal_whitespace (toml++/impl/unicode_autogenerated.h) splits
// U+00A0..U+FEFF into blocks of 0x3FA from U+00A0 and has no case for blocks 0, 11 and 63, i.e.
// U+00A1..U+0499, U+2C5E..U+3057 (U+3000 aside) and U+FB26..U+FEFE (toml++ issues 190 and 295,
// fixed upstream in 2026). Text is checked before toml++ sees it: comments may hold any UTF-8;
// elsewhere (keys, values, strings) those code points are refused with the line and column, and
// any non-ASCII outside a string too (TOML allows none there). No fluxrope key or value needs
// them. Returns "" when the text is safe.
bool toml_unsafe_code_point(uint32_t c) {
  if (c <= 0xA0 || c >= 0xFEFF || c == 0x3000) return false;
  const uint32_t block = (c - 0xA0) / 0x3FA;
  return block == 0 || block == 11 || block == 63;
}

std::string unsafe_toml_character(std::string_view t) {
  size_t line = 1, line_start = 0;
  const auto where = [&](size_t i, const std::string& what) {
    return fmt::format("line {}, column {}: {} (byte 0x{:02X})", line, i - line_start + 1, what,
                       static_cast<unsigned char>(t[i]));
  };
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(t[i]); };
  // a non-ASCII character in a string: its code point must not be one toml++ mishandles
  const auto string_char = [&](size_t i) -> std::string {
    const unsigned char b = byte(i);
    const int len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    uint32_t c = len == 1 ? b : b & (0x3F >> (len - 1));
    for (int k = 1; k < len; ++k) {
      if (i + k >= t.size() || (byte(i + k) & 0xC0) != 0x80) return "";  // toml++: invalid UTF-8
      c = (c << 6) | (byte(i + k) & 0x3F);
    }
    if (toml_unsafe_code_point(c))
      return where(i, fmt::format("U+{:04X} outside a comment (the TOML parser mishandles it)", c));
    return "";
  };
  const auto starts = [&](size_t i, std::string_view s) { return t.substr(i, s.size()) == s; };
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  size_t i = 0;
  while (i < t.size()) {
    const char c = t[i];
    if (c == '\n') {
      ++line;
      line_start = ++i;
    } else if (c == '#') {  // a comment: anything to the end of the line
      while (i < t.size() && t[i] != '\n') ++i;
    } else if (c == '"' || c == '\'') {  // strings, one-line or multi-line
      const bool multi = starts(i, c == '"' ? R"(""")" : "'''");
      const bool basic = c == '"';
      i += multi ? 3 : 1;
      while (i < t.size()) {
        if (multi ? starts(i, basic ? R"(""")" : "'''") : t[i] == c) break;
        if (t[i] == '\n') {
          if (!multi) break;
          ++line;
          line_start = i + 1;
        }
        if (byte(i) >= 0xC0) {  // the lead byte of a UTF-8 sequence
          const std::string bad = string_char(i);
          if (!bad.empty()) return bad;
        }
        if (basic && t[i] == '\\') {
          ++i;
          // a line-ending backslash trims the whitespace that follows (multi-line strings)
          while (multi && i < t.size() && (blank(t[i]) || t[i] == '\n')) {
            if (t[i] == '\n') {
              ++line;
              line_start = i + 1;
            }
            ++i;
          }
          if (i < t.size() && byte(i) >= 0x80)
            return where(i, "a non-ASCII character after a backslash (no TOML escape)");
          if (i < t.size() && (t[i] == '"' || t[i] == '\\')) ++i;  // an escaped quote or backslash
          continue;
        }
        ++i;
      }
      if (i < t.size() && t[i] != '\n') i += multi ? 3 : 1;
      for (int k = 0; multi && k < 2 && i < t.size() && t[i] == c; ++k) ++i;  // """" ends in a quote
    } else if (byte(i) >= 0x80) {
      return where(i, "a non-ASCII character outside a string or comment (TOML allows none)");
    } else {
      ++i;
    }
  }
  return "";
}

// toml++'s parse behind the guard above; `what` names the text in messages.
toml::table parse_toml(std::string_view text, const std::string& what) {
  const std::string bad = unsafe_toml_character(text);
  if (!bad.empty()) throw Error(fmt::format("{} is not valid TOML: {}", what, bad));
  try {
    return toml::parse(text);
  } catch (const toml::parse_error& e) {
    throw Error(fmt::format("{} is not valid TOML: {} (line {}, column {})", what, e.description(),
                            e.source().begin.line, e.source().begin.column));
  }
}

// A --set value in TOML syntax; what is not TOML is a bare word, a string:
// --set model.form=physical.
toml::table parse_set_value(const std::string& value) {
  if (unsafe_toml_character(value).empty()) {
    try {
      return toml::parse("v = " + value);
    } catch (const toml::parse_error&) {
    }
  }
  toml::table t;
  t.insert("v", value);
  return t;
}

template <class S>
void render_keys(std::ostringstream& o, S s, const std::vector<Key<S>>& keys) {
  for (const auto& k : keys) {
    const std::string val =
        k.kind == Kind::Integer ? fmt::format("{}", k.integer(s)) : fmt::format("{}", k.number(s));
    o << fmt::format("{:<12}= {:<24}# {}\n", k.name, val, k.comment);
  }
}

}  // namespace

std::vector<PresetInfo> presets() {
  return {
      {"yang2022",
       "Yang et al. 2022 reconstruction of the 2015-10-19 MMS flux rope (released run, normalized "
       "form)"},
      {"vinogradov2016",
       "the yang2022 rope without magnetic-moment terms (b_s = 0): Vinogradov et al. 2016 model"},
      {"uniform", "alpha_r = alpha_z = 0, b_s = 0: uniform plasma, B = B0, Phi = 0 (a check)"},
  };
}

RunConfig load_config(const ConfigSources& src) {
  Merged m;
  seed(m.model, preset_params(src.preset), normalized_keys());
  seed(m.solver, SolverSettings{}, solver_keys());

  if (src.text) {
    apply_table(m, parse_toml(*src.text, src.text_name), src.text_name);
  }
  if (src.file) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto st = fs::status(*src.file, ec);
    if (src.file->empty()) throw Error("the config file path is empty");
    if (ec || !fs::exists(st))
      throw Error(fmt::format("cannot read config file '{}': no such file", *src.file));
    if (!fs::is_regular_file(st))
      throw Error(fmt::format("config file '{}' is {}, not a regular file", *src.file,
                              fs::is_directory(st) ? "a directory" : "a device, FIFO or socket"));
    if (fs::file_size(*src.file, ec) > (64u << 20))
      throw Error(fmt::format("config file '{}' is larger than 64 MiB: not a configuration",
                              *src.file));
    std::ifstream probe(*src.file);
    if (!probe)
      throw Error(fmt::format("cannot read config file '{}' (not readable)", *src.file));
    std::ostringstream text;
    text << probe.rdbuf();
    apply_table(m, parse_toml(text.str(), fmt::format("config file '{}'", *src.file)),
                fmt::format("'{}'", *src.file));
  }

  for (const std::string& s : src.sets) {
    const auto eq = s.find('=');
    const auto dot = s.find('.');
    if (eq == std::string::npos || dot == std::string::npos || dot > eq)
      throw Error(
          fmt::format("--set '{}': expected table.key=value, e.g. --set model.tau_z=0.5", s));
    const std::string table = s.substr(0, dot), key = s.substr(dot + 1, eq - dot - 1),
                      value = s.substr(eq + 1);
    const toml::table t = parse_set_value(value);
    apply(m, table, key, *t.get("v"), fmt::format("--set {}", s));
  }

  // Physical meaning first, in the user's own key names (docs/model.md §8): a
  // non-positive temperature, density, field or rotation rate is named as given.
  static const std::map<std::string, const char*> positive = {
      {"T_b_eV", "temperature"},
      {"T_r_eV", "temperature"},
      {"T_z_eV", "temperature"},
      {"T_i_eV", "temperature"},
      {"tau_b", "temperature ratio T_b/T_e"},
      {"tau", "temperature ratio T_i/T_e"},
      {"tau_z", "temperature ratio T_z/T_e"},
      {"n_i_cm3", "density"},
      {"B0_nT", "field on the axis"},
      {"epsilon", "normalized rotation rate; it sets L_st"},
      {"Omega_per_s", "rotation rate; it sets L_st"}};
  for (const auto& [key, v] : m.model) {
    auto it = positive.find(key);
    if (it != positive.end() && !(v.number > 0.0))
      throw Error(fmt::format("model.{} = {} in {} must be positive ({})", key, v.number, v.where,
                              it->second));
  }

  RunConfig cfg;
  cfg.model_form = m.form;
  if (m.form == "physical") {
    fill(cfg.physical, physical_keys(), m.model, "model", true, m.form);
    cfg.model = to_model(cfg.physical);
  } else {
    fill(cfg.normalized, normalized_keys(), m.model, "model", true, m.form);
    cfg.model = to_model(cfg.normalized);
  }
  fill(cfg.solver, solver_keys(), m.solver, "solver", false, m.form);
  validate(cfg.model);
  validate(cfg.solver);
  cfg.geometry = geometry_from(m.geometry, "the configuration");
  validate(cfg.geometry);
  cfg.instrument = instrument_from(m.instrument, "the configuration");
  validate(cfg.instrument);
  {
    // DIS: the run-wide [instrument] keys, then [instrument.dis]
    toml::table dis;
    // (the key copied out: C++17 lambdas cannot capture a structured binding)
    for (const auto& [key, node] : m.instrument)
      if (is_common_instrument_key(std::string(key.str()))) {
        const toml::key k = key;
        node.visit([&](auto&& v) { dis.insert_or_assign(k, v); });
      }
    for (const auto& [key, node] : m.instrument_dis) {
      const toml::key k = key;
      node.visit([&](auto&& v) { dis.insert_or_assign(k, v); });
    }
    cfg.dis = dis_from(dis, "the configuration");
    validate(cfg.dis.instrument);
  }
  cfg.output = output_from(m.output, "the configuration");
  cfg.particles = particles_from(m.particles, "the configuration");
  validate(cfg.particles);
  cfg.fit = fit_from(m.fit, "the configuration");
  if (cfg.fit.free.empty())
    cfg.fit.free = cfg.model_form == "physical"
                       ? std::vector<std::string>{"alpha_r", "alpha_z", "B0_nT", "V_km_s",
                                                  "b_z_nT", "center_L_km", "center_N_km"}
                       : std::vector<std::string>{"alpha_r", "alpha_z", "B0_nT", "gamma", "b_z",
                                                  "center_L_km", "center_N_km"};
  for (size_t i = 0; i < cfg.fit.free.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (cfg.fit.free[i] == cfg.fit.free[j])
        throw Error(fmt::format("fit.free names {} twice", cfg.fit.free[i]));
  for (const auto& [name, b] : cfg.fit.bounds)
    if (std::find(cfg.fit.free.begin(), cfg.fit.free.end(), name) == cfg.fit.free.end())
      throw Error(fmt::format("fit.bounds.{} names no free parameter (fit.free: {})", name,
                              fmt::join(cfg.fit.free, ", ")));
  static const std::set<std::string> geometry_parameters = {
      "center_L_km",      "center_N_km",     "rope_velocity_gse_x_km_s", "rope_velocity_gse_y_km_s",
      "rope_velocity_gse_z_km_s", "axis_tilt_L_deg", "axis_tilt_N_deg"};
  for (const std::string& name : cfg.fit.free)  // a model key of this form, or a geometry one
    if (!geometry_parameters.count(name)) {
      try {
        model_key_value(cfg, name);
      } catch (const Error& e) {
        throw Error(fmt::format(
            "fit.free: {} or center_L_km, center_N_km, rope_velocity_gse_[xyz]_km_s, "
            "axis_tilt_L_deg, axis_tilt_N_deg",
            e.what()));
      }
    }
  return cfg;
}

void set_model_form(RunConfig& cfg, const std::string& form) {
  if (form == cfg.model_form) return;
  // the [model] keys of one form that play the part of the other's (fit.free follows the form)
  static const std::vector<std::pair<std::string, std::string>> pairs = {
      {"gamma", "V_km_s"},    {"epsilon", "Omega_per_s"}, {"b_b", "b_b_nT"}, {"b_r", "b_r_nT"},
      {"b_z", "b_z_nT"},      {"tau_b", "T_r_eV"},        {"tau", "T_i_eV"}, {"tau_z", "T_z_eV"}};
  for (std::string& name : cfg.fit.free)
    for (const auto& [n, p] : pairs) {
      if (form == "physical" && name == n) {
        name = p;
        break;
      }
      if (form == "normalized" && name == p) {
        name = n;
        break;
      }
    }
  if (form == "physical") cfg.physical = to_physical(cfg.model);
  if (form == "normalized") cfg.normalized = to_normalized(cfg.model);
  cfg.model_form = form;
}

double model_key_value(const RunConfig& cfg, const std::string& key) {
  auto find = [&](auto& params, const auto& keys) -> double {
    for (const auto& k : keys)
      if (key == k.name)
        return k.kind == Kind::Integer ? static_cast<double>(k.integer(params)) : k.number(params);
    throw Error(fmt::format("'{}' is not a model key of form = \"{}\" (accepts: {})", key,
                            cfg.model_form,
                            cfg.model_form == "physical" ? key_list(physical_keys())
                                                         : key_list(normalized_keys())));
  };
  if (cfg.model_form == "physical") {
    PhysicalParams p = cfg.physical;
    return find(p, physical_keys());
  }
  NormalizedParams p = cfg.normalized;
  return find(p, normalized_keys());
}

std::string render_toml(const RunConfig& cfg) {
  std::ostringstream o;
  o << "# fluxrope configuration. Units are part of the key names; see README \"Configuration\".\n";
  o << "# Either form of [model] may be used; both describe the same physics (docs/model.md section "
       "4).\n\n";
  o << "[model]\n";
  o << fmt::format("{:<12}= {:<24}# \"normalized\" or \"physical\"\n", "form",
                   "\"" + cfg.model_form + "\"");
  if (cfg.model_form == "physical")
    render_keys(o, cfg.physical, physical_keys());
  else
    render_keys(o, cfg.normalized, normalized_keys());
  o << "\n[solver]\n";
  render_keys(o, cfg.solver, solver_keys());
  o << render_event_toml(cfg.geometry, cfg.instrument, cfg.dis, cfg.output, cfg.fit);
  o << render_particles_toml(cfg.particles);
  return o.str();
}

}  // namespace fluxrope
