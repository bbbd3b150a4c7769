"""Base classes, parameter handling, constraints and initial values."""

from ._constraints import (
    Constraint as Constraint,
)
from ._constraints import (
    interval as interval,
)
from ._constraints import (
    nonnegative as nonnegative,
)
from ._constraints import (
    positive as positive,
)
from ._constraints import (
    real as real,
)
from ._constraints import (
    unit_interval as unit_interval,
)
from ._dynamics import Dynamics as Dynamics
from ._initializers import (
    Constant as Constant,
)
from ._initializers import (
    Initializer as Initializer,
)
from ._initializers import (
    Normal as Normal,
)
from ._initializers import (
    Uniform as Uniform,
)
from ._initializers import (
    initial as initial,
)
from ._numerics import x_over_one_minus_exp as x_over_one_minus_exp
from ._params import as_float_array as as_float_array
from ._params import is_concrete as is_concrete
from ._params import param as param
from ._spiking import SpikingDynamics as SpikingDynamics
