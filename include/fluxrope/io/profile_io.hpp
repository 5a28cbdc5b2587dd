#pragma once
// The solve product in HDF5 (names are a contract; README "Output"): /profile,
// /solver and the root attributes. SI -> output units happens here, once.
#include <string>

#include "fluxrope/equilibrium/solver.hpp"
#include "fluxrope/equilibrium/validity.hpp"
#include "fluxrope/geometry/geometry.hpp"
#include "fluxrope/instrument/products.hpp"
#include "fluxrope/io/config.hpp"
#include "fluxrope/io/hdf5_file.hpp"
#include "fluxrope/jobs.hpp"
#include "fluxrope/reconstruct/center_fit.hpp"
#include "fluxrope/reconstruct/fit.hpp"

namespace fluxrope {

void write_root_attributes(H5File& f, const RunConfig& cfg);
void write_profile(H5File& f, const RadialProfile& p);
void write_validity(H5File& f, const NegativityReport& r);
// /geometry: the rope frame (gse_to_rope rows, handedness, skew).
void write_frame(H5File& f, const RopeFrame& frame);
// /atlas: gyro-averaged f(rho, E, alpha) [s^3/cm^6] at (rho, 0, 0) in the given frame.
void write_atlas(H5File& f, const std::vector<double>& rho_km, const InstrumentSettings& s,
                 const std::vector<double>& F, const std::vector<double>& frame_velocity_km_s);
// /center_fit: the centre of paper eq. 5 (r in the plane's coordinates) and what it was
// fitted to: crossings, the spacecraft's positions at t = 0 and velocity in the plane.
void write_center_fit(H5File& f, const CenterFitResult& r, const CenterFitSettings& s,
                      const std::vector<CenterFitSpacecraft>& sc, const CenterFitPlane& plane);
// Reads a CSV of time [s], Bx, By, Bz [nT, GSE] (a header line is allowed) into t and |B|.
void read_b_csv(const std::string& path, std::vector<double>& t_s, std::vector<double>& Bmag_nT);
// /tracks/<name>/ (DES) or /dis/<name>/ (DIS): the per-sample products (names are a contract,
// README "Output"), written batch by batch as synthesize_event hands them over, into chunked
// datasets ([output]).
class TrackWriter final : public ProductSink {
 public:
  TrackWriter(H5File& f, const OutputSettings& o, std::string root = "/tracks");
  void begin(const std::vector<Track>& tracks, const InstrumentSettings& s) override;
  void write(size_t track, size_t row0, const TrackProducts& p) override;

 private:
  H5File& f_;
  OutputSettings o_;
  std::string root_;
  InstrumentSettings s_;
  std::vector<std::string> names_;
  std::vector<size_t> beyond_;
};
// /fit: the fit's parameters, uncertainties, correlations, chi^2 and what it was fitted to
// (observations and the best-fit model along every track).
void write_fit(H5File& f, const FitResult& r, const std::vector<FitObservations>& obs);
// CSV of time_s, Bx, By, Bz [nT, GSE] and, when the pointers are given, ne_cm3, T_par_eV,
// T_perp_eV (a header line is allowed); the three pointers are given together or not at all.
void read_fit_csv(const std::string& path, std::vector<double>& t_s, std::vector<double>& B_gse_nT,
                  std::vector<double>* ne_cm3, std::vector<double>* T_par_eV,
                  std::vector<double>* T_perp_eV);
// The /tracks/<name> group of a synth output, which must be there.
std::string track_group(const H5File& in, const std::string& name);
// |B| along /tracks/<name> of a synth output (time_s and B_gse_nT, shapes checked).
BSeries read_track_bseries(const H5File& in, const std::string& name);
// A spacecraft's observations from /tracks/<name> of a synth output: B and, with `moments`,
// n_e, T_par, T_perp and, for each of pad_energies_eV, the dense PAD of the nearest channel.
// Every dataset's shape is checked against time_s; values must be finite, times strictly
// increasing, moments positive (errors name the file and the dataset).
// With fpi (the default) the moments are the track's moments_fpi (what the ground system computes
// from the Poisson counts) with their counting-statistics sigmas, V and the parities; without, the
// model's true moments (ne_cm3, T_par_eV, T_perp_eV). pad_channels: the instrument-style PAD of the
// track's dist at those channels of each sample's table, binned against the recorded field, with
// the sigmas and counts of each cell (one-count levels of `instrument`).
FitObservations read_track_observations(const H5File& in, const std::string& name, bool moments,
                                        const std::vector<double>& pad_energies_eV, bool fpi = true,
                                        const std::vector<int>& pad_channels = {},
                                        const InstrumentSettings* instrument = nullptr);
// Gaussian noise with the [fit] sigmas (round trips), seeded: on the field, and on the moments and
// gyro PADs unless they are FPI moments (which carry the noise of their counts already).
void add_fit_noise(std::vector<FitObservations>& obs, const FitSettings& s, uint64_t seed);
void write_solver_history(H5File& f, const SolveResult& r, const SolverSettings& s,
                          const std::string& backend);

}  // namespace fluxrope
