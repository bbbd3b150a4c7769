"""Synaptic dynamics: the conductance a projection opens in its target neurons.

A synapse keeps its state per target neuron (`side = "post"`: the summed input of all
synapses onto a neuron, the cheap default) or per source neuron (`side = "pre"`: needed when
each source's transmitter saturates, as NMDA in Wang 2002, or has short-term plasticity). Its
conductance is dimensionless (a gating variable) or in the units of the projection's weight;
an `Output` turns it into a current.
"""

from __future__ import annotations

import abc
from typing import ClassVar, Literal

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import nonnegative, param, positive, unit_interval
from ..core._params import validate_parameters


class AbstractSynapse(eqx.Module):
    """Synaptic dynamics of one projection.

    Class attributes:
        variables: names of the state variables (arrays over the `side`'s neurons).
        side: `"post"` (state per target neuron; arriving weighted spikes are summed into it)
            or `"pre"` (state per source neuron; spikes act on it before the weights).
    """

    variables: ClassVar[tuple[str, ...]]
    side: ClassVar[Literal["pre", "post"]]

    def __check_init__(self):
        validate_parameters(self, None)

    def init_state(self, n: int, dtype) -> dict[str, jax.Array]:
        """All variables at zero over `n` neurons."""
        return {v: jnp.zeros((n,), dtype) for v in self.variables}

    @abc.abstractmethod
    def vector_field(self, state: dict[str, jax.Array]) -> dict[str, jax.Array]:
        """Derivatives (per ms) between spikes."""

    @abc.abstractmethod
    def on_spike(self, state: dict[str, jax.Array], spikes: jax.Array) -> dict[str, jax.Array]:
        """The state after spikes: for `side="post"`, `spikes` is the summed weight of the
        spikes arriving at each target; for `side="pre"`, the spikes (0/1) of each source."""

    @abc.abstractmethod
    def conductance(self, state: dict[str, jax.Array]) -> jax.Array:
        """The quantity the weights multiply (post side: already weighted and summed)."""


class AbstractFirstOrder(AbstractSynapse):
    """One gating variable per target with instantaneous rise and exponential decay:
    `d/dt = -x / tau`, `x += w` per spike."""

    tau: eqx.AbstractVar[jax.Array]
    side: ClassVar = "post"

    def vector_field(self, state):
        (name,) = self.variables
        return {name: -state[name] / self.tau}

    def on_spike(self, state, spikes):
        (name,) = self.variables
        return {name: state[name] + spikes}

    def conductance(self, state):
        return state[self.variables[0]]


class Exponential(AbstractFirstOrder):
    r"""Instantaneous rise, exponential decay: $\dot g = -g/\tau$, $g \mathrel{+}= w$ per spike.

    Args:
        tau: decay time constant (ms).
    """

    tau: jax.Array = param(5.0, constraint=positive, unit="ms")
    variables: ClassVar = ("g",)


class DualExponential(AbstractSynapse):
    r"""Difference of exponentials: $\dot g = -g/\tau_d + h$, $\dot h = -h/\tau_r$, with
    $h \mathrel{+}= w\,\kappa$ per spike. The factor $\kappa$ normalises the peak of $g$ after
    one spike to $w$.

    Args:
        tau_rise: rise time constant (ms).
        tau_decay: decay time constant (ms), larger than `tau_rise`.
    """

    tau_rise: jax.Array = param(1.0, constraint=positive, unit="ms")
    tau_decay: jax.Array = param(5.0, constraint=positive, unit="ms")
    variables: ClassVar = ("g", "h")
    side: ClassVar = "post"

    def __check_init__(self):
        if not isinstance(self.tau_rise, jax.core.Tracer) and bool(
                jnp.any(self.tau_rise >= self.tau_decay)):
            raise ValueError(f"DualExponential: `tau_rise` ({self.tau_rise} ms) must be shorter "
                             f"than `tau_decay` ({self.tau_decay} ms); use Alpha for equal ones.")

    def peak_factor(self) -> jax.Array:
        """kappa: the `h` increment that makes the peak of `g` equal 1."""
        tr, td = self.tau_rise, self.tau_decay
        t_peak = tr * td / (td - tr) * jnp.log(td / tr)
        return 1.0 / (tr * td / (td - tr) * (jnp.exp(-t_peak / td) - jnp.exp(-t_peak / tr)))

    def vector_field(self, state):
        return {"g": -state["g"] / self.tau_decay + state["h"], "h": -state["h"] / self.tau_rise}

    def on_spike(self, state, spikes):
        return {"g": state["g"], "h": state["h"] + spikes * self.peak_factor()}

    def conductance(self, state):
        return state["g"]


class Alpha(AbstractSynapse):
    r"""Alpha function $g(t) = w\,(t/\tau) e^{1 - t/\tau}$ (peak $w$ at $t = \tau$):
    $\dot g = -g/\tau + h$, $\dot h = -h/\tau$, $h \mathrel{+}= w e/\tau$ per spike.

    Args:
        tau: time to peak and decay time constant (ms).
    """

    tau: jax.Array = param(2.0, constraint=positive, unit="ms")
    variables: ClassVar = ("g", "h")
    side: ClassVar = "post"

    def vector_field(self, state):
        return {"g": -state["g"] / self.tau + state["h"], "h": -state["h"] / self.tau}

    def on_spike(self, state, spikes):
        return {"g": state["g"], "h": state["h"] + spikes * jnp.e / self.tau}

    def conductance(self, state):
        return state["g"]


class AMPA(AbstractFirstOrder):
    r"""AMPA receptor gating (Wang 2002): $\dot s = -s/\tau$, $s \mathrel{+}= w$ per spike,
    $\tau$ = 2 ms. Pair with `COBA(e_rev=0.)`."""

    tau: jax.Array = param(2.0, constraint=positive, unit="ms")
    variables: ClassVar = ("s",)


class GABAa(AbstractFirstOrder):
    r"""GABA-A receptor gating (Wang 2002): $\dot s = -s/\tau$, $s \mathrel{+}= w$ per spike,
    $\tau$ = 5 ms. Pair with `COBA(e_rev=-70.)`."""

    tau: jax.Array = param(5.0, constraint=positive, unit="ms")
    variables: ClassVar = ("s",)


class NMDA(AbstractSynapse):
    r"""NMDA receptor gating with saturation, per source neuron (Wang 2002, Eqs. 7-8):

    $$\dot s = -s/\tau_d + \alpha\, x (1 - s), \qquad \dot x = -x/\tau_r, \quad
      x \mathrel{+}= 1 \text{ per spike}$$

    The target receives `sum_j w_ij s_j`. Pair with `MgBlock(e_rev=0., mg=1.)`.

    Args:
        tau_rise: rise time constant of x (ms), 2 ms.
        tau_decay: decay time constant of s (ms), 100 ms.
        alpha: saturation rate (1/ms), 0.5.
    """

    tau_rise: jax.Array = param(2.0, constraint=positive, unit="ms")
    tau_decay: jax.Array = param(100.0, constraint=positive, unit="ms")
    alpha: jax.Array = param(0.5, constraint=nonnegative, unit="1/ms")
    variables: ClassVar = ("s", "x")
    side: ClassVar = "pre"

    def vector_field(self, state):
        s, x = state["s"], state["x"]
        return {"s": -s / self.tau_decay + self.alpha * x * (1.0 - s), "x": -x / self.tau_rise}

    def on_spike(self, state, spikes):
        return {"s": state["s"], "x": state["x"] + spikes}

    def conductance(self, state):
        return state["s"]


class TsodyksMarkram(AbstractSynapse):
    r"""Short-term depression and facilitation (Tsodyks, Pawelzik & Markram 1998; in the form
    of Mongillo, Barak & Tsodyks 2008), per source neuron, with an exponential conductance:

    $$\dot u = -u/\tau_f, \quad \dot x = (1 - x)/\tau_d, \quad \dot g = -g/\tau$$
    at a spike: $u \mathrel{+}= U (1 - u)$, then $g \mathrel{+}= u x$, $x \mathrel{-}= u x$
    (so an isolated spike releases the fraction `U` of the resources).

    Args:
        U: baseline release probability (0-1).
        tau_f: facilitation time constant (ms).
        tau_d: depression (recovery) time constant (ms).
        tau: decay of the released transmitter's conductance (ms).
    """

    U: jax.Array = param(0.15, constraint=unit_interval)
    tau_f: jax.Array = param(1500.0, constraint=positive, unit="ms")
    tau_d: jax.Array = param(200.0, constraint=positive, unit="ms")
    tau: jax.Array = param(5.0, constraint=positive, unit="ms")
    variables: ClassVar = ("u", "x", "g")
    side: ClassVar = "pre"

    def init_state(self, n, dtype):
        return {"u": jnp.zeros((n,), dtype), "x": jnp.ones((n,), dtype),
                "g": jnp.zeros((n,), dtype)}

    def vector_field(self, state):
        return {"u": -state["u"] / self.tau_f, "x": (1.0 - state["x"]) / self.tau_d,
                "g": -state["g"] / self.tau}

    def on_spike(self, state, spikes):
        u = state["u"] + spikes * self.U * (1.0 - state["u"])
        release = spikes * u * state["x"]
        return {"u": u, "x": state["x"] - release, "g": state["g"] + release}

    def conductance(self, state):
        return state["g"]
