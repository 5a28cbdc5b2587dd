#include "fluxrope/io/hdf5_file.hpp"

#include <fmt/format.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
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
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

struct Quiet {  // HDF5 prints its own error stack by default; we report our own message.
  Quiet() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }
};
const Quiet quiet_hdf5;

}  // namespace

H5File::H5File(const std::string& path, Mode mode) : path_(path) {
  if (mode == Mode::Create) {
    id_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (id_ < 0) throw Error(fmt::format("cannot create HDF5 file '{}'", path));
  } else {
    id_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (id_ < 0) throw Error(fmt::format("cannot open HDF5 file '{}' for reading", path));
  }
}

H5File::~H5File() {
  if (id_ >= 0) H5Fclose(id_);
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
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  for (auto d : shape) count *= d;
  if (count != data.size())
    throw Error(
        fmt::format("dataset '{}': shape holds {} values, data has {}", name, count, data.size()));
  const auto slash = name.rfind('/');
  if (slash != std::string::npos && slash > 0) group(name.substr(0, slash));
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle ds(H5Dcreate2(id_, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                       H5P_DEFAULT),
            H5Dclose);
  if (!ds.ok()) throw Error(fmt::format("cannot create dataset '{}' in '{}'", name, path_));
  if (H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0)
    throw Error(fmt::format("cannot write dataset '{}' in '{}'", name, path_));
  attr(name, "units", units);
  if (!axes.empty()) attr(name, "axes", axes);
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
void write_rows_as(hid_t file, const std::string& path, const std::string& name, uint64_t row0,
                   uint64_t nrows, hid_t mem_type, const void* data) {
  if (nrows == 0) return;
  Handle ds(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.ok()) throw Error(fmt::format("no dataset '{}' in '{}'", name, path));
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
    throw Error(fmt::format("cannot write rows of dataset '{}' in '{}'", name, path));
}
}  // namespace

void H5File::write_rows(const std::string& name, uint64_t row0, uint64_t nrows,
                        const double* data) {
  write_rows_as(id_, path_, name, row0, nrows, H5T_NATIVE_DOUBLE, data);
}
void H5File::write_rows(const std::string& name, uint64_t row0, uint64_t nrows,
                        const int32_t* data) {
  write_rows_as(id_, path_, name, row0, nrows, H5T_NATIVE_INT32, data);
}

namespace {
void write_attr(hid_t file, const std::string& path, const std::string& object,
                const std::string& name, hid_t file_type, hid_t mem_type, const void* value) {
  Handle obj(H5Oopen(file, object.c_str(), H5P_DEFAULT), H5Oclose);
  if (!obj.ok())
    throw Error(fmt::format("no object '{}' in '{}' to attach attribute '{}'", object, path, name));
  if (H5Aexists(obj.get(), name.c_str()) > 0) H5Adelete(obj.get(), name.c_str());
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
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

void H5File::attr(const std::string& object, const std::string& name, double value) {
  write_attr(id_, path_, object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

void H5File::attr(const std::string& object, const std::string& name, int64_t value) {
  write_attr(id_, path_, object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

std::vector<double> H5File::read(const std::string& name, std::vector<uint64_t>* shape) const {
  Handle ds(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.ok()) throw Error(fmt::format("no dataset '{}' in '{}'", name, path_));
  Handle space(H5Dget_space(ds.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(rank > 0 ? rank : 0);
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  uint64_t count = 1;
  for (auto d : dims) count *= d;
  std::vector<double> out(count);
  if (count > 0 &&
      H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    throw Error(fmt::format("cannot read dataset '{}' in '{}'", name, path_));
  if (shape) shape->assign(dims.begin(), dims.end());
  return out;
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

AtomicOutput::AtomicOutput(const std::string& target) : target_(target) {
  namespace fs = std::filesystem;
  const fs::path t(target);
  if (t.filename().empty())
    throw Error(fmt::format("output path '{}' names a directory, not a file", target));
  if (fs::is_directory(t)) throw Error(fmt::format("output path '{}' is a directory", target));
  temp_ =
      (t.parent_path() / fs::path("." + t.filename().string() + fmt::format(".tmp{}", ::getpid())))
          .string();
  std::FILE* f = std::fopen(temp_.c_str(), "wb");
  if (!f) {
    const std::string why = std::strerror(errno);
    throw Error(fmt::format("cannot write output file '{}': {}", target, why));
  }
  std::fclose(f);
}

AtomicOutput::~AtomicOutput() {
  if (!committed_) std::remove(temp_.c_str());
}

void AtomicOutput::commit() {
  if (std::rename(temp_.c_str(), target_.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    throw Error(fmt::format("cannot move output into place as '{}': {}", target_, why));
  }
  committed_ = true;
}

}  // namespace fluxrope
