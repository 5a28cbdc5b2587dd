#pragma once
// Streaming a large output file past the page cache (docs/performance.md "Writing behind the
// kernels"). A synth file is written once, front to back, and is GBs: left to itself the kernel
// keeps every page of it cached until memory runs short, and in a virtual machine each new
// page-cache page is expensive (the copy into it cost 4.6-6 s of CPU for 2 GB here, 0.6-1.1 s
// when the written pages are handed back). WrittenPages starts the writeback of what was
// written as the file grows and drops from the cache the pages that are written back, so the
// cache of the file stays at a window of about `lag_bytes`. It only advises the kernel: the
// file's contents never depend on it, and where the calls are not available (not Linux, or the
// file cannot be opened again) it does nothing.
#include <cstdint>
#include <string>

namespace fluxrope {

class WrittenPages {
 public:
  static constexpr int64_t DEFAULT_LAG_BYTES = int64_t{128} << 20;
  explicit WrittenPages(const std::string& path, int64_t lag_bytes = DEFAULT_LAG_BYTES);
  ~WrittenPages();
  WrittenPages(const WrittenPages&) = delete;
  WrittenPages& operator=(const WrittenPages&) = delete;
  // After a write: starts the writeback of the bytes appended since the last call (once they
  // add up to a step) and drops the pages more than lag_bytes behind the end. Never blocks on
  // the disk.
  void advance();
  // The file complete and closed by its writer: waits for its writeback (the data on disk
  // before the file is renamed into place) and drops all its clean pages.
  void finish();
  bool active() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
  int64_t lag_, started_ = 0, dropped_ = 0;
};

}  // namespace fluxrope
