#!/usr/bin/env bash
# Runs on the GPU machine: the physics tests (CPU vs CUDA parity included) and the
# benchmarks from the carried bundle, then prints a short table last. Results go to
# $OUT (or out/device when $OUT is unset).
set -uo pipefail
cd "$(dirname "$0")/.."
bundle=build-device/bundle
out=${OUT:-out/device}
mkdir -p "$out"
export LD_LIBRARY_PATH="$bundle:${LD_LIBRARY_PATH:-}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$out/gpu.txt" 2>&1
"$bundle/fluxrope_physics_tests" --gtest_output=json:"$out/tests.json" > "$out/tests.log" 2>&1
tests_rc=$?
# The device kernels under compute-sanitizer (memcheck), the parity tests only (they are the
# ones that launch): out-of-bounds or misaligned accesses fail the run.
san=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
if [ -n "$san" ]; then
  "$san" --tool memcheck --error-exitcode 3 "$bundle/fluxrope_physics_tests" --gtest_filter='Parity.*' \
    > "$out/sanitizer.log" 2>&1
  san_rc=$?
else
  echo "compute-sanitizer not found" > "$out/sanitizer.log"
  san_rc=-1
fi
"$bundle/fluxrope_bench" --benchmark_out="$out/bench.json" --benchmark_out_format=json > "$out/bench.log" 2>&1
bench_rc=$?
echo "== tests (rc $tests_rc): $(grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$out/tests.log" | tr '\n' ' ')"
grep -E "parity|Parity" "$out/tests.log" | head -8
echo "== compute-sanitizer memcheck (rc $san_rc): $(grep -E 'ERROR SUMMARY' "$out/sanitizer.log" | tail -1)"
echo "== benchmarks (rc $bench_rc)"
python3 - "$out/bench.json" "$out/gpu.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("device:", open(sys.argv[2]).read().strip())
print(f"{'benchmark':40s} {'time':>12s} {'evals/s':>12s}")
for b in d["benchmarks"]:
    t = b.get("error_message", "skipped") if b.get("error_occurred") else f"{b['real_time']:.3f} {b['time_unit']}"
    # evals/s: evaluations of f; evaluations/s: of the fit's forward model (BM_ForwardModel)
    e = f"{b['evals/s']:.3e}" if "evals/s" in b else (
        f"{b['evaluations/s']:.3g} fwd" if "evaluations/s" in b else "")
    print(f"{b['name']:40s} {t:>12s} {e:>12s}")
PY
