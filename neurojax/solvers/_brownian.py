"""`GridBrownianPath`: Brownian increments on a fixed step grid."""

from __future__ import annotations

import math

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp


class GridBrownianPath(diffrax.AbstractBrownianPath):
    """Brownian motion sampled on the grid `t_start + k * dt` of a fixed-step solve.

    The increment over step k is `sqrt(dt) * N(0, 1)`: the normals of `block_size`
    consecutive steps are drawn at once from `fold_in(key, k // block_size)` (row
    `k % block_size`), which costs a fraction of a draw per step. Deterministic in the step
    index, so a checkpointed backward pass that recomputes a step gets the same increment (which
    `UnsafeBrownianPath` does not promise). neurojax's solvers keep the current block in their
    state (`block`, `increment_from`); `evaluate` recomputes it (same values, slower). Only
    increments over whole grid steps are defined; that is all fixed-step solvers ask for.
    """

    shape: object = eqx.field(static=True)
    key: jax.Array
    t_start: float = eqx.field(static=True)
    dt: float = eqx.field(static=True)
    levy_area: type = eqx.field(static=True, default=diffrax.BrownianIncrement)
    block_size: int = eqx.field(static=True, default=64)
    # Batch-minor sweeps (see `simulate`): increments get a trailing batch axis, of size
    # `batch` when `key` holds one key per member, else 1 (every member the same noise).
    batch: int | None = eqx.field(static=True, default=None)
    # Steps whose normals are all drawn before the first step (one array carried through the
    # run, read a row a step), or None: a block at a time, refreshed under a `lax.cond` whose
    # per-step cost (~3 us on CPU) is a quarter of a step of the seed's whole-brain model.
    # Only for runs that are not checkpointed for reverse mode (the carried array would be
    # stored at every checkpoint); same values either way.
    prefetch: int | None = eqx.field(static=True, default=None)

    def _trailing(self) -> tuple[int, ...]:
        if self.batch is None:
            return ()
        return (self.batch,) if jnp.ndim(self.key) == 1 else (1,)

    def _width(self) -> int:
        return sum(math.prod(s.shape) for s in jax.tree.leaves(self.shape))

    def _dtype(self):
        leaves = jax.tree.leaves(self.shape)
        return leaves[0].dtype if leaves else jnp.float32

    def step_index(self, t0):
        t0 = jax.lax.stop_gradient(t0)
        return jnp.round((t0 - self.t_start) / self.dt).astype(jnp.int32)

    def normals_bytes(self, n_steps: int) -> int:
        """The size (bytes) of the standard normals of `n_steps` steps, in whole blocks."""
        rows = -(-n_steps // self.block_size) * self.block_size
        return (rows * self._width() * math.prod(self._trailing())
                * jnp.dtype(self._dtype()).itemsize)

    def initial_block(self) -> jax.Array:
        """What the solver carries before the first step: every normal of the run with
        `prefetch`, else an empty block (filled at step 0)."""
        if self.prefetch is not None:
            blocks = jax.vmap(self.block)(jnp.arange(-(-self.prefetch // self.block_size)))
            return blocks.reshape((-1,) + blocks.shape[2:])
        return jnp.zeros((self.block_size, self._width(), *self._trailing()), self._dtype())

    def block(self, index) -> jax.Array:
        """Standard normals of steps `index * block_size ...`, one row per step."""
        def draw(key):
            return jax.random.normal(jax.random.fold_in(key, index),
                                     (self.block_size, self._width()), self._dtype())

        if self.batch is None:
            return draw(self.key)
        if jnp.ndim(self.key) == 0:  # one key shared by every member of the batch
            return draw(self.key)[..., None]
        return jnp.moveaxis(jax.vmap(draw)(self.key), 0, -1)  # a key per member (even one)

    def next_block(self, block, t0):
        """The block holding step `t0`'s normals, given the block of the previous step."""
        if self.prefetch is not None:
            return block
        step = self.step_index(t0)
        return jax.lax.cond(step % self.block_size == 0, lambda: self.block(
            step // self.block_size), lambda: block)

    def increment_from(self, block, t0, t1):
        """The increment over `[t0, t1]` from the block holding step `t0`."""
        t0 = jax.lax.stop_gradient(t0)
        t1 = jax.lax.stop_gradient(t1)
        step = self.step_index(t0)
        row = jax.lax.dynamic_index_in_dim(
            block, step if self.prefetch is not None else step % self.block_size,
            keepdims=False)
        scale = jnp.sqrt(t1 - t0)
        leaves, treedef = jax.tree.flatten(self.shape)
        draws, start = [], 0
        for s in leaves:
            size = math.prod(s.shape)
            draws.append(scale.astype(s.dtype) * row[start:start + size].reshape(
                s.shape + row.shape[1:]).astype(s.dtype))
            start += size
        return jax.tree.unflatten(treedef, draws)

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
        step = self.step_index(t0)
        return self.increment_from(self.block(step // self.block_size), t0, t1)
