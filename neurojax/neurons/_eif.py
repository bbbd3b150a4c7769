"""Exponential integrate-and-fire neurons."""

import equinox as eqx

from ..core import initial, nonnegative, param, positive
from ..core._spiking import SpikingDynamics
from ..core._surrogate import AbstractSurrogate, FastSigmoid
from ._integrate_and_fire import (
    check_exponent,
    check_reset_below_peak,
    exponential_current,
    hold_while_refractory,
    is_free,
    refractory_after,
    spike_and_reset,
)


class EIF(SpikingDynamics):
    r"""Exponential integrate-and-fire neurons, vectorised over `size` units.

    $$\tau \dot v = -(v - v_{rest}) + \Delta_T \exp\!\left(\frac{v - v_T}{\Delta_T}\right)
    + R\, I \quad \text{(not refractory)}$$

    The exponential term is the sodium current's spike initiation: `v_T` is the soft
    threshold, `delta_T` its sharpness. Past `v_T` the potential runs away; at `v_peak` the
    unit spikes, `v` is reset to `v_reset` and held there for `tau_ref`. The exponent is
    evaluated at `min(v, v_peak)` (the state never exceeds `v_peak` at the start of a step, so
    this changes nothing but keeps the term finite for any initial state), and `v_peak` may be
    at most `v_T + 40 delta_T` (float32 range). A step in which the runaway takes off
    overshoots `v_peak` (finitely: `nj.solvers.ExponentialEuler` caps its growth factor) and
    counts as the spike.

    Args:
        size: number of neurons.
        v_rest: resting potential (mV).
        v_t: soft threshold (mV).
        delta_t: slope factor (mV), positive.
        tau: membrane time constant (ms).
        v_peak: spike cut-off (mV).
        v_reset: reset potential (mV), below `v_peak`.
        tau_ref: refractory period (ms).
        R: membrane resistance; with the default 1 the input is in mV, as for `LIF`.
        v_init: initial membrane potential (mV; number, array or `nj.init` initialiser).
        surrogate: the spike's surrogate derivative (a function of `v - v_peak`, mV).

    Input port: `i` (input, in the units set by `R`; synaptic currents arrive here).

    Defaults: `v_t`, `delta_t` of the fit to the Wang-Buzsáki model in Fourcaud-Trocmé et al.
    (2003); the others as BrainPy's `ExpIF`.

    References:
        Fourcaud-Trocmé, Hansel, van Vreeswijk & Brunel (2003), J. Neurosci. 23:11628;
        Gerstner, Kistler, Naud & Paninski (2014), Neuronal Dynamics, ch. 5.2.
    """

    size: int = eqx.field(static=True)
    v_rest: float = param(-65.0, unit="mV")
    v_t: float = param(-59.9, unit="mV")
    delta_t: float = param(3.48, constraint=positive, unit="mV")
    tau: float = param(10.0, constraint=positive, unit="ms")
    v_peak: float = param(-30.0, unit="mV")
    v_reset: float = param(-68.0, unit="mV")
    tau_ref: float = param(0.0, constraint=nonnegative, unit="ms")
    R: float = param(1.0, constraint=positive)
    v_init: float = initial(-65.0)
    t_ref_init: float = initial(0.0)
    surrogate: AbstractSurrogate = FastSigmoid()

    variables = ("v", "t_ref")
    inputs = ("i",)

    def __check_init__(self):
        check_reset_below_peak(self)
        check_exponent(self)

    def vector_field(self, t, state, drive, args):
        v = state["v"]
        spike_current = exponential_current(v, self.v_t, self.delta_t, self.v_peak)
        dv = (-(v - self.v_rest) + spike_current + self.R * drive["i"]) / self.tau
        dv, dt_ref = hold_while_refractory(state["t_ref"], dv)
        return {"v": dv, "t_ref": dt_ref}

    def threshold_and_reset(self, state, key=None):
        v, spike = spike_and_reset(self.surrogate, state["v"], self.v_peak, self.v_reset,
                                   free=is_free(state["t_ref"]))
        return {"v": v, "t_ref": refractory_after(spike, state["t_ref"], self.tau_ref)}, spike

    def observables(self, state):
        return dict(state)
