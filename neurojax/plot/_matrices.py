"""Connectivity matrices, and the one-figure summary of a whole-brain simulation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._spectra import spectrum
from ._traces import _new_axes, traces

if TYPE_CHECKING:
    from jaxtyping import ArrayLike, Float
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .._trajectory import Trajectory


def fc_matrix(
    fc: Float[ArrayLike, "n n"],
    *,
    ax: Axes | None = None,
    title: str | None = None,
    vmin: float = -1.0,
    vmax: float = 1.0,
) -> Axes:
    """Shows a functional (or structural) connectivity matrix as an image with a colour bar.

    A diverging colour map centred on 0 (blue negative, red positive) when `vmin < 0 < vmax`,
    otherwise a sequential one.

    Args:
        fc: square matrix `(n, n)`, e.g. from `nj.analysis.functional_connectivity`.
        ax: axes to draw into; default a new figure.
        title: axes title.
        vmin, vmax: colour range (correlation; -1 to 1 by default).

    Returns:
        The matplotlib `Axes` (the colour bar is `ax.images[0].colorbar`).

    Raises:
        ValueError: if `fc` is not square or `vmin >= vmax`.
    """
    fc = np.asarray(fc, dtype=float)
    if fc.ndim != 2 or fc.shape[0] != fc.shape[1]:
        raise ValueError(f"`fc` must be a square (n, n) matrix; got shape {fc.shape}.")
    if not vmin < vmax:
        raise ValueError(f"`vmin` must be below `vmax`; got vmin={vmin}, vmax={vmax}.")
    if ax is None:
        ax = _new_axes((5.0, 4.2))
    cmap = "RdBu_r" if vmin < 0 < vmax else "viridis"
    image = ax.imshow(fc, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    colorbar = ax.figure.colorbar(image, ax=ax, shrink=0.85, pad=0.03)
    colorbar.set_label("correlation (r)" if vmin < 0 < vmax else "value")
    ax.set_xlabel("region")
    ax.set_ylabel("region")
    if title is not None:
        ax.set_title(title)
    return ax


def whole_brain_summary(
    traj: Trajectory,
    name: str,
    fc_empirical: Float[ArrayLike, "n n"] | None = None,
    dt: float | None = None,
    *,
    transient: float = 0.0,
) -> Figure:
    """One figure to judge a whole-brain simulation: activity, spectrum and FC.

    Panels: time courses of `name` (up to 10 regions); its power spectrum (Welch, 1 Hz
    resolution where the run is long enough); the simulated FC; and, if `fc_empirical` is
    given, the empirical FC and a scatter of simulated against empirical FC values, with their
    correlation (`nj.analysis.fc_correlation`) in the figure title.

    Args:
        traj: a `Trajectory` with `name` recorded over all regions.
        name: the variable to analyse (e.g. `"x"` or `"region.x"`; for BOLD, the BOLD signal).
        fc_empirical: `(regions, regions)` empirical FC, e.g. `nj.datasets.hcp80().fc`.
        dt: sampling interval of `traj` (ms); default `traj.dt`.
        transient: initial time (ms) left out of the spectrum and FC.

    Returns:
        The matplotlib `Figure`.

    Raises:
        ValueError: if `fc_empirical` does not match the number of regions, or `transient`
            leaves fewer than 2 samples.
    """
    import matplotlib.pyplot as plt

    from ..analysis import fc_correlation, functional_connectivity, power_spectrum

    full = traj.resolve(name)
    x = np.asarray(traj[full])
    if x.ndim == 1:
        x = x[:, None]
    dt = traj.dt if dt is None else float(dt)
    if not dt > 0:
        raise ValueError(f"`dt` must be a positive sampling interval (ms); got {dt}.")
    skip = int(round(transient / dt))
    if not 0 <= skip <= x.shape[0] - 2:
        raise ValueError(f"`transient`={transient} ms leaves fewer than 2 of the {x.shape[0]} "
                         f"samples (dt={dt:g} ms); pass a smaller transient.")
    n = x.shape[1]
    duration = f"{(float(traj.ts[-1]) - float(traj.ts[0])) / 1000:.3g} s"
    if fc_empirical is not None:
        fc_empirical = np.asarray(fc_empirical, dtype=float)
        if fc_empirical.shape != (n, n):
            raise ValueError(f"`fc_empirical` has shape {fc_empirical.shape}, but {full!r} has "
                             f"{n} regions; pass an ({n}, {n}) matrix.")

    if fc_empirical is None:
        mosaic = [["traces", "traces"], ["sim", "psd"]]
        figsize = (10.0, 7.5)
    else:
        mosaic = [["traces", "traces", "psd"], ["sim", "emp", "scatter"]]
        figsize = (14.0, 8.0)
    fig = plt.figure(figsize=figsize, layout="constrained")
    axes = fig.subplot_mosaic(mosaic)

    t_unit, t_scale = ("s", 1000.0) if x.shape[0] * dt >= 2000.0 else ("ms", 1.0)
    traces(traj, full, ax=axes["traces"], t_unit=t_unit)
    if skip:
        t = np.asarray(traj.ts) / t_scale
        ax = axes["traces"]
        ax.axvspan(t[0], t[skip], color="0.88", zorder=0)
        ax.text(t[0], 1.01, "shaded: transient, left out of spectrum and FC",
                transform=ax.get_xaxis_transform(), va="bottom", fontsize="small", color="0.35")

    kept = x[skip:]
    freqs, psd = power_spectrum(kept, dt, nperseg=min(kept.shape[0], round(1000.0 / dt)))
    spectrum(freqs, psd, ax=axes["psd"], fmax=min(100.0, float(freqs[-1])),
             ylabel=f"PSD ({full}² / Hz)")
    axes["psd"].set_title("power spectrum")

    fc_sim = np.asarray(functional_connectivity(kept)) if n > 1 else np.ones((1, 1))
    fc_matrix(fc_sim, ax=axes["sim"], title="simulated FC")
    if fc_empirical is None:
        fig.suptitle(f"{full}: {n} regions, {duration}", fontweight="bold")
        return fig

    fc_matrix(fc_empirical, ax=axes["emp"], title="empirical FC")
    score = float(fc_correlation(fc_sim, fc_empirical))
    rows, cols = np.triu_indices(n, k=1)
    scatter = axes["scatter"]
    scatter.scatter(fc_empirical[rows, cols], fc_sim[rows, cols], s=4, alpha=0.3,
                    edgecolors="none")
    scatter.set_xlabel("empirical FC (r)")
    scatter.set_ylabel("simulated FC (r)")
    scatter.set_title(f"region pairs, r = {score:.2f}")
    scatter.grid(alpha=0.25)
    fig.suptitle(f"{full}: {n} regions, {duration} — FC correlation with "
                 f"empirical r = {score:.3f}", fontweight="bold")
    return fig
