#!/usr/bin/env bash
# Runs on the GPU machine, from the bundle scripts/device-build.sh made (docs/performance.md,
# "On a lent GPU"): the physics tests (CPU vs CUDA parity included), compute-sanitizer memcheck
# on the parity tests, the kernel benchmarks, the 2-minute four-spacecraft burst with its time
# split, and a 20-s interval on the CPU backend with all the host's cores against its response
# kernels (issue 17's ratio, scripts/interval-ratio.py); writes ONE report file,
# $OUT/report.md (plus the raw logs beside it), that the docs' tables are filled from. Every
# step has its own time limit (150 + 90 + 120 + 180 + 45 s: under 10 minutes however slow a
# step is), so one call of the device tool holds the whole run.
#
#   bash scripts/device-run.sh                         # on the GPU machine (backend cuda)
#   bash scripts/device-run.sh --backend thrust-host   # the rehearsal, on any machine
#
# Environment: OUT (report folder, default out/device), FLUXROPE_BURST_S (burst length,
# default 120 s), FLUXROPE_BURST_DIR (where the burst's file is written and then deleted;
# default a temporary folder, never $OUT: the file is gigabytes).
set -uo pipefail
cd "$(dirname "$0")/.."
backend=cuda
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) backend="$2"; shift 2 ;;
    *) echo "device-run.sh: unknown argument '$1' (expected --backend NAME)" >&2; exit 2 ;;
  esac
done
bundle=build-device/bundle
out=${OUT:-out/device}
burst_s=${FLUXROPE_BURST_S:-120}
mkdir -p "$out"
for exe in fluxrope_physics_tests fluxrope_bench fluxrope; do
  [ -x "$bundle/$exe" ] || { echo "device-run.sh: $bundle/$exe missing: run scripts/device-build.sh first" >&2; exit 2; }
done
export LD_LIBRARY_PATH="$bundle:${LD_LIBRARY_PATH:-}"
report="$out/report.md"
t_all=$(date +%s)

# The parity filter of the chosen backend: Cuda instances on the GPU, ThrustHost in a rehearsal.
if [ "$backend" = cuda ]; then parity='Backends/Parity.*/Cuda'; else parity='Backends/Parity.*/ThrustHost'; fi

{
  echo "# fluxrope device report"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- backend: $backend"
  echo "- GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)"
  echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') x $(nproc)"
  echo "- fluxrope: $("$bundle/fluxrope" --version 2>&1 | head -1)"
} > "$report"

# 1. physics tests (parity included), 150 s
timeout 150 "$bundle/fluxrope_physics_tests" --gtest_output=json:"$out/tests.json" > "$out/tests.log" 2>&1
tests_rc=$?
{
  echo
  echo "## Tests (rc $tests_rc)"
  echo
  grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$out/tests.log" | head -20 | sed 's/^/    /'
  grep -E '^\[ parity \]' "$out/tests.log" | sort -u | head -2 | sed 's/^/    /'
} >> "$report"

# 2. compute-sanitizer memcheck on the parity tests (they launch every kernel), 90 s
san=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda/compute-sanitizer/compute-sanitizer 2>/dev/null | head -1 || true)
if [ "$backend" = cuda ] && [ -n "$san" ]; then
  timeout 90 "$san" --tool memcheck --error-exitcode 3 "$bundle/fluxrope_physics_tests" \
    --gtest_filter="$parity" > "$out/sanitizer.log" 2>&1
  san_rc=$?
  san_line=$(grep -E 'ERROR SUMMARY' "$out/sanitizer.log" | tail -1)
else
  san_rc=-1
  san_line="not run (backend $backend; compute-sanitizer: ${san:-not found})"
fi
{ echo; echo "## compute-sanitizer memcheck (rc $san_rc)"; echo; echo "    $san_line"; } >> "$report"

# 3. benchmarks of the kernels and the forward model, 120 s
if [ "$backend" = cuda ]; then
  filter='BM_ResponseCpu|BM_ResponseCuda|BM_SkymapCuda|BM_GyroPadCuda|BM_ShapeIntegralsCuda|BM_Vexp|BM_ForwardModel|BM_SampleParticlesCpu/0/0|BM_SampleParticlesCuda'
else
  filter='BM_ResponseCpu|BM_ResponseThrustHost|BM_Vexp|BM_ForwardModel/1|BM_SampleParticlesThrustHost'
fi
timeout 120 "$bundle/fluxrope_bench" --benchmark_filter="$filter" --benchmark_min_time=0.2 \
  --benchmark_out="$out/bench.json" --benchmark_out_format=json > "$out/bench.log" 2>&1
bench_rc=$?
{
  echo
  echo "## Benchmarks (rc $bench_rc)"
  echo
  python3 - "$out/bench.json" <<'PY' 2>&1
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:  # a run cut short by its timeout leaves no JSON
    print(f"    no benchmark results ({e})")
    sys.exit(0)
print("| benchmark | time | evaluations/s |")
print("|---|---|---|")
for b in d["benchmarks"]:
    t = b.get("error_message", "skipped") if b.get("error_occurred") else f"{b['real_time']:.3f} {b['time_unit']}"
    e = f"{b['evals/s']:.3e}" if "evals/s" in b else (
        f"{b['evaluations/s']:.3g} forward models/s" if "evaluations/s" in b else (
            f"{b['exp/s']:.3e} exp/s" if "exp/s" in b else (
                f"{b['particles/s']:.3e} particles/s" if "particles/s" in b else "")))
    print(f"| {b['name']} | {t} | {e} |")
PY
} >> "$report"

# 4. the four-spacecraft burst on the backend, with its split, 180 s
burst_dir=${FLUXROPE_BURST_DIR:-$(mktemp -d)}
mkdir -p "$burst_dir"
start_ms=$(( $(date +%s%N) / 1000000 ))
timeout 180 "$bundle/fluxrope" synth --backend "$backend" --set geometry.duration_s="$burst_s" \
  -o "$burst_dir/burst.h5" > "$out/burst.log" 2>&1
burst_rc=$?
wall_ms=$(( $(date +%s%N) / 1000000 - start_ms ))
wall="$(( wall_ms / 1000 )).$(printf '%03d' $(( wall_ms % 1000 )))"
size=$(stat -c %s "$burst_dir/burst.h5" 2>/dev/null || echo 0)
rm -f "$burst_dir/burst.h5"
{
  echo
  echo "## Burst: ${burst_s} s, four spacecraft, double storage (rc $burst_rc)"
  echo
  echo "- process wall: ${wall} s; file: ${size} bytes"
  grep -E 'backend:|converged|time:|stages|samples \(100%\)' "$out/burst.log" | sed 's/^/    /'
  grep -iE 'error' "$out/burst.log" | head -3 | sed 's/^/    /'
} >> "$report"

# 5. issue 17's ratio on this host's cores: a 20-s DES interval on the CPU backend against its
#    response kernels alone at BM_ResponseCpu/0's rate (step 3), 45 s
start_ms=$(( $(date +%s%N) / 1000000 ))
timeout 45 "$bundle/fluxrope" synth --backend cpu --set geometry.duration_s=20 \
  --set instrument.dis.enabled=false -o "$burst_dir/t20.h5" > "$out/cpu20.log" 2>&1
cpu_rc=$?
cpu_ms=$(( $(date +%s%N) / 1000000 - start_ms ))
rm -f "$burst_dir/t20.h5"
[ -z "${FLUXROPE_BURST_DIR:-}" ] && rmdir "$burst_dir" 2>/dev/null
{
  echo
  echo "## 20-s DES interval on the CPU backend, $(nproc) cores (rc $cpu_rc)"
  echo
  python3 scripts/interval-ratio.py "$out/cpu20.log" "$out/bench.json" "$cpu_ms" 2>&1 | sed 's/^/    /'
  echo
  echo "Total device-run time: $(( $(date +%s) - t_all )) s"
} >> "$report"

cat "$report"
