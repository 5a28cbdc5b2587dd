#!/usr/bin/env bash
# The main job on the built-in default: build, then solve the yang2022 flux-rope
# equilibrium and write out/fluxrope_solve.h5. Extra arguments go to `fluxrope solve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh --target fluxrope
mkdir -p out
./build/fluxrope solve -o out/fluxrope_solve.h5 "$@"
