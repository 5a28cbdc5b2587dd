#!/usr/bin/env python3
"""Cost of calling the engine from Python (issue 9): the default event through fluxrope.solve +
fluxrope.synth (arrays into xarray) against the C++ tool `fluxrope synth` (which also writes
its ~120 MB HDF5 file), and the engine's own time inside the Python call. Median of N runs.

    build/venv/bin/python bench/python_overhead.py [--exe build/fluxrope] [-n 7]
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time

import fluxrope


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exe", default=os.path.join(os.path.dirname(__file__), "..", "build", "fluxrope"))
    ap.add_argument("-n", type=int, default=7)
    a = ap.parse_args()
    cli, py, py_engine = [], [], []
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "s.h5")
        for _ in range(a.n):
            t = time.perf_counter()
            subprocess.run([a.exe, "synth", "--backend", "cpu", "-o", out], check=True,
                           capture_output=True)
            cli.append(time.perf_counter() - t)
    for _ in range(a.n):
        t = time.perf_counter()
        eq = fluxrope.solve(backend="cpu")
        tracks = fluxrope.synth(eq, backend="cpu")
        py.append(time.perf_counter() - t)
        assert len(tracks) == 4
    # the engine alone, as the C++ job functions time it (no conversion to xarray)
    from fluxrope import _core
    cfg = fluxrope.load_config()
    for _ in range(a.n):
        t = time.perf_counter()
        e = _core.solve(cfg, "cpu")
        _core.synth(e, "cpu", None)
        py_engine.append(time.perf_counter() - t)
    m_cli, m_py, m_eng = (statistics.median(x) for x in (cli, py, py_engine))
    print(f"fluxrope synth (C++ tool, process + solve + synth + HDF5 write): {m_cli:.3f} s")
    print(f"fluxrope.solve + fluxrope.synth (Python, xarray, no file):       {m_py:.3f} s "
          f"({100 * (m_py / m_cli - 1):+.1f}% against the tool)")
    print(f"_core.solve + _core.synth (the engine called from Python):       {m_eng:.3f} s "
          f"({100 * (m_py / m_eng - 1):+.1f}% for the xarray layer)")


if __name__ == "__main__":
    main()
