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
import numpy as np

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
    """Static sizes for the spiking rows gathered in one step: 16, 128, 1024, ... up to
    `bound`. The smallest that holds the step's spikes is used, so the cost follows the
    actual number of spikes while shapes stay static."""
    sizes = [k for k in (16, 128, 1024, 8192) if k < bound]
    return (*sizes, bound)


#: Fan-out of the count tree over the spikes: bits per packed word, words per group, ...
_FAN = 32


def _inclusive_sums(counts: jax.Array, n: int) -> jax.Array:
    """Running sums along the last axis of non-negative counts of spikes among `n` neurons.

    A product with a triangular matrix of ones, exact in float32 for fewer than 2^24
    neurons: on CPU several times faster than `cumsum`, whose reduce-window XLA runs element
    by element.
    """
    if n >= 2 ** 24:
        return jnp.cumsum(counts, axis=-1)
    ones = np.triu(np.ones((counts.shape[-1],) * 2, np.float32))  # a constant
    return (counts.astype(jnp.float32) @ ones).astype(counts.dtype)


class SpikeTree(eqx.Module):
    """Where the spikes of a population are: the spikes packed 32 to a `uint32` word, and
    a pyramid of counts (spikes per word, per group of 32 words, ...; the last level has at
    most 32 entries). Built once per step; any number of spiking rows is then found in
    O(rows x levels x 32) operations, with no pass over the population (a prefix sum, as in
    `jnp.nonzero`, costs as much as the rest of a step of a large network)."""

    words: jax.Array
    counts: tuple[jax.Array, ...]

    @property
    def total(self) -> jax.Array:
        """The number of spikes."""
        return jnp.sum(self.counts[-1])


def _pad_to_fan(x: jax.Array) -> jax.Array:
    """`x` padded with zeros to a whole number of rows of `_FAN`, shape `(rows, _FAN)`."""
    rows = -(-x.shape[0] // _FAN)
    return jnp.pad(x, (0, rows * _FAN - x.shape[0])).reshape(rows, _FAN)


def spike_tree(spikes: jax.Array) -> SpikeTree:
    """The `SpikeTree` of `spikes` (non-zero where a neuron spiked)."""
    bits = _pad_to_fan(spikes != 0).astype(jnp.uint32)
    words = jnp.sum(bits << jnp.arange(_FAN, dtype=jnp.uint32), axis=1, dtype=jnp.uint32)
    counts = [jax.lax.population_count(words).astype(jnp.int32)]
    while counts[-1].shape[0] > _FAN:
        counts.append(jnp.sum(_pad_to_fan(counts[-1]), axis=1))
    return SpikeTree(words=words, counts=tuple(counts))


def _nth_set_bit(word: jax.Array, nth: jax.Array) -> jax.Array:
    """The position of the `nth` (from 0) set bit of each `uint32` `word`: the number of
    bit positions up to which fewer than `nth + 1` bits are set. (A sum, which XLA keeps
    apart from the gathers that use its result, instead of repeating it in them.)"""
    below = np.uint32(2) << np.arange(_FAN, dtype=np.uint32)  # masks of bits 0..b
    set_up_to = jax.lax.population_count(word[:, None] & (below - np.uint32(1)))
    return jnp.sum(set_up_to.astype(nth.dtype) <= nth[:, None], axis=1, dtype=nth.dtype)


def _spiking_rows(tree: SpikeTree, spikes: jax.Array, n_rows: int):
    """The first `n_rows` neurons that spiked, in increasing order, and their spike values
    (0 in unused rows, which point at neuron 0, so no table is copied or padded in the step).

    Row r descends the count tree: at each level, the child whose running count passes r.
    """
    rank = jnp.arange(n_rows, dtype=jnp.int32)

    def child(counts, rank):
        ends = _inclusive_sums(counts, spikes.shape[0])
        which = jnp.minimum(jnp.sum(ends <= rank[:, None], axis=1), counts.shape[1] - 1)
        before = jnp.take_along_axis(ends - counts, which[:, None], axis=1)[:, 0]
        return which, rank - before

    top = tree.counts[-1]
    node, nth = child(jnp.broadcast_to(top, (n_rows, top.shape[0])), rank)
    for counts in reversed(tree.counts[:-1]):
        which, nth = child(_pad_to_fan(counts)[node], nth)
        node = node * _FAN + which
    index = node * _FAN + _nth_set_bit(tree.words[node], nth)
    used = rank < tree.total
    index = jnp.where(used, index, 0)
    # The spike value (1 with a surrogate derivative) multiplies the weights.
    return index, jnp.where(used, spikes[index], 0.0)


def _event_arrivals(proj: Projection, index, value, queue: SpikeQueue | None, head,
                    into: jax.Array | None):
    """Post-side arrivals of one event projection from the rows `index` that spiked (added
    to `into` if given, in place of a new array)."""
    syn = proj.synapses
    rows, weights = syn.rows(index, proj.weight * value)
    if queue is None:
        if into is not None:  # padding targets (n_post) are out of range: dropped
            return into.at[rows].add(weights, mode="drop"), None
        n_post = syn.n_post
        return jnp.zeros((n_post + 1,), weights.dtype).at[rows].add(weights)[:n_post], None
    whole, frac = queue.lag
    if jnp.ndim(whole) > 0:  # per synapse: the lags of the rows that spiked
        whole, frac = whole[index], frac[index]
    now, queue = _through_queue(queue, head, weights, rows, (whole, frac))
    return (now if into is None else into + now), queue


def deliver(projs: list[Projection], spikes: jax.Array, queues: dict[str, SpikeQueue],
            head, into: dict[str, jax.Array] | None = None
            ) -> tuple[dict[str, jax.Array], dict[str, SpikeQueue]]:
    """What reaches the synapses of every projection in `projs` (all from the same
    presynaptic population, whose `spikes` these are) and their updated queues.

    Post-side synapses get the summed weights per target `(n_post,)`; pre-side synapses the
    spikes per source `(n_pre,)`. For the post-side projections named in `into`, the
    arrivals are added to the given array instead (an event projection scatters its weights
    straight into it), and the sum is returned. Event projections share one search for the
    neurons that spiked and one check of its bound, through the smallest static size of a
    ladder that holds this step's spikes.
    """
    arrived, queues, into = {}, dict(queues), dict(into or {})

    def keep(name, result):
        arrived[name], queue = result
        if queue is not None:
            queues[name] = queue
        if name in into and not events_named.get(name, False):
            arrived[name] = into[name] + arrived[name]

    events_named = {p.name: p.synapse.side == "post" and p.delivery != "dense" for p in projs}

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
    tree = spike_tree(spikes)
    count = tree.total
    names = ", ".join(p.name for p, b in zip(events, bounds, strict=True) if b == bound)
    spikes = eqx.error_if(spikes, count > bound,
                          f"Projection {names}: more than {bound} neurons of "
                          f"{events[0].pre!r} spiked in one step; pass a larger `max_spikes` "
                          f"to the projection.")
    event_queues = {p.name: queues[p.name] for p in events if p.name in queues}

    event_into = {p.name: into[p.name] for p in events if p.name in into}

    def branch(spikes, event_queues, event_into, n_rows):
        index, value = _spiking_rows(tree, spikes, n_rows)
        return {p.name: _event_arrivals(p, index, value, event_queues.get(p.name), head,
                                        event_into.get(p.name)) for p in events}

    sizes = _ladder(bound)
    if len(sizes) == 1:
        results = branch(spikes, event_queues, event_into, sizes[0])
    else:
        which = jnp.sum(np.asarray(sizes[:-1]) < count)  # the first size >= count
        results = jax.lax.switch(which, [lambda s, q, i, k=k: branch(s, q, i, k)
                                         for k in sizes], spikes, event_queues, event_into)
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
