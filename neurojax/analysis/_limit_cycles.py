"""Limit cycles from simulation: detection, period and extrema, and a sweep of the cycle's
extrema over a parameter (simulations vmapped over the parameter, from two starting states
per value to expose hysteresis).

The simulations integrate the model's vector field with diffrax (Tsit5, adaptive steps), as
`nj.simulate` does, saving only after the transient. This is continuation *by simulation*:
only stable cycles are found (unstable cycles, e.g.
the one born at a subcritical Hopf point, are not), and a cycle counts as present when the
simulated activity still oscillates after the transient.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._simulate import _initial_state
from ._fixed_points import NoFixedPointError, fixed_points
from ._flat_system import FlatSystem, build_system, check_parameter_value


class LimitCycle(eqx.Module):
    """The attractor reached from one starting state, summarised.

    Attributes:
        exists: whether the activity still oscillates after the transient.
        period: mean interval between upward crossings of the mid-level of the first
            recorded variable (ms); NaN without a cycle.
        maxima, minima: recorded variable -> its largest / smallest value after the transient.
        final_state: the flat state at the end of the simulation.
    """

    exists: np.ndarray
    period: np.ndarray
    maxima: dict[str, np.ndarray]
    minima: dict[str, np.ndarray]
    final_state: np.ndarray

    @property
    def amplitude(self) -> dict[str, np.ndarray]:
        """Peak-to-peak amplitude of each recorded variable."""
        return {k: self.maxima[k] - self.minima[k] for k in self.maxima}


class LimitCycles(eqx.Module):
    """Limit cycles over a swept parameter (see `limit_cycles`).

    Attributes:
        parameter_name: the swept parameter.
        values: its values, `(m,)`.
        exists: a cycle was reached from at least one of the two starts, `(m,)`.
        period: the cycle's period (ms), NaN where none, `(m,)`.
        maxima, minima: variable -> extrema over the cycle, NaN where none, `(m,)`.
        from_rest, from_cycle: whether a cycle was reached from the perturbed equilibrium and
            from a state on the largest cycle found, `(m,)` each.
        hysteresis: `(low, high)` parameter intervals where both a stable equilibrium and a
            stable cycle were reached (bistability, e.g. past a subcritical Hopf point).
    """

    parameter_name: str = eqx.field(static=True)
    values: np.ndarray
    exists: np.ndarray
    period: np.ndarray
    maxima: dict[str, np.ndarray]
    minima: dict[str, np.ndarray]
    from_rest: np.ndarray
    from_cycle: np.ndarray
    hysteresis: tuple[tuple[float, float], ...] = eqx.field(static=True)

    def __repr__(self) -> str:
        where = self.values[self.exists]
        span = f"[{where.min():.4g}, {where.max():.4g}]" if where.size else "none"
        return (f"LimitCycles({self.parameter_name}: cycles at {int(self.exists.sum())} of "
                f"{self.values.size} values, {span}; hysteresis {list(self.hysteresis)})")


def _summarise(ts: np.ndarray, series: dict[str, np.ndarray], first: str, transient: float,
               amplitude_tol: float) -> tuple[bool, float, dict, dict]:
    """Cycle detection on one simulation: values after `transient`, oscillating if the first
    variable's peak-to-peak range exceeds `amplitude_tol * (1 + |mean|)` and does not decay
    (the second half of the window keeps at least 99% of the first half's range; closer to a
    Hopf point than that resolves, lengthen the simulation)."""
    keep = ts >= transient
    t = ts[keep]
    x = series[first][keep]
    ptp = float(np.ptp(x))
    half = x.size // 2
    sustained = np.ptp(x[half:]) >= 0.99 * np.ptp(x[:half])
    oscillates = bool(np.isfinite(ptp) and ptp > amplitude_tol * (1 + abs(float(np.mean(x))))
                      and sustained)
    period = np.nan
    if oscillates:
        mid = 0.5 * (x.max() + x.min())
        up = np.flatnonzero((x[:-1] < mid) & (x[1:] >= mid))
        if up.size >= 3:
            frac = (mid - x[up]) / (x[up + 1] - x[up])
            crossings = t[up] + frac * (t[up + 1] - t[up])
            period = float(np.mean(np.diff(crossings)))
        else:
            oscillates = False
    maxima = {k: float(v[keep].max()) for k, v in series.items()}
    minima = {k: float(v[keep].min()) for k, v in series.items()}
    return oscillates, period, maxima, minima


def _check_times(duration: float, transient: float, dt: float, who: str) -> None:
    if not dt > 0 or not 0 <= transient < duration:
        raise ValueError(f"{who}: need dt > 0 and 0 <= transient < duration (ms); got dt={dt}, "
                         f"transient={transient}, duration={duration}.")
    steps = (duration - transient) / dt
    if abs(steps - round(steps)) > 1e-6 * max(1.0, steps) or round(steps) < 4:
        raise ValueError(f"{who}: duration - transient ({duration - transient} ms) must be a "
                         f"multiple of dt ({dt} ms), at least 4 samples.")


def _targets(system: FlatSystem, variables: Sequence[str] | None
             ) -> list[tuple[str, str, int]]:
    """(name shown, recorded name `"node.var"`, unit) of each measured variable."""
    names = list(system.labels) if variables is None else list(variables)
    if not names:
        raise ValueError("`variables` must name at least one variable.")
    single = len(system.net.nodes) == 1
    out = []
    for name in names:
        node, item, unit = system.split_label(name)
        shown = name.split(".", 1)[1] if single and name.startswith(f"{node}.") else name
        out.append((shown, f"{node}.{item}", unit))
    return out


def _simulate_flat(system: FlatSystem, y0: jax.Array, duration: float, transient: float,
                   dt: float, targets: tuple[tuple[str, str, int], ...], rtol: float | None,
                   atol: float | None):
    """Integrates the model's vector field (`Network.drift`, as `nj.simulate` does: diffrax
    Tsit5, with a PID controller at `rtol`/`atol`, or fixed steps `dt` if they are None)
    from the flat state `y0`, saving every `dt` after `transient` only. Returns the save
    times, the measured variables and the final state (NaN if the solver failed)."""
    n_save = int(round((duration - transient) / dt)) + 1
    n_steps = int(round(duration / dt))
    ts = transient + dt * jnp.arange(n_save, dtype=y0.dtype)
    if rtol is None:
        controller, budget = diffrax.ConstantStepSize(), n_steps + 1
    else:
        controller = diffrax.PIDController(rtol=rtol, atol=atol)
        budget = 16 * n_steps + 4096
    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(lambda t, y, args: system.drift(y)), diffrax.Tsit5(), 0.0, duration,
        dt, y0, saveat=diffrax.SaveAt(ts=ts), stepsize_controller=controller,
        max_steps=budget, throw=False)
    ok = sol.result == diffrax.RESULTS.successful
    ys = jnp.where(ok, sol.ys, jnp.nan)
    observed = jax.vmap(lambda y: system.net.observables(system.unravel(y)))(ys)
    series = {shown: observed[node][item][:, unit] for shown, (node, item), unit in
              ((t[0], t[1].split(".", 1), t[2]) for t in targets)}
    return ts, series, ys[-1]


@eqx.filter_jit
def _run_batch(system: FlatSystem, values: jax.Array, starts: jax.Array, duration: float,
               transient: float, dt: float, targets: tuple, rtol: float | None,
               atol: float | None):
    def one(value, y0):
        at_value = system.at(value[None]) if system.active else system
        return _simulate_flat(at_value, y0, duration, transient, dt, targets, rtol, atol)

    return jax.vmap(one)(values, starts)


def limit_cycles(model, parameter: str, values: Any,
                 inputs: Mapping[str, Any] | None = None, *,
                 params: Mapping[str, Any] | None = None,
                 variables: Sequence[str] | None = None, duration: float = 2000.0,
                 transient: float = 1000.0, dt: float = 0.1, perturbation: float = 1e-2,
                 amplitude_tol: float = 1e-3, bounds: Mapping[str, tuple] | None = None,
                 rtol: float | None = 1e-6, atol: float = 1e-8) -> LimitCycles:
    """Stable limit cycles over a parameter, by simulation (the model's vector field
    integrated with diffrax as in `nj.simulate`, vmapped over the parameter values), with
    their period and extrema.

    Every value is simulated twice, all values at once: first from its equilibrium (found by
    `fixed_points`, a stable one if there is one) displaced by `perturbation` (relative),
    then from a state on the largest cycle of the first pass. Where only the second start
    oscillates, a stable equilibrium and a stable cycle coexist: that range is reported in
    `hysteresis` (the signature of a subcritical Hopf point or a fold of cycles).

    Args:
        model: a continuous population or mass `Network` (no spikes, delays or noise).
        parameter: the swept parameter (a field, an input port or a coupling strength).
        values: its values, 1-d.
        inputs, params: other constant inputs and parameter overrides.
        variables: the variables whose extrema are reported (default every state variable);
            observables such as Jansen-Rit's `"v_pyr"` are allowed. The first decides whether
            the activity oscillates and gives the period.
        duration: simulated time per run (ms).
        transient: time discarded before measuring (ms).
        dt: first step of the adaptive solver and sampling interval of the record (ms).
        perturbation: displacement of the equilibrium start, relative to `1 + |x|`.
        amplitude_tol: the least peak-to-peak range (relative to `1 + |mean|`) of a cycle.
        bounds: state region for the equilibrium search (see `fixed_points`).
        rtol, atol: tolerances of the adaptive solver; `rtol=None` integrates with fixed
            steps `dt` instead (Tsit5; faster for a sweep, where the vmapped members would
            otherwise all take as many steps as the slowest; `dt` must resolve the dynamics).

    Returns:
        `LimitCycles`.
    """
    who = "limit_cycles"
    system = build_system(model, inputs, params, (parameter,), who=who)
    values = np.atleast_1d(np.asarray(values, dtype=float))
    if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(f"{who}: `values` must be a non-empty 1-d array of finite numbers; "
                         f"got shape {values.shape}.")
    check_parameter_value(system.net, system.active[0], values, who)
    _check_times(duration, transient, dt, who)
    targets = _targets(system, variables)
    dtype = system.dtype
    vals = jnp.asarray(values, dtype)
    starts = _rest_starts(model, system, values, inputs, params, bounds, perturbation)
    measure = lambda x0: _measure(system, vals, x0, targets, duration, dt, transient,  # noqa: E731
                                  amplitude_tol, rtol, atol)
    rest, rest_final = measure(starts)
    first = targets[0][0]
    amp = np.array([r[2][first] - r[3][first] if r[0] else -np.inf for r in rest])
    if np.isfinite(amp).any():
        on_cycle = jnp.asarray(rest_final[int(np.argmax(amp))], dtype)
        cycle, _ = measure(jnp.broadcast_to(on_cycle, starts.shape))
    else:
        cycle = rest
    from_rest = np.array([r[0] for r in rest])
    from_cycle = np.array([c[0] for c in cycle])
    exists = from_rest | from_cycle
    pick = [cycle[i] if from_cycle[i] else rest[i] for i in range(values.size)]
    nan = np.nan
    period = np.array([p[1] if e else nan for p, e in zip(pick, exists, strict=True)])
    maxima = {k: np.array([p[2][k] if e else nan for p, e in zip(pick, exists, strict=True)])
              for k, _, _ in targets}
    minima = {k: np.array([p[3][k] if e else nan for p, e in zip(pick, exists, strict=True)])
              for k, _, _ in targets}
    return LimitCycles(parameter_name=system.active[0].name, values=values, exists=exists,
                       period=period, maxima=maxima, minima=minima, from_rest=from_rest,
                       from_cycle=from_cycle,
                       hysteresis=_intervals(values, from_cycle & ~from_rest))


def _intervals(values: np.ndarray, mask: np.ndarray) -> tuple[tuple[float, float], ...]:
    order = np.argsort(values)
    v, m = values[order], mask[order]
    out, start = [], None
    for i, flag in enumerate(m):
        if flag and start is None:
            start = i
        if start is not None and (not flag or i == len(m) - 1):
            end = i if flag else i - 1
            out.append((float(v[start]), float(v[end])))
            start = None
    return tuple(out)


def _rest_starts(model, system, values, inputs, params, bounds, perturbation):
    """Per value: an equilibrium (stable if any), displaced by `perturbation`."""
    x0 = np.asarray(system.initial(), dtype=float)
    try:
        with warnings.catch_warnings():  # values without an equilibrium start elsewhere
            warnings.filterwarnings("ignore", message="fixed_points: no fixed point found")
            fps = fixed_points(model, inputs, params=params,
                               over={system.active[0].name: values}, bounds=bounds,
                               n_starts=4)
    except NoFixedPointError:
        fps = None
    starts = np.repeat(x0[None], values.size, axis=0)
    if fps is not None:
        for i, v in enumerate(values):
            at = np.flatnonzero(fps.parameter == v)
            if at.size:
                stable = at[fps.stable[at]]
                starts[i] = fps.states[stable[0] if stable.size else at[0]]
    direction = np.where(np.arange(system.size) % 2 == 0, 1.0, -1.0)
    starts = starts + perturbation * (1 + np.abs(starts)) * direction
    return jnp.asarray(starts, system.dtype)


def _measure(system, values, starts, targets, duration, dt, transient, amplitude_tol, rtol,
             atol):
    """Simulates every (value, start) pair at once; per value `(oscillates, period, maxima,
    minima)`, and the final states."""
    tolerances = (None, None) if rtol is None else (float(rtol), float(atol))
    ts, data, final = _run_batch(system, values, starts, float(duration), float(transient),
                                 float(dt), tuple(targets), *tolerances)
    ts = np.asarray(ts)
    data = {k: np.asarray(v) for k, v in data.items()}
    out = [_summarise(ts[i], {k: v[i] for k, v in data.items()}, targets[0][0], transient,
                      amplitude_tol) for i in range(values.shape[0])]
    return out, np.asarray(final)


def limit_cycle(model, inputs: Mapping[str, Any] | None = None, *,
                params: Mapping[str, Any] | None = None,
                variables: Sequence[str] | None = None, duration: float = 2000.0,
                transient: float = 1000.0, dt: float = 0.1, initial_state=None,
                amplitude_tol: float = 1e-3, rtol: float | None = 1e-6,
                atol: float = 1e-8) -> LimitCycle:
    """Simulates a model past a transient and measures the cycle it settles on, if any.

    Args:
        model: a continuous population or mass `Network`.
        inputs, params: constant inputs and parameter overrides.
        variables: variables to measure (default every state variable; observables allowed);
            the first decides whether the activity oscillates and gives the period.
        duration, transient, dt: simulated time, discarded time and sampling interval (ms).
        initial_state: the starting state (as in `nj.simulate`), default the model's.
        amplitude_tol: the least relative peak-to-peak range of a cycle.
        rtol, atol: tolerances of the adaptive solver (`rtol=None`: fixed steps `dt`).

    Returns:
        A `LimitCycle` (`exists`, `period` in ms, `maxima`, `minima`).
    """
    who = "limit_cycle"
    system = build_system(model, inputs, params, (), who=who)
    _check_times(duration, transient, dt, who)
    targets = _targets(system, variables)
    given = system.initial() if initial_state is None else system.ravel(
        _initial_state(system.net, initial_state, None))
    (result,), final = _measure(system, jnp.zeros((1,), system.dtype), given[None], targets,
                                duration, dt, transient, amplitude_tol, rtol, atol)
    ok, period, maxima, minima = result
    return LimitCycle(exists=np.asarray(ok), period=np.asarray(period), maxima=maxima,
                      minima=minima, final_state=final[0])
