"""Newton's method for small dense systems, as a `lax.while_loop` (vmappable, jit-able).

The analyses solve many small systems (fixed points from hundreds of starts, continuation
correctors, defining systems of bifurcation points); this plain loop compiles several times
faster than a general root finder. The differentiable refinement of bifurcation points
(`locate`) uses optimistix instead, for its implicit-function-theorem gradients.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp


def newton(g: Callable[[jax.Array], jax.Array], y0: jax.Array, tol: float,
           max_iter: int = 50) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Solves the square system `g(y) = 0` from `y0`.

    Stops when the largest correction is at most `tol * (1 + max |y|)`, after `max_iter`
    iterations, or when the iterate is no longer finite.

    Returns:
        `(y, iterations, converged)`.
    """

    def body(state):
        y, i, _, _ = state
        delta = jnp.linalg.solve(jax.jacfwd(g)(y), -g(y))
        big = jnp.max(jnp.abs(delta))
        y_new = y + delta
        return (y_new, i + 1, big <= tol * (1.0 + jnp.max(jnp.abs(y_new))),
                ~jnp.isfinite(big))

    def cond(state):
        _, i, done, bad = state
        return (i < max_iter) & ~done & ~bad

    y, iters, done, bad = jax.lax.while_loop(
        cond, body, (y0, jnp.array(0), jnp.array(False), jnp.array(False)))
    return y, iters, done & ~bad & jnp.all(jnp.isfinite(y))
