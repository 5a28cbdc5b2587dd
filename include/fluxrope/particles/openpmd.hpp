#pragma once
// The openPMD 1.1.0 layout of particles and fields (docs/simulation.md "The file"), as a list of
// HDF5 groups and datasets with their attributes. Built once here, without HDF5, and written by
// two thin serializers: H5File for the fluxrope tool (io/hdf5_file.hpp, write_nodes) and h5py for
// Python (fluxrope.particles), so both give the same file for one seed.
//
// The base standard (openPMD-standard, STANDARD.md; openPMDextension 0: ED-PIC's required
// attributes name a simulation's solver, pusher and shapes, which an initial condition has
// none of; the openPMD validator passes the file with no error). Root openPMD,
// openPMDextension, basePath, meshesPath, particlesPath, iterationEncoding (groupBased, one
// iteration 0), iterationFormat; the iteration's time, dt, timeUnitSI; per mesh geometry
// (cartesian), dataOrder (C), axisLabels, gridSpacing, gridGlobalOffset, gridUnitSI,
// unitDimension, timeOffset and per component unitSI and position (the staggering); per particle
// record unitDimension, timeOffset, macroWeighted, weightingPower and per component unitSI;
// positionOffset, charge and mass as constant records (value, shape). Momentum is m v of one
// physical particle (the model is non-relativistic; a PIC code that reads it as gamma m v sees
// a particle of energy E with gamma - 1 = E / m c^2, 2e-3 for a 1 keV electron).
#include <cstdint>
#include <string>
#include <vector>

#include "fluxrope/particles/particles.hpp"

namespace fluxrope {

struct H5Attribute {
  enum class Kind { String, Double, Doubles, UInt32, UInt64s, Strings };
  std::string name;
  Kind kind = Kind::String;
  std::string text;
  double number = 0.0;
  std::vector<double> numbers;
  std::uint32_t u32 = 0;
  std::vector<std::uint64_t> u64s;
  std::vector<std::string> texts;
};

struct H5Node {
  std::string path;
  bool dataset = false;           // else a group
  const double* data = nullptr;   // dataset values (owned by the ParticleSet / FieldGrid)
  std::vector<std::uint64_t> shape;
  std::vector<H5Attribute> attrs;
};

// Species, grid and fluxrope's own attributes (software version, the resolved configuration);
// the nodes point into `species` and `grid`, which must outlive them.
std::vector<H5Node> openpmd_layout(const std::vector<ParticleSet>& species, const FieldGrid& grid,
                                   const std::string& software_version,
                                   const std::string& config_toml);

}  // namespace fluxrope
