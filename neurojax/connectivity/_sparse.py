"""Padded sparse layouts of synaptic connectivity (padded CSR, pre -> targets)."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np


class Synapses(eqx.Module):
    """Connections of a projection, stored pre-major and padded: `targets[pre, k]` is the k-th
    target of neuron `pre` (padding entries hold `n_post`, which scatter-adds drop), with
    per-synapse `weights` and `delays` (ms) of the same shape.

    Spike delivery gathers the rows of the spiking neurons and scatter-adds their weights:
    O(spikes x out-degree) a step.
    """

    targets: jax.Array  # (n_pre, max_out_degree) int32
    weights: jax.Array  # (n_pre, max_out_degree)
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

    def to_dense(self) -> np.ndarray:
        """The weight matrix `(n_post, n_pre)` (rows are targets), for inspection and tests."""
        dense = np.zeros((self.n_post + 1, self.n_pre))
        pre = np.broadcast_to(np.arange(self.n_pre)[:, None], self.targets.shape)
        np.add.at(dense, (np.asarray(self.targets), pre), np.asarray(self.weights))
        return dense[: self.n_post]


def pad_rows(pre: np.ndarray, post: np.ndarray, n_pre: int, n_post: int):
    """Padded pre-major target lists from edge lists (pre, post) (any order).

    Returns `(targets, index)`: `targets` `(n_pre, K)` with `n_post` as padding, and `index`
    `(n_pre, K)` giving the position of each entry in the input edge list (-1 for padding).
    """
    order = np.argsort(pre, kind="stable")
    pre_sorted, post_sorted = pre[order], post[order]
    counts = np.bincount(pre_sorted, minlength=n_pre)
    width = max(int(counts.max(initial=0)), 1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    slot = np.arange(pre_sorted.size) - np.repeat(starts, counts)
    targets = np.full((n_pre, width), n_post, dtype=np.int32)
    index = np.full((n_pre, width), -1, dtype=np.int64)
    targets[pre_sorted, slot] = post_sorted
    index[pre_sorted, slot] = order
    return targets, index


def as_synapses(pre, post, n_pre: int, n_post: int, weight, delay) -> Synapses:
    """Builds `Synapses` from edge lists and a scalar or per-edge weight and delay."""
    targets, index = pad_rows(np.asarray(pre), np.asarray(post), n_pre, n_post)
    valid = index >= 0
    n_edges = len(pre)

    def per_edge(name, value):
        value = jnp.asarray(value, dtype=jnp.result_type(float))
        if value.ndim == 0:
            return jnp.where(jnp.asarray(valid), value, 0.0)
        if value.shape != (n_edges,):
            raise ValueError(f"`{name}` has shape {value.shape}; pass a scalar or one value per "
                             f"synapse, shape ({n_edges},) in the order the connectivity lists "
                             f"them (see `.edges()`).")
        return jnp.where(jnp.asarray(valid), value[np.maximum(index, 0)], 0.0)

    weights = per_edge("weight", weight)
    delays = None if delay is None else per_edge("delay", delay)
    return Synapses(targets=jnp.asarray(targets), weights=weights, delays=delays,
                    n_pre=n_pre, n_post=n_post)
