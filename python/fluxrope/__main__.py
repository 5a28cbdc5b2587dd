"""python -m fluxrope export-cdf OUT.h5 --root mms_data [--start 2015-10-19T14:07:56]
python -m fluxrope synth [--config FILE] [--set table.key=value]... -o OUT.h5 is the C++ tool's
job (`fluxrope synth`); this entry point exports what it wrote."""
import argparse
import sys

from . import FluxropeError, cdf, read


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m fluxrope", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("export-cdf", help="write MMS L2 CDF files (des-dist, des-moms, FGM) "
                                           "from a fluxrope synth HDF5 file")
    ex.add_argument("input", help="fluxrope synth output (HDF5)")
    ex.add_argument("--root", required=True, help="MMS data folder (MMS_DATA_DIR)")
    ex.add_argument("--start", default=cdf.DEFAULT_START,
                    help=f"UTC time of the first sample (default {cdf.DEFAULT_START})")
    a = ap.parse_args(argv)
    try:
        _, tracks = read(a.input)
        if not tracks:
            raise FluxropeError(f"'{a.input}' has no /tracks (write it with `fluxrope synth`)")
        for path in cdf.export_cdf(tracks, a.root, a.start):
            print(f"wrote {path}")
    except (FluxropeError, OSError, KeyError) as e:
        print(f"fluxrope: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
