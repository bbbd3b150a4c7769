"""Time courses of a recorded variable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .._trajectory import Trajectory

#: How many units `traces` draws when `units` is not given.
MAX_UNITS = 10


def _new_axes(figsize: tuple[float, float]) -> Axes:
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _choose_units(n: int, units: int | Sequence[int] | None) -> np.ndarray:
    if units is None:
        if n <= MAX_UNITS:
            return np.arange(n)
        return np.unique(np.linspace(0, n - 1, MAX_UNITS).round().astype(int))
    chosen = np.atleast_1d(np.asarray(units))
    if chosen.ndim != 1 or chosen.size == 0 or not np.issubdtype(chosen.dtype, np.integer):
        raise ValueError(f"`units` must be an int or a non-empty sequence of ints (unit "
                         f"indices); got {units!r}.")
    if chosen.min() < -n or chosen.max() >= n:
        raise ValueError(f"`units` {chosen.tolist()} are out of range for a variable with {n} "
                         f"units (indices 0 to {n - 1}).")
    return chosen % n


def traces(
    traj: Trajectory,
    name: str,
    *,
    units: int | Sequence[int] | None = None,
    ax: Axes | None = None,
    t_unit: Literal["ms", "s"] = "ms",
    stack: bool | None = None,
) -> Axes:
    """Plots a recorded variable against time, one line per unit.

    Args:
        traj: a `Trajectory` (e.g. from `nj.simulate`).
        name: the variable, as recorded (`"region.x"`) or a unique suffix (`"x"`).
        units: indices of the units to draw. Default: all of them if there are at most 10,
            otherwise 10 spread evenly over the population (a note on the plot says so).
        ax: axes to draw into; default a new figure.
        t_unit: unit of the time axis, `"ms"` (as simulated) or `"s"`.
        stack: draw each unit on its own row (its mean removed, rows a fixed distance apart,
            labelled by unit index) instead of overlaid. Default: stacked when more than 5
            units are drawn.

    Returns:
        The matplotlib `Axes`.

    Raises:
        KeyError: if `name` was not recorded.
        ValueError: if `units` are out of range or `t_unit` is unknown.
    """
    if t_unit not in ("ms", "s"):
        raise ValueError(f"`t_unit` must be 'ms' or 's'; got {t_unit!r}.")
    full = traj.resolve(name)
    values = np.asarray(traj[full], dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    ts = np.asarray(traj.ts) / (1000.0 if t_unit == "s" else 1.0)
    n = values.shape[1]
    chosen = _choose_units(n, units)
    shown = values[:, chosen]
    if stack is None:
        stack = chosen.size > 5
    if ax is None:
        ax = _new_axes((8.0, 3.5 if not stack else max(3.5, 0.45 * chosen.size + 1.0)))

    if stack:
        low, high = np.nanpercentile(shown, [0.5, 99.5], axis=0)
        spacing = float(np.max(high - low)) or 1.0
        offsets = -spacing * np.arange(chosen.size)
        ax.plot(ts, shown - np.nanmean(shown, axis=0) + offsets, lw=0.8)
        ax.set_yticks(offsets, [str(i) for i in chosen])
        ax.set_ylim(offsets[-1] - 0.7 * spacing, 0.7 * spacing)
        ax.set_ylabel(f"{full} by unit (rows {spacing:.2g} apart)")
    else:
        lines = ax.plot(ts, shown, lw=1.0, alpha=0.85 if chosen.size > 1 else 1.0)
        for line, i in zip(lines, chosen, strict=True):
            line.set_label(f"unit {i}")
        ax.set_ylabel(full)
        if chosen.size > 1:
            ax.legend(fontsize="small", loc="upper right", framealpha=0.8,
                      ncols=1 if chosen.size <= 3 else 2)
    ax.set_xlabel(f"time ({t_unit})")
    ax.set_xlim(ts[0], ts[-1])
    ax.grid(alpha=0.25)
    if units is None and chosen.size < n:
        ax.set_title(f"{chosen.size} of {n} units shown (pass `units=` for others)",
                     fontsize="small", loc="right", color="0.35")
    return ax
