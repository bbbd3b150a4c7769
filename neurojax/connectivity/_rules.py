"""Connectivity rules: which neurons of a source population connect to which targets."""

from __future__ import annotations

import abc

import equinox as eqx
import jax
import numpy as np

from ..core import is_concrete


def _rng(key: jax.Array | None, rule: str) -> np.random.Generator:
    if key is None:
        raise ValueError(f"{rule} connectivity is random; pass a PRNG key (e.g. "
                         f"key=jax.random.key(0)) so that the network is reproducible.")
    return np.random.default_rng(np.asarray(jax.random.key_data(key)).ravel())


def _probability(p) -> float:
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"FixedProb: connection probability `p` must be in [0, 1]; got {p}.")
    return p


class AbstractConnectivity(eqx.Module):
    """A rule that lists synapses between a source of `n_pre` and a target of `n_post` neurons."""

    @abc.abstractmethod
    def edges(self, n_pre: int, n_post: int, key: jax.Array | None) -> tuple[np.ndarray,
                                                                            np.ndarray]:
        """The synapses as arrays `(pre, post)` of neuron indices."""


class FixedProb(AbstractConnectivity):
    """Each pair (pre, post) is connected independently with probability `p` (Erdős-Rényi).

    Args:
        p: connection probability in [0, 1].
        allow_self: whether a neuron may connect to itself (when source and target are the
            same population).
    """

    p: float = eqx.field(static=True, converter=_probability)
    allow_self: bool = eqx.field(static=True, default=True)

    def edges(self, n_pre, n_post, key):
        rng = _rng(key, "FixedProb")
        total = n_pre * n_post
        if self.p == 0.0 or total == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        # Positions of successes in the flattened pair index, by geometric gaps: exactly
        # Bernoulli(p) per pair in O(number of synapses).
        expected = total * self.p
        chunk = int(expected + 6 * np.sqrt(expected) + 16)
        positions = []
        last = -1
        while last < total:
            gaps = rng.geometric(self.p, size=chunk) if self.p < 1 else np.ones(chunk, np.int64)
            pos = last + np.cumsum(gaps)
            positions.append(pos[pos < total])
            last = int(pos[-1])
        flat = np.concatenate(positions)
        pre, post = np.divmod(flat, n_post)
        if not self.allow_self:
            keep = pre != post
            pre, post = pre[keep], post[keep]
        return pre, post


class FixedInDegree(AbstractConnectivity):
    """Every target neuron receives exactly `k` synapses from distinct random sources."""

    k: int = eqx.field(static=True)
    allow_self: bool = eqx.field(static=True, default=True)

    def __check_init__(self):
        if not isinstance(self.k, int | np.integer) or self.k < 0:
            raise ValueError(f"FixedInDegree: `k` must be a non-negative integer; got {self.k!r}.")

    def edges(self, n_pre, n_post, key):
        available = n_pre - (0 if self.allow_self else 1)
        if self.k > available:
            raise ValueError(f"FixedInDegree: k={self.k} exceeds the {available} possible "
                             f"sources per target.")
        rng = _rng(key, "FixedInDegree")
        # k distinct sources per target: argpartition of random keys (vectorised).
        scores = rng.random((n_post, n_pre))
        if not self.allow_self:
            idx = np.arange(min(n_pre, n_post))
            scores[idx, idx] = np.inf
        pre = np.argpartition(scores, self.k - 1, axis=1)[:, : self.k] if self.k else np.zeros(
            (n_post, 0), np.int64)
        post = np.repeat(np.arange(n_post), self.k)
        return pre.ravel(), post


class AllToAll(AbstractConnectivity):
    """Every source neuron connects to every target (optionally not to itself)."""

    allow_self: bool = eqx.field(static=True, default=True)

    def edges(self, n_pre, n_post, key):
        pre, post = np.divmod(np.arange(n_pre * n_post), n_post)
        if not self.allow_self:
            keep = pre != post
            pre, post = pre[keep], post[keep]
        return pre, post


class OneToOne(AbstractConnectivity):
    """Neuron i of the source connects to neuron i of the target."""

    def edges(self, n_pre, n_post, key):
        if n_pre != n_post:
            raise ValueError(f"OneToOne needs populations of equal size; got {n_pre} -> "
                             f"{n_post}.")
        return np.arange(n_pre), np.arange(n_post)


class FromMatrix(AbstractConnectivity):
    """Synapses where a weight matrix `(n_post, n_pre)` (rows are targets; dense NumPy or
    scipy.sparse) is non-zero; its values become the synaptic weights, scaled by the
    projection's `weight`."""

    matrix: object

    def __check_init__(self):
        if not is_concrete(self.matrix):
            raise TypeError("FromMatrix: the matrix must be concrete (NumPy or scipy.sparse).")
        if not hasattr(self.matrix, "tocoo") and np.ndim(self.matrix) != 2:
            raise ValueError(f"FromMatrix: expected a matrix (n_post, n_pre); got shape "
                             f"{np.shape(self.matrix)}.")

    def _coo(self):
        m = self.matrix
        if hasattr(m, "tocoo"):
            coo = m.tocoo()
            return coo.row, coo.col, coo.data
        m = np.asarray(m)
        post, pre = np.nonzero(m)
        return post, pre, m[post, pre]

    def edges(self, n_pre, n_post, key):
        shape = np.shape(self.matrix)
        if tuple(shape) != (n_post, n_pre):
            raise ValueError(f"FromMatrix: the matrix has shape {tuple(shape)}; expected "
                             f"(target size, source size) = ({n_post}, {n_pre}).")
        post, pre, _ = self._coo()
        return pre, post

    def values(self) -> np.ndarray:
        """The matrix entries, in the order of `edges`."""
        return self._coo()[2]
