"""The package's error boundary: every public function raises FluxropeError (a ValueError) and
nothing else for bad input (docs/robustness.md). What a library underneath raises for input it
cannot use -- h5py's OSError or KeyError, NumPy's ValueError or TypeError, cdflib's errors -- is
turned into a FluxropeError naming the function and the cause (the original is chained as
__cause__). KeyboardInterrupt and other BaseExceptions pass through."""
import functools

from ._core import FluxropeError

_BAD_INPUT = (OSError, KeyError, IndexError, TypeError, ValueError, AttributeError,
              UnicodeError, OverflowError)


def describe(e):
    """One line for an exception from below the boundary."""
    if isinstance(e, KeyError):
        return f"missing {e.args[0]!r}" if e.args else "a missing key"
    if isinstance(e, OSError) and getattr(e, "filename", None):
        return f"'{e.filename}': {e.strerror or e}"
    text = " ".join(str(e).split()) or type(e).__name__
    return text


def boundary(fn):
    """Decorates a public function: bad input below it surfaces as one FluxropeError."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except FluxropeError:
            raise
        except _BAD_INPUT as e:
            raise FluxropeError(f"{fn.__name__}: {describe(e)}") from e
    return wrapper
