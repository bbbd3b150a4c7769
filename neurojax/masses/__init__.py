"""Neural masses: population-rate models of brain regions, each vectorised over nodes."""

from ._fitzhugh_nagumo import FitzHughNagumo as FitzHughNagumo
