#!/usr/bin/env bash
# Shared by the two entry commands: install what is missing, configure, build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" "$@"
