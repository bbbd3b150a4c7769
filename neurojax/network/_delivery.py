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
    if proj.synapse.side == "post" and proj.dense is not None:
        n = proj.dense.shape[0]  # 1 for a row shared by every target (all-to-all)
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


def _spiking_rows(spikes: jax.Array, n_rows: int):
    """The first `n_rows` neurons that spiked and their spike values (0 in unused rows, which
    point at neuron 0, so no table is copied or padded in the step)."""
    index = jnp.nonzero(spikes != 0, size=n_rows, fill_value=0)[0]
    used = jnp.arange(n_rows) < jnp.sum(spikes != 0)
    # The spike value (1 with a surrogate derivative) multiplies the weights.
    return index, jnp.where(used, spikes[index], 0.0)


def _event_arrivals(proj: Projection, index, value, queue: SpikeQueue | None, head):
    """Post-side arrivals of one event projection from the rows `index` that spiked."""
    syn = proj.synapses
    rows, weights = syn.targets[index], proj.weight * syn.weights[index] * value[:, None]
    if queue is None:
        n_post = syn.n_post
        return jnp.zeros((n_post + 1,), weights.dtype).at[rows].add(weights)[:n_post], None
    whole, frac = queue.lag
    if jnp.ndim(whole) > 0:  # per synapse: the lags of the rows that spiked
        whole, frac = whole[index], frac[index]
    return _through_queue(queue, head, weights, rows, (whole, frac))


def _ladder(bound: int) -> tuple[int, ...]:
    """Static sizes for the spiking rows gathered in one step: 16, 64, 256, ... up to
    `bound`. The smallest that holds the step's spikes is used, so the cost follows the
    actual number of spikes while shapes stay static."""
    sizes = [k for k in (16, 64, 256, 1024, 4096) if k < bound]
    return (*sizes, bound)


def deliver(projs: list[Projection], spikes: jax.Array, queues: dict[str, SpikeQueue],
            head) -> tuple[dict[str, jax.Array], dict[str, SpikeQueue]]:
    """What reaches the synapses of every projection in `projs` (all from the same
    presynaptic population, whose `spikes` these are) and their updated queues.

    Post-side synapses get the summed weights per target `(n_post,)`; pre-side synapses the
    spikes per source `(n_pre,)`. Event projections share one search for the neurons that
    spiked and one check of its bound, through the smallest static size of a ladder that
    holds this step's spikes.
    """
    arrived, queues = {}, dict(queues)

    def keep(name, result):
        arrived[name], queue = result
        if queue is not None:
            queues[name] = queue

    events = []
    for proj in projs:
        queue = queues.get(proj.name)
        if proj.synapse.side != "post":
            keep(proj.name, (spikes, None) if queue is None else
                 _through_queue(queue, head, spikes[None, :], None, 1))
        elif proj.delivery == "dense":
            now = proj.dense_product(spikes)
            keep(proj.name, (now, None) if queue is None else
                 _through_queue(queue, head, now[None, :], None, 1))
        else:
            events.append(proj)
    if not events:
        return arrived, queues

    bounds = [p.spike_bound(p.synapses.n_pre) for p in events]
    bound = min(bounds)
    count = jnp.sum(spikes != 0)
    names = ", ".join(p.name for p, b in zip(events, bounds, strict=True) if b == bound)
    spikes = eqx.error_if(spikes, count > bound,
                          f"Projection {names}: more than {bound} neurons of "
                          f"{events[0].pre!r} spiked in one step; pass a larger `max_spikes` "
                          f"to the projection.")
    event_queues = {p.name: queues[p.name] for p in events if p.name in queues}

    def branch(spikes, event_queues, n_rows):
        index, value = _spiking_rows(spikes, n_rows)
        return {p.name: _event_arrivals(p, index, value, event_queues.get(p.name), head)
                for p in events}

    sizes = _ladder(bound)
    if len(sizes) == 1:
        results = branch(spikes, event_queues, sizes[0])
    else:
        which = jnp.minimum(jnp.searchsorted(jnp.asarray(sizes), count), len(sizes) - 1)
        results = jax.lax.switch(which, [lambda s, q, k=k: branch(s, q, k) for k in sizes],
                                 spikes, event_queues)
    for name, result in results.items():
        keep(name, result)
    return arrived, queues


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
