#pragma once
// What a run outputs, as named arrays in output units (README "Output"): the single place
// where SI values become km, nT, cm^-3, eV... The HDF5 writer and the Python module both take
// their arrays from here, so a file and a Python result hold the same bits.
#include <cstdint>
#include <string>
#include <vector>

#include "fluxrope/equilibrium/solver.hpp"
#include "fluxrope/geometry/geometry.hpp"
#include "fluxrope/instrument/products.hpp"

namespace fluxrope {

struct OutputArray {
  std::string name;              // path below its group, e.g. "dist_s3_cm6", "moments_fpi/n_cm3"
  std::vector<uint64_t> shape;   // full shape (for per-sample arrays: one sample's row after n)
  std::string units, axes;       // axes: comma-separated names, one per dimension
  bool integer = false;          // int32 values (idata), else doubles (data)
  bool skymap = false;           // skymap-sized: stored as float32 when [output] float32 asks
  std::vector<double> data;      // owned values (converted to output units)
  std::vector<int32_t> idata;
  const double* view = nullptr;  // or a view of values already in output units (size n_values)
  size_t n_values() const;
  const double* values() const { return view ? view : data.data(); }
};

// /profile: the equilibrium on the output grid (name, values, units; axes "rho").
std::vector<OutputArray> profile_arrays(const RadialProfile& p);

// /tracks/<name>/, written once: times, parity, positions, angle and pitch axes.
std::vector<OutputArray> track_static_arrays(const Track& t, const InstrumentSettings& s);
// /tracks/<name>/, per sample: rows [row0, row0 + p.n); shape[0] = p.n. Big arrays are views
// into p (no copy); converted ones are owned.
std::vector<OutputArray> track_row_arrays(const TrackProducts& p, const InstrumentSettings& s);

}  // namespace fluxrope
