"""`NetworkTerm`: the diffrax term neurojax's own solvers integrate."""

from __future__ import annotations

import diffrax
import equinox as eqx
import jax


class NetworkTerm(diffrax.AbstractTerm):
    """A `Network`'s drift, its additive noise (a diffrax Brownian path) and the step `dt`
    that sizes delay buffers. `vf` reads delayed connections at the current time (diffrax uses
    it for output structure); the solvers evaluate the drift with the delay history."""

    network: eqx.Module
    brownian: diffrax.AbstractBrownianPath | None
    dt: float = eqx.field(static=True)

    def vf(self, t, y, args):
        return self.network.drift(t, y, args, ignore_delays=True)

    def contr(self, t0, t1, **kwargs):
        return t1 - t0

    def prod(self, vf, control):
        return jax.tree.map(lambda v: v * control, vf)
