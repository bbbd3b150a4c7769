"""Pseudo-arclength continuation of the solution curve of `G(u) = 0`, `G: R^(m+1) -> R^m`.

The generic engine behind branches of equilibria and curves of folds and Hopf points. One
step: the tangent predictor `z + ds t`, then Newton's method on `G(w) = 0`,
`t . (w - z - ds t) = 0` (the corrector stays on the hyperplane orthogonal to the tangent, so
it passes folds of the curve in the continuation parameter). The step size adapts: halved
after a failed corrector or a tangent turning by more than ~37 degrees, grown by 1.5 after a
corrector that converged in at most 3 iterations. The whole loop is one jit-compiled
`lax.while_loop`.

References:
    Keller (1977), in Applications of Bifurcation Theory, Academic Press, pp. 359-384;
    Allgower & Georg (2003), Introduction to Numerical Continuation Methods, SIAM, ch. 2-4.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._newton import newton

#: Why a curve ended (the `status` of `arclength`).
RUNNING, BOUNDARY, MAX_POINTS, STEP_TOO_SMALL, CLOSED, INVALID = range(6)
END_REASONS = {
    BOUNDARY: "left the parameter interval",
    MAX_POINTS: "reached max_points (raise it)",
    STEP_TOO_SMALL: "step size fell below its minimum (singular point or divergence)",
    CLOSED: "closed on itself (a loop)",
    INVALID: "left the valid region",
}

_MAX_NEWTON = 8
_MIN_COS = 0.8


def tangent(jac_g: jax.Array, previous: jax.Array) -> jax.Array:
    """The unit tangent `t` with `J t = 0` oriented like `previous` (`t . previous > 0`)."""
    m1 = jac_g.shape[1]
    a = jnp.concatenate([jac_g, previous[None]], axis=0)
    z = jnp.linalg.solve(a, jnp.zeros((m1,), jac_g.dtype).at[-1].set(1.0))
    return z / jnp.linalg.norm(z)


@eqx.filter_jit
def arclength(residual: Callable[[jax.Array, Any], jax.Array], args: Any, u0: jax.Array,
              direction: jax.Array, offset: jax.Array, scale: jax.Array, lower: float,
              upper: float, ds_max: float, max_points: int, tol: float,
              valid: Callable[[jax.Array, Any], jax.Array] | None = None):
    """Follows the curve `residual(u, args) = 0` from the point `u0` on it.

    Works in scaled coordinates `z = (u - offset) / scale`; the last component of `u` is the
    continuation parameter, which must stay in `[lower, upper]` (scaled).

    Args:
        residual: `G(u, args)`, `m` equations in `m + 1` unknowns.
        args: pytree passed to `residual` (and `valid`).
        u0: a point on the curve, `(m + 1,)`.
        direction: +1 or -1: the sign of the first step's change of the last component.
        offset, scale: the scaling of `u`.
        lower, upper: the interval of the last component of `z`.
        ds_max: the largest step (scaled arclength); the first step is a quarter of it.
        max_points: the size of the output buffer.
        tol: relative tolerance of the corrector (`newton`).
        valid: optional `valid(u, args) -> bool`; the curve ends where it is False.

    Returns:
        `(points (max_points, m+1), tangents (max_points, m+1) scaled, count, status)`; the
        rows past `count` are NaN. The last point may lie just outside `[lower, upper]`.
    """
    dtype = u0.dtype
    m1 = u0.shape[0]

    def g(z):
        return residual(offset + scale * z, args)

    z0 = (u0 - offset) / scale
    t0 = tangent(jax.jacfwd(g)(z0), jnp.zeros((m1,), dtype).at[-1].set(direction))
    buf = jnp.full((max_points, m1), jnp.nan, dtype)
    carry = (jnp.array(1), z0, t0, jnp.asarray(ds_max / 4, dtype), buf.at[0].set(z0),
             buf.at[0].set(t0), jnp.array(RUNNING), jnp.zeros((), dtype))

    def correct(z_pred, t):
        def h(w):
            return jnp.concatenate([g(w), (t @ (w - z_pred))[None]])

        return newton(h, z_pred, tol, _MAX_NEWTON)

    def step(carry):
        k, z, t, ds, points, tangents, status, travelled = carry
        w, iters, ok = correct(z + ds * t, t)
        t_new = tangent(jax.jacfwd(g)(w), t)
        ok = ok & jnp.all(jnp.isfinite(t_new)) & (t_new @ t > _MIN_COS)
        ds_next = jnp.where(ok, jnp.minimum(jnp.where(iters <= 3, 1.5 * ds, ds), ds_max),
                            0.5 * ds)
        travelled_new = travelled + jnp.where(ok, jnp.linalg.norm(w - z), 0.0)
        new_status = jnp.where(ok & ((w[-1] < lower) | (w[-1] > upper)), BOUNDARY, RUNNING)
        if valid is not None:
            new_status = jnp.where(ok & (new_status == RUNNING)
                                   & ~valid(offset + scale * w, args), INVALID, new_status)
        closed = ok & (travelled_new > 5 * ds_max) & (jnp.linalg.norm(w - z0) < ds)
        new_status = jnp.where((new_status == RUNNING) & closed, CLOSED, new_status)
        new_status = jnp.where(ok & (new_status == RUNNING) & (k + 1 >= max_points),
                               MAX_POINTS, new_status)
        new_status = jnp.where(~ok & (ds_next < ds_max * 1e-6), STEP_TOO_SMALL, new_status)
        points = jnp.where(ok, points.at[k].set(w), points)
        tangents = jnp.where(ok, tangents.at[k].set(t_new), tangents)
        return (jnp.where(ok, k + 1, k), jnp.where(ok, w, z), jnp.where(ok, t_new, t),
                ds_next, points, tangents, new_status, travelled_new)

    k, _, _, _, points, tangents, status, _ = jax.lax.while_loop(
        lambda c: c[6] == RUNNING, step, carry)
    return offset + scale * points, tangents, k, status


def follow(residual, args, u0, offset, scale, lower, upper, ds_max, max_points, tol,
           valid=None):
    """Both directions from `u0`, joined into one curve (ordered by the continuation
    parameter's first direction reversed, then forward).

    Returns:
        `(points (k, m+1), tangents (k, m+1) oriented forward, (start reason, end reason))`.
    """
    halves = []
    for direction in (-1.0, 1.0):
        sign = jnp.asarray(direction, u0.dtype)
        pts, tans, count, status = arclength(residual, args, u0, sign, offset, scale, lower,
                                             upper, ds_max, max_points, tol, valid)
        count = int(count)
        halves.append((np.asarray(pts)[:count], np.asarray(tans)[:count], int(status)))
    (bp, bt, bs), (fp, ft, fs) = halves
    points = np.concatenate([bp[::-1], fp[1:]])
    tangents = np.concatenate([-bt[::-1], ft[1:]])
    return points, tangents, (END_REASONS.get(bs, "?"), END_REASONS.get(fs, "?"))


def scale_of(states: np.ndarray) -> float:
    """The arclength scale of states: their largest magnitude, or 1 if that is ~0."""
    big = float(np.max(np.abs(states))) if np.size(states) else 0.0
    return big if big > 1e-6 else 1.0
