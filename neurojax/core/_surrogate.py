"""Spikes as Heaviside steps with surrogate derivatives, so gradients flow through spiking.

Forward, `spike(x) = 1 if x >= 0 else 0`; backward, the derivative of a smooth function
(the surrogate). Implemented as `smooth(x) + stop_gradient(step(x) - smooth(x))`, so the
forward value is exactly the step and the gradient is exactly the smooth function's.
"""

from __future__ import annotations

import abc

import equinox as eqx
import jax
import jax.numpy as jnp

from ._constraints import positive
from ._params import param, validate_parameters


class AbstractSurrogate(eqx.Module):
    """A Heaviside step with a smooth derivative; `x` is the distance to threshold (e.g. mV)."""

    def __check_init__(self):
        validate_parameters(self, None)

    @abc.abstractmethod
    def smooth(self, x: jax.Array) -> jax.Array:
        """A smooth step whose derivative is the surrogate derivative."""

    def __call__(self, x: jax.Array) -> jax.Array:
        return _spike(self, x)


@jax.custom_jvp
def _spike(surrogate: AbstractSurrogate, x: jax.Array) -> jax.Array:
    """The step, with the derivatives (in `x` and the surrogate's parameters) of
    `surrogate.smooth`: a rule of its own, so the forward pass computes the step only."""
    return (x >= 0).astype(jnp.result_type(x, float))


@_spike.defjvp
def _spike_jvp(primals, tangents):
    surrogate, x = primals
    _, tangent = jax.jvp(lambda s, y: s.smooth(y), primals, tangents)
    return _spike(surrogate, x), tangent


class Sigmoid(AbstractSurrogate):
    """Surrogate derivative `beta * s(beta x) (1 - s(beta x))` (logistic `s`)."""

    beta: jax.Array = param(4.0, constraint=positive)

    def smooth(self, x):
        return jax.nn.sigmoid(self.beta * x)


class FastSigmoid(AbstractSurrogate):
    """SuperSpike surrogate (Zenke & Ganguli 2018): derivative `1 / (1 + beta |x|)^2`."""

    beta: jax.Array = param(10.0, constraint=positive)

    def smooth(self, x):
        return x / (1.0 + self.beta * jnp.abs(x))


class Arctan(AbstractSurrogate):
    """Arctan surrogate (Fang et al. 2021): derivative `alpha / (2 (1 + (pi alpha x / 2)^2))`."""

    alpha: jax.Array = param(2.0, constraint=positive)

    def smooth(self, x):
        return 0.5 + jnp.arctan(0.5 * jnp.pi * self.alpha * x) / jnp.pi
