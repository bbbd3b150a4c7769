"""`GatedChannel`: a channel defined by user functions, gate by gate (`Gate`)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping

import equinox as eqx
import jax

from ..core import as_float_array, nonnegative, param, positive
from ._channel import IONS, Channel, nernst


def _takes_calcium(fn: Callable) -> bool:
    """Whether `fn` takes `(v, ca)` rather than `(v)`."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature take v only
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)


class Gate(eqx.Module):
    """One gating variable of a `GatedChannel`, raised to the power `power`.

    Give either `steady_state` and `time_constant` (ms), or the rates `alpha` and `beta`
    (1/ms); each a function of the membrane potential `v` (mV), or of `(v, ca)` with the
    intracellular calcium `ca` (µM). Use `jax.numpy` inside, and write removable
    singularities with `nj.core.x_over_one_minus_exp`.

    Example:
        `Gate(3, alpha=lambda v: x_over_one_minus_exp((v + 40) / 10),
        beta=lambda v: 4 * jnp.exp(-(v + 65) / 18))` is the HH sodium activation.
    """

    power: int = eqx.field(static=True)
    steady_state: Callable | None = eqx.field(static=True)
    time_constant: Callable | None = eqx.field(static=True)
    alpha: Callable | None = eqx.field(static=True)
    beta: Callable | None = eqx.field(static=True)

    def __init__(self, power: int = 1, *, steady_state: Callable | None = None,
                 time_constant: Callable | None = None, alpha: Callable | None = None,
                 beta: Callable | None = None):
        if isinstance(power, bool) or not isinstance(power, int) or power < 1:
            raise ValueError(f"Gate: `power` must be a positive integer (the exponent of the "
                             f"gate in the current); got {power!r}.")
        kinetic = steady_state is not None or time_constant is not None
        rates = alpha is not None or beta is not None
        if kinetic == rates or (kinetic and (steady_state is None or time_constant is None)) \
                or (rates and (alpha is None or beta is None)):
            raise ValueError("Gate: give either `steady_state` and `time_constant`, or `alpha` "
                             "and `beta` (functions of v, or of (v, ca)).")
        for name, fn in (("steady_state", steady_state), ("time_constant", time_constant),
                         ("alpha", alpha), ("beta", beta)):
            if fn is not None and not callable(fn):
                raise TypeError(f"Gate: `{name}` must be a function of v (mV) or (v, ca); got "
                                f"{type(fn).__name__}.")
        self.power = power
        self.steady_state, self.time_constant = steady_state, time_constant
        self.alpha, self.beta = alpha, beta

    @property
    def uses_calcium(self) -> bool:
        """Whether any of the gate's functions reads the intracellular calcium."""
        fns = (self.steady_state, self.time_constant, self.alpha, self.beta)
        return any(_takes_calcium(fn) for fn in fns if fn is not None)

    def kinetics(self, v: jax.Array, ca: jax.Array | None) -> tuple[jax.Array, jax.Array]:
        """(steady state, time constant in ms) at `v` (mV) and `ca` (µM)."""

        def call(fn):
            return fn(v, ca) if _takes_calcium(fn) else fn(v)

        if self.alpha is not None:
            alpha, beta = call(self.alpha), call(self.beta)
            return alpha / (alpha + beta), 1.0 / (alpha + beta)
        return call(self.steady_state), call(self.time_constant)


class GatedChannel(Channel):
    r"""A channel assembled from user-defined gates: $I = g \prod_k x_k^{p_k} (v - E)$.

    Args:
        name: state-name prefix (gates are recorded as `"name.gate"`).
        g: maximal conductance (mS/cm²), a scalar or one value per cell.
        gates: gate name -> `Gate`.
        e_rev: reversal potential (mV). For `ion="ca"` it may be left out: the reversal
            potential then follows the intracellular calcium (Nernst, `ca_out`,
            `temperature`), which needs a `CalciumPool` in the compartment.
        ion: the carried ion, one of `"na"`, `"k"`, `"ca"`, `"cl"`, `"nonspecific"`;
            calcium currents drive the compartment's `CalciumPool`.
        ca_out: extracellular calcium (µM) for the Nernst potential.
        temperature: temperature (°C) for the Nernst potential.

    Example:
        A persistent sodium current:
        `GatedChannel("NaP", g=0.1, e_rev=50., ion="na", gates={"m": Gate(1,
        steady_state=lambda v: jax.nn.sigmoid((v + 52) / 5), time_constant=lambda v: 1.)})`
    """

    g: jax.Array = param(constraint=nonnegative, unit="mS/cm²")
    e_rev: jax.Array | None
    ca_out: jax.Array = param(3000.0, constraint=positive, unit="µM")
    temperature: jax.Array = param(10.0, unit="°C")
    name: str = eqx.field(static=True)
    ion: str = eqx.field(static=True)
    gate_specs: tuple[tuple[str, Gate], ...] = eqx.field(static=True)

    def __init__(self, name: str, g, gates: Mapping[str, Gate], e_rev=None,
                 ion: str = "nonspecific", ca_out=3000.0, temperature=10.0):
        if not isinstance(gates, Mapping) or not all(
                isinstance(k, str) and k and "." not in k and isinstance(x, Gate)
                for k, x in gates.items()):
            raise TypeError(f"GatedChannel {name!r}: `gates` must be a dict of gate name (no "
                            f"dots) -> nj.channels.Gate; got {gates!r}.")
        if ion not in IONS:
            raise ValueError(f"GatedChannel {name!r}: unknown ion {ion!r}; use one of {IONS} "
                             f"('nonspecific' for mixed cations or a leak).")
        if e_rev is None and ion != "ca":
            raise ValueError(f"GatedChannel {name!r}: give `e_rev` (mV); only calcium channels "
                             f"(ion='ca') may take their reversal potential from the Nernst "
                             f"equation.")
        self.name, self.ion, self.g = name, ion, as_float_array(g)
        self.e_rev = None if e_rev is None else as_float_array(e_rev)
        self.ca_out, self.temperature = as_float_array(ca_out), as_float_array(temperature)
        self.gate_specs = tuple(gates.items())

    @property
    def gates(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.gate_specs)

    @property
    def exponents(self) -> tuple[int, ...]:
        return tuple(x.power for _, x in self.gate_specs)

    @property
    def uses_calcium(self) -> bool:
        return self.e_rev is None or any(x.uses_calcium for _, x in self.gate_specs)

    def kinetics(self, v, ca):
        return {k: x.kinetics(v, ca) for k, x in self.gate_specs}

    def reversal(self, ca):
        if self.e_rev is not None:
            return self.e_rev
        return nernst(self.ca_out, ca, 2, self.temperature)
