"""`SpikingDynamics`: populations whose units emit spikes."""

from __future__ import annotations

import abc

import equinox as eqx
import jax

from ._dynamics import Dynamics
from ._surrogate import AbstractSurrogate
from ._types import State


class SpikingDynamics(Dynamics):
    """A population of spiking units: continuous dynamics between spikes (`vector_field`),
    then `threshold_and_reset` after every step. Refractoriness is part of the state.

    The spike is a Heaviside step of the distance to threshold with a surrogate derivative
    (`surrogate`), so gradients flow through spike times into synapses; resets use the spike
    with its gradient stopped (Zenke & Vogels 2021, Neural Comput. 33:899), which keeps
    gradients through long simulations bounded.
    """

    surrogate: eqx.AbstractVar[AbstractSurrogate]

    @abc.abstractmethod
    def threshold_and_reset(self, state: State, key: jax.Array | None = None
                            ) -> tuple[State, jax.Array]:
        """Detects spikes in `state` (after a continuous step) and resets the units that
        spiked. `key` is a fresh PRNG key for stochastic units (e.g. Poisson sources); others
        ignore it.

        Returns:
            The new state and the spikes, a float array of shape `(size,)` with values 0 or
            1 (with a surrogate derivative).
        """
