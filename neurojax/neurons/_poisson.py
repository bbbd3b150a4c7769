"""Poisson spike sources."""

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import initial, nonnegative, param
from ..core._spiking import SpikingDynamics
from ..core._surrogate import AbstractSurrogate, FastSigmoid


class PoissonGroup(SpikingDynamics):
    r"""Independent Poisson spike trains with a rate that may vary in time.

    The expected number of spikes since the last step, $h$, integrates the rate,
    $\dot h = (r + r_{in}(t)) / 1000$; at the end of each step a unit spikes with probability
    $1 - e^{-h}$ and $h$ restarts at 0. This is exact for any rate that is constant within a
    step, at any `dt` (at most one spike per unit and step).

    Args:
        size: number of units.
        rate: baseline rate (Hz), a scalar or one per unit.
        surrogate: unused by the spike decision (random), kept for a uniform interface.

    Input port: `rate` (Hz), added to `rate`: a time-varying rate is an input,
    e.g. `inputs={"P": nj.inputs.TimeSeries(rates, dt=1.)}` or a function of t (ms).
    """

    size: int = eqx.field(static=True)
    rate: float = param(0.0, constraint=nonnegative, unit="Hz")
    h_init: float = initial(0.0)
    surrogate: AbstractSurrogate = FastSigmoid()

    variables = ("h",)
    inputs = ("rate",)
    random = True

    def vector_field(self, t, state, drive, args):
        return {"h": jnp.maximum(self.rate + drive["rate"], 0.0) * 1e-3}

    def threshold_and_reset(self, state, key=None):
        if key is None:
            raise ValueError("PoissonGroup spikes at random; simulate it with a key, e.g. "
                             "key=jax.random.key(0).")
        u = jax.random.uniform(key, state["h"].shape, state["h"].dtype)
        spike = (u < -jnp.expm1(-state["h"])).astype(state["h"].dtype)
        return {"h": jnp.zeros_like(state["h"])}, spike

    def observables(self, state):
        return dict(state)
