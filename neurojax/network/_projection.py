"""`Projection`: spiking synapses from one population to another."""

from __future__ import annotations

import dataclasses
import math
from typing import Literal

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..connectivity._rules import AbstractConnectivity, AllToAll, FromMatrix, OneToOne
from ..connectivity._sparse import Synapses, as_synapses
from ..core import as_float_array, is_concrete
from ..synapses._outputs import CUBA, AbstractOutput
from ..synapses._synapses import AbstractSynapse, Exponential

Delivery = Literal["auto", "event", "dense"]


class Projection(eqx.Module):
    """Spiking synapses from population `pre` to population `post`.

    Each step, the spikes of `pre` reach the synapses after their delay; the synapse's
    conductance becomes a current into `post`'s input `port` through `output`.

    Args:
        pre, post: node names.
        connectivity: an `nj.connectivity` rule (`FixedProb`, `FixedInDegree`, `AllToAll`,
            `OneToOne`, `FromMatrix`).
        weight: synaptic weight, a scalar or one value per synapse (in the order of
            `connectivity.edges`); it multiplies `FromMatrix` values.
        synapse: synaptic dynamics (default `Exponential(tau=5)`).
        output: `CUBA()` (default), `COBA(e_rev)` or `MgBlock(e_rev, mg)`.
        delay: axonal delay (ms), scalar or per synapse; delays between steps are split
            linearly between the two neighbouring steps (so they are differentiable).
        port: input port of `post` (default its first).
        delivery: `"event"` (gather the targets of the neurons that spiked: O(spikes x
            out-degree) a step), `"dense"` (a matrix-vector product: all-to-all networks, and
            surrogate gradients through every neuron's spike), or `"auto"`.
            `AllToAll()` with one weight is delivered as a sum over the sources shared by
            every target (`dense` is then a single row of ones), `OneToOne()` with one weight
            elementwise (`dense` is then the diagonal).
        max_spikes: bound on the number of `pre` neurons spiking in one step, for event
            delivery (default 10% of `pre`, at least 64); exceeding it raises an error.
        max_delay: the longest delay (ms) the spike queue must hold; default the largest
            `delay` (needed only when delays are traced, e.g. fitted).
        key: PRNG key for random connectivity (else the `Network`'s `key` is used).
        name: the name of the projection's synaptic state (default `"pre->post"`).
    """

    pre: str = eqx.field(static=True)
    post: str = eqx.field(static=True)
    connectivity: AbstractConnectivity
    weight: jax.Array
    synapse: AbstractSynapse
    output: AbstractOutput
    delay: jax.Array | None
    port: str | None = eqx.field(static=True)
    delivery: str = eqx.field(static=True)
    max_spikes: int | None = eqx.field(static=True)
    max_delay: float = eqx.field(static=True)
    key: jax.Array | None
    name: str = eqx.field(static=True)
    synapses: Synapses | None = None
    dense: jax.Array | None = None

    def __init__(self, pre: str, post: str, connectivity: AbstractConnectivity, weight=1.0, *,
                 synapse: AbstractSynapse | None = None, output: AbstractOutput | None = None,
                 delay=None, port: str | None = None, delivery: Delivery = "auto",
                 max_spikes: int | None = None, max_delay: float | None = None,
                 key: jax.Array | None = None,
                 name: str | None = None, synapses: Synapses | None = None,
                 dense: jax.Array | None = None):
        if not isinstance(connectivity, AbstractConnectivity):
            raise TypeError(f"Projection {pre}->{post}: `connectivity` must be an "
                            f"nj.connectivity rule; got {type(connectivity).__name__}.")
        if delivery not in ("auto", "event", "dense"):
            raise ValueError(f"Projection {pre}->{post}: `delivery` must be 'auto', 'event' or "
                             f"'dense'; got {delivery!r}.")
        synapse = Exponential() if synapse is None else synapse
        if not isinstance(synapse, AbstractSynapse):
            raise TypeError(f"Projection {pre}->{post}: `synapse` must be an nj.synapses "
                            f"model; got {type(synapse).__name__}.")
        output = CUBA() if output is None else output
        if not isinstance(output, AbstractOutput):
            raise TypeError(f"Projection {pre}->{post}: `output` must be CUBA, COBA or MgBlock; "
                            f"got {type(output).__name__}.")
        self.pre, self.post, self.connectivity = pre, post, connectivity
        self.weight = as_float_array(weight)
        self.synapse, self.output = synapse, output
        self.delay = None if delay is None else as_float_array(delay)
        if self.delay is not None and is_concrete(self.delay):
            bad = np.asarray(self.delay)
            if np.any(~np.isfinite(bad)) or np.any(bad < 0):
                raise ValueError(f"Projection {pre}->{post}: `delay` must be finite and "
                                 f"non-negative (ms); got a minimum of {np.nanmin(bad)}.")
        if max_delay is None:
            if self.delay is None:
                max_delay = 0.0
            elif is_concrete(self.delay):
                max_delay = float(np.max(np.asarray(self.delay), initial=0.0))
            else:
                raise ValueError(f"Projection {pre}->{post}: the delays are traced; pass "
                                 f"`max_delay` (ms) to size the spike queue.")
        self.max_delay = float(max_delay)
        self.port, self.delivery, self.max_spikes = port, delivery, max_spikes
        self.key = key
        self.name = name or f"{pre}->{post}"
        self.synapses, self.dense = synapses, dense

    def dense_product(self, x: jax.Array) -> jax.Array:
        """`weight * (dense @ x)` for dense delivery: a matrix `(n_post, n_pre)`, a row
        `(1, n_pre)` shared by every target (the result broadcasts over the targets), or a
        diagonal `(n,)` (one to one)."""
        if self.dense.ndim == 1:
            return self.weight * (self.dense * x)
        return self.weight * (self.dense @ x)

    @property
    def built(self) -> bool:
        """Whether the synapses have been generated (done by `Network`)."""
        return self.synapses is not None or self.dense is not None

    def build(self, n_pre: int, n_post: int, key: jax.Array | None) -> Projection:
        """Generates the synapses for populations of `n_pre` and `n_post` neurons."""
        key = self.key if self.key is not None else key
        uniform = self.weight.ndim == 0 and (self.delay is None or self.delay.ndim == 0)
        if (uniform and self.delivery != "event" and isinstance(self.connectivity, AllToAll)
                and self.connectivity.allow_self):
            # Every target receives the same sum over all sources: one shared row (1, n_pre)
            # instead of an (n_post, n_pre) matrix of ones, O(n_pre) a step.
            row = jnp.asarray(np.ones((1, n_pre), self.weight.dtype))
            return dataclasses.replace(self, dense=row, delivery="dense")
        pre, post = self.connectivity.edges(n_pre, n_post, key)
        if uniform and self.delivery != "event" and isinstance(self.connectivity, OneToOne):
            # Target i receives source i: the diagonal (n,), O(n) a step.
            diagonal = jnp.asarray(np.ones((n_pre,), self.weight.dtype))
            return dataclasses.replace(self, dense=diagonal, delivery="dense")
        values = self.connectivity.values() if isinstance(self.connectivity,
                                                          FromMatrix) else None
        per_synapse = self.weight.ndim > 0
        if per_synapse and self.weight.shape != (len(pre),):
            raise ValueError(f"Projection {self.name}: `weight` has shape {self.weight.shape}, "
                             f"but the connectivity made {len(pre)} synapses; pass a scalar or "
                             f"one weight per synapse.")
        if self.delay is not None and self.delay.ndim > 0 and self.delay.shape != (len(pre),):
            raise ValueError(f"Projection {self.name}: `delay` has shape {self.delay.shape}, but "
                             f"the connectivity made {len(pre)} synapses; pass a scalar or one "
                             f"delay per synapse.")
        mode = self.delivery
        if mode == "auto":
            mode = "dense" if len(pre) > 0.25 * n_pre * n_post else "event"
        if mode == "dense" and self.delay is not None and self.delay.ndim > 0:
            raise ValueError(f"Projection {self.name}: per-synapse delays need "
                             f"delivery='event'.")
        # Per-synapse weights (the projection's, times the matrix values) live in the
        # synapses, and the projection's weight becomes 1; without either, the synapses
        # weigh 1 and the scalar weight multiplies them.
        base = None
        if per_synapse or values is not None:
            base = _per_synapse(self.weight) if per_synapse else 1.0
            if values is not None:
                base = base * _per_synapse(values)
        weight = jnp.asarray(np.ones((), self.weight.dtype)) if per_synapse else self.weight
        if mode == "dense":
            dtype = jnp.result_type(float)
            if base is None or is_concrete(base):  # summed on the host (repeated pairs add)
                flat = np.bincount(np.asarray(post) * n_pre + np.asarray(pre),
                                   None if base is None else np.broadcast_to(base, len(pre)),
                                   minlength=n_post * n_pre)
                dense = jnp.asarray(flat.reshape(n_post, n_pre).astype(dtype))
            else:
                dense = jnp.zeros((n_post, n_pre), dtype).at[post, pre].add(base)
            return dataclasses.replace(self, dense=dense, delivery="dense", weight=weight)
        delay = None if self.delay is None or self.delay.ndim == 0 else self.delay
        synapses = as_synapses(pre, post, n_pre, n_post, base, delay)
        return dataclasses.replace(self, synapses=synapses, delivery="event", weight=weight)

    def spike_bound(self, n_pre: int) -> int:
        """The static bound on spiking `pre` neurons per step for event delivery."""
        if self.max_spikes is not None:
            return int(min(self.max_spikes, n_pre))
        return int(min(n_pre, max(64, math.ceil(0.1 * n_pre))))


def _per_synapse(value):
    """Per-synapse values as a NumPy array when concrete (laid out on the host), else the
    traced array."""
    return np.asarray(value) if is_concrete(value) else jnp.asarray(value)
