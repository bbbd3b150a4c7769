"""Padded sparse layouts of synaptic connectivity (padded CSR, pre -> targets)."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..core import is_concrete


class Synapses(eqx.Module):
    """Connections of a projection, stored pre-major and padded: `targets[pre, k]` is the k-th
    target of neuron `pre` (padding entries hold `n_post`, which scatter-adds drop), with
    per-synapse `weights` and `delays` (ms) of the same shape.

    Spike delivery gathers the rows of the spiking neurons and scatter-adds their weights:
    O(spikes x out-degree) a step. Without per-synapse weights (`weights` None: every synapse
    weighs 1, the projection's scalar weight multiplies them), only the targets are gathered.
    """

    targets: jax.Array  # (n_pre, max_out_degree) int32
    weights: jax.Array | None  # (n_pre, max_out_degree), or None for weights of 1
    delays: jax.Array | None  # (n_pre, max_out_degree) ms, or None for no delays
    n_pre: int = eqx.field(static=True)
    n_post: int = eqx.field(static=True)

    @property
    def n_synapses(self) -> int:
        """Number of (non-padding) synapses."""
        return int(np.sum(np.asarray(self.targets) < self.n_post))

    @property
    def mask(self) -> jax.Array:
        """True where an entry is a synapse (not padding)."""
        return self.targets < self.n_post

    def rows(self, index: jax.Array, value: jax.Array, used: jax.Array | None = None
             ) -> tuple[jax.Array, jax.Array]:
        """The targets of the neurons `index` (each in `[0, n_pre)`) and their weights times
        `value` (one per row), both `(len(index), max_out_degree)`. Rows where `used` is
        False get the padding target `n_post` throughout (dropped by scatters)."""
        targets = gather_rows(self.targets, index)
        if used is not None:
            targets = jnp.where(used[:, None], targets, self.n_post)
        if self.weights is None:
            return targets, jnp.broadcast_to(value[:, None], targets.shape)
        return targets, gather_rows(self.weights, index) * value[:, None]

    def to_dense(self) -> np.ndarray:
        """The weight matrix `(n_post, n_pre)` (rows are targets), for inspection and tests."""
        dense = np.zeros((self.n_post + 1, self.n_pre))
        pre = np.broadcast_to(np.arange(self.n_pre)[:, None], self.targets.shape)
        weights = (np.asarray(self.mask, float) if self.weights is None
                   else np.asarray(self.weights))
        np.add.at(dense, (np.asarray(self.targets), pre), weights)
        return dense[: self.n_post]


def gather_rows(table: jax.Array, index: jax.Array) -> jax.Array:
    """`table[index]` for row indices known to be in range: a plain gather of whole rows,
    without the wrapping of negative indices that `jnp` indexing adds to every gathered
    element (XLA evaluates a gather fusion element by element)."""
    dims = jax.lax.GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,),
                                          start_index_map=(0,))
    return jax.lax.gather(table, index[:, None], dims, (1, table.shape[1]),
                          mode=jax.lax.GatherScatterMode.PROMISE_IN_BOUNDS)


def pad_rows(pre: np.ndarray, post: np.ndarray, n_pre: int, n_post: int, *,
             with_index: bool = True):
    """Padded pre-major target lists from edge lists (pre, post) (any order).

    Returns `(targets, index)`: `targets` `(n_pre, K)` with `n_post` as padding, and `index`
    `(n_pre, K)` giving the position of each entry in the input edge list (-1 for padding;
    None unless `with_index`).
    """
    pre, post = np.asarray(pre), np.asarray(post)
    if pre.size == 0 or np.all(pre[1:] >= pre[:-1]):  # already pre-major (FixedProb)
        order = None
        pre_sorted, post_sorted = pre, post
    else:
        order = np.argsort(pre, kind="stable")
        pre_sorted, post_sorted = pre[order], post[order]
    counts = np.bincount(pre_sorted, minlength=n_pre)
    width = max(int(counts.max(initial=0)), 1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    slot = np.arange(pre_sorted.size) - np.repeat(starts, counts)
    targets = np.full((n_pre, width), n_post, dtype=np.int32)
    targets[pre_sorted, slot] = post_sorted
    if not with_index:
        return targets, None
    index = np.full((n_pre, width), -1, dtype=np.int64)
    index[pre_sorted, slot] = np.arange(pre.size) if order is None else order
    return targets, index


def as_synapses(pre, post, n_pre: int, n_post: int, weight, delay) -> Synapses:
    """Builds `Synapses` from edge lists and a per-edge `weight` (None: 1 for every synapse)
    and a scalar or per-edge `delay` (None: no delays).

    The tables are laid out with NumPy on the host and moved to the device once (traced
    weights or delays, e.g. fitted ones, are laid out with jax).
    """
    if weight is None and delay is None:
        targets, _ = pad_rows(pre, post, n_pre, n_post, with_index=False)
        return Synapses(targets=jnp.asarray(targets), weights=None, delays=None,
                        n_pre=n_pre, n_post=n_post)
    targets, index = pad_rows(pre, post, n_pre, n_post)
    valid = index >= 0
    source = np.maximum(index, 0)
    n_edges = len(pre)
    dtype = jnp.result_type(float)

    def per_edge(name, value):
        if value.ndim > 0 and value.shape != (n_edges,):
            raise ValueError(f"`{name}` has shape {value.shape}; pass a scalar or one value per "
                             f"synapse, shape ({n_edges},) in the order the connectivity lists "
                             f"them (see `.edges()`).")
        if is_concrete(value):
            value = np.asarray(value, dtype=dtype)
            table = value[source] if value.ndim else np.full(valid.shape, value, dtype)
            return jnp.asarray(np.where(valid, table, np.zeros((), dtype)))
        value = jnp.asarray(value, dtype=dtype)
        table = value[source] if value.ndim else value
        return jnp.where(valid, table, 0.0)

    weights = None if weight is None else per_edge("weight", _array(weight))
    delays = None if delay is None else per_edge("delay", _array(delay))
    return Synapses(targets=jnp.asarray(targets), weights=weights, delays=delays,
                    n_pre=n_pre, n_post=n_post)


def _array(value):
    """A NumPy array of a concrete value, else the (traced) jax array."""
    return np.asarray(value) if is_concrete(value) else jnp.asarray(value)
