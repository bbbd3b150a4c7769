"""The sodium and potassium channels of Hodgkin & Huxley (1952)."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import nonnegative, param, x_over_one_minus_exp
from ._channel import AbstractFixedReversal, AbstractRateChannel


class Na(AbstractRateChannel, AbstractFixedReversal):
    r"""Hodgkin-Huxley sodium channel, $I = g m^3 h (v - E)$, squid axon at 6.3 °C.

    Rates (1/ms) in the modern convention (rest at -65 mV):
    $\alpha_m = 0.1 (v + 40) / (1 - e^{-(v + 40)/10})$, $\beta_m = 4 e^{-(v + 65)/18}$,
    $\alpha_h = 0.07 e^{-(v + 65)/20}$, $\beta_h = 1 / (1 + e^{-(v + 35)/10})$.
    The removable singularity of $\alpha_m$ at -40 mV is evaluated exactly
    (`x_over_one_minus_exp`), with finite gradients.

    Args:
        g: maximal conductance (mS/cm²), default 120.
        e_rev: reversal potential (mV), default 50.
        name: state-name prefix (default `"Na"`).

    References:
        Hodgkin & Huxley (1952), J. Physiol. 117:500.
    """

    g: jax.Array = param(120.0, constraint=nonnegative, unit="mS/cm²")
    e_rev: jax.Array = param(50.0, unit="mV")
    name: str = eqx.field(static=True, default="Na", kw_only=True)
    ion: ClassVar[str] = "na"
    gates: ClassVar[tuple[str, ...]] = ("m", "h")
    exponents: ClassVar[tuple[int, ...]] = (3, 1)
    uses_calcium: ClassVar[bool] = False

    def rates(self, v):
        alpha_m = x_over_one_minus_exp((v + 40.0) / 10.0)
        beta_m = 4.0 * jnp.exp(-(v + 65.0) / 18.0)
        alpha_h = 0.07 * jnp.exp(-(v + 65.0) / 20.0)
        beta_h = jax.nn.sigmoid((v + 35.0) / 10.0)
        return {"m": (alpha_m, beta_m), "h": (alpha_h, beta_h)}


class K(AbstractRateChannel, AbstractFixedReversal):
    r"""Hodgkin-Huxley delayed-rectifier potassium channel, $I = g n^4 (v - E)$.

    Rates (1/ms): $\alpha_n = 0.01 (v + 55) / (1 - e^{-(v + 55)/10})$,
    $\beta_n = 0.125 e^{-(v + 65)/80}$ (singularity at -55 mV handled exactly).

    Args:
        g: maximal conductance (mS/cm²), default 36.
        e_rev: reversal potential (mV), default -77.
        name: state-name prefix (default `"K"`).

    References:
        Hodgkin & Huxley (1952), J. Physiol. 117:500.
    """

    g: jax.Array = param(36.0, constraint=nonnegative, unit="mS/cm²")
    e_rev: jax.Array = param(-77.0, unit="mV")
    name: str = eqx.field(static=True, default="K", kw_only=True)
    ion: ClassVar[str] = "k"
    gates: ClassVar[tuple[str, ...]] = ("n",)
    exponents: ClassVar[tuple[int, ...]] = (4,)
    uses_calcium: ClassVar[bool] = False

    def rates(self, v):
        alpha_n = 0.1 * x_over_one_minus_exp((v + 55.0) / 10.0)
        beta_n = 0.125 * jnp.exp(-(v + 65.0) / 80.0)
        return {"n": (alpha_n, beta_n)}
