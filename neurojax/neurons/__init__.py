"""Spiking point-neuron populations."""

from ._lif import LIF as LIF
from ._poisson import PoissonGroup as PoissonGroup
