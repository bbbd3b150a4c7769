"""neurojax: a JAX-native, differentiable simulator of brain dynamics."""

from . import (
    analysis as analysis,
)
from . import (
    channels as channels,
)
from . import (
    compartments as compartments,
)
from . import (
    connectivity as connectivity,
)
from . import (
    core as core,
)
from . import (
    datasets as datasets,
)
from . import (
    fit as fit,
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
    neurons as neurons,
)
from . import (
    observe as observe,
)
from . import (
    plot as plot,
)
from . import (
    solvers as solvers,
)
from . import (
    surrogate as surrogate,
)
from . import (
    synapses as synapses,
)
from ._simulate import SimulationError as SimulationError
from ._simulate import simulate as simulate
from ._trajectory import Trajectory as Trajectory
from .network import Network as Network
from .network import Projection as Projection

__version__ = "0.1.0"
