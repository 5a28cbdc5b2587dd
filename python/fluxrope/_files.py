"""Files written whole or not at all (docs/robustness.md): an HDF5 file is written to a temporary
file beside its target and renamed into place only when complete; on an error the temporary file
is removed and the target is untouched."""
import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_h5(target, prefix, suffix=".h5.tmp"):
    """An h5py.File open for writing whose contents become `target` when the block ends without
    an error. The file gets the mode a new file gets (mkstemp's is 0600)."""
    import h5py
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=os.path.dirname(target) or ".")
    os.close(fd)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with h5py.File(tmp, "w") as f:
            yield f
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
