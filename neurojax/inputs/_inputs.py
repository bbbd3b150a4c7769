"""Deterministic inputs: functions of time added to a population's input port."""

from __future__ import annotations

import abc
import math
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..core import as_float_array, is_concrete, param, positive
from ..core._params import validate_parameters


class AbstractInput(eqx.Module):
    """An input signal: `__call__(t)` returns a scalar or an array over the target's units,
    in the units of the port it drives."""

    def __check_init__(self):
        validate_parameters(self, None)

    @abc.abstractmethod
    def __call__(self, t: jax.Array) -> jax.Array:
        """The input value at time `t` (ms)."""


class Constant(AbstractInput):
    """A constant input (scalar, or one value per unit)."""

    value: jax.Array = eqx.field(converter=as_float_array)

    def __call__(self, t):
        return self.value


class Step(AbstractInput):
    """`amplitude` between `onset` and `offset` (ms), `baseline` elsewhere."""

    amplitude: jax.Array = param()
    onset: jax.Array = param(0.0, unit="ms")
    offset: jax.Array = param(math.inf, unit="ms")
    baseline: jax.Array = param(0.0)

    def __check_init__(self):
        if is_concrete(self.onset) and bool(jnp.any(self.offset < self.onset)):
            raise ValueError(f"Step: `offset` ({self.offset}) must not precede `onset` "
                             f"({self.onset}).")

    def __call__(self, t):
        on = (t >= self.onset) & (t < self.offset)
        return jnp.where(on, self.amplitude, self.baseline)


class TimeSeries(AbstractInput):
    """Samples `values[k]` at times `t0 + k * dt` (ms), linearly interpolated, held constant
    outside the sampled range. `values` has shape `(time,)` or `(time, units)`."""

    values: jax.Array = eqx.field(converter=as_float_array)
    dt: jax.Array = param(constraint=positive, unit="ms")
    t0: jax.Array = param(0.0, unit="ms")

    def __check_init__(self):
        if self.values.ndim not in (1, 2) or self.values.shape[0] < 1:
            raise ValueError(f"TimeSeries: `values` must have shape (time,) or (time, units); "
                             f"got {self.values.shape}.")

    def __call__(self, t):
        pos = jnp.clip((t - self.t0) / self.dt, 0.0, self.values.shape[0] - 1)
        i0 = jnp.clip(jnp.floor(pos).astype(jnp.int32), 0, self.values.shape[0] - 1)
        i1 = jnp.minimum(i0 + 1, self.values.shape[0] - 1)
        frac = pos - i0
        return (1 - frac) * self.values[i0] + frac * self.values[i1]


class Function(AbstractInput):
    """Wraps a user function `fn(t) -> value` (t in ms); it must be traceable by JAX."""

    fn: Callable[[jax.Array], Any] = eqx.field(static=True)

    def __call__(self, t):
        return jnp.asarray(self.fn(t))


def as_input(value: Any) -> AbstractInput:
    """Turns a number, an array or a callable into an input; inputs pass through."""
    if isinstance(value, AbstractInput):
        return value
    if callable(value):
        return Function(value)
    if isinstance(value, int | float | np.ndarray | jax.Array | list | tuple | np.number):
        return Constant(value)
    raise TypeError(f"An input must be a number, an array, a function of t or an nj.inputs "
                    f"object; got {type(value).__name__}.")
