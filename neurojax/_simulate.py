"""`simulate`: integrate any neurojax model with diffrax and record a `Trajectory`."""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._trajectory import Trajectory
from .core import Dynamics
from .core._spiking import SpikingDynamics
from .inputs import AbstractInput, Function, TimeSeries, as_input
from .network import Network
from .solvers import (
    AbstractNetworkSolver,
    Euler,
    ExponentialEuler,
    GridBrownianPath,
    NetworkTerm,
)
from .solvers._loop import fixed_step_solve


class SimulationError(RuntimeError):
    """A simulation failed: the state diverged or the solver could not proceed."""


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def as_network(model: Any) -> Network:
    """A `Network` as is; a single population wrapped as a one-node network named after its
    class in snake case (`JansenRit` -> `"jansen_rit"`)."""
    if isinstance(model, Network):
        return model
    if isinstance(model, Dynamics):
        return Network({_snake(type(model).__name__): model})
    raise TypeError(f"simulate: `model` must be a neurojax model or nj.Network; got "
                    f"{type(model).__name__}.")


def _is_traced(tree) -> bool:
    return any(isinstance(x, jax.core.Tracer) for x in jax.tree.leaves(tree))


def _hint(name: str, options) -> str:
    close = difflib.get_close_matches(name, list(options), n=3)
    return f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def _observable_shapes(net: Network) -> dict:
    """node -> observable name -> shape, without computing anything."""
    key = jax.random.key(0) if net.needs_key else None
    return jax.eval_shape(lambda: net.observables(net.init_state(key)))


def _resolve(net: Network, name: str, kind: str, shapes: dict | None = None
             ) -> tuple[str, str]:
    """Resolves `"node.item"`, `"node"` (inputs: default port) or `"item"` (unique).
    Variables are looked up in `shapes` (`_observable_shapes(net)`, computed once)."""
    if not isinstance(name, str):
        raise TypeError(f"simulate: {kind} names must be strings; got {name!r}.")

    parts = tuple(net.nodes) if kind == "input" else tuple(shapes)

    def items(part: str) -> tuple[str, ...]:
        return net.nodes[part].inputs if kind == "input" else tuple(shapes[part])

    # A dotted name is "node.item" when it starts with a node; otherwise it is looked up as
    # an unqualified item below (items may have dots: channel gates such as "NaV.m").
    if "." in name and name.split(".", 1)[0] in parts:
        part, item = name.split(".", 1)
        if item not in items(part):
            what = type(net.nodes[part]).__name__ if part in net.nodes else "projection"
            raise ValueError(f"simulate: {what} {part!r} has no {kind} {item!r}; it has "
                             f"{items(part)}.{_hint(item, items(part))}")
        return part, item
    if kind == "input" and name in net.nodes:
        return name, net.nodes[name].inputs[0]
    owners = [p for p in parts if name in items(p)]
    if len(owners) == 1:
        return owners[0], name
    if len(owners) > 1:
        raise ValueError(f"simulate: {kind} {name!r} exists in {owners}; write "
                         f"'{owners[0]}.{name}'.")
    every = sorted({f"{p}.{i}" for p in parts for i in items(p)})
    raise ValueError(f"simulate: unknown {kind} {name!r}; valid names are {every}."
                     f"{_hint(name, [e.split('.', 1)[1] for e in every] + every)}")


def _check_input(net: Network, node: str, port: str, source: AbstractInput) -> None:
    size = net.nodes[node].size
    value = source.values[0] if isinstance(source, TimeSeries) else (
        source.value if hasattr(source, "value") else None)
    if value is None or _is_traced(value):
        return
    shape = np.shape(value)
    if shape not in ((), (1,), (size,)):
        raise ValueError(f"simulate: input '{node}.{port}' has shape {shape} per time point, but "
                         f"node {node!r} has {size} units; pass a scalar or shape ({size},).")
    if not np.all(np.isfinite(np.asarray(value))):
        raise ValueError(f"simulate: input '{node}.{port}' contains NaN or inf.")


def _positive_float(name: str, value: Any) -> float:
    if _is_traced(value):
        raise TypeError(f"simulate: `{name}` must be a Python number (it fixes the number of "
                        f"steps), not a traced array; close over it instead of passing it "
                        f"through jit/vmap.")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"simulate: `{name}` must be a positive number of ms; got {value}.")
    return value


def _solve(net, inputs, y0, noise_key, batch, *, solver, t0, dt, n_steps, every, n_save,
           record, packed, adjoint, controller, max_steps, progress, throw, loop=False):
    """The solve. `batch`: None, or the size of a batch-minor sweep (states `(units, batch)`,
    see `_batch_minor`). `loop`: a fixed-step solve runs in neurojax's own loop
    (`solvers._loop.fixed_step_solve`) instead of `diffrax.diffeqsolve`."""
    dtype = jax.tree.leaves(y0)[0].dtype
    step_ts = t0 + dt * jnp.arange(n_steps + 1, dtype=dtype)
    save_ts = step_ts[::every][:n_save]

    def observe(t, y, args):
        obs = net.observables(y)
        out = {f"{node}.{var}": obs[node][var] for node, var in record}
        for name in packed:  # 1 bit per unit and step (see `Trajectory`)
            out[name] = jnp.packbits(out[name] > 0, axis=-1)
        return out

    use_loop = isinstance(solver, AbstractNetworkSolver) and (
        loop or isinstance(adjoint, diffrax.ForwardMode))
    if isinstance(solver, AbstractNetworkSolver):
        brownian = None
        if net.stochastic:
            brownian = GridBrownianPath(net.noise_shape(dtype), noise_key, t0, dt, batch=batch)
            if use_loop and brownian.normals_bytes(n_steps) <= PREFETCH_BYTES:
                brownian = dataclasses.replace(brownian, prefetch=n_steps)
        # (only spiking networks use it; batch-minor sweeps, never spiking, may hold a key
        # per member)
        spike_key = (None if noise_key is None or not net.spiking
                     else jax.random.fold_in(noise_key, 1))
        term = NetworkTerm(net, brownian, spike_key, dt, t0)
    else:
        term = diffrax.ODETerm(lambda t, y, args: net.drift(t, y, args))
    if controller is None:
        # Fixed steps on the grid: save every `every`-th step itself (not an interpolation
        # at `save_ts`, whose per-step search costs ~0.7 us a step in float64 on CPU).
        controller, dt0 = diffrax.StepTo(ts=step_ts), None
        saveat = diffrax.SaveAt(t0=True, steps=every, fn=observe)
    else:
        dt0 = dt
        saveat = diffrax.SaveAt(ts=save_ts, fn=observe)
    meter = diffrax.TqdmProgressMeter() if progress else diffrax.NoProgressMeter()
    with warnings.catch_warnings():
        # diffrax fills its save buffers with inf before the solve; for the packed (uint8)
        # spike records that cast warns, harmlessly: every sample is overwritten.
        warnings.filterwarnings("ignore", "invalid value encountered in cast", RuntimeWarning)
        if use_loop:
            # Nested scans (solvers/_loop.py): several times cheaper under forward-mode AD,
            # and without diffeqsolve's per-step bookkeeping (see `_integrate`).
            sol = fixed_step_solve(term, solver, y0, inputs, t0=t0, dt=dt, every=every,
                                   n_save=n_save, observe=observe)
        else:
            sol = diffrax.diffeqsolve(term, solver, t0=step_ts[0], t1=step_ts[-1], dt0=dt0,
                                      y0=y0, args=inputs, saveat=saveat,
                                      stepsize_controller=controller, adjoint=adjoint,
                                      max_steps=max_steps, progress_meter=meter, throw=throw)
    ys = jax.tree.map(lambda y: y[:n_save], sol.ys)  # (a no-op when diffrax saved n_save)
    if throw:  # traced: no host check of the record afterwards
        ys = eqx.error_if(ys, ~_all_finite(ys), "simulate: the state became NaN or infinite. "
                          "Run simulate outside jit/vmap/grad to see when and in which "
                          "variable; then reduce dt, tighten tolerances or check the "
                          "parameters.")
    return sol.ts[:n_save], ys, sol.result


#: Largest array of standard normals (bytes) drawn before a run instead of block by block.
PREFETCH_BYTES = 64 * 2 ** 20


def _all_finite(ys) -> jax.Array:
    """Whether every recorded float is finite. Checked here, in the layout the solve
    wrote (`(time, units, batch)` in a batch-minor sweep): checked after the batch axis is
    moved to the front, XLA first transposes and copies the whole record, which cost more
    than the sweep itself."""
    flags = [jnp.all(jnp.isfinite(y)) for y in jax.tree.leaves(ys)
             if jnp.issubdtype(y.dtype, jnp.inexact)]
    return jnp.all(jnp.stack(flags)) if flags else jnp.array(True)


def _structural(params):
    """True at the leaves that fix the structure of the delayed coupling (edge indices,
    weights, delays): a batch-minor sweep needs them shared by every member."""
    net_params = params[0]
    mask = jax.tree.map(lambda _: False, params)
    for i, edge in enumerate(net_params.edges):
        for name in ("pre", "weights", "lengths", "speed"):
            if getattr(edge, name) is not None:
                mask = eqx.tree_at(lambda m, i=i, name=name: getattr(m[0].edges[i], name), mask,
                                   True)
    return mask


def _batch_minor(static, kwargs, loop, axis_size, in_batched, params, y0, noise_key):
    """vmap rule of the solve: one solve whose states are `(units, batch)`, so that every
    delayed read gathers a contiguous row of the batch instead of `batch` scattered values.
    Batched parameters get their batch axis last, unbatched arrays a trailing axis of 1 (so
    they broadcast against the states); integer arrays and the connectivity (weights,
    delays) must be shared. Anything else falls back to a plain vmap of the solve."""
    params_b, y0_b, key_b = in_batched

    def plain_vmap():
        axes = jax.tree.map(lambda b: 0 if b else None, tuple(in_batched))
        out = jax.vmap(lambda p, y, k: _solve(*eqx.combine(p, static), y, k, None, **kwargs,
                                              loop=loop), in_axes=axes)(params, y0, noise_key)
        return out, jax.tree.map(lambda _: True, out)

    structural = _structural(params)
    ok = True

    def move(leaf, batched, fixed):
        nonlocal ok
        if fixed or not jnp.issubdtype(leaf.dtype, jnp.inexact):
            ok = ok and not batched
            return leaf
        if batched:
            return jnp.moveaxis(leaf, 0, -1)
        return leaf[..., None] if leaf.ndim >= 1 else leaf

    moved = jax.tree.map(move, params, params_b, structural)
    if not ok:
        return plain_vmap()
    net, inputs = eqx.combine(moved, static)
    y0 = jax.tree.map(lambda v, b: jnp.moveaxis(v, 0, -1) if b else
                      jnp.broadcast_to(v[..., None], v.shape + (axis_size,)), y0, y0_b)
    try:  # the model must keep states (units, batch) through its drift
        shapes = jax.eval_shape(lambda: net.drift(kwargs["t0"], y0, inputs,
                                                  ignore_delays=True))
        if jax.tree.map(lambda s: s.shape, shapes) != jax.tree.map(jnp.shape, y0):
            return plain_vmap()
    except Exception:  # noqa: BLE001 - any model that cannot run batch-minor
        return plain_vmap()
    ts, ys, result = _solve(net, inputs, y0, noise_key, axis_size, **kwargs, loop=loop)
    ys = {k: jnp.moveaxis(v, -1, 0) for k, v in ys.items()}  # (time, units, batch) first
    return (ts, ys, result), (False, {k: True for k in ys},
                             jax.tree.map(lambda _: False, result))


@eqx.filter_jit
def _integrate(net, inputs, y0, noise_key, *, own_loop, batch_minor, **kwargs):
    params, static = eqx.partition((net, inputs), eqx.is_array)

    def plain(params, y0, noise_key):
        return _solve(*eqx.combine(params, static), y0, noise_key, None, **kwargs)

    if not own_loop:
        return plain(params, y0, noise_key)
    # Without differentiation, the fixed-step solve runs in neurojax's own loop (no progress
    # bar there): diffeqsolve's per-step bookkeeping (step-size controller, saving through
    # a predicated buffer update, loop-carried copies) costs more than the step of small
    # models (an STG neuron, 1 s at dt 0.025 ms: 0.37 -> 0.068 s; benchmarks/RESULTS.md).
    loop = not kwargs["progress"]

    def primal(params, y0, noise_key):
        return _solve(*eqx.combine(params, static), y0, noise_key, None, **kwargs, loop=loop)

    # Under `vmap` (without differentiation) the sweep runs batch-minor (`_batch_minor`).
    # Reverse-mode differentiation goes through the plain solve (custom_vjp: diffeqsolve
    # with its checkpointed adjoint), so `grad`, `vmap` of `grad` and `grad` of `vmap` are
    # those of the plain solve.
    if batch_minor:
        fast = jax.custom_batching.custom_vmap(primal)
        fast.def_vmap(lambda axis_size, in_batched, *args: _batch_minor(
            static, kwargs, loop, axis_size, in_batched, *args))
    else:
        fast = primal

    @jax.custom_vjp
    def solve(params, y0, noise_key):
        return fast(params, y0, noise_key)

    def solve_fwd(params, y0, noise_key):
        return jax.vjp(plain, params, y0, noise_key)  # (outputs, vjp function: a pytree)

    def solve_bwd(vjp, cotangents):
        return vjp(cotangents)

    solve.defvjp(solve_fwd, solve_bwd)
    return solve(params, y0, noise_key)


def simulate(model, duration: float, dt: float = 0.1, *, t0: float = 0.0, solver=None,
             inputs: Mapping[str, Any] | None = None, record: Sequence[str] | None = None,
             key: jax.Array | None = None, sample_every: float | None = None, adjoint=None,
             progress: bool = False, initial_state=None, rtol: float = 1e-6,
             atol: float = 1e-8, max_steps: int | None = None) -> Trajectory:
    """Integrates a neurojax model and records a `Trajectory`.

    Pure ODE models use an adaptive diffrax solver (default `Tsit5` with a PID controller at
    `rtol`/`atol`; `dt` is the first step). Models with noise or transmission delays use a
    fixed step `dt` with neurojax's solvers (default `nj.solvers.Euler`, Euler-Maruyama with
    delay buffers; `nj.solvers.Heun` for second order). jit-able, `eqx.filter_vmap`-able over
    model parameters and differentiable (`eqx.filter_grad`) through the solver.

    Args:
        model: a population (e.g. `nj.masses.JansenRit(1)`) or an `nj.Network`.
        duration: simulated time (ms).
        dt: step (ms): the fixed step, or the initial step of an adaptive solver.
        t0: start time (ms).
        solver: a diffrax solver for ODEs, or `nj.solvers.Euler()`/`Heun()`.
        inputs: `"node.port"` (or `"node"` for its default port, or `"port"` if unique) ->
            a number, an array over units, a function of t (ms), or an `nj.inputs` object.
        record: variables to record, as `"node.variable"` or a unique `"variable"`; default
            every state variable.
        key: PRNG key, needed for noise and random initial values.
        sample_every: sampling interval of the record (ms), default `dt` (a multiple of `dt`
            for fixed-step solvers).
        adjoint: a diffrax adjoint (default `RecursiveCheckpointAdjoint`).
        progress: show a progress bar (diffrax's `TqdmProgressMeter`).
        initial_state: the state at `t0` (`state[node][variable]`, or `{variable: ...}` for a
            single population); default drawn from the model's initial values.
        rtol, atol: tolerances of the adaptive controller.
        max_steps: step budget of an adaptive solver (default 16 per `dt` of duration).

    Returns:
        A `Trajectory` with `ts` (ms) and the recorded arrays, each `(time, units)`.

    Raises:
        ValueError: bad names, shapes or values, before anything is integrated.
        SimulationError: the state became NaN or infinite (says when and where), or the
            adaptive solver failed.
    """
    net = as_network(model)
    duration = _positive_float("duration", duration)
    dt = _positive_float("dt", dt)
    if dt > duration:
        raise ValueError(f"simulate: `dt` ({dt} ms) is longer than `duration` ({duration} ms).")
    t0 = float(t0)
    fixed = net.delayed or net.stochastic or net.spiking
    if solver is None:
        solver = (ExponentialEuler() if net.spiking else Euler()) if fixed else diffrax.Tsit5()
    if fixed and not isinstance(solver, AbstractNetworkSolver):
        why, fix = (("spiking units", "nj.solvers.ExponentialEuler() (or Euler())") if net.spiking
                    else ("transmission delays" if net.delayed else "noise",
                          "nj.solvers.Euler() or nj.solvers.Heun()"))
        raise ValueError(f"simulate: this model has {why}, which needs a neurojax fixed-step "
                         f"solver: pass solver={fix} (got {type(solver).__name__}).")
    if not isinstance(solver, diffrax.AbstractSolver):
        raise TypeError(f"simulate: `solver` must be a diffrax solver; got {solver!r}.")
    if net.delayed:
        _check_delays(net, dt)
    adaptive = not isinstance(solver, AbstractNetworkSolver) and not isinstance(
        solver, diffrax.Euler | diffrax.Heun | diffrax.Midpoint | diffrax.Ralston)

    n_steps = int(round(duration / dt))
    if not math.isclose(n_steps * dt, duration, rel_tol=1e-9, abs_tol=1e-9):
        raise ValueError(f"simulate: `duration` ({duration} ms) must be a multiple of `dt` "
                         f"({dt} ms); e.g. duration={n_steps * dt}.")
    every = 1 if sample_every is None else int(round(_positive_float("sample_every",
                                                                     sample_every) / dt))
    if sample_every is not None and (every < 1 or not math.isclose(every * dt, sample_every,
                                                                   rel_tol=1e-6)):
        raise ValueError(f"simulate: `sample_every` ({sample_every} ms) must be a positive "
                         f"multiple of `dt` ({dt} ms).")
    n_save = n_steps // every + 1

    resolved_inputs = {}
    for name, value in (inputs or {}).items():
        node, port = _resolve(net, name, "input")
        source = as_input(value)
        _check_input(net, node, port, source)
        resolved_inputs[f"{node}.{port}"] = source
    if record is None:
        record = tuple((n, v) for n, m in net.nodes.items() for v in m.variables)
    else:
        if isinstance(record, str):
            record = [record]
        shapes = _observable_shapes(net)
        record = tuple(dict.fromkeys(_resolve(net, r, "variable", shapes) for r in record))

    if key is None and net.needs_key and initial_state is None:
        raise ValueError("simulate: this model has noise or random initial values; pass a PRNG "
                         "key, e.g. key=jax.random.key(0).")
    if key is None and net.stochastic:
        raise ValueError("simulate: this model has noise; pass a PRNG key, e.g. "
                         "key=jax.random.key(0).")
    init_key, noise_key = jax.random.split(key) if key is not None else (None, None)
    y0 = _initial_state(net, initial_state, init_key)

    if adaptive:
        controller = diffrax.PIDController(rtol=rtol, atol=atol)
        budget = max_steps or 16 * n_steps + 4096
    else:
        # (diffrax's buffer for saving by steps then holds exactly the n_save samples)
        controller, budget = None, n_steps
    traced = _is_traced((net, resolved_inputs, y0, key))
    spikes = [(node, var) for node, var in record
              if var == "spike" and isinstance(net.nodes.get(node), SpikingDynamics)]
    if spikes and every > 1:
        raise ValueError(f"simulate: spikes ({', '.join(f'{n}.{v}' for n, v in spikes)}) are "
                         f"recorded at every step, and `sample_every` ({sample_every} ms) would "
                         f"drop those between samples. Record spikes in a run without "
                         f"`sample_every` (they are stored as 1 bit per neuron and step).")
    # Outside transformations spikes are stored packed (8 per byte); under jit/grad/vmap as
    # floats, which carry the surrogate gradient.
    # Spike counts (PoissonGroup(counts=True)) are not bits: they stay numbers.
    packed = () if traced else tuple(f"{n}.{v}" for n, v in spikes
                                     if not getattr(net.nodes[n], "counts", False))
    if adjoint is None:
        adjoint = diffrax.RecursiveCheckpointAdjoint()
    # Fixed-step forward runs use neurojax's own loop, with reverse mode through diffeqsolve
    # (a custom_vjp, see `_integrate`); inputs that are Python functions may close over
    # anything, and forward-mode adjoints (e.g. diffrax.ForwardMode) keep the plain solve.
    # Batch-minor vmapping suits the fixed-step solvers (an adaptive solver would share its
    # steps across the batch) of mass networks (not spiking ones: their spike queues are not
    # batch-minor).
    own_loop = isinstance(solver, AbstractNetworkSolver) and isinstance(
        adjoint, diffrax.RecursiveCheckpointAdjoint) and not any(
        isinstance(v, Function) for v in resolved_inputs.values())
    batch_minor = own_loop and not net.spiking
    ts, ys, result = _integrate(
        net, resolved_inputs, y0, noise_key, own_loop=own_loop, batch_minor=batch_minor,
        solver=solver, t0=t0, dt=dt, n_steps=n_steps, every=every, n_save=n_save,
        record=record, packed=packed, adjoint=adjoint, controller=controller,
        max_steps=budget, progress=bool(progress), throw=traced)
    traj = Trajectory(ts=ts, data=ys, packed={
        name: net.nodes[name.split(".")[0]].size for name in packed})
    if traced:  # (the record was checked for NaN and inf inside the solve)
        return Trajectory(ts=ts, data=ys)
    _raise_if_failed(traj, result, solver)
    return traj


def _initial_state(net: Network, given, key):
    default = net.init_state(key) if (key is not None or not net.needs_key) else None
    if given is None:
        return default
    if len(net.nodes) == 1 and not any(k in net.nodes for k in given):
        given = {next(iter(net.nodes)): given}
    template = default if default is not None else jax.eval_shape(net.init_state,
                                                                  jax.random.key(0))
    state = {}
    for node, variables in template.items():
        if node not in given:
            raise ValueError(f"simulate: `initial_state` lacks node {node!r}.")
        state[node] = {}
        for var, ref in variables.items():
            if var not in given[node]:
                if default is None:
                    raise ValueError(f"simulate: `initial_state` lacks '{node}.{var}'.")
                state[node][var] = default[node][var]
                continue
            value = jnp.broadcast_to(jnp.asarray(given[node][var], ref.dtype), ref.shape) \
                if np.shape(given[node][var]) in ((), (1,), ref.shape) else None
            if value is None:
                raise ValueError(f"simulate: `initial_state` for '{node}.{var}' has shape "
                                 f"{np.shape(given[node][var])}; expected {ref.shape}.")
            state[node][var] = value
    return state


def _check_delays(net: Network, dt: float) -> None:
    for edge in net.edges:
        if not edge.delayed or _is_traced((edge.lengths, edge.speed)):
            continue
        delays = np.asarray(edge.lengths) / np.asarray(edge.speed)
        if np.any(~np.isfinite(delays)):
            raise ValueError(f"simulate: connection {edge.source}->{edge.target} has non-finite "
                             f"delays.")
        nonzero = delays[delays > 0]
        if nonzero.size and nonzero.min() < dt * (1 - 1e-6):
            raise ValueError(f"simulate: dt={dt} ms is longer than the shortest non-zero "
                             f"transmission delay ({nonzero.min():.4g} ms) of connection "
                             f"{edge.source}->{edge.target}; use dt <= {nonzero.min():.4g} ms, "
                             f"or set delays that short to 0.")


def _raise_if_failed(traj: Trajectory, result, solver) -> None:
    if result != diffrax.RESULTS.successful:
        # Unsaved samples after the failure are inf: report the last time that was reached.
        ok = np.all([np.all(np.isfinite(np.asarray(v)).reshape(len(traj.ts), -1), axis=1)
                     for v in traj.data.values()], axis=0)
        reached = float(traj.ts[np.flatnonzero(ok)[-1]]) if ok.any() else float(traj.ts[0])
        raise SimulationError(
            f"simulate: {type(solver).__name__} failed after t = {reached:.4g} ms: "
            f"{diffrax.RESULTS[result]} For an adaptive solver, raise `max_steps`, loosen "
            f"rtol/atol, or, for stiff models, use a fixed-step nj.solvers.ExponentialEuler() "
            f"or an implicit solver such as diffrax.Kvaerno5(); if the state diverges there, "
            f"check the parameters and inputs.")
    for name, values in traj.data.items():
        values = np.asarray(values)
        bad = ~np.isfinite(values)
        if bad.any():
            step, unit = np.argwhere(bad)[0][:2] if values.ndim > 1 else (np.argmax(bad), 0)
            raise SimulationError(
                f"simulate: the simulation diverged: '{name}' (unit {unit}) became "
                f"{values[step, unit] if values.ndim > 1 else values[step]} at t = "
                f"{float(traj.ts[step]):.4g} ms. Reduce dt, use a more stable solver or check "
                f"the parameters and inputs.")
