"""neurojax: a JAX-native, differentiable simulator of brain dynamics."""

from . import (
    analysis as analysis,
)
from . import (
    core as core,
)
from . import (
    datasets as datasets,
)
from . import (
    init as init,
)
from . import (
    inputs as inputs,
)
from . import (
    masses as masses,
)
from . import (
    network as network,
)
from . import (
    plot as plot,
)
from . import (
    solvers as solvers,
)
from ._simulate import SimulationError as SimulationError
from ._simulate import simulate as simulate
from ._trajectory import Trajectory as Trajectory
from .network import Network as Network

__version__ = "0.1.0"
