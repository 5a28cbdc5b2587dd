#include "fluxrope/io/atomic_output.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "fluxrope/core/error.hpp"

namespace fluxrope {

namespace {

namespace fs = std::filesystem;

// The temporary files in flight, for the signal handler: fixed storage (no allocation in the
// handler), a slot published only after its path is complete.
constexpr int MAX_TEMPS = 32;
constexpr size_t MAX_PATH_CHARS = 4096;
char g_temp_paths[MAX_TEMPS][MAX_PATH_CHARS];
std::atomic<int> g_temp_used[MAX_TEMPS];
std::mutex g_slots_mutex;

extern "C" void remove_temps_and_reraise(int sig) {
  for (int i = 0; i < MAX_TEMPS; ++i)
    if (g_temp_used[i].load()) ::unlink(g_temp_paths[i]);  // async-signal-safe
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_handlers_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
      struct sigaction old {};
      if (sigaction(sig, nullptr, &old) != 0) continue;
      // a caller's own handler (Python's SIGINT, a test harness) is left alone
      if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL) {
        struct sigaction sa {};
        sa.sa_handler = remove_temps_and_reraise;
        sigemptyset(&sa.sa_mask);
        sigaction(sig, &sa, nullptr);
      }
    }
  });
}

int register_temp(const std::string& path) {
  if (path.size() + 1 > MAX_PATH_CHARS) return -1;
  std::lock_guard<std::mutex> lock(g_slots_mutex);
  for (int i = 0; i < MAX_TEMPS; ++i)
    if (!g_temp_used[i].load()) {
      std::memcpy(g_temp_paths[i], path.c_str(), path.size() + 1);
      g_temp_used[i].store(1);
      return i;
    }
  return -1;  // more than MAX_TEMPS at once: still removed by the destructor
}

void unregister_temp(int slot) {
  if (slot >= 0) g_temp_used[slot].store(0);
}

const char* kind_of(const fs::file_status& st) {
  switch (st.type()) {
    case fs::file_type::directory:
      return "a directory";
    case fs::file_type::character:
      return "a character device";
    case fs::file_type::block:
      return "a block device";
    case fs::file_type::fifo:
      return "a FIFO";
    case fs::file_type::socket:
      return "a socket";
    default:
      return "not a regular file";
  }
}

// The file a path names once its symbolic links are followed (also a dangling link's target).
fs::path follow_links(const std::string& target, const std::string& what) {
  fs::path p(target);
  for (int hops = 0; hops < 40; ++hops) {
    std::error_code ec;
    const fs::file_status st = fs::symlink_status(p, ec);
    if (ec || !fs::is_symlink(st)) return p;
    const fs::path next = fs::read_symlink(p, ec);
    if (ec)
      throw Error(fmt::format("cannot write {} '{}': cannot read the symbolic link '{}': {}", what,
                              target, p.string(), ec.message()));
    p = next.is_absolute() ? next : p.parent_path() / next;
  }
  throw Error(fmt::format("cannot write {} '{}': too many levels of symbolic links", what, target));
}

}  // namespace

AtomicOutput::AtomicOutput(const std::string& target, const std::string& what)
    : target_(target) {
  if (target.empty()) throw Error(fmt::format("the {} path is empty", what));
  const fs::path real = follow_links(target, what);
  if (real.filename().empty() || real.filename() == "." || real.filename() == "..")
    throw Error(fmt::format("{} '{}' names a directory, not a file", what, target));
  std::error_code ec;
  const fs::file_status st = fs::status(real, ec);
  if (!ec && fs::exists(st) && !fs::is_regular_file(st))
    throw Error(fmt::format("{} '{}' is {}: give the path of a regular file (it would be "
                            "replaced)",
                            what, target, kind_of(st)));
  resolved_ = real.string();
  const fs::path dir = real.parent_path().empty() ? fs::path(".") : real.parent_path();
  install_handlers_once();
  for (int attempt = 0;; ++attempt) {
    temp_ = (dir / fs::path("." + real.filename().string() +
                            fmt::format(".tmp{}{}", ::getpid(),
                                        attempt ? fmt::format("-{}", attempt) : std::string())))
                .string();
    slot_ = register_temp(temp_);
    const int fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::close(fd);
      return;
    }
    const int err = errno;
    unregister_temp(slot_);
    slot_ = -1;
    if (err == EEXIST && attempt < 100) continue;
    throw Error(fmt::format("cannot write {} '{}': {}", what, target, std::strerror(err)));
  }
}

AtomicOutput::~AtomicOutput() {
  if (!committed_) ::unlink(temp_.c_str());
  unregister_temp(slot_);
}

void AtomicOutput::commit() {
  if (std::rename(temp_.c_str(), resolved_.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    throw Error(fmt::format("cannot move the output into place as '{}': {}", target_, why));
  }
  committed_ = true;
  unregister_temp(slot_);
  slot_ = -1;
}

int64_t free_bytes_at(const std::string& path) {
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  struct statvfs s {};
  if (::statvfs(dir.c_str(), &s) != 0) return -1;
  return static_cast<int64_t>(s.f_bavail) * static_cast<int64_t>(s.f_frsize);
}

}  // namespace fluxrope
