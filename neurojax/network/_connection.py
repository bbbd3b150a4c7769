"""`Connection`: a weighted, optionally delayed coupling from one population to another."""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..core import as_float_array, is_concrete
from ._coupling import AbstractCoupling


def _matrix(name: str, value, shape: tuple[int, int] | None) -> jax.Array:
    arr = as_float_array(value)
    if arr.ndim != 2:
        raise ValueError(f"Connection: `{name}` must be a matrix of shape (n_target, n_source) "
                         f"(rows are targets); got shape {arr.shape}.")
    if shape is not None and arr.shape != shape:
        raise ValueError(f"Connection: `{name}` has shape {arr.shape} but `weights` has shape "
                         f"{shape}; they must match.")
    if is_concrete(arr) and not np.all(np.isfinite(np.asarray(arr))):
        raise ValueError(f"Connection: `{name}` contains NaN or inf; replace them (e.g. with 0 "
                         f"for absent connections).")
    return arr


def _target_major(w, dist):
    """Padded target-major edge arrays (pre, weights, lengths) from dense matrices."""
    if is_concrete(w):
        mask = np.asarray(w) != 0
    else:  # traced weights: keep every entry so the structure does not depend on values
        mask = np.ones(w.shape, bool)
    n_target = w.shape[0]
    degree = mask.sum(axis=1)
    width = max(int(degree.max(initial=0)), 1)
    pre = np.zeros((n_target, width), np.int32)
    take = np.zeros((n_target, width), bool)
    for i in range(n_target):
        cols = np.flatnonzero(mask[i])
        pre[i, : cols.size] = cols
        take[i, : cols.size] = True
    rows = np.arange(n_target)[:, None]
    weights = jnp.where(take, w[rows, pre], 0.0)
    lengths = None if dist is None else jnp.where(take, dist[rows, pre], 0.0)
    return jnp.asarray(pre), weights, lengths


class Connection(eqx.Module):
    """Coupling from population `source` to population `target` through a weight matrix.

    The input to target unit i is `coupling.strength * sum_j W[i, j] f(x_j(t - d_ij), x_i(t))`
    (rows of `weights` are targets, columns sources). Zero weights are dropped: the edges are
    stored target-major, each target's incoming edges padded to the largest in-degree, so the
    input is a gather and a row sum (no scatter). Delays `d` are
    either given in ms (`delays`) or as fibre `lengths` (mm) over a conduction `speed` (mm/ms,
    which is m/s); the delayed value is linearly interpolated between integration steps, so
    simulations are differentiable with respect to `speed`.

    Args:
        source, target: node names in the `Network`.
        coupling: an `nj.network` coupling (`Linear`, `Diffusive`, `Sigmoidal`, `Kuramoto`).
        weights: matrix `(target size, source size)`.
        delays: transmission delays (ms), same shape as `weights`; or
        lengths, speed: fibre lengths (mm) and conduction speed (mm/ms); delay = length / speed.
        max_delay: upper bound of the delays (ms) that sizes the history buffer; defaults to the
            largest delay. Set it higher if you will fit `speed` downwards.
    """

    source: str = eqx.field(static=True)
    target: str = eqx.field(static=True)
    coupling: AbstractCoupling
    pre: jax.Array  # (n_target, max in-degree): source unit of each incoming edge
    weights: jax.Array  # (n_target, max in-degree), 0 for padding
    lengths: jax.Array | None  # (n_target, max in-degree), or None without delays
    speed: jax.Array
    n_source: int = eqx.field(static=True)
    n_target: int = eqx.field(static=True)
    max_delay: float = eqx.field(static=True)

    def __init__(self, source: str, target: str, coupling: AbstractCoupling, weights, *,
                 delays=None, lengths=None, speed=None, max_delay: float | None = None):
        if not isinstance(coupling, AbstractCoupling):
            raise TypeError(f"Connection: `coupling` must be an nj.network coupling (Linear, "
                            f"Diffusive, Sigmoidal, Kuramoto); got {type(coupling).__name__}.")
        if delays is not None and lengths is not None:
            raise ValueError("Connection: give either `delays` (ms) or `lengths` (mm) with "
                             "`speed` (mm/ms), not both.")
        if lengths is not None and speed is None:
            raise ValueError("Connection: `lengths` (mm) needs a conduction `speed` (mm/ms).")
        w = _matrix("weights", weights, None)
        self.source, self.target, self.coupling = source, target, coupling
        self.n_target, self.n_source = w.shape
        dist = None
        if delays is not None:
            dist, speed = _matrix("delays", delays, w.shape), 1.0
        elif lengths is not None:
            dist = _matrix("lengths", lengths, w.shape)
        self.speed = as_float_array(1.0 if speed is None else speed)
        for name, value in (("delays" if delays is not None else "lengths", dist),
                            ("speed", self.speed)):
            if value is not None and is_concrete(value) and np.any(np.asarray(value) < 0):
                raise ValueError(f"Connection {source}->{target}: `{name}` must be non-negative; "
                                 f"got a minimum of {float(np.min(np.asarray(value)))}.")
        if is_concrete(self.speed) and float(self.speed) <= 0:
            raise ValueError(f"Connection {source}->{target}: `speed` must be positive (mm/ms); "
                             f"got {float(self.speed)}.")
        self.pre, self.weights, lengths = _target_major(w, dist)
        self.lengths = lengths
        if max_delay is None:
            if self.lengths is None:
                max_delay = 0.0
            elif is_concrete(self.lengths) and is_concrete(self.speed):
                longest = float(np.max(np.asarray(dist), initial=0.0))
                max_delay = longest / float(self.speed)
            else:
                raise ValueError(f"Connection {source}->{target}: delays are traced, so their "
                                 f"maximum is unknown; pass `max_delay` (ms).")
        if not math.isfinite(max_delay) or max_delay < 0:
            raise ValueError(f"Connection: `max_delay` must be a finite non-negative number of ms; "
                             f"got {max_delay}.")
        self.max_delay = float(max_delay)

    @property
    def delayed(self) -> bool:
        """Whether this connection has (possibly) non-zero transmission delays."""
        return self.lengths is not None and self.max_delay > 0

    def delays(self) -> jax.Array:
        """Per-edge delays (ms), shape `(n_target, max in-degree)` like `pre`."""
        if self.lengths is None:
            return jnp.zeros_like(self.weights)
        return self.lengths / self.speed
