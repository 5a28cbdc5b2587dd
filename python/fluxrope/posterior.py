"""Posteriors of the fit's parameters by ensemble MCMC (issue 16 item 6, docs/fit.md).

The likelihood is the fit's own objective (the same forward model: equilibrium -> tracks ->
response -> counts expectation -> ground-system reductions, in the C++ library): ln L = -chi^2 / 2
with the observations' sigmas as given (no chi^2/dof rescaling), a flat prior inside [fit]
bounds. The sampler is emcee (Foreman-Mackey et al. 2013, the affine-invariant ensemble sampler:
a well-kept package and the field's usual choice), started in a small ball around the
least-squares fit. Walkers are evaluated in this process (each evaluation uses every core), or
one task per walker on a Dask client (docs/sweep.md's clusters).
"""
import uuid

import numpy as np
import xarray as xr

from . import _core
from ._core import FluxropeError
from ._errors import boundary
from .api import _config, _observations, fit, load_config

_OBJECTIVES = {}  # per process: the _LogProb's token -> its _core.FitObjective (the latest)


class _LogProb:
    """ln posterior of a parameter vector; picklable (rebuilt once per worker process)."""

    def __init__(self, config_toml, observations, moments, observed, backend):
        self.config_toml = config_toml
        self.observations = observations  # plain dicts of lists: picklable
        self.moments = tuple(moments)
        self.observed = observed
        self.backend = backend
        # names this objective in every process it is unpickled in (id() would differ per copy,
        # and a rebuilt objective loses its equilibrium cache)
        self.token = uuid.uuid4().hex

    def objective(self):
        key = self.token
        f = _OBJECTIVES.get(key)
        if f is None:
            cfg = load_config(self.config_toml)
            obs = _observations(self.observations, self.moments, None, self.observed)
            f = _core.FitObjective(cfg, obs, self.backend)
            _OBJECTIVES.clear()
            _OBJECTIVES[key] = f
        return f

    def __call__(self, p):
        f = self.objective()
        p = np.asarray(p, dtype=float)
        if np.any(p < np.asarray(f.lower)) or np.any(p > np.asarray(f.upper)):
            return -np.inf
        c = f.chi2(list(p))
        return -0.5 * c if np.isfinite(c) else -np.inf


class _DaskPool:
    """emcee's pool interface over a Dask client: one task per walker."""

    def __init__(self, client):
        self.client = client

    def map(self, func, iterable):
        futures = self.client.map(func, list(iterable), pure=False)
        return self.client.gather(futures)


def _plain(observations, moments, observed):
    """Datasets -> dicts of plain arrays (what a worker can rebuild the objective from)."""
    out = {}
    for c in _observations(observations, moments, None, observed):
        o = {"t_s": list(c.t_s), "B_gse_nT": np.reshape(c.B_gse_nT, (-1, 3)).tolist(),
             "B_average_s": c.B_average_s, "fpi_moments": c.fpi_moments}
        for key in ("t_fpi_s", "ne_cm3", "T_par_eV", "T_perp_eV", "sigma_ne_cm3",
                    "sigma_T_par_eV", "sigma_T_perp_eV"):
            if len(getattr(c, key)):
                o[key] = list(getattr(c, key))
        for key in ("V_gse_km_s", "sigma_V_gse_km_s"):
            if len(getattr(c, key)):
                o[key] = np.reshape(getattr(c, key), (-1, 3)).tolist()
        if len(c.parity):
            o["parity"] = list(c.parity)
        if len(c.pad_s3_cm6):
            o["pad_energy_eV"] = list(c.pad_energy_eV)
            o["pad_s3_cm6"] = np.reshape(c.pad_s3_cm6, (-1, len(c.pad_energy_eV),
                                                        c.pad_pitch_bins)).tolist()
        if len(c.ipad_s3_cm6):
            o["ipad_channel"] = list(c.ipad_channel)
            shape = (-1, len(c.ipad_channel), c.ipad_pitch_bins)
            for key in ("ipad_s3_cm6", "sigma_ipad_s3_cm6", "ipad_counts"):
                if len(getattr(c, key)):
                    o[key] = np.reshape(getattr(c, key), shape).tolist()
        out[c.name] = o
    return out


@boundary
def sample_posterior(observations, config=None, *, moments=("MMS1",), observed="fpi",
                     walkers=None, steps=300, burn=None, start=None, client=None, seed=0,
                     backend="cpu", progress=False):
    """Sample the posterior of the [fit] free parameters with emcee.

    observations, config, moments, observed, backend: as fluxrope.fit.
    walkers: ensemble size (default max(16, 4 x parameters), even); steps: per walker.
    burn: steps dropped from the summary (default: 5 autocorrelation times, at most steps / 2).
    start: a fluxrope.fit result to start from (default: the least-squares fit is run first).
    client: a dask.distributed Client: each walker's evaluation is one task there.
    Returns an xarray.Dataset: chain (walker, step, parameter), log_prob (walker, step),
    acceptance_fraction (walker), autocorr_time (parameter), the least-squares value and sigma
    (lsq_value, lsq_sigma), and the posterior mean and std after burn-in; attrs: burn, the
    mean acceptance, seconds, evaluations, and the configuration.
    """
    try:
        import emcee
    except ImportError as e:
        raise FluxropeError("sample_posterior needs emcee: pip install 'fluxrope[posterior]' "
                            "(or pip install emcee)") from e
    import time
    if observed not in ("fpi", "model"):
        raise FluxropeError(f"sample_posterior: observed must be 'fpi' or 'model', got {observed!r}")
    for name, v, lo in (("steps", steps, 2), ("seed", seed, 0)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo or v > 10**7:
            raise FluxropeError(f"sample_posterior: {name} = {v!r} must be an integer in "
                                f"[{lo}, 1e7]")
    cfg = _config(config)
    plain = _plain(observations, moments, observed)
    if start is None:
        start = fit(plain, cfg, moments=moments, backend=backend)
    names = list(start["names"])
    ndim = len(names)
    if walkers is None:
        walkers = max(16, 4 * ndim)
    if isinstance(walkers, bool) or not isinstance(walkers, (int, np.integer)) or \
            walkers < 2 * ndim or walkers % 2 or walkers > 100000:
        raise FluxropeError(f"sample_posterior: walkers = {walkers!r} must be an even integer >= "
                            f"2 x {ndim} parameters")
    if burn is not None and (isinstance(burn, bool) or not isinstance(burn, (int, np.integer))
                             or not 0 <= burn < steps):
        raise FluxropeError(f"sample_posterior: burn = {burn!r} must be an integer in [0, steps)")
    value = np.asarray(start["value"], dtype=float)
    sigma = np.asarray(start["sigma"], dtype=float)
    if not np.all(np.isfinite(sigma)) or np.any(sigma <= 0):
        raise FluxropeError("sample_posterior: the least-squares fit leaves a parameter "
                            f"unconstrained (sigma {sigma.tolist()}); fix it or add data")
    logp = _LogProb(cfg.toml, plain, moments, observed, backend)
    rng = np.random.default_rng(seed)
    p0 = value + 0.1 * sigma * rng.standard_normal((walkers, ndim))
    pool = _DaskPool(client) if client is not None else None
    sampler = emcee.EnsembleSampler(walkers, ndim, logp, pool=pool)
    sampler.random_state = np.random.RandomState(seed).get_state()
    t0 = time.perf_counter()
    sampler.run_mcmc(p0, steps, progress=progress)
    seconds = time.perf_counter() - t0
    chain = sampler.get_chain()  # (step, walker, parameter)
    lp = sampler.get_log_prob()
    tau = np.asarray(sampler.get_autocorr_time(tol=0), dtype=float)
    if burn is None:
        burn = int(min(steps // 2, np.ceil(5 * np.nanmax(tau)))) if np.all(np.isfinite(tau)) \
            else steps // 2
    kept = chain[burn:].reshape(-1, ndim)
    ds = xr.Dataset(
        {"chain": (("walker", "step", "parameter"), np.transpose(chain, (1, 0, 2))),
         "log_prob": (("walker", "step"), lp.T),
         "acceptance_fraction": (("walker",), sampler.acceptance_fraction),
         "autocorr_time": (("parameter",), tau, {"units": "steps"}),
         "lsq_value": (("parameter",), value), "lsq_sigma": (("parameter",), sigma),
         "posterior_mean": (("parameter",), kept.mean(axis=0)),
         "posterior_std": (("parameter",), kept.std(axis=0, ddof=1))},
        coords={"parameter": names, "step": np.arange(steps), "walker": np.arange(walkers)},
        attrs={"burn": int(burn), "acceptance": float(np.mean(sampler.acceptance_fraction)),
               "seconds": seconds, "evaluations": int(walkers * steps),
               "effective_samples": float(kept.shape[0] / max(np.nanmax(tau), 1.0)),
               "sampler": f"emcee {emcee.__version__}", "config_toml": cfg.toml,
               "likelihood": "ln L = -chi^2 / 2 (the fit's objective, sigmas as given); flat "
                             "prior inside [fit] bounds"})
    return ds
