#pragma once
// Internals of the config loader for the [geometry] and [instrument] tables.
#include <toml++/toml.h>

#include <string>

#include "fluxrope/geometry/geometry.hpp"
#include "fluxrope/instrument/skymap.hpp"

namespace fluxrope {
// The [output] table: how the large products are stored.
struct OutputSettings {
  bool float32 = false;    // store skymap-sized arrays as float32 (as the L2 files)
  int gzip = 0;            // deflate level of the chunked datasets (0 = none)
  int batch_samples = 64;  // samples a batch (one backend launch, one HDF5 chunk)
};
}  // namespace fluxrope

namespace fluxrope {

// The built-in default event (issue 3): the paper's LMN, four spacecraft in a ~10 km
// tetrahedron, a rope velocity of ~170 km/s across and ~140 km/s along the axis, MMS1
// passing ~2 km from the axis, 1 s of burst samples.
GeometrySettings default_event_geometry();
// Throws an Error for a key the table does not accept.
void check_event_key(const std::string& table, const std::string& key, const std::string& where);
GeometrySettings geometry_from(const toml::table& overrides, const std::string& where);
InstrumentSettings instrument_from(const toml::table& overrides, const std::string& where);
OutputSettings output_from(const toml::table& overrides, const std::string& where);
std::string render_event_toml(const GeometrySettings& g, const InstrumentSettings& s,
                              const OutputSettings& o);

}  // namespace fluxrope
