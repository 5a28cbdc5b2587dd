// Centre fit (paper eq. 5, issue 4): synthesize |B| along four tracks around a known centre,
// fit, recover it.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "fluxrope/core/constants.hpp"
#include "fluxrope/core/error.hpp"
#include "fluxrope/geometry/geometry.hpp"
#include "fluxrope/io/event_config.hpp"
#include "fluxrope/reconstruct/center_fit.hpp"
#include "test_util.hpp"

using namespace fluxrope;
using namespace fluxrope::constants;

namespace {

// Orthonormal, right-handed LMN (N x L = M): the rope frame is GSE itself.
GeometrySettings known_geometry() {
  GeometrySettings g = default_event_geometry();  // its tetrahedron and 1 s of burst samples
  g.N_gse = {1, 0, 0};
  g.L_gse = {0, 1, 0};
  g.M_gse = {0, 0, 1};
  g.center_L_km = 3.0;
  g.center_N_km = -1.5;
  g.rope_velocity_gse_km_s = {170.0, 0.0, -140.0};  // 170 km/s across (along N), 140 along the axis
  return g;
}

std::vector<CenterFitSpacecraft> synthesize(const GeometrySettings& g, double noise_nT,
                                            unsigned seed) {
  const SolveResult& r = test::solved("yang2022");
  const ProfileTables t = make_profile_tables(r);
  const ProfileView pv = t.view();
  const RopeFrame f = make_rope_frame(g.L_gse, g.M_gse, g.N_gse);
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, noise_nT);
  std::vector<CenterFitSpacecraft> out;
  for (const Track& tr : make_tracks(g, f)) {
    CenterFitSpacecraft s;
    s.name = tr.name;
    for (size_t k = 0; k < tr.time_s.size(); ++k) {
      const LocalPoint l = local_point(pv, tr.r_rope_m[k]);
      s.t_s.push_back(tr.time_s[k]);
      s.Bmag_nT.push_back(std::hypot(l.Bz, l.Bphi) / NT_TO_SI + (noise_nT > 0 ? noise(rng) : 0.0));
    }
    for (const auto& sp : g.spacecraft)
      if (sp.name == tr.name) {
        s.L0_km = dot(sp.position_gse_km, f.L);
        s.N0_km = dot(sp.position_gse_km, f.N);
      }
    out.push_back(s);
  }
  return out;
}

CenterFitSettings settings_for(const GeometrySettings& g) {
  const RopeFrame f = make_rope_frame(g.L_gse, g.M_gse, g.N_gse);
  CenterFitSettings s;
  s.vL_km_s = -dot(g.rope_velocity_gse_km_s, f.L);  // the spacecraft move with -V_rope
  s.vN_km_s = -dot(g.rope_velocity_gse_km_s, f.N);
  return s;
}

}  // namespace

// Noise-free: the only error is the linear interpolation of |B| between 30 ms samples. Its
// crossing-time error is (dt^2 / 8) |B''| / |B'| ~ dt^2 / (8 tau) with tau ~ 0.1 s the time
// scale of |B| at the contours: ~1 ms, i.e. ~0.2 km along a 170 km/s track, of the same sign on
// the inward and outward sides of a symmetric pass, so it largely cancels in the centre.
// Bound: 0.2 km on each coordinate; sqrt(L) (the scatter of the crossings about their
// circles) must be below the same 0.2 km.
TEST(CenterFit, RecoversAKnownCentreWithoutNoise) {
  const GeometrySettings g = known_geometry();
  const CenterFitResult r = fit_center(synthesize(g, 0.0, 0), settings_for(g));
  EXPECT_NEAR(r.L_km, 3.0, 0.2);
  EXPECT_NEAR(r.N_km, -1.5, 0.2);
  EXPECT_LT(std::sqrt(r.loss_km2), 0.2);
  EXPECT_EQ(r.crossings.size(), 11u * 4u * 2u);  // every level crossed twice by every spacecraft
  EXPECT_TRUE(r.skipped.empty());
  for (double rad : r.radius_km) EXPECT_GT(rad, 5.0);
}

// With a seeded 0.1 nT Gaussian noise on |B|: each crossing time moves by sigma / |dB/dt|
// (|dB/dt| ~ 50 nT/s at 16-20 nT: ~2 ms, ~0.35 km along the track, i.e. along N); the centre
// averages 88 crossings, so sigma_N ~ 0.35 km / sqrt(44) ~ 0.05 km. L is constrained only
// through the chord lengths: a path at distance dL from the centre through a contour of radius
// R has half-chord h = sqrt(R^2 - dL^2), so dL moves by (h / dL) dh, and h / dL ~ 5 for these
// paths (dL = 3-10 km, R = 20-30 km): sigma_L ~ 0.3 km. A Monte Carlo over 400 seeds gave
// sigma_L = 0.37 km, sigma_N = 0.072 km (mean offsets 0.02 and 0.004 km). Bound: the noise-free
// bound plus 4 sigma: 0.2 + 1.5 = 1.7 km in L, 0.2 + 0.3 = 0.5 km in N.
TEST(CenterFit, RecoversAKnownCentreWithNoise) {
  const GeometrySettings g = known_geometry();
  const CenterFitResult r = fit_center(synthesize(g, 0.1, 20151019), settings_for(g));
  EXPECT_NEAR(r.L_km, 3.0, 1.7);
  EXPECT_NEAR(r.N_km, -1.5, 0.5);
  EXPECT_LT(std::sqrt(r.loss_km2), 1.0);
}

TEST(CenterFit, SkipsLevelsNotCrossedTwiceAndSaysSo) {
  const GeometrySettings g = known_geometry();
  CenterFitSettings s = settings_for(g);
  s.levels_nT.push_back(23.0);  // above the 22 nT core: nobody crosses it
  const CenterFitResult r = fit_center(synthesize(g, 0.0, 0), s);
  EXPECT_EQ(r.skipped.size(), 4u);
  EXPECT_NE(r.skipped[0].find("23 nT"), std::string::npos);
  EXPECT_TRUE(std::isnan(r.radius_km.back()));
  s.levels_nT = {23.0, 24.0};
  EXPECT_THROW(fit_center(synthesize(g, 0.0, 0), s), Error);
}
