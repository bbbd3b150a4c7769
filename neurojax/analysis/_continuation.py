"""One-parameter continuation of equilibria: branches, their stability, and the fold and Hopf
points on them (detected along the branch, then located on their defining systems)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._arclength import follow, scale_of
from ._bifurcation_points import (
    BifurcationPoint,
    default_tol,
    guess_from_equilibrium,
    refine,
)
from ._fixed_points import (
    FixedPoints,
    NoFixedPointError,
    fixed_points,
    hyperbolicity_tol,
    jacobians,
    sorted_eigenvalues,
)
from ._flat_system import FlatSystem, build_system, check_parameter_value


class Branch(eqx.Module):
    """A branch of equilibria, ordered along its arclength.

    Attributes:
        parameter: the parameter value at each point, `(k,)`.
        states: the equilibria, `(k, n)`.
        eigenvalues: Jacobian eigenvalues, `(k, n)` complex, sorted by decreasing real part.
        stable: whether each point is asymptotically stable, `(k,)`.
        ends: why the branch ended at its first and last point.
    """

    parameter: np.ndarray
    states: np.ndarray
    eigenvalues: np.ndarray
    stable: np.ndarray
    ends: tuple[str, str] = eqx.field(static=True)

    def __len__(self) -> int:
        return int(self.parameter.shape[0])


class BifurcationDiagram(eqx.Module):
    """Equilibrium branches over one parameter and the bifurcation points on them.

    Attributes:
        parameter_name: the bifurcation parameter.
        interval: the parameter interval that was explored.
        branches: the branches of equilibria.
        points: folds, Hopf points and branch points, sorted by parameter value.
        system: the model's vector field (labels and observables).
    """

    parameter_name: str = eqx.field(static=True)
    interval: tuple[float, float] = eqx.field(static=True)
    branches: tuple[Branch, ...]
    points: tuple[BifurcationPoint, ...]
    system: FlatSystem

    @property
    def labels(self) -> tuple[str, ...]:
        return self.system.labels

    def of_kind(self, kind: str) -> tuple[BifurcationPoint, ...]:
        """The points of one kind: `"fold"`, `"hopf"` or `"branch point"`."""
        return tuple(p for p in self.points if p.kind == kind)

    @property
    def folds(self) -> tuple[BifurcationPoint, ...]:
        return self.of_kind("fold")

    @property
    def hopfs(self) -> tuple[BifurcationPoint, ...]:
        return self.of_kind("hopf")

    def values(self, name: str) -> list[np.ndarray]:
        """A state variable or observable along each branch, e.g. `diagram.values("x")`."""
        return [np.asarray(self.system.observable(jnp.asarray(b.states), name))
                for b in self.branches]

    def __repr__(self) -> str:
        pts = ", ".join(f"{p.kind} at {float(p.value):.5g}" for p in self.points) or "none"
        return (f"BifurcationDiagram({self.parameter_name} in {list(self.interval)}: "
                f"{len(self.branches)} branch(es); points: {pts})")


def _equilibrium(u: jax.Array, system: FlatSystem) -> jax.Array:
    return system(u[:-1], u[-1:])


def _on_branches(u_scaled: np.ndarray, branches_scaled: list[np.ndarray], radius: float) -> bool:
    return any(np.min(np.linalg.norm(b - u_scaled, axis=1)) <= radius for b in branches_scaled)


def _crossings(values: np.ndarray) -> np.ndarray:
    """Indices i where `values` changes sign between i and i + 1."""
    s = np.sign(values)
    return np.flatnonzero(s[:-1] * s[1:] < 0)


def _detect(tangents: np.ndarray, eigenvalues: np.ndarray, tol: float
            ) -> list[tuple[str, int]]:
    """Candidate bifurcations between consecutive branch points: (kind, index i)."""
    found = []
    folds = set(_crossings(tangents[:, -1]).tolist())
    scale = np.maximum(1.0, np.max(np.abs(eigenvalues), axis=1))
    re = eigenvalues.real
    unstable = np.sum(re > hyperbolicity_tol(re.dtype) * scale[:, None], axis=1)
    for i in folds:
        found.append(("fold", i))
    det = np.prod(eigenvalues, axis=1).real
    for i in _crossings(det):
        if not any(abs(i - j) <= 1 for j in folds):
            found.append(("branch point", int(i)))
    for i in np.flatnonzero(np.abs(np.diff(unstable)) == 2):
        if any(abs(i - j) <= 1 for j in folds):
            continue
        pair = [np.abs(eigenvalues[k].imag).max() > tol for k in (i, i + 1)]
        if all(pair):
            found.append(("hopf", int(i)))
    return found


def _interpolate(kind: str, points, eigenvalues, i: int) -> tuple[float, np.ndarray]:
    """Where between points i and i+1 the kind's test function vanishes: the fraction of the
    way, and the linearly interpolated point."""
    if kind == "hopf":
        def test(k):
            lam = eigenvalues[k]
            cand = lam[lam.imag > 0]
            return cand.real[np.argmin(np.abs(cand.real))] if cand.size else 0.0
    else:
        def test(k):
            return np.prod(eigenvalues[k]).real
    a, b = test(i), test(i + 1)
    frac = 0.5 if a == b else float(np.clip(a / (a - b), 0.0, 1.0))
    return frac, points[i] + frac * (points[i + 1] - points[i])


def continuation(model, parameter: str, interval: tuple[float, float],
                 inputs: Mapping[str, Any] | None = None, *,
                 params: Mapping[str, Any] | None = None,
                 bounds: Mapping[str, tuple[float, float]] | None = None,
                 n_starts: int | None = None, seeds: int = 5, ds_max: float = 0.01,
                 max_points: int = 4000, scale: float | None = None) -> BifurcationDiagram:
    """Continues the equilibria of a model over one parameter by pseudo-arclength
    continuation, and finds the folds and Hopf points on them.

    Starting equilibria come from `fixed_points` at `seeds` evenly spaced parameter values
    (both ends included); each starting point not already on a computed branch is continued
    in both directions until the branch leaves `interval`, so folds are followed around
    (branches that are isolated closed curves inside the interval are found only if a seed
    lands on them). Along each branch, folds are detected by the sign change of the
    parameter component of the tangent, Hopf points by two eigenvalues (a complex pair)
    changing the sign of their real part, and branch points by a sign change of `det J`
    without a fold. Folds and Hopf points are then located by Newton's method on their
    defining systems (`locate`), Hopf points with their first Lyapunov coefficient.

    Args:
        model: a continuous population or mass `Network` (no spikes, delays or noise).
        parameter: the bifurcation parameter: a model field (`"theta_e"`,
            `"node.theta_e"`), an input port (`"x"`) or a coupling (`"src->tgt.strength"`).
        interval: `(low, high)` of the parameter.
        inputs: other constant inputs (as in `nj.simulate`).
        params: other parameter overrides, name -> value.
        bounds: state region for the starting fixed points (see `fixed_points`).
        n_starts: starts per variable of that search (see `fixed_points`).
        seeds: the number of parameter values at which starting equilibria are sought.
        ds_max: the largest continuation step, in units of the interval's length (and of
            `scale` for the state).
        max_points: the most points per direction of a branch.
        scale: the state's scale in the arclength (default: the largest |x| of the starting
            equilibria).

    Returns:
        A `BifurcationDiagram`.

    Raises:
        ValueError: unsupported model, unknown names, an empty or invalid interval.
        NoFixedPointError: no equilibrium was found at any seed value.
    """
    who = "continuation"
    system = build_system(model, inputs, params, (parameter,), who=who)
    if np.shape(interval) != (2,) or not float(interval[0]) < float(interval[1]):
        raise ValueError(f"{who}: `interval` must be (low, high) with low < high; got "
                         f"{interval!r}.")
    lo, hi = float(interval[0]), float(interval[1])
    check_parameter_value(system.net, system.active[0], np.array([lo, hi]), who)
    if seeds < 2:
        raise ValueError(f"{who}: `seeds` must be at least 2 (both ends); got {seeds}.")
    if not 0 < ds_max < 1:
        raise ValueError(f"{who}: `ds_max` must be in (0, 1) (a fraction of the interval); "
                         f"got {ds_max}.")
    try:
        with warnings.catch_warnings():  # seed values without an equilibrium are fine
            warnings.filterwarnings("ignore", message="fixed_points: no fixed point found")
            fps: FixedPoints = fixed_points(model, inputs, params=params,
                                            over={parameter: np.linspace(lo, hi, seeds)},
                                            bounds=bounds, n_starts=n_starts)
    except NoFixedPointError as err:
        raise NoFixedPointError(f"{who}: found no equilibrium to start from; "
                                f"{str(err).split(': ', 1)[1]}") from None
    dtype = system.dtype
    n = system.size
    if scale is None:
        scale = scale_of(fps.states)
    offset = jnp.asarray(np.r_[np.zeros(n), lo], dtype)
    scales = jnp.asarray(np.r_[np.full(n, scale), hi - lo], dtype)
    tol = 1e-10 if np.finfo(dtype).bits == 64 else 1e-5
    margin = 1e-9

    branches, scaled_branches, points = [], [], []
    seeds_u = np.concatenate([fps.states, fps.parameter[:, None]], axis=1)
    # ends first, then interior seeds
    order = np.argsort(np.minimum(np.abs(seeds_u[:, -1] - lo), np.abs(seeds_u[:, -1] - hi)),
                       kind="stable")
    for u0 in seeds_u[order]:
        z0 = (u0 - np.asarray(offset)) / np.asarray(scales)
        if _on_branches(z0, scaled_branches, 2 * ds_max):
            continue
        pts, tans, ends = follow(_equilibrium, system, jnp.asarray(u0, dtype), offset, scales,
                                 -margin, 1 + margin, ds_max, max_points, tol)
        inside = (pts[:, -1] >= lo - 1e-12 * (hi - lo)) & (pts[:, -1] <= hi + 1e-12 * (hi - lo))
        jac = jacobians(system, pts[:, :-1], pts[:, -1:])
        lam = sorted_eigenvalues(jac)
        for kind, i in _detect(tans, lam, hyperbolicity_tol(dtype)):
            if not (inside[i] or inside[i + 1]):
                continue
            points.append(_locate_on_branch(kind, system, pts, lam, jac, i))
        stable = np.all(lam.real < 0, axis=1)
        # keep the part inside the interval (the end points may overshoot it slightly)
        keep = inside | np.r_[inside[1:], False] | np.r_[False, inside[:-1]]
        branches.append(Branch(parameter=pts[keep, -1], states=pts[keep, :-1],
                               eigenvalues=lam[keep], stable=stable[keep], ends=ends))
        scaled_branches.append((pts - np.asarray(offset)) / np.asarray(scales))
    points = _distinct([p for p in points if p is not None and lo <= float(p.value) <= hi])
    return BifurcationDiagram(parameter_name=system.active[0].name, interval=(lo, hi),
                              branches=tuple(branches), points=tuple(points), system=system)


def _distinct(points: list[BifurcationPoint]) -> list[BifurcationPoint]:
    """Sorted by parameter value, each point once (two branches may share a point)."""
    points = sorted(points, key=lambda p: float(p.value))
    out: list[BifurcationPoint] = []
    for p in points:
        if not any(q.kind == p.kind and np.max(np.abs(np.r_[float(q.value) - float(p.value),
                                                            np.asarray(q.state - p.state)]))
                   <= 1e-6 * (1 + abs(float(p.value))) for q in out):
            out.append(p)
    return out


def _locate_on_branch(kind, system, pts, lam, jac, i) -> BifurcationPoint | None:
    frac, u = _interpolate(kind, pts, lam, i)
    x, p = u[:-1], float(u[-1])
    if kind == "branch point":
        nan = jnp.full((), jnp.nan, system.dtype)
        vec = jnp.full((system.size,), jnp.nan, system.dtype)
        return BifurcationPoint("branch point", system.active[0].name, jnp.asarray(p),
                                jnp.asarray(x), nan, vec, vec, nan, nan, jnp.asarray(False),
                                system.labels)
    y0, c = guess_from_equilibrium(kind, x, p, jac[i] + frac * (jac[i + 1] - jac[i]))
    point = refine(kind, system, jnp.asarray(y0, system.dtype), jnp.asarray(c, system.dtype),
                   default_tol(system.dtype))
    lo, hi = sorted((float(pts[i, -1]), float(pts[i + 1, -1])))
    # a Hopf point lies between its neighbours; a fold, the extreme of the parameter, may lie
    # beyond both, by up to about a step
    slack = (hi - lo + 1e-9 * (1 + abs(hi)) if kind == "hopf"
             else 2 * max(hi - lo, float(np.max(np.abs(pts[i + 1] - pts[i])))))
    if not bool(point.converged) or not lo - slack <= float(point.value) <= hi + slack:
        warnings.warn(f"continuation: a {kind} was detected near {system.active[0].name}="
                      f"{p:.6g} but could not be located (Newton on its defining system did "
                      f"not converge there); it is left out.", stacklevel=3)
        return None
    return point
