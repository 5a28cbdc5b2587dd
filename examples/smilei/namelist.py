# Smilei namelist (2Dcartesian) starting from a fluxrope equilibrium: the particles of
# `fluxrope particles --config examples/smilei/rope_2d.toml -o rope_2d.h5` as numpy arrays
# (Species position_initialization / momentum_initialization) and its node fields B, E as
# external fields (docs/simulation.md "Smilei"). Needs numpy and h5py in Smilei's Python.
#
# Smilei's units (its "Units" page): lengths in L_r = c / omega_r, densities in
# N_r = eps0 m_e omega_r^2 / e^2, fields in B_r = m_e omega_r / e and E_r = c B_r, momenta of a
# particle in units of its mass times c (u = gamma v / c), macro-particle weights in N_r L_r^D.
# Here omega_r is the electron plasma frequency at N_REF_CM3 (then L_r = d_e, 0.84 km).
import os

import h5py
import numpy as np

FILE = os.environ.get("FLUXROPE_IC", "rope_2d.h5")
N_REF_CM3 = 40.0   # the reference density [cm^-3]: the rope's ion density n_i

c, e, m_e, eps0 = 299792458.0, 1.602176634e-19, 9.1093837015e-31, 8.8541878128e-12
omega_r = np.sqrt(N_REF_CM3 * 1e6 * e**2 / (eps0 * m_e))
L_r = c / omega_r
N_r = eps0 * m_e * omega_r**2 / e**2
B_r = m_e * omega_r / e
E_r = c * B_r


def load_fluxrope(path):
    """The openPMD file in Smilei's units: the box (origin at 0, as Smilei's), per species the
    (3, N) positions+weights and momenta, mass and charge, and the node fields."""
    out = {"species": {}, "fields": {}}
    with h5py.File(path, "r") as f:
        it = f["/data/0"]
        B = it["meshes/B"]
        if list(B.attrs["axisLabels"]) != [b"x", b"y"]:
            raise ValueError(f"{path}: a 2-D (x, y) file is needed (particles.dims = 2)")
        spacing = np.asarray(B.attrs["gridSpacing"])
        origin = np.asarray(B.attrs["gridGlobalOffset"])
        for c_ in "xyz":
            if any(B[c_].attrs["position"]):
                raise ValueError(f"{path}: node fields are needed (particles.fields = \"node\")")
        n_nodes = B["x"].shape
        out["cell_length"] = list(spacing / L_r)
        out["grid_length"] = list((np.asarray(n_nodes) - 1) * spacing / L_r)
        out["cells"] = [n - 1 for n in n_nodes]
        for rec, unit in (("B", B_r), ("E", E_r)):
            for c_ in "xyz":
                out["fields"][rec + c_] = it[f"meshes/{rec}/{c_}"][()] / unit
        for name, sp in it["particles"].items():
            mass = sp["mass"].attrs["value"]
            pos = np.empty((3, sp["weighting"].shape[0]))
            pos[0] = (sp["position/x"][()] - origin[0]) / L_r
            pos[1] = (sp["position/y"][()] - origin[1]) / L_r
            pos[2] = sp["weighting"][()] / (N_r * L_r**2)  # 2-D weights: particles per metre
            mom = np.stack([sp[f"momentum/{c_}"][()] for c_ in "xyz"]) / c  # stored: v [m/s]
            out["species"][name] = {"position": pos, "momentum": mom, "mass": mass / m_e,
                                    "charge": sp["charge"].attrs["value"] / e}
    return out


def node_field(values, cell_length):
    """A Smilei profile f(x, y) interpolating node values bilinearly (numpy arrays accepted)."""
    dx, dy = cell_length
    nx, ny = values.shape

    def profile(x, y):
        fx = np.clip(np.asarray(x) / dx, 0.0, nx - 1 - 1e-12)
        fy = np.clip(np.asarray(y) / dy, 0.0, ny - 1 - 1e-12)
        i, j = np.floor(fx).astype(int), np.floor(fy).astype(int)
        a, b = fx - i, fy - j
        return ((1 - a) * (1 - b) * values[i, j] + a * (1 - b) * values[i + 1, j]
                + (1 - a) * b * values[i, j + 1] + a * b * values[i + 1, j + 1])
    return profile


ic = load_fluxrope(FILE)
dt = 0.95 / np.sqrt(1.0 / ic["cell_length"][0]**2 + 1.0 / ic["cell_length"][1]**2)

Main(
    geometry="2Dcartesian",
    interpolation_order=2,
    cell_length=ic["cell_length"],
    grid_length=ic["grid_length"],
    number_of_patches=[8, 8],
    timestep=dt,
    simulation_time=2000 * dt,
    # a net axial current: open (absorbing) field boundaries across the rope
    EM_boundary_conditions=[["silver-muller"], ["silver-muller"]],
    solve_poisson=False,  # E is the equilibrium's (quasi-neutral: docs/simulation.md "Limits")
    reference_angular_frequency_SI=omega_r,
)

for name, s in ic["species"].items():
    Species(
        name=name,
        position_initialization=s["position"],
        momentum_initialization=s["momentum"],
        mass=s["mass"],
        charge=s["charge"],
        boundary_conditions=[["reflective"], ["reflective"]],
    )

for field, values in ic["fields"].items():
    ExternalField(field=field, profile=node_field(values, ic["cell_length"]))

DiagScalar(every=100)
DiagFields(every=200, fields=["Bx", "By", "Bz", "Ex", "Ey", "Ez", "Jx", "Jy", "Jz", "Rho"])
