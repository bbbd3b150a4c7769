"""Stuart-Landau oscillator: the normal form of a supercritical Hopf bifurcation."""

import math

import equinox as eqx

from ..core import Dynamics, initial, param


class HopfOscillator(Dynamics):
    r"""Stuart-Landau (Hopf normal form) oscillator, vectorised over `size` nodes.

    $$\dot x = (a - x^2 - y^2)\, x - \omega y + I_x, \qquad
      \dot y = (a - x^2 - y^2)\, y + \omega x + I_y$$

    For `a > 0` the node has a stable limit cycle of radius `sqrt(a)` travelled at angular
    frequency `omega`; for `a < 0` it decays to the origin (a focus). Time in ms; `x` and `y`
    are in units of sqrt(1/ms) so that `x^2 + y^2` is a rate like `a`. The default `a` is
    just below the bifurcation, the working point of Deco et al. (2017).

    Args:
        size: number of nodes.
        a: bifurcation parameter (1/ms).
        omega: angular frequency (rad/ms); the default 2π·0.010 rad/ms is 10 Hz.
        x_init, y_init: initial values (number, array or `nj.init` initialiser).

    Input ports: `x` and `y` (added to dx/dt and dy/dt).

    References:
        Deco, Kringelbach, Jirsa & Ritter (2017), Sci. Rep. 7:3095.
    """

    size: int = eqx.field(static=True)
    a: float = param(-0.02, unit="1/ms")
    omega: float = param(2.0 * math.pi * 0.010, unit="rad/ms")
    x_init: float = initial(0.1)
    y_init: float = initial(0.0)

    variables = ("x", "y")
    inputs = ("x", "y")

    def vector_field(self, t, state, drive, args):
        x, y = state["x"], state["y"]
        growth = self.a - x**2 - y**2
        dx = growth * x - self.omega * y + drive["x"]
        dy = growth * y + self.omega * x + drive["y"]
        return {"x": dx, "y": dy}

    def observables(self, state):
        return dict(state)
