#pragma once
// Writes a layout of HDF5 nodes (particles/openpmd.hpp) with H5File: the fluxrope tool's
// serializer of the openPMD initial conditions (Python's is fluxrope.particles, with h5py).
// Strings are fixed-length ASCII (H5File::attr_fixed), as openPMD-api writes them.
#include <vector>

#include "fluxrope/io/hdf5_file.hpp"
#include "fluxrope/particles/openpmd.hpp"

namespace fluxrope {

void write_nodes(H5File& f, const std::vector<H5Node>& nodes);

}  // namespace fluxrope
