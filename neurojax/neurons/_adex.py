"""Adaptive exponential integrate-and-fire neurons."""

import equinox as eqx
import jax

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


class AdEx(SpikingDynamics):
    r"""Adaptive exponential integrate-and-fire neurons, vectorised over `size` units.

    $$C \dot v = -g_L (v - E_L) + g_L \Delta_T \exp\!\left(\frac{v - V_T}{\Delta_T}\right)
    - w + I \quad \text{(not refractory)}$$
    $$\tau_w \dot w = a (v - E_L) - w$$

    At `v_peak` the unit spikes: `v` is reset to `v_reset` (and held there for `tau_ref`)
    and the adaptation current `w` jumps by `b`. The exponent is evaluated at
    `min(v, v_peak)`, as in NEST, and `v_peak` may be at most `v_t + 40 delta_t` (float32
    range); a step in which the runaway takes off overshoots `v_peak` (finitely:
    `nj.solvers.ExponentialEuler` caps its growth factor) and counts as the spike.
    Depending on `a`, `b`, `tau_w` and `v_reset` the model fires tonically, adapts, bursts
    initially or regularly, or fires with a delay (Naud et al. 2008, Table 1).

    Args:
        size: number of neurons.
        c_m: membrane capacitance (pF).
        g_l: leak conductance (nS).
        e_l: leak reversal potential (mV).
        v_t: soft threshold (mV).
        delta_t: slope factor (mV), positive.
        tau_w: adaptation time constant (ms).
        a: subthreshold adaptation (nS).
        b: spike-triggered adaptation (pA).
        v_reset: reset potential (mV), below `v_peak`.
        v_peak: spike cut-off (mV); default 0 mV as NEST's `aeif` models.
        tau_ref: refractory period (ms); `w` keeps evolving during it.
        v_init: initial membrane potential (mV); w_init: initial adaptation current (pA).
        surrogate: the spike's surrogate derivative (a function of `v - v_peak`, mV).

    Input port: `i` (current, pA; synaptic currents arrive here: weights of `COBA` outputs are
    conductances in nS).

    Observables: `v`, `w`, `t_ref`.

    Defaults are the regular-spiking fit of Brette & Gerstner (2005).

    References:
        Brette & Gerstner (2005), J. Neurophysiol. 94:3637; Naud, Marcille, Clopath &
        Gerstner (2008), Biol. Cybern. 99:335.
    """

    size: int = eqx.field(static=True)
    c_m: float = param(281.0, constraint=positive, unit="pF")
    g_l: float = param(30.0, constraint=positive, unit="nS")
    e_l: float = param(-70.6, unit="mV")
    v_t: float = param(-50.4, unit="mV")
    delta_t: float = param(2.0, constraint=positive, unit="mV")
    tau_w: float = param(144.0, constraint=positive, unit="ms")
    a: float = param(4.0, unit="nS")
    b: float = param(80.5, unit="pA")
    v_reset: float = param(-70.6, unit="mV")
    v_peak: float = param(0.0, unit="mV")
    tau_ref: float = param(0.0, constraint=nonnegative, unit="ms")
    v_init: float = initial(-70.6)
    w_init: float = initial(0.0)
    t_ref_init: float = initial(0.0)
    surrogate: AbstractSurrogate = FastSigmoid()

    variables = ("v", "w", "t_ref")
    inputs = ("i",)

    def __check_init__(self):
        check_reset_below_peak(self)
        check_exponent(self)

    def vector_field(self, t, state, drive, args):
        v, w = state["v"], state["w"]
        spike_current = self.g_l * exponential_current(v, self.v_t, self.delta_t, self.v_peak)
        dv = (-self.g_l * (v - self.e_l) + spike_current - w + drive["i"]) / self.c_m
        dv, dt_ref = hold_while_refractory(state["t_ref"], dv)
        dw = (self.a * (v - self.e_l) - w) / self.tau_w
        return {"v": dv, "w": dw, "t_ref": dt_ref}

    def threshold_and_reset(self, state, key=None):
        v, spike = spike_and_reset(self.surrogate, state["v"], self.v_peak, self.v_reset,
                                   free=is_free(state["t_ref"]))
        w = state["w"] + self.b * jax.lax.stop_gradient(spike)
        return {"v": v, "w": w,
                "t_ref": refractory_after(spike, state["t_ref"], self.tau_ref)}, spike

    def observables(self, state):
        return dict(state)
