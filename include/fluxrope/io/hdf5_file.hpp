#pragma once
// A small RAII layer over the HDF5 C API: what fluxrope writes (double arrays with a
// `units` and an `axes` attribute, scalar and string attributes, groups) and reads
// back (tests, later tools). Every failure is a fluxrope::Error naming the file and
// the object.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fluxrope/io/atomic_output.hpp"
#include "fluxrope/io/page_cache.hpp"

namespace fluxrope {

class H5File {
 public:
  enum class Mode { Create, Read };
  // Messages name `shown_as` when given (the user's path of an AtomicOutput's temporary file).
  H5File(const std::string& path, Mode mode, const std::string& shown_as = "");
  ~H5File();
  H5File(const H5File&) = delete;
  H5File& operator=(const H5File&) = delete;

  const std::string& path() const { return path_; }

  // Creates the group (and parents) if missing. "/" always exists.
  void group(const std::string& name);
  // Writes a dataset of doubles with the given shape (row-major) and attributes
  // units (always) and axes (comma-separated axis names, when given).
  void write(const std::string& name, const std::vector<double>& data,
             const std::vector<uint64_t>& shape, const std::string& units,
             const std::string& axes = "");
  void write(const std::string& name, const std::vector<double>& data, const std::string& units,
             const std::string& axes = "") {
    write(name, data, {data.size()}, units, axes);
  }
  // Datasets written by rows (the first axis, e.g. time), batch by batch: create() makes a
  // chunked dataset of the full shape, write_rows() fills rows [row0, row0 + nrows). Chunks
  // hold whole rows, about 1 MiB each; gzip 1-9 deflates them. Values are converted to the
  // stored type by HDF5 (float32 keeps ~7 significant digits, as the L2 files).
  enum class Type { F64, F32, I32 };
  void create(const std::string& name, const std::vector<uint64_t>& shape, Type type, int gzip,
              const std::string& units, const std::string& axes = "");
  void write_rows(const std::string& name, uint64_t row0, uint64_t nrows, const double* data);
  void write_rows(const std::string& name, uint64_t row0, uint64_t nrows, const int32_t* data);

  void attr(const std::string& object, const std::string& name, const std::string& value);
  void attr(const std::string& object, const std::string& name, double value);
  void attr(const std::string& object, const std::string& name, int64_t value);
  // 1-D attributes (openPMD's unitDimension, axisLabels, shape, ...) and a uint32 one.
  void attr(const std::string& object, const std::string& name,
            const std::vector<std::string>& value);
  void attr(const std::string& object, const std::string& name, const std::vector<double>& value);
  void attr(const std::string& object, const std::string& name,
            const std::vector<uint64_t>& value);
  void attr_u32(const std::string& object, const std::string& name, uint32_t value);
  // Fixed-length, null-padded byte strings (one, or an array padded to the longest), as
  // openPMD-api writes them and the openPMD validator expects; h5py reads them as bytes.
  void attr_fixed(const std::string& object, const std::string& name, const std::string& value);
  void attr_fixed(const std::string& object, const std::string& name,
                  const std::vector<std::string>& value);
  // A dataset of doubles with no attributes (formats with their own, as openPMD).
  void write_plain(const std::string& name, const double* data, const std::vector<uint64_t>& shape);

  std::vector<double> read(const std::string& name, std::vector<uint64_t>* shape = nullptr) const;
  // A numeric dataset whose shape must match `expect` (-1: any extent): an Error naming the
  // dataset, its shape and the expected one otherwise (input files are checked, never trusted).
  std::vector<double> read_shaped(const std::string& name, const std::vector<int64_t>& expect,
                                  std::vector<uint64_t>* shape = nullptr) const;
  std::string read_string_attr(const std::string& object, const std::string& name) const;
  double read_double_attr(const std::string& object, const std::string& name) const;
  int64_t read_int_attr(const std::string& object, const std::string& name) const;
  bool exists(const std::string& name) const;

 // Hands the pages written by write_rows back from the page cache as the file grows, and at
  // close waits for the file's writeback (WrittenPages, page_cache.hpp; [output]
  // release_page_cache). Create mode only; results do not depend on it.
  void release_written_pages();

 private:
  std::string path_;  // as messages show it
  std::string file_;  // as opened
  int64_t id_ = -1;
  std::unique_ptr<WrittenPages> pages_;
};

}  // namespace fluxrope
