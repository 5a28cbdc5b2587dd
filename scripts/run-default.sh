#!/usr/bin/env bash
# The main job on the built-in default: build, solve the yang2022 flux-rope equilibrium and
# synthesize the default event (four MMS-like spacecraft, 1 s of FPI burst skymaps, DEF,
# PADs) into out/fluxrope_synth.h5. Extra arguments go to `fluxrope synth`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh --target fluxrope
mkdir -p out
./build/fluxrope synth -o out/fluxrope_synth.h5 "$@"
