"""Fold (saddle-node) and Hopf points: their defining systems, Newton refinement with
implicit-function-theorem gradients, and the first Lyapunov coefficient of a Hopf point.

Defining systems (Kuznetsov 2004, sec. 10.2), with `c` a fixed normalisation vector:

- fold, unknowns `(x, p, v)`: `f(x, p) = 0`, `J(x, p) v = 0`, `c . v = 1`;
- Hopf, unknowns `(x, p, w, v_re, v_im)`: `f = 0`, `J v_re + w v_im = 0`,
  `J v_im - w v_re = 0`, `c . v_re = 1`, `c . v_im = 0`, i.e. `J v = i w v` with
  `v = v_re + i v_im`.

Both are square and regular at a generic fold or Hopf point, so Newton converges
quadratically and the implicit function theorem gives the derivative of the point's location
with respect to every other parameter of the model (optimistix's `ImplicitAdjoint`).

References:
    Kuznetsov (2004), Elements of Applied Bifurcation Theory, 3rd ed., Springer: sec. 10.2
    (defining systems) and eq. (3.20) (first Lyapunov coefficient).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any, Literal

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx

from ._flat_system import FlatSystem, build_system
from ._newton import newton

Kind = Literal["fold", "hopf", "branch point"]


class BifurcationPoint(eqx.Module):
    """A codimension-one bifurcation of equilibria.

    Attributes:
        kind: `"fold"` (saddle-node), `"hopf"`, or `"branch point"` (a transversal crossing
            of two branches, located only approximately).
        parameter_name: the bifurcation parameter.
        value: the parameter value at the bifurcation.
        state: the equilibrium there (flat state, `labels`).
        frequency: angular frequency `w` of the critical pair (rad/ms; Hopf only, else NaN).
        vector: the critical eigenvector: `v` (fold, `(n,)`) or `(v_re, v_im)` (Hopf, `(2n,)`).
        normalisation: the vector `c` of the defining system.
        lyapunov: first Lyapunov coefficient (Hopf only, else NaN): negative for a
            supercritical Hopf point (a stable cycle is born), positive for a subcritical one.
        residual: largest residual of the defining system.
        converged: whether Newton's method converged.
        labels: names of the state entries.
    """

    kind: Kind = eqx.field(static=True)
    parameter_name: str = eqx.field(static=True)
    value: jax.Array
    state: jax.Array
    frequency: jax.Array
    vector: jax.Array
    normalisation: jax.Array
    lyapunov: jax.Array
    residual: jax.Array
    converged: jax.Array
    labels: tuple[str, ...] = eqx.field(static=True)

    @property
    def criticality(self) -> str | None:
        """`"supercritical"`, `"subcritical"` or `"degenerate"` for a Hopf point."""
        if self.kind != "hopf":
            return None
        l1 = float(self.lyapunov)
        if not np.isfinite(l1) or abs(l1) < 1e-12:
            return "degenerate"
        return "supercritical" if l1 < 0 else "subcritical"

    @property
    def period(self) -> float:
        """`2 pi / w` (ms): the period of the cycle born at a Hopf point."""
        return float(2 * np.pi / self.frequency)

    def __getitem__(self, name: str) -> jax.Array:
        """A state variable at the point, by label or unique short name."""
        matches = [i for i, lab in enumerate(self.labels)
                   if lab == name or lab.split(".", 1)[1] == name]
        if len(matches) != 1:
            raise KeyError(f"{name!r} is not a unique state variable; labels are "
                           f"{list(self.labels)}.")
        return self.state[matches[0]]

    def __repr__(self) -> str:
        extra = ""
        if self.kind == "hopf":
            extra = f", frequency={float(self.frequency):.4g} rad/ms, {self.criticality}"
        return (f"BifurcationPoint({self.kind} at {self.parameter_name}="
                f"{float(self.value):.6g}{extra})")


def _jvp(system: FlatSystem, x, p, v):
    return jax.jvp(lambda y: system(y, p), (x,), (v,))[1]


def fold_equations(y: jax.Array, p_rest: jax.Array, system: FlatSystem, c: jax.Array):
    """The fold system in `y = (x, p, v)`; `p_rest`: values of further active parameters."""
    n = system.size
    x, p, v = y[:n], jnp.concatenate([y[n:n + 1], p_rest]), y[n + 1:]
    return jnp.concatenate([system(x, p), _jvp(system, x, p, v), (c @ v - 1.0)[None]])


def hopf_equations(y: jax.Array, p_rest: jax.Array, system: FlatSystem, c: jax.Array):
    """The Hopf system in `y = (x, p, w, v_re, v_im)`."""
    n = system.size
    x, p, w = y[:n], jnp.concatenate([y[n:n + 1], p_rest]), y[n + 1]
    vr, vi = y[n + 2:2 * n + 2], y[2 * n + 2:]
    return jnp.concatenate([system(x, p), _jvp(system, x, p, vr) + w * vi,
                            _jvp(system, x, p, vi) - w * vr,
                            jnp.stack([c @ vr - 1.0, c @ vi])])


EQUATIONS = {"fold": fold_equations, "hopf": hopf_equations}


def fold_guess(jac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The approximate null vector `v` of `jac` and `c` with `c . v = 1`."""
    _, _, vt = np.linalg.svd(np.asarray(jac))
    v = vt[-1]
    return v, v / (v @ v)


def hopf_guess(jac: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """`(w, v, c)` for the complex pair of `jac` nearest the imaginary axis."""
    lam, vecs = np.linalg.eig(np.asarray(jac))
    candidates = np.flatnonzero(lam.imag > 0)
    if candidates.size == 0:
        raise ValueError("no complex eigenvalue pair near this Hopf point")
    j = candidates[np.argmin(np.abs(lam.real[candidates]))]
    q = vecs[:, j]
    big = np.argmax(np.abs(q))
    q = q * np.conj(q[big]) / np.abs(q[big])  # largest entry real
    c = q.real / np.linalg.norm(q.real)
    q = q / (c @ q)  # c . v_re = 1, c . v_im = 0
    return float(lam[j].imag), q, c


def _complex_forms(system: FlatSystem, x, p, *vectors):
    """The multilinear forms `D^k f(x)[u_j, v_j, ...]` for batches of complex vectors:
    `vectors` are k arrays `(batch, n)`; returns `(batch, n)` complex. By multilinearity,
    each form is a sum of `2^k` forms of real and imaginary parts, all evaluated by one
    vmapped nest of `jvp`s."""
    k = len(vectors)
    batch, n = vectors[0].shape
    choices = np.array(list(itertools.product((0, 1), repeat=k)))  # (2^k, k)
    directions = [jnp.where(choices[:, j, None, None] == 1, jnp.imag(v)[None], jnp.real(v)[None])
                  .reshape(-1, n) for j, v in enumerate(vectors)]  # each (2^k * batch, n)
    weights = jnp.asarray(1j ** choices.sum(axis=1))

    def derivative(g, d):
        return lambda y: jax.jvp(g, (y,), (d,))[1]

    def form(*dirs):
        fn = lambda y: system(y, p)  # noqa: E731
        for d in dirs:
            fn = derivative(fn, d)
        return fn(x)

    values = jax.vmap(form)(*directions).reshape(len(choices), batch, n)
    return jnp.einsum("c,cbn->bn", weights, values)


def lyapunov_coefficient(system: FlatSystem, x: jax.Array, p: jax.Array, w: jax.Array,
                         q: jax.Array) -> jax.Array:
    """The first Lyapunov coefficient `l1` at a Hopf point (Kuznetsov 2004, eq. 3.20).

    `l1 = Re[<p, C(q,q,q*)> - 2 <p, B(q, A^-1 B(q,q*))> + <p, B(q*, (2iw - A)^-1 B(q,q))>]
    / (2 w)` with `A q = i w q`, `A^T p = -i w p`, `<q, q> = <p, q> = 1`. Its sign decides
    the criticality; its size depends on that normalisation: for
    `z' = (mu + i w) z + a |z|^2 z` with `z = x + i y` it is `2 a / w`.
    """
    x, p, w, q = (jax.lax.stop_gradient(a) for a in (x, p, w, q))
    n = x.shape[0]
    a = system.jacobian(x, p)
    ctype = jnp.result_type(a.dtype, jnp.complex64)
    q = q.astype(ctype)
    q = q / jnp.linalg.norm(q)
    eye = jnp.eye(n, dtype=ctype)
    # adjoint eigenvector: (A^T + i w) p = 0, bordered to fix its scale
    # (the border q is not in the range of A^T + i w, whose left null vector is conj(q))
    bordered = jnp.block([[a.T.astype(ctype) + 1j * w * eye, q[:, None]],
                          [jnp.conj(q)[None, :], jnp.zeros((1, 1), ctype)]])
    rhs = jnp.zeros((n + 1,), ctype).at[-1].set(1.0)
    adj = jnp.linalg.solve(bordered, rhs)[:n]
    adj = adj / jnp.conj(jnp.vdot(adj, q))

    qbar = jnp.conj(q)
    b_qq, b_qqbar = _complex_forms(system, x, p, jnp.stack([q, q]), jnp.stack([q, qbar]))
    c_term = _complex_forms(system, x, p, q[None], q[None], qbar[None])[0]
    s1 = jnp.linalg.solve(a.astype(ctype), b_qqbar)
    s2 = jnp.linalg.solve(2j * w * eye - a.astype(ctype), b_qq)
    b_1, b_2 = _complex_forms(system, x, p, jnp.stack([q, qbar]), jnp.stack([s1, s2]))
    total = jnp.vdot(adj, c_term - 2 * b_1 + b_2)
    return jnp.real(total) / (2 * w)


def solve_point(kind: Kind, system: FlatSystem, y0: jax.Array, c: jax.Array,
                p_rest: jax.Array, tol: float):
    """Newton on the defining system; `(y, residual, converged)`. Differentiable in `system`
    and `p_rest` by the implicit function theorem."""
    equations = EQUATIONS[kind]
    solver = optx.Newton(rtol=tol, atol=tol)
    sol = optx.root_find(lambda y, args: equations(y, args[0], args[1], c), solver,
                         jax.lax.stop_gradient(y0), args=(p_rest, system), max_steps=64,
                         throw=False)
    y = sol.value
    res = jnp.max(jnp.abs(equations(y, p_rest, system, c)))
    return y, res, sol.result == optx.RESULTS.successful


def _point_from_solution(kind: Kind, system: FlatSystem, y, c, res, converged, p_rest):
    n = system.size
    x, value = y[:n], y[n]
    nan = jnp.full((), jnp.nan, y.dtype)
    if kind == "fold":
        return BifurcationPoint("fold", system.active[0].name, value, x, nan, y[n + 1:], c,
                                nan, res, converged, system.labels)
    w, vr, vi = y[n + 1], y[n + 2:2 * n + 2], y[2 * n + 2:]
    p = jnp.concatenate([value[None], p_rest])
    l1 = lyapunov_coefficient(system, x, p, w, vr + 1j * vi)
    return BifurcationPoint("hopf", system.active[0].name, value, x, w,
                            jnp.concatenate([vr, vi]), c, l1, res, converged, system.labels)


@eqx.filter_jit
def refine(kind: Kind, system: FlatSystem, y0: jax.Array, c: jax.Array, tol: float,
           p_rest: jax.Array | None = None) -> BifurcationPoint:
    """Solves the defining system from the guess `y0` (plain Newton, not differentiable:
    see `locate`); the point as a `BifurcationPoint`."""
    if p_rest is None:
        p_rest = jnp.zeros((0,), y0.dtype)
    equations = EQUATIONS[kind]
    y, _, ok = newton(lambda y: equations(y, p_rest, system, c), y0, tol)
    res = jnp.max(jnp.abs(equations(y, p_rest, system, c)))
    return _point_from_solution(kind, system, y, c, res, ok, p_rest)


@eqx.filter_jit
def _refine_implicit(kind: Kind, system: FlatSystem, y0, c, tol: float) -> BifurcationPoint:
    p_rest = jnp.zeros((0,), y0.dtype)
    y, res, ok = solve_point(kind, system, y0, c, p_rest, tol)
    return _point_from_solution(kind, system, y, c, res, ok, p_rest)


def guess_from_equilibrium(kind: Kind, x: np.ndarray, p: float, jac: np.ndarray):
    """A starting guess `(y0, c)` of the defining system near the equilibrium `(x, p)` with
    Jacobian `jac`."""
    if kind == "fold":
        v, c = fold_guess(jac)
        return np.concatenate([x, [p], v]), c
    w, q, c = hopf_guess(jac)
    return np.concatenate([x, [p, w], q.real, q.imag]), c


def guess_from_point(point: BifurcationPoint) -> jax.Array:
    """The defining-system unknowns of an already located point."""
    if point.kind == "fold":
        return jnp.concatenate([point.state, point.value[None], point.vector])
    return jnp.concatenate([point.state, point.value[None], point.frequency[None],
                            point.vector])


def default_tol(dtype) -> float:
    """Newton tolerance of the defining systems: 1e-12 (float64) or 1e-6 (float32)."""
    return 1e-12 if np.finfo(dtype).bits == 64 else 1e-6


def locate(model, point: BifurcationPoint, inputs: Mapping[str, Any] | None = None, *,
           params: Mapping[str, Any] | None = None, tol: float | None = None
           ) -> BifurcationPoint:
    """Refines a fold or Hopf point of `model`, differentiably.

    Solves the point's defining system by Newton's method from `point` (e.g. one found by
    `continuation` with the same inputs). The result is differentiable with respect to the
    model's parameters and `params` (implicit function theorem), so e.g.
    `jax.grad(lambda eps: locate(FitzHughNagumo(1, epsilon=eps), hopf).value)(0.5)` is the
    derivative of the Hopf input with respect to `epsilon`. Works under `jax.jit`.

    Args:
        model: the model (possibly with traced parameters).
        point: a fold or Hopf point of a nearby model (the starting guess).
        inputs: the constant inputs used to find `point`.
        params: parameter overrides, name -> value (may be traced).
        tol: Newton tolerance (default 1e-12 in float64, 1e-6 in float32).

    Returns:
        The refined `BifurcationPoint`.

    Raises:
        ValueError: for a branch point (not refinable) or if Newton did not converge (when
            not traced).
    """
    if not isinstance(point, BifurcationPoint):
        raise TypeError(f"locate: `point` must be a BifurcationPoint (from continuation); got "
                        f"{type(point).__name__}.")
    if point.kind not in EQUATIONS:
        raise ValueError(f"locate: a {point.kind} cannot be refined; only folds and Hopf "
                         f"points have a defining system here.")
    system = build_system(model, inputs, params, (point.parameter_name,), who="locate")
    if system.labels != point.labels:
        raise ValueError(f"locate: the model's state {list(system.labels)} differs from the "
                         f"point's {list(point.labels)}; pass the model the point came from.")
    tol = default_tol(system.dtype) if tol is None else float(tol)
    y0 = guess_from_point(point).astype(system.dtype)
    refined = _refine_implicit(point.kind, system, y0,
                               jnp.asarray(point.normalisation, system.dtype), tol)
    if not isinstance(refined.converged, jax.core.Tracer) and not bool(refined.converged):
        raise ValueError(f"locate: Newton's method did not converge to the {point.kind} point "
                         f"near {point.parameter_name}={float(point.value):.6g} (residual "
                         f"{float(refined.residual):.3g}); the model may be too far from the "
                         f"one the point came from: move its parameters in smaller steps.")
    return refined
