#!/usr/bin/env bash
# Builds everything (CUDA sources too, when nvcc is present) and runs the whole test
# suite with CTest. GPU tests skip with a message when no device answers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
