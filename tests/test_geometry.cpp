// Rope frame and spacecraft tracks (issue 3 item 2).
#include <gtest/gtest.h>

#include <cmath>

#include "fluxrope/core/error.hpp"
#include "fluxrope/geometry/geometry.hpp"
#include "fluxrope/instrument/products.hpp"

using namespace fluxrope;

namespace {
double det(const Mat3& m) {
  return dot(m.r0, cross(m.r1, m.r2));
}
}  // namespace

TEST(Geometry, RightHandedOrthonormalLmnMapsToNLM) {
  // (x, y, z) = (N, L, M) right-handed: N x L = M.
  const Vec3 N{0, 0, 1}, L{1, 0, 0}, M{0, 1, 0};
  const RopeFrame f = make_rope_frame(L, M, N);
  EXPECT_FALSE(f.left_handed);
  EXPECT_NEAR(f.max_skew_deg, 0.0, 1e-12);
  const Vec3 x = f.gse_to_rope * N, y = f.gse_to_rope * L, z = f.gse_to_rope * M;
  EXPECT_NEAR(x.x, 1.0, 1e-15);
  EXPECT_NEAR(y.y, 1.0, 1e-15);
  EXPECT_NEAR(z.z, 1.0, 1e-15);
}

TEST(Geometry, PublishedLmnIsOrthonormalizedKeepingMAndFlaggedLeftHanded) {
  const GeometrySettings g;  // the paper's vectors
  const RopeFrame f = make_rope_frame(g.L_gse, g.M_gse, g.N_gse);
  const Mat3& R = f.gse_to_rope;
  EXPECT_NEAR(det(R), 1.0, 1e-14);  // the model frame is right-handed whatever the input
  EXPECT_NEAR(norm2(R.r0), 1.0, 1e-15);
  EXPECT_NEAR(dot(R.r0, R.r2), 0.0, 1e-15);
  EXPECT_NEAR(dot(R.r2, f.M), 1.0, 1e-15);  // z is exactly the user's M
  EXPECT_GT(dot(R.r0, f.N), 0.999);         // x is N, orthogonalized
  EXPECT_TRUE(f.left_handed);               // det[L, M, N] = -0.978 for the printed vectors
  EXPECT_LT(dot(R.r1, f.L), -0.99);         // so y points along -L
  EXPECT_GT(f.max_skew_deg, 1.0);           // M.N = -0.032: 1.8 degrees off
  EXPECT_LT(f.max_skew_deg, 2.5);
}

TEST(Geometry, DegenerateVectorsAreErrors) {
  EXPECT_THROW(make_rope_frame({1, 0, 0}, {0, 0, 0}, {0, 1, 0}), Error);
  EXPECT_THROW(make_rope_frame({1, 0, 0}, {0, 0, 1}, {0, 0, 2}), Error);
}

TEST(Geometry, TracksMoveWithMinusTheRopeVelocityFromTheirFormationPositions) {
  GeometrySettings g;
  g.L_gse = {1, 0, 0};
  g.M_gse = {0, 1, 0};
  g.N_gse = {0, 0, 1};
  g.center_L_km = 3.0;
  g.center_N_km = -2.0;
  g.rope_velocity_gse_km_s = {170, 140, 0};  // 170 km/s across the axis (along L), 140 along it
  g.t_start_s = -0.5;
  g.duration_s = 1.0;
  g.cadence_s = 0.03;
  g.spacecraft = {{"MMS1", {3, 0, -2}}, {"MMS2", {0, 5, 0}}};
  const RopeFrame f = make_rope_frame(g.L_gse, g.M_gse, g.N_gse);
  const std::vector<Track> t = make_tracks(g, f);
  ASSERT_EQ(t.size(), 2u);
  ASSERT_EQ(t[0].time_s.size(), 33u);  // floor(1.0 / 0.03)
  EXPECT_DOUBLE_EQ(t[0].time_s[0], -0.5);
  for (size_t k = 0; k < t[0].parity.size(); ++k)
    EXPECT_EQ(t[0].parity[k], static_cast<int>(k % 2));
  // MMS1 sits on the axis at t = 0: (x, y) = (N, L) components of its offset vanish then.
  const double t0 = 0.0;
  const Vec3 r = t[0].r_rope_m[0] + (t0 - t[0].time_s[0]) * t[0].U_rope_m_s;
  EXPECT_NEAR(r.x, 0.0, 1e-9);
  EXPECT_NEAR(r.y, 0.0, 1e-9);
  // U = -V_rope: the spacecraft moves along -L (y) and -M (z) in the rope frame.
  EXPECT_NEAR(t[0].U_rope_m_s.y, -170e3, 1e-9);
  EXPECT_NEAR(t[0].U_rope_m_s.z, -140e3, 1e-9);
  // MMS2's offset from the axis: N = 2 km, L = -3 km; M = 5 km along the axis.
  const Vec3 r2 = t[1].r_rope_m[0] + (t0 - t[1].time_s[0]) * t[1].U_rope_m_s;
  EXPECT_NEAR(r2.x, 2e3, 1e-9);
  EXPECT_NEAR(r2.y, -3e3, 1e-9);
  EXPECT_NEAR(r2.z, 5e3, 1e-9);
}

TEST(Geometry, ProfileInterpolationIsExactForCubics) {
  const double h = 0.25;
  std::vector<double> f(41);
  auto cubic = [](double x) { return 1.0 - 2.0 * x + 0.5 * x * x - 0.125 * x * x * x; };
  for (size_t i = 0; i < f.size(); ++i) f[i] = cubic(i * h);
  for (double x : {0.0, 0.1, 1.37, 5.0, 9.9, 10.0})
    EXPECT_NEAR(profile_at(f, h, x), cubic(x), 1e-12) << x;
  EXPECT_EQ(profile_at(f, h, 12.0), f.back());  // beyond the edge: the edge value
}
