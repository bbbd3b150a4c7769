"""Differentiable features of recorded voltage and calcium traces (`nj.fit.features`).

Every feature takes a trace, an array of shape `(time,)` or `(time, cells)` sampled every
`dt` ms, or a `Trajectory` (then `variable` names the recorded trace, and `dt` and the start
time come from its sample times). Features of a `(time, cells)` trace have one value per
cell. Times are in ms, rates in Hz, voltages in mV, calcium in µM.

Exact and smooth versions:
  - spike times are upward crossings of `threshold`, linearly interpolated between samples:
    piecewise smooth in the trace (and in model parameters, while no spike appears or
    vanishes), so burst period and duty cycle built from them are differentiable too;
  - the spike count is an integer; `spike_count(..., width=w)` replaces the step
    `H(v - threshold)` in the exact count `sum_i [H(v_{i+1} - thr) - H(v_i - thr)]_+` (the
    upward variation of the step) by the sigmoid `sigma((v - thr) / w)`. Each clean upward
    crossing then counts exactly 1 however it is sampled, once the trace goes well beyond
    `thr +- w` on both sides; `w -> 0` recovers the exact count;
  - the peak is `max`, or with a `temperature` T the soft maximum `T logsumexp(x / T)`, with
    `max(x) <= soft <= max(x) + T ln(time)`.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from .._trajectory import Trajectory
from ..core import is_concrete
from ._losses import trace_mse


def _trace(trace, dt, variable: str, feature: str):
    """`(values (time, cells), dt, t0, one_cell)` of an array or a `Trajectory`."""
    if isinstance(trace, Trajectory):
        values, t0 = trace[variable], trace.ts[0]
        dt = trace.ts[1] - trace.ts[0] if dt is None else dt
    else:
        values, t0 = jnp.asarray(trace), 0.0
    if values.ndim not in (1, 2) or values.shape[0] < 2:
        raise ValueError(f"{feature}: the trace must have shape (time,) or (time, cells) with "
                         f"at least 2 samples; got shape {values.shape}.")
    if dt is None:
        raise ValueError(f"{feature}: pass the sampling interval `dt` (ms) with an array "
                         f"trace, or pass a Trajectory.")
    if is_concrete(dt) and not float(dt) > 0:
        raise ValueError(f"{feature}: `dt` must be a positive sampling interval (ms); got {dt}.")
    values = jnp.asarray(values, dtype=jnp.result_type(float))
    one = values.ndim == 1
    return (values[:, None] if one else values), dt, t0, one


def _out(x, one: bool):
    """Drop the cell axis (the last) of a single-cell trace's feature."""
    return x[..., 0] if one else x


def _max_spikes(v, threshold, max_spikes, feature: str) -> int:
    if max_spikes is not None:
        if isinstance(max_spikes, bool) or not isinstance(max_spikes, int) or max_spikes < 1:
            raise ValueError(f"{feature}: `max_spikes` must be a positive integer; got "
                             f"{max_spikes!r}.")
        return max_spikes
    if not is_concrete(v):
        raise ValueError(f"{feature}: under jit/grad/vmap the number of spikes is not known; "
                         f"pass `max_spikes=` (an upper bound on the spikes per cell).")
    v = np.asarray(v)
    up = (v[:-1] < threshold) & (v[1:] >= threshold)
    return max(1, int(up.sum(axis=0).max()))


def _crossings(v, dt, t0, threshold, size):
    """Spike times of one cell (padded with nan to `size`) and their validity mask."""
    up = (v[:-1] < threshold) & (v[1:] >= threshold)
    idx = jnp.nonzero(up, size=size, fill_value=0)[0]
    valid = jnp.arange(size) < jnp.sum(up)
    v0, v1 = v[idx], v[idx + 1]
    fraction = (threshold - v0) / jnp.where(valid, v1 - v0, 1.0)
    return jnp.where(valid, t0 + dt * (idx + fraction), jnp.nan), valid


@functools.partial(jax.jit, static_argnums=4)
def _all_crossings(v, dt, t0, threshold, size):
    """Spike times of every cell (columns of `v`), shape `(size, cells)`."""
    return jax.vmap(_crossings, (1, None, None, None, None), 1)(v, dt, t0, threshold, size)[0]


def spike_times(trace, dt=None, *, threshold: float = 0.0, max_spikes: int | None = None,
                variable: str = "v"):
    """Spike times (ms): upward crossings of `threshold` (mV), linearly interpolated.

    Returns an array of shape `(max_spikes,)` or `(max_spikes, cells)`, in time order, padded
    with nan after each cell's last spike. `max_spikes` defaults to the largest count (it
    must be given under jit/grad/vmap). Differentiable in the trace (a spike time moves with
    the two samples around its crossing).
    """
    v, dt, t0, one = _trace(trace, dt, variable, "spike_times")
    size = _max_spikes(v, threshold, max_spikes, "spike_times")
    return _out(_all_crossings(v, dt, t0, threshold, size), one)


def spike_count(trace, dt=None, *, threshold: float = 0.0, width: float | None = None,
                variable: str = "v"):
    """The number of spikes (upward crossings of `threshold`, mV).

    With `width=None` the exact (integer-valued) count. With a `width` w (mV) the smooth
    count `sum_i [s(v_{i+1}) - s(v_i)]_+`, `s(v) = sigmoid((v - threshold) / w)`: the
    upward variation of a soft step, which counts a spike that rises monotonically from
    `threshold - 5w` to `threshold + 5w` as sigmoid(5) - sigmoid(-5) = 0.987 (1 - 2e-9 from
    `threshold -+ 20w`), whatever the sampling,
    and has gradients wherever the trace passes near the threshold. `dt` is not used (it is
    accepted for a uniform signature).
    """
    v, _, _, one = _trace(trace, 1.0 if dt is None else dt, variable, "spike_count")
    if width is None:
        step = (v >= threshold).astype(v.dtype)
    else:
        if is_concrete(width) and not float(width) > 0:
            raise ValueError(f"spike_count: `width` must be positive (mV); got {width}.")
        step = jax.nn.sigmoid((v - threshold) / width)
    return _out(jnp.sum(jax.nn.relu(jnp.diff(step, axis=0)), axis=0), one)


def firing_rate(trace, dt=None, *, threshold: float = 0.0, width: float | None = None,
                variable: str = "v"):
    """Mean firing frequency (Hz): `spike_count / duration`, the duration being
    `(time - 1) dt` ms. `width` as in `spike_count` (None: exact)."""
    v, dt, _, one = _trace(trace, dt, variable, "firing_rate")
    count = spike_count(v, dt, threshold=threshold, width=width)
    return _out(1e3 * count / ((v.shape[0] - 1) * dt), one)


def _bursts(times, valid, gap):
    """Burst statistics of one cell from its spike times: (period, duty cycle, spikes per
    burst), averaged over the complete bursts (those followed by another burst)."""
    size = times.shape[0]
    isi = jnp.diff(times)
    onset = valid & jnp.concatenate([jnp.ones(1, bool), ~(isi <= gap)])
    n_bursts = jnp.sum(onset)
    first = jnp.nonzero(onset, size=size, fill_value=0)[0]
    complete = jnp.arange(size) < n_bursts - 1
    nxt = jnp.where(complete, jnp.roll(first, -1), 0)
    start = times[first]
    period_b = jnp.where(complete, times[nxt] - start, 1.0)
    last = times[jnp.maximum(nxt - 1, 0)]
    duration_b = jnp.where(complete, last - start, 0.0)
    count_b = jnp.where(complete, nxt - first, 0)
    n = n_bursts - 1
    ok = n >= 1
    denominator = jnp.where(ok, n, 1)
    nan = jnp.nan
    period = jnp.where(ok, jnp.sum(jnp.where(complete, period_b, 0.0)) / denominator, nan)
    duty = jnp.where(ok, jnp.sum(duration_b / period_b) / denominator, nan)
    per_burst = jnp.where(ok, jnp.sum(count_b) / denominator, nan)
    return period, duty, per_burst


@functools.partial(jax.jit, static_argnums=4)
def _all_bursts(v, dt, t0, threshold, size, gap):
    """`_bursts` of every cell (columns of `v`)."""
    return jax.vmap(lambda x: _bursts(*_crossings(x, dt, t0, threshold, size), gap), 1)(v)


def burst_statistics(trace, dt=None, *, gap: float = 100.0, threshold: float = 0.0,
                     max_spikes: int | None = None, variable: str = "v"):
    """`{"period", "duty_cycle", "spikes_per_burst"}` of a bursting trace.

    Spikes (see `spike_times`) separated by more than `gap` ms start a new burst. Averaged
    over the complete bursts, those followed by another burst (the last may be cut off by
    the end of the trace; drop an initial transient by slicing the trace):
      - period (ms): time from a burst's first spike to the next burst's first spike;
      - duty cycle: the burst's duration (first to last spike) over its period;
      - spikes per burst: the number of spikes in a burst.

    nan for a cell with fewer than two bursts. Period and duty cycle are differentiable
    through the interpolated spike times; spikes per burst is integer-valued in each burst
    (see `spikes_per_burst` for a smooth version).
    """
    if is_concrete(gap) and not float(gap) > 0:
        raise ValueError(f"burst_statistics: `gap` must be positive (ms); got {gap}.")
    v, dt, t0, one = _trace(trace, dt, variable, "burst_statistics")
    size = _max_spikes(v, threshold, max_spikes, "burst_statistics")

    period, duty, per_burst = _all_bursts(v, dt, t0, threshold, size, gap)
    return {"period": _out(period, one), "duty_cycle": _out(duty, one),
            "spikes_per_burst": _out(per_burst, one)}


def burst_period(trace, dt=None, *, gap: float = 100.0, threshold: float = 0.0,
                 max_spikes: int | None = None, variable: str = "v"):
    """Mean burst period (ms); see `burst_statistics`."""
    return burst_statistics(trace, dt, gap=gap, threshold=threshold, max_spikes=max_spikes,
                            variable=variable)["period"]


def duty_cycle(trace, dt=None, *, gap: float = 100.0, threshold: float = 0.0,
               max_spikes: int | None = None, variable: str = "v"):
    """Mean fraction of the burst period spent in the burst; see `burst_statistics`."""
    return burst_statistics(trace, dt, gap=gap, threshold=threshold, max_spikes=max_spikes,
                            variable=variable)["duty_cycle"]


def spikes_per_burst(trace, dt=None, *, gap: float = 100.0, threshold: float = 0.0,
                     width: float | None = None, max_spikes: int | None = None,
                     variable: str = "v"):
    """Mean number of spikes per burst; see `burst_statistics`.

    With a `width` (mV), the smooth estimate `firing_rate(width) * period / 1000`: the
    smooth spike count per burst period, differentiable in both (equal to the exact value
    when the trace holds whole bursts only).
    """
    stats = burst_statistics(trace, dt, gap=gap, threshold=threshold, max_spikes=max_spikes,
                             variable=variable)
    if width is None:
        return stats["spikes_per_burst"]
    rate = firing_rate(trace, dt, threshold=threshold, width=width, variable=variable)
    return rate * stats["period"] / 1e3


def mean_calcium(trace, *, variable: str = "ca"):
    """Time average of a calcium trace (µM; any trace, per cell)."""
    x, _, _, one = _trace(trace, 1.0, variable, "mean_calcium")
    return _out(jnp.mean(x, axis=0), one)


def peak_calcium(trace, *, temperature: float | None = None, variable: str = "ca"):
    """Peak of a calcium trace (µM, per cell): the exact `max` (temperature None), or the
    soft maximum `T logsumexp(x / T)` at temperature `T` (µM), smooth in every sample and
    between `max(x)` and `max(x) + T ln(time)`."""
    x, _, _, one = _trace(trace, 1.0, variable, "peak_calcium")
    if temperature is None:
        return _out(jnp.max(x, axis=0), one)
    if is_concrete(temperature) and not float(temperature) > 0:
        raise ValueError(f"peak_calcium: `temperature` must be positive (µM); got "
                         f"{temperature}.")
    return _out(temperature * jax.nn.logsumexp(x / temperature, axis=0), one)


def resting_potential(trace, dt=None, *, window: float = 50.0, variable: str = "v"):
    """Resting membrane potential (mV): the mean of the last `window` ms of a quiescent
    trace (one that has settled, without input or spikes, by its end)."""
    v, dt, _, one = _trace(trace, dt, variable, "resting_potential")
    if not is_concrete(dt):
        raise ValueError("resting_potential: `dt` must be a concrete number (it sets the "
                         "number of samples averaged).")
    if not float(window) > 0:
        raise ValueError(f"resting_potential: `window` must be positive (ms); got {window}.")
    samples = max(1, min(v.shape[0], int(round(float(window) / float(dt))) + 1))
    return _out(jnp.mean(v[-samples:], axis=0), one)


def trace_distance(trace, target, *, variable: str = "v"):
    """Mean squared difference (mV² for voltage) between a trace and a target of the same
    shape (arrays, or a `Trajectory` and an array)."""
    x = trace[variable] if isinstance(trace, Trajectory) else trace
    y = target[variable] if isinstance(target, Trajectory) else target
    return trace_mse(x, y)
