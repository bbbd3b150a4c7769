"""A fixed-step loop for neurojax's solvers without `diffrax.diffeqsolve`: the forward run
of every fixed-step network solve that is not differentiated in reverse mode (reverse mode
uses `diffeqsolve` and its checkpointed adjoint; see `simulate`), and forward-mode
differentiation (`diffrax.ForwardMode`).

Each step is the solver's own `step`; what this loop leaves out is `diffeqsolve`'s per-step
bookkeeping (the step-size controller on a fixed grid, saving through a predicated update of
the record, loop-carried copies), which on CPU costs more than the step of small models:
an STG neuron, 1 s at dt 0.025 ms, 0.37 -> 0.068 s (`benchmarks/single_neuron.py`, idle 2-core
CPU; the seed's whole-brain model, whose step is larger, runs as fast as before).

Under `jax.jvp`/`jax.jacfwd`, saving a sample into a long trajectory buffer at every step of
one loop costs XLA on CPU several µs a step (the batched tangent buffer's per-step update;
`diffeqsolve` with `SaveAt(steps=...)` pays it at every step whatever the sampling). Here
the samples are taken by nested loops: an outer loop over blocks of `BLOCK` samples, an
inner scan over the samples of a block (each `every` steps of a `fori_loop`), so every
per-step write goes into a buffer of `BLOCK` samples, and each block into the record in
place. Measured on classic HH, 1 s at dt 0.025 ms with `ExponentialEuler`, v saved every
step, float64, 2-core CPU: `jax.jacfwd` over the 3 maximal conductances 290-330 ms through
`diffeqsolve`, 63-70 ms here, against 7 ms for a forward run.
"""

from __future__ import annotations

from typing import Any

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp

#: Samples per inner scan (4-16 measured alike; a long inner buffer is what costs).
BLOCK = 8


def _write(out, ys, start):
    """`ys` (samples on the leading axis) written into the record `out` from `start`."""
    return jax.tree.map(lambda o, y: jax.lax.dynamic_update_slice_in_dim(o, y, start, 0),
                        out, ys)


class FixedStepSolution(eqx.Module):
    """What `fixed_step_solve` returns: the fields of a `diffrax.Solution` that `simulate`
    reads."""

    ts: jax.Array
    ys: Any
    result: diffrax.RESULTS


def fixed_step_solve(term, solver, y0, args, *, t0: float, dt: float, every: int, n_save: int,
                     observe) -> FixedStepSolution:
    """Integrates `term` with the fixed-step network `solver` from `t0` in steps `dt`,
    observing `observe(t, y, args)` at step 0 and every `every` steps, `n_save` samples.

    The steps start at `t0 + k dt` (as `diffrax.StepTo` on the same grid).

    Returns:
        The sample times (ms), the samples stacked on a leading axis, and
        `diffrax.RESULTS.successful`.
    """
    dtype = jax.tree.leaves(y0)[0].dtype
    state = solver.init(term, t0, t0 + dt, y0, args)

    # The step times as `simulate` lays out diffrax's grid (not `t0 + dt * k` in the loop,
    # where XLA folds `t(k + 1) - t(k)` to `dt`: steps then differ in the last bit from
    # diffeqsolve's, and clocks integrated from them drift apart).
    grid = t0 + dt * jnp.arange(every * (n_save - 1) + 1, dtype=dtype)

    def time(k):
        return grid[k]

    def step(_, carry):
        k, y, s = carry
        y, _, _, s, _ = solver.step(term, time(k), time(k + 1), y, args, s, False)
        return k + 1, y, s

    def sample(carry, _):
        carry = jax.lax.fori_loop(0, every, step, carry)
        return carry, observe(time(carry[0]), carry[1], args)

    def block(b, carry_out):
        carry, out = carry_out
        carry, ys = jax.lax.scan(sample, carry, None, length=BLOCK)
        return carry, _write(out, ys, 1 + b * BLOCK)

    carry = (jnp.array(0, jnp.int32), y0, state)
    first = observe(time(carry[0]), y0, args)
    # Samples go into one preallocated record, a block at a time (in place; no concatenation
    # of parts, which copied the whole record).
    out = jax.tree.map(lambda x: jnp.zeros((n_save,) + x.shape, x.dtype).at[0].set(x), first)
    n_blocks, rest = divmod(n_save - 1, BLOCK)
    if n_blocks:
        carry, out = jax.lax.fori_loop(0, n_blocks, block, (carry, out))
    if rest:
        carry, ys = jax.lax.scan(sample, carry, None, length=rest)
        out = _write(out, ys, 1 + n_blocks * BLOCK)
    ys = out
    ts = grid[::every]
    return FixedStepSolution(ts=ts, ys=ys, result=diffrax.RESULTS.successful)
