#pragma once
// Geometry of an event (issue 3 item 2): the rope frame from the user's LMN vectors,
// and the rope-frame track of every spacecraft. Model axes: z = M (the rope axis),
// x = N orthogonalized against M, y = z x x. Published LMN triads are neither exactly
// orthonormal nor always right-handed (the paper's is left-handed: y then points along
// -L); the frame says so, and LMN products are projections on the user's own vectors.
#include <string>
#include <vector>

#include "fluxrope/core/vec3.hpp"

namespace fluxrope {

struct SpacecraftSpec {
  std::string name;
  Vec3 position_gse_km;  // relative to the formation's reference point
};

struct GeometrySettings {
  Vec3 L_gse{0.96, 0.22, -0.05};  // Yang et al. 2022 / Yao et al. 2020
  Vec3 M_gse{-0.06, 0.46, 0.88};
  Vec3 N_gse{-0.22, 0.84, -0.49};
  double center_L_km = 0.0;  // rope axis relative to the reference point at t = 0
  double center_N_km = 0.0;
  Vec3 rope_velocity_gse_km_s{0, 0, 0};  // ion bulk velocity seen by the spacecraft (U = -this)
  double t_start_s = 0.0;
  // The UTC time of t = 0, ISO 8601 "YYYY-MM-DDThh:mm:ss[.fff]" (2000-2100): the time stamps of
  // the Python results and of the exported L2 files. Default: the 2015-10-19 event's (its burst
  // interval's first record, 14:07:56, is the default t_start_s = -0.5 s).
  std::string t0_utc = "2015-10-19T14:07:56.500";
  double duration_s = 1.0;
  double cadence_s = 0.03;
  // Where the formation is (MEC ephemeris only; the model needs only relative positions): the
  // reference point's GSE position at t = 0 [km] and the formation's GSE velocity [km/s]
  // (rope_velocity_gse_km_s is relative to it: what the spacecraft see).
  Vec3 reference_gse_km{60000.0, 40000.0, -5000.0};
  Vec3 formation_velocity_gse_km_s{0.0, 0.0, 0.0};
  std::vector<SpacecraftSpec> spacecraft;
};

struct RopeFrame {
  Mat3 gse_to_rope;           // rows: x, y, z of the model in GSE
  Vec3 L, M, N;               // the user's vectors, normalized (for LMN projections)
  double max_skew_deg = 0.0;  // largest departure of the user's pairs from 90 degrees
  bool left_handed = false;   // det[L, M, N] < 0: the model's y is along -L
};
// Throws fluxrope::Error for a zero or (anti)parallel M and N.
RopeFrame make_rope_frame(Vec3 L, Vec3 M, Vec3 N);

struct Track {
  std::string name;
  std::vector<double> time_s;
  std::vector<int> parity;     // FPI burst energy table, alternating from 0
  std::vector<Vec3> r_rope_m;  // rope-frame position [m]
  Vec3 U_rope_m_s;             // spacecraft velocity in the rope frame [m/s]
};
// r_rope(t) = R (P - C) + U t with C = center_L L + center_N N (GSE, km) and U = -R V_rope.
std::vector<Track> make_tracks(const GeometrySettings& g, const RopeFrame& f);
// One spacecraft's track at given times [s] (observations at their own times, e.g. a fit).
Track make_track(const GeometrySettings& g, const RopeFrame& f, const SpacecraftSpec& sc,
                 const std::vector<double>& times_s);

}  // namespace fluxrope
