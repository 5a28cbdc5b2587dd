"""python -m fluxrope export-cdf OUT.h5 --root mms_data [--start 2015-10-19T14:07:56] [--probe NAME=N]
python -m fluxrope sweep SWEEP.toml [--out DIR] [--scheduler ADDR] [--workers N]
python -m fluxrope quicklook OUT.h5 [-o DIR] [--spacecraft NAME ...]
(`fluxrope synth` itself is the C++ tool's job; this entry point exports and sweeps.)"""
import argparse
import sys

from . import FluxropeError, cdf, read


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m fluxrope", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("export-cdf", help="write MMS L2 CDF files (DES and DIS dist and moms, "
                                           "FGM, EDP, MEC) from a fluxrope synth HDF5 file")
    ex.add_argument("input", help="fluxrope synth output (HDF5)")
    ex.add_argument("--root", required=True, help="MMS data folder (MMS_DATA_DIR)")
    ex.add_argument("--start", default=None,
                    help="UTC time of the first sample (default: the file's own, [geometry] "
                         f"t0_utc + t_start_s; {cdf.DEFAULT_START} for the default event)")
    ex.add_argument("--probe", action="append", default=[], metavar="NAME=N",
                    help="write spacecraft NAME as MMS probe N (1-4); MMS1..MMS4 need none")
    ql = sub.add_parser("quicklook", help="one overview page per spacecraft of a fluxrope synth "
                                          "file (B, moments, DEF spectrograms, PADs; UTC)")
    ql.add_argument("input", help="fluxrope synth output (HDF5)")
    ql.add_argument("-o", "--out", default="quicklook", help="folder for the PNG files")
    ql.add_argument("--spacecraft", nargs="+", help="only these spacecraft (default: all)")
    sw = sub.add_parser("sweep", help="run a parameter sweep ([sweep] table) on Dask")
    sw.add_argument("sweep", help="TOML file: a configuration plus a [sweep] table")
    sw.add_argument("--out", default="sweep_out", help="folder for the member files and summary.nc")
    sw.add_argument("--scheduler", help="Dask scheduler address (default: a local cluster)")
    sw.add_argument("--workers", type=int, help="local workers (default: the number of cores)")
    sw.add_argument("--backend", default="cpu", help="cpu | cuda | auto")
    a = ap.parse_args(argv)
    if a.command == "quicklook":
        from .quicklook import quicklook
        try:
            for path in quicklook(a.input, a.out, a.spacecraft):
                print(f"wrote {path}")
        except FluxropeError as e:
            print(f"fluxrope: error: {e}", file=sys.stderr)
            return 1
        return 0
    if a.command == "sweep":
        from .sweep import load_sweep, run_sweep
        try:
            summary = run_sweep(load_sweep(a.sweep), a.out, scheduler=a.scheduler,
                                n_workers=a.workers, backend=a.backend)
        except FluxropeError as e:
            print(f"fluxrope: error: {e}", file=sys.stderr)
            return 1
        print(summary)
        print(f"wrote {a.out}/ (one HDF5 file per member) and {a.out}/summary.nc")
        return 0 if bool(summary["ok"].all()) else 2
    try:
        probes = {}
        for item in a.probe:
            name, sep, n = item.partition("=")
            if not sep or not n.strip().isdigit():
                raise FluxropeError(f"--probe {item!r}: expected NAME=N, e.g. --probe X1=1")
            probes[name] = int(n)
        _, tracks = read(a.input)
        if not tracks:
            raise FluxropeError(f"'{a.input}' has no /tracks (write it with `fluxrope synth`)")
        _, ions = read(a.input, instrument="dis")  # /dis: none when DIS was not enabled
        for path in cdf.export_cdf(tracks, a.root, a.start, probes=probes or None,
                                   ions=ions or None):
            print(f"wrote {path}")
    except FluxropeError as e:
        print(f"fluxrope: error: {e}", file=sys.stderr)
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
