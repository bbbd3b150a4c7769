"""Montbrió-Pazó-Roxin exact mean field of quadratic integrate-and-fire neurons."""

import math

import equinox as eqx

from ..core import Dynamics, initial, nonnegative, param, positive


class Montbrio(Dynamics):
    r"""Montbrió-Pazó-Roxin firing-rate model, vectorised over `size` nodes.

    $$\tau \dot r = \frac{\Delta}{\pi \tau} + 2 r v + I_r$$
    $$\tau \dot v = v^2 + \eta + J \tau r + I_v - (\pi \tau r)^2$$

    The exact mean field of an infinite population of quadratic integrate-and-fire neurons
    with Lorentzian-distributed excitabilities (centre `eta`, half-width `delta`). `r` is the
    firing rate (1/ms), `v` the mean membrane potential (dimensionless); time in ms. With the
    defaults a node is bistable (a low-activity focus and a high-activity node) for a range
    of inputs `I_v`.

    Args:
        size: number of nodes.
        tau: membrane time constant (ms).
        delta: half-width of the excitability distribution (dimensionless).
        eta: centre of the excitability distribution (dimensionless).
        j: synaptic weight (dimensionless).
        r_init: initial rate (1/ms); v_init: initial potential (number, array or `nj.init`).

    Input ports: `v` (`I_v`, the input current of the equation, dimensionless) and `r`
    (`I_r`, added to `τ dr/dt`, 1/ms).

    Observables: the states and `rate = 1000 r` (Hz).

    References:
        Montbrió, Pazó & Roxin (2015), Phys. Rev. X 5:021028.
    """

    size: int = eqx.field(static=True)
    tau: float = param(10.0, constraint=positive, unit="ms")
    delta: float = param(1.0, constraint=nonnegative)
    eta: float = param(-5.0)
    j: float = param(15.0)
    r_init: float = initial(0.0)
    v_init: float = initial(-2.0)

    variables = ("r", "v")
    inputs = ("v", "r")

    def vector_field(self, t, state, drive, args):
        r, v = state["r"], state["v"]
        tau = self.tau
        dr = (self.delta / (math.pi * tau) + 2.0 * r * v + drive["r"]) / tau
        dv = (v**2 + self.eta + self.j * tau * r + drive["v"] - (math.pi * tau * r) ** 2) / tau
        return {"r": dr, "v": dv}

    def observables(self, state):
        return {**state, "rate": 1000.0 * state["r"]}
