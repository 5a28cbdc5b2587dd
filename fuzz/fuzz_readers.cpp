// libFuzzer target for the input-file readers (docs/robustness.md). The first byte picks:
//  - even: the rest is a CSV file for `fit --csv` / `fit-center --csv` (read_fit_csv, with the
//    moment columns when bit 1 is set, and read_b_csv);
//  - odd: the rest *describes* a synth output file, which is written with H5File and read back
//    with the readers fit and fit-center use (/tracks/MMS1/... and the config_toml attribute).
// The HDF5 input is structured rather than raw bytes on purpose: random bytes are almost never a
// file HDF5 opens, and corrupting HDF5's own format tests libhdf5, not fluxrope. What fluxrope
// must get right is what a well-formed file can hold: any dataset missing, any rank, any extent
// (zero included), any stored type, NaN/inf/huge values, any config_toml text. Those are what
// the description draws. A fluxrope::Error is the expected answer; anything else is a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "fluxrope/core/error.hpp"
#include "fluxrope/io/config.hpp"
#include "fluxrope/io/hdf5_file.hpp"
#include "fluxrope/io/profile_io.hpp"

namespace {

std::filesystem::path g_dir;  // this process's own temporary directory

struct Bytes {
  const uint8_t* p;
  size_t n;
  uint8_t take() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  double take_double() {
    double v = 0.0;
    uint8_t b[sizeof v] = {};
    for (uint8_t& x : b) x = take();
    std::memcpy(&v, b, sizeof v);
    return v;
  }
};

// A value: mostly ordered numbers (so time axes often increase), sometimes special ones.
double value(Bytes& in, size_t index) {
  const uint8_t c = in.take();
  switch (c) {
    case 250: return std::numeric_limits<double>::quiet_NaN();
    case 251: return std::numeric_limits<double>::infinity();
    case 252: return -std::numeric_limits<double>::infinity();
    case 253: return 1e308;
    case 254: return -1.0;
    case 255: return in.take_double();
    default: return static_cast<double>(index) + c / 256.0;
  }
}

void write_dataset(fluxrope::H5File& f, const std::string& name, Bytes& in) {
  const int rank = in.take() % 4;
  std::vector<uint64_t> shape;
  size_t count = 1;
  for (int r = 0; r < rank; ++r) {
    shape.push_back(in.take() % 8);
    count *= shape.back();
  }
  std::vector<double> v(count);
  for (size_t i = 0; i < count; ++i) v[i] = value(in, i);
  const uint8_t type = in.take() % 3;
  if (type == 0 || rank == 0 || count == 0) {
    f.write(name, v, shape, "1");
  } else {
    const auto t = type == 1 ? fluxrope::H5File::Type::F32 : fluxrope::H5File::Type::I32;
    f.create(name, shape, t, 0, "1");
    if (t == fluxrope::H5File::Type::I32) {
      std::vector<int32_t> iv(count);
      for (size_t i = 0; i < count; ++i)
        iv[i] = std::isfinite(v[i]) && std::abs(v[i]) < 2e9 ? static_cast<int32_t>(v[i]) : 0;
      f.write_rows(name, 0, shape[0], iv.data());
    } else {
      f.write_rows(name, 0, shape[0], v.data());
    }
  }
}

void fuzz_csv(uint8_t mode, const uint8_t* data, size_t size) {
  const std::filesystem::path path = g_dir / "input.csv";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data),
                                              static_cast<std::streamsize>(size));
  std::vector<double> t, B, ne, Tpar, Tperp;
  try {
    const bool moments = mode & 2;
    fluxrope::read_fit_csv(path.string(), t, B, moments ? &ne : nullptr,
                           moments ? &Tpar : nullptr, moments ? &Tperp : nullptr);
  } catch (const fluxrope::Error&) {
  }
  try {
    fluxrope::read_b_csv(path.string(), t, B);
  } catch (const fluxrope::Error&) {
  }
}

void fuzz_hdf5(const uint8_t* data, size_t size) {
  Bytes in{data, size};
  const std::string path = (g_dir / "input.h5").string();
  static const char* const kNames[] = {"time_s",  "B_gse_nT",        "ne_cm3",
                                       "T_par_eV", "T_perp_eV",      "pad_gyro_s3_cm6",
                                       "pad_gyro_energy_eV"};
  try {
    fluxrope::H5File f(path, fluxrope::H5File::Mode::Create);
    const uint8_t present = in.take();
    if (present & 1) {
      f.group("/tracks/MMS1");
      const uint8_t which = in.take();
      for (int k = 0; k < 7; ++k)
        if (which & (1u << k)) write_dataset(f, std::string("/tracks/MMS1/") + kNames[k], in);
    }
    if (present & 2)
      f.attr("/", "config_toml", std::string(reinterpret_cast<const char*>(in.p), in.n));
  } catch (const fluxrope::Error&) {
    return;  // a description H5File cannot write (not what is fuzzed)
  }
  try {
    const fluxrope::H5File f(path, fluxrope::H5File::Mode::Read);
    try {
      fluxrope::ConfigSources src;
      src.text = f.read_string_attr("/", "config_toml");
      (void)fluxrope::load_config(src);
    } catch (const fluxrope::Error&) {
    }
    try {
      (void)fluxrope::read_track_bseries(f, "MMS1");
    } catch (const fluxrope::Error&) {
    }
    try {
      (void)fluxrope::read_track_observations(f, "MMS1", true, {30.0, 1000.0});
    } catch (const fluxrope::Error&) {
    }
  } catch (const fluxrope::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "fluxrope-fuzz-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) std::abort();
  g_dir = tmpl;
  std::atexit([] { std::filesystem::remove_all(g_dir); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] % 2 == 0)
    fuzz_csv(data[0], data + 1, size - 1);
  else
    fuzz_hdf5(data + 1, size - 1);
  return 0;
}
