#!/usr/bin/env bash
# Builds, on this machine, the bundle the GPU machine runs (see docs/performance.md):
# static physics tests and benchmarks for sm_80/sm_90 in build-device/bundle, plus the
# shared Google Benchmark library they need (Debian ships no static one).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset device >/dev/null
cmake --build --preset device -j "$(nproc)"
bundle=build-device/bundle
rm -rf "$bundle" && mkdir -p "$bundle"
cp build-device/tests/fluxrope_physics_tests build-device/bench/fluxrope_bench "$bundle/"
cp -L /usr/lib/x86_64-linux-gnu/libbenchmark.so.1* "$bundle/" 2>/dev/null || true
strip "$bundle"/fluxrope_* || true
du -sh "$bundle"
echo "carry: build-device/bundle   run there: bash scripts/device-run.sh"
