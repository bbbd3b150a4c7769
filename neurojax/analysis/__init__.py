"""Analysis of simulated and recorded signals: functional connectivity, FC dynamics and power
spectra. Pure JAX functions (jit-able, differentiable), so they double as fitting losses."""

from ._connectivity import fc_correlation as fc_correlation
from ._connectivity import fcd as fcd
from ._connectivity import fcd_ks as fcd_ks
from ._connectivity import functional_connectivity as functional_connectivity
from ._spectrum import peak_frequency as peak_frequency
from ._spectrum import power_spectrum as power_spectrum
from ._spikes import firing_rate as firing_rate
from ._spikes import isi_cv as isi_cv
from ._spikes import spike_counts as spike_counts
