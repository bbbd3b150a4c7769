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
    """Static sizes for the spiking rows gathered in one step: 16, 32, 64, 128, then 512,
    2048, ... (the sizes of bursts, used rarely), then `bound` (sizes less than 1.5 times
    below it are left out). The smallest that holds the step's spikes is used, so the cost
    follows the actual number of spikes (up to 128 rows, at most twice the rows that spiked
    are gathered and scattered) while shapes stay static; each size is a branch to
    compile."""
    sizes = [16]
    while 1.5 * sizes[-1] < bound:
        sizes.append(sizes[-1] * (2 if sizes[-1] < 128 else 4))
    return (*sizes[:-1], bound)


#: Fan-out of the count tree over the spikes: bits per packed word, words per group, ...
_FAN = 32


def _running_sums(counts: jax.Array) -> jax.Array:
    """Inclusive running sums along the last axis (at most `_FAN` wide) of integer counts,
    as one masked sum over a `(..., width, width)` block: a single pass, where `cumsum` is a
    reduce-window that XLA runs element by element and a product with a triangular matrix
    of ones needs conversions to float and back. (Wider blocks cost more than the extra
    level of the tree they would save.)"""
    width = counts.shape[-1]
    upto = np.arange(width)[None, :] <= np.arange(width)[:, None]  # [i, j]: j <= i
    return jnp.sum(jnp.where(upto, counts[..., None, :], 0), axis=-1, dtype=counts.dtype)


class SpikeTree(eqx.Module):
    """Where the spikes of a population are: the spikes packed 32 to a `uint32` word, and
    a pyramid of counts (spikes per word, per group of 32 words, ...; the top level has at
    most 32 entries), each level held as running sums within its groups of 32. Built once
    per step; any number of spiking rows is then found in O(rows x levels x 32) operations,
    with no pass over the population (a prefix sum, as in `jnp.nonzero`, costs as much as the
    rest of a step of a large network)."""

    words: jax.Array
    ends: tuple[jax.Array, ...]  # (groups, 32) per level, then the top (1, <= 32)

    @property
    def total(self) -> jax.Array:
        """The number of spikes."""
        return self.ends[-1][0, -1]


def _pad_to_fan(x: jax.Array) -> jax.Array:
    """`x` padded with zeros to a whole number of rows of `_FAN`, shape `(rows, _FAN)`."""
    rows = -(-x.shape[0] // _FAN)
    return jnp.pad(x, (0, rows * _FAN - x.shape[0])).reshape(rows, _FAN)


def spike_tree(spikes: jax.Array) -> SpikeTree:
    """The `SpikeTree` of `spikes` (non-zero where a neuron spiked)."""
    bits = _pad_to_fan(spikes != 0).astype(jnp.uint32)
    words = jnp.sum(bits << jnp.arange(_FAN, dtype=jnp.uint32), axis=1, dtype=jnp.uint32)
    counts = jax.lax.population_count(words).astype(jnp.int32)
    ends = []
    while counts.shape[0] > _FAN:
        ends.append(_running_sums(_pad_to_fan(counts)))
        counts = ends[-1][:, -1]  # the totals of the groups
    ends.append(_running_sums(counts)[None, :])
    return SpikeTree(words=words, ends=tuple(ends))


def _spiking_rows(tree: SpikeTree, spikes: jax.Array, n_rows: int):
    """The first `n_rows` neurons that spiked, in increasing order, and their spike values
    (0 in unused rows, which point at neuron 0, so no table is copied or padded in the step).

    Row r descends the count tree: at each level, the child whose running count passes r.
    """
    rank = jnp.arange(n_rows, dtype=jnp.int32)

    def child(ends, rank):  # ends: (n_rows or 1, width) running sums of the children
        width = ends.shape[1]
        which = jnp.minimum(jnp.sum(ends <= rank[:, None], axis=1), width - 1)
        before = jnp.take_along_axis(jnp.broadcast_to(ends, (n_rows, width)),
                                     jnp.maximum(which - 1, 0)[:, None], axis=1)[:, 0]
        return which, rank - jnp.where(which > 0, before, 0)

    node, nth = child(tree.ends[-1], rank)
    for ends in reversed(tree.ends[:-1]):
        which, nth = child(ends[node], nth)
        node = node * _FAN + which
    # The neuron: 32 node + the position of the nth set bit of the node's word, which is
    # the number of bit positions up to which at most nth bits are set. All in one sum, so
    # XLA keeps the result in a buffer; fused into the gathers of the target rows, the
    # descent above would be repeated for every gathered target.
    below = np.uint32(2) << np.arange(_FAN, dtype=np.uint32)  # masks of bits 0..b
    set_up_to = jax.lax.population_count(tree.words[node][:, None] & (below - np.uint32(1)))
    terms = (set_up_to.astype(jnp.int32) <= nth[:, None]).astype(jnp.int32)
    terms = terms + jnp.where(np.arange(_FAN) == 0, node[:, None] * _FAN, 0)
    used = rank < tree.total
    index = jnp.sum(jnp.where(used[:, None], terms, 0), axis=1)  # (a sum of 32: one pass)
    # The spike value (1 with a surrogate derivative) multiplies the weights.
    return index, jnp.where(used, spikes[index], 0.0), used


def _event_arrivals(proj: Projection, index, value, used, queue: SpikeQueue | None, head,
                    into: jax.Array | None):
    """Post-side arrivals of one event projection from the rows `index` that spiked (added
    to `into` if given, in place of a new array). Unused rows (`used` False) target the
    padding: their scatter is dropped, not added (as zeros) to the targets of neuron 0."""
    syn = proj.synapses
    rows, weights = syn.rows(index, proj.weight * value, used)
    if queue is None:
        if into is None:
            into = jnp.zeros((syn.n_post,), weights.dtype)
        return _scatter_add(into, rows, weights), None
    whole, frac = queue.lag
    if jnp.ndim(whole) > 0:  # per synapse: the lags of the rows that spiked
        whole, frac = whole[index], frac[index]
    now, queue = _through_queue(queue, head, weights, rows, (whole, frac))
    return (now if into is None else into + now), queue


def _scatter_add(into: jax.Array, rows: jax.Array, values: jax.Array) -> jax.Array:
    """`into.at[rows].add(values)`, dropping the padding targets (`rows == len(into)`):
    one scatter of the `(spikes, out-degree)` block, without the wrapping of negative
    indices that `jnp` adds to every element."""
    dims = jax.lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                           scatter_dims_to_operand_dims=(0,))
    return jax.lax.scatter_add(into, rows[..., None], values.astype(into.dtype), dims,
                               mode=jax.lax.GatherScatterMode.FILL_OR_DROP)


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
    event_queues = {p.name: queues[p.name] for p in events if p.name in queues}
    event_into = {p.name: into[p.name] for p in events if p.name in into}
    sizes = _ladder(bound)

    def branch(spikes, event_queues, event_into, n_rows):
        index, value, used = _spiking_rows(tree, spikes, n_rows)
        return {p.name: _event_arrivals(p, index, value, used, event_queues.get(p.name), head,
                                        event_into.get(p.name)) for p in events}

    def overflow(spikes, event_queues, event_into):
        # Reached only when more than `bound` neurons spiked: raises (under jit, when the
        # computation runs) and delivers nothing, so the check costs no operation of its
        # own in a step, and little to compile.
        shapes = jax.eval_shape(lambda *a: branch(*a, sizes[0]), spikes, event_queues,
                                event_into)
        return eqx.error_if(jax.tree.map(lambda x: jnp.zeros(x.shape, x.dtype), shapes),
                            count > bound,
                            f"Projection {names}: more than {bound} neurons of "
                            f"{events[0].pre!r} spiked in one step; pass a larger "
                            f"`max_spikes` to the projection.")

    # The smallest size of the ladder that holds this step's spikes; past the bound, the
    # branch that raises.
    which = jnp.sum(np.asarray(sizes) < count)
    results = jax.lax.switch(which, [*(lambda s, q, i, k=k: branch(s, q, i, k) for k in sizes),
                                     overflow], spikes, event_queues, event_into)
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
