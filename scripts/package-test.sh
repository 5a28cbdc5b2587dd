#!/usr/bin/env bash
# The packaging check of the test command (README "Install"): `python -m build` makes the sdist
# and, from the sdist, the wheel; the wheel installs into a fresh virtual environment and the
# Python tests pass against it (tests/python/test_api.py checks that fluxrope is imported from
# there). The fresh venv borrows the third-party packages of build/venv through a .pth file (no
# second download of pySPEDAS, pyrfu, ...); fluxrope itself comes only from the wheel, whose
# site-packages come first on sys.path. Everything is built in a temporary folder, removed after.
set -euo pipefail
cd "$(dirname "$0")/.."
py=build/venv/bin/python
work=$(mktemp -d "${TMPDIR:-/tmp}/fluxrope_package_XXXXXX")
trap 'rm -rf "$work"' EXIT
"$py" -m pip install -q "build>=1.2"
"$py" -m build --outdir "$work/dist" . > "$work/build.log" 2>&1 || { tail -40 "$work/build.log"; exit 1; }
sdist=$(ls "$work"/dist/fluxrope-*.tar.gz)
wheel=$(ls "$work"/dist/fluxrope-*.whl)
echo "built $(basename "$sdist") and $(basename "$wheel") (the wheel from the sdist)"
/usr/bin/python3 -m venv "$work/venv"
fresh="$work/venv/bin/python"
site=$("$fresh" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
borrowed=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
# the wheel first (with the borrowed packages visible pip would call fluxrope installed already)
"$fresh" -m pip install -q --no-deps "$wheel"
echo "$borrowed" > "$site/borrowed_from_build_venv.pth"
# the borrowed fluxrope must not be the one imported
"$fresh" -c "import fluxrope, sys; assert fluxrope.__file__.startswith('$site'), fluxrope.__file__; print('fluxrope', fluxrope.__version__, 'from', fluxrope.__file__)"
FLUXROPE_EXE="$PWD/build/fluxrope" FLUXROPE_REQUIRE_READERS=1 FLUXROPE_INSTALLED_FROM="$site" \
  "$fresh" -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning tests/python
