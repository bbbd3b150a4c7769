"""Wilson-Cowan excitatory-inhibitory rate model (the BrainPy tutorial form)."""

import equinox as eqx
import jax.numpy as jnp

from ..core import Dynamics, initial, nonnegative, param, positive


def _sigmoid(u, a, theta):
    """`F(u; a, θ) = 1/(1 + exp(-a(u - θ))) - 1/(1 + exp(aθ))`, zero at u = 0."""
    return 1.0 / (1.0 + jnp.exp(-a * (u - theta))) - 1.0 / (1.0 + jnp.exp(a * theta))


class WilsonCowan(Dynamics):
    r"""Wilson-Cowan excitatory (`x`) and inhibitory (`y`) populations, vectorised over `size`
    nodes.

    $$\tau_e \dot x = -x + (1 - r x)\, F(w_{ee} x - w_{ei} y + I_x;\ a_e, \theta_e)$$
    $$\tau_i \dot y = -y + (1 - r y)\, F(w_{ie} x - w_{ii} y + I_y;\ a_i, \theta_i)$$
    $$F(u; a, \theta) = \frac{1}{1 + e^{-a (u - \theta)}} - \frac{1}{1 + e^{a \theta}}$$

    Dimensionless activities; time in ms. Weights are named target-source: `w_ei` is the
    weight from I onto E and `w_ie` from E onto I. In BrainPy's `WilsonCowanModel` these are
    `wIE` and `wEI` respectively (`wEE`, `wII`, `E_a`, `I_a`, `E_theta`, `I_theta`, `E_tau`,
    `I_tau` and `r` map one to one). The defaults are BrainPy's weights, gains and thresholds
    with `tau_e = tau_i = 1` ms, as in BrainPy. With them a node has one stable
    state for `I_x = -0.5` and a limit cycle for `I_x` between about 1 and 2. BrainPy's
    phase-plane example (`w_ee=12, w_ei=4, w_ie=13, w_ii=11, a_e=1.2, theta_e=2.8, a_i=1,
    theta_i=4`) is bistable at `I_x = -0.5`.

    Args:
        size: number of nodes.
        w_ee: weight E -> E (dimensionless).
        w_ei: weight I -> E (dimensionless).
        w_ie: weight E -> I (dimensionless).
        w_ii: weight I -> I (dimensionless).
        a_e, a_i: slopes of the E and I response functions (dimensionless).
        theta_e, theta_i: thresholds of the E and I response functions (dimensionless).
        tau_e, tau_i: time constants (ms).
        r: refractory factor (dimensionless).
        x_init, y_init: initial values (number, array or `nj.init` initialiser).

    Input ports: `x` (`I_x`, added to the E population's total input inside `F`) and `y`
    (`I_y`, the same for the I population); dimensionless.

    References:
        Wilson & Cowan (1972), Biophys. J. 12:1; Wang et al. (2023), BrainPy, eLife 12:e86365.
    """

    size: int = eqx.field(static=True)
    w_ee: float = param(16.0, constraint=nonnegative)
    w_ei: float = param(15.0, constraint=nonnegative)
    w_ie: float = param(12.0, constraint=nonnegative)
    w_ii: float = param(3.0, constraint=nonnegative)
    a_e: float = param(1.5, constraint=positive)
    a_i: float = param(1.5, constraint=positive)
    theta_e: float = param(3.0)
    theta_i: float = param(3.0)
    tau_e: float = param(1.0, constraint=positive, unit="ms")
    tau_i: float = param(1.0, constraint=positive, unit="ms")
    r: float = param(1.0, constraint=nonnegative)
    x_init: float = initial(0.0)
    y_init: float = initial(0.0)

    variables = ("x", "y")
    inputs = ("x", "y")

    def vector_field(self, t, state, drive, args):
        x, y = state["x"], state["y"]
        input_e = self.w_ee * x - self.w_ei * y + drive["x"]
        input_i = self.w_ie * x - self.w_ii * y + drive["y"]
        dx = (-x + (1.0 - self.r * x) * _sigmoid(input_e, self.a_e, self.theta_e)) / self.tau_e
        dy = (-y + (1.0 - self.r * y) * _sigmoid(input_i, self.a_i, self.theta_i)) / self.tau_i
        return {"x": dx, "y": dy}

    def observables(self, state):
        return dict(state)
