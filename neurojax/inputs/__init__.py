"""Inputs (`Constant`, `Step`, `TimeSeries`, `Function`) and noise (`WhiteNoise`, `OUNoise`)."""

from ._inputs import (
    AbstractInput as AbstractInput,
)
from ._inputs import (
    Constant as Constant,
)
from ._inputs import (
    Function as Function,
)
from ._inputs import (
    Step as Step,
)
from ._inputs import (
    TimeSeries as TimeSeries,
)
from ._inputs import (
    as_input as as_input,
)
from ._noise import AbstractNoise as AbstractNoise
from ._noise import OUNoise as OUNoise
from ._noise import WhiteNoise as WhiteNoise
