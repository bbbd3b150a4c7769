"""`Example`: a runnable, plottable workload for the `neurojax` command."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jax

from .._trajectory import Trajectory


@dataclass(frozen=True)
class Example:
    """A runnable example: how to simulate it and how to show the result.

    `simulate(duration_ms, dt_ms, key, progress)` returns a `Trajectory`; `figure(traj)`
    returns a matplotlib figure and a dict of summary numbers (printed and saved).
    """

    name: str
    description: str
    duration: float  # ms
    dt: float  # ms
    simulate: Callable[[float, float, jax.Array, bool], Trajectory]
    figure: Callable[[Trajectory], tuple[object, dict[str, float]]]
