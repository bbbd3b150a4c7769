"""`NetworkTerm`: the diffrax term neurojax's own solvers integrate."""

from __future__ import annotations

import diffrax
import equinox as eqx
import jax


class NetworkTerm(diffrax.AbstractTerm):
    """A `Network`'s drift, its additive noise (a diffrax Brownian path), the step `dt` that
    sizes delay buffers and a PRNG `key` for random spiking (Poisson sources).

    `vf` reads delayed connections at the current time (diffrax uses it for the output
    structure); the solvers evaluate the drift with the delay history.
    """

    network: eqx.Module
    brownian: diffrax.AbstractBrownianPath | None
    key: jax.Array | None
    dt: float = eqx.field(static=True)
    t_start: float = eqx.field(static=True)

    def vf(self, t, y, args):
        return self.network.drift(t, y, args, ignore_delays=True)

    def contr(self, t0, t1, **kwargs):
        return t1 - t0

    def prod(self, vf, control):
        return jax.tree.map(lambda v: v * control, vf)

    def step_key(self, t0) -> jax.Array | None:
        """The PRNG key of the step starting at `t0` (deterministic in the step index)."""
        if self.key is None:
            return None
        step = jax.numpy.round((jax.lax.stop_gradient(t0) - self.t_start) / self.dt)
        return jax.random.fold_in(self.key, step.astype(jax.numpy.int32))
