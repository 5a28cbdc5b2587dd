"""Bad input, everywhere it enters (issue 15, docs/robustness.md): the fluxrope tool, the Python
API and corrupt input files. Every case asserts the three promises: a non-zero exit (the tool: 1
and one line on stderr; Python: FluxropeError, a ValueError), a message naming what is wrong (the
key, value, file or dataset), and no file left behind in the case's own folder."""
import os
import shutil
import stat
import subprocess

import h5py
import numpy as np
import pytest

import fluxrope
from fluxrope import FluxropeError


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def _listing(d):
    return sorted(os.path.relpath(os.path.join(r, f), d)
                  for r, dirs, files in os.walk(d) for f in files + dirs)


def _refused_by_tool(exe, args, fragments, cwd):
    """Runs the tool in cwd; asserts exit 1, one line 'fluxrope: error: ...' naming every
    fragment, and that cwd holds what it held before."""
    before = _listing(cwd)
    r = subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, errors="replace",
                       timeout=120)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 1, (r.returncode, r.stderr[-2000:])
    assert len(lines) == 1 and lines[0].startswith("fluxrope: error: "), r.stderr[-2000:]
    for f in fragments:
        assert f in lines[0], (f, lines[0])
    assert "nan" not in r.stdout.lower() or "is not finite" in lines[0]
    assert _listing(cwd) == before, "files left behind"
    return lines[0]


def _raises(fn, fragments, folder=None):
    """fn() raises FluxropeError naming every fragment; folder (if given) is unchanged."""
    before = _listing(folder) if folder else None
    with pytest.raises(FluxropeError) as e:
        fn()
    assert isinstance(e.value, ValueError)
    msg = str(e.value)
    assert "\n" not in msg.strip(), msg
    for f in fragments:
        assert f in msg, (f, msg)
    if folder:
        assert _listing(folder) == before, "files left behind"
    return msg


@pytest.fixture(scope="module")
def synth_file(fluxrope_exe, tmp_path_factory):
    """A small synth output (0.3 s, four spacecraft) that the corrupt-file cases start from."""
    d = tmp_path_factory.mktemp("synth")
    path = d / "s.h5"
    subprocess.run([fluxrope_exe, "synth", "-o", str(path), "--backend", "cpu",
                    "--set", "geometry.duration_s=0.3"], check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def small(synth_file):
    """(Equilibrium, tracks) of the small synth output, read back."""
    return fluxrope.read(str(synth_file))


# ---------------------------------------------------------------------------------------------
# The tool: configuration values (--set), each refused before anything is solved or written
# ---------------------------------------------------------------------------------------------

BAD_SETS = [
    # [model]: finite and in the documented ranges (README "Valid ranges")
    ("model.alpha_r=nan", ["model.alpha_r", "not finite"]),
    ("model.alpha_r=inf", ["model.alpha_r", "not finite"]),
    ("model.alpha_r=-1", ["model.alpha_r", "-1"]),
    ("model.alpha_r=1e308", ["model.alpha_r"]),
    ("model.alpha_z=-inf", ["model.alpha_z", "not finite"]),
    ("model.gamma=1e300", ["model.gamma"]),
    ("model.b_z=-1e9", ["model.b_z"]),
    ("model.epsilon=0", ["model.epsilon"]),
    ("model.epsilon=2", ["model.epsilon"]),
    ("model.tau_z=0", ["tau_z"]),
    ("model.tau_z=-0.5", ["tau_z"]),
    ("model.tau_z=hot", ["model.tau_z", "must be a number"]),
    ("model.tau_z=[1,2]", ["model.tau_z", "must be a number"]),
    ("model.tau_z=true", ["model.tau_z", "must be a number"]),
    ("model.tau_b=1e9", ["tau_b"]),
    ("model.form=3", ["model.form", "must be a string"]),
    ("model.form=relativistic", ["model.form"]),
    ("model.nope=1", ["unknown key model.nope"]),
    ("modle.alpha_r=1", ["modle"]),
    ("model.alpha_r", ["model.alpha_r", "table.key=value"]),
    ("alpha_r=1", ["alpha_r=1", "table.key=value"]),
    # [solver]: sizes bounded, integers integral
    ("solver.n_rho=1000000000", ["solver.n_rho"]),
    ("solver.n_rho=10000000", ["solver.n_rho"]),
    ("solver.n_rho=0", ["solver.n_rho"]),
    ("solver.n_rho=2.5", ["solver.n_rho", "must be an integer"]),
    ("solver.n_rho=nan", ["solver.n_rho"]),
    ("solver.n_shape=1000000", ["solver.n_shape"]),
    ("solver.passes=-1", ["solver.passes"]),
    ("solver.passes=100000", ["solver.passes"]),
    ("solver.max_passes=0", ["solver.max_passes"]),
    ("solver.tol_nT=nan", ["solver.tol_nT", "not finite"]),
    ("solver.tol_nT=0", ["solver.tol_nT"]),
    ("solver.ode_rtol=1", ["solver.ode_rtol"]),
    ("solver.x_max=0.1", ["solver.x_max"]),
    ("solver.x_max=1e9", ["solver.x_max"]),
    ("solver.quad_par=1", ["solver.quad_par"]),
    ("solver.quad_perp=100000", ["solver.quad_perp"]),
    ("solver.passs=3", ["unknown key solver.passs"]),
    # [geometry]: finite, bounded, samples and spacecraft that fit
    ("geometry.t_start_s=inf", ["geometry.t_start_s", "not finite"]),
    ("geometry.t_start_s=-inf", ["geometry.t_start_s", "not finite"]),
    ("geometry.t_start_s=nan", ["geometry.t_start_s", "not finite"]),
    ("geometry.t_start_s=1e308", ["geometry.t_start_s"]),
    ("geometry.duration_s=inf", ["geometry.duration_s"]),
    ("geometry.duration_s=0", ["geometry.duration_s"]),
    ("geometry.duration_s=-1", ["geometry.duration_s"]),
    ("geometry.duration_s=1e7", ["geometry.duration_s"]),
    ("geometry.cadence_s=1e-9", ["geometry.cadence_s"]),
    ("geometry.cadence_s=0", ["geometry.cadence_s"]),
    ("geometry.cadence_s=nan", ["geometry.cadence_s"]),
    ("geometry.rope_velocity_gse_km_s=[inf,0,0]", ["geometry.rope_velocity_gse_km_s"]),
    ("geometry.rope_velocity_gse_km_s=[nan,0,0]", ["geometry.rope_velocity_gse_km_s"]),
    ("geometry.rope_velocity_gse_km_s=[4e5,0,0]", ["geometry.rope_velocity_gse_km_s"]),
    ("geometry.rope_velocity_gse_km_s=[1,2]", ["geometry.rope_velocity_gse_km_s"]),
    ("geometry.rope_velocity_gse_km_s=fast", ["geometry.rope_velocity_gse_km_s"]),
    ("geometry.center_ln_km=[nan,0]", ["geometry.center_ln_km"]),
    ("geometry.center_ln_km=[1e300,0]", ["geometry.center_ln_km"]),
    ("geometry.center_ln_km=[0]", ["geometry.center_ln_km"]),
    ("geometry.spacecraft=[]", ["geometry.spacecraft"]),
    ("geometry.spacecraft=[{name='MMS1',position_gse_km=[1e308,0,0]}]", ["position_gse_km"]),
    ("geometry.spacecraft=[{name='MMS1',position_gse_km=[nan,0,0]}]", ["position_gse_km"]),
    ("geometry.spacecraft=[{name='../x',position_gse_km=[0,0,0]}]", ["name"]),
    ("geometry.nope=1", ["geometry.nope"]),
    # [instrument], [output]
    ("instrument.g_dt_cm2_sr_s=1e308", ["instrument.g_dt_cm2_sr_s"]),
    ("instrument.g_dt_cm2_sr_s=-1", ["instrument.g_dt_cm2_sr_s"]),
    ("instrument.g_dt_cm2_sr_s=nan", ["instrument.g_dt_cm2_sr_s"]),
    ("instrument.dense_pad_energy_eV=[1e308]", ["instrument.dense_pad_energy_eV"]),
    ("instrument.dense_pad_energy_eV=[]", ["instrument.dense_pad_energy_eV"]),
    ("instrument.dense_pad_energy_eV=[100.0,50.0]", ["instrument.dense_pad_energy_eV"]),
    ("instrument.dense_pad_energy_eV=[-5.0]", ["instrument.dense_pad_energy_eV"]),
    ("instrument.sweep=spiral", ["instrument.sweep"]),
    ("instrument.nope=1", ["instrument.nope"]),
    ("output.gzip=12", ["output.gzip"]),
    ("output.gzip=-1", ["output.gzip"]),
    ("output.batch_samples=0", ["output.batch_samples"]),
    ("output.float32=3", ["output.float32"]),
    ("fit.free=[]", ["fit.free"]),
    ("fit.free=['nope']", ["nope"]),
]


@pytest.mark.parametrize("setting, fragments", BAD_SETS, ids=[s for s, _ in BAD_SETS])
def test_tool_refuses_a_bad_value(fluxrope_exe, tmp_path, setting, fragments):
    _refused_by_tool(fluxrope_exe, ["synth", "-o", "out.h5", "--backend", "cpu", "--set", setting],
                     fragments, tmp_path)


# dense PAD energies in the thousands, a thousand spacecraft: refused, not run for minutes
def test_tool_refuses_sizes_that_cannot_fit(fluxrope_exe, tmp_path):
    energies = "[" + ",".join(str(10.0 + i) for i in range(2000)) + "]"
    _refused_by_tool(fluxrope_exe, ["synth", "-o", "o.h5", "--set",
                                    f"instrument.dense_pad_energy_eV={energies}"],
                     ["instrument.dense_pad_energy_eV"], tmp_path)
    craft = "[" + ",".join(f"{{name='S{i}',position_gse_km=[{i},0,0]}}" for i in range(1000)) + "]"
    _refused_by_tool(fluxrope_exe, ["synth", "-o", "o.h5", "--set", f"geometry.spacecraft={craft}"],
                     ["spacecraft"], tmp_path)


# ---------------------------------------------------------------------------------------------
# The tool: configuration files and options
# ---------------------------------------------------------------------------------------------

CONFIG_TEXTS = [
    ("[model\nalpha_r = 1\n", ["c.toml", "not valid TOML", "line"]),
    ("[model]\nalpha_r = \n", ["c.toml", "not valid TOML"]),
    ("[model]\ntau_z = 0.4 \xcc\xaa\n", ["c.toml", "not valid TOML", "line 2"]),
    ("[model]\nform = \"caf\u00e9\"\n", ["c.toml", "U+00E9"]),
    ("[model]\ntau_zz = 0.4\n", ["c.toml", "unknown key model.tau_zz"]),
    ("[modle]\nalpha_r = 1\n", ["c.toml", "unknown table [modle]"]),
    ("[model]\ntau_z = \"hot\"\n", ["c.toml", "model.tau_z", "must be a number"]),
    ("[model]\ntau_z = 0.4\ntau_z = 0.5\n", ["c.toml", "not valid TOML"]),
    ("model = 3\n", ["c.toml", "model"]),
    ("\x00\x01\x02garbage", ["c.toml", "not valid TOML"]),
    ("[geometry]\nduration_s = inf\n", ["c.toml", "geometry.duration_s"]),
    ("[geometry]\nlmn_l_gse = [1, 0, 0]\nlmn_m_gse = [1, 0, 0]\n", ["c.toml"]),
]


@pytest.mark.parametrize("text, fragments", CONFIG_TEXTS, ids=[f"config{i}" for i in range(len(CONFIG_TEXTS))])
def test_tool_refuses_a_bad_config_file(fluxrope_exe, tmp_path, text, fragments):
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "c.toml").write_bytes(text.encode("utf-8", "surrogatepass"))
    _refused_by_tool(fluxrope_exe, ["solve", "--config", str(tmp_path / "c.toml"), "-o", "out.h5"],
                     fragments, work)


def _special_paths(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    return fifo


@pytest.mark.parametrize("config, fragments", [
    ("{dir}", ["is a directory"]),
    ("/dev/null", ["/dev/null", "not a regular file"]),
    ("/dev/zero", ["/dev/zero", "not a regular file"]),
    ("{dir}/nope.toml", ["nope.toml", "no such file"]),
    ("{fifo}", ["fifo", "not a regular file"]),
    ("", ["config file path is empty"]),
])
def test_tool_refuses_a_config_that_is_not_a_file(fluxrope_exe, tmp_path, config, fragments):
    work = tmp_path / "work"
    work.mkdir()
    fifo = _special_paths(tmp_path)
    path = config.format(dir=tmp_path, fifo=fifo)
    _refused_by_tool(fluxrope_exe, ["solve", "--config", path, "-o", "out.h5"], fragments, work)


def test_tool_refuses_a_second_config(fluxrope_exe, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "a.toml").write_text("[model]\ntau_z = 0.5\n")
    _refused_by_tool(fluxrope_exe, ["solve", "--config", str(tmp_path / "a.toml"), "--config",
                                    str(tmp_path / "a.toml"), "-o", "o.h5"],
                     ["--config"], work)


@pytest.mark.parametrize("args, fragments", [
    (["solve", "--passes", "-1"], ["--passes", "-1"]),
    (["solve", "--passes", "5000"], ["--passes", "5000"]),
    (["solve", "--passes", "x"], ["--passes"]),
    (["solve", "--passes", "1", "--passes", "2"], ["--passes"]),
    (["solve", "--backend", "quantum"], ["quantum"]),
    (["solve", "--preset", "nonesuch"], ["nonesuch"]),
    (["solve", "--bogus"], ["--bogus"]),
    (["solve", "--set"], ["--set"]),
    (["frobnicate"], ["subcommand"]),
    (["atlas", "--frame-velocity", "nan,0,0"], ["--frame-velocity"]),
    (["atlas", "--frame-velocity", "inf,0,0"], ["--frame-velocity"]),
    (["atlas", "--frame-velocity", "1e6,0,0"], ["--frame-velocity"]),
    (["atlas", "--frame-velocity", "1,2"], ["--frame-velocity"]),
    (["atlas", "--stride", "0"], ["--stride"]),
    (["atlas", "--stride", "-3"], ["--stride"]),
    (["fit-center"], ["--input", "--csv"]),
    (["fit"], ["--input", "--csv"]),
], ids=lambda v: "_".join(v) if isinstance(v, list) else None)
def test_tool_refuses_a_bad_option(fluxrope_exe, tmp_path, args, fragments):
    _refused_by_tool(fluxrope_exe, [*args, "-o", "out.h5"], fragments, tmp_path)


@pytest.mark.parametrize("args, fragments", [
    (["--passes", "-1"], ["--passes"]),
    (["--pad-energies", "-5"], ["--pad-energies"]),
    (["--pad-energies", "nan"], ["--pad-energies"]),
    (["--noise-seed", "x"], ["--noise-seed"]),
    (["--noise-seed", "-1"], ["--noise-seed"]),
    (["--moments", "NOPE"], ["NOPE"]),
], ids=lambda v: "_".join(v) if isinstance(v, list) else None)
def test_tool_refuses_bad_fit_options(fluxrope_exe, tmp_path, synth_file, args, fragments):
    _refused_by_tool(fluxrope_exe, ["fit", "--input", str(synth_file), *args, "-o", "out.h5"],
                     fragments, tmp_path)


# ---------------------------------------------------------------------------------------------
# The tool: outputs only to regular files the user named
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["dir", "fifo", "/dev/null", "/dev/full", "missing_dir/out.h5",
                                    "", "link_to_dir"])
def test_tool_writes_only_regular_files(fluxrope_exe, tmp_path, target):
    work = tmp_path / "work"
    work.mkdir()
    (work / "dir").mkdir()
    os.mkfifo(work / "fifo")
    os.symlink(work / "dir", work / "link_to_dir")
    devices = {p: os.stat(p) for p in ("/dev/null", "/dev/full")}
    fragments = [target] if target else ["output"]
    _refused_by_tool(fluxrope_exe, ["solve", "--passes", "1", "-o", target], fragments, work)
    for p, st in devices.items():  # device nodes untouched
        now = os.stat(p)
        assert stat.S_ISCHR(now.st_mode) and now.st_rdev == st.st_rdev and now.st_ino == st.st_ino


def test_tool_follows_a_symlink_to_its_file(fluxrope_exe, tmp_path):
    (tmp_path / "real.h5").write_bytes(b"old")
    os.symlink(tmp_path / "real.h5", tmp_path / "link.h5")
    r = subprocess.run([fluxrope_exe, "solve", "--passes", "1", "-o", "link.h5"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert os.path.islink(tmp_path / "link.h5") and h5py.is_hdf5(tmp_path / "real.h5")
    assert sorted(os.listdir(tmp_path)) == ["link.h5", "real.h5"]


# ---------------------------------------------------------------------------------------------
# The tool: corrupt input files (HDF5 for fit / fit-center --input, CSV for --csv)
# ---------------------------------------------------------------------------------------------

def _edit(src, dst, action):
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        action(f)


def _replace(name, data):
    def act(f):
        del f[name]
        f[name] = data
    return act


def _delete(name):
    def act(f):
        del f[name]
    return act


def _del_attr(obj, name):
    def act(f):
        del f[obj].attrs[name]
    return act


def _set_attr(obj, name, value):
    def act(f):
        f[obj].attrs[name] = value
    return act


def _reverse_time(f):
    t = f["tracks/MMS1/time_s"][()]
    del f["tracks/MMS1/time_s"]
    f["tracks/MMS1/time_s"] = t[::-1]


def _nan_b(f):
    b = f["tracks/MMS1/B_gse_nT"][()]
    b[2, 1] = np.nan
    del f["tracks/MMS1/B_gse_nT"]
    f["tracks/MMS1/B_gse_nT"] = b


CORRUPT_H5 = [
    ("b_shape", _replace("tracks/MMS1/B_gse_nT", np.zeros((5, 2))), ["B_gse_nT", "shape"]),
    ("b_3d", _replace("tracks/MMS1/B_gse_nT", np.zeros((10, 3, 1))), ["B_gse_nT", "shape"]),
    ("b_missing", _delete("tracks/MMS1/B_gse_nT"), ["B_gse_nT"]),
    ("b_string", _replace("tracks/MMS1/B_gse_nT", "text"), ["B_gse_nT"]),
    ("b_nan", _nan_b, ["B_gse_nT", "not finite"]),
    ("time_short", _replace("tracks/MMS1/time_s", np.arange(3.0)), ["MMS1"]),
    ("time_2d", _replace("tracks/MMS1/time_s", np.zeros((10, 2))), ["time_s", "shape"]),
    ("time_empty", _replace("tracks/MMS1/time_s", np.zeros(0)), ["MMS1"]),
    ("time_reversed", _reverse_time, ["time_s", "increase"]),
    ("track_missing", _delete("tracks/MMS2"), ["MMS2"]),
    ("tracks_missing", _delete("tracks"), ["tracks"]),
    # fit observes the FPI moments (moments_fpi) of the --moments spacecraft
    ("ne_missing", _delete("tracks/MMS1/moments_fpi/n_cm3"), ["moments_fpi/n_cm3"]),
    ("ne_shape", _replace("tracks/MMS1/moments_fpi/n_cm3", np.ones(4)), ["n_cm3", "shape"]),
    ("ne_negative", _replace("tracks/MMS1/moments_fpi/n_cm3", -np.ones(10)),
     ["moments_fpi/n_cm3", "not positive"]),
    ("ne_sigma_nan", _replace("tracks/MMS1/moments_fpi/sigma_n_cm3", np.full(10, np.nan)),
     ["moments_fpi/sigma_n_cm3", "not finite"]),
    ("ne_parity", _replace("tracks/MMS1/parity", np.full(10, 3.0)), ["parity", "0 or 1"]),
    ("config_missing", _del_attr("/", "config_toml"), ["config_toml"]),
    ("config_garbage", _set_attr("/", "config_toml", "[model\n"), ["config_toml", "not valid TOML"]),
    ("config_bad_value", _set_attr("/", "config_toml", "[model]\ntau_z = -1\n"), ["tau_z"]),
]


@pytest.mark.parametrize("command", ["fit", "fit-center"])
@pytest.mark.parametrize("case, action, fragments", CORRUPT_H5, ids=[c for c, _, _ in CORRUPT_H5])
def test_tool_refuses_a_corrupt_synth_file(fluxrope_exe, tmp_path, synth_file, command, case,
                                           action, fragments):
    if command == "fit-center" and case.startswith(("ne_", "b_nan", "time_reversed")):
        pytest.skip("fit-center reads |B| only")
    if command == "fit" and case.startswith("config_"):
        pytest.skip("fit takes its configuration from --config, not from the input file")
    bad = tmp_path / "bad.h5"
    _edit(synth_file, bad, action)
    work = tmp_path / "work"
    work.mkdir()
    _refused_by_tool(fluxrope_exe, [command, "--input", str(bad), "-o", "out.h5"],
                     ["bad.h5", *fragments], work)


def _not_hdf5(tmp_path, synth_file, kind):
    p = tmp_path / "in.h5"
    if kind == "truncated":
        p.write_bytes(synth_file.read_bytes()[:4096])
    elif kind == "empty":
        p.write_bytes(b"")
    elif kind == "text":
        p.write_text("time_s,Bx,By,Bz\n0,1,2,3\n")
    elif kind == "zeros":
        p.write_bytes(bytes(100000))
    elif kind == "dir":
        p.mkdir()
    elif kind == "missing":
        pass
    return p


NOT_HDF5 = ["truncated", "empty", "text", "zeros", "dir", "missing"]


@pytest.mark.parametrize("command", ["fit", "fit-center"])
@pytest.mark.parametrize("kind", NOT_HDF5)
def test_tool_refuses_an_input_that_is_not_hdf5(fluxrope_exe, tmp_path, synth_file, command, kind):
    p = _not_hdf5(tmp_path, synth_file, kind)
    work = tmp_path / "work"
    work.mkdir()
    _refused_by_tool(fluxrope_exe, [command, "--input", str(p), "-o", "out.h5"], ["in.h5"], work)


GOOD_CSV = "time_s,Bx,By,Bz\n0.0,1,2,3\n0.1,1,2,4\n0.2,1,2,5\n"
BAD_CSV = [
    ("cell", "time_s,Bx,By,Bz\n0.0,1.5abc,2,3\n0.1,1,2,3\n", ["line 2", "1.5abc"]),
    ("nan", "0.0,1,2,3\n0.1,nan,2,3\n", ["nan"]),
    ("inf", "0.0,1,2,3\n0.1,inf,2,3\n", ["inf"]),
    ("huge", "0.0,1,2,3\n0.1,1e999,2,3\n", ["1e999"]),
    ("columns", "0.0,1,2\n0.1,1,2\n", ["3 columns"]),
    ("ragged", "0.0,1,2,3\n0.1,1,2,3,4,5,6\n", ["line 2", "columns"]),
    ("empty", "", ["fewer than two"]),
    ("header_only", "time_s,Bx,By,Bz\n", ["fewer than two"]),
    ("one_row", "0.0,1,2,3\n", ["fewer than two"]),
    ("decreasing", "0.2,1,2,3\n0.1,1,2,3\n", ["increase"]),
    ("repeated", "0.1,1,2,3\n0.1,1,2,3\n", ["increase"]),
    ("binary", "\x00\x01\x02\x03\n\xff\xfe\n", ["b.csv"]),
    ("empty_cell", "0.0,1,2,3\n0.1,,2,3\n", ["line 2"]),
]


@pytest.mark.parametrize("case, text, fragments", BAD_CSV, ids=[c for c, _, _ in BAD_CSV])
def test_tool_refuses_a_broken_csv(fluxrope_exe, tmp_path, case, text, fragments):
    (tmp_path / "b.csv").write_bytes(text.encode("latin-1"))
    (tmp_path / "g.csv").write_text(GOOD_CSV)
    work = tmp_path / "work"
    work.mkdir()
    args = ["fit-center", "--csv", f"MMS1={tmp_path / 'b.csv'}"]
    args += [a for n in (2, 3, 4) for a in ("--csv", f"MMS{n}={tmp_path / 'g.csv'}")]
    _refused_by_tool(fluxrope_exe, [*args, "-o", "out.h5"], ["b.csv", *fragments], work)


@pytest.mark.parametrize("csv_args, fragments", [
    (["FOO={g}"], ["FOO"]),
    (["MMS1={g}", "MMS1={g}"], ["MMS1"]),
    (["MMS1"], ["MMS1", "NAME=FILE"]),
    (["MMS1={missing}"], ["missing.csv"]),
    (["MMS1={dir}"], ["regular"]),
])
def test_tool_refuses_bad_csv_options(fluxrope_exe, tmp_path, csv_args, fragments):
    (tmp_path / "g.csv").write_text(GOOD_CSV)
    work = tmp_path / "work"
    work.mkdir()
    args = [a for n in (2, 3, 4) for a in ("--csv", f"MMS{n}={tmp_path / 'g.csv'}")]
    for a in csv_args:
        args += ["--csv", a.format(g=tmp_path / "g.csv", missing=tmp_path / "missing.csv",
                                   dir=tmp_path)]
    _refused_by_tool(fluxrope_exe, ["fit-center", *args, "-o", "out.h5"], fragments, work)


# ---------------------------------------------------------------------------------------------
# Python: configuration
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, kwargs, fragments", [
    ("{dir}", {}, ["is a directory"]),
    ("/dev/null", {}, ["/dev/null", "not a regular file"]),
    ("/dev/zero", {}, ["/dev/zero", "not a regular file"]),
    ("[model", {}, ["not valid TOML"]),
    ("[model]\nform = 'caf\u00e9'\n", {}, ["U+00E9"]),
    (3, {}, ["a configuration is a path, a TOML string or a dict"]),
    ([1, 2], {}, ["a configuration is a path"]),
    ({"model": {"tau_z": object()}}, {}, ["model.tau_z"]),
    ({"model": {"tau_z": float("nan")}}, {}, ["model.tau_z", "nan"]),
    ({3: {}}, {}, ["keys must be strings"]),
    (None, {"set": ["model.tau_z"]}, ["model.tau_z", "table.key=value"]),
    (None, {"set": [3]}, ["3", "table.key=value"]),
    (None, {"set": 3}, ["set", "dict"]),
    (None, {"set": "model.tau_z=0.5"}, ["set", "dict"]),
    (None, {"set": {"tau_z": 0.5}}, ["tau_z", "table key"]),
    (None, {"set": {"model.tau_z": "hot"}}, ["model.tau_z", "must be a number"]),
    (None, {"set": {"model.tau_z": [1, 2]}}, ["model.tau_z"]),
    (None, {"set": {"solver.n_rho": 10**9}}, ["solver.n_rho"]),
    (None, {"set": {"geometry.t_start_s": float("inf")}}, ["geometry.t_start_s"]),
    (None, {"set": ["geometry.duration_s=1e7"]}, ["geometry.duration_s"]),
    (None, {"preset": 3}, ["preset"]),
])
def test_python_load_config_refuses(tmp_path, source, kwargs, fragments):
    if isinstance(source, str):
        source = source.format(dir=tmp_path)
    _raises(lambda: fluxrope.load_config(source, **kwargs), fragments)


def test_python_load_config_takes_set_strings():
    a = fluxrope.load_config(set=["model.tau_z=0.5"])
    b = fluxrope.load_config(set={"model.tau_z": 0.5})
    assert a.toml == b.toml


# ---------------------------------------------------------------------------------------------
# Python: reading files
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", NOT_HDF5)
def test_python_read_refuses_what_is_not_hdf5(tmp_path, synth_file, kind):
    p = _not_hdf5(tmp_path, synth_file, kind)
    _raises(lambda: fluxrope.read(str(p)), ["read", "in.h5"])


@pytest.mark.parametrize("case, action, fragments", [
    ("config_missing", _del_attr("/", "config_toml"), ["config_toml"]),
    ("config_garbage", _set_attr("/", "config_toml", "[model\n"), ["not valid TOML"]),
    ("profile_missing", _delete("profile"), ["/profile"]),
    ("solver_missing", _delete("solver"), ["/solver"]),
    ("history_missing", _delete("solver/max_dB_nT"), ["/solver/max_dB_nT"]),
    ("validity_missing", _delete("validity"), ["/validity"]),
    ("backend_missing", _del_attr("solver", "backend"), ["backend"]),
    ("geometry_missing", _delete("geometry"), ["geometry/gse_to_rope"]),
    ("u_missing", _del_attr("tracks/MMS1", "U_rope_km_s"), ["U_rope_km_s", "/tracks/MMS1"]),
], ids=lambda v: v if isinstance(v, str) else None)
def test_python_read_refuses_a_damaged_file(tmp_path, synth_file, case, action, fragments):
    bad = tmp_path / "bad.h5"
    _edit(synth_file, bad, action)
    _raises(lambda: fluxrope.read(str(bad)), fragments)


# ---------------------------------------------------------------------------------------------
# Python: sweeps
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("varied, kwargs, fragments", [
    ({"model.tau_z": {"start": 0.3, "stop": 0.4, "num": -1}}, {}, ["num", "-1"]),
    ({"model.tau_z": {"start": 0.3, "stop": 0.4, "num": 10**9}}, {}, ["num", "1000000000"]),
    ({"model.tau_z": {"start": 0.3, "stop": 0.4, "num": 2.5}}, {}, ["num"]),
    ({"model.tau_z": {"start": float("nan"), "stop": 0.4, "num": 3}}, {}, ["start", "finite"]),
    ({"model.tau_z": {"start": 0.3, "stop": "x", "num": 3}}, {}, ["stop", "finite"]),
    ({"model.tau_z": {"start": 0.3, "num": 3}}, {}, ["stop"]),
    ({"model.tau_z": {"start": 0.3, "stop": 0.4, "num": 3, "step": 1}}, {}, ["step"]),
    ({"model.tau_z": []}, {}, ["non-empty"]),
    ({"model.tau_z": 0.5}, {}, ["non-empty list"]),
    ({"nope.key": [1]}, {}, ["nope"]),
    ({"model.nope": [1]}, {}, ["unknown key model.nope"]),
    ({"model.tau_z": [-1.0]}, {}, ["tau_z"]),
    ({"tau_z": [1]}, {}, ["tau_z", "table key"]),
    ({"model.tau_z": [0.4] * 400, "model.tau": [1.0] * 400}, {}, ["160000 members"]),
    ({"model.tau_z": [0.4]}, {"mode": "spiral"}, ["mode"]),
    ({"model.tau_z": [0.4, 0.5], "model.tau": [1.0]}, {"mode": "zip"}, ["zip"]),
    (None, {"rows": []}, ["rows"]),
    (None, {"rows": [3]}, ["rows"]),
    (None, {}, ["nothing varies"]),
    ([1, 2], {}, ["varied", "dict"]),
    ({"model.tau_z": [0.5]}, {"base": "[model\n"}, ["not valid TOML"]),
])
def test_python_sweep_refuses(varied, kwargs, fragments):
    _raises(lambda: fluxrope.Sweep(varied, **kwargs), fragments)


def test_python_sweep_checks_every_member_before_running(tmp_path):
    # the second value is bad: nothing may run or be written
    sweep = fluxrope.Sweep({"model.tau_z": [0.5, -1.0]})
    out = tmp_path / "out"
    _raises(lambda: fluxrope.run_sweep(sweep, str(out), progress=False), ["tau_z", "-1"],
            tmp_path)
    (tmp_path / "file").write_text("x")
    _raises(lambda: fluxrope.run_sweep(fluxrope.Sweep({"model.tau_z": [0.5]}),
                                       str(tmp_path / "file"), progress=False),
            ["not a folder"], tmp_path)
    _raises(lambda: fluxrope.run_sweep("sweep", str(out), progress=False), ["Sweep"], tmp_path)


@pytest.mark.parametrize("text, fragments", [
    ("[model]\ntau_z = 0.5\n", ["no [sweep] table"]),
    ("[sweep]\nmode = 'product'\nnope = 1\n", ["sweep.nope"]),
    ("[sweep\n", ["not valid TOML"]),
    ("[sweep.vary]\n'model.tau_z' = {start = 0.3, stop = 0.4, num = 1000000000}\n", ["num"]),
])
def test_python_load_sweep_refuses(tmp_path, text, fragments):
    p = tmp_path / "s.toml"
    p.write_text(text)
    _raises(lambda: fluxrope.load_sweep(str(p)), fragments)
    _raises(lambda: fluxrope.load_sweep(str(tmp_path)), ["not a regular file"])
    _raises(lambda: fluxrope.load_sweep(str(tmp_path / "nope.toml")), ["nope.toml"])


# ---------------------------------------------------------------------------------------------
# Python: the CDF export checks everything before the first file
# ---------------------------------------------------------------------------------------------

def _track_with(tracks, name, key, value):
    ds = tracks[name].copy()
    if value is None:
        return ds.drop_vars(key)
    same = np.shape(value) == ds[key].shape
    dims = ds[key].dims if same else ("time",) + tuple(f"d{i}" for i in range(1, np.ndim(value)))
    return ds.drop_vars(key).assign({key: (dims, value)})


def _bad_exports(tracks):
    t1 = tracks["MMS1"]
    n = t1.sizes["time"]
    dist = t1["dist_s3_cm6"].values.copy()
    dist[0, 0, 0, 0] = np.nan
    cases = [
        ("two_as_mms1", {"MMS1": t1, "X1": t1}, {}, ["X1", "MMS1..MMS4"]),
        ("two_as_mms1_by_probes", {"MMS1": t1, "X1": t1}, {"probes": {"MMS1": 1, "X1": 1}},
         ["X1", "mms1"]),
        ("same_probe_by_case", {"MMS1": t1, "mms1": t1}, {}, ["mms1"]),
        ("unknown_name", {"FOO": t1}, {}, ["FOO", "probes"]),
        ("mms5", {"MMS5": t1}, {}, ["MMS5"]),
        ("probe_out_of_range", {"X": t1}, {"probes": {"X": 7}}, ["probes", "7"]),
        ("probe_missing", {"X": t1}, {"probes": {"Y": 1}}, ["X"]),
        ("probes_not_dict", {"MMS1": t1}, {"probes": [1]}, ["probes"]),
        ("fgm_nan", {"MMS1": t1}, {"fgm_rate_hz": float("nan")}, ["fgm_rate_hz", "nan"]),
        ("fgm_negative", {"MMS1": t1}, {"fgm_rate_hz": -128}, ["fgm_rate_hz"]),
        ("fgm_huge", {"MMS1": t1}, {"fgm_rate_hz": 1e9}, ["fgm_rate_hz"]),
        ("fgm_string", {"MMS1": t1}, {"fgm_rate_hz": "128"}, ["fgm_rate_hz"]),
        # a spacecraft its configuration does not name: the field at 128 Hz needs equilibrium=
        ("fgm_no_eq", {"X1": t1}, {"fgm_rate_hz": 128, "probes": {"X1": 1}},
         ["X1", "equilibrium"]),
        ("no_config", {"MMS1": t1.assign_attrs(config_toml="")}, {}, ["MMS1", "config_toml"]),
        ("bad_config", {"MMS1": t1.assign_attrs(config_toml="[model]\ntau_z = -1\n")}, {},
         ["MMS1", "config_toml", "tau_z"]),
        ("b_string", {"MMS1": _track_with(tracks, "MMS1", "B_gse_nT", np.full((n, 3), "x"))},
         {}, ["B_gse_nT", "not numbers"]),
        ("b_shape", {"MMS1": _track_with(tracks, "MMS1", "B_gse_nT", np.zeros((n, 2)))}, {},
         ["B_gse_nT", "shape"]),
        ("b_missing", {"MMS1": _track_with(tracks, "MMS1", "B_gse_nT", None)}, {}, ["B_gse_nT"]),
        ("dist_nan", {"MMS1": _track_with(tracks, "MMS1", "dist_s3_cm6", dist)}, {},
         ["dist_s3_cm6", "not finite"]),
        ("dist_shape", {"MMS1": _track_with(tracks, "MMS1", "dist_s3_cm6",
                                            np.zeros((n, 32, 16, 31)))}, {}, ["dist_s3_cm6"]),
        ("parity", {"MMS1": _track_with(tracks, "MMS1", "parity", np.full(n, 3))}, {},
         ["parity"]),
        ("moments_missing", {"MMS1": _track_with(tracks, "MMS1", "moments_fpi_n_cm3", None)}, {},
         ["moments_fpi_n_cm3"]),
        ("time_decreasing", {"MMS1": t1.assign_coords(time=t1["time"].values[::-1])}, {},
         ["time", "increase"]),
        ("not_a_dataset", {"MMS1": {"time": [0.0]}}, {}, ["Dataset"]),
        ("empty", {}, {}, ["non-empty"]),
        ("start_text", {"MMS1": t1}, {"start": "yesterday"}, ["yesterday", "ISO 8601"]),
        ("start_1900", {"MMS1": t1}, {"start": "1900-01-01T00:00:00"}, ["1900"]),
        ("start_9999", {"MMS1": t1}, {"start": "9999-12-31T23:59:59"}, ["9999"]),
        # the second spacecraft is bad: the first one's files must not land either
        ("second_bad", {"MMS1": t1, "MMS2": _track_with(tracks, "MMS2", "B_gse_nT", None)}, {},
         ["MMS2", "B_gse_nT"]),
    ]
    return cases


BAD_EXPORT_IDS = ["two_as_mms1", "two_as_mms1_by_probes", "same_probe_by_case", "unknown_name", "mms5",
                  "probe_out_of_range", "probe_missing", "probes_not_dict", "fgm_nan",
                  "fgm_negative", "fgm_huge", "fgm_string", "fgm_no_eq", "no_config", "bad_config", "b_string", "b_shape",
                  "b_missing", "dist_nan", "dist_shape", "parity", "moments_missing",
                  "time_decreasing", "not_a_dataset", "empty", "start_text", "start_1900",
                  "start_9999", "second_bad"]


@pytest.mark.parametrize("case", BAD_EXPORT_IDS)
def test_python_export_refuses_before_writing(tmp_path, small, case):
    _, tracks = small
    cases = {c: (tr, kw, fr) for c, tr, kw, fr in _bad_exports(tracks)}
    tr, kw, fragments = cases[case]
    root = tmp_path / "mms_data"
    _raises(lambda: fluxrope.export_cdf(tr, str(root), **kw), fragments, tmp_path)
    assert not root.exists()


def test_python_export_refuses_unusable_roots(tmp_path, small):
    _, tracks = small
    (tmp_path / "file").write_text("x")
    _raises(lambda: fluxrope.export_cdf(tracks, str(tmp_path / "file")), ["not a folder"],
            tmp_path)
    _raises(lambda: fluxrope.export_cdf(tracks, str(tmp_path / "file" / "sub")), ["file"],
            tmp_path)
    # a target that is a folder: refused before any file is written
    target = tmp_path / "r" / "mms1" / "fgm" / "brst" / "l2" / "2015" / "10" / "19" / \
        "mms1_fgm_brst_l2_20151019140756_v5.87.0.cdf"
    target.mkdir(parents=True)
    _raises(lambda: fluxrope.export_cdf(tracks, str(tmp_path / "r")), ["not a regular file"],
            tmp_path)


def test_python_export_lands_whole_and_names_others_by_probe(tmp_path, small):
    _, tracks = small
    paths = fluxrope.export_cdf({"X1": tracks["MMS1"]}, str(tmp_path), probes={"X1": 3})
    assert len(paths) == 3 and all("mms3" in os.path.basename(p) for p in paths)
    leftovers = [f for f in _listing(tmp_path) if f.endswith(".tmp")]
    assert not leftovers


# ---------------------------------------------------------------------------------------------
# Python: fits, skymaps, f
# ---------------------------------------------------------------------------------------------

def test_python_fit_and_fit_center_refuse_bad_observations(small):
    _, tracks = small
    t1 = tracks["MMS1"]
    _raises(lambda: fluxrope.fit_center({"MMS1": t1.drop_vars("B_gse_nT")}), ["B_gse_nT", "MMS1"])
    _raises(lambda: fluxrope.fit_center({"MMS1": 3}), ["MMS1", "pair"])
    _raises(lambda: fluxrope.fit_center({"MMS1": ([0, 1, 2], [1, 2])}), ["MMS1"])
    _raises(lambda: fluxrope.fit({"MMS1": {"B_gse_nT": np.zeros((3, 3))}}), ["t_s"])
    _raises(lambda: fluxrope.fit({"MMS1": {"t_s": [0, 1], "B_gse_nT": np.zeros((3, 3))}}),
            ["B_gse_nT", "(3, 3)"])
    _raises(lambda: fluxrope.fit({"MMS1": {"t_s": 0.0, "B_gse_nT": np.zeros((1, 3))}}), ["t_s"])
    _raises(lambda: fluxrope.fit({"MMS1": {"t_s": [1.0, 0.0], "B_gse_nT": np.ones((2, 3))}},
                                 moments=()), ["time_s", "increase"])
    _raises(lambda: fluxrope.fit({"MMS1": {"t_s": [0.0, 1.0],
                                           "B_gse_nT": np.full((2, 3), np.nan)}}, moments=()),
            ["B_gse_nT", "not finite"])
    _raises(lambda: fluxrope.fit({"MMS1": t1.drop_vars("moments_fpi_n_cm3")}), ["moments_fpi_n_cm3"])
    _raises(lambda: fluxrope.fit({"MMS1": t1.drop_vars("ne_cm3")}, observed="model"), ["ne_cm3"])
    _raises(lambda: fluxrope.fit({"MMS1": t1}, observed="truth"), ["observed"])
    _raises(lambda: fluxrope.fit({"MMS1": {"time_s": [0.0, 1.0], "B_gse_nT": np.ones((2, 3)),
                                           "ne_cm3": [1.0, 1.0], "sigma_ne_cm3": [1.0, -1.0]}}),
            ["sigma_ne_cm3[1]", "MMS1"])
    _raises(lambda: fluxrope.fit({"MMS1": t1}, pad_energies_eV=[-5]), ["pad_energies_eV"])
    _raises(lambda: fluxrope.fit({"MMS1": "data"}), ["MMS1", "Dataset"])


def test_python_skymap_and_f_refuse_bad_input(small):
    eq, tracks = small
    _raises(lambda: fluxrope.to_pyrfu_skymap(tracks["MMS1"].drop_vars("parity")), ["parity"])
    _raises(lambda: fluxrope.to_pyrfu_skymap(tracks["MMS1"], var="B_gse_nT"), ["B_gse_nT"])
    _raises(lambda: fluxrope.to_pyrfu_skymap("MMS1"), ["Dataset"])
    _raises(lambda: fluxrope.to_pyrfu_skymap(tracks["MMS1"], start="yesterday"), ["yesterday"])
    _raises(lambda: eq.f(np.zeros((4, 3)), np.zeros((4, 2))), ["same shape"])
    _raises(lambda: eq.f(np.zeros((4, 3)), np.zeros((4, 3)), frame_velocity_km_s=(1, 2)),
            ["frame_velocity_km_s"])
    _raises(lambda: eq.f("r", "v"), ["f"])
    _raises(lambda: eq.field("NOPE", [0.0]), ["NOPE"])


def test_python_observations_from_l2_refuses_missing_and_broken_files(tmp_path):
    _raises(lambda: fluxrope.observations_from_l2(str(tmp_path / "nope"), "2015-10-19T14:07:56"),
            ["not a folder"])
    _raises(lambda: fluxrope.observations_from_l2(str(tmp_path), "2015-10-19T14:07:56"),
            ["no MMS1 FGM burst file"])
    d = tmp_path / "mms1" / "fgm" / "brst" / "l2" / "2015" / "10" / "19"
    d.mkdir(parents=True)
    (d / "mms1_fgm_brst_l2_20151019140756_v5.87.0.cdf").write_bytes(b"not a CDF at all")
    _raises(lambda: fluxrope.observations_from_l2(str(tmp_path), "2015-10-19T14:07:56",
                                                  probes=(1,)), ["cannot read", "as CDF"])
    _raises(lambda: fluxrope.observations_from_l2(str(tmp_path), "noon"), ["noon"])


# ---------------------------------------------------------------------------------------------
# python -m fluxrope
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, fragments", [
    (["export-cdf", "{missing}", "--root", "{root}"], ["missing.h5"]),
    (["export-cdf", "{text}", "--root", "{root}"], ["not an HDF5 file"]),
    (["export-cdf", "{synth}", "--root", "{root}", "--start", "yesterday"], ["yesterday"]),
    (["export-cdf", "{synth}", "--root", "{root}", "--probe", "MMS1"], ["--probe"]),
    (["sweep", "{missing}"], ["missing.h5"]),
    (["sweep", "{text}"], ["not valid TOML"]),
])
def test_python_module_exits_1_with_one_line(tmp_path, synth_file, args, fragments):
    import sys
    (tmp_path / "t.txt").write_text("time_s,Bx\n[[[\n")
    fmt = {"missing": tmp_path / "missing.h5", "text": tmp_path / "t.txt", "synth": synth_file,
           "root": tmp_path / "root"}
    before = _listing(tmp_path)
    r = subprocess.run([sys.executable, "-m", "fluxrope", *[a.format(**fmt) for a in args]],
                       capture_output=True, text=True, cwd=tmp_path, timeout=300)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 1 and len(lines) == 1 and lines[0].startswith("fluxrope: error: "), \
        r.stderr[-2000:]
    for f in fragments:
        assert f in lines[0], (f, lines[0])
    assert _listing(tmp_path) == before
