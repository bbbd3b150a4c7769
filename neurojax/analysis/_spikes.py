"""Spike-train statistics: counts, population rates and interspike-interval variability."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float


def _as_spikes(spikes) -> jax.Array:
    spikes = jnp.asarray(spikes)
    if spikes.ndim != 2:
        raise ValueError(f"spikes must have shape (time, units); got {spikes.shape}.")
    return spikes


def spike_counts(spikes: Float[ArrayLike, "time units"]) -> Float[Array, " units"]:
    """Number of spikes of each unit."""
    return _as_spikes(spikes).sum(axis=0)


def firing_rate(spikes: Float[ArrayLike, "time units"], dt: float, *,
                window: float | None = None) -> Float[Array, " time"]:
    """Population firing rate (Hz): the fraction of units spiking per ms, times 1000,
    smoothed by a centred moving average of `window` ms (none by default). Differentiable
    (surrogate spikes carry gradients).

    Args:
        spikes: `(time, units)` spikes (0/1) as recorded, e.g. `traj["E.spike"]`.
        dt: sampling interval (ms) of `spikes`.
        window: width of the moving average (ms).
    """
    spikes = _as_spikes(spikes)
    dt = float(dt)
    if dt <= 0:
        raise ValueError(f"firing_rate: `dt` must be positive (ms); got {dt}.")
    rate = spikes.mean(axis=1) / dt * 1000.0
    if window is None:
        return rate
    width = int(round(window / dt))
    if width < 1 or width > rate.shape[0]:
        raise ValueError(f"firing_rate: `window` ({window} ms) must cover between one sample "
                         f"({dt} ms) and the whole recording ({rate.shape[0] * dt} ms).")
    kernel = jnp.ones((width,), rate.dtype) / width
    return jnp.convolve(rate, kernel, mode="same")


def isi_cv(spikes: ArrayLike, dt: float) -> np.ndarray:
    """Coefficient of variation of the interspike intervals of each unit (std / mean); NaN
    for units with fewer than three spikes. 0 for a regular train, about 1 for Poisson."""
    spikes = np.asarray(spikes)
    if spikes.ndim != 2:
        raise ValueError(f"isi_cv: spikes must have shape (time, units); got {spikes.shape}.")
    out = np.full(spikes.shape[1], np.nan)
    for unit in range(spikes.shape[1]):
        times = np.flatnonzero(spikes[:, unit] > 0) * float(dt)
        if times.size >= 3:
            isi = np.diff(times)
            out[unit] = isi.std() / isi.mean()
    return out
