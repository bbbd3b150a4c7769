"""neurojax's own diffrax solvers, for networks with transmission delays, noise and spikes."""

from ._brownian import GridBrownianPath as GridBrownianPath
from ._euler import AbstractNetworkSolver as AbstractNetworkSolver
from ._euler import Euler as Euler
from ._euler import ExponentialEuler as ExponentialEuler
from ._euler import Heun as Heun
from ._euler import NetworkSolverState as NetworkSolverState
from ._staggered import StaggeredExponentialEuler as StaggeredExponentialEuler
from ._term import NetworkTerm as NetworkTerm
