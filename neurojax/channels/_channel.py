"""`Channel`: the base class of ion channels, and reversal potentials.

Sign and unit conventions (DESIGN.md): membrane potential `v` in mV, maximal conductances in
mS/cm², currents in µA/cm², positive outward (`c_m dv/dt = -sum(I_channel) + I_injected`),
time constants in ms, intracellular calcium `ca` in µM.
"""

from __future__ import annotations

import abc
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core._params import validate_parameters

#: The ions a channel may carry ("nonspecific": mixed cations, e.g. H, or a leak).
IONS = ("na", "k", "ca", "cl", "nonspecific")

#: Boltzmann constant over the elementary charge (mV/K): k_B T / e in mV at T kelvin.
_KB_OVER_E = 8.617333262e-2


def nernst(concentration_out, concentration_in, valence: int, temperature):
    """The Nernst potential (mV): `(k_B T / z e) ln(c_out / c_in)`, `temperature` in °C.

    At 10 °C and z = 2 the factor is 12.2 mV, the value of Prinz et al. (2003) for Ca²⁺.
    """
    factor = _KB_OVER_E * (temperature + 273.15) / valence
    return factor * jnp.log(concentration_out / concentration_in)


class Channel(eqx.Module):
    r"""A population of ion channels in a patch of membrane, with Hodgkin-Huxley gates.

    $$I = g \prod_k x_k^{p_k} (v - E), \qquad \dot x_k = \frac{x_{k,\infty}(v, [Ca]) - x_k}
    {\tau_k(v, [Ca])}$$

    Subclasses provide:
      - `g`: maximal conductance (mS/cm²), a scalar or one value per cell;
      - `name`: the prefix of the gates' state names in a compartment (`"NaV"` -> `"NaV.m"`);
      - `ion`: one of `IONS` (calcium currents feed a `CalciumPool`);
      - `gates`, `exponents`: the gate names and their powers `p_k`;
      - `uses_calcium`: whether the kinetics or the reversal potential read `[Ca]`;
      - `kinetics(v, ca)`: every gate's steady state and time constant (ms);
      - `reversal(ca)`: the reversal potential (mV).
    """

    g: eqx.AbstractVar[jax.Array]
    name: eqx.AbstractVar[str]
    ion: eqx.AbstractVar[str]
    gates: eqx.AbstractVar[tuple[str, ...]]
    exponents: eqx.AbstractVar[tuple[int, ...]]
    uses_calcium: eqx.AbstractVar[bool]

    def __check_init__(self):
        validate_parameters(self, None)
        if not isinstance(self.name, str) or not self.name or "." in self.name:
            raise ValueError(f"{type(self).__name__}: `name` must be a non-empty string without "
                             f"dots (it prefixes the gate names, e.g. 'NaV.m'); got "
                             f"{self.name!r}.")
        if self.ion not in IONS:
            raise ValueError(f"{type(self).__name__} {self.name!r}: unknown ion {self.ion!r}; "
                             f"use one of {IONS} ('nonspecific' for mixed cations or a leak).")
        if len(self.gates) != len(self.exponents) or any(
                isinstance(p, bool) or not isinstance(p, int) or p < 1 for p in self.exponents):
            raise ValueError(f"{type(self).__name__} {self.name!r}: every gate needs a positive "
                             f"integer exponent; got gates {self.gates} with exponents "
                             f"{self.exponents}.")

    @abc.abstractmethod
    def kinetics(self, v: jax.Array, ca: jax.Array | None
                 ) -> dict[str, tuple[jax.Array, jax.Array]]:
        """Gate name -> (steady state, time constant in ms) at membrane potential `v` (mV)
        and intracellular calcium `ca` (µM; None where the channel does not use it)."""

    @abc.abstractmethod
    def reversal(self, ca: jax.Array | None) -> jax.Array:
        """The reversal potential (mV)."""

    def init_state(self, v: jax.Array, ca: jax.Array | None = None) -> dict[str, jax.Array]:
        """Every gate at its steady state at `v` (mV) and `ca` (µM)."""
        return {gate: jnp.broadcast_to(inf, jnp.shape(v)) for gate, (inf, _) in
                self.kinetics(v, ca).items()}

    def gates_derivative(self, v: jax.Array, state: dict[str, jax.Array],
                         ca: jax.Array | None = None) -> dict[str, jax.Array]:
        """`d gate / dt = (steady state - gate) / tau` (per ms) for every gate."""
        return {gate: (inf - state[gate]) / tau for gate, (inf, tau) in
                self.kinetics(v, ca).items()}

    def open_probability(self, state: dict[str, jax.Array]) -> jax.Array:
        """`prod_k x_k ** p_k` (1 for a channel without gates)."""
        out = jnp.ones(())
        for gate, power in zip(self.gates, self.exponents, strict=True):
            out = out * state[gate] ** power
        return out

    def current(self, v: jax.Array, state: dict[str, jax.Array],
                ca: jax.Array | None = None) -> jax.Array:
        """The membrane current (µA/cm², positive outward): `g * open * (v - E)`."""
        return self.g * self.open_probability(state) * (v - self.reversal(ca))


class AbstractFixedReversal(Channel):
    """A channel with a fixed reversal potential `e_rev` (mV)."""

    e_rev: eqx.AbstractVar[jax.Array]

    def reversal(self, ca):
        return self.e_rev


class AbstractCalciumChannel(Channel):
    """A calcium channel whose reversal potential follows the intracellular calcium by the
    Nernst equation, `E_Ca = (k_B T / 2e) ln([Ca]_out / [Ca])` (Prinz et al. 2003)."""

    ca_out: eqx.AbstractVar[jax.Array]
    temperature: eqx.AbstractVar[jax.Array]
    ion: ClassVar[str] = "ca"
    uses_calcium: ClassVar[bool] = True

    def reversal(self, ca):
        return nernst(self.ca_out, ca, 2, self.temperature)


class AbstractRateChannel(Channel):
    """A channel whose gates are given by opening and closing rates `alpha`, `beta` (1/ms):
    steady state `alpha / (alpha + beta)`, time constant `1 / (alpha + beta)`."""

    @abc.abstractmethod
    def rates(self, v: jax.Array) -> dict[str, tuple[jax.Array, jax.Array]]:
        """Gate name -> (alpha, beta) in 1/ms at `v` (mV)."""

    def kinetics(self, v, ca):
        out = {}
        for gate, (alpha, beta) in self.rates(v).items():
            total = alpha + beta
            out[gate] = (alpha / total, 1.0 / total)
        return out


def boltzmann(v: jax.Array, half: float, slope: float) -> jax.Array:
    """`1 / (1 + exp((v + half) / slope))`, the sigmoid of the STG kinetics tables (a
    negative `slope` gives an activation curve), evaluated without overflow."""
    return jax.nn.sigmoid(-(v + half) / slope)
