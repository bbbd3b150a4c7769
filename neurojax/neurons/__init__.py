"""Spiking point-neuron populations."""

from ._lif import LIF as LIF
