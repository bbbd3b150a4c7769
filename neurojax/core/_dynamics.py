"""`Dynamics`: the base class of every model with state (populations and neural masses)."""

from __future__ import annotations

import abc
from typing import Any, ClassVar

import equinox as eqx
import jax

from ._initializers import Initializer
from ._params import check_size, validate_parameters
from ._types import Drive, State


class Dynamics(eqx.Module):
    """A population of `size` units with continuous state.

    Subclasses declare:
      - `variables`: names of the state variables, each with a field `<name>_init` holding
        its initial value (a number, an array over the units or an `nj.init` initialiser),
        unless the model overrides `init_state` (e.g. ion-channel gates that start at their
        steady state at the initial voltage);
      - `inputs`: names of the input ports (the first is the default port). An input port
        receives external inputs, coupling and noise, summed into `drive[port]`;
      - parameters as `param(...)` fields (validated at construction).

    Time is in ms; other units are given by each model's docstring.
    """

    size: eqx.AbstractVar[int]
    variables: ClassVar[tuple[str, ...]]
    inputs: ClassVar[tuple[str, ...]]

    def __check_init__(self):
        check_size(self, self.size)
        validate_parameters(self, self.size)
        if type(self).init_state is not Dynamics.init_state:
            return  # the model computes its own initial state (e.g. gates at steady state)
        for var in self.variables:
            init = getattr(self, f"{var}_init", None)
            if not isinstance(init, Initializer):
                raise TypeError(f"{type(self).__name__} must have a field `{var}_init` holding "
                                f"an initialiser for state variable `{var}`.")

    @property
    def needs_key(self) -> bool:
        """Whether `init_state` draws random numbers (then a `key` is required)."""
        inits = (getattr(self, f"{v}_init", None) for v in self.variables)
        return any(isinstance(i, Initializer) and i.is_random for i in inits)

    def init_state(self, key: jax.Array | None = None) -> State:
        """The initial state: variable name -> array of shape `(size,)`."""
        if key is None and self.needs_key:
            raise ValueError(f"{type(self).__name__} has random initial values; pass a PRNG key, "
                             f"e.g. key=jax.random.key(0).")
        keys = jax.random.split(key, len(self.variables)) if key is not None else [None] * len(
            self.variables)
        return {v: getattr(self, f"{v}_init")(k, (self.size,))
                for v, k in zip(self.variables, keys, strict=True)}

    @abc.abstractmethod
    def vector_field(self, t: Any, state: State, drive: Drive, args: Any) -> State:
        """Time derivatives of the state variables.

        Args:
            t: time (ms).
            state: variable name -> array `(size,)`.
            drive: input port name -> array `(size,)` (every port is present).
            args: reserved for the solver; models ignore it.

        Returns:
            Variable name -> derivative (per ms), the same structure as `state`.
        """

    @abc.abstractmethod
    def observables(self, state: State) -> dict[str, jax.Array]:
        """What edges and monitors may read: the state variables and derived quantities."""
