"""Analysis of simulated and recorded signals: functional connectivity, FC dynamics and power
spectra. Pure JAX functions (jit-able, differentiable), so they double as fitting losses."""

from ._bifurcation_points import BifurcationPoint as BifurcationPoint
from ._bifurcation_points import locate as locate
from ._connectivity import fc_correlation as fc_correlation
from ._connectivity import fcd as fcd
from ._connectivity import fcd_ks as fcd_ks
from ._connectivity import functional_connectivity as functional_connectivity
from ._continuation import BifurcationDiagram as BifurcationDiagram
from ._continuation import Branch as Branch
from ._continuation import continuation as continuation
from ._fixed_points import FixedPoints as FixedPoints
from ._fixed_points import NoFixedPointError as NoFixedPointError
from ._fixed_points import classify as classify
from ._fixed_points import fixed_points as fixed_points
from ._limit_cycles import LimitCycle as LimitCycle
from ._limit_cycles import LimitCycles as LimitCycles
from ._limit_cycles import limit_cycle as limit_cycle
from ._limit_cycles import limit_cycles as limit_cycles
from ._phase_plane import PhasePlane as PhasePlane
from ._phase_plane import phase_plane as phase_plane
from ._spectrum import peak_frequency as peak_frequency
from ._spectrum import power_spectrum as power_spectrum
from ._spikes import firing_rate as firing_rate
from ._spikes import isi_cv as isi_cv
from ._spikes import spike_counts as spike_counts
from ._two_parameter import BifurcationCurve as BifurcationCurve
from ._two_parameter import continue_bifurcation as continue_bifurcation
