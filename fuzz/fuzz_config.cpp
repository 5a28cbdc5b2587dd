// libFuzzer target for the configuration loader (docs/robustness.md): any bytes as TOML text,
// optionally followed by a NUL and newline-separated --set overrides ("table.key=value"), and
// the first byte choosing the preset. A fluxrope::Error is the expected answer to bad input;
// anything else (another exception, a crash, a sanitizer report, a hang) is a finding, and so
// is an accepted configuration whose rendered TOML does not load back to itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fluxrope/core/error.hpp"
#include "fluxrope/io/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::vector<fluxrope::PresetInfo> presets = fluxrope::presets();
  fluxrope::ConfigSources src;
  src.preset = presets[data[0] % presets.size()].name;
  const std::string all(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t nul = all.find('\0');
  src.text = all.substr(0, nul);
  src.text_name = "the fuzzed text";
  if (nul != std::string::npos) {
    std::string rest = all.substr(nul + 1);
    size_t start = 0;
    while (start <= rest.size()) {
      const size_t end = rest.find('\n', start);
      const std::string line = rest.substr(start, end == std::string::npos ? end : end - start);
      if (!line.empty()) src.sets.push_back(line);
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  fluxrope::RunConfig cfg;
  try {
    cfg = fluxrope::load_config(src);
  } catch (const fluxrope::Error&) {
    return 0;
  }
  // What was accepted renders to TOML that loads again to the same text (the config_toml of
  // every output file is read back this way): a throw here escapes and is a finding.
  const std::string toml = fluxrope::render_toml(cfg);
  fluxrope::ConfigSources again;
  again.preset = src.preset;
  again.text = toml;
  if (fluxrope::render_toml(fluxrope::load_config(again)) != toml) __builtin_trap();
  return 0;
}
