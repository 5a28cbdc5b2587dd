#!/usr/bin/env bash
# Installs what fluxrope needs to build and test, from Debian's packages; with --figures
# also what the example figure scripts need (Python 3 with h5py, NumPy, matplotlib).
# Idempotent: packages already present are not touched (no apt-get update then).
# Runs as root, or through sudo when not root.
set -euo pipefail

PACKAGES=(
  g++ cmake ninja-build pkg-config
  libeigen3-dev        # Eigen: dense linear algebra (Gauss-Hermite nodes via Golub-Welsch)
  libhdf5-dev          # HDF5 C library: output files
  libfmt-dev           # fmt: formatting of messages and summaries
  libgtest-dev libgmock-dev  # GoogleTest
  libbenchmark-dev     # Google Benchmark
  libtomlplusplus-dev  # toml++: TOML configuration parser (header-only)
  libcli11-dev         # CLI11: command-line parsing (header-only)
  libboost-dev         # Boost.Odeint: adaptive Dormand-Prince ODE integration (header-only)
  python3 python3-venv python3-dev  # the Python package: a virtual environment, headers for the extension
  clang-14 libclang-rt-14-dev libomp-14-dev  # the sanitizer build and libFuzzer (scripts/sanitize-tests.sh)
)

# Thrust: the CUDA toolkit's when there is one, else Debian's (the thrust-host backend needs it).
if ! command -v nvcc >/dev/null 2>&1 && [ ! -x /usr/local/cuda/bin/nvcc ]; then
  PACKAGES+=(libthrust-dev)
fi

if [ "${1:-}" = "--figures" ]; then
  PACKAGES+=(python3 python3-numpy python3-h5py python3-matplotlib)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
