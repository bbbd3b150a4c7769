"""Kuramoto phase oscillator."""

import math

import equinox as eqx
import jax.numpy as jnp

from ..core import Dynamics, initial, param


class Kuramoto(Dynamics):
    r"""Kuramoto phase oscillators, vectorised over `size` nodes.

    $$\dot\theta = \omega + I_\theta$$

    Phases `theta` (rad), time in ms. Nodes interact through `nj.network.Kuramoto`, which feeds
    `K sum_j W_ij sin(theta_j - theta_i)` into the port `theta`.

    Args:
        size: number of nodes.
        omega: natural angular frequency (rad/ms); the default 2π·0.010 rad/ms is 10 Hz.
        theta_init: initial phase (rad; number, array or `nj.init` initialiser).

    Input port: `theta` (rad/ms), added to dθ/dt.

    Observables: `theta` and `sin_theta`.

    References:
        Kuramoto (1984), Chemical Oscillations, Waves, and Turbulence, Springer.
    """

    size: int = eqx.field(static=True)
    omega: float = param(2.0 * math.pi * 0.010, unit="rad/ms")
    theta_init: float = initial(0.0)

    variables = ("theta",)
    inputs = ("theta",)

    def vector_field(self, t, state, drive, args):
        return {"theta": self.omega + drive["theta"]}

    def observables(self, state):
        return {"theta": state["theta"], "sin_theta": jnp.sin(state["theta"])}
