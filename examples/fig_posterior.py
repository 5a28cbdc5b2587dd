#!/usr/bin/env python3
"""Figure: the posterior of fitted parameters (a corner plot) from fluxrope.sample_posterior.

Synthesizes a crossing with parameters away from the defaults (the FPI moments of its Poisson
counts; 0.1 nT Gaussian noise on the field, the fit's sigma_B_nT), fits it by least squares
from the defaults, then samples the posterior with emcee around that fit. Diagonal: the
marginal histograms with the least-squares value +- 1 sigma (lines); below: the walkers'
samples after burn-in with the least-squares 1- and 2-sigma ellipses. Cost on a 2-core VM:
~0.14 s an evaluation with a model parameter free (docs/fit.md "Posteriors").

Usage: python3 examples/fig_posterior.py [--free B0_nT,b_z,center_L_km] [--walkers 12]
       [--steps 150] [--dask N] [--save chains.nc] [-o PNG]
"""
import argparse
import time

import numpy as np

import fluxrope
from fluxrope_plot import plt, save

TRUTH = ["model.alpha_r=0.70", "model.alpha_z=0.38", "model.B0_nT=23.0", "model.gamma=2.1",
         "model.b_z=0.50", "geometry.center_ln_km=[2.6, -0.7]"]
TRUE = {"alpha_r": 0.70, "alpha_z": 0.38, "B0_nT": 23.0, "gamma": 2.1, "b_z": 0.50,
        "center_L_km": 2.6, "center_N_km": -0.7}


def corner(post, truth):
    names = list(post.parameter.values)
    n = len(names)
    burn = post.attrs["burn"]
    x = post.chain.values[:, burn:, :].reshape(-1, n)
    v, s = post.lsq_value.values, post.lsq_sigma.values
    fig, ax = plt.subplots(n, n, figsize=(2.4 * n + 0.6, 2.4 * n + 0.6), squeeze=False)
    for i in range(n):
        for j in range(n):
            a = ax[i, j]
            if j > i:
                a.axis("off")
                continue
            if i == j:
                a.hist(x[:, i], bins=30, color="0.6", density=True)
                for k, ls in ((0, "-"), (-1, "--"), (1, "--")):
                    a.axvline(v[i] + k * s[i], color="tab:blue", ls=ls, lw=1)
                if names[i] in truth:
                    a.axvline(truth[names[i]], color="tab:red", lw=1)
                a.set_yticks([])
            else:
                a.plot(x[:, j], x[:, i], ".", ms=1, color="0.4", alpha=0.4)
                # least-squares ellipses from the covariance of these two parameters
                c = np.corrcoef(x[:, j], x[:, i])[0, 1]
                cov = np.array([[s[j] ** 2, c * s[i] * s[j]], [c * s[i] * s[j], s[i] ** 2]])
                w, U = np.linalg.eigh(cov)
                t = np.linspace(0, 2 * np.pi, 200)
                for k in (1, 2):
                    e = U @ (k * np.sqrt(w)[:, None] * np.array([np.cos(t), np.sin(t)]))
                    a.plot(v[j] + e[0], v[i] + e[1], color="tab:blue", lw=1)
                if names[i] in truth and names[j] in truth:
                    a.plot(truth[names[j]], truth[names[i]], "+", color="tab:red", ms=10)
            if i == n - 1:
                a.set_xlabel(names[j])
            if j == 0 and i > 0:
                a.set_ylabel(names[i])
    fig.suptitle(f"posterior ({post.sizes['walker']} walkers x {post.sizes['step']} steps, "
                 f"burn {burn}, acceptance {post.attrs['acceptance']:.2f}); blue: least squares "
                 f"1, 2 sigma; red: truth", fontsize=9)
    fig.tight_layout()
    return fig


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--free", default="B0_nT,b_z,center_L_km")
    ap.add_argument("--walkers", type=int, default=12)
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--dask", type=int, default=0, help="walkers on a LocalCluster of N workers")
    ap.add_argument("--save", help="the chains as netCDF")
    ap.add_argument("-o", "--output", default="out/figures/posterior.png")
    a = ap.parse_args()
    free = a.free.split(",")
    truth = fluxrope.synth(fluxrope.load_config(set=TRUTH), backend="cpu")
    rng = np.random.default_rng(1)
    obs = {}
    for name, ds in truth.items():
        o = {"time_s": ds["t_s"].values,
             "B_gse_nT": ds["B_gse_nT"].values + 0.1 * rng.standard_normal(ds["B_gse_nT"].shape)}
        if name == "MMS1":
            o.update(fpi_moments=True, parity=ds["parity"].values)
            for key, var in (("ne_cm3", "n_cm3"), ("T_par_eV", "T_par_eV"),
                             ("T_perp_eV", "T_perp_eV")):
                o[key] = ds["moments_fpi_" + var].values
                o["sigma_" + key] = ds["moments_fpi_sigma_" + var].values
        obs[name] = o
    # the non-free parameters at the truth, the free ones from the defaults
    keep = [s for s in TRUTH if not s.startswith("geometry.") and not any(f".{k}=" in s for k in free)]
    L = 2.0 if "center_L_km" in free else 2.6
    N = 0.0 if "center_N_km" in free else -0.7
    cfg = fluxrope.load_config(set=keep + [f"geometry.center_ln_km=[{L}, {N}]",
                                           "fit.free=[" + ", ".join(f'"{k}"' for k in free) + "]"])
    t0 = time.perf_counter()
    r = fluxrope.fit(obs, cfg)
    print(f"least squares: {time.perf_counter() - t0:.1f} s, chi^2/dof {r['chi2'] / r['dof']:.3f}")
    client = None
    if a.dask:
        from dask.distributed import Client, LocalCluster
        client = Client(LocalCluster(n_workers=a.dask, threads_per_worker=1,
                                     dashboard_address=None, env={"OMP_NUM_THREADS": "1"}))
    post = fluxrope.sample_posterior(obs, cfg, walkers=a.walkers, steps=a.steps, start=r,
                                     client=client, progress=True)
    print(f"posterior: {post.attrs['seconds']:.0f} s for {post.attrs['evaluations']} evaluations, "
          f"acceptance {post.attrs['acceptance']:.2f}, autocorrelation "
          f"{np.round(post.autocorr_time.values, 1).tolist()} steps, burn {post.attrs['burn']}")
    for k, name in enumerate(post.parameter.values):
        print(f"  {name:12s} lsq {post.lsq_value.values[k]:.5g} +- {post.lsq_sigma.values[k]:.3g}"
              f"   posterior {post.posterior_mean.values[k]:.5g} +- "
              f"{post.posterior_std.values[k]:.3g}   true {TRUE.get(name)}")
    if a.save:
        post.to_netcdf(a.save)
    save(corner(post, TRUE), a.output)


if __name__ == "__main__":
    main()
