"""`Compartment`: a conductance-based neuron assembled from ion channels (NeuronBuilder-style)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..channels import CalciumPool, Channel, Homeostasis
from ..core import Dynamics, is_concrete, param, positive
from ..core._initializers import Initializer, as_initializer

#: Membrane area of the STG model neurons of Prinz et al. (2003): 0.628e-3 cm².
STG_AREA = 6.28e-4


def membrane_currents(channels: Sequence[Channel], v, gates: dict, ca):
    """The summed membrane current of `channels` and its calcium part (µA/cm², outward
    positive), and the gates' derivatives under their compartment names ("NaV.m")."""
    total = calcium = jnp.zeros(())
    derivative = {}
    for channel in channels:
        own = {k: gates[f"{channel.name}.{k}"] for k in channel.gates}
        for k, d in channel.gates_derivative(v, own, ca).items():
            derivative[f"{channel.name}.{k}"] = d
        current = channel.current(v, own, ca)
        total = total + current
        if channel.ion == "ca":
            calcium = calcium + current
    return total, calcium, derivative


class Compartment(Dynamics):
    r"""A single-compartment conductance-based neuron built from ion channels; `size` cells
    with the same channels (parameters may differ per cell: pass arrays of shape `(size,)`).

    $$c_m \frac{dv}{dt} = -\sum_{channels} I + I_{inj}, \qquad I_{inj} = i + \frac{i_{nA}}
    {1000\,\mathrm{area}}$$

    plus every channel's gates, the `CalciumPool` and the `Homeostasis` states. The state
    holds `"v"` (mV), the gates as `"<channel>.<gate>"` (e.g. `"NaV.m"`), `"ca"` (µM, with
    a calcium pool) and, with homeostasis, `"<channel>.mrna"` and `"<channel>.g"`. Gates
    start at their steady state at `v_init` (and `ca_init`).

    A `Compartment` is a node of `nj.Network`: graded synapses (`Glutamatergic`,
    `Cholinergic`) and gap junctions (`connect_gap_junction`) join compartments.

    Solvers: `nj.simulate` integrates compartments with diffrax `Tsit5` and a PID step-size
    controller (`rtol`, `atol`). Measured against the L-stable implicit `Kvaerno5` (float64,
    rtol 1e-6, 2-core CPU): classic HH, 200 ms at 10 µA/cm², 0.05 s vs 2.3 s; an STG burster
    (Prinz et al. 2004 AB/PD 2), 1 s, 0.06 s (3,400 steps) vs 6.6 s (18,000 steps, half of
    them rejected by the Newton iteration). A single cell is only mildly stiff at these
    tolerances: the step is set by the accuracy of the spike upstroke, not by stability,
    so an explicit solver's cheap steps win over implicit steps that each need Jacobians
    and linear solves. Networks with graded synapses are different: at a presynaptic spike
    peak the synaptic activation relaxes at up to 1e5 / ms, which bounds an explicit step
    to ~1e-5 ms (Tsit5: 51,000 steps for 300 ms of the pyloric circuit). Integrate them
    with `nj.solvers.ExponentialEuler()` at dt <= 0.025 ms (exact for every gate and
    synaptic activation at fixed voltage, as in Prinz et al. and xolotl; 0.9 s per
    simulated second for the three-cell circuit), or adaptively with
    `diffrax.Kvaerno5(root_finder=optimistix.Newton(rtol, atol))` (1,300 steps for 300 ms,
    but slower to compile). `nj.solvers.StaggeredExponentialEuler()` (NEURON's staggered
    scheme) is second order for about the same cost a step: classic HH, 1 s, worst spike
    time 0.31 ms off at dt 0.025 ms against 12 ms for `ExponentialEuler`.

    Args:
        channels: the ion channels (`nj.channels.hh.Na(...)`, `nj.channels.stg.CaS(...)`,
            `nj.channels.GatedChannel(...)`, `nj.channels.Leak(...)`), distinct names.
        calcium: intracellular calcium dynamics (`nj.channels.CalciumPool`), needed by
            calcium-dependent channels (`stg.KCa`, Nernst calcium reversal potentials).
        regulation: optional `nj.channels.Homeostasis` of some channels' conductances.
        size: number of cells.
        c_m: specific capacitance (µF/cm²), default 1.
        area: membrane area (cm²), default 0.628e-3 (Prinz et al. 2003); converts currents in
            nA (port `i_nA`, synapses, gap junctions, the calcium pool) to densities.
        v_init: initial membrane potential (mV; a number, an array over cells or an
            `nj.init` initialiser), default -65.
        ca_init: initial calcium (µM), default the pool's `ca_rest`.

    Input ports: `i` (µA/cm², injected current density; the default) and `i_nA` (nA,
    total injected current, e.g. an STG current clamp or synaptic input in nS x mV).
    """

    size: int = eqx.field(static=True)
    channels: tuple[Channel, ...]
    calcium: CalciumPool | None
    regulation: Homeostasis | None
    c_m: jax.Array = param(1.0, constraint=positive, unit="µF/cm²")
    area: jax.Array = param(STG_AREA, constraint=positive, unit="cm²")
    v_init: Initializer
    ca_init: Initializer | None

    inputs = ("i", "i_nA")

    def __init__(self, channels: Sequence[Channel], calcium: CalciumPool | None = None, *,
                 regulation: Homeostasis | None = None, size: int = 1, c_m=1.0,
                 area=STG_AREA, v_init=-65.0, ca_init=None):
        self.size, self.c_m, self.area = size, c_m, area
        self.channels = tuple(channels) if isinstance(channels, Sequence) else channels
        self.calcium, self.regulation = calcium, regulation
        self.v_init = as_initializer(v_init)
        if ca_init is None and isinstance(calcium, CalciumPool):
            ca_init = calcium.ca_rest
        self.ca_init = None if ca_init is None else as_initializer(ca_init)

    def __check_init__(self):
        if not isinstance(self.channels, tuple) or not self.channels or not all(
                isinstance(c, Channel) for c in self.channels):
            raise TypeError(f"Compartment: `channels` must be a non-empty list of "
                            f"nj.channels channels; got {self.channels!r}.")
        names = [c.name for c in self.channels]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"Compartment: channel names {repeated} repeat; give each channel "
                             f"a distinct `name=` (its gates are stored as 'name.gate').")
        if self.calcium is not None and not isinstance(self.calcium, CalciumPool):
            raise TypeError(f"Compartment: `calcium` must be nj.channels.CalciumPool or None; "
                            f"got {type(self.calcium).__name__}.")
        needs = [c.name for c in self.channels if c.uses_calcium]
        if needs and self.calcium is None:
            raise ValueError(f"Compartment: channels {needs} depend on intracellular calcium; "
                             f"pass calcium=nj.channels.CalciumPool(...).")
        for channel in self.channels:
            for f in ("g", "e_rev", "ca_out", "temperature"):
                value = getattr(channel, f, None)
                if value is not None and is_concrete(value) and np.shape(value) not in (
                        (), (1,), (self.size,)):
                    raise ValueError(f"Compartment: channel {channel.name!r} has `{f}` of shape "
                                     f"{np.shape(value)}; pass a scalar or one value per cell, "
                                     f"shape ({self.size},).")
        if self.regulation is not None:
            if not isinstance(self.regulation, Homeostasis):
                raise TypeError(f"Compartment: `regulation` must be nj.channels.Homeostasis; "
                                f"got {type(self.regulation).__name__}.")
            if self.calcium is None:
                raise ValueError("Compartment: homeostatic regulation reads intracellular "
                                 "calcium; pass calcium=nj.channels.CalciumPool(...).")
            for name in self.regulation.tau_mrna:
                self.channel(name)  # raises for unknown names
        self._check_rest()

    def _check_rest(self) -> None:
        """Gates, time constants and currents must be finite (and time constants positive)
        at the initial state, so that a broken channel fails here, not deep in a solve."""
        leaves = jax.tree.leaves(self)
        if not all(is_concrete(x) for x in leaves) or self.needs_key:
            return
        state = self.init_state()
        v, ca = state["v"], state.get("ca")
        for channel in self.channels:
            for gate, (inf, tau) in channel.kinetics(v, ca).items():
                inf, tau = np.asarray(inf), np.asarray(tau)
                if not (np.all(np.isfinite(inf)) and np.all(np.isfinite(tau)) and np.all(tau > 0)):
                    raise ValueError(
                        f"Compartment: channel {channel.name!r}, gate {gate!r} is not finite at "
                        f"rest: at v = {np.asarray(v).ravel()[:3]} mV it has steady state "
                        f"{inf.ravel()[:3]} and time constant {tau.ravel()[:3]} ms (which must "
                        f"be positive). Check its functions at that voltage (use "
                        f"nj.core.x_over_one_minus_exp for x / (1 - exp(-x))) or change v_init.")
            current = np.asarray(channel.current(v, {k: state[f"{channel.name}.{k}"]
                                                     for k in channel.gates}, ca))
            if not np.all(np.isfinite(current)):
                raise ValueError(f"Compartment: channel {channel.name!r} carries a non-finite "
                                 f"current at rest (v = {np.asarray(v).ravel()[:3]} mV, ca = "
                                 f"{None if ca is None else np.asarray(ca).ravel()[:3]} µM); "
                                 f"check its reversal potential and conductance.")

    # ------------------------------------------------------------------ structure
    @property
    def variables(self) -> tuple[str, ...]:
        gates = tuple(f"{c.name}.{k}" for c in self.channels for k in c.gates)
        regulated = tuple(f"{n}.{s}" for n in self.regulated for s in ("mrna", "g"))
        return ("v", *gates, *regulated) + (("ca",) if self.calcium is not None else ())

    @property
    def regulated(self) -> tuple[str, ...]:
        """Names of the channels whose conductance is regulated (state `"<name>.g"`)."""
        return tuple(self.regulation.tau_mrna) if self.regulation is not None else ()

    def channel(self, name: str) -> Channel:
        """The channel called `name`."""
        for channel in self.channels:
            if channel.name == name:
                return channel
        names = [c.name for c in self.channels]
        close = difflib.get_close_matches(name, names, n=2)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"Compartment: unknown channel {name!r}; its channels are {names}."
                         f"{hint}")

    # ------------------------------------------------------------------ dynamics
    def init_state(self, key: jax.Array | None = None) -> dict[str, jax.Array]:
        """`v` and `ca` from their initial values, every gate at its steady state there, and
        regulated conductances (and their mRNA) at the channels' `g`."""
        if key is None and self.needs_key:
            raise ValueError("Compartment has random initial values; pass a PRNG key, e.g. "
                             "key=jax.random.key(0).")
        kv, kc = jax.random.split(key) if key is not None else (None, None)
        v = self.v_init(kv, (self.size,))
        state = {"v": v}
        ca = None
        if self.calcium is not None:
            ca = jnp.broadcast_to(self.ca_init(kc, (self.size,)), v.shape).astype(v.dtype)
        for channel in self.channels:
            for k, x in channel.init_state(v, ca).items():
                state[f"{channel.name}.{k}"] = x.astype(v.dtype)
        for name in self.regulated:
            g = jnp.broadcast_to(self.channel(name).g, v.shape).astype(v.dtype)
            state[f"{name}.mrna"], state[f"{name}.g"] = g, g
        if ca is not None:
            state["ca"] = ca
        return state

    def _effective_channels(self, state) -> tuple[Channel, ...]:
        """The channels, with regulated conductances read from the state."""
        out = []
        for channel in self.channels:
            if channel.name in self.regulated:
                channel = eqx.tree_at(lambda c: c.g, channel, state[f"{channel.name}.g"])
            out.append(channel)
        return tuple(out)

    def vector_field(self, t, state, drive, args):
        v, ca = state["v"], state.get("ca")
        total, calcium, derivative = membrane_currents(self._effective_channels(state), v,
                                                       state, ca)
        injected = drive["i"] + drive["i_nA"] * 1e-3 / self.area  # nA -> µA/cm²
        derivative["v"] = (injected - total) / self.c_m
        for name in self.regulated:
            derivative[f"{name}.mrna"], derivative[f"{name}.g"] = self.regulation.derivatives(
                name, state[f"{name}.mrna"], state[f"{name}.g"], ca)
        if self.calcium is not None:
            derivative["ca"] = self.calcium.derivative(ca, calcium, self.area)
        return {k: jnp.broadcast_to(derivative[k], state[k].shape) for k in state}

    def observables(self, state):
        return dict(state)
