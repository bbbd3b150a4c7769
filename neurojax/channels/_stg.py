"""The stomatogastric (STG) channel set of Liu et al. (1998) in the form of Prinz et al.
(2003): `NaV`, `CaT`, `CaS`, `KA`, `KCa`, `Kdr`, `H`.

Kinetics are Table 1 of Prinz, Billimoria & Marder (2003), as in the authors' published
model-database source (and xolotl's `prinz` conductances); they derive from Liu et al.
(1998), whose sodium time constants are half of these. With `b(v, a, s) = 1 / (1 +
exp((v + a) / s))`, every gate relaxes to its steady state with its time constant (ms).
Calcium channels take their reversal potential from the intracellular calcium (Nernst,
[Ca]_out = 3 mM, 12.2 mV at 10 °C). Maximal conductances (mS/cm²) have no default: they
define the cell (e.g. Prinz et al. 2004, Table 2).

References:
    Liu, Golowasch, Marder & Abbott (1998), J. Neurosci. 18:2309.
    Prinz, Billimoria & Marder (2003), J. Neurophysiol. 90:3998.
    Prinz, Bucher & Marder (2004), Nat. Neurosci. 7:1345.
"""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import nonnegative, param, positive
from ._channel import AbstractCalciumChannel, AbstractFixedReversal
from ._channel import boltzmann as b

_G = dict(constraint=nonnegative, unit="mS/cm²")


class NaV(AbstractFixedReversal):
    """Fast sodium current, `g m^3 h (v - e_rev)`, e_rev 50 mV."""

    g: jax.Array = param(**_G)
    e_rev: jax.Array = param(50.0, unit="mV")
    name: str = eqx.field(static=True, default="NaV", kw_only=True)
    ion: ClassVar[str] = "na"
    gates: ClassVar[tuple[str, ...]] = ("m", "h")
    exponents: ClassVar[tuple[int, ...]] = (3, 1)
    uses_calcium: ClassVar[bool] = False

    def kinetics(self, v, ca):
        tau_m = 2.64 - 2.52 * b(v, 120.0, -25.0)
        tau_h = 1.34 * b(v, 62.9, -10.0) * (1.5 + b(v, 34.9, 3.6))
        return {"m": (b(v, 25.5, -5.29), tau_m), "h": (b(v, 48.9, 5.18), tau_h)}


class CaT(AbstractCalciumChannel):
    """Transient (T-type) calcium current, `g m^3 h (v - E_Ca([Ca]))`."""

    g: jax.Array = param(**_G)
    ca_out: jax.Array = param(3000.0, constraint=positive, unit="µM")
    temperature: jax.Array = param(10.0, unit="°C")
    name: str = eqx.field(static=True, default="CaT", kw_only=True)
    gates: ClassVar[tuple[str, ...]] = ("m", "h")
    exponents: ClassVar[tuple[int, ...]] = (3, 1)

    def kinetics(self, v, ca):
        tau_m = 43.4 - 42.6 * b(v, 68.1, -20.5)
        tau_h = 210.0 - 179.6 * b(v, 55.0, -16.9)
        return {"m": (b(v, 27.1, -7.2), tau_m), "h": (b(v, 32.1, 5.5), tau_h)}


class CaS(AbstractCalciumChannel):
    """Slow calcium current, `g m^3 h (v - E_Ca([Ca]))`."""

    g: jax.Array = param(**_G)
    ca_out: jax.Array = param(3000.0, constraint=positive, unit="µM")
    temperature: jax.Array = param(10.0, unit="°C")
    name: str = eqx.field(static=True, default="CaS", kw_only=True)
    gates: ClassVar[tuple[str, ...]] = ("m", "h")
    exponents: ClassVar[tuple[int, ...]] = (3, 1)

    def kinetics(self, v, ca):
        tau_m = 2.8 + 14.0 / (jnp.exp((v + 27.0) / 10.0) + jnp.exp((v + 70.0) / -13.0))
        tau_h = 120.0 + 300.0 / (jnp.exp((v + 55.0) / 9.0) + jnp.exp((v + 65.0) / -16.0))
        return {"m": (b(v, 33.0, -8.1), tau_m), "h": (b(v, 60.0, 6.2), tau_h)}


class KA(AbstractFixedReversal):
    """Transient (A-type) potassium current, `g m^3 h (v - e_rev)`, e_rev -80 mV."""

    g: jax.Array = param(**_G)
    e_rev: jax.Array = param(-80.0, unit="mV")
    name: str = eqx.field(static=True, default="KA", kw_only=True)
    ion: ClassVar[str] = "k"
    gates: ClassVar[tuple[str, ...]] = ("m", "h")
    exponents: ClassVar[tuple[int, ...]] = (3, 1)
    uses_calcium: ClassVar[bool] = False

    def kinetics(self, v, ca):
        tau_m = 23.2 - 20.8 * b(v, 32.9, -15.2)
        tau_h = 77.2 - 58.4 * b(v, 38.9, -26.5)
        return {"m": (b(v, 27.2, -8.7), tau_m), "h": (b(v, 56.9, 4.9), tau_h)}


class KCa(AbstractFixedReversal):
    """Calcium-dependent potassium current, `g m^4 (v - e_rev)`, e_rev -80 mV; the steady
    state is scaled by `[Ca] / ([Ca] + 3 µM)`."""

    g: jax.Array = param(**_G)
    e_rev: jax.Array = param(-80.0, unit="mV")
    name: str = eqx.field(static=True, default="KCa", kw_only=True)
    ion: ClassVar[str] = "k"
    gates: ClassVar[tuple[str, ...]] = ("m",)
    exponents: ClassVar[tuple[int, ...]] = (4,)
    uses_calcium: ClassVar[bool] = True

    def kinetics(self, v, ca):
        tau_m = 180.6 - 150.2 * b(v, 46.0, -22.7)
        return {"m": (ca / (ca + 3.0) * b(v, 28.3, -12.6), tau_m)}


class Kdr(AbstractFixedReversal):
    """Delayed-rectifier potassium current, `g m^4 (v - e_rev)`, e_rev -80 mV."""

    g: jax.Array = param(**_G)
    e_rev: jax.Array = param(-80.0, unit="mV")
    name: str = eqx.field(static=True, default="Kdr", kw_only=True)
    ion: ClassVar[str] = "k"
    gates: ClassVar[tuple[str, ...]] = ("m",)
    exponents: ClassVar[tuple[int, ...]] = (4,)
    uses_calcium: ClassVar[bool] = False

    def kinetics(self, v, ca):
        return {"m": (b(v, 12.3, -11.8), 14.4 - 12.8 * b(v, 28.3, -19.2))}


class H(AbstractFixedReversal):
    """Hyperpolarisation-activated mixed-cation current, `g m (v - e_rev)`, e_rev -20 mV."""

    g: jax.Array = param(**_G)
    e_rev: jax.Array = param(-20.0, unit="mV")
    name: str = eqx.field(static=True, default="H", kw_only=True)
    ion: ClassVar[str] = "nonspecific"
    gates: ClassVar[tuple[str, ...]] = ("m",)
    exponents: ClassVar[tuple[int, ...]] = (1,)
    uses_calcium: ClassVar[bool] = False

    def kinetics(self, v, ca):
        tau_m = 2.0 / (jnp.exp((v + 169.7) / -11.6) + jnp.exp((v - 26.7) / 14.3))
        return {"m": (b(v, 75.0, 5.5), tau_m)}
