"""Synaptic dynamics and outputs for spiking projections."""

from ._gap_junction import GapJunction as GapJunction
from ._gap_junction import gap_junctions as gap_junctions
from ._outputs import COBA as COBA
from ._outputs import CUBA as CUBA
from ._outputs import AbstractOutput as AbstractOutput
from ._outputs import MgBlock as MgBlock
from ._synapses import AMPA as AMPA
from ._synapses import NMDA as NMDA
from ._synapses import AbstractSynapse as AbstractSynapse
from ._synapses import Alpha as Alpha
from ._synapses import DualExponential as DualExponential
from ._synapses import Exponential as Exponential
from ._synapses import GABAa as GABAa
from ._synapses import TsodyksMarkram as TsodyksMarkram
