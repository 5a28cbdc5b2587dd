#!/usr/bin/env python3
"""Figure (a): the flux-rope centre from four-spacecraft |B| (Yang et al. 2022, eq. 5, their
Figure 2). Left: |B| against time with the contour levels and their crossings. Middle: the LN
plane perpendicular to the axis: spacecraft tracks in the rope frame, contour crossings (x),
the fitted circles and centre (*), the in-plane field B_LN as arrows. Right: each crossing's
distance d_ij from the centre against the mean distance of its contour.

Usage: python3 examples/fig_center_fit.py SYNTH.h5 CENTER.h5 [-o PNG]
(SYNTH.h5 from `fluxrope synth`, CENTER.h5 from `fluxrope fit-center --input SYNTH.h5`.)
"""
from fluxrope_plot import SC_COLOURS, UNITS, WIDTH, h5py, letters, np, parse, plt, save, time_axis, tracks, utc


def main():
    a = parse(__doc__.splitlines()[0], "out/figures/a_center_fit.png",
              [("center", "out/mms_2015-10-19_center.h5", "fluxrope fit-center output")]).parse_args()
    with h5py.File(a.synth, "r") as f, h5py.File(a.center, "r") as c:
        cf = c["center_fit"]
        levels = cf["levels_nT"][:]
        radius = cf["radius_km"][:]
        cross = cf["crossings"][:]  # spacecraft, level, inward, t, L, N
        d = cf["crossing_distance_km"][:]
        centre = cf["center_plane_ln_km"][:]
        e_L, e_N = cf["plane_basis_gse"][:]
        p0 = cf["spacecraft_position0_ln_km"][:]
        v = cf["spacecraft_velocity_ln_km_s"][:]
        sqrt_loss = float(np.sqrt(cf["loss_km2"][0]))
        user_centre = cf["center_ln_km"][:]
        trk = tracks(f)

        fig, ax = plt.subplots(1, 3, figsize=(WIDTH, 2.9), gridspec_kw={"width_ratios": [1, 1.25, 1]})
        cmap = plt.get_cmap("viridis")
        colour = lambda i: cmap(i / max(1, len(levels) - 1))  # noqa: E731

        # (left) |B| and the levels
        for s, (name, g) in enumerate(trk):
            t = g["time_s"][:]
            ax[0].plot(utc(f, t), np.linalg.norm(g["B_gse_nT"][:], axis=1), color=SC_COLOURS[s], label=name)
        for i, lev in enumerate(levels):
            ax[0].axhline(lev, color=colour(i), lw=0.6, alpha=0.6)
        for row in cross:
            ax[0].plot(utc(f, row[3]), levels[int(row[1])], "|", color=colour(int(row[1])), ms=6)
        time_axis(ax[0], f)
        ax[0].tick_params(axis="x", labelrotation=30)
        ax[0].set_ylabel(f"|B| [{UNITS['nT']}]")
        ax[0].set_title("|B| and the contour levels")
        ax[0].legend(loc="upper right")
        ax[0].grid(alpha=0.3)

        # (middle) the LN plane
        m = ax[1]
        phi = np.linspace(0, 2 * np.pi, 200)
        for i, r in enumerate(radius):
            if np.isfinite(r):
                m.plot(centre[0] + r * np.cos(phi), centre[1] + r * np.sin(phi), color=colour(i), lw=0.8)
        for s, (name, g) in enumerate(trk):
            t = g["time_s"][:]
            L = p0[s, 0] + v[0] * t
            N = p0[s, 1] + v[1] * t
            m.plot(L, N, color=SC_COLOURS[s], lw=1.2, label=name)
            B = g["B_gse_nT"][:]
            k = slice(None, None, 3)
            m.quiver(L[k], N[k], B[k] @ e_L, B[k] @ e_N, color=SC_COLOURS[s], angles="xy",
                     scale_units="xy", scale=0.5, width=0.004, alpha=0.9)
            i0 = np.argmin(abs(t))
            m.plot(L[i0], N[i0], "o", color="m", ms=3.5)
        for row in cross:
            m.plot(row[4], row[5], "x", color=colour(int(row[1])), ms=4)
        m.plot(*centre, "*", color="k", ms=9)
        R = 1.4 * np.nanmax(radius)
        m.set_xlim(centre[0] - R, centre[0] + R)
        m.set_ylim(centre[1] - R, centre[1] + R)
        m.set_aspect("equal")
        m.set_ylabel("N [km]")
        m.set_xlabel("L [km]")
        m.text(0.01, 0.01, "arrows: B in the LN plane (2 km per nT)\nmagenta dots: spacecraft at t = 0",
               transform=m.transAxes, fontsize=6, va="bottom")
        m.set_title(f"LN plane: centre ({user_centre[0]:.2f}, {user_centre[1]:.2f}) km, "
                    r"$\sqrt{\mathcal{L}}$" + f" = {sqrt_loss:.2f} km")
        m.grid(alpha=0.3)
        sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(levels[0], levels[-1]))
        fig.colorbar(sm, ax=m, label="contour level |B| [nT]", shrink=0.8)

        # (right) d_ij against avg_j d_ij
        avg = radius[cross[:, 1].astype(int)]
        inward = cross[:, 2] > 0.5
        ax[2].plot(avg[inward], d[inward], "x", color="tab:red", label="inward")
        ax[2].plot(avg[~inward], d[~inward], "x", color="tab:blue", label="outward")
        lim = [0.9 * np.nanmin(radius), 1.05 * np.nanmax(radius)]
        ax[2].plot(lim, lim, "k-", lw=0.8)
        ax[2].set_xlabel(r"$\langle d_{ij} \rangle_j$ [km]")
        ax[2].set_ylabel(r"$d_{ij}$ [km]")
        ax[2].set_title("crossing distances from the centre")
        ax[2].legend()
        ax[2].grid(alpha=0.3)
        ax[2].set_aspect("equal")
        letters(ax)
    save(fig, a.output)


if __name__ == "__main__":
    main()
