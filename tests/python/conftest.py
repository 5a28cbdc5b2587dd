"""Shared fixtures of the Python tests: the default event solved and synthesized once."""
import os
import shutil

import pytest

import fluxrope

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def equilibrium():
    return fluxrope.solve(backend="cpu")


@pytest.fixture(scope="session")
def tracks(equilibrium):
    return fluxrope.synth(equilibrium, backend="cpu")


@pytest.fixture(scope="session")
def ions(equilibrium):
    """The same event's ions as DIS records them (150 ms burst skymaps)."""
    return fluxrope.synth(equilibrium, backend="cpu", instrument="dis")


@pytest.fixture(scope="session")
def fluxrope_exe():
    """The C++ tool built by scripts/build.sh (CI builds it before the Python tests)."""
    exe = os.environ.get("FLUXROPE_EXE") or os.path.join(ROOT, "build", "fluxrope")
    if not os.path.exists(exe):
        exe = shutil.which("fluxrope")
    if not exe:
        pytest.fail("the fluxrope tool is not built (bash scripts/build.sh, or set FLUXROPE_EXE)")
    return exe


@pytest.fixture(scope="session")
def mms_root(tmp_path_factory, tracks, ions):
    """The default event exported as MMS L2 files (DES, DIS, FGM, EDP, MEC) into a fresh data
    folder."""
    root = tmp_path_factory.mktemp("mms_data")
    fluxrope.export_cdf(tracks, str(root), ions=ions)
    return str(root)
