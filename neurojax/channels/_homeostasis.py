"""`Homeostasis`: slow regulation of maximal conductances by calcium (O'Leary et al. 2014)."""

from __future__ import annotations

from collections.abc import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import as_float_array, is_concrete, param, positive
from ..core._params import validate_parameters


class Homeostasis(eqx.Module):
    r"""Integral control of maximal conductances by intracellular calcium: every regulated
    channel i has an mRNA level $m_i$ and a conductance $g_i$ with

    $$\tau_i \dot m_i = [Ca]_{target} - [Ca], \qquad \tau_g \dot g_i = m_i - g_i .$$

    All conductances grow while calcium is below its target and shrink above it; the ratios
    of the `tau_mrna` set the ratios of the conductances the cell converges to. As in the
    published implementations (xolotl's `IntegralController`), mRNA cannot become negative:
    $\dot m_i = 0$ when $m_i \le 0$ and calcium is above target (and the conductance follows
    $\max(m_i, 0)$, so a step that overshoots zero cannot make it negative). In a
    `Compartment` the
    regulated states are `"<channel>.mrna"` and `"<channel>.g"` (both mS/cm²; the channel's
    own `g` is the initial value of both).

    Args:
        ca_target: calcium target (µM).
        tau_mrna: channel name -> tau_i (ms µM per mS/cm²): the time for a 1 µM calcium
            error to change the mRNA by 1 mS/cm².
        tau_g: translation time constant (ms), default 5000.

    References:
        O'Leary, Williams, Franci & Marder (2014), Neuron 82:809.
    """

    ca_target: jax.Array = param(constraint=positive, unit="µM")
    tau_mrna: dict[str, jax.Array]
    tau_g: jax.Array = param(5000.0, constraint=positive, unit="ms")

    def __init__(self, ca_target, tau_mrna: Mapping[str, float], tau_g=5000.0):
        if not isinstance(tau_mrna, Mapping) or not tau_mrna:
            raise TypeError("Homeostasis: `tau_mrna` must be a non-empty dict of channel name "
                            "-> time constant (ms µM per mS/cm²).")
        self.ca_target, self.tau_g = as_float_array(ca_target), as_float_array(tau_g)
        self.tau_mrna = {str(k): as_float_array(v) for k, v in tau_mrna.items()}

    def __check_init__(self):
        validate_parameters(self, None)
        for name, tau in self.tau_mrna.items():
            if is_concrete(tau) and not bool(jnp.all(tau > 0)):
                raise ValueError(f"Homeostasis: `tau_mrna[{name!r}]` must be positive (ms µM "
                                 f"per mS/cm²); got {tau}.")

    def derivatives(self, name: str, mrna: jax.Array, g: jax.Array, ca: jax.Array
                    ) -> tuple[jax.Array, jax.Array]:
        """(d mrna/dt, d g/dt) of channel `name` (mS/cm² per ms) at calcium `ca` (µM)."""
        rate = (self.ca_target - ca) / self.tau_mrna[name]
        d_mrna = jnp.where((mrna <= 0.0) & (rate < 0.0), 0.0, rate)
        return d_mrna, (jnp.maximum(mrna, 0.0) - g) / self.tau_g
