"""Initial-value distributions for state variables (`nj.init.Constant`, `Normal`, `Uniform`)."""

from __future__ import annotations

import abc
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from ._params import as_float_array


class Initializer(eqx.Module):
    """Draws the initial value of a state variable over a population."""

    @abc.abstractmethod
    def __call__(self, key: jax.Array | None, shape: tuple[int, ...]) -> jax.Array:
        """Returns an array of `shape`; `key` is used only by random initialisers."""

    @property
    @abc.abstractmethod
    def is_random(self) -> bool:
        """Whether drawing needs a PRNG key."""


class Constant(Initializer):
    """Every unit starts at `value` (a scalar, or an array broadcastable to the population)."""

    value: jax.Array = eqx.field(converter=as_float_array)

    def __call__(self, key, shape):
        return jnp.broadcast_to(self.value, shape)

    @property
    def is_random(self) -> bool:
        return False


class Normal(Initializer):
    """Independent Gaussian initial values, `mean` ± `std`."""

    mean: jax.Array = eqx.field(converter=as_float_array)
    std: jax.Array = eqx.field(converter=as_float_array)

    def __check_init__(self):
        if not isinstance(self.std, jax.core.Tracer) and bool(jnp.any(self.std < 0)):
            raise ValueError(f"Normal: `std` must be non-negative; got {self.std}.")

    def __call__(self, key, shape):
        return self.mean + self.std * jax.random.normal(key, shape, dtype=self.mean.dtype)

    @property
    def is_random(self) -> bool:
        return True


class Uniform(Initializer):
    """Independent uniform initial values in [`low`, `high`)."""

    low: jax.Array = eqx.field(converter=as_float_array)
    high: jax.Array = eqx.field(converter=as_float_array)

    def __check_init__(self):
        if not isinstance(self.low, jax.core.Tracer) and bool(jnp.any(self.high < self.low)):
            raise ValueError(f"Uniform: `high` ({self.high}) must be >= `low` ({self.low}).")

    def __call__(self, key, shape):
        return jax.random.uniform(key, shape, dtype=self.low.dtype, minval=self.low,
                                  maxval=self.high)

    @property
    def is_random(self) -> bool:
        return True


def as_initializer(value: Any) -> Initializer:
    """Wraps a number or an array as `Constant`; initialisers pass through."""
    return value if isinstance(value, Initializer) else Constant(value)


def initial(default: Any):
    """A model field holding the initial value of one state variable."""
    return eqx.field(default=default, converter=as_initializer)
