#pragma once
// Host-side error type. Every user-facing failure (bad config, non-normalizable
// distribution, unwritable file, CUDA failure) is reported as a fluxrope::Error
// whose message names the offending key, value, population or file. The CLI
// prints it once and exits non-zero.
#include <stdexcept>
#include <string>

namespace fluxrope {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace fluxrope
