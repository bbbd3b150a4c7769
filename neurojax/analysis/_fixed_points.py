"""Fixed points of continuous models: vectorised multi-start Newton, de-duplication and
linear stability (Jacobian eigenvalues)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._flat_system import FlatSystem, build_system, check_parameter_value
from ._newton import newton


class NoFixedPointError(ValueError):
    """No fixed point was found where one was asked for."""


def hyperbolicity_tol(dtype) -> float:
    """Relative size below which a real part counts as zero (10 sqrt(machine epsilon))."""
    return 10.0 * float(np.sqrt(np.finfo(dtype).eps))


def classify(eigenvalues: Any, tol: float | None = None) -> str:
    """The type of a fixed point from the eigenvalues of its Jacobian.

    Returns one of `"stable node"`, `"stable focus"` (all real parts negative, without or
    with a complex pair), `"unstable node"`, `"unstable focus"` (all positive), `"saddle"`,
    `"saddle-focus"` (both signs; with a complex pair), `"centre"` (a purely imaginary pair,
    every other eigenvalue stable) or `"non-hyperbolic"` (another eigenvalue on the imaginary
    axis, e.g. at a fold).

    Args:
        eigenvalues: the eigenvalues (complex array, shape `(n,)`).
        tol: real parts with `|Re| <= tol * max(1, max |lambda|)` count as zero; default
            10 sqrt(eps) of the eigenvalues' precision.
    """
    lam = np.asarray(eigenvalues)
    if lam.ndim != 1 or lam.size == 0:
        raise ValueError(f"classify: `eigenvalues` must be a non-empty 1-d array; got shape "
                         f"{lam.shape}.")
    if tol is None:
        tol = hyperbolicity_tol(lam.real.dtype)
    scale = max(1.0, float(np.max(np.abs(lam))))
    re, im = lam.real, lam.imag
    zero = np.abs(re) <= tol * scale
    complex_pair = np.abs(im) > tol * scale
    if zero.any():
        rest_stable = np.all(re[~zero] < 0)
        if np.all(complex_pair[zero]) and rest_stable:
            return "centre"
        return "non-hyperbolic"
    focus = bool(complex_pair.any())
    if np.all(re < 0):
        return "stable focus" if focus else "stable node"
    if np.all(re > 0):
        return "unstable focus" if focus else "unstable node"
    return "saddle-focus" if focus else "saddle"


class FixedPoints(eqx.Module):
    """Fixed points with their stability, optionally over a swept parameter.

    Attributes:
        states: the fixed points, shape `(k, n)` (flat states; see `labels`).
        eigenvalues: Jacobian eigenvalues, `(k, n)` complex, sorted by decreasing real part.
        stability: the type of each point (`classify`).
        parameter: the swept parameter's value at each point, `(k,)`, or None.
        parameter_name: the swept parameter's name, or None.
        missing: swept values at which no fixed point was found.
        system: the model's vector field (for labels and observables).
    """

    states: np.ndarray
    eigenvalues: np.ndarray
    stability: tuple[str, ...] = eqx.field(static=True)
    parameter: np.ndarray | None
    parameter_name: str | None = eqx.field(static=True)
    missing: np.ndarray
    system: FlatSystem

    @property
    def labels(self) -> tuple[str, ...]:
        """The name of each entry of a state."""
        return self.system.labels

    @property
    def stable(self) -> np.ndarray:
        """Whether each point is asymptotically stable (every real part negative)."""
        return np.array([s.startswith("stable") for s in self.stability], dtype=bool)

    def __len__(self) -> int:
        return int(self.states.shape[0])

    def __getitem__(self, name: str) -> np.ndarray:
        """A variable or observable at every fixed point, e.g. `fps["x"]`."""
        return np.asarray(self.system.observable(jnp.asarray(self.states), name))

    def __repr__(self) -> str:
        kinds = {s: self.stability.count(s) for s in dict.fromkeys(self.stability)}
        over = f" over {self.parameter_name}" if self.parameter_name else ""
        return f"FixedPoints({len(self)} points{over}: {kinds})"


@eqx.filter_jit
def _initial(system: FlatSystem) -> jax.Array:
    return system.initial()


def _starts(system: FlatSystem, bounds, starts, n_starts, key, who) -> np.ndarray:
    """Starting states (k, n) for Newton."""
    n = system.size
    if starts is not None:
        arr = np.asarray(starts, dtype=float)
        arr = arr[None] if arr.ndim == 1 else arr
        if arr.ndim != 2 or arr.shape[1] != n or not np.all(np.isfinite(arr)):
            raise ValueError(f"{who}: `starts` must be finite, of shape (k, {n}) (flat states "
                             f"ordered as {list(system.labels)}); got shape {np.shape(starts)}.")
        return arr
    x0 = np.asarray(_initial(system), dtype=float)
    if bounds is None:  # around the initial state
        lo, hi = x0 - (1.0 + np.abs(x0)), x0 + (1.0 + np.abs(x0))
        chosen = list(range(n))
    else:
        lo, hi, chosen = x0.copy(), x0.copy(), []
        for name, bound in bounds.items():
            i = system.index(name)
            if np.shape(bound) != (2,) or not float(bound[0]) < float(bound[1]):
                raise ValueError(f"{who}: bounds for {name!r} must be (low, high) with "
                                 f"low < high; got {bound!r}.")
            lo[i], hi[i] = float(bound[0]), float(bound[1])
            chosen.append(i)
    dims = len(chosen)
    if dims <= 3:  # a grid over the bounded variables
        per = int(n_starts or {1: 64, 2: 12, 3: 6}.get(dims, 6))
        axes = [np.linspace(lo[i], hi[i], per) for i in chosen]
        mesh = np.stack([m.ravel() for m in np.meshgrid(*axes, indexing="ij")], axis=1)
        grid = np.repeat(x0[None], mesh.shape[0], axis=0)
        grid[:, chosen] = mesh
        return np.concatenate([x0[None], grid])
    count = int(n_starts or 256)
    key = jax.random.key(0) if key is None else key
    u = np.asarray(jax.random.uniform(key, (count, n)), dtype=float)
    return np.concatenate([x0[None], lo + u * (hi - lo)])


@eqx.filter_jit
def _newton_all(system: FlatSystem, starts, values, tol):
    """Newton from every start at every parameter value: states (v, k, n), residuals (v, k)."""

    def solve(x0, p):
        step_tol = jnp.maximum(tol * 1e-3, 4 * jnp.finfo(x0.dtype).eps)
        x, _, _ = newton(lambda y: system(y, p), x0, step_tol, max_iter=64)
        return x, jnp.max(jnp.abs(system(x, p)))

    return jax.vmap(jax.vmap(solve, in_axes=(0, None)), in_axes=(None, 0))(starts, values)


#: Parameter values solved per call (padded), so that sweeps of any length share one
#: compiled solver.
_BLOCK = 32


def _solve_in_blocks(system: FlatSystem, starts, values: np.ndarray, tol: float):
    """`_newton_all` over blocks of `_BLOCK` parameter values (the last padded)."""
    count = values.shape[0]
    block = _BLOCK if values.shape[1] else 1  # (no swept parameter: one set of starts)
    padded = np.concatenate([values, np.repeat(values[-1:], -count % block, axis=0)])
    states, residuals = [], []
    for i in range(0, padded.shape[0], block):
        x, r = _newton_all(system, starts, jnp.asarray(padded[i:i + block], system.dtype), tol)
        states.append(np.asarray(x))
        residuals.append(np.asarray(r))
    return np.concatenate(states)[:count], np.concatenate(residuals)[:count]


@eqx.filter_jit
def _jacobians(system: FlatSystem, states, values):
    return jax.vmap(system.jacobian)(states, values)


def jacobians(system: FlatSystem, states, values) -> np.ndarray:
    """`df/dx` at each (state, parameter) pair, `(k, n, n)`. Inputs are padded to a power of
    two so that branches of different lengths share a compiled function."""
    states, values = np.asarray(states), np.asarray(values)
    k = states.shape[0]
    size = max(8, 1 << (k - 1).bit_length())
    pad = lambda a: np.concatenate([a, np.repeat(a[-1:], size - k, axis=0)])  # noqa: E731
    out = _jacobians(system, jnp.asarray(pad(states), system.dtype),
                     jnp.asarray(pad(values), system.dtype))
    return np.asarray(out)[:k]


def sorted_eigenvalues(jac: np.ndarray) -> np.ndarray:
    """Eigenvalues of each matrix, sorted by decreasing real part."""
    lam = np.linalg.eigvals(np.asarray(jac))
    order = np.argsort(-lam.real, axis=-1, kind="stable")
    return np.take_along_axis(lam, order, axis=-1)


def unique_rows(points: np.ndarray, tol: float) -> np.ndarray:
    """Indices of the first of each group of rows closer than `tol * (1 + |x|)` (max norm)."""
    points = np.asarray(points)
    if points.shape[0] == 0:
        return np.zeros(0, dtype=int)
    distance = np.max(np.abs(points[:, None, :] - points[None, :, :]), axis=-1)
    close = distance <= tol * (1 + np.max(np.abs(points), axis=1))[:, None]
    taken = np.zeros(points.shape[0], dtype=bool)
    keep = []
    for i in range(points.shape[0]):
        if not taken[i]:
            keep.append(i)
            taken |= close[i]
    return np.array(keep, dtype=int)


def default_tol(dtype) -> float:
    """Residual below which a point is a fixed point: 1e-8 in float64, 1e-4 in float32."""
    return 1e-8 if np.finfo(dtype).bits == 64 else 1e-4


def fixed_points(model, inputs: Mapping[str, Any] | None = None, *,
                 params: Mapping[str, Any] | None = None,
                 over: Mapping[str, Any] | None = None,
                 bounds: Mapping[str, tuple[float, float]] | None = None,
                 starts: Any = None, n_starts: int | None = None,
                 key: jax.Array | None = None, tol: float | None = None) -> FixedPoints:
    """Finds the fixed points of a continuous model by Newton's method from many starts.

    Newton's method runs from every start at once (vectorised with `vmap`, and
    over every value of a swept parameter); the converged points are de-duplicated and
    classified by the eigenvalues of their Jacobian (exact, `jax.jacfwd`).

    Args:
        model: a continuous population (e.g. `nj.masses.WilsonCowan(1)`) or a mass
            `nj.Network` without delays or noise.
        inputs: constant inputs, `"port"` or `"node.port"` -> value, as in `nj.simulate`.
        params: parameter values to use instead of the model's, name -> value (a field such
            as `"theta_e"` or `"node.theta_e"`, an input port, or `"src->tgt.strength"`).
        over: sweep one parameter: `{name: values}` (1-d); every value is solved at once.
        bounds: the region to start from, state variable -> (low, high). With up to 3
            variables the starts are a grid (`n_starts` per variable, default 64, 12, 6);
            with more, `n_starts` (default 256) uniform random points (`key`). Variables not
            named start at the model's initial value. Default: the initial state
            +- (1 + |x0|) for every variable.
        starts: explicit starting states, shape `(k, n)` (flat, ordered as the result's
            `labels`); overrides `bounds`.
        n_starts: see `bounds`.
        key: PRNG key for random starts (default `jax.random.key(0)`).
        tol: largest residual `max |f(x)|` of a fixed point (default 1e-8 in float64, 1e-4
            in float32); also the relative distance below which two points are the same.
            Use float64 (`jax.config.update("jax_enable_x64", True)`) for accurate analyses.

    Returns:
        `FixedPoints`, sorted by parameter value and then by the first state variable.

    Raises:
        ValueError: unsupported models (spiking, delays, noise), unknown names, bad bounds.
        NoFixedPointError: if no start converged (at any swept value). Values of a sweep at
            which none converged are listed in `missing` (with a warning).
    """
    who = "fixed_points"
    if over is not None and (not isinstance(over, Mapping) or len(over) != 1):
        raise ValueError(f"{who}: `over` must be a dict with one parameter name -> values; got "
                         f"{over!r}.")
    name = next(iter(over)) if over is not None else None
    system = build_system(model, inputs, params, (name,) if name else (), who=who)
    dtype = system.dtype
    tol = default_tol(dtype) if tol is None else float(tol)
    if name is not None:
        values = np.atleast_1d(np.asarray(over[name], dtype=float))
        if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
            raise ValueError(f"{who}: the values of {name!r} in `over` must be a non-empty "
                             f"1-d array of finite numbers; got shape {values.shape}.")
        check_parameter_value(system.net, system.active[0], values, who)
        grid = jnp.asarray(values, dtype)[:, None]
    else:
        values = None
        grid = jnp.zeros((1, 0), dtype)
    x0s = _starts(system, bounds, starts, n_starts, key, who)
    states, residuals = _solve_in_blocks(system, jnp.asarray(x0s, dtype), np.asarray(grid), tol)
    ok = np.isfinite(residuals) & (residuals <= tol) & np.all(np.isfinite(states), axis=-1)

    found, at, missing = [], [], []
    for v in range(grid.shape[0]):
        pts = states[v][ok[v]]
        if pts.shape[0] == 0:
            if values is not None:
                missing.append(values[v])
            continue
        pts = pts[unique_rows(pts, max(tol, 1e-6 if np.finfo(dtype).bits == 64 else 1e-3))]
        found.append(pts)
        at.append(np.full(pts.shape[0], v))
    if not found:
        where = (f" for {name} in [{values.min():g}, {values.max():g}]" if values is not None
                 else "")
        raise NoFixedPointError(
            f"{who}: none of the {x0s.shape[0]} starts converged to a fixed point{where} "
            f"(residual <= {tol:g}). The model may have no fixed point there; otherwise widen "
            f"`bounds`, pass more `n_starts` or explicit `starts`.")
    if missing:
        warnings.warn(f"{who}: no fixed point found at {len(missing)} of {len(values)} values "
                      f"of {name} (e.g. {missing[0]:g}); they are listed in `missing`.",
                      stacklevel=2)
    pts = np.concatenate(found)
    idx = np.concatenate(at)
    order = np.lexsort((pts[:, 0], idx))
    pts, idx = pts[order], idx[order]
    jac = jacobians(system, pts, np.asarray(grid)[idx])
    lam = sorted_eigenvalues(jac)
    return FixedPoints(states=pts, eigenvalues=lam, stability=tuple(classify(row) for row in lam),
                       parameter=None if values is None else values[idx],
                       parameter_name=None if name is None else system.active[0].name,
                       missing=np.asarray(missing, dtype=float), system=system)
