"""Ion channels (Hodgkin-Huxley; the stomatogastric set of Liu et al. 1998 / Prinz et al.
2003; user-defined gated channels), calcium dynamics and homeostatic regulation."""

from . import hh as hh
from . import stg as stg
from ._calcium import CalciumPool as CalciumPool
from ._channel import IONS as IONS
from ._channel import AbstractCalciumChannel as AbstractCalciumChannel
from ._channel import AbstractFixedReversal as AbstractFixedReversal
from ._channel import AbstractRateChannel as AbstractRateChannel
from ._channel import Channel as Channel
from ._channel import nernst as nernst
from ._gated import Gate as Gate
from ._gated import GatedChannel as GatedChannel
from ._homeostasis import Homeostasis as Homeostasis
from ._leak import Leak as Leak
