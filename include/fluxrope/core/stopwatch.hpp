#pragma once
// Wall-clock timing of consecutive stages (host code only): the synthesis's time split and the
// backends' per-stage times (docs/performance.md).
#include <chrono>

namespace fluxrope {

using SteadyClock = std::chrono::steady_clock;

inline double seconds_since(SteadyClock::time_point t0) {
  return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

// lap() returns the seconds since the previous lap (or since construction) and starts the next.
class Stopwatch {
 public:
  double lap() {
    const SteadyClock::time_point t = SteadyClock::now();
    const double s = std::chrono::duration<double>(t - t0_).count();
    t0_ = t;
    return s;
  }

 private:
  SteadyClock::time_point t0_ = SteadyClock::now();
};

}  // namespace fluxrope
