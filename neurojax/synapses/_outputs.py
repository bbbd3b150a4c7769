"""Synaptic outputs: how a conductance becomes a current into the target neurons."""

from __future__ import annotations

import abc
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import nonnegative, param
from ..core._params import validate_parameters


class AbstractOutput(eqx.Module):
    """Turns the summed synaptic conductance `g` into the current into the target."""

    def __check_init__(self):
        validate_parameters(self, None)

    @abc.abstractmethod
    def current(self, g: jax.Array, v: jax.Array | None) -> jax.Array:
        """Current for conductance `g` at membrane potential `v` (mV)."""

    needs_voltage: eqx.AbstractClassVar[bool]


class CUBA(AbstractOutput):
    """Current-based: the input is the conductance itself (`I = g`)."""

    needs_voltage: ClassVar[bool] = False

    def current(self, g, v):
        return g


class COBA(AbstractOutput):
    """Conductance-based: `I = g (e_rev - v)`.

    Args:
        e_rev: reversal potential (mV).
    """

    e_rev: jax.Array = param(0.0, unit="mV")
    needs_voltage: ClassVar[bool] = True

    def current(self, g, v):
        return g * (self.e_rev - v)


class MgBlock(AbstractOutput):
    """NMDA current with the voltage-dependent magnesium block (Jahr & Stevens 1990, as in
    Wang 2002): `I = g (e_rev - v) / (1 + [Mg] exp(-0.062 v) / 3.57)`.

    Args:
        e_rev: reversal potential (mV).
        mg: extracellular magnesium concentration (mM).
    """

    e_rev: jax.Array = param(0.0, unit="mV")
    mg: jax.Array = param(1.0, constraint=nonnegative, unit="mM")
    needs_voltage: ClassVar[bool] = True

    def current(self, g, v):
        return g * (self.e_rev - v) / (1.0 + self.mg * jnp.exp(-0.062 * v) / 3.57)
