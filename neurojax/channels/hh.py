"""Hodgkin & Huxley (1952) channels: `hh.Na`, `hh.K` (the leak is `nj.channels.Leak`)."""

from ._hh import K as K
from ._hh import Na as Na
