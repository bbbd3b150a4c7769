"""Initial-value distributions: `nj.init.Constant`, `nj.init.Normal`, `nj.init.Uniform`."""

from .core._initializers import (
    Constant as Constant,
)
from .core._initializers import (
    Initializer as Initializer,
)
from .core._initializers import (
    Normal as Normal,
)
from .core._initializers import (
    Uniform as Uniform,
)
