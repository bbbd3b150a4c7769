"""Izhikevich (2003) neurons."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar

import equinox as eqx
import jax

from ..core import Constant, Initializer, as_float_array, initial, param, positive
from ..core._initializers import as_initializer
from ..core._spiking import SpikingDynamics
from ..core._surrogate import AbstractSurrogate, FastSigmoid
from ._integrate_and_fire import check_reset_below_peak, spike_and_reset


def _optional_initializer(value):
    return None if value is None else as_initializer(value)


class Izhikevich(SpikingDynamics):
    r"""Izhikevich (2003) neurons, vectorised over `size` units.

    $$\dot v = 0.04 v^2 + 5 v + 140 - u + I, \qquad \dot u = a (b v - u)$$

    with `v` in mV and time in ms. When `v >= v_peak` (30 mV) the unit spikes, `v` is reset to
    `c` and the recovery variable `u` jumps by `d`. The presets of the paper's Fig. 2, in
    `Izhikevich.PRESETS`: regular spiking `"RS"`, intrinsically bursting `"IB"`, chattering
    `"CH"`, fast spiking `"FS"`, low-threshold spiking `"LTS"`, thalamo-cortical `"TC"` and
    resonator `"RZ"`; use `Izhikevich.preset("FS", size)`, or pass the parameters per unit to
    mix types in one population.

    Args:
        size: number of neurons.
        a: time scale of the recovery variable (1/ms).
        b: sensitivity of the recovery variable to subthreshold `v`.
        c: reset potential (mV), below `v_peak`.
        d: jump of `u` after a spike.
        v_peak: spike cut-off (mV).
        v_init: initial membrane potential (mV).
        u_init: initial recovery variable; default `b * v_init` (as in the paper's code; then
            `v_init` must be a number or an array).
        surrogate: the spike's surrogate derivative (a function of `v - v_peak`, mV).

    Input port: `i` (the input $I$, in the paper's dimensionless units: mV/ms).

    Observables: `v`, `u`.

    Defaults: the regular-spiking (RS) neuron.

    References:
        Izhikevich (2003), Simple model of spiking neurons, IEEE Trans. Neural Netw. 14:1569.
    """

    size: int = eqx.field(static=True)
    a: float = param(0.02, constraint=positive, unit="1/ms")
    b: float = param(0.2)
    c: float = param(-65.0, unit="mV")
    d: float = param(8.0)
    v_peak: float = param(30.0, unit="mV")
    v_init: float = initial(-65.0)
    u_init: Initializer | None = eqx.field(default=None, converter=_optional_initializer)
    surrogate: AbstractSurrogate = FastSigmoid()

    variables = ("v", "u")
    inputs = ("i",)
    #: The parameters (a, b, c, d) of the cell types of Izhikevich (2003), Fig. 2.
    PRESETS: ClassVar[Mapping[str, Mapping[str, float]]] = MappingProxyType({
        name: MappingProxyType(dict(zip("abcd", values, strict=True))) for name, values in (
            ("RS", (0.02, 0.2, -65.0, 8.0)),
            ("IB", (0.02, 0.2, -55.0, 4.0)),
            ("CH", (0.02, 0.2, -50.0, 2.0)),
            ("FS", (0.1, 0.2, -65.0, 2.0)),
            ("LTS", (0.02, 0.25, -65.0, 2.0)),
            ("TC", (0.02, 0.25, -65.0, 0.05)),
            ("RZ", (0.1, 0.26, -65.0, 2.0)),
        )})

    def __post_init__(self):
        if self.u_init is None:
            v_init = as_initializer(self.v_init)
            if not isinstance(v_init, Constant):
                raise ValueError("Izhikevich: the default `u_init` is b * v_init, which needs a "
                                 "number or an array for `v_init`; pass `u_init` too, e.g. "
                                 "u_init=-13.0.")
            self.u_init = as_float_array(self.b) * v_init.value

    def __check_init__(self):
        check_reset_below_peak(self, v_reset="c")

    @classmethod
    def preset(cls, name: str, size: int, **kwargs) -> Izhikevich:
        """A population of the cell type `name` of Izhikevich (2003), Fig. 2 (one of
        `Izhikevich.PRESETS`); `kwargs` (e.g. `v_init`) override or add parameters."""
        if name not in cls.PRESETS:
            close = difflib.get_close_matches(name.upper(), list(cls.PRESETS), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"Izhikevich.preset: unknown cell type {name!r}; choose one of "
                             f"{sorted(cls.PRESETS)}.{hint}")
        return cls(size, **{**cls.PRESETS[name], **kwargs})

    def vector_field(self, t, state, drive, args):
        v, u = state["v"], state["u"]
        dv = 0.04 * v**2 + 5.0 * v + 140.0 - u + drive["i"]
        return {"v": dv, "u": self.a * (self.b * v - u)}

    def threshold_and_reset(self, state, key=None):
        v, spike = spike_and_reset(self.surrogate, state["v"], self.v_peak, self.c)
        return {"v": v, "u": state["u"] + self.d * jax.lax.stop_gradient(spike)}, spike

    def observables(self, state):
        return dict(state)
