"""Jansen-Rit cortical column: pyramidal cells with excitatory and inhibitory interneurons."""

import equinox as eqx
import jax

from ..core import Dynamics, initial, nonnegative, param, positive

_PER_S_TO_PER_MS = 1e-3


class JansenRit(Dynamics):
    r"""Jansen-Rit neural mass, vectorised over `size` nodes.

    $$\dot y_0 = y_3, \quad \dot y_3 = A a\, S(y_1 - y_2) - 2 a y_3 - a^2 y_0$$
    $$\dot y_1 = y_4, \quad \dot y_4 = A a\, (p + I_p + C_2 S(C_1 y_0)) - 2 a y_4 - a^2 y_1$$
    $$\dot y_2 = y_5, \quad \dot y_5 = B b\, C_4 S(C_3 y_0) - 2 b y_5 - b^2 y_2$$
    $$S(v) = \frac{2 e_0}{1 + e^{r (v_0 - v)}}, \qquad C_k = c_k C$$

    `y0` is the output of the pyramidal population, `y1`/`y2` the excitatory/inhibitory
    postsynaptic potentials on it (mV), `y3..y5` their derivatives (mV/ms). Time is in ms;
    the rates `a`, `b`, `e0` and the input `p` keep the paper's units (1/s, Hz) and are
    converted to 1/ms inside. The sigmoid parameters are those of `nj.network.Sigmoidal`'s
    defaults (amplitude `2 e0` = 5 Hz, slope `r`, midpoint `v0`), which reads `v_pyr`.

    Args:
        size: number of nodes.
        A, B: maximal excitatory and inhibitory postsynaptic potentials (mV).
        a, b: inverse time constants of the excitatory and inhibitory synapses (1/s).
        C: average number of synapses (dimensionless).
        c1, c2, c3, c4: connectivity constants as fractions of `C` (`C_k = c_k C`).
        e0: half the maximal firing rate (Hz).
        v0: potential at half-maximal firing rate (mV).
        r: slope of the sigmoid (1/mV).
        p: mean external input firing rate onto the pyramidal cells (Hz).
        y0_init, ..., y5_init: initial values (mV, and mV/ms for y3..y5).

    Input port: `p` (Hz), added to the parameter `p`.

    Observables: the six states and `v_pyr = y1 - y2` (mV), the EEG-like pyramidal potential.

    References:
        Jansen & Rit (1995), Biol. Cybern. 73:357.
    """

    size: int = eqx.field(static=True)
    A: float = param(3.25, constraint=nonnegative, unit="mV")
    B: float = param(22.0, constraint=nonnegative, unit="mV")
    a: float = param(100.0, constraint=positive, unit="1/s")
    b: float = param(50.0, constraint=positive, unit="1/s")
    C: float = param(135.0, constraint=nonnegative)
    c1: float = param(1.0, constraint=nonnegative)
    c2: float = param(0.8, constraint=nonnegative)
    c3: float = param(0.25, constraint=nonnegative)
    c4: float = param(0.25, constraint=nonnegative)
    e0: float = param(2.5, constraint=nonnegative, unit="Hz")
    v0: float = param(6.0, unit="mV")
    r: float = param(0.56, constraint=positive, unit="1/mV")
    p: float = param(220.0, unit="Hz")
    y0_init: float = initial(0.0)
    y1_init: float = initial(0.0)
    y2_init: float = initial(0.0)
    y3_init: float = initial(0.0)
    y4_init: float = initial(0.0)
    y5_init: float = initial(0.0)

    variables = ("y0", "y1", "y2", "y3", "y4", "y5")
    inputs = ("p",)

    def _rate(self, v):
        """The sigmoid `S(v)` in 1/ms."""
        return 2.0 * self.e0 * _PER_S_TO_PER_MS * jax.nn.sigmoid(self.r * (v - self.v0))

    def vector_field(self, t, state, drive, args):
        y0, y1, y2 = state["y0"], state["y1"], state["y2"]
        y3, y4, y5 = state["y3"], state["y4"], state["y5"]
        a = self.a * _PER_S_TO_PER_MS
        b = self.b * _PER_S_TO_PER_MS
        p = (self.p + drive["p"]) * _PER_S_TO_PER_MS
        excitatory = p + self.c2 * self.C * self._rate(self.c1 * self.C * y0)
        inhibitory = self.c4 * self.C * self._rate(self.c3 * self.C * y0)
        return {
            "y0": y3,
            "y1": y4,
            "y2": y5,
            "y3": self.A * a * self._rate(y1 - y2) - 2.0 * a * y3 - a**2 * y0,
            "y4": self.A * a * excitatory - 2.0 * a * y4 - a**2 * y1,
            "y5": self.B * b * inhibitory - 2.0 * b * y5 - b**2 * y2,
        }

    def observables(self, state):
        return {**state, "v_pyr": state["y1"] - state["y2"]}
