"""Surrogate derivatives for spikes: `nj.surrogate.Sigmoid`, `FastSigmoid`, `Arctan`."""

from .core._surrogate import AbstractSurrogate as AbstractSurrogate
from .core._surrogate import Arctan as Arctan
from .core._surrogate import FastSigmoid as FastSigmoid
from .core._surrogate import Sigmoid as Sigmoid
