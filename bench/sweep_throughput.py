#!/usr/bin/env python3
"""Sweep throughput on a local Dask cluster (issue 12): a 16-member sweep (4 impact parameters x
4 noise seeds of the default event) with 1 worker and with 2 workers, members/s each, and a check
that the member files are identical either way.

    build/venv/bin/python bench/sweep_throughput.py
"""
import os
import tempfile
import time

import numpy as np

import fluxrope
from fluxrope import sweep as sw


def run(workers, out):
    s = fluxrope.Sweep({"geometry.center_ln_km": [[0.0, 0.0], [3.0, 0.0], [6.0, 0.0], [9.0, 0.0]],
                        "instrument.seed": [1, 2, 3, 4]})
    t = time.perf_counter()
    summary = fluxrope.run_sweep(s, out, n_workers=workers, progress=False)
    return time.perf_counter() - t, summary, s


def main():
    with tempfile.TemporaryDirectory() as d:
        t1, s1, s = run(1, os.path.join(d, "one"))
        t2, s2, _ = run(2, os.path.join(d, "two"))
        same = all(np.array_equal(sw._summary_of_file(os.path.join(d, "one", s.member_name(m)))[k],
                                  sw._summary_of_file(os.path.join(d, "two", s.member_name(m)))[k])
                   for m in s.members() for k in ("bias_n", "anti_over_par"))
    print(f"1 worker : {t1:6.2f} s, {16 / t1:.2f} members/s")
    print(f"2 workers: {t2:6.2f} s, {16 / t2:.2f} members/s = {t1 / t2:.2f}x one worker "
          f"({100 * (t1 / t2 / 2):.0f}% of 2x)")
    print(f"member summaries identical: {same}; all ok: {bool(s1['ok'].all() and s2['ok'].all())}")


if __name__ == "__main__":
    main()
