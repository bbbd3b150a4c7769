"""Population firing rates over time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ._traces import _new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .._trajectory import Trajectory


def _label(name: str) -> str:
    return name[: -len(".spike")] if name.endswith(".spike") else name


def rates(source: Trajectory | Mapping[str, object], names: str | Sequence[str] | None = None,
          *, window: float = 10.0, ts=None, ax: Axes | None = None) -> Axes:
    """Population firing rates (Hz) against time, one curve per population.

    Args:
        source: a `Trajectory` that recorded spikes (each rate is the fraction of units
            spiking per ms, times 1000, averaged over a centred window of `window` ms), or a
            dict label -> rate (Hz) of shape `(time,)`, drawn as given at times `ts`.
        names: which spike variables (e.g. `["A.spike", "B.spike"]`) or dict labels to draw;
            default every recorded `"*.spike"` / every label.
        window: width of the moving average (ms), for a `Trajectory`.
        ts: sample times (ms) of the rates in a dict (default the sample index).
        ax: axes to draw on (default a new figure).

    Returns:
        The axes.
    """
    from .._trajectory import Trajectory
    from ..analysis import firing_rate

    if isinstance(names, str):
        names = [names]
    if isinstance(source, Trajectory):
        if names is None:
            names = [n for n in source.names if n.endswith(".spike")]
            if not names:
                raise ValueError(f"rates: the trajectory recorded no spikes (it has "
                                 f"{list(source.names)}); record e.g. 'E.spike', or pass "
                                 f"`names`.")
        times = np.asarray(source.ts)
        curves = {_label(n): np.asarray(firing_rate(source[n], source.dt, window=window))
                  for n in names}
    elif isinstance(source, Mapping):
        names = list(source) if names is None else list(names)
        missing = [n for n in names if n not in source]
        if missing:
            raise ValueError(f"rates: {missing} are not in the rates dict, which has "
                             f"{list(source)}.")
        curves = {n: np.asarray(source[n], dtype=float) for n in names}
        lengths = {c.shape for c in curves.values()}
        if any(len(s) != 1 for s in lengths) or len(lengths) != 1:
            raise ValueError(f"rates: every rate must have the same shape (time,); got "
                             f"{ {n: c.shape for n, c in curves.items()} }.")
        n_time = next(iter(lengths))[0]
        times = np.arange(n_time, dtype=float) if ts is None else np.asarray(ts, dtype=float)
        if times.shape != (n_time,):
            raise ValueError(f"rates: `ts` has shape {times.shape}; the rates have {n_time} "
                             f"samples.")
    else:
        raise TypeError(f"rates: `source` must be a Trajectory or a dict of rates; got "
                        f"{type(source).__name__}.")
    ax = ax if ax is not None else _new_axes((9, 3))
    for label, curve in curves.items():
        ax.plot(times, curve, lw=1.0, label=label)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("population rate (Hz)" + (f", {window:g} ms window"
                                             if isinstance(source, Trajectory) else ""))
    ax.set_xlim(times[0], times[-1])
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, loc="upper right", ncols=min(len(curves), 4))
    return ax
