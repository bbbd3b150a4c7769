"""Hodgkin-Huxley point neurons as a spiking population."""

import equinox as eqx
import jax
import jax.numpy as jnp

from ..channels import Leak, hh
from ..compartments._compartment import membrane_currents
from ..core import initial, nonnegative, param, positive
from ..core._spiking import SpikingDynamics
from ..core._surrogate import AbstractSurrogate, FastSigmoid


class HodgkinHuxley(SpikingDynamics):
    r"""Hodgkin-Huxley (1952) neurons, vectorised over `size` units, that emit spikes.

    $$c_m \dot v = -g_{Na} m^3 h (v - e_{Na}) - g_K n^4 (v - e_K) - g_L (v - e_L) + i$$

    with the gates of `nj.channels.hh.Na` and `hh.K`. Nothing is reset: a spike is the
    upward crossing of `v_th` by `v` between two steps. The state `above` (1 while `v >=
    v_th`) makes each crossing count once. Spikes carry a surrogate derivative, so the
    population can be a `Projection` source in spiking networks (fixed-step solver, e.g.
    `nj.solvers.ExponentialEuler()` with dt <= 0.025 ms). For a cell without spike output
    (adaptive solvers, exact gradients), use `nj.compartments.Compartment` with the same
    channels.

    Args:
        size: number of neurons.
        g_na, g_k, g_l: maximal conductances (mS/cm²): 120, 36, 0.3.
        e_na, e_k, e_l: reversal potentials (mV): 50, -77, -54.387.
        c_m: membrane capacitance (µF/cm²): 1.
        v_th: spike-detection threshold (mV): 0.
        v_init: initial membrane potential (mV); the gates start at their steady state.
        surrogate: the spike's surrogate derivative (of `v - v_th`, per mV).

    Input port: `i` (µA/cm², injected current density; synaptic currents arrive here, in
    µA/cm² for CUBA weights or with COBA conductances in mS/cm²).

    References:
        Hodgkin & Huxley (1952), J. Physiol. 117:500.
    """

    size: int = eqx.field(static=True)
    g_na: float = param(120.0, constraint=nonnegative, unit="mS/cm²")
    g_k: float = param(36.0, constraint=nonnegative, unit="mS/cm²")
    g_l: float = param(0.3, constraint=nonnegative, unit="mS/cm²")
    e_na: float = param(50.0, unit="mV")
    e_k: float = param(-77.0, unit="mV")
    e_l: float = param(-54.387, unit="mV")
    c_m: float = param(1.0, constraint=positive, unit="µF/cm²")
    v_th: float = param(0.0, unit="mV")
    v_init: float = initial(-65.0)
    surrogate: AbstractSurrogate = FastSigmoid()

    variables = ("v", "m", "h", "n", "above")
    inputs = ("i",)

    @property
    def channels(self):
        """The sodium, potassium and leak channels with this population's parameters."""
        return (hh.Na(g=self.g_na, e_rev=self.e_na), hh.K(g=self.g_k, e_rev=self.e_k),
                Leak(g=self.g_l, e_rev=self.e_l))

    @staticmethod
    def _gates(state):
        return {"Na.m": state["m"], "Na.h": state["h"], "K.n": state["n"]}

    def init_state(self, key: jax.Array | None = None):
        """`v` from `v_init`, the gates at their steady state there, `above` = v >= v_th."""
        if key is None and self.needs_key:
            raise ValueError("HodgkinHuxley has random initial values; pass a PRNG key, e.g. "
                             "key=jax.random.key(0).")
        v = self.v_init(key, (self.size,))
        na, k, _ = self.channels
        gates = {**na.init_state(v), **k.init_state(v)}
        return {"v": v, "m": gates["m"].astype(v.dtype), "h": gates["h"].astype(v.dtype),
                "n": gates["n"].astype(v.dtype),
                "above": jnp.broadcast_to(v >= self.v_th, v.shape).astype(v.dtype)}

    def vector_field(self, t, state, drive, args):
        v = state["v"]
        total, _, gates = membrane_currents(self.channels, v, self._gates(state), None)
        return {"v": (drive["i"] - total) / self.c_m, "m": gates["Na.m"], "h": gates["Na.h"],
                "n": gates["K.n"], "above": jnp.zeros_like(state["above"])}

    def threshold_and_reset(self, state, key=None):
        above_before = jax.lax.stop_gradient(state["above"])
        spike = self.surrogate(state["v"] - self.v_th) * (1.0 - above_before)
        above = (state["v"] >= self.v_th).astype(state["v"].dtype)
        return {**state, "above": above}, spike

    def observables(self, state):
        return dict(state)
