"""The stomatogastric channel set (Liu et al. 1998; Prinz et al. 2003)."""

from ._stg import KA as KA
from ._stg import CaS as CaS
from ._stg import CaT as CaT
from ._stg import H as H
from ._stg import KCa as KCa
from ._stg import Kdr as Kdr
from ._stg import NaV as NaV
