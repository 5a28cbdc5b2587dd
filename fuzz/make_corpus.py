#!/usr/bin/env python3
"""Writes the seed corpus of the two libFuzzer targets (docs/robustness.md) into fuzz/corpus/.

The seeds are committed; rerun this after changing an input format of fuzz_*.cpp.
"""
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent


def write(sub, name, data):
    path = HERE / "corpus" / sub / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# fuzz_config: byte 0 = preset index, then TOML text, optionally NUL + --set lines.
for toml in sorted((ROOT / "examples").glob("*.toml")):
    write("config", toml.stem, b"\x00" + toml.read_bytes())
write("config", "sets", b"\x00[model]\nb_z = 0.5\n\x00solver.passes=3\nmodel.gamma=2.2\n")
write("config", "event_preset", b"\x01\x00geometry.duration_s=2\ngeometry.cadence_s=0.03\n")
write("config", "instrument",
      b"\x00[instrument]\ng_dt_cm2_sr_s = 1e-6\n[output]\ndense_pad_energy_eV = [30.0, 300.0]\n")

# fuzz_readers, even first byte: CSV (bits 1-3: which moment columns are read).
write("readers", "csv_b", b"\x00time_s,Bx,By,Bz\n0,1,2,3\n0.1,1,2,3\n0.2,1,2,4\n")
write("readers", "csv_moments",
      b"\x0etime_s,Bx,By,Bz,ne_cm3,T_par_eV,T_perp_eV\n0,1,2,3,5,40,50\n1,1,2,3,5,41,51\n")
write("readers", "csv_bad", b"\x0e0,1.5abc,2\n\n,,,\n1e999,nan,inf\n")


def dataset(shape, type_code=0, values=None):
    """A dataset description: rank, extents, values (1 byte each: index + c/256), type."""
    n = 1
    for s in shape:
        n *= s
    out = bytes([len(shape)]) + bytes(shape)
    vals = values if values is not None else [16] * n
    return out + bytes(vals) + bytes([type_code])


# odd first byte: present bits (1: /tracks/MMS1, 2: config_toml), dataset bits, datasets.
good = (bytes([0x01, 0x03, 0x7F]) + dataset([4]) + dataset([4, 3]) + dataset([4]) +
        dataset([4]) + dataset([4]) + dataset([4, 2, 3]) + dataset([2]))
write("readers", "h5_track", good + (ROOT / "examples" / "yang2022.toml").read_bytes())
write("readers", "h5_short_b", bytes([0x01, 0x01, 0x03]) + dataset([5]) + dataset([5, 2]))
write("readers", "h5_nan", bytes([0x01, 0x01, 0x03]) + dataset([3], values=[0, 250, 2]) +
      dataset([3, 3], type_code=1) )
write("readers", "h5_raw_double",
      bytes([0x01, 0x01, 0x01]) + bytes([1, 2, 255]) + struct.pack("<d", -0.0) + bytes([5, 2]))
