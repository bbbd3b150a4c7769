"""Observation models: BOLD through the Balloon-Windkessel model, an EEG-like signal for neural
masses and an LFP proxy for spiking networks."""

from ._bold import BalloonWindkessel as BalloonWindkessel
from ._bold import attach_bold as attach_bold
from ._bold import bold as bold
from ._proxies import eeg as eeg
from ._proxies import lfp as lfp
from ._proxies import lfp_record as lfp_record
