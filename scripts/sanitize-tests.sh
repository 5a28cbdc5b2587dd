#!/usr/bin/env bash
# The C++ tests and a few end-to-end runs of the tool under AddressSanitizer +
# UndefinedBehaviorSanitizer (clang, the `sanitize` preset, build-asan/), then each libFuzzer
# target for a bounded time on a copy of its seed corpus (docs/robustness.md). Any sanitizer
# report or fuzzer finding fails the run. Part of scripts/run-tests.sh.
#   FLUXROPE_FUZZ_SECONDS  seconds per fuzz target (default 45; 0 skips fuzzing)
set -euo pipefail
cd "$(dirname "$0")/.."
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cmake --preset sanitize >/dev/null
cmake --build --preset sanitize -j "$(nproc)"
# The instrument-fit round trips (tests/test_fit_instrument.cpp) take ~6 min under ASan on 2 cores
# and run no code the shorter ones do not: the reductions (Parity.ForwardModelReductions), one
# objective evaluation (FitInstrument.UndefinedModelIsARejectedStep) and the end-to-end fit below.
ctest --test-dir build-asan --output-on-failure -j "$(nproc)" \
  -E 'FitInstrument\.(RoundTrip|ModelMoments|PlantedParity|InstrumentPad)' 

work=$(mktemp -d "${TMPDIR:-/tmp}/fluxrope-sanitize-XXXXXX")
trap 'rm -rf "$work"' EXIT
exe="$PWD/build-asan/fluxrope"
echo "end-to-end under ASan + UBSan in $work"
(
  cd "$work"
  "$exe" solve --passes 2 -o solve.h5 >/dev/null
  "$exe" synth --backend cpu -o synth.h5 >/dev/null  # the default event (fit-center needs its crossing)
  "$exe" synth --backend thrust-host --set geometry.duration_s=0.09 -o synth_th.h5 >/dev/null
  "$exe" atlas --passes 1 --stride 40 -o atlas.h5 >/dev/null
  "$exe" fit-center --input synth.h5 -o center.h5 >/dev/null
  # the fit's instrument forward model (moments_fpi of MMS1, instrument PAD cells), one parameter
  "$exe" fit --input synth.h5 --set 'fit.free=["center_L_km"]' --pad-channels 6 \
    --backend thrust-host -o fit.h5 >/dev/null
  # bad input ends in one message and exit 1, never a sanitizer report
  for bad in "geometry.t_start_s=inf" "geometry.rope_velocity_gse_km_s=[inf,0,0]" \
             "solver.n_rho=1000000000" "instrument.dense_pad_energy_eV=[1e308]"; do
    if "$exe" synth --set "$bad" -o bad.h5 2>err.txt; then
      echo "accepted --set $bad" >&2; exit 1
    fi
    grep -q "^fluxrope: error: " err.txt || { cat err.txt >&2; exit 1; }
  done
  if "$exe" solve --set model.alpha_r=0.7 --set model.alpha_z=0.5 --set model.B0_nT=22 \
       --set model.b_z=0.68 --set model.gamma=2.2 -o edge.h5 2>err.txt; then
    echo "the near-edge solve did not fail" >&2; exit 1
  fi
  grep -q "^fluxrope: error: " err.txt || { cat err.txt >&2; exit 1; }
  test ! -e bad.h5 && test ! -e edge.h5
)

seconds=${FLUXROPE_FUZZ_SECONDS:-45}
if [ "$seconds" -gt 0 ]; then
  for target in config readers; do
    mkdir -p "$work/corpus-$target"
    echo "fuzz_$target: ${seconds} s"
    # a finding's input is kept in build-asan/fuzz-findings/ (the work folder goes) and printed
    findings="$PWD/build-asan/fuzz-findings"
    mkdir -p "$findings"
    (cd "$work" && "$OLDPWD/build-asan/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$findings/$target-" "corpus-$target" \
        "$OLDPWD/fuzz/corpus/$target" 2>"fuzz-$target.log") || {
      tail -40 "$work/fuzz-$target.log" >&2
      for f in "$findings/$target-"*; do
        [ -e "$f" ] && { echo "finding $f (base64):" >&2; base64 "$f" >&2; }
      done
      exit 1; }
    tail -1 "$work/fuzz-$target.log"
  done
fi
