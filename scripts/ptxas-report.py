#!/usr/bin/env python3
"""ptxas resource usage per fluxrope kernel (issue 17: docs/performance.md, "GPU kernels").

Compiles kernels/cuda_backend.cu for one architecture with `-Xptxas -v` (the build's own flags)
and prints one line per kernel: the item functor it runs, registers, stack frame, spill bytes.
Needs only nvcc (no GPU):  python3 scripts/ptxas-report.py [--arch sm_90] [--build build]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", default="sm_90")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="a configured build folder (for its generated headers)")
    ap.add_argument("--nvcc", default=os.environ.get("NVCC", "/usr/local/cuda/bin/nvcc"))
    a = ap.parse_args()
    cc = a.arch.replace("sm_", "")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [a.nvcc, "-DFLUXROPE_HAVE_CUDA=1", "-I" + os.path.join(ROOT, "include"),
               "-I" + os.path.join(a.build, "generated"), "-O3", "-DNDEBUG",
               f"--generate-code=arch=compute_{cc},code=[{a.arch}]", "--expt-relaxed-constexpr",
               "--fmad=false", "-std=c++17", "-Xptxas", "-v", "-x", "cu", "-c",
               os.path.join(ROOT, "kernels", "cuda_backend.cu"), "-o", os.path.join(tmp, "k.o")]
        r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("nvcc failed:\n" + r.stderr[-4000:])
    rows, cur = {}, None
    for line in r.stderr.splitlines():
        m = re.search(r"Compiling entry function '([^']+)'", line)
        if m:
            # the item functor the kernel runs (ResponseItems, ...): thrust's own kernels have none
            names = re.findall(r"([A-Z][a-z]+(?:[A-Z][a-z]+)*Items)", m.group(1))
            names = [n for n in names if n != "StoreItems"] or names  # StoreItems<X>: X
            cur = names[0] if names else None
            continue
        if cur is None:
            continue
        m = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m:
            rows.setdefault(cur, {}).update(stack=int(m.group(1)), spill_st=int(m.group(2)),
                                            spill_ld=int(m.group(3)))
        m = re.search(r"Used (\d+) registers", line)
        if m:
            rows.setdefault(cur, {})["regs"] = int(m.group(1))
    if not rows:
        sys.exit("no fluxrope kernels found in ptxas output")
    print(f"| kernel ({a.arch}, --fmad=false) | registers | stack [B] | spill stores [B] | spill loads [B] |")
    print("|---|---|---|---|---|")
    for name in sorted(rows):
        v = rows[name]
        print(f"| {name} | {v.get('regs', '?')} | {v.get('stack', '?')} | {v.get('spill_st', '?')} | "
              f"{v.get('spill_ld', '?')} |")


if __name__ == "__main__":
    main()
