"""`CalciumPool`: intracellular calcium with first-order buffering (Liu et al. 1998)."""

from __future__ import annotations

import equinox as eqx
import jax

from ..core import nonnegative, param, positive
from ..core._params import validate_parameters


class CalciumPool(eqx.Module):
    r"""Intracellular calcium driven by the calcium currents and buffered to a resting level:

    $$\tau_{Ca} \frac{d[Ca]}{dt} = -f\, I_{Ca} - [Ca] + [Ca]_{rest}$$

    `I_Ca` is the compartment's total calcium current in nA (inward negative): the summed
    current density of its calcium channels (µA/cm²) times the compartment's `area` (cm²)
    times 1000. With the Prinz et al. (2003) area of 0.628e-3 cm², 1 µA/cm² is 0.628 nA.

    Args:
        tau: buffering time constant (ms), default 200.
        f: current-to-concentration factor (µM/nA), default 14.96.
        ca_rest: resting concentration (µM), default 0.05.

    References:
        Liu, Golowasch, Marder & Abbott (1998), J. Neurosci. 18:2309;
        Prinz, Billimoria & Marder (2003), J. Neurophysiol. 90:3998 (the values above).
    """

    tau: jax.Array = param(200.0, constraint=positive, unit="ms")
    f: jax.Array = param(14.96, constraint=nonnegative, unit="µM/nA")
    ca_rest: jax.Array = param(0.05, constraint=positive, unit="µM")

    def __check_init__(self):
        validate_parameters(self, None)

    def derivative(self, ca: jax.Array, i_ca: jax.Array, area: jax.Array) -> jax.Array:
        """`d[Ca]/dt` (µM/ms) at calcium `ca` (µM), calcium current density `i_ca` (µA/cm²,
        outward positive) and membrane `area` (cm²)."""
        i_ca_na = i_ca * area * 1e3  # µA/cm² * cm² = µA = 1000 nA
        return (-self.f * i_ca_na - ca + self.ca_rest) / self.tau
