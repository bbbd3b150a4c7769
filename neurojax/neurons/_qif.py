"""Quadratic integrate-and-fire neurons."""

import equinox as eqx

from ..core import initial, nonnegative, param, positive
from ..core._spiking import SpikingDynamics
from ..core._surrogate import AbstractSurrogate, FastSigmoid
from ._integrate_and_fire import (
    check_reset_below_peak,
    hold_while_refractory,
    is_free,
    refractory_after,
    spike_and_reset,
)


class QIF(SpikingDynamics):
    r"""Quadratic integrate-and-fire neurons, vectorised over `size` units.

    $$\tau \dot v = k\,(v - v_{rest})(v - v_c) + R\, I \quad \text{(not refractory)}$$

    The unit rests at `v_rest` and fires when pushed past the critical potential `v_c`; when
    `v >= v_peak` it spikes, `v` is reset to `v_reset` and held there for `tau_ref`.

    With $u = k\,(v - (v_{rest} + v_c)/2)$ the equation is the normal form
    $\tau \dot u = u^2 + \eta + k R I$, $\eta = -(k (v_c - v_{rest}) / 2)^2$, of the theta
    neuron (Ermentrout & Kopell 1986) and of the neurons whose mean field is
    `nj.masses.Montbrio` (Montbrió, Pazó & Roxin 2015; there `v_peak`, `-v_reset` -> ∞). For a
    constant input above rheobase, $k R I > (k (v_c - v_{rest})/2)^2$, the interspike interval
    is $\tau_{ref} + \tau / \sqrt{k A}\,[\arctan((v_{peak} - m)\sqrt{k/A})
    - \arctan((v_{reset} - m)\sqrt{k/A})]$ with $m = (v_{rest} + v_c)/2$ and
    $A = R I - k (v_c - v_{rest})^2 / 4$.

    Args:
        size: number of neurons.
        v_rest: resting potential (mV).
        v_c: critical potential (mV), above `v_rest`: the unstable fixed point at zero input.
        k: curvature (1/mV); `k = 1 / (v_c - v_rest)` makes `tau` the time constant at rest.
        tau: membrane time constant (ms).
        v_peak: spike cut-off (mV).
        v_reset: reset potential (mV), below `v_peak`.
        tau_ref: refractory period (ms).
        R: membrane resistance; with the default 1 the input is in mV, as for `LIF`.
        v_init: initial membrane potential (mV; number, array or `nj.init` initialiser).
        surrogate: the spike's surrogate derivative (a function of `v - v_peak`, mV).

    Input port: `i` (input, in the units set by `R`; synaptic currents arrive here).

    Defaults are those of BrainPy's `QuaIF`.

    References:
        Ermentrout & Kopell (1986), SIAM J. Appl. Math. 46:233; Latham, Richmond, Nelson &
        Nirenberg (2000), J. Neurophysiol. 83:808; Montbrió, Pazó & Roxin (2015), Phys. Rev.
        X 5:021028.
    """

    size: int = eqx.field(static=True)
    v_rest: float = param(-65.0, unit="mV")
    v_c: float = param(-50.0, unit="mV")
    k: float = param(0.07, constraint=positive, unit="1/mV")
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

    def vector_field(self, t, state, drive, args):
        v = state["v"]
        dv = (self.k * (v - self.v_rest) * (v - self.v_c) + self.R * drive["i"]) / self.tau
        dv, dt_ref = hold_while_refractory(state["t_ref"], dv)
        return {"v": dv, "t_ref": dt_ref}

    def threshold_and_reset(self, state, key=None):
        v, spike = spike_and_reset(self.surrogate, state["v"], self.v_peak, self.v_reset,
                                   free=is_free(state["t_ref"]))
        return {"v": v, "t_ref": refractory_after(spike, state["t_ref"], self.tau_ref)}, spike

    def observables(self, state):
        return dict(state)
