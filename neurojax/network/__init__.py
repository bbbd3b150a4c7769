"""Networks of populations: `Network`, `Connection` and couplings between neural masses."""

from ._connection import Connection as Connection
from ._coupling import (
    AbstractCoupling as AbstractCoupling,
)
from ._coupling import (
    Diffusive as Diffusive,
)
from ._coupling import (
    Kuramoto as Kuramoto,
)
from ._coupling import (
    Linear as Linear,
)
from ._coupling import (
    Sigmoidal as Sigmoidal,
)
from ._graded import AbstractGradedEdge as AbstractGradedEdge
from ._history import History as History
from ._network import Network as Network
from ._projection import Projection as Projection
