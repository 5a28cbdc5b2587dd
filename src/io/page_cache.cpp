#include "fluxrope/io/page_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fluxrope {

namespace {
constexpr int64_t STEP_BYTES = int64_t{16} << 20;  // writeback started in steps of 16 MiB
}

WrittenPages::WrittenPages(const std::string& path, int64_t lag_bytes) : lag_(lag_bytes) {
#if defined(__linux__)
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // advice needs no write access
#else
  (void)path;
#endif
}

WrittenPages::~WrittenPages() {
  if (fd_ >= 0) ::close(fd_);
}

void WrittenPages::advance() {
#if defined(__linux__)
  if (fd_ < 0) return;
  struct stat st;
  if (::fstat(fd_, &st) != 0) return;
  const int64_t end = st.st_size;
  if (end - started_ < STEP_BYTES) return;
  // asynchronous: queues the pages for the disk and returns
  ::sync_file_range(fd_, started_, end - started_, SYNC_FILE_RANGE_WRITE);
  started_ = end;
  // pages lag_ behind the end were queued at least one window ago: those written back by now
  // are dropped, the rest (still dirty or under writeback, or rewritten since) simply stay
  const int64_t drop_to = end - lag_;
  if (drop_to > dropped_) {
    ::posix_fadvise(fd_, dropped_, drop_to - dropped_, POSIX_FADV_DONTNEED);
    dropped_ = drop_to;
  }
#endif
}

void WrittenPages::finish() {
#if defined(__linux__)
  if (fd_ < 0) return;
  ::fdatasync(fd_);
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_DONTNEED);
#endif
}

}  // namespace fluxrope
