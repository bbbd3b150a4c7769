"""A fixed-step loop for neurojax's solvers without `diffrax.diffeqsolve`: the forward run
of every fixed-step network solve that is not differentiated in reverse mode (reverse mode
uses `diffeqsolve` and its checkpointed adjoint; see `simulate`), and forward-mode
differentiation (`diffrax.ForwardMode`).

Each step is the solver's own `step`; what this loop leaves out is `diffeqsolve`'s per-step
bookkeeping (the step-size controller on a fixed grid, saving through a predicated update of
the record, loop-carried copies), which on CPU costs more than the step of small models:
an STG neuron, 1 s at dt 0.025 ms, 0.37 -> 0.068 s (`benchmarks/single_neuron.py`, idle 2-core
CPU; the seed's whole-brain model, whose step is larger, runs as fast as before), and 0.135
-> 0.039 s of CPU time once every step loop reads a short window of step times (`_steps`).

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

#: Most steps of one step loop (`_steps`): the step times it reads, `CHUNK + 1` of them, fit
#: in 512 bytes in float64.
CHUNK = 32


def _steps(step, carry, ts):
    """`step(j, carry, ts)` for the steps from `ts[j]` to `ts[j + 1]`, all of `ts` (static
    length), by loops that each read at most `CHUNK + 1` step times.

    A loop whose step reads a larger array (the whole grid of step times) makes XLA's CPU
    runtime run the step's independent kernels concurrently on its thread pool (its
    `ThunkExecutor` runs a sequence in order only if every buffer is at most 512 bytes or
    it has at most 8 kernels), handing each step between threads: an STG neuron (13 gate
    kernels a step), 1 s at dt 0.025 ms in float64 on 2 cores, took 135 ms of CPU time
    (two threads) where in order it takes 39 ms."""
    n = ts.shape[0] - 1
    if n <= CHUNK:
        return jax.lax.fori_loop(0, n, lambda j, c: step(j, c, ts), carry)
    chunks, rest = divmod(n, CHUNK)

    def chunk(i, carry):
        window = jax.lax.dynamic_slice_in_dim(ts, i * CHUNK, CHUNK + 1)
        return jax.lax.fori_loop(0, CHUNK, lambda j, c: step(j, c, window), carry)

    carry = jax.lax.fori_loop(0, chunks, chunk, carry)
    return _steps(step, carry, ts[chunks * CHUNK:]) if rest else carry


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
    # where XLA computes `t(k + 1) - t(k)` differently in the last bit from diffeqsolve's
    # steps, and clocks integrated from them drift apart). Each loop reads a window of it
    # (`_steps`).
    grid = t0 + dt * jnp.arange(every * (n_save - 1) + 1, dtype=dtype)

    def step(j, carry, ts):
        y, s = carry
        y, _, _, s, _ = solver.step(term, ts[j], ts[j + 1], y, args, s, False)
        return y, s

    def sample(window):
        def one(carry, i):  # the i-th sample of the window
            ts = jax.lax.dynamic_slice_in_dim(window, i * every, every + 1)
            carry = _steps(step, carry, ts)
            return carry, observe(ts[-1], carry[0], args)
        return one

    def block(b, carry_out):
        carry, out = carry_out
        window = jax.lax.dynamic_slice_in_dim(grid, b * BLOCK * every, BLOCK * every + 1)
        carry, ys = jax.lax.scan(sample(window), carry, jnp.arange(BLOCK))
        return carry, _write(out, ys, 1 + b * BLOCK)

    carry = (y0, state)
    first = observe(grid[0], y0, args)
    # Samples go into one preallocated record, a block at a time (in place; no concatenation
    # of parts, which copied the whole record).
    out = jax.tree.map(lambda x: jnp.zeros((n_save,) + x.shape, x.dtype).at[0].set(x), first)
    n_blocks, rest = divmod(n_save - 1, BLOCK)
    if n_blocks:
        carry, out = jax.lax.fori_loop(0, n_blocks, block, (carry, out))
    if rest:
        window = grid[n_blocks * BLOCK * every:]
        carry, ys = jax.lax.scan(sample(window), carry, jnp.arange(rest))
        out = _write(out, ys, 1 + n_blocks * BLOCK)
    ys = out
    ts = grid[::every]
    return FixedStepSolution(ts=ts, ys=ys, result=diffrax.RESULTS.successful)
