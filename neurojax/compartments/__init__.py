"""Conductance-based neurons assembled from ion channels, and the synapses between them."""

from ._compartment import STG_AREA as STG_AREA
from ._compartment import Compartment as Compartment
from ._compartment import membrane_currents as membrane_currents
from ._synapses import AbstractGradedSynapse as AbstractGradedSynapse
from ._synapses import Cholinergic as Cholinergic
from ._synapses import GapJunction as GapJunction
from ._synapses import Glutamatergic as Glutamatergic
from ._synapses import connect_gap_junction as connect_gap_junction
