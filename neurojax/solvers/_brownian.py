"""`GridBrownianPath`: Brownian increments on a fixed step grid."""

from __future__ import annotations

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp


class GridBrownianPath(diffrax.AbstractBrownianPath):
    """Brownian motion sampled on the grid `t_start + k * dt` of a fixed-step solve.

    The increment over step k is `sqrt(dt) * N(0, 1)` drawn from `fold_in(key, k)`: one
    normal draw per noisy value per step (as cheap as `diffrax.UnsafeBrownianPath`), and
    deterministic in the step index, so a checkpointed backward pass that recomputes a step
    gets the same increment (which `UnsafeBrownianPath` does not promise). Only increments
    over whole grid steps are defined; that is all fixed-step solvers ask for.
    """

    shape: object = eqx.field(static=True)
    key: jax.Array
    t_start: float = eqx.field(static=True)
    dt: float = eqx.field(static=True)
    levy_area: type = eqx.field(static=True, default=diffrax.BrownianIncrement)

    @property
    def t0(self):
        return self.t_start

    @property
    def t1(self):
        return jnp.inf

    def evaluate(self, t0, t1=None, left: bool = True, use_levy: bool = False):
        if t1 is None:
            raise ValueError("GridBrownianPath gives increments over steps; call "
                             "evaluate(t0, t1).")
        if use_levy:
            raise ValueError("GridBrownianPath has no Lévy area; use a solver that needs only "
                             "increments (nj.solvers.Euler or Heun).")
        t0 = jax.lax.stop_gradient(t0)
        t1 = jax.lax.stop_gradient(t1)
        step = jnp.round((t0 - self.t_start) / self.dt).astype(jnp.int32)
        key = jax.random.fold_in(self.key, step)
        leaves, treedef = jax.tree.flatten(self.shape)
        keys = jax.random.split(key, len(leaves))
        scale = jnp.sqrt(t1 - t0)
        draws = [scale.astype(s.dtype) * jax.random.normal(k, s.shape, s.dtype)
                 for k, s in zip(keys, leaves, strict=True)]
        return jax.tree.unflatten(treedef, draws)
