"""Spiking point-neuron populations."""

from ._adex import AdEx as AdEx
from ._eif import EIF as EIF
from ._hodgkin_huxley import HodgkinHuxley as HodgkinHuxley
from ._izhikevich import Izhikevich as Izhikevich
from ._lif import LIF as LIF
from ._poisson import PoissonGroup as PoissonGroup
from ._qif import QIF as QIF
from ._spike_times import SpikeTimes as SpikeTimes
