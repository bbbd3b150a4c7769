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

    With `counts=True` a unit emits the number of spikes of the step instead, drawn from a
    Poisson distribution of mean $h$; the weights of its projections multiply that count. Use
    it for rates at which two spikes in one step are not rare, e.g. the 2.4 kHz background of
    Wang (2002) at dt = 0.1 ms (where at most one spike a step would lose 11% of the input).

    Args:
        size: number of units.
        rate: baseline rate (Hz), a scalar or one per unit.
        counts: emit spike counts per step (Poisson) instead of 0/1 (Bernoulli).
        surrogate: unused by the spike decision (random), kept for a uniform interface.

    Input port: `rate` (Hz), added to `rate`: a time-varying rate is an input,
    e.g. `inputs={"P": nj.inputs.TimeSeries(rates, dt=1.)}` or a function of t (ms).
    """

    size: int = eqx.field(static=True)
    rate: float = param(0.0, constraint=nonnegative, unit="Hz")
    h_init: float = initial(0.0)
    surrogate: AbstractSurrogate = FastSigmoid()
    counts: bool = eqx.field(static=True, default=False)

    variables = ("h",)
    inputs = ("rate",)
    random = True

    def vector_field(self, t, state, drive, args):
        return {"h": jnp.maximum(self.rate + drive["rate"], 0.0) * 1e-3}

    def threshold_and_reset(self, state, key=None):
        if key is None:
            raise ValueError("PoissonGroup spikes at random; simulate it with a key, e.g. "
                             "key=jax.random.key(0).")
        h = state["h"]
        if self.counts:
            spike = _poisson_counts(key, h)
        else:
            spike = (jax.random.uniform(key, h.shape, h.dtype) < -jnp.expm1(-h)).astype(h.dtype)
        return {"h": jnp.zeros_like(state["h"])}, spike

    def observables(self, state):
        return dict(state)


#: Means up to this are sampled by inverting the cumulative distribution with a fixed number
#: of terms (the chance of a count above `_INVERSION_TERMS` is below 1e-10); larger ones by
#: `jax.random.poisson`, whose rejection loops cost ~1 ms a step for 2,000 units on a CPU.
_INVERSION_MAX_MEAN = 1.0
_INVERSION_TERMS = 13


def _poisson_counts(key: jax.Array, h: jax.Array) -> jax.Array:
    """Poisson-distributed counts of mean `h` (one uniform number per unit when all means
    are at most `_INVERSION_MAX_MEAN`)."""

    def inversion(h):
        u = jax.random.uniform(key, h.shape, h.dtype)
        term = jnp.exp(-h)
        cdf, count = term, jnp.zeros_like(h)
        for k in range(1, _INVERSION_TERMS + 1):
            count = count + (u > cdf).astype(h.dtype)
            term = term * h / k
            cdf = cdf + term
        return count

    def general(h):
        return jax.random.poisson(key, h, h.shape).astype(h.dtype)

    return jax.lax.cond(jnp.all(h <= _INVERSION_MAX_MEAN), inversion, general, h)
