"""`Leak`: an ungated conductance."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax

from ..core import nonnegative, param
from ._channel import AbstractFixedReversal


class Leak(AbstractFixedReversal):
    """A passive leak, `I = g (v - e_rev)` (µA/cm²), without gates.

    Args:
        g: conductance (mS/cm²), e.g. 0.3 for Hodgkin & Huxley (1952).
        e_rev: reversal potential (mV), e.g. -54.387 (HH 1952) or -50 (Prinz et al. 2003).
        name: state-name prefix (default `"Leak"`).
    """

    g: jax.Array = param(constraint=nonnegative, unit="mS/cm²")
    e_rev: jax.Array = param(unit="mV")
    name: str = eqx.field(static=True, default="Leak", kw_only=True)
    ion: ClassVar[str] = "nonspecific"
    gates: ClassVar[tuple[str, ...]] = ()
    exponents: ClassVar[tuple[int, ...]] = ()
    uses_calcium: ClassVar[bool] = False

    def kinetics(self, v, ca):
        return {}
