"""Leaky integrate-and-fire neurons with a refractory period."""

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import initial, nonnegative, param, positive
from ..core._spiking import SpikingDynamics
from ..core._surrogate import AbstractSurrogate, FastSigmoid
from ._integrate_and_fire import is_free


class LIF(SpikingDynamics):
    r"""Leaky integrate-and-fire neurons, vectorised over `size` units.

    $$\tau \dot v = -(v - v_{rest}) + R\, I \quad \text{(not refractory)}$$

    When `v >= v_th` the unit spikes, `v` is reset to `v_reset` and held there for `tau_ref`.
    The remaining refractory time `t_ref` (ms) is a state variable.

    Args:
        size: number of neurons.
        v_rest: resting potential (mV).
        v_th: spike threshold (mV).
        v_reset: reset potential (mV).
        tau: membrane time constant (ms).
        tau_ref: refractory period (ms).
        R: membrane resistance. With the default 1, the input is in mV (the convention of the
            BrainPy tutorial's LIF); with R in GΩ, input current in pA gives mV.
        v_init: initial membrane potential (mV; number, array or `nj.init` initialiser).
        surrogate: the spike's surrogate derivative.

    Input port: `i` (input, in the units set by `R`; synaptic currents arrive here).

    References:
        Lapicque (1907); Gerstner, Kistler, Naud & Paninski (2014), Neuronal Dynamics, ch. 1.
    """

    size: int = eqx.field(static=True)
    v_rest: float = param(-60.0, unit="mV")
    v_th: float = param(-50.0, unit="mV")
    v_reset: float = param(-60.0, unit="mV")
    tau: float = param(20.0, constraint=positive, unit="ms")
    tau_ref: float = param(0.0, constraint=nonnegative, unit="ms")
    R: float = param(1.0, constraint=positive)
    v_init: float = initial(-60.0)
    t_ref_init: float = initial(0.0)
    surrogate: AbstractSurrogate = FastSigmoid()

    variables = ("v", "t_ref")
    inputs = ("i",)

    def vector_field(self, t, state, drive, args):
        free = is_free(state["t_ref"])
        dv = (-(state["v"] - self.v_rest) + self.R * drive["i"]) / self.tau
        return {"v": jnp.where(free, dv, 0.0), "t_ref": jnp.where(free, 0.0, -1.0)}

    def threshold_and_reset(self, state, key=None):
        free = is_free(state["t_ref"]).astype(state["v"].dtype)
        spike = self.surrogate(state["v"] - self.v_th) * free
        # The reset does not carry the surrogate gradient (Zenke & Vogels 2021): through it,
        # gradients would grow by |v - v_reset| * surrogate' a step and explode.
        v = state["v"] - jax.lax.stop_gradient(spike) * (state["v"] - self.v_reset)
        t_ref = jnp.where(spike > 0, self.tau_ref, jnp.maximum(state["t_ref"], 0.0))
        return {"v": v, "t_ref": t_ref}, spike

    def observables(self, state):
        return dict(state)
