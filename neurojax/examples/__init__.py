"""The bundled examples run by the `neurojax` command (the seed workloads), by name.

Each topic module defines a tuple `EXAMPLES` of `Example`s; add a module's tuple below to
register it."""

from ._conductance import EXAMPLES as _CONDUCTANCE
from ._conductance import PYLORIC_CONDUCTANCES as PYLORIC_CONDUCTANCES
from ._conductance import hodgkin_huxley_cells as hodgkin_huxley_cells
from ._conductance import pyloric_circuit as pyloric_circuit
from ._masses import EXAMPLES as _MASSES
from ._masses import WILSON_COWAN_BISTABLE as WILSON_COWAN_BISTABLE
from ._masses import whole_brain_fhn as whole_brain_fhn
from ._registry import Example as Example
from ._spiking import EXAMPLES as _SPIKING
from ._spiking import DecisionTask as DecisionTask
from ._spiking import decision_inputs as decision_inputs
from ._spiking import decision_network as decision_network
from ._spiking import decision_outcome as decision_outcome
from ._spiking import ei_balanced_network as ei_balanced_network
from ._spiking import simulate_decision as simulate_decision
from ._whole_brain_fit import FCScore as FCScore
from ._whole_brain_fit import WholeBrainFit as WholeBrainFit
from ._whole_brain_fit import fc_score as fc_score
from ._whole_brain_fit import fit_whole_brain_fc as fit_whole_brain_fc
from ._whole_brain_fit import refine_fc_fit as refine_fc_fit
from ._whole_brain_fit import scan_fc_grid as scan_fc_grid
from ._whole_brain_fit import whole_brain_model as whole_brain_model

EXAMPLES: dict[str, Example] = {e.name: e for e in (*_MASSES, *_CONDUCTANCE, *_SPIKING)}
