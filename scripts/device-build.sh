#!/usr/bin/env bash
# Builds, on this machine, the bundle the GPU machine runs (see docs/performance.md):
# static physics tests, benchmarks and the fluxrope tool (HDF5 linked statically) for
# sm_80/sm_90 in build-device/bundle, plus the shared Google Benchmark library they need
# (Debian ships no static one). The bundle must stay under the 64 MiB a device call carries.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset device >/dev/null
cmake --build --preset device -j "$(nproc)"
bundle=build-device/bundle
rm -rf "$bundle" && mkdir -p "$bundle"
cp build-device/tests/fluxrope_physics_tests build-device/bench/fluxrope_bench build-device/fluxrope "$bundle/"
cp -L /usr/lib/x86_64-linux-gnu/libbenchmark.so.1* "$bundle/" 2>/dev/null || true
strip "$bundle"/fluxrope_* "$bundle"/fluxrope || true
du -sh "$bundle"
# nothing but glibc (and the carried benchmark library) may be left to the machine
ldd "$bundle"/fluxrope "$bundle"/fluxrope_physics_tests | grep -vE 'linux-vdso|libc\.so|libm\.so|ld-linux|libdl|libpthread|librt|libbenchmark|:$' && \
  { echo "device-build.sh: a library above is not in the bundle" >&2; exit 1; } || true
echo "carry: build-device/bundle   run there: bash scripts/device-run.sh"
