#!/usr/bin/env bash
# Creates (once) the virtual environment build/venv with Debian's Python 3, installs fluxrope
# into it from this checkout (pip install ".[test,sweep,posterior,docs]": scikit-build-core +
# nanobind over the same CMake project; docs: Sphinx, myst-nb and furo for the site) and, with --readers, the users' tools the tests check the exported files with
# (pySPEDAS, pyrfu, openPMD-viewer, openPMD-api, the openPMD validator; pins: see below). Prints the venv's python on the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=build/venv
if [ ! -x "$venv/bin/python" ]; then
  /usr/bin/python3 -m venv "$venv" >&2
fi
py="$venv/bin/python"
"$py" -m pip install -q --upgrade pip >&2
"$py" -m pip install -q ".[test,sweep,posterior,docs]" >&2
if [ "${1:-}" = "--readers" ]; then
  # pySPEDAS 2.2.2 asks for geopack >= 1.0.13, whose import downloads IGRF coefficients (it
  # fails offline); pyrfu imports geopack, 1.0.10 does not download. Both work with 1.0.10.
  # spacepy: its pycdf.istp checker tests the exported files (its wheel carries the CDF library)
  "$py" -m pip install -q "pyspedas==2.2.2" "pyrfu==2.4.21" "matplotlib<3.11" "spacepy>=0.5" >&2
  "$py" -m pip install -q --no-deps "geopack==1.0.10" >&2
  # the openPMD readers of `fluxrope particles` files (PIC initial conditions, tests/python)
  "$py" -m pip install -q "openPMD-viewer==1.11.0" "openpmd-api==0.17.1.post4" \
    "openPMD-validator==1.1.0.6" >&2
fi
echo "$py"
