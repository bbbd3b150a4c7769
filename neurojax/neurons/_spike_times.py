"""A spike source that replays given spike trains."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..core import as_float_array, initial
from ..core._spiking import SpikingDynamics
from ..core._surrogate import AbstractSurrogate, FastSigmoid


def _as_trains(size, indices, times) -> tuple[np.ndarray, np.ndarray]:
    """Checks `indices` and `times`; returns them as int and float numpy arrays."""
    idx, t = np.asarray(indices), np.asarray(times, dtype=float)
    if idx.ndim != 1 or t.ndim != 1 or idx.shape != t.shape:
        raise ValueError(f"SpikeTimes: `indices` and `times` must be 1-D arrays of equal length "
                         f"(one entry per spike); got shapes {idx.shape} and {t.shape}.")
    if idx.size and not np.issubdtype(idx.dtype, np.integer) and np.any(np.mod(idx, 1) != 0):
        raise ValueError("SpikeTimes: `indices` must be integers (unit numbers).")
    idx = idx.astype(np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = idx[(idx < 0) | (idx >= size)][0]
        raise ValueError(f"SpikeTimes: `indices` must be in [0, {size - 1}] for a population "
                         f"of {size} units; got {bad}. Pass a larger `size` or fix the indices.")
    if not np.all(np.isfinite(t)) or (t.size and t.min() < 0):
        bad = t[~np.isfinite(t) | (t < 0)][0]
        raise ValueError(f"SpikeTimes: `times` must be finite and non-negative (ms); got {bad}.")
    if np.any(np.diff(t) < 0):
        first = int(np.flatnonzero(np.diff(t) < 0)[0])
        raise ValueError(f"SpikeTimes: `times` must be sorted (non-decreasing); times[{first}] = "
                         f"{t[first]} comes before times[{first + 1}] = {t[first + 1]}. Sort "
                         f"both arrays, e.g. order = np.argsort(times, kind='stable').")
    return idx, t


class SpikeTimes(SpikingDynamics):
    r"""Units that emit given spike trains: unit `indices[j]` spikes at `times[j]` (ms).

    A spike at time $s$ is emitted at the end of the step that contains it,
    $t_k \le s < t_{k+1}$, so it appears in the record at $t_{k+1}$ and reaches the
    synapses of projections from this population then, like the spike of a neuron that
    crosses threshold within that step. A time within a few float roundings below a step
    boundary counts as on the boundary. A unit may spike at most once a step: a run whose
    `dt` puts two spikes of one unit in one step stops with an error.

    The population keeps its own clock `t` (ms; it advances by `dt` each step, exactly on
    the grid of the run) and the number `n` of spikes each unit has emitted. Spike times
    are on this clock, which starts at `t_init`: keep `t_init` equal to the `t0` of
    `nj.simulate` (both default 0). Spikes before `t_init` are skipped.

    Args:
        size: number of units.
        indices: unit of each spike (ints in `[0, size)`).
        times: time of each spike (ms), non-negative and sorted (non-decreasing).
        t_init: the start of the clock (ms).
        surrogate: unused (the spikes are given, not crossed), kept for a uniform interface.

    No input ports.
    """

    size: int = eqx.field(static=True)
    trains: jax.Array  # (size, longest train + 1), each unit's times in order, padded with inf
    t_init: float = initial(0.0)
    n_init: float = initial(0.0)
    surrogate: AbstractSurrogate = FastSigmoid()

    variables = ("t", "n")
    inputs = ()

    def __init__(self, size: int, indices, times, *, t_init: float = 0.0,
                 surrogate: AbstractSurrogate | None = None):
        if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
            raise ValueError(f"SpikeTimes: `size` must be a positive integer (the number of "
                             f"units); got {size!r}.")
        idx, t = _as_trains(int(size), indices, times)
        counts = np.bincount(idx, minlength=size)
        order = np.argsort(idx, kind="stable")  # by unit, each unit's spikes in time order
        rank = np.arange(len(idx)) - (np.cumsum(counts) - counts)[idx[order]]
        trains = np.full((size, int(counts.max(initial=0)) + 1), np.inf)
        trains[idx[order], rank] = t[order]
        repeated = np.argwhere((trains[:, 1:] == trains[:, :-1]) & np.isfinite(trains[:, 1:]))
        if len(repeated):
            unit, j = repeated[0]
            raise ValueError(f"SpikeTimes: unit {unit} has two spikes at {trains[unit, j]} ms; "
                             f"a unit spikes at most once a step.")
        t_init = float(t_init)
        self.size = int(size)
        self.trains = as_float_array(trains)
        self.t_init = t_init
        self.n_init = np.sum(trains < t_init, axis=1).astype(float)
        self.surrogate = FastSigmoid() if surrogate is None else surrogate

    def vector_field(self, t, state, drive, args):
        return {"t": jnp.ones_like(state["t"]), "n": jnp.zeros_like(state["n"])}

    def _train_at(self, rank: jax.Array, dtype) -> jax.Array:
        """Each unit's spike number `rank` (inf past its last spike)."""
        rank = jnp.minimum(rank, self.trains.shape[1] - 1)
        return jnp.take_along_axis(self.trains, rank[:, None], axis=1)[:, 0].astype(dtype)

    def threshold_and_reset(self, state, key=None):
        clock, n = state["t"], state["n"]
        # Spikes before the end of the step, less a few roundings (so that a time on a step
        # boundary belongs to the step it starts).
        end = clock - 8 * jnp.finfo(clock.dtype).eps * jnp.abs(clock)
        rank = n.astype(jnp.int32)
        due = self._train_at(rank, clock.dtype) < end
        spike = due.astype(clock.dtype)
        spike = eqx.error_if(spike, jnp.any(due & (self._train_at(rank + 1, clock.dtype) < end)),
                             "SpikeTimes: a unit has two spikes within one step; use a smaller "
                             "`dt` (at most the shortest interspike interval of a unit).")
        return {"t": clock, "n": n + spike}, spike

    def observables(self, state):
        return dict(state)
