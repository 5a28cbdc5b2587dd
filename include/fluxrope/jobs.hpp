#pragma once
// The jobs a user runs, as library functions taking a RunConfig (docs/architecture.md "Jobs"): the
// fluxrope tool, the Python module and any later caller (a sweep worker) are thin callers of
// these; none of them repeats the orchestration.
#include <string>
#include <vector>

#include "fluxrope/engine/backend.hpp"
#include "fluxrope/equilibrium/solver.hpp"
#include "fluxrope/equilibrium/validity.hpp"
#include "fluxrope/geometry/geometry.hpp"
#include "fluxrope/instrument/products.hpp"
#include "fluxrope/io/config.hpp"
#include "fluxrope/particles/openpmd.hpp"
#include "fluxrope/particles/particles.hpp"
#include "fluxrope/reconstruct/center_fit.hpp"

namespace fluxrope {

// A solved equilibrium with what every product needs of it.
struct Equilibrium {
  SolveResult result;
  NegativityReport negativity;  // docs/model.md §8, scanned after the solve
  ProfileTables tables;         // the device-copyable tables of f_e
};
Equilibrium solve_job(const RunConfig& cfg, Backend& backend, const PassCallback& on_pass = {});

// The event's rope frame and spacecraft tracks, with notes for the user (a skewed or
// left-handed LMN triad).
struct EventGeometry {
  RopeFrame frame;
  std::vector<Track> tracks;      // DES: the [geometry] cadence
  std::vector<Track> dis_tracks;  // DIS: [instrument.dis] cadence_s (empty when not enabled)
  std::vector<std::string> notes;
};
EventGeometry event_geometry(const RunConfig& cfg);

// What a synthesis will need, estimated from the configuration before anything is computed
// (README "Valid ranges"): the file it writes (uncompressed), the memory of two batches (one
// computing, one being written; or of the whole interval when the products stay in memory, as
// in Python) and the evaluations of f.
struct SynthEstimate {
  double file_bytes = 0.0;
  double memory_bytes = 0.0;
  double evaluations = 0.0;
};
// with_dis: the DIS products as well (fluxrope synth, when [instrument.dis] enabled).
SynthEstimate estimate_synth(const RunConfig& cfg, const EventGeometry& geo, bool in_memory,
                             bool with_dis = true);
// Refuses, with the estimate and the keys that set it, a synthesis that cannot fit: memory
// above half of this machine's, a file larger than the free space (free_disk_bytes; < 0 when
// unknown or no file), or more than SYNTH_MAX_EVALUATIONS evaluations of f.
inline constexpr double SYNTH_MAX_EVALUATIONS = 1e13;  // a day of all cores of a workstation
void check_synth_resources(const RunConfig& cfg, const EventGeometry& geo, bool in_memory,
                           double free_disk_bytes, bool with_dis = true);
// The same for an atlas of n_radii radii (memory of its table, evaluations).
void check_atlas_resources(const RunConfig& cfg, size_t n_radii);

// Every product of every track of a spectrometer into the sink, in batches of [output]
// batch_samples: DES (electrons, geo.tracks, [instrument]) or DIS (ions, geo.dis_tracks at the DIS
// cadence, [instrument.dis]).
SynthResult synth_job(const RunConfig& cfg, Backend& backend, const Equilibrium& eq,
                      const EventGeometry& geo, ProductSink& sink,
                      const SynthProgress& progress = {},
                      SpeciesKind species = SpeciesKind::Electron);

// f_e [s^3/cm^6] at rope-frame positions r [m] and velocities v [m/s] measured in a frame moving
// with U [m/s] through the rope (U = 0: the rope frame): f(r, v + U), docs/model.md §9.
std::vector<double> evaluate_f(Backend& backend, const Equilibrium& eq, const std::vector<Vec3>& r,
                               const std::vector<Vec3>& v, Vec3 U);

// The centre fit of paper eq. 5 from |B| series of the spacecraft of [geometry] (names must
// match), in the plane perpendicular to the axis; the centre reported in the user's L, N.
struct BSeries {
  std::string name;
  std::vector<double> t_s, Bmag_nT;
};
struct CenterFitJob {
  CenterFitResult result;
  CenterFitSettings settings;
  CenterFitPlane plane;
  std::vector<CenterFitSpacecraft> spacecraft;
};
CenterFitJob center_fit_job(const RunConfig& cfg, const std::vector<BSeries>& series,
                            const std::vector<double>& levels_nT = {});

// Initial conditions for a PIC code from [particles] (docs/simulation.md): each species sampled
// on the backend, the fields on the grid, and each species' binned-moment check.
struct ParticleJob {
  std::vector<ParticleSet> species;
  std::vector<MomentCheck> checks;  // one per species
  FieldGrid grid;
  double seconds_sampling = 0.0;
};
// What the file will need (particles x 60 bytes, the grid), refused with the keys that set it
// when above half of this machine's memory or (free_disk_bytes >= 0) the free space.
void check_particle_resources(const RunConfig& cfg, double free_disk_bytes);
ParticleJob particles_job(const RunConfig& cfg, Backend& backend, const Equilibrium& eq);
// The job's openPMD layout (particles/openpmd.hpp) with this version and the resolved config.
std::vector<H5Node> particles_layout(const RunConfig& cfg, const ParticleJob& job);

}  // namespace fluxrope
