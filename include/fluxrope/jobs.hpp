#pragma once
// The jobs a user runs, as library functions taking a RunConfig (DESIGN.md "Growing it"): the
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
#include "fluxrope/reconstruct/center_fit.hpp"

namespace fluxrope {

// A solved equilibrium with what every product needs of it.
struct Equilibrium {
  SolveResult result;
  NegativityReport negativity;  // MODEL.md section 8, scanned after the solve
  ProfileTables tables;         // the device-copyable tables of f_e
};
Equilibrium solve_job(const RunConfig& cfg, Backend& backend, const PassCallback& on_pass = {});

// The event's rope frame and spacecraft tracks, with notes for the user (a skewed or
// left-handed LMN triad).
struct EventGeometry {
  RopeFrame frame;
  std::vector<Track> tracks;
  std::vector<std::string> notes;
};
EventGeometry event_geometry(const RunConfig& cfg);

// Every product of every track into the sink, in batches of [output] batch_samples.
SynthResult synth_job(const RunConfig& cfg, Backend& backend, const Equilibrium& eq,
                      const EventGeometry& geo, ProductSink& sink,
                      const SynthProgress& progress = {});

// f_e [s^3/cm^6] at rope-frame positions r [m] and velocities v [m/s] measured in a frame moving
// with U [m/s] through the rope (U = 0: the rope frame): f(r, v + U), MODEL.md section 9.
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

}  // namespace fluxrope
