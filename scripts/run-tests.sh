#!/usr/bin/env bash
# Builds everything (CUDA sources too, when nvcc is present) and runs the whole test suite:
# the C++ tests with CTest (GPU tests skip with a message when no device answers), then the
# Python package built into build/venv and its tests (pytest), pySPEDAS and pyrfu included,
# then the documentation site with warnings as errors (its tutorials executed: docs/conf.py),
# then the packaging check (scripts/package-test.sh: the tests against a wheel in a fresh venv),
# then the C++ tests, end-to-end runs and the fuzz targets under ASan + UBSan
# (scripts/sanitize-tests.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
py=$(bash scripts/python-env.sh --readers | tail -1)
FLUXROPE_EXE="$PWD/build/fluxrope" FLUXROPE_REQUIRE_READERS=1 \
  "$py" -m pytest -q -W ignore::DeprecationWarning tests/python
FLUXROPE_EXE="$PWD/build/fluxrope" "$py" -m sphinx -W --keep-going -q -b html docs build/docs/html
echo "documentation site: build/docs/html/index.html"
bash scripts/package-test.sh  # sdist -> wheel -> a fresh venv -> the Python tests again
bash scripts/sanitize-tests.sh
