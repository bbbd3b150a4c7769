"""The bundled examples run by the `neurojax` command (the seed workloads), by name.

Each topic module defines a tuple `EXAMPLES` of `Example`s; add a module's tuple below to
register it."""

from ._conductance import EXAMPLES as _CONDUCTANCE
from ._conductance import PYLORIC_CONDUCTANCES as PYLORIC_CONDUCTANCES
from ._conductance import hodgkin_huxley_cells as hodgkin_huxley_cells
from ._conductance import pyloric_circuit as pyloric_circuit
from ._fitting import EI_TARGET_RATES as EI_TARGET_RATES
from ._fitting import EI_WEIGHTS as EI_WEIGHTS
from ._fitting import JR_SIGMA as JR_SIGMA
from ._fitting import JR_TRUTH as JR_TRUTH
from ._fitting import STG_CHANNELS as STG_CHANNELS
from ._fitting import STG_CONDUCTANCES as STG_CONDUCTANCES
from ._fitting import STG_FEATURES as STG_FEATURES
from ._fitting import STG_PERTURBATION as STG_PERTURBATION
from ._fitting import STG_TARGET as STG_TARGET
from ._fitting import ei_rate_loss as ei_rate_loss
from ._fitting import ei_rate_network as ei_rate_network
from ._fitting import ei_rates as ei_rates
from ._fitting import fit_stg_conductances as fit_stg_conductances
from ._fitting import jansen_rit_priors as jansen_rit_priors
from ._fitting import jansen_rit_spectrum as jansen_rit_spectrum
from ._fitting import simulate_ei as simulate_ei
from ._fitting import simulate_stg as simulate_stg
from ._fitting import slow_wave as slow_wave
from ._fitting import slow_wave_duty as slow_wave_duty
from ._fitting import slow_wave_period as slow_wave_period
from ._fitting import stg_feature_loss as stg_feature_loss
from ._fitting import stg_feature_residuals as stg_feature_residuals
from ._fitting import stg_features as stg_features
from ._fitting import stg_neuron as stg_neuron
from ._fitting import tune_ei_rates as tune_ei_rates
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
