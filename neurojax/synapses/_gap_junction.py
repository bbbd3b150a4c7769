"""Electrical synapses (gap junctions) between neurons."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import numpy as np

from ..core import nonnegative, param
from ..network._connection import Connection
from ..network._coupling import AbstractCoupling


class GapJunction(AbstractCoupling):
    r"""Electrical coupling through gap junctions: the input to neuron $i$ is

    $$I_i = g \sum_j W_{ij}\, (v_j - v_i) \cdot \text{scale},$$

    an ohmic current that flows both ways without delay and without spikes. Use it in a
    `Connection` (one direction); `gap_junctions` builds the symmetric pair.

    Args:
        strength: junction conductance $g$, multiplying the connection's weights, in the
            units of the target's input port per mV: for `LIF`/`QIF`/`EIF` (input in mV
            through `R`) a conductance relative to the leak (dimensionless); for `AdEx` and
            `Izhikevich`-style current ports nS (pA = nS x mV).
        variable: the membrane potential observable (mV), read on both sides.
        port: the target's input port (None: its default port).
        scale: a unit conversion applied to every junction current (e.g. 1e-3 for nS x mV
            into a port in nA).

    References:
        Bennett & Zukin (2004), Neuron 41:495 (electrical coupling in the mammalian brain).
    """

    strength: jax.Array = param(constraint=nonnegative)
    variable: str = eqx.field(static=True, default="v")
    port: str | None = eqx.field(static=True, default=None)
    scale: float = eqx.field(static=True, default=1.0)
    uses_target: ClassVar[bool] = True

    def edge_input(self, source, target):
        return self.scale * (source - target)


def gap_junctions(a: str, b: str, coupling: GapJunction, weights=None
                  ) -> tuple[Connection, Connection]:
    """Symmetric gap junctions between populations `a` and `b` (node names): the two
    `Connection`s `a -> b` and `b -> a`, the second with the transposed weights, so that
    the current leaving one neuron enters the other.

    Args:
        a, b: two different node names (junctions within one population are a single
            `Connection(a, a, coupling, weights)` with a symmetric `weights`).
        coupling: the `GapJunction` (conductance, port, units).
        weights: `(size b, size a)` matrix of junctions from `a` to `b` (default `[[1.]]`,
            two single neurons or cells).
    """
    w = np.ones((1, 1)) if weights is None else np.asarray(weights, dtype=float)
    if a == b:
        raise ValueError(f"gap_junctions: {a!r} to itself is one symmetric connection; use "
                         f"nj.network.Connection({a!r}, {a!r}, coupling, weights) with a "
                         f"symmetric `weights` matrix.")
    return Connection(a, b, coupling, w), Connection(b, a, coupling, w.T)
