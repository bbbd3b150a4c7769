"""Parameter constraints, declared in field metadata and read by validation and fitting.

A constraint says which values a parameter may take. Construction-time validation uses
`check`; fitting maps a constrained parameter to an unconstrained space with `to_numpyro`
(`numpyro.distributions.transforms.biject_to`).
"""

from __future__ import annotations

import math

import equinox as eqx
import numpy as np


class Constraint(eqx.Module):
    """Which values a parameter may take."""

    lower: float = eqx.field(static=True, default=-math.inf)
    upper: float = eqx.field(static=True, default=math.inf)
    strict_lower: bool = eqx.field(static=True, default=False)

    def check(self, value: np.ndarray) -> bool:
        """True where every entry of the (concrete) `value` satisfies the constraint."""
        value = np.asarray(value)
        ok = np.isfinite(value) | (np.isinf(value) & ~np.isfinite(self.upper))
        ok &= value > self.lower if self.strict_lower else value >= self.lower
        ok &= value <= self.upper
        return bool(np.all(ok & ~np.isnan(value)))

    def describe(self) -> str:
        """Human-readable form, used in error messages."""
        if self.lower == -math.inf and self.upper == math.inf:
            return "finite"
        if self.upper == math.inf:
            return "positive" if (self.lower == 0 and self.strict_lower) else (
                "non-negative" if self.lower == 0 else f">= {self.lower}")
        return f"in [{self.lower}, {self.upper}]"

    def to_numpyro(self):
        """The equivalent `numpyro.distributions.constraints` object."""
        from numpyro.distributions import constraints

        if self.lower == -math.inf and self.upper == math.inf:
            return constraints.real
        if self.upper == math.inf:
            if self.lower == 0:
                return constraints.positive
            return constraints.greater_than(self.lower)
        return constraints.interval(self.lower, self.upper)


real = Constraint()
positive = Constraint(lower=0.0, strict_lower=True)
nonnegative = Constraint(lower=0.0)


def interval(lower: float, upper: float) -> Constraint:
    """Values in the closed interval [lower, upper]."""
    return Constraint(lower=float(lower), upper=float(upper))


unit_interval = interval(0.0, 1.0)
