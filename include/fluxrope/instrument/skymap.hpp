#pragma once
// Host side of the skymap products: run the skymap kernel on a Backend, and bin a
// skymap into an instrument-style pitch-angle distribution (docs/instrument.md).
#include <vector>

#include "fluxrope/engine/backend.hpp"
#include "fluxrope/equilibrium/solver.hpp"
#include "fluxrope/instrument/counts.hpp"
#include "fluxrope/instrument/fpi.hpp"
#include "fluxrope/instrument/fpi_moments.hpp"
#include "fluxrope/instrument/response.hpp"

namespace fluxrope {

// The kernel input of synth_skymaps: the problem and the samples (with their per-position
// factors) it points into. Movable, not copyable (the problem points into the vectors).
struct SkymapSetup {
  std::vector<SkymapSample> samples;
  FpiTables tables;  // the species' directions and speeds
  SkymapProblem problem;
  SkymapSetup() = default;
  SkymapSetup(SkymapSetup&&) = default;
  SkymapSetup(const SkymapSetup&) = delete;
  SkymapSetup& operator=(const SkymapSetup&) = delete;
  SkymapSetup& operator=(SkymapSetup&&) = default;  // the problem keeps pointing into the moved vectors
};
SkymapSetup make_skymap_setup(const ProfileTables& profile, const std::vector<SkymapSample>& samples,
                              const Species& species = des_species());

// Skymaps of every sample, (N, phi 32, theta 16, energy 32), f_sc in s^3/cm^6, of the species'
// distribution on its energy tables.
std::vector<double> synth_skymaps(Backend& backend, const ProfileTables& profile,
                                  const std::vector<SkymapSample>& samples,
                                  const Species& species = des_species());

// PadWeighting (how bins are averaged within a pitch bin): reduction_kernel.hpp.
// The config spelling: "unweighted", "solid_angle", "pyrfu".
inline const char* pad_weighting_name(PadWeighting w) {
  return w == PadWeighting::SolidAngle        ? "solid_angle"
         : w == PadWeighting::PhiOfThetaMeans ? "pyrfu"
                                              : "unweighted";
}

// The [instrument] table with [instrument.des] or [instrument.dis] (README "Configuration").
struct InstrumentSettings {
  Species species = des_species();  // the spectrometer: DES (electrons) or DIS (ions)
  int pad_bins = 18;  // equal pitch-angle bins over [0, 180] deg
  PadWeighting pad_weighting = PadWeighting::Unweighted;
  // dense gyro-averaged PAD (docs/model.md §10): energies, pitch nodes at the centres of
  // dense_pad_pitch equal bins, trapezoidal gyrophase nodes
  std::vector<double> dense_pad_energy_eV =
      std::vector<double>(fpi_energy_table(0).begin(), fpi_energy_table(0).end());
  int dense_pad_pitch = 36;
  int dense_pad_gyrophase = 32;
  Mat3 dbcs_to_gse;  // rotation of the instrument frame into GSE (identity: DBCS ~ GSE)
  ResponseSettings response;  // bin response: passband, acceptance, sweep (issue 8)
  CountSettings counts;       // one-count level, Poisson noise
  MomentSettings moments;     // ground-system moments
};

// The kernel input of synth_gyro_pads: the problem and the arrays it points into (samples
// with their field-aligned bases, speeds, pitch and gyrophase nodes). Movable, not copyable.
struct GyroPadSetup {
  std::vector<GyroPadSample> samples;
  std::vector<double> speed, cos_alpha, sin_alpha, cos_gyro, sin_gyro;
  GyroPadProblem problem;
  GyroPadSetup() = default;
  GyroPadSetup(GyroPadSetup&&) = default;
  GyroPadSetup(const GyroPadSetup&) = delete;
  GyroPadSetup& operator=(const GyroPadSetup&) = delete;
  GyroPadSetup& operator=(GyroPadSetup&&) = default;  // the problem keeps pointing into the moved vectors
};
GyroPadSetup make_gyro_pad_setup(const ProfileTables& profile, const std::vector<Vec3>& r_rope,
                                 Vec3 U_rope, const InstrumentSettings& s);
// Each position with its own observer velocity (samples of several spacecraft in one batch).
GyroPadSetup make_gyro_pad_setup(const ProfileTables& profile, const std::vector<Vec3>& r_rope,
                                 const std::vector<Vec3>& U_rope, const InstrumentSettings& s);

// Dense gyro-averaged PADs (docs/model.md §10) at rope-frame positions r for a spacecraft
// moving with U: (N, energy, pitch) in s^3/cm^6, on the settings' dense grid.
std::vector<double> synth_gyro_pads(Backend& backend, const ProfileTables& profile,
                                    const std::vector<Vec3>& r_rope, Vec3 U_rope,
                                    const InstrumentSettings& s);
std::vector<double> synth_gyro_pads(Backend& backend, const ProfileTables& profile,
                                    const std::vector<Vec3>& r_rope,
                                    const std::vector<Vec3>& U_rope, const InstrumentSettings& s);

// Throws fluxrope::Error unless b (any frame) is finite and non-zero: pitch angles need it.
void require_pitch_field(Vec3 b);

// Instrument-style PAD of one skymap (phi 32, theta 16, energy 32): each bin's centre
// velocity (minus look, DBCS) gets pitch angle acos(v_hat . b_hat) against b_dbcs, and bins
// are averaged within n_pitch equal pitch bins over [0, 180] deg: unweighted (pySPEDAS), weighted
// by solid angle dphi (cos th1 - cos th2), or as pyrfu does (PadWeighting). Returns (energy 32, n_pitch);
// a pitch bin no skymap bin falls in is NaN.
std::vector<double> pad_from_skymap(const double* skymap, Vec3 b_dbcs, int n_pitch,
                                    PadWeighting weighting);

// Chosen cells of that PAD, (channel, pitch) each: values, their sigmas from var f = A f and the
// counts sum f / A of their bins, given the skymap's 32 one-count levels A (reduction_kernel.hpp).
struct PadCells {
  std::vector<double> value, sigma, counts;
};
PadCells pad_cells(const double* skymap, Vec3 b_dbcs, const std::vector<int>& channels, int n_pitch,
                   PadWeighting weighting, const double* one_count);

// The spectra of one skymap that the FPI ground system writes into des-moms (docs/instrument.md
// "The moments file"): DEF [keV/(cm^2 s sr keV)] averaged, bin by bin unweighted as pySPEDAS
// does, over all 512 directions (omni), over the directions of pitch < par_max_deg (par), in
// [par_max_deg, anti_min_deg] (perp) and > anti_min_deg (anti), per channel; and pitch-angle
// distributions on n_pitch equal bins over [0, 180] deg, averaged over every bin whose channel
// centre lies in one of the energy ranges [edges[r], edges[r + 1]) eV. Cells no bin falls in are
// NaN (the files' fill value).
struct GroundSpectraSettings {
  double par_max_deg = 45.0;    // pySPEDAS mms_pad_fpi's parallel band [0, 45]
  double anti_min_deg = 135.0;  // and antiparallel [135, 180]
  int n_pitch = 30;             // the des-moms pitchangdist bins: 30 x 6 deg
  std::array<double, 4> energy_edges_eV{0.0, 200.0, 2000.0, 30000.0};  // lowen, miden, highen
};
struct GroundSpectra {
  std::array<double, FPI_N_ENERGY> omni{}, par{}, perp{}, anti{};
  std::vector<double> pad;  // (3 ranges, n_pitch)
};
// def: one skymap (phi 32, theta 16, energy 32) of DEF; energy_eV: its 32 channel centres; b_dbcs:
// the field (DBCS, any length, finite and non-zero).
GroundSpectra ground_spectra(const double* def, const double* energy_eV, Vec3 b_dbcs,
                             const GroundSpectraSettings& s = {});

}  // namespace fluxrope
