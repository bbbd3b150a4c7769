"""Numerically safe forms of functions with removable singularities."""

import jax.numpy as jnp


def x_over_one_minus_exp(x, eps: float = 1e-6):
    """`x / (1 - exp(-x))`, equal to 1 at x = 0, with finite values and gradients there.

    Used by gating rates (HH) and rate functions (Wong-Wang). The double `where` keeps the
    unused branch from producing NaN gradients.
    """
    small = jnp.abs(x) < eps
    safe_x = jnp.where(small, 1.0, x)
    return jnp.where(small, 1.0 + 0.5 * x, -safe_x / jnp.expm1(-safe_x))
