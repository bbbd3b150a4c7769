"""The bundled examples run by the `neurojax` command (the seed workloads), by name.

Each topic module defines a tuple `EXAMPLES` of `Example`s; add a module's tuple below to
register it."""

from ._conductance import EXAMPLES as _CONDUCTANCE
from ._masses import EXAMPLES as _MASSES
from ._masses import WILSON_COWAN_BISTABLE as WILSON_COWAN_BISTABLE
from ._masses import whole_brain_fhn as whole_brain_fhn
from ._registry import Example as Example

EXAMPLES: dict[str, Example] = {e.name: e for e in (*_MASSES, *_CONDUCTANCE)}
