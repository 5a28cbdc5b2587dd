// The fluxrope tool as a user runs it: exit status, one clear message naming what
// is wrong, and no output file (or temporary) left behind on failure.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "fluxrope/io/hdf5_file.hpp"
#include "test_util.hpp"

using namespace fluxrope;

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
    tmp_ = std::make_unique<test::TempDir>("fluxrope_cli");
    dir_ = tmp_->path();
  }
  void TearDown() override { tmp_.reset(); }
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
  std::unique_ptr<test::TempDir> tmp_;
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

// The example configs stay true to the code: each resolves to exactly what it documents.
TEST_F(Cli, ExampleConfigsResolveToThePresetsAndTheDefaultEvent) {
  const std::string ex = std::string(FLUXROPE_SOURCE_DIR) + "/examples/";
  const CliRun builtin = run("show-config");
  ASSERT_EQ(builtin.status, 0);
  for (const char* name : {"mms_2015-10-19.toml", "yang2022.toml"}) {
    const CliRun r = run("show-config --config " + ex + name);
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(r.output, builtin.output) << name;
  }
  const CliRun physical = run("show-config --form physical");
  const CliRun r = run("show-config --form physical --config " + ex + "yang2022_physical.toml");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, physical.output);
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

// The instrument model's keys (issue 8): one message naming the key, no output file.
TEST_F(Cli, BadInstrumentKeys) {
  expect_failure("synth --set instrument.g_dt_cm2_sr_s=-1e-7",
                 {"instrument.g_dt_cm2_sr_s", "-1e-07", "out of range"});
  expect_failure("synth --set instrument.nodes_energy=0",
                 {"instrument.nodes_energy", "integer in [1, 64]"});
  expect_failure("synth --set instrument.nodes_theta=2.5", {"instrument.nodes_theta", "integer"});
  expect_failure("synth --set instrument.sweep=spiral",
                 {"instrument.sweep", "\"spiral\"", "deflection_major"});
  expect_failure("synth --set instrument.energy_fwhm_rel=2.5",
                 {"instrument.energy_fwhm_rel", "2.5", "wider than a decade"});
  expect_failure("synth --set instrument.response=average",
                 {"instrument.response", "\"centre\", \"integrated\""});
  expect_failure("synth --set instrument.acceptance_theta_deg=20",
                 {"instrument.acceptance_theta_deg", "11.25"});
  expect_failure("synth --set instrument.noise=1", {"instrument.noise", "true or false"});
  expect_failure("synth --config " + file("a.toml", "[instrument]\none_count_s3_cm6 = [1, 2]\n"),
                 {"instrument.one_count_s3_cm6", "a.toml", "32 numbers"});
  expect_failure("synth --set output.gzip=12", {"output.gzip", "[0, 9]"});
  expect_failure("synth --set output.compress=1", {"unknown key output.compress", "gzip"});
}

// Response, counts and storage keys change what synth writes: a bin-centre, noise-free run in
// float32 with gzip has dist equal to the model and the stored types the keys ask for.
TEST_F(Cli, SynthCentreWithoutNoiseInFloat32) {
  const CliRun r = run(
      "synth --backend cpu --set instrument.response=centre --set instrument.noise=false "
      "--set output.float32=true --set output.gzip=1 --set output.batch_samples=5 "
      "--set geometry.duration_s=0.3 -o " + out());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("response centre"), std::string::npos) << r.output;
  fluxrope::H5File f(out(), fluxrope::H5File::Mode::Read);
  std::vector<uint64_t> shape;
  const std::vector<double> dist = f.read("/tracks/MMS2/dist_s3_cm6", &shape);
  ASSERT_EQ(shape, (std::vector<uint64_t>{10, 32, 16, 32}));
  const std::vector<double> model = f.read("/tracks/MMS2/dist_model_s3_cm6");
  EXPECT_TRUE(dist == model);
  EXPECT_EQ(f.read_string_attr("/tracks/MMS2/dist_model_s3_cm6", "response"), "centre");
  const std::vector<double> n = f.read("/tracks/MMS2/moments_fpi/n_cm3", &shape);
  ASSERT_EQ(shape, (std::vector<uint64_t>{10}));
  const std::vector<double> P = f.read("/tracks/MMS2/moments_fpi/P_gse_nPa", &shape);
  ASSERT_EQ(shape, (std::vector<uint64_t>{10, 3, 3}));
  for (double v : n) EXPECT_GT(v, 30.0);
}

// fluxrope fit from a synth output with seeded noise: parameters with uncertainties, /fit in
// the file, the best-fit configuration as TOML that synth accepts.
TEST_F(Cli, FitRecoversASyntheticCrossing) {
  const std::string truth = (dir_ / "truth.h5").string();
  ASSERT_EQ(run("synth --backend cpu --set model.B0_nT=23 --set instrument.response=centre "
                "--set geometry.duration_s=0.6 --set geometry.t_start_s=-0.3 -o " + truth)
                .status,
            0);
  const CliRun r = run(
      "fit --input " + truth +
      " --set fit.free=[\\\"B0_nT\\\",\\\"center_L_km\\\"] --set geometry.duration_s=0.6"
      " --set geometry.t_start_s=-0.3 --set instrument.response=centre --noise-seed 4 --strict -o " +
      out());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("1 sigma"), std::string::npos) << r.output;
  fluxrope::H5File f(out(), fluxrope::H5File::Mode::Read);
  const std::vector<double> v = f.read("/fit/value"), s = f.read("/fit/sigma");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_LT(std::fabs(v[0] - 23.0), 3 * s[0]) << v[0] << " +- " << s[0];
  EXPECT_LT(std::fabs(v[1] - 2.0), 3 * s[1]) << v[1] << " +- " << s[1];
  EXPECT_EQ(f.read_string_attr("/fit", "parameters"), "B0_nT,center_L_km");
  const std::string best = (dir_ / "out_best.toml").string();
  ASSERT_TRUE(fs::exists(best));
  EXPECT_EQ(run("show-config --config " + best).status, 0);
  // the same observations against a forward model with the wrong instrument (the integrated
  // response instead of the bin centres the synthesis used): the fit says so, --strict fails
  const CliRun wrong = run(
      "fit --input " + truth +
      " --set fit.free=[\\\"B0_nT\\\",\\\"center_L_km\\\"] --set geometry.duration_s=0.6"
      " --set geometry.t_start_s=-0.3 --noise-seed 4 --strict -o " + out());
  EXPECT_EQ(wrong.status, 3) << wrong.output;
  EXPECT_NE(wrong.output.find("chi^2/N above 3"), std::string::npos) << wrong.output;
  // CSV files of the same crossing with MMS1's FPI moments, marked so (--csv-fpi-parity 0)
  std::string csv;
  {
    fluxrope::H5File in(truth, fluxrope::H5File::Mode::Read);
    for (const char* sc : {"MMS1", "MMS2", "MMS3", "MMS4"}) {
      const std::string g = std::string("/tracks/") + sc;
      const std::vector<double> t = in.read(g + "/time_s"), B = in.read(g + "/B_gse_nT"),
                                n = in.read(g + "/moments_fpi/n_cm3"),
                                tp = in.read(g + "/moments_fpi/T_par_eV"),
                                tq = in.read(g + "/moments_fpi/T_perp_eV");
      std::string text = "time_s,Bx,By,Bz,ne_cm3,T_par_eV,T_perp_eV\n";
      for (size_t k = 0; k < t.size(); ++k)
        text += fmt::format("{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g}\n", t[k],
                            B[3 * k], B[3 * k + 1], B[3 * k + 2], n[k], tp[k], tq[k]);
      csv += fmt::format(" --csv {}={}", sc, file(std::string(sc) + "_fpi.csv", text));
    }
  }
  const CliRun c = run(
      "fit" + csv + " --csv-fpi-parity 0 --set fit.free=[\\\"B0_nT\\\",\\\"center_L_km\\\"]"
      " --set geometry.duration_s=0.6 --set geometry.t_start_s=-0.3 --set instrument.response=centre"
      " --strict -o " + out());
  EXPECT_EQ(c.status, 0) << c.output;
  EXPECT_NE(c.output.find("against the ground-system moments"), std::string::npos) << c.output;
}

TEST_F(Cli, FitBadInputs) {
  expect_failure("fit", {"--input", "--csv"});
  const std::string b = file("b.csv", "time_s,Bx,By,Bz\n0,1,2\n");
  expect_failure("fit --csv MMS1=" + b + " --csv MMS2=" + b + " --csv MMS3=" + b + " --csv MMS4=" + b,
                 {"b.csv", "line 2", "expected time_s, Bx, By, Bz"});
  expect_failure("fit --csv MMS1=" + b, {"no --csv MMS2=FILE"});
  expect_failure("fit --input " + (dir_ / "missing.h5").string(), {"missing.h5"});
  expect_failure("fit --input x.h5 --csv-fpi-parity 0", {"--csv-fpi-parity", "--csv"});
  expect_failure("fit --input x.h5 --pad-channels 40", {"--pad-channels 40", "0-31"});
  expect_failure("fit --csv MMS1=a.csv --model-moments", {"--model-moments", "--input"});
  expect_failure("fit --set fit.free=[\\\"nonesuch\\\"] --input x.h5", {"fit.free", "nonesuch"});
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

// `fluxrope synth` with no configuration: the default event, four spacecraft, every sample,
// the products with their shapes, units and axes, and the physics the paper describes.
TEST_F(Cli, SynthWritesTheDefaultEvent) {
  const CliRun r = run("synth --backend cpu -o " + out());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("synthesizing 4 spacecraft x 33 samples"), std::string::npos) << r.output;
  fluxrope::H5File f(out(), fluxrope::H5File::Mode::Read);
  EXPECT_TRUE(f.exists("/profile/Bz_nT"));
  for (const char* sc : {"MMS1", "MMS2", "MMS3", "MMS4"}) {
    const std::string g = std::string("/tracks/") + sc;
    std::vector<uint64_t> shape;
    const std::vector<double> dist = f.read(g + "/dist_s3_cm6", &shape);
    ASSERT_EQ(shape, (std::vector<uint64_t>{33, 32, 16, 32})) << sc;
    EXPECT_EQ(f.read_string_attr(g + "/dist_s3_cm6", "axes"), "time,phi,theta,energy");
    EXPECT_EQ(f.read_string_attr(g + "/dist_s3_cm6", "units"), "s^3/cm^6");
    const std::vector<double> def = f.read(g + "/def_keV_cm2_s_sr_keV");
    const std::vector<double> model = f.read(g + "/dist_model_s3_cm6");
    const std::vector<double> err = f.read(g + "/disterr_s3_cm6");
    const std::vector<double> counts = f.read(g + "/counts");
    const std::vector<double> expected = f.read(g + "/counts_expected");
    const std::vector<double> energy = f.read(g + "/energy_eV", &shape);
    ASSERT_EQ(shape, (std::vector<uint64_t>{33, 32}));
    const std::vector<double> parity = f.read(g + "/parity");
    const std::vector<double> nneg = f.read(g + "/n_negative_bins");
    double total_counts = 0, total_expected = 0;
    for (size_t k = 0; k < 33; ++k) {
      EXPECT_EQ(parity[k], static_cast<double>(k % 2));
      EXPECT_NEAR(energy[k * 32], parity[k] == 0 ? 10.9349 : 12.383, 1e-9);
      // negative model PSD is kept in dist_model and counted; it gives no counts (docs/model.md s. 8)
      double count = 0;
      for (size_t b = 0; b < 16384; ++b) {
        const size_t m = k * 16384 + b;
        const double E = energy[k * 32 + b % 32];
        // one-count level of the default G dt = 1e-7 cm^2 sr s: A = m^2 / (2 E^2 G dt)
        const double A = 1e-12 * 9.1093837015e-31 * 9.1093837015e-31 /
                         (2 * std::pow(E * 1.602176634e-19, 2) * 1e-11);
        ASSERT_GE(counts[m], 0.0);
        ASSERT_NEAR(dist[m], A * counts[m], 1e-12 * A * counts[m]);
        ASSERT_NEAR(err[m], A * std::sqrt(counts[m]), 1e-12 * A * (1 + counts[m]));
        ASSERT_NEAR(def[m], 6.187e30 * E * E * dist[m], 1e-12 * def[m]);
        if (model[m] < 0) {
          ++count;
          ASSERT_EQ(expected[m], 0.0);
          ASSERT_EQ(counts[m], 0.0);
        } else {
          ASSERT_NEAR(expected[m], model[m] / A, 1e-12 * expected[m]);
        }
        total_counts += counts[m];
        total_expected += expected[m];
      }
      EXPECT_EQ(nneg[k], count);
    }
    // Poisson: the total of ~1e6 counts within 5 sigma of its expectation
    EXPECT_NEAR(total_counts, total_expected, 5 * std::sqrt(total_expected)) << sc;
    EXPECT_GT(total_expected, 1e5) << sc;
    // the ground-system moments of the noisy skymaps sit near the model's density
    const std::vector<double> n_fpi = f.read(g + "/moments_fpi/n_cm3");
    const std::vector<double> n_model = f.read(g + "/ne_cm3");
    for (size_t k = 0; k < 33; ++k) EXPECT_NEAR(n_fpi[k], n_model[k], 0.1 * n_model[k]) << sc;
    // B_L bipolar, B_M unipolar near 22 nT at the closest approach (paper Fig. 3)
    const std::vector<double> B = f.read(g + "/B_lmn_nT", &shape);
    ASSERT_EQ(shape, (std::vector<uint64_t>{33, 3}));
    double lmin = 1e9, lmax = -1e9, mmax = 0;
    for (size_t k = 0; k < 33; ++k) {
      lmin = std::min(lmin, B[3 * k]);
      lmax = std::max(lmax, B[3 * k]);
      mmax = std::max(mmax, B[3 * k + 1]);
    }
    EXPECT_LT(lmin, -2.0) << sc;
    EXPECT_GT(lmax, 2.0) << sc;
    EXPECT_GT(mmax, 20.0) << sc;
    EXPECT_LE(mmax, 22.0) << sc;
    // PAD: antiparallel above parallel outside the rope (first sample), perpendicular
    // concentration near the axis (the sample closest to it), at 48.6-55 eV (paper Fig. 1, 5)
    const std::vector<double> pad = f.read(g + "/pad_s3_cm6", &shape);
    ASSERT_EQ(shape, (std::vector<uint64_t>{33, 32, 18}));
    const std::vector<double> rho = f.read(g + "/rho_km");
    const size_t in = std::min_element(rho.begin(), rho.end()) - rho.begin();
    auto P = [&](size_t k, size_t q) { return pad[(k * 32 + 6) * 18 + q]; };
    EXPECT_GT(P(0, 17), 1.1 * P(0, 0)) << sc;
    EXPECT_GT(P(in, 9), 1.1 * P(in, 0)) << sc;
    // Moments along the track: density minimum inside; far out the electrons move with the
    // plasma (V_e,sc -> the rope velocity [-29.1, 78.5, -207.4]); (V_e - V_i)_M and -j_M
    // unipolar, largest near the axis.
    const std::vector<double> ne = f.read(g + "/ne_cm3");
    EXPECT_LT(ne[in], ne[0]) << sc;
    const std::vector<double> ve = f.read(g + "/Ve_gse_km_s");
    EXPECT_NEAR(ve[0], -29.1, 1.0) << sc;
    EXPECT_NEAR(ve[2], -207.4, 1.0) << sc;
    const std::vector<double> dv = f.read(g + "/Ve_minus_Vi_lmn_km_s");
    const std::vector<double> j = f.read(g + "/j_lmn_nA_m2");
    EXPECT_GT(dv[3 * in + 1], 50.0) << sc;
    EXPECT_LT(j[3 * in + 1], -300.0) << sc;
    EXPECT_LT(std::fabs(dv[1]), 0.2 * dv[3 * in + 1]) << sc;
  }
}

TEST_F(Cli, AtlasTabulatesTheGyroAveragedDistribution) {
  const CliRun r = run("atlas --preset uniform --passes 1 --stride 100 --backend cpu -o " + out());
  ASSERT_EQ(r.status, 0) << r.output;
  fluxrope::H5File f(out(), fluxrope::H5File::Mode::Read);
  std::vector<uint64_t> shape;
  const std::vector<double> F = f.read("/atlas/f_s3_cm6", &shape);
  ASSERT_EQ(shape, (std::vector<uint64_t>{9, 32, 36}));
  EXPECT_EQ(f.read_string_attr("/atlas/f_s3_cm6", "axes"), "rho,energy,pitch");
  // a uniform Maxwellian in its own frame: flat in pitch angle at every radius and energy
  for (size_t m = 0; m < F.size(); m += 36)
    for (size_t q = 1; q < 36; ++q) ASSERT_NEAR(F[m + q], F[m], 1e-10 * F[m]);
  // seen from a moving frame it is not: antiparallel (180 deg) above parallel for U along +B
  const CliRun moving =
      run("atlas --preset uniform --passes 1 --stride 100 --frame-velocity 0,0,300 -o " + out());
  ASSERT_EQ(moving.status, 0) << moving.output;
  fluxrope::H5File g(out(), fluxrope::H5File::Mode::Read);
  const std::vector<double> G = g.read("/atlas/f_s3_cm6");
  EXPECT_GT(G[6 * 36 + 35], 1.05 * G[6 * 36 + 0]);
}

// fit-center on a synth output, and on CSV files as a user with real data would export them
// (time, Bx, By, Bz in GSE; the formation and velocity from the config). The default event's
// axis is at (L, N) = (2, 0) km; noise-free bound 0.2 km (see test_center_fit.cpp).
TEST_F(Cli, FitCenterFromSynthOutputAndFromCsv) {
  const std::string synth = (dir_ / "synth.h5").string();
  ASSERT_EQ(run("synth --backend cpu -o " + synth).status, 0);
  const CliRun r = run("fit-center --input " + synth + " -o " + out());
  ASSERT_EQ(r.status, 0) << r.output;
  fluxrope::H5File f(out(), fluxrope::H5File::Mode::Read);
  const std::vector<double> c = f.read("/center_fit/center_ln_km");
  EXPECT_NEAR(c[0], 2.0, 0.2);
  EXPECT_NEAR(c[1], 0.0, 0.2);
  EXPECT_EQ(f.read("/center_fit/radius_km").size(), 11u);
  EXPECT_LT(f.read("/center_fit/loss_km2")[0], 0.04);

  // the same |B| series as CSV files
  std::string args;
  {
    fluxrope::H5File s(synth, fluxrope::H5File::Mode::Read);
    for (const char* sc : {"MMS1", "MMS2", "MMS3", "MMS4"}) {
      const std::vector<double> t = s.read(std::string("/tracks/") + sc + "/time_s");
      const std::vector<double> B = s.read(std::string("/tracks/") + sc + "/B_gse_nT");
      std::string text = "time_s,Bx_nT,By_nT,Bz_nT\n";
      for (size_t k = 0; k < t.size(); ++k)
        text += fmt::format("{},{},{},{}\n", t[k], B[3 * k], B[3 * k + 1], B[3 * k + 2]);
      args += fmt::format(" --csv {}={}", sc, file(std::string(sc) + ".csv", text));
    }
  }
  const std::string out2 = (dir_ / "csv_fit.h5").string();
  const CliRun rc = run("fit-center" + args + " -o " + out2);
  ASSERT_EQ(rc.status, 0) << rc.output;
  fluxrope::H5File g(out2, fluxrope::H5File::Mode::Read);
  const std::vector<double> c2 = g.read("/center_fit/center_ln_km");
  EXPECT_NEAR(c2[0], c[0], 1e-9);
  EXPECT_NEAR(c2[1], c[1], 1e-9);
}

TEST_F(Cli, FitCenterBadInputs) {
  expect_failure("fit-center", {"--input", "--csv"});
  expect_failure("fit-center --csv MMS1=" + file("a.csv", "0,1,2,3\n0.1,1,2,3\n"),
                 {"no --csv MMS2=FILE"});
  expect_failure("fit-center --csv MMS1=" + file("b.csv", "t,bx,by,bz\n0,1,2,3\n0.1,1,x,3\n") +
                     " --csv MMS2=x --csv MMS3=x --csv MMS4=x",
                 {"b.csv", "line 3"});
}
