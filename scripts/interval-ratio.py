#!/usr/bin/env python3
"""An interval's wall against its response kernels alone (issue 17: docs/performance.md).

Reads the log of one `fluxrope synth` run with the integrated response, the JSON of a
fluxrope_bench run that holds BM_ResponseCpu/0 (the response kernel on all cores), and the
process wall in milliseconds; prints the response kernels' time at the benchmark's rate
(samples x spacecraft x 16384 bins x nodes a bin / evaluations per second), the walls and
their ratios, and the backend's stage split as the run printed it:

    python3 scripts/interval-ratio.py synth.log bench.json WALL_MS

scripts/device-run.sh runs it on the lent machine's host cores; here:
    /usr/bin/time -f %e build/fluxrope synth --set geometry.duration_s=20 \\
        --set instrument.dis.enabled=false -o t20.h5 > synth.log
    build/bench/fluxrope_bench --benchmark_filter=BM_ResponseCpu/0 \\
        --benchmark_out=bench.json --benchmark_out_format=json
"""
import json
import re
import sys


def fail(msg):
    print(f"interval-ratio.py: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) != 4:
        fail("usage: interval-ratio.py SYNTH_LOG BENCH_JSON WALL_MS")
    log_path, bench_path, wall_ms = sys.argv[1:]
    try:
        log = open(log_path).read()
    except OSError as e:
        fail(f"cannot read the synth log: {e}")
    m = re.search(r"synthesizing (\d+) spacecraft x (\d+) samples \(FPI burst grid, (\d+) bins",
                  log)
    if not m:
        fail(f"{log_path}: no 'synthesizing N spacecraft x M samples' line (did the run start?)")
    n_sc, n_samples, n_bins = (int(g) for g in m.groups())
    m = re.search(r"response integrated: (\d+) nodes a bin", log)
    if not m:
        fail(f"{log_path}: no 'response integrated: N nodes a bin' line (centre response?)")
    nodes = int(m.group(1))
    try:
        bench = json.load(open(bench_path))
    except (OSError, ValueError) as e:
        fail(f"no benchmark results in {bench_path}: {e}")
    rate = None
    for b in bench.get("benchmarks", []):
        # the name may carry a suffix such as /min_time:0.200
        if re.match(r"BM_ResponseCpu/0(/|$)", b["name"]) and "evals/s" in b:
            if b.get("aggregate_name", "median") == "median":
                rate = b["evals/s"]
    if not rate:
        fail(f"{bench_path}: no BM_ResponseCpu/0 result")
    evaluations = n_sc * n_samples * n_bins * nodes
    t_resp = evaluations / rate
    wall = float(wall_ms) / 1000.0
    print(f"response kernels alone: {n_sc} x {n_samples} samples x {n_bins} bins x {nodes} nodes"
          f" = {evaluations:.4g} evaluations at {rate:.4g}/s (BM_ResponseCpu/0) = {t_resp:.3f} s")
    print(f"process wall {wall:.3f} s = {wall / t_resp:.2f}x the response kernels")
    m = re.search(r"time: .*wall ([0-9.]+) s", log)
    if m:
        w = float(m.group(1))
        print(f"synthesis wall (after the solve) {w:.3f} s = {w / t_resp:.2f}x")
    for line in log.splitlines():
        if "time:" in line or "backend stages" in line:
            print(line.strip())


if __name__ == "__main__":
    main()
