"""Configuration dicts and override values as TOML text, for the engine's one config reader
(the same validation and messages as the fluxrope tool). Not a general TOML writer: it writes
what fluxrope's tables hold (numbers, booleans, strings, arrays, arrays of tables)."""
import json
import math
import re

import numpy as np

from ._core import FluxropeError

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k):
    if not isinstance(k, str):
        raise FluxropeError(f"configuration keys must be strings, got {k!r}")
    return k if _BARE.match(k) else json.dumps(k)


def value(v, where="value"):
    """One TOML value."""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {value(x, f'{where}.{k}')}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple, np.ndarray)):
        return "[" + ", ".join(value(x, where) for x in v) + "]"
    raise FluxropeError(f"{where}: a {type(v).__name__} cannot be a configuration value")


def dumps(tables):
    """{'model': {...}, 'geometry': {...}} as a TOML document."""
    if not isinstance(tables, dict):
        raise FluxropeError(f"a configuration dict maps table names to dicts, got {type(tables).__name__}")
    out = []
    for t, body in tables.items():
        if not isinstance(body, dict):
            raise FluxropeError(
                f"configuration dict: '{t}' must be a table (a dict such as {{'tau_z': 0.5}}), "
                f"got {type(body).__name__}")
        out.append(f"[{_key(t)}]")
        out += [f"{_key(k)} = {value(v, f'{t}.{k}')}" for k, v in body.items()]
        out.append("")
    return "\n".join(out)


def overrides(sets):
    """{'model.tau_z': 0.5}, {'model': {'tau_z': 0.5}} or ['model.tau_z=0.5', ...] (the tool's
    --set strings) as the engine's 'table.key=value' list."""
    if sets is None:
        return []
    if isinstance(sets, (list, tuple)):
        for s in sets:
            if not isinstance(s, str) or "=" not in s or "." not in s.split("=", 1)[0]:
                raise FluxropeError(f"set: {s!r} is not a 'table.key=value' string "
                                    "(or give a dict such as {'model.tau_z': 0.5})")
        return list(sets)
    if not isinstance(sets, dict):
        raise FluxropeError(f"set: overrides are a dict such as {{'model.tau_z': 0.5}} or a list "
                            f"of 'table.key=value' strings, got {type(sets).__name__}")
    out = []
    for k, v in sets.items():
        if not isinstance(k, str) or not k:
            raise FluxropeError(f"set: keys must be 'table.key' strings, got {k!r}")
        if isinstance(v, dict):
            out += [f"{k}.{kk}={value(vv, f'{k}.{kk}')}" for kk, vv in v.items()]
        elif "." not in k:
            raise FluxropeError(f"set: '{k}' must name a table key, e.g. model.tau_z "
                                "(or map the table to a dict of keys)")
        else:
            out.append(f"{k}={value(v, k)}")
    return out
