// The fluxrope tool as a user runs it: exit status, one clear message naming what
// is wrong, and no output file (or temporary) left behind on failure.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "fluxrope/io/hdf5_file.hpp"

namespace fs = std::filesystem;

namespace {

struct CliRun {
  int status;
  std::string output;  // stdout and stderr together
};

CliRun run(const std::string& args) {
  const std::string cmd = std::string(FLUXROPE_EXE) + " " + args + " 2>&1";
  std::FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf{};
  while (p && std::fgets(buf.data(), buf.size(), p)) out += buf.data();
  const int st = p ? pclose(p) : -1;
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("fluxrope_cli_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string file(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::string out() const { return (dir_ / "out.h5").string(); }
  // A failing run: non-zero exit, every fragment in the message, nothing left in the directory
  // but the inputs the test wrote.
  void expect_failure(const std::string& args, std::initializer_list<const char*> fragments) {
    const size_t before = count();
    const CliRun r = run(args + " -o " + out());
    EXPECT_NE(r.status, 0) << r.output;
    for (const char* f : fragments)
      EXPECT_NE(r.output.find(f), std::string::npos) << "'" << f << "' not in: " << r.output;
    EXPECT_FALSE(fs::exists(out()));
    EXPECT_EQ(count(), before) << "a file was left behind";
  }
  size_t count() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++n;
    return n;
  }
  fs::path dir_;
};

}  // namespace

TEST_F(Cli, SolveWritesTheFileAndASummary) {
  const CliRun r = run("solve --passes 1 --backend cpu -o " + out());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("B_z on the axis"), std::string::npos);
  EXPECT_NE(r.output.find("min B_phi"), std::string::npos);
  EXPECT_NE(r.output.find("n_e range"), std::string::npos);
  EXPECT_NE(r.output.find("pass"), std::string::npos);
  fluxrope::H5File f(out(), fluxrope::H5File::Mode::Read);
  EXPECT_EQ(f.read_int_attr("/solver", "passes"), 1);
  EXPECT_NE(f.read_string_attr("/", "config_toml").find("passes      = 1"), std::string::npos);
  EXPECT_EQ(count(), 1u);  // no temporary left beside it
}

TEST_F(Cli, NegativeDistributionIsAWarningAndInTheFile) {
  const CliRun r =
      run("solve --preset vinogradov2016 --set model.tau_b=0.95 --backend cpu -o " + out());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("warning: f_e < 0"), std::string::npos) << r.output;
  fluxrope::H5File f(out(), fluxrope::H5File::Mode::Read);
  EXPECT_GT(f.read_int_attr("/validity", "n_negative"), 0);
  EXPECT_LT(f.read_double_attr("/validity", "f_min_s3_cm6"), 0.0);
}

TEST_F(Cli, PresetsAndShowConfig) {
  const CliRun p = run("presets");
  EXPECT_EQ(p.status, 0);
  EXPECT_NE(p.output.find("yang2022"), std::string::npos);
  const CliRun s = run("show-config --preset vinogradov2016 --set model.tau_z=0.5");
  EXPECT_EQ(s.status, 0);
  EXPECT_NE(s.output.find("[model]"), std::string::npos);
  EXPECT_NE(s.output.find("tau_z       = 0.5"), std::string::npos);
  // What show-config prints is a config the tool accepts.
  const std::string cfg = file("shown.toml", s.output);
  const CliRun again = run("show-config --config " + cfg);
  EXPECT_EQ(again.status, 0) << again.output;
  EXPECT_EQ(again.output, s.output);
}

TEST_F(Cli, UnknownKey) {
  expect_failure("solve --config " + file("c.toml", "[solver]\npasess = 3\n"),
                 {"unknown key solver.pasess", "c.toml"});
}

TEST_F(Cli, WrongType) {
  expect_failure("solve --set model.alpha_r=true",
                 {"model.alpha_r", "must be a number", "boolean"});
}

TEST_F(Cli, MalformedToml) {
  expect_failure("solve --config " + file("m.toml", "[model]\nalpha_r = = 1\n"),
                 {"m.toml", "not valid TOML"});
}

TEST_F(Cli, MissingConfigFile) {
  expect_failure("solve --config " + (dir_ / "nope.toml").string(), {"nope.toml", "cannot read"});
}

TEST_F(Cli, UnknownPreset) {
  expect_failure("solve --preset nonesuch", {"unknown preset 'nonesuch'"});
}

TEST_F(Cli, NegativeTemperature) {
  expect_failure("solve --set model.T_b_eV=-1", {"T_b_eV", "-1", "positive"});
}

TEST_F(Cli, NonPositiveDensityAndField) {
  expect_failure("solve --set model.n_i_cm3=0", {"n_i_cm3", "positive"});
  expect_failure("solve --set model.B0_nT=0", {"B0_nT", "positive"});
}

// b_z below B0 (normalizable on the axis) but above the field the rope settles to
// further out: the solver must stop and name the population and the radius.
TEST_F(Cli, NonNormalizablePopulationInsideTheProfile) {
  expect_failure("solve --set model.b_z=0.95 --backend cpu",
                 {"axial", "not normalizable", "rho ="});
}

TEST_F(Cli, UnwritableOutput) {
  const CliRun r = run("solve --passes 1 -o /nonexistent_dir/out.h5");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("/nonexistent_dir/out.h5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("cannot write"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("pass "), std::string::npos) << "it should fail before solving";
}

TEST_F(Cli, BadBackendAndBadPasses) {
  expect_failure("solve --backend gpu", {"unknown backend 'gpu'"});
  expect_failure("solve --passes -2", {"--passes"});
}
