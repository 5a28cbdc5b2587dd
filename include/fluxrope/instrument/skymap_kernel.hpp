#pragma once
// Synthetic FPI skymaps (issue 3): the spacecraft-frame electron phase-space density at
// every bin centre of the DES burst grid, one host/device body for every backend.
#include "fluxrope/core/hd.hpp"
#include "fluxrope/core/vec3.hpp"
#include "fluxrope/instrument/fpi.hpp"
#include "fluxrope/model/profile_view.hpp"

namespace fluxrope {

// One instrument sample: where the spacecraft is and how it moves in the rope frame,
// how its (DBCS) axes sit in the rope frame, and which energy table it used.
struct SkymapSample {
  Vec3 r_rope;        // [m], rope frame (z = axis)
  Vec3 U_rope;        // spacecraft velocity in the rope frame [m/s]
  Mat3 dbcs_to_rope;  // rotation DBCS -> rope frame
  int parity = 0;     // energy table (0 or 1)
  LocalPoint local;   // filled by the host (synth_skymaps) from r_rope: per-position factors
};

struct SkymapProblem {
  ProfileView profile;
  const Vec3* velocity_dir = nullptr;  // [k * 16 + j]: minus the look direction, DBCS
  const double* speed = nullptr;       // [parity * 32 + i] [m/s]
  const SkymapSample* samples = nullptr;
  int n_samples = 0;
  FLUXROPE_HD long n_items() const { return static_cast<long>(n_samples) * FPI_N_BINS; }
};

// Work items are laid out as the L2 files are read in C order: (sample, phi 32, theta 16,
// energy 32). A row is one look direction of one sample: its 32 energies share the
// sample and the direction, so the CPU backend prepares the row once and runs the
// energies as one vectorized loop; the CUDA backend does both per item.
struct SkymapRow {
  const SkymapSample* sample;
  Vec3 dir;             // velocity direction (minus look), rope frame
  const double* speed;  // the sample's energy table as speeds [m/s], FPI_N_ENERGY
};

FLUXROPE_HD inline SkymapRow skymap_row(const SkymapProblem& p, long row) {
  const int j = static_cast<int>(row % FPI_N_THETA);
  const int k = static_cast<int>((row / FPI_N_THETA) % FPI_N_PHI);
  const SkymapSample& s = p.samples[row / (FPI_N_THETA * FPI_N_PHI)];
  return {&s, s.dbcs_to_rope * p.velocity_dir[k * FPI_N_THETA + j],
          p.speed + s.parity * FPI_N_ENERGY};
}

// f_sc [s^3/cm^6] at energy channel i of a row. docs/model.md §9: f_sc(r, v') = f(r, v' + U).
FLUXROPE_HD inline double skymap_bin(const SkymapProblem& p, const SkymapRow& row, int i) {
  const Vec3 v_sc = row.speed[i] * row.dir;
  return 1e-12 * electron_f_at(p.profile, row.sample->local, v_sc + row.sample->U_rope);
}

FLUXROPE_HD inline double skymap_item(const SkymapProblem& p, long item) {
  return skymap_bin(p, skymap_row(p, item / FPI_N_ENERGY), static_cast<int>(item % FPI_N_ENERGY));
}

}  // namespace fluxrope
