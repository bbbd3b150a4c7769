"""Synapses between compartments: graded chemical synapses (Prinz et al. 2004) and
electrical gap junctions, as network edges."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import synapses
from ..core import as_float_array, is_concrete, nonnegative, param, positive
from ..core._params import validate_parameters
from ..network._connection import Connection
from ..network._graded import AbstractGradedEdge


class AbstractGradedSynapse(AbstractGradedEdge):
    r"""A graded chemical synapse: transmitter release follows the presynaptic voltage,
    without spikes (Prinz, Bucher & Marder 2004, Methods):

    $$\frac{ds}{dt} = \frac{s_\infty(v_{pre}) - s}{\tau_s}, \quad
    s_\infty = \frac{1}{1 + e^{(v_{th} - v_{pre})/\Delta}}, \quad
    \tau_s = \frac{1 - s_\infty}{k_-}, \quad I_{post} = g\, s\, (v_{post} - E_{rev}).$$

    The activation `s` (one per presynaptic cell) is integrated in the equivalent first-order
    kinetic form $\dot s = k_-\,(e^{(v_{pre} - v_{th})/\Delta} (1 - s) - s)$, which has no
    division by $1 - s_\infty$. During a presynaptic spike the opening rate reaches
    $10^3$-$10^5$ / ms: the network is stiff (see the solver notes of `Compartment`).

    The current is delivered, as an injected current in nA, to the `i_nA` port of the
    postsynaptic `Compartment`: `sum_j weights[i, j] g s_j (E_rev - v_i) / 1000` (nS x mV =
    pA).

    Args:
        pre, post: node names.
        g: maximal conductance (nS), e.g. 1-100 in Prinz et al. (2004).
        e_rev: reversal potential (mV); default the transmitter's.
        k_minus: unbinding rate (1/ms); default the transmitter's.
        v_th: half-activation voltage (mV), default -35.
        delta: slope of the activation (mV), default 5.
        weights: `(post size, pre size)` connection matrix, default all ones.
        name: state name (default `"pre->post_<kind>"`; record `"<name>.s"`).
    """

    pre: str = eqx.field(static=True)
    post: str = eqx.field(static=True)
    g: jax.Array = param(constraint=nonnegative, unit="nS")
    e_rev: jax.Array = param(unit="mV")
    k_minus: jax.Array = param(constraint=positive, unit="1/ms")
    v_th: jax.Array = param(unit="mV")
    delta: jax.Array = param(constraint=positive, unit="mV")
    weights: jax.Array | None
    name: str = eqx.field(static=True)
    port: str | None = eqx.field(static=True)
    kind: eqx.AbstractClassVar[str]
    default_e_rev: eqx.AbstractClassVar[float]
    default_k_minus: eqx.AbstractClassVar[float]

    def __init__(self, pre: str, post: str, g, *, e_rev=None, k_minus=None, v_th=-35.0,
                 delta=5.0, weights=None, name: str | None = None):
        self.pre, self.post = pre, post
        self.g = g
        self.e_rev = self.default_e_rev if e_rev is None else e_rev
        self.k_minus = self.default_k_minus if k_minus is None else k_minus
        self.v_th, self.delta = v_th, delta
        self.weights = None if weights is None else as_float_array(weights)
        self.name = name if name is not None else f"{pre}->{post}_{self.kind}"
        self.port = "i_nA"

    def __check_init__(self):
        validate_parameters(self, None)
        if self.weights is not None and is_concrete(self.weights) and (
                np.ndim(self.weights) != 2 or not np.all(np.isfinite(np.asarray(self.weights)))):
            raise ValueError(f"{type(self).__name__} {self.name}: `weights` must be a finite "
                             f"matrix of shape (post size, pre size); got shape "
                             f"{np.shape(self.weights)}.")

    def check(self, pre, post):
        for node, side in ((pre, "source"), (post, "target")):
            if "v" not in node.variables:
                raise ValueError(f"{type(self).__name__} {self.name}: its {side} "
                                 f"{type(node).__name__} has no membrane potential `v`.")
        if self.weights is not None and np.shape(self.weights) != (post.size, pre.size):
            raise ValueError(f"{type(self).__name__} {self.name}: `weights` has shape "
                             f"{np.shape(self.weights)}, but the populations need (post size, "
                             f"pre size) = ({post.size}, {pre.size}).")
        if "i_nA" not in post.inputs:
            raise ValueError(f"{type(self).__name__} {self.name}: its target "
                             f"{type(post).__name__} has no `i_nA` input port (nA); connect "
                             f"it to an nj.compartments.Compartment.")

    def steady_state(self, v_pre: jax.Array) -> jax.Array:
        """`s_inf(v_pre)`."""
        return jax.nn.sigmoid((v_pre - self.v_th) / self.delta)

    def init_state(self, pre, post):
        return {"s": self.steady_state(pre["v"])}

    def vector_field(self, state, pre, post):
        s = state["s"]
        opening = jnp.exp((pre["v"] - self.v_th) / self.delta)  # k_+ / k_-
        return {"s": self.k_minus * (opening * (1.0 - s) - s)}

    def current(self, state, pre, post):
        s = state["s"]
        drive = (jnp.sum(s, axis=0, keepdims=True) if self.weights is None
                 else jnp.tensordot(self.weights, s, axes=1))
        return 1e-3 * self.g * drive * (self.e_rev - post["v"])


class Glutamatergic(AbstractGradedSynapse):
    """The fast glutamatergic synapse of the pyloric network (from AB, LP and PY):
    E_rev -70 mV, k_- 1/40 ms⁻¹ (Prinz et al. 2004). Arguments: see
    `AbstractGradedSynapse`."""

    kind: ClassVar[str] = "glut"
    default_e_rev: ClassVar[float] = -70.0
    default_k_minus: ClassVar[float] = 1.0 / 40.0


class Cholinergic(AbstractGradedSynapse):
    """The slow cholinergic synapse of the pyloric network (from PD): E_rev -80 mV, k_-
    1/100 ms⁻¹ (Prinz et al. 2004). Arguments: see `AbstractGradedSynapse`."""

    kind: ClassVar[str] = "chol"
    default_e_rev: ClassVar[float] = -80.0
    default_k_minus: ClassVar[float] = 1.0 / 100.0


class GapJunction(synapses.GapJunction):
    """Electrical coupling between compartments: `g (v_pre - v_post) / 1000` nA into the
    `i_nA` port of the target compartment (g in nS): `nj.synapses.GapJunction` with the
    compartment's units. Used in a `Connection` (one direction); see `connect_gap_junction`
    for the symmetric pair.

    Args:
        strength: junction conductance (nS), multiplying the connection's weights.
    """

    strength: jax.Array = param(constraint=nonnegative, unit="nS")
    port: str | None = eqx.field(static=True, default="i_nA")
    scale: float = eqx.field(static=True, default=1e-3)


def connect_gap_junction(a: str, b: str, g, weights=None) -> tuple[Connection, Connection]:
    """Symmetric gap junctions between compartments `a` and `b` (node names): the two
    `Connection`s `a -> b` and `b -> a` with conductance `g` (nS).

    Args:
        a, b: node names.
        g: conductance (nS) of each junction.
        weights: `(size b, size a)` matrix of junctions from `a` to `b` (default: one-to-one
            for single cells, i.e. `[[1.]]`); its transpose couples `b` to `a`.
    """
    return synapses.gap_junctions(a, b, GapJunction(strength=g), weights)
