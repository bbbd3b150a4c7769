"""Spike rasters and population rates."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._traces import _new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .._trajectory import Trajectory


def raster(traj: Trajectory, name: str, *, ax: Axes | None = None, max_units: int = 1000,
           rate_window: float | None = 5.0) -> Axes:
    """Spike raster of a recorded spike variable (e.g. `"E.spike"`), with the population rate
    (Hz, moving average of `rate_window` ms) on a twin axis.

    Args:
        traj: a `Trajectory` that recorded `name`.
        name: the spike variable.
        ax: axes to draw on (default a new figure).
        max_units: at most this many units are drawn (evenly spaced), to keep files small.
        rate_window: smoothing of the rate (ms); None for no rate curve.
    """
    from ..analysis import firing_rate

    full = traj.resolve(name)
    spikes = np.asarray(traj[full])
    if spikes.ndim != 2:
        raise ValueError(f"raster: {full!r} must have shape (time, units); got {spikes.shape}.")
    ts = np.asarray(traj.ts)
    n = spikes.shape[1]
    shown = np.unique(np.linspace(0, n - 1, min(n, max_units)).round().astype(int))
    step, unit = np.nonzero(spikes[:, shown] > 0)
    ax = ax if ax is not None else _new_axes((9, 4))
    ax.scatter(ts[step], shown[unit], s=1.0, marker="|", color="k", linewidths=0.6)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(f"{full} (unit)")
    ax.set_xlim(ts[0], ts[-1])
    ax.set_ylim(-0.5, n - 0.5)
    note = f"{shown.size} of {n} units" if shown.size < n else f"{n} units"
    ax.set_title(f"{full}: {note}, mean rate {spikes.mean() / traj.dt * 1000:.1f} Hz",
                 fontsize=10)
    if rate_window is not None and len(ts) > 1:
        twin = ax.twinx()
        window = max(rate_window, traj.dt)
        twin.plot(ts, np.asarray(firing_rate(spikes, traj.dt, window=window)), color="C3",
                  lw=1.0)
        twin.set_ylabel(f"population rate (Hz, {window:g} ms window)", color="C3")
        twin.tick_params(axis="y", colors="C3")
        twin.set_ylim(bottom=0)
    return ax
