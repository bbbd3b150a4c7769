"""Connectivity rules for spiking projections and their padded sparse layout."""

from ._rules import AbstractConnectivity as AbstractConnectivity
from ._rules import AllToAll as AllToAll
from ._rules import FixedInDegree as FixedInDegree
from ._rules import FixedProb as FixedProb
from ._rules import FromMatrix as FromMatrix
from ._rules import OneToOne as OneToOne
from ._sparse import Synapses as Synapses
