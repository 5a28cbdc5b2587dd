#include "fluxrope/io/hdf5_file.hpp"

#include <fmt/format.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>

#include "fluxrope/core/error.hpp"

namespace fluxrope {

namespace {

// Closes an HDF5 identifier with the right function on scope exit.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

struct Quiet {
  Quiet() {
    // HDF5 shuts itself down at exit; after a close that failed (disk full) that shutdown
    // closes the half-closed file again and crashes (HDF5 1.10), so fluxrope closes every
    // file itself (H5File's destructor) and turns the exit handler off.
    H5dont_atexit();
    // HDF5 prints its own error stack by default; we report our own message.
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
};
const Quiet quiet_hdf5;

}  // namespace

H5File::H5File(const std::string& path, Mode mode, const std::string& shown_as)
    : path_(shown_as.empty() ? path : shown_as), file_(path) {
  if (mode == Mode::Create) {
    id_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (id_ < 0) throw Error(fmt::format("cannot create HDF5 file '{}'", path_));
  } else {
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(st))
      throw Error(fmt::format("cannot open HDF5 file '{}': no such file", path_));
    if (!std::filesystem::is_regular_file(st))
      throw Error(fmt::format("cannot open HDF5 file '{}': not a regular file", path_));
    if (H5Fis_hdf5(path.c_str()) <= 0)
      throw Error(fmt::format("'{}' is not an HDF5 file (or is truncated or unreadable)", path_));
    id_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (id_ < 0) throw Error(fmt::format("cannot open HDF5 file '{}' for reading", path_));
  }
}

H5File::~H5File() {
  if (id_ >= 0) H5Fclose(id_);
  // complete files only: on an error path the file is about to be removed
  if (pages_ && std::uncaught_exceptions() == 0) pages_->finish();
}

void H5File::release_written_pages() {
  if (!pages_) pages_ = std::make_unique<WrittenPages>(file_);
}

bool H5File::exists(const std::string& name) const {
  if (name == "/") return true;
  // Check each path component so a missing parent is not an error.
  std::string partial;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = name.find('/', pos + 1);
    partial = name.substr(0, pos);
    if (partial.empty() || partial == "/") continue;
    if (H5Lexists(id_, partial.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return true;
}

void H5File::group(const std::string& name) {
  if (exists(name)) return;
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  Handle g(H5Gcreate2(id_, name.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  if (!g.ok()) throw Error(fmt::format("cannot create group '{}' in '{}'", name, path_));
}

void H5File::write(const std::string& name, const std::vector<double>& data,
                   const std::vector<uint64_t>& shape, const std::string& units,
                   const std::string& axes) {
  uint64_t count = 1;
  for (auto d : shape) count *= d;
  if (count != data.size())
    throw Error(
        fmt::format("dataset '{}': shape holds {} values, data has {}", name, count, data.size()));
  write_plain(name, data.data(), shape);
  attr(name, "units", units);
  if (!axes.empty()) attr(name, "axes", axes);
}

void H5File::write_plain(const std::string& name, const double* data,
                         const std::vector<uint64_t>& shape) {
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  const auto slash = name.rfind('/');
  if (slash != std::string::npos && slash > 0) group(name.substr(0, slash));
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle ds(H5Dcreate2(id_, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                       H5P_DEFAULT),
            H5Dclose);
  if (!ds.ok()) throw Error(fmt::format("cannot create dataset '{}' in '{}'", name, path_));
  if (H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    throw Error(fmt::format("cannot write dataset '{}' in '{}' (is the disk full?)", name, path_));
}

void H5File::create(const std::string& name, const std::vector<uint64_t>& shape, Type type,
                    int gzip, const std::string& units, const std::string& axes) {
  if (shape.empty()) throw Error(fmt::format("dataset '{}': a row-written dataset needs a shape", name));
  const auto slash = name.rfind('/');
  if (slash != std::string::npos && slash > 0) group(name.substr(0, slash));
  std::vector<hsize_t> dims(shape.begin(), shape.end()), chunk = dims;
  hsize_t row_values = 1;
  for (size_t d = 1; d < dims.size(); ++d) row_values *= dims[d];
  const hsize_t bytes = type == Type::F64 ? 8 : 4;
  const hsize_t rows = std::max<hsize_t>(1, (hsize_t{1} << 20) / (row_values * bytes));
  chunk[0] = std::max<hsize_t>(1, std::min(dims[0], rows));
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (dims[0] > 0) {
    H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
    // every row is written: no fill values written first into a chunk a batch only partly covers
    H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER);
    if (gzip > 0) {
      H5Pset_shuffle(dcpl.get());
      H5Pset_deflate(dcpl.get(), static_cast<unsigned>(gzip));
    }
  }
  const hid_t ftype = type == Type::F64   ? H5T_IEEE_F64LE
                      : type == Type::F32 ? H5T_IEEE_F32LE
                                          : H5T_STD_I32LE;
  Handle ds(H5Dcreate2(id_, name.c_str(), ftype, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
            H5Dclose);
  if (!ds.ok()) throw Error(fmt::format("cannot create dataset '{}' in '{}'", name, path_));
  attr(name, "units", units);
  if (!axes.empty()) attr(name, "axes", axes);
}

namespace {
// A row-written dataset opened for writing. Without filters its chunks bypass HDF5's chunk
// cache (a cache of 0 bytes): the rows go from the caller's buffer straight to the file, where
// through the cache each chunk was first copied into it (and a chunk that a batch only partly
// covers was read back to be completed); the chunks hold the same bytes either way. With
// filters (gzip) the cache stays: a chunk is compressed whole.
Handle open_for_rows(hid_t file, const std::string& path, const std::string& name) {
  Handle dapl(H5Pcreate(H5P_DATASET_ACCESS), H5Pclose);
  H5Pset_chunk_cache(dapl.get(), 0, 0, H5D_CHUNK_CACHE_W0_DEFAULT);
  Handle ds(H5Dopen2(file, name.c_str(), dapl.get()), H5Dclose);
  if (!ds.ok()) throw Error(fmt::format("no dataset '{}' in '{}'", name, path));
  Handle dcpl(H5Dget_create_plist(ds.get()), H5Pclose);
  if (H5Pget_nfilters(dcpl.get()) == 0) return ds;
  Handle cached(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!cached.ok()) throw Error(fmt::format("no dataset '{}' in '{}'", name, path));
  return cached;
}

void write_rows_as(hid_t file, const std::string& path, const std::string& name, uint64_t row0,
                   uint64_t nrows, hid_t mem_type, const void* data) {
  if (nrows == 0) return;
  const Handle ds = open_for_rows(file, path, name);
  Handle fspace(H5Dget_space(ds.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(fspace.get());
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(fspace.get(), dims.data(), nullptr);
  if (row0 + nrows > dims[0])
    throw Error(fmt::format("dataset '{}' in '{}': rows {}..{} beyond its {} rows", name, path,
                            row0, row0 + nrows, dims[0]));
  std::vector<hsize_t> start(rank, 0), count = dims;
  start[0] = row0;
  count[0] = nrows;
  H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
  Handle mspace(H5Screate_simple(rank, count.data(), nullptr), H5Sclose);
  if (H5Dwrite(ds.get(), mem_type, mspace.get(), fspace.get(), H5P_DEFAULT, data) < 0)
    throw Error(fmt::format("cannot write rows of dataset '{}' in '{}' (is the disk full?)", name,
                            path));
}
}  // namespace

void H5File::write_rows(const std::string& name, uint64_t row0, uint64_t nrows,
                        const double* data) {
  write_rows_as(id_, path_, name, row0, nrows, H5T_NATIVE_DOUBLE, data);
  if (pages_) pages_->advance();
}
void H5File::write_rows(const std::string& name, uint64_t row0, uint64_t nrows,
                        const int32_t* data) {
  write_rows_as(id_, path_, name, row0, nrows, H5T_NATIVE_INT32, data);
  if (pages_) pages_->advance();
}

namespace {
// A scalar attribute (count < 0) or a 1-D one of count values.
void write_attr(hid_t file, const std::string& path, const std::string& object,
                const std::string& name, hid_t file_type, hid_t mem_type, const void* value,
                long count = -1) {
  Handle obj(H5Oopen(file, object.c_str(), H5P_DEFAULT), H5Oclose);
  if (!obj.ok())
    throw Error(fmt::format("no object '{}' in '{}' to attach attribute '{}'", object, path, name));
  if (H5Aexists(obj.get(), name.c_str()) > 0) H5Adelete(obj.get(), name.c_str());
  const hsize_t n = count < 0 ? 1 : static_cast<hsize_t>(count);
  Handle space(count < 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle a(H5Acreate2(obj.get(), name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
           H5Aclose);
  if (!a.ok() || H5Awrite(a.get(), mem_type, value) < 0)
    throw Error(fmt::format("cannot write attribute '{}' of '{}' in '{}'", name, object, path));
}
}  // namespace

void H5File::attr(const std::string& object, const std::string& name, const std::string& value) {
  // Variable-length UTF-8 string: h5py returns it as str (a fixed-length one comes back as bytes).
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  const char* c = value.c_str();
  write_attr(id_, path_, object, name, type.get(), type.get(), &c);
}

void H5File::attr(const std::string& object, const std::string& name,
                  const std::vector<std::string>& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  std::vector<const char*> c;
  for (const std::string& v : value) c.push_back(v.c_str());
  write_attr(id_, path_, object, name, type.get(), type.get(), c.data(),
             static_cast<long>(c.size()));
}

void H5File::attr(const std::string& object, const std::string& name,
                  const std::vector<double>& value) {
  write_attr(id_, path_, object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, value.data(),
             static_cast<long>(value.size()));
}

void H5File::attr(const std::string& object, const std::string& name,
                  const std::vector<uint64_t>& value) {
  write_attr(id_, path_, object, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, value.data(),
             static_cast<long>(value.size()));
}

namespace {
// Fixed-length ASCII strings, null-padded to the longest (at least one byte: HDF5 has no
// zero-size string type); count < 0: one scalar string.
void write_fixed(hid_t file, const std::string& path, const std::string& object,
                 const std::string& name, const std::vector<std::string>& values, long count) {
  size_t width = 1;
  for (const std::string& v : values) width = std::max(width, v.size());
  std::vector<char> buf(width * values.size(), '\0');
  for (size_t i = 0; i < values.size(); ++i)
    std::copy(values[i].begin(), values[i].end(), buf.begin() + static_cast<long>(i * width));
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), width);
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  H5Tset_cset(type.get(), H5T_CSET_ASCII);
  write_attr(file, path, object, name, type.get(), type.get(), buf.data(), count);
}
}  // namespace

void H5File::attr_fixed(const std::string& object, const std::string& name,
                        const std::string& value) {
  write_fixed(id_, path_, object, name, {value}, -1);
}

void H5File::attr_fixed(const std::string& object, const std::string& name,
                        const std::vector<std::string>& value) {
  write_fixed(id_, path_, object, name, value, static_cast<long>(value.size()));
}

void H5File::attr_u32(const std::string& object, const std::string& name, uint32_t value) {
  write_attr(id_, path_, object, name, H5T_STD_U32LE, H5T_NATIVE_UINT32, &value);
}

void H5File::attr(const std::string& object, const std::string& name, double value) {
  write_attr(id_, path_, object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

void H5File::attr(const std::string& object, const std::string& name, int64_t value) {
  write_attr(id_, path_, object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

std::vector<double> H5File::read(const std::string& name, std::vector<uint64_t>* shape) const {
  if (!exists(name)) throw Error(fmt::format("no dataset '{}' in '{}'", name, path_));
  Handle ds(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.ok()) throw Error(fmt::format("'{}' in '{}' is not a dataset", name, path_));
  Handle type(H5Dget_type(ds.get()), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER)
    throw Error(fmt::format("dataset '{}' in '{}' does not hold numbers", name, path_));
  Handle space(H5Dget_space(ds.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) throw Error(fmt::format("cannot read the shape of dataset '{}' in '{}'", name, path_));
  std::vector<hsize_t> dims(rank > 0 ? rank : 0);
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  uint64_t count = 1;
  for (auto d : dims) {
    if (d != 0 && count > (uint64_t{1} << 34) / d)  // 2^34 doubles = 128 GiB: a corrupt header
      throw Error(fmt::format("dataset '{}' in '{}' claims an impossible size", name, path_));
    count *= d;
  }
  std::vector<double> out(count);
  if (count > 0 &&
      H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    throw Error(fmt::format("cannot read dataset '{}' in '{}'", name, path_));
  if (shape) shape->assign(dims.begin(), dims.end());
  return out;
}

std::vector<double> H5File::read_shaped(const std::string& name,
                                        const std::vector<int64_t>& expect,
                                        std::vector<uint64_t>* shape_out) const {
  std::vector<uint64_t> shape;
  std::vector<double> v = read(name, &shape);
  bool ok = shape.size() == expect.size();
  for (size_t d = 0; ok && d < shape.size(); ++d)
    ok = expect[d] < 0 || shape[d] == static_cast<uint64_t>(expect[d]);
  if (!ok) {
    auto text = [](const auto& dims) {
      std::string t;
      for (const auto& d : dims)
        t += (t.empty() ? "" : ", ") + (d < 0 ? std::string("any") : fmt::format("{}", d));
      return "(" + t + ")";
    };
    std::vector<int64_t> got(shape.begin(), shape.end());
    throw Error(fmt::format("dataset '{}' in '{}' has shape {}, expected {}", name, path_,
                            text(got), text(expect)));
  }
  if (shape_out) *shape_out = shape;
  return v;
}

namespace {
Handle open_attr(hid_t file, const std::string& path, const std::string& object,
                 const std::string& name) {
  Handle obj(H5Oopen(file, object.c_str(), H5P_DEFAULT), H5Oclose);
  if (!obj.ok()) throw Error(fmt::format("no object '{}' in '{}'", object, path));
  hid_t a = H5Aopen(obj.get(), name.c_str(), H5P_DEFAULT);
  if (a < 0) throw Error(fmt::format("no attribute '{}' on '{}' in '{}'", name, object, path));
  return Handle(a, H5Aclose);
}
}  // namespace

std::string H5File::read_string_attr(const std::string& object, const std::string& name) const {
  Handle a = open_attr(id_, path_, object, name);
  Handle ftype(H5Aget_type(a.get()), H5Tclose);
  if (H5Tget_class(ftype.get()) != H5T_STRING)
    throw Error(fmt::format("attribute '{}' of '{}' is not a string", name, object));
  if (H5Tis_variable_str(ftype.get()) > 0) {
    char* s = nullptr;
    if (H5Aread(a.get(), ftype.get(), &s) < 0)
      throw Error(fmt::format("cannot read attribute '{}' of '{}' in '{}'", name, object, path_));
    std::string out = s ? s : "";
    H5free_memory(s);
    return out;
  }
  const size_t n = H5Tget_size(ftype.get());
  std::string buf(n, '\0');
  H5Aread(a.get(), ftype.get(), buf.data());
  buf.resize(std::strlen(buf.c_str()));
  return buf;
}

namespace {
template <class T>
T read_scalar_attr(hid_t file, const std::string& path, const std::string& object,
                   const std::string& name, hid_t mem_type) {
  Handle a = open_attr(file, path, object, name);
  T v{};
  if (H5Aread(a.get(), mem_type, &v) < 0)
    throw Error(fmt::format("cannot read attribute '{}' of '{}' in '{}'", name, object, path));
  return v;
}
}  // namespace

double H5File::read_double_attr(const std::string& object, const std::string& name) const {
  return read_scalar_attr<double>(id_, path_, object, name, H5T_NATIVE_DOUBLE);
}

int64_t H5File::read_int_attr(const std::string& object, const std::string& name) const {
  return read_scalar_attr<int64_t>(id_, path_, object, name, H5T_NATIVE_INT64);
}

}  // namespace fluxrope
