#!/usr/bin/env bash
# The main job: the 2015-10-19 MMS flux-rope crossing end to end (examples/mms_2015-10-19.toml,
# the built-in default event). Builds fluxrope, solves the yang2022 equilibrium and synthesizes
# what the four spacecraft see (out/mms_2015-10-19.h5), finds the rope centre from their |B|
# (out/mms_2015-10-19_center.h5) and draws figures (a)-(f) into out/figures/.
# Extra arguments go to `fluxrope synth` (e.g. --backend cpu).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --figures
bash scripts/build.sh --target fluxrope
mkdir -p out/figures
event=examples/mms_2015-10-19.toml
./build/fluxrope synth --config "$event" -o out/mms_2015-10-19.h5 "$@"
./build/fluxrope fit-center --input out/mms_2015-10-19.h5 -o out/mms_2015-10-19_center.h5

# A Python 3 that has h5py and matplotlib: the one on PATH, else Debian's.
py=""
for p in python3 /usr/bin/python3; do
  if "$p" -c "import h5py, matplotlib, numpy" 2>/dev/null; then py=$p; break; fi
done
if [ -z "$py" ]; then
  echo "run-default: no python3 with h5py, numpy and matplotlib (install-deps.sh --figures installs them)" >&2
  exit 1
fi
"$py" examples/fig_center_fit.py out/mms_2015-10-19.h5 out/mms_2015-10-19_center.h5 -o out/figures/a_center_fit.png
"$py" examples/fig_moments.py out/mms_2015-10-19.h5 -o out/figures/b_moments.png
"$py" examples/fig_current.py out/mms_2015-10-19.h5 -o out/figures/c_current.png
"$py" examples/fig_pad_spectrograms.py out/mms_2015-10-19.h5 -o out/figures/d_pad_spectrograms.png
"$py" examples/fig_pad_slice.py out/mms_2015-10-19.h5 -o out/figures/e_pad_slice.png
"$py" examples/fig_instrument_moments.py out/mms_2015-10-19.h5 -o out/figures/f_instrument_moments.png
"$py" examples/plot_profile.py out/mms_2015-10-19.h5 -o out/figures/profile.png
echo "run-default: data in out/mms_2015-10-19.h5 and out/mms_2015-10-19_center.h5, figures in out/figures/"
