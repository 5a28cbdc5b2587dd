#pragma once
// Run configuration: built-in presets, TOML files and --set overrides, merged and
// validated into SI structs in one place (docs/architecture.md "Configuration"). Key names are a
// contract (README "Configuration").
#include <optional>
#include <string>
#include <vector>

#include "fluxrope/equilibrium/solver.hpp"
#include "fluxrope/geometry/geometry.hpp"
#include "fluxrope/instrument/skymap.hpp"
#include "fluxrope/io/event_config.hpp"
#include "fluxrope/model/params.hpp"

namespace fluxrope {

struct PresetInfo {
  std::string name;
  std::string description;
};
// Built-in presets, the default first.
std::vector<PresetInfo> presets();
inline constexpr const char* DEFAULT_PRESET = "yang2022";

// Where the configuration comes from, applied in this order: preset, file, --set.
struct ConfigSources {
  std::string preset = DEFAULT_PRESET;
  std::optional<std::string> file;
  // TOML text read like a file (e.g. the config_toml of an output file), applied before `file`;
  // text_name names it in messages.
  std::optional<std::string> text;
  std::string text_name = "the configuration text";
  std::vector<std::string> sets;  // "table.key=value", value in TOML syntax (bare words = strings)
};

struct RunConfig {
  std::string model_form;       // "normalized" or "physical": the form the user gave
  NormalizedParams normalized;  // valid when model_form == "normalized"
  PhysicalParams physical;      // valid when model_form == "physical"
  ModelParams model;            // SI, validated
  SolverSettings solver;        // validated
  GeometrySettings geometry;    // the default event unless configured
  InstrumentSettings instrument;  // DES ([instrument], [instrument.des])
  DisSettings dis;                // DIS ([instrument] run-wide keys, [instrument.dis])
  OutputSettings output;
  FitSettings fit;
  ParticleSettings particles;     // fluxrope particles
};

// Express [model] in the other form ("normalized" or "physical"), the same physics; fit.free
// names follow (gamma <-> V_km_s, b_z <-> b_z_nT, ...).
void set_model_form(RunConfig& cfg, const std::string& form);

// The value of a [model] key of the configuration's form (e.g. "alpha_r", "B0_nT"); an Error
// naming the accepted keys otherwise.
double model_key_value(const RunConfig& cfg, const std::string& key);

// Throws fluxrope::Error with one message naming the file, key or value at fault.
RunConfig load_config(const ConfigSources& src);

// The complete configuration as commented TOML (show-config; stored in every output file).
std::string render_toml(const RunConfig& cfg);

}  // namespace fluxrope
