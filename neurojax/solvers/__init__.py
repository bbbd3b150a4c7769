"""neurojax's own diffrax solvers, for networks with transmission delays and noise."""

from ._brownian import GridBrownianPath as GridBrownianPath
from ._euler import AbstractNetworkSolver as AbstractNetworkSolver
from ._euler import Euler as Euler
from ._euler import Heun as Heun
from ._term import NetworkTerm as NetworkTerm
