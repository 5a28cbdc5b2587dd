#pragma once
// Output files written the safe way: to a temporary file beside the target, renamed into
// place on commit(), so that a failed, interrupted or killed run never leaves a half-written
// file under the user's name (docs/robustness.md).
//
// - The target must be a regular file or not exist yet: a directory, device, FIFO or socket
//   given as the output is refused (as root, `-o /dev/full` would otherwise be replaced).
// - A symbolic link is followed to the file it names (the link stays, the file it points at is
//   replaced), also when that file does not exist yet.
// - The temporary file is removed by the destructor unless committed (every error path, disk
//   full included) and, for SIGINT, SIGTERM, SIGHUP and SIGQUIT, by a signal handler installed
//   where the signal had its default action; the signal then takes its default course.
#include <cstdint>
#include <string>

namespace fluxrope {

class AtomicOutput {
 public:
  // Checks the target and creates the (empty) temporary file now, so that an unwritable
  // output fails before any computation. `what` names the file in messages ("output file").
  explicit AtomicOutput(const std::string& target, const std::string& what = "output file");
  ~AtomicOutput();  // removes the temporary file unless committed
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;
  const std::string& temp_path() const { return temp_; }
  const std::string& target() const { return target_; }     // as the user gave it
  const std::string& resolved() const { return resolved_; }  // symbolic links followed
  // Renames the temporary file into place; an Error naming the target if that fails.
  void commit();

 private:
  std::string target_, resolved_, temp_;
  int slot_ = -1;  // in the signal handler's table
  bool committed_ = false;
};

// Free bytes on the file system that holds `path` (its directory); -1 when unknown.
int64_t free_bytes_at(const std::string& path);

}  // namespace fluxrope
