"""Type aliases shared across neurojax (jaxtyping)."""

from typing import Any, TypeAlias

from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray

Scalar: TypeAlias = Float[Array, ""]
ScalarLike: TypeAlias = float | Float[ArrayLike, ""]
Vector: TypeAlias = Float[Array, " n"]
#: State of one population: variable name -> array over its units.
State: TypeAlias = dict[str, Float[Array, " n"]]
#: Drive into one population: input port name -> array over its units.
Drive: TypeAlias = dict[str, Float[Array, " n"]]
Key: TypeAlias = PRNGKeyArray
PyTree: TypeAlias = Any

__all__ = ["Array", "ArrayLike", "Drive", "Float", "Key", "PyTree", "Scalar", "ScalarLike",
           "State", "Vector"]
