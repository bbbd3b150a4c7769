"""Fitting: parameters by name, losses and data features, gradient-based optimisation with
optax, and Bayesian inference (NUTS, SVI) with numpyro."""

from . import features as features
from . import sensitivity as sensitivity
from ._inference import Gaussian as Gaussian
from ._inference import Posterior as Posterior
from ._inference import nuts as nuts
from ._inference import svi as svi
from ._losses import FCDLoss as FCDLoss
from ._losses import FCLoss as FCLoss
from ._losses import Loss as Loss
from ._losses import RateLoss as RateLoss
from ._losses import SpectrumLoss as SpectrumLoss
from ._losses import SpikeCountLoss as SpikeCountLoss
from ._losses import TraceMSE as TraceMSE
from ._losses import WeightedSum as WeightedSum
from ._losses import fc_loss as fc_loss
from ._losses import fcd_distance as fcd_distance
from ._losses import log_spectrum as log_spectrum
from ._losses import rate_mse as rate_mse
from ._losses import spectrum_distance as spectrum_distance
from ._losses import spike_count_mse as spike_count_mse
from ._losses import trace_mse as trace_mse
from ._losses import weighted_sum as weighted_sum
from ._optimize import FitError as FitError
from ._optimize import History as History
from ._optimize import optimize as optimize
from ._params import Parameter as Parameter
from ._params import Trainable as Trainable
from ._params import bijector as bijector
from ._params import get_params as get_params
from ._params import parameters as parameters
from ._params import random_starts as random_starts
from ._params import set_params as set_params
