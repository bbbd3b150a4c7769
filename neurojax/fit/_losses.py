"""Losses and data features for fitting: functions of arrays, and `Loss` objects that bind a
recorded variable and a target so that terms can be weighted and summed.

Every loss is pure JAX and differentiable with respect to the simulated signal (through
`nj.simulate`, with respect to the model's parameters). Shapes are checked when the loss is
built or called (also under jit, where shapes are known), with messages that say what was
expected.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from .._trajectory import Trajectory
from ..analysis import fc_correlation, fcd, firing_rate, functional_connectivity, power_spectrum
from ..analysis._connectivity import sorted_fcd_values
from ..core import as_float_array


def _same_shape(what: str, simulated, target) -> None:
    if np.shape(simulated) != np.shape(target):
        raise ValueError(f"{what}: the data have shape {np.shape(target)}, but the simulation "
                         f"gives shape {np.shape(simulated)}; pass data of shape "
                         f"{np.shape(simulated)} (time samples, units), sampled like the "
                         f"simulation (`sample_every`, duration).")


# ---------------------------------------------------------------- functions of arrays
def trace_mse(simulated: Float[ArrayLike, " ..."], target: Float[ArrayLike, " ..."]
              ) -> Float[Array, ""]:
    """Mean squared error between a simulated trace and a target of the same shape."""
    simulated, target = as_float_array(simulated), as_float_array(target)
    _same_shape("trace_mse", simulated, target)
    return jnp.mean((simulated - target) ** 2)


def spike_count_mse(spikes: Float[ArrayLike, "time units"],
                    target: Float[ArrayLike, "*units"]) -> Float[Array, ""]:
    """Mean squared difference between each unit's spike count and `target` (a count per
    unit, or one count for all). Differentiable through surrogate spikes."""
    spikes = as_float_array(spikes)
    if spikes.ndim != 2:
        raise ValueError(f"spike_count_mse: spikes must have shape (time, units); got "
                         f"{spikes.shape}.")
    target = as_float_array(target)
    if target.shape not in ((), (1,), (spikes.shape[1],)):
        raise ValueError(f"spike_count_mse: `target` has shape {target.shape}; pass one count "
                         f"or one per unit, shape ({spikes.shape[1]},).")
    return jnp.mean((jnp.sum(spikes, axis=0) - target) ** 2)


def rate_mse(spikes: Float[ArrayLike, "time units"], dt: float, target: float
             ) -> Float[Array, ""]:
    """Squared difference (Hz^2) between the population's mean firing rate and `target`
    (Hz). `dt` is the sampling interval of `spikes` (ms)."""
    rate = jnp.mean(firing_rate(spikes, dt))
    target = as_float_array(target)
    if target.ndim != 0:
        raise ValueError(f"rate_mse: `target` must be one rate (Hz); got shape {target.shape}.")
    return (rate - target) ** 2


def log_spectrum(x: Float[ArrayLike, " time *units"], dt: float, *, fmin: float = 0.0,
                 fmax: float | None = None, nperseg: int | None = None,
                 floor: float = 1e-12) -> tuple[Float[Array, " freqs"],
                                                Float[Array, " freqs *units"]]:
    """`log10` of the Welch power spectrum (`nj.analysis.power_spectrum`) within
    [`fmin`, `fmax`] Hz: a differentiable data feature.

    Args:
        x: signal `(time,)` or `(time, units)`, sampled every `dt` ms.
        dt: sampling interval (ms).
        fmin, fmax: band (Hz), inclusive; default everything up to the Nyquist frequency.
        nperseg: samples per Welch segment (default 1 s of signal).
        floor: added to the power before the log ((unit of x)^2 / Hz), so that bands with
            no power stay finite.

    Returns:
        `(freqs, log10 psd)` in the band.
    """
    n = np.shape(x)[0]
    if nperseg is None:  # power_spectrum's default: 1 s of signal, or all of it if shorter
        nperseg = max(min(n, round(1000.0 / float(dt))), 1)
    _, psd = power_spectrum(x, dt, nperseg=nperseg)
    freqs = np.fft.rfftfreq(nperseg, d=float(dt) / 1000.0)  # concrete, also under jit
    fmax = float(freqs[-1]) if fmax is None else fmax
    band = np.flatnonzero((freqs >= fmin) & (freqs <= fmax))
    if band.size == 0:
        raise ValueError(f"log_spectrum: no frequency in [{fmin}, {fmax}] Hz; the spectrum "
                         f"has {len(freqs)} bins from 0 to {freqs[-1]:g} Hz.")
    return jnp.asarray(freqs[band], psd.dtype), jnp.log10(psd[band] + floor)


def spectrum_distance(x: Float[ArrayLike, " time *units"], dt: float,
                      target_psd: Float[ArrayLike, " freqs *units"], *, fmin: float = 0.0,
                      fmax: float | None = None, nperseg: int | None = None,
                      floor: float = 1e-12) -> Float[Array, ""]:
    """Mean squared difference between the log10 power spectra of `x` and the target.

    Args:
        x: simulated signal `(time,)` or `(time, units)`, sampled every `dt` ms.
        dt: sampling interval (ms).
        target_psd: the target's power spectral density (not its log) in the same band and
            at the same frequencies, e.g. `nj.analysis.power_spectrum(data, dt)[1]`
            restricted to [`fmin`, `fmax`].
        fmin, fmax, nperseg, floor: as in `log_spectrum`.
    """
    _, log_psd = log_spectrum(x, dt, fmin=fmin, fmax=fmax, nperseg=nperseg, floor=floor)
    target = as_float_array(target_psd)
    if target.shape != log_psd.shape:
        raise ValueError(f"spectrum_distance: `target_psd` has shape {target.shape}, but the "
                         f"simulated spectrum in [{fmin}, {fmax}] Hz has shape "
                         f"{log_psd.shape}; compute the target with the same `dt`, `nperseg` "
                         f"and band.")
    return jnp.mean((log_psd - jnp.log10(target + floor)) ** 2)


def fc_loss(x: Float[ArrayLike, "time units"], target_fc: Float[ArrayLike, "units units"], *,
            transient: int = 0) -> Float[Array, ""]:
    """`1 - corr(FC(x), target FC)`: 0 for a perfect FC pattern, up to 2.

    Args:
        x: simulated signals `(time, units)` (e.g. BOLD from `nj.observe.bold`).
        target_fc: empirical FC `(units, units)`.
        transient: initial samples of `x` to drop.
    """
    x = as_float_array(x)
    target = as_float_array(target_fc)
    if x.ndim != 2 or target.shape != (x.shape[-1],) * 2:
        raise ValueError(f"fc_loss: `target_fc` has shape {target.shape}, but the simulated "
                         f"signals have shape {x.shape} (time, units); pass an FC matrix of "
                         f"shape ({x.shape[-1]}, {x.shape[-1]}) over the same units.")
    return 1.0 - fc_correlation(functional_connectivity(x, transient=transient), target)


def fcd_distance(fcd_a: Float[ArrayLike, "m m"], fcd_b: Float[ArrayLike, "k k"]
                 ) -> Float[Array, ""]:
    """Wasserstein-1 (earth mover's) distance between the distributions of two FCD
    matrices' values (their upper triangles), as `scipy.stats.wasserstein_distance`.

    The differentiable counterpart of `nj.analysis.fcd_ks` (whose statistic is piecewise
    constant): both compare the statistics of FC switching, not time courses, so runs of
    different lengths and noise realisations can be compared. Computed exactly as the
    integral of |Q_a(u) - Q_b(u)| over u in (0, 1), the empirical quantile functions being
    step functions.
    """
    a, b = sorted_fcd_values(fcd_a, fcd_b, caller="fcd_distance")
    steps = np.union1d(np.arange(a.size + 1) / a.size, np.arange(b.size + 1) / b.size)
    middle = 0.5 * (steps[1:] + steps[:-1])
    ia = np.minimum((middle * a.size).astype(int), a.size - 1)
    ib = np.minimum((middle * b.size).astype(int), b.size - 1)
    return jnp.sum(np.diff(steps) * jnp.abs(a[ia] - b[ib]))


# ---------------------------------------------------------------- Loss objects
class Loss(eqx.Module):
    """A loss on a `Trajectory`: `loss(traj) -> scalar`. Losses add and scale:
    `TraceMSE("x", data) + 0.1 * SpectrumLoss("x", psd, dt=1.0)`."""

    @abc.abstractmethod
    def __call__(self, traj: Trajectory) -> Float[Array, ""]:
        """The loss of a simulated trajectory."""

    def terms(self, traj: Trajectory) -> dict[str, Float[Array, ""]]:
        """Each weighted term's (unweighted) value, by a readable label."""
        return {_label(self): self(traj)}

    def __add__(self, other: Loss) -> Loss:
        if not isinstance(other, Loss):
            return NotImplemented
        return WeightedSum(_as_terms(self) + _as_terms(other))

    def __mul__(self, weight: float) -> Loss:
        if not isinstance(weight, int | float) or not math.isfinite(weight) or weight < 0:
            raise ValueError(f"A loss can only be scaled by a finite non-negative number; "
                             f"got {weight!r}.")
        return WeightedSum(tuple((w * weight, t) for w, t in _as_terms(self)))

    __rmul__ = __mul__


def _label(loss: Loss) -> str:
    variable = getattr(loss, "variable", "")
    return f"{type(loss).__name__}({variable})"


def _as_terms(loss: Loss) -> tuple[tuple[float, Loss], ...]:
    return loss.weighted if isinstance(loss, WeightedSum) else ((1.0, loss),)


class WeightedSum(Loss):
    """`sum_k w_k L_k(traj)`; build it with `+` and `*` on losses, or `weighted_sum`."""

    weighted: tuple[tuple[float, Loss], ...]

    def __call__(self, traj):
        return sum(w * loss(traj) for w, loss in self.weighted)

    def terms(self, traj):
        out = {}
        for w, loss in self.weighted:
            for label, value in loss.terms(traj).items():
                out[f"{w:g} x {label}"] = value
        return out


def weighted_sum(terms: Sequence[tuple[float, Loss]]) -> Loss:
    """A weighted sum of losses, from `[(weight, loss), ...]`."""
    total = None
    for w, loss in terms:
        if not isinstance(loss, Loss):
            raise TypeError(f"weighted_sum: terms must be (weight, nj.fit Loss) pairs; got "
                            f"{type(loss).__name__}.")
        total = w * loss if total is None else total + w * loss
    if total is None:
        raise ValueError("weighted_sum: no terms given.")
    return total


class TraceMSE(Loss):
    """Mean squared error between the recorded `variable` and `target` (time, units)."""

    variable: str = eqx.field(static=True)
    target: jax.Array = eqx.field(converter=as_float_array)

    def __call__(self, traj):
        return trace_mse(traj[self.variable], self.target)


class SpikeCountLoss(Loss):
    """Mean squared difference of each unit's spike count from `target`."""

    variable: str = eqx.field(static=True)
    target: jax.Array = eqx.field(converter=as_float_array)

    def __call__(self, traj):
        return spike_count_mse(traj[self.variable], self.target)


class RateLoss(Loss):
    """Squared difference of the population's mean firing rate from `target` (Hz); `dt`
    is the sampling interval of the recorded spikes (ms)."""

    variable: str = eqx.field(static=True)
    target: jax.Array = eqx.field(converter=as_float_array)
    dt: float = eqx.field(static=True)

    def __call__(self, traj):
        return rate_mse(traj[self.variable], self.dt, self.target)


class SpectrumLoss(Loss):
    """Distance between the log10 power spectrum of `variable` and `target_psd`
    (`spectrum_distance`); `dt` is the record's sampling interval (ms), `transient` the
    number of initial samples dropped."""

    variable: str = eqx.field(static=True)
    target_psd: jax.Array = eqx.field(converter=as_float_array)
    dt: float = eqx.field(static=True)
    fmin: float = eqx.field(static=True, default=0.0)
    fmax: float | None = eqx.field(static=True, default=None)
    nperseg: int | None = eqx.field(static=True, default=None)
    transient: int = eqx.field(static=True, default=0)

    def __call__(self, traj):
        return spectrum_distance(traj[self.variable][self.transient:], self.dt,
                                 self.target_psd, fmin=self.fmin, fmax=self.fmax,
                                 nperseg=self.nperseg)


class FCLoss(Loss):
    """`1 - corr(FC, target_fc)` of the recorded `variable` (`fc_loss`)."""

    variable: str = eqx.field(static=True)
    target_fc: jax.Array = eqx.field(converter=as_float_array)
    transient: int = eqx.field(static=True, default=0)

    def __call__(self, traj):
        return fc_loss(traj[self.variable], self.target_fc, transient=self.transient)


class FCDLoss(Loss):
    """Wasserstein distance between the FCD value distributions of `variable` and
    `target_fcd` (`fcd_distance`), windows of `window` samples every `step`."""

    variable: str = eqx.field(static=True)
    target_fcd: jax.Array = eqx.field(converter=as_float_array)
    window: int = eqx.field(static=True)
    step: int = eqx.field(static=True)
    transient: int = eqx.field(static=True, default=0)

    def __call__(self, traj):
        return fcd_distance(fcd(traj[self.variable], window=self.window, step=self.step,
                                transient=self.transient), self.target_fcd)
