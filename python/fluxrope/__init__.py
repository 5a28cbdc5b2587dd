"""fluxrope: kinetic flux-rope equilibria (Vinogradov et al. 2016, Yang et al. 2022) and the
synthetic MMS data they imply (FPI electrons and ions, FGM, EDP, MEC), from Python. The engine is the same C++/CUDA core as
the `fluxrope` tool (fluxrope._core); this package hands its results over as xarray objects and
writes MMS Level-2 CDF files that pySPEDAS and pyrfu load.

    import fluxrope
    eq = fluxrope.solve()                         # the built-in yang2022 preset
    tracks = fluxrope.synth(eq)                   # {"MMS1": xarray.Dataset, ...}: DES
    ions = fluxrope.synth(eq, instrument="dis")   # the ions as DIS records them
    fluxrope.export_cdf(tracks, "mms_data", ions=ions)  # L2 DES, DIS, FGM, EDP, MEC files
    fluxrope.particles(eq, path="rope_ic.h5")     # PIC initial conditions (openPMD)

Errors (bad configuration, wrong array shape, ...) raise fluxrope.FluxropeError.
"""
from ._core import FluxropeError, __version__, cuda_compiled, cuda_device_count
from .api import (at_energy, Config, Equilibrium, fit, fit_center, load_config, observations_from_l2, read,
                  solve, synth, to_pyrfu_skymap)
from .cdf import DEFAULT_START, export_cdf
from .particles import particles
from .posterior import sample_posterior
from .sweep import Sweep, load_sweep, run_sweep

__all__ = ["FluxropeError", "__version__", "Config", "Equilibrium", "load_config", "solve",
           "synth", "at_energy", "fit", "sample_posterior", "fit_center", "observations_from_l2", "read", "to_pyrfu_skymap", "export_cdf", "particles", "DEFAULT_START", "cuda_compiled",
           "cuda_device_count", "Sweep", "load_sweep", "run_sweep"]
