#pragma once
// Internals of the config loader for the [geometry] and [instrument] tables.
#include <toml++/toml.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "fluxrope/geometry/geometry.hpp"
#include "fluxrope/instrument/skymap.hpp"
#include "fluxrope/particles/particles.hpp"

namespace fluxrope {
// A spectrometer's settings before any key: its energy tables for the dense PADs, its G dt.
InstrumentSettings default_instrument(const Species& species);
// The [instrument.dis] table: the ion spectrometer (docs/instrument.md "Ions (DIS)").
struct DisSettings {
  bool enabled = true;           // fluxrope synth writes the DIS products beside DES's
  double cadence_s = 0.15;       // DIS burst: one skymap per 150 ms
  double ion_mass_amu = 1.007276466621;  // protons
  // response, counts, moments of DIS, with the run-wide [instrument] keys
  InstrumentSettings instrument = default_instrument(dis_species());
};
// The [output] table: how the large products are stored.
struct OutputSettings {
  bool float32 = false;    // store skymap-sized arrays as float32 (as the L2 files)
  int gzip = 0;            // deflate level of the chunked datasets (0 = none)
  int batch_samples = 64;  // samples a batch (one backend launch, one HDF5 chunk)
  // hand the synth file's pages back from the page cache as it is written, and wait for its
  // writeback before the rename (io/page_cache.hpp); false: leave it all to the kernel
  bool release_page_cache = true;
};
// The [fit] table (fluxrope fit, docs/fit.md): which parameters are free, their bounds, the
// observation uncertainties and the stop rules.
struct FitSettings {
  // model keys of the configuration's form (e.g. "alpha_r", "B0_nT") and "center_L_km",
  // "center_N_km" (the axis position); empty until loaded: then the form's default five model
  // keys (normalized: alpha_r, alpha_z, B0_nT, gamma, b_z; physical: alpha_r, alpha_z, B0_nT,
  // V_km_s, b_z_nT) and the axis position
  std::vector<std::string> free;
  std::map<std::string, std::pair<double, double>> bounds;  // name -> [lower, upper]
  double sigma_B_nT = 0.1;    // field components
  double sigma_n_rel = 0.01;  // density, relative
  double sigma_T_rel = 0.01;  // T_par, T_perp, relative
  double sigma_pad_rel = 0.05;  // PAD values, relative
  double sigma_V_km_s = 10.0;   // each component of the electron velocity, where no sigma is given
  // what observed moments are compared with: "auto" (the instrument's for FPI moments, else the
  // model's), "instrument" (the ground-system moments of synthesized skymaps), "model"
  std::string moments = "auto";
  std::string likelihood = "gaussian";  // "poisson": deviance of the instrument PAD cells' counts
  double warn_chi2_per_n = 3.0;  // a quantity of a spacecraft above this is a warning (--strict)
  int max_iterations = 40;    // Levenberg-Marquardt iterations (function evaluations: more)
  double rel_step = 1e-4;     // finite-difference step, relative to the parameter's scale
};
}  // namespace fluxrope

namespace fluxrope {

// Ranges of the [geometry] keys (README "Valid ranges"): formations and axes within 1e5 km
// (16 Earth radii) of the reference point, speeds within 1e4 km/s (the frame shift is
// Galilean; the fastest solar wind is ~3e3 km/s), times within 1e5 s (28 h) of the reference.
inline constexpr double GEOMETRY_MAX_DISTANCE_KM = 1e5;
inline constexpr double GEOMETRY_MAX_SPEED_KM_S = 1e4;
inline constexpr double GEOMETRY_MAX_TIME_S = 1e5;
inline constexpr size_t GEOMETRY_MAX_SPACECRAFT = 64;
inline constexpr double GEOMETRY_MAX_SAMPLES = 1e7;  // a spacecraft

// The built-in default event (issue 3): the paper's LMN, four spacecraft in a ~10 km
// tetrahedron, a rope velocity of ~170 km/s across and ~140 km/s along the axis, MMS1
// passing ~2 km from the axis, 1 s of burst samples.
GeometrySettings default_event_geometry();
// Whether an [instrument] key is run-wide (shared by DES and DIS) rather than DES's own.
bool is_common_instrument_key(const std::string& key);
// Throws an Error for a key the table does not accept ("instrument.des", "instrument.dis": the
// sub-tables).
void check_event_key(const std::string& table, const std::string& key, const std::string& where);
// Each reader checks its keys one by one (type, finite, range); validate() the relations
// between keys of the merged table (duration and cadence, the LMN triad, ...).
GeometrySettings geometry_from(const toml::table& overrides, const std::string& where);
void validate(const GeometrySettings& g);
// [instrument] (with [instrument.des], the same keys) for DES; [instrument.dis] for the ions.
// The DIS defaults where they differ from DES's (docs/instrument.md "Ions (DIS)"): G dt per pixel
// and energy step [REPR]: DES's G ~ 4e-4 cm^2 sr per pixel with DIS's dwell, 150 ms / 128 = 1.17 ms.
inline constexpr double DIS_DEFAULT_G_DT_CM2_SR_S = 5e-7;
InstrumentSettings instrument_from(const toml::table& overrides, const std::string& where,
                                   const Species& species = des_species());
void validate(const InstrumentSettings& s);
// [instrument.dis] (its own keys and the spectrometer keys) over the DIS defaults.
DisSettings dis_from(const toml::table& overrides, const std::string& where);
OutputSettings output_from(const toml::table& overrides, const std::string& where);
FitSettings fit_from(const toml::table& overrides, const std::string& where);
// The [particles] table (fluxrope particles, docs/simulation.md).
ParticleSettings particles_from(const toml::table& overrides, const std::string& where);
std::string render_particles_toml(const ParticleSettings& p);
std::string render_event_toml(const GeometrySettings& g, const InstrumentSettings& s,
                              const DisSettings& dis, const OutputSettings& o, const FitSettings& f);

}  // namespace fluxrope
