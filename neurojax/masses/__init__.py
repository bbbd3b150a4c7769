"""Neural masses: population-rate models of brain regions, each vectorised over nodes."""

from ._fitzhugh_nagumo import FitzHughNagumo as FitzHughNagumo
from ._hopf import HopfOscillator as HopfOscillator
from ._jansen_rit import JansenRit as JansenRit
from ._kuramoto import Kuramoto as Kuramoto
from ._larter_breakspear import LarterBreakspear as LarterBreakspear
from ._montbrio import Montbrio as Montbrio
from ._wilson_cowan import WilsonCowan as WilsonCowan
from ._wong_wang import WongWang as WongWang
