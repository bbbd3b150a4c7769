"""Parameter and initial-value fields for models, and their validation.

Models declare parameters with `param`, which converts the value to a float array, records
its constraint and unit in the field metadata, and lets `validate_parameters` check them at
construction. Parameters are kept as given (a scalar or an array over the population), and
broadcast against the state in the equations: a scalar stays one trainable number.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._constraints import Constraint, real


def as_float_array(value: Any) -> jax.Array:
    """Converts `value` to a JAX array of the default floating dtype (float32, or float64
    when `jax_enable_x64` is on); floating arrays keep their dtype."""
    if isinstance(value, jax.Array | np.ndarray) and jnp.issubdtype(value.dtype, jnp.floating):
        return jnp.asarray(value)
    return jnp.asarray(value, dtype=jnp.result_type(float))


def param(default: Any = dataclasses.MISSING, *, constraint: Constraint = real, unit: str = ""):
    """A model parameter: a float array field, broadcastable to the population size.

    Args:
        default: default value (a number or an array).
        constraint: the values allowed, checked at construction and used by fitting.
        unit: the unit, shown in error messages (e.g. "ms").
    """
    kwargs = {} if default is dataclasses.MISSING else {"default": default}
    return eqx.field(converter=as_float_array,
                     metadata={"constraint": constraint, "unit": unit}, **kwargs)


def is_concrete(x: Any) -> bool:
    """True if `x` holds actual values (not a tracer inside jit, vmap or grad)."""
    return not isinstance(x, jax.core.Tracer)


def parameter_fields(module: eqx.Module) -> list[dataclasses.Field]:
    """The fields of `module` declared with `param`."""
    return [f for f in dataclasses.fields(module) if "constraint" in f.metadata]


def validate_parameters(module: eqx.Module, size: int | None) -> None:
    """Checks every `param` field of `module`: broadcastable to `(size,)` (unless `size` is
    None) and inside its constraint. Values that are traced (inside jit/vmap/grad) are skipped.

    Raises:
        ValueError: naming the parameter, its value and what to pass instead.
    """
    name = type(module).__name__
    for f in parameter_fields(module):
        value = getattr(module, f.name)
        if not is_concrete(value):
            continue
        shape = np.shape(value)
        if size is not None and shape not in ((), (1,), (size,)):
            raise ValueError(
                f"{name}: parameter `{f.name}` has shape {shape}, which does not match the "
                f"population size {size}; pass a scalar or an array of shape ({size},).")
        constraint: Constraint = f.metadata["constraint"]
        if not constraint.check(np.asarray(value)):
            unit = f" ({f.metadata['unit']})" if f.metadata.get("unit") else ""
            bad = np.asarray(value)
            shown = bad if bad.size <= 4 else (
                f"an array with min {np.nanmin(bad)} and max {np.nanmax(bad)}")
            raise ValueError(
                f"{name}: parameter `{f.name}` must be {constraint.describe()}{unit}; got {shown}.")


def check_size(module: eqx.Module, size: Any) -> None:
    """Checks that a population size is a positive int."""
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
        raise ValueError(f"{type(module).__name__}: `size` must be a positive integer (the "
                         f"number of units in the population); got {size!r}.")
