"""Data shipped with neurojax."""

from ._hcp import Connectome as Connectome
from ._hcp import hcp80 as hcp80
