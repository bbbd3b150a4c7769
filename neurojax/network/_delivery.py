"""Spike delivery through projections: event-driven or dense, with delays.

A projection whose synapse keeps its state per target (`side="post"`) adds the weights of the
spikes that reach each target. With delays, contributions are written into a ring buffer of
future arrivals (`slots x n_post`) at `head + k` and `head + k + 1` for a delay of `k + frac`
steps (split `1 - frac`, `frac`), then the row for the current step is read and cleared.
Synapses with per-source state (`side="pre"`) receive the (delayed) spikes themselves.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp

from ._projection import Projection


class SpikeQueue(eqx.Module):
    """Future arrivals of one projection (solver state)."""

    buffer: jax.Array  # (slots, n) arrivals per step: weighted (post side) or spikes (pre side)
    lag: tuple[jax.Array, jax.Array]  # (whole steps, fraction), scalar or per synapse
    slots: int = eqx.field(static=True)


def init_queue(proj: Projection, n: int, dt: float, dtype) -> SpikeQueue | None:
    """The ring buffer for `proj` (None without delays)."""
    if proj.delay is None:
        return None
    delays = proj.synapses.delays if (proj.synapses is not None
                                      and proj.synapses.delays is not None) else proj.delay
    slots = int(math.ceil(proj.max_delay / dt - 1e-9)) + 2
    steps = delays / dt
    whole = jnp.floor(jax.lax.stop_gradient(steps)).astype(jnp.int32)
    return SpikeQueue(buffer=jnp.zeros((slots, n + 1), dtype), lag=(whole, steps - whole),
                      slots=slots)


def _ladder(bound: int) -> tuple[int, ...]:
    """Static sizes for the spiking rows gathered in one step: 16, 64, 256, ... up to
    `bound`. The smallest that holds the step's spikes is used, so the cost follows the
    actual number of spikes while shapes stay static."""
    sizes = [k for k in (16, 64, 256, 1024, 4096) if k < bound]
    return (*sizes, bound)


def _scatter_rows(proj: Projection, spikes: jax.Array, n_rows: int, add):
    """`add(index, rows, weights)` for the first `n_rows` spiking neurons. Unused rows point
    at neuron 0 with zero weight, so no table is copied or padded in the step."""
    syn = proj.synapses
    index = jnp.nonzero(spikes != 0, size=n_rows, fill_value=0)[0]
    used = jnp.arange(n_rows) < jnp.sum(spikes != 0)
    # The spike value (1 with a surrogate derivative) multiplies its weights.
    value = jnp.where(used, spikes[index], 0.0)
    return add(index, syn.targets[index], proj.weight * syn.weights[index] * value[:, None])


def _event_delivery(proj: Projection, spikes: jax.Array, add):
    """Calls `add` on the rows of the neurons that spiked, through the smallest static size
    of the ladder that holds them all."""
    bound = proj.spike_bound(proj.synapses.n_pre)
    count = jnp.sum(spikes != 0)
    spikes = eqx.error_if(spikes, count > bound,
                          f"Projection {proj.name}: more than {bound} neurons of {proj.pre!r} "
                          f"spiked in one step; pass a larger `max_spikes` to the projection.")
    sizes = _ladder(bound)
    branches = [lambda s, k=k: _scatter_rows(proj, s, k, add) for k in sizes]
    if len(branches) == 1:
        return branches[0](spikes)
    which = jnp.searchsorted(jnp.asarray(sizes), count)
    return jax.lax.switch(jnp.minimum(which, len(sizes) - 1), branches, spikes)


def arrivals(proj: Projection, spikes: jax.Array, queue: SpikeQueue | None, head):
    """What reaches the synapse of `proj` now, and the updated queue.

    Post-side synapses get the summed weights per target `(n_post,)`; pre-side synapses the
    spikes per source `(n_pre,)`.
    """
    post_side = proj.synapse.side == "post"
    if not post_side:
        now = spikes
        if queue is None:
            return now, None
        return _through_queue(queue, head, now[None, :], None, 1)
    if proj.delivery == "dense":
        now = proj.weight * (proj.dense @ spikes)
        if queue is None:
            return now, None
        return _through_queue(queue, head, now[None, :], None, 1)
    n_post = proj.synapses.n_post
    if queue is None:
        def add_now(index, rows, weights):
            return jnp.zeros((n_post + 1,), weights.dtype).at[rows].add(weights)[:n_post]

        return _event_delivery(proj, spikes, add_now), None

    def add_later(index, rows, weights):
        whole, frac = queue.lag
        if jnp.ndim(whole) > 0:  # per synapse: the lags of the rows that spiked
            whole, frac = whole[index], frac[index]
        return _through_queue(queue, head, weights, rows, (whole, frac))

    return _event_delivery(proj, spikes, add_later)


def _through_queue(queue: SpikeQueue, head, values, rows, lag):
    """Adds `values` at their delays after `head`, reads and clears the row of `head`."""
    whole, frac = queue.lag if lag == 1 else lag
    slots = queue.slots
    first = (head + whole) % slots
    second = (first + 1) % slots
    buf = queue.buffer
    if rows is None:  # one row of values (n,), scalar lag
        row = jnp.concatenate([values[0], jnp.zeros((1,), values.dtype)])
        buf = buf.at[first].add((1 - frac) * row).at[second].add(frac * row)
    else:  # event rows: values (K, width) at targets `rows`
        buf = buf.at[first, rows].add((1 - frac) * values).at[second, rows].add(frac * values)
    now = buf[head % slots, :-1]
    buf = buf.at[head % slots].set(0.0)
    return now, SpikeQueue(buffer=buf, lag=queue.lag, slots=slots)
