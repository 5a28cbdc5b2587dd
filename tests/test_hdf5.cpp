// HDF5 round trip: what `fluxrope solve` writes reads back with its units.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"
#include "fluxrope/io/hdf5_file.hpp"
#include "fluxrope/io/profile_io.hpp"
#include "fluxrope/version.hpp"
#include "test_util.hpp"

using namespace fluxrope;
using namespace fluxrope::constants;

TEST(Hdf5, ProfileRoundTripsWithUnits) {
  const RunConfig cfg = test::config_of("yang2022", {"solver.passes=1"});
  const SolveResult& r = test::solved("yang2022", {"solver.passes=1"});
  const test::TempDir dir;
  const std::string path = (dir / "roundtrip.h5").string();
  {
    H5File f(path, H5File::Mode::Create);
    write_root_attributes(f, cfg);
    write_profile(f, r.profile);
    write_solver_history(f, r, cfg.solver, "cpu");
  }
  H5File f(path, H5File::Mode::Read);
  const std::pair<const char*, const char*> units[] = {
      {"x", "L_st"},         {"rho_km", "km"},          {"Bz_nT", "nT"},
      {"Bphi_nT", "nT"},     {"Er_mV_m", "mV/m"},       {"Phi_V", "V"},
      {"ne_cm3", "cm^-3"},   {"ni_cm3", "cm^-3"},       {"ne_b_cm3", "cm^-3"},
      {"ne_r_cm3", "cm^-3"}, {"ne_z_cm3", "cm^-3"},     {"Ve_phi_km_s", "km/s"},
      {"Ve_z_km_s", "km/s"}, {"j_phi_nA_m2", "nA/m^2"}, {"j_z_nA_m2", "nA/m^2"},
      {"T_rr_eV", "eV"},     {"T_pp_eV", "eV"},         {"T_zz_eV", "eV"},
      {"T_par_eV", "eV"},    {"T_perp_eV", "eV"}};
  for (const auto& [name, unit] : units) {
    const std::string ds = std::string("/profile/") + name;
    ASSERT_TRUE(f.exists(ds)) << ds;
    EXPECT_EQ(f.read_string_attr(ds, "units"), unit) << ds;
    EXPECT_EQ(f.read_string_attr(ds, "axes"), "rho") << ds;
    EXPECT_EQ(f.read(ds).size(), r.profile.size()) << ds;
  }
  const std::vector<double> bz = f.read("/profile/Bz_nT");
  for (size_t i = 0; i < bz.size(); ++i) ASSERT_DOUBLE_EQ(bz[i], r.profile.Bz[i] / NT_TO_SI);
  const std::vector<double> te = f.read("/profile/T_zz_eV");
  EXPECT_DOUBLE_EQ(te[0], r.profile.T_zz[0] / EV_TO_SI);
  EXPECT_DOUBLE_EQ(f.read_double_attr("/profile", "L_st_km"), r.profile.scales.L_st / KM_TO_SI);
  EXPECT_DOUBLE_EQ(f.read_double_attr("/profile", "B_st_nT"), r.profile.scales.B_st / NT_TO_SI);
  EXPECT_DOUBLE_EQ(f.read_double_attr("/profile", "n_e_cm3"), r.profile.n_e / CM3_TO_SI);
  const std::vector<double> dB = f.read("/solver/max_dB_nT");
  ASSERT_EQ(dB.size(), 2u);
  EXPECT_TRUE(std::isnan(dB[0]));
  EXPECT_DOUBLE_EQ(dB[1], r.history[1].max_dB_nT);
  EXPECT_EQ(f.read_string_attr("/solver/max_dB_nT", "units"), "nT");
  EXPECT_EQ(f.read_int_attr("/solver", "passes"), 1);
  EXPECT_EQ(f.read_int_attr("/solver", "converged"), 0);
  EXPECT_EQ(f.read_string_attr("/", "fluxrope_version"), VERSION);
  EXPECT_EQ(f.read_string_attr("/", "config_toml"), render_toml(cfg));
}

TEST(Hdf5, MultiDimensionalShapesAndMissingObjects) {
  const test::TempDir dir;
  const std::string path = (dir / "shape.h5").string();
  {
    H5File f(path, H5File::Mode::Create);
    f.write("/a/b/c", {1, 2, 3, 4, 5, 6}, {2, 3}, "s^3/cm^6", "time,energy");
    EXPECT_THROW(f.write("/a/d", std::vector<double>{1, 2, 3}, std::vector<uint64_t>{2, 2}, "1"),
                 Error);
  }
  H5File f(path, H5File::Mode::Read);
  std::vector<uint64_t> shape;
  const auto v = f.read("/a/b/c", &shape);
  EXPECT_EQ(shape, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(v[5], 6.0);
  EXPECT_EQ(f.read_string_attr("/a/b/c", "axes"), "time,energy");
  EXPECT_FALSE(f.exists("/a/x/y"));
  EXPECT_THROW(f.read("/nothing"), Error);
}

// H5File::release_written_pages (io/page_cache.hpp): a file written by rows reads back the
// same, and once it is closed almost none of it is left in the page cache (mincore on a
// mapping of it), where without the release the written pages stay cached.
namespace {
double cached_fraction(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  struct stat st;
  ::fstat(fd, &st);
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t n = (static_cast<size_t>(st.st_size) + page - 1) / page;
  void* map = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_SHARED, fd, 0);
  std::vector<unsigned char> resident(n);
  ::mincore(map, static_cast<size_t>(st.st_size), resident.data());
  ::munmap(map, static_cast<size_t>(st.st_size));
  ::close(fd);
  size_t in = 0;
  for (unsigned char r : resident) in += r & 1;
  return static_cast<double>(in) / static_cast<double>(n);
}
}  // namespace

TEST(Hdf5, ReleasedPagesLeaveTheCacheAndTheFileIntact) {
  const test::TempDir dir;
  const uint64_t rows = 1600, width = 16384;  // 200 MiB of doubles, in batches of 64 rows
  std::vector<double> batch(64 * width);
  double cached[2];
  for (int release = 0; release < 2; ++release) {
    const std::string path = (dir / fmt::format("rows{}.h5", release)).string();
    {
      H5File f(path, H5File::Mode::Create);
      if (release) f.release_written_pages();
      f.create("/sky", {rows, width}, H5File::Type::F64, 0, "s^3/cm^6");
      for (uint64_t r0 = 0; r0 < rows; r0 += 64) {
        for (size_t i = 0; i < batch.size(); ++i) batch[i] = static_cast<double>(r0 * width + i);
        f.write_rows("/sky", r0, 64, batch.data());
      }
    }
    cached[release] = cached_fraction(path);
    H5File f(path, H5File::Mode::Read);
    const std::vector<double> back = f.read("/sky");
    ASSERT_EQ(back.size(), rows * width);
    for (size_t i = 0; i < back.size(); i += 4099)
      ASSERT_EQ(back[i], static_cast<double>(i)) << "element " << i;
  }
  EXPECT_LT(cached[1], 0.05) << "released; kept: " << cached[0];
}

// Rows written in pieces that split chunks (a chunk holds 8 rows of 16384 doubles; a synthesis
// batch covers any run of a track's rows) read back exactly: straight from the caller's buffer
// into the file without filters, through the chunk cache with gzip; doubles stored as float32
// and int32 rows likewise.
TEST(Hdf5, RowsWrittenInPiecesThatSplitChunksReadBack) {
  const test::TempDir dir;
  const std::string path = (dir / "pieces.h5").string();
  const uint64_t rows = 37, width = 16384;
  const uint64_t pieces[] = {3, 5, 1, 11, 7, 10};  // 37 rows, in order, as a synthesis writes
  auto value = [&](uint64_t i) { return 0.5 * static_cast<double>(i) - 1000.0; };
  {
    H5File f(path, H5File::Mode::Create);
    f.create("/plain", {rows, width}, H5File::Type::F64, 0, "1");
    f.create("/gzip", {rows, width}, H5File::Type::F64, 4, "1");
    f.create("/single", {rows, width}, H5File::Type::F32, 0, "1");
    f.create("/counts", {rows, width}, H5File::Type::I32, 0, "1");
    uint64_t r0 = 0;
    for (uint64_t n : pieces) {
      std::vector<double> d(n * width);
      std::vector<int32_t> c(n * width);
      for (size_t i = 0; i < d.size(); ++i) {
        d[i] = value(r0 * width + i);
        c[i] = static_cast<int32_t>(r0 * width + i) - 7;
      }
      for (const char* name : {"/plain", "/gzip", "/single"}) f.write_rows(name, r0, n, d.data());
      f.write_rows("/counts", r0, n, c.data());
      r0 += n;
    }
    ASSERT_EQ(r0, rows);
  }
  H5File f(path, H5File::Mode::Read);
  for (const char* name : {"/plain", "/gzip", "/single"}) {
    const std::vector<double> back = f.read(name);
    ASSERT_EQ(back.size(), rows * width) << name;
    for (size_t i = 0; i < back.size(); ++i)
      ASSERT_EQ(back[i], value(i)) << name << " element " << i;  // halves: exact in float32
  }
  const std::vector<double> counts = f.read("/counts");
  ASSERT_EQ(counts.size(), rows * width);
  for (size_t i = 0; i < counts.size(); ++i)
    ASSERT_EQ(counts[i], static_cast<double>(static_cast<int32_t>(i) - 7)) << "element " << i;
}
