"""Matplotlib helpers: time courses, power spectra, connectivity matrices and a whole-brain
summary. Each returns the `Axes` (or `Figure`) it drew and never calls `plt.show()`.
matplotlib is imported only when a plot is drawn."""

from ._bifurcation import bifurcation as bifurcation
from ._matrices import fc_matrix as fc_matrix
from ._matrices import whole_brain_summary as whole_brain_summary
from ._phase_plane import phase_plane as phase_plane
from ._raster import raster as raster
from ._rates import rates as rates
from ._spectra import spectrum as spectrum
from ._traces import traces as traces
