"""Functional connectivity (FC), its fit score, and FC dynamics (FCD).

Every function here is pure JAX: jit-able, vmappable and differentiable, so that it can be used
inside a fitting loss. Signals are laid out time first, `(time, units)`, like `Trajectory`.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from ..core import as_float_array


def _check_count(value, name: str, *, minimum: int) -> int:
    """`value` as a Python int >= `minimum`, or a ValueError naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"`{name}` must be an int (a number of samples); got {value!r}.")
    if value < minimum:
        raise ValueError(f"`{name}` must be >= {minimum} samples; got {value}.")
    return int(value)


def _standardise(x: Float[Array, "time units"]) -> Float[Array, "time units"]:
    """Columns centred and scaled to unit norm; constant columns become exactly zero.

    The first sample is subtracted before the mean so that a constant column is exactly zero
    after centring (and less cancellation for signals with a large offset). The double `where`
    keeps the square root away from zero, so gradients stay finite for constant columns.
    """
    xc = x - x[:1]
    xc = xc - jnp.mean(xc, axis=0, keepdims=True)
    ss = jnp.sum(xc**2, axis=0, keepdims=True)
    varies = ss > 0
    safe_ss = jnp.where(varies, ss, 1.0)
    return jnp.where(varies, xc / jnp.sqrt(safe_ss), 0.0)


@jax.jit
def _correlation_matrix(x: Float[Array, "time units"]) -> Float[Array, "units units"]:
    z = _standardise(x)
    fc = jnp.clip(z.T @ z, -1.0, 1.0)
    return jnp.where(jnp.eye(x.shape[1], dtype=bool), 1.0, fc).astype(x.dtype)


def _upper_triangle(m: Float[Array, "... n n"]) -> Float[Array, "... pairs"]:
    rows, cols = np.triu_indices(m.shape[-1], k=1)
    return m[..., rows, cols]


def functional_connectivity(
    x: Float[ArrayLike, "time units"], *, transient: int = 0
) -> Float[Array, "units units"]:
    r"""Functional connectivity: the Pearson correlation between every pair of units over time.

    $$\mathrm{FC}_{ij} = \frac{\sum_t (x_{ti} - \bar x_i)(x_{tj} - \bar x_j)}
      {\sqrt{\sum_t (x_{ti} - \bar x_i)^2 \sum_t (x_{tj} - \bar x_j)^2}}$$

    Equal to `numpy.corrcoef(x[transient:], rowvar=False)` where every unit varies. A unit
    that is constant over the window has no defined correlation: its off-diagonal entries are
    0 (not NaN), and its gradient is finite (zero). The diagonal is always exactly 1.

    Args:
        x: signals, shape `(time, units)`, e.g. `traj["x"]` (any unit; the result is unitless).
        transient: number of initial samples to drop (e.g. the model settling from its
            initial state); a number of samples, not ms: `int(transient_ms / dt)`.

    Returns:
        The `(units, units)` symmetric correlation matrix, in [-1, 1].

    Raises:
        ValueError: if `x` is not 2-D, or fewer than 2 samples remain after `transient`.
    """
    x = as_float_array(x)
    if x.ndim != 2:
        raise ValueError(f"`x` must have shape (time, units); got shape {x.shape}. For a single "
                         f"recording of several units, stack them as columns.")
    transient = _check_count(transient, "transient", minimum=0)
    if x.shape[0] - transient < 2:
        raise ValueError(f"`x` has {x.shape[0]} samples; after dropping `transient`={transient} "
                         f"fewer than 2 remain. Pass a longer signal or a smaller `transient`.")
    return _correlation_matrix(x[transient:])


def fc_correlation(
    fc_a: Float[ArrayLike, "n n"], fc_b: Float[ArrayLike, "n n"]
) -> Float[Array, ""]:
    """Pearson correlation between the upper triangles (above the diagonal) of two FC matrices.

    The usual score of a whole-brain model: how well simulated FC matches empirical FC
    (1 = identical pattern up to offset and scale). If either triangle is constant the score is
    0, with a finite gradient.

    Args:
        fc_a, fc_b: square matrices of the same shape `(n, n)`, n >= 3.

    Returns:
        A scalar in [-1, 1].

    Raises:
        ValueError: if the shapes differ or are not square with n >= 3.
    """
    fc_a, fc_b = as_float_array(fc_a), as_float_array(fc_b)
    if fc_a.shape != fc_b.shape:
        raise ValueError(f"`fc_a` and `fc_b` must have the same shape; got {fc_a.shape} and "
                         f"{fc_b.shape}. Both must be (regions, regions) over the same regions.")
    if fc_a.ndim != 2 or fc_a.shape[0] != fc_a.shape[1] or fc_a.shape[0] < 3:
        raise ValueError(f"FC matrices must be square with at least 3 regions (so the upper "
                         f"triangle has 2+ entries); got shape {fc_a.shape}.")
    return _fc_correlation(fc_a, fc_b)


@jax.jit
def _fc_correlation(fc_a, fc_b):
    dtype = jnp.result_type(fc_a, fc_b)
    pairs = jnp.stack([_upper_triangle(fc_a), _upper_triangle(fc_b)], axis=1).astype(dtype)
    return _correlation_matrix(pairs)[0, 1]


def fcd(
    x: Float[ArrayLike, "time units"], *, window: int, step: int, transient: int = 0
) -> Float[Array, "windows windows"]:
    """Functional connectivity dynamics: how FC in one time window resembles FC in another.

    The signal is cut into windows of `window` samples starting every `step` samples; the FC
    of each window is computed, and entry `(i, j)` of the result is the Pearson correlation
    between the upper triangles of window i's and window j's FC (Hansen et al. 2015). Windows
    that do not fit entirely in the signal are dropped.

    Args:
        x: signals, shape `(time, units)` with units >= 3.
        window: window length in samples (>= 2). For a window of `w` ms sampled every `dt`
            ms, pass `round(w / dt)`; for BOLD at TR 0.72 s, 30 to 83 volumes (~20-60 s) are
            typical.
        step: distance between window starts in samples (>= 1).
        transient: number of initial samples to drop before windowing.

    Returns:
        The symmetric `(windows, windows)` FCD matrix with ones on the diagonal, where
        `windows = (time - transient - window) // step + 1`.

    Raises:
        ValueError: if `x` is not 2-D with 3+ units, or shorter than one window.

    References:
        Hansen, Battaglia, Spiegler, Deco & Jirsa (2015), Functional connectivity dynamics:
        modeling the switching behavior of the resting state, NeuroImage 105:525.
    """
    x = as_float_array(x)
    if x.ndim != 2 or x.shape[1] < 3:
        raise ValueError(f"`x` must have shape (time, units) with at least 3 units; got shape "
                         f"{x.shape}.")
    window = _check_count(window, "window", minimum=2)
    step = _check_count(step, "step", minimum=1)
    transient = _check_count(transient, "transient", minimum=0)
    length = x.shape[0] - transient
    if length < window:
        raise ValueError(f"`window`={window} samples is longer than the signal ({length} samples "
                         f"after `transient`={transient}). Pass a smaller window or a longer "
                         f"signal.")
    return _fcd(x, window=window, step=step, transient=transient)


@functools.partial(jax.jit, static_argnames=("window", "step", "transient"))
def _fcd(x, *, window: int, step: int, transient: int):
    n_windows = (x.shape[0] - transient - window) // step + 1
    starts = transient + step * np.arange(n_windows)
    segments = x[starts[:, None] + np.arange(window)]  # (windows, window, units)
    fcs = jax.vmap(_correlation_matrix)(segments)
    return _correlation_matrix(_upper_triangle(fcs).T)


def fcd_ks(
    fcd_a: Float[ArrayLike, "m m"], fcd_b: Float[ArrayLike, "k k"]
) -> Float[Array, ""]:
    """Kolmogorov-Smirnov distance between the distributions of two FCD matrices' values.

    The largest difference between the empirical cumulative distributions of the upper
    triangles (above the diagonal) of `fcd_a` and `fcd_b`, as in `scipy.stats.ks_2samp`; the
    matrices may have different sizes (runs of different lengths). 0 means identical
    distributions, 1 disjoint ones. It compares statistics of FC switching, not time courses,
    so it suits a stochastic model compared with a recording.

    The statistic is piecewise constant in the FCD values, so its gradient is zero almost
    everywhere: use it to score or select models, not as a gradient-descent loss.

    Args:
        fcd_a, fcd_b: square FCD matrices (e.g. from `fcd`), each at least 2 x 2.

    Returns:
        A scalar in [0, 1].

    Raises:
        ValueError: if either matrix is not square and at least 2 x 2.
    """
    return _ks_statistic(*sorted_fcd_values(fcd_a, fcd_b, caller="fcd_ks"))


def sorted_fcd_values(fcd_a, fcd_b, *, caller: str) -> tuple[Array, Array]:
    """The sorted upper-triangle values of two FCD matrices, after checking that each is
    square and at least 2 x 2 (the error names `caller`)."""
    values = []
    for name, m in (("fcd_a", fcd_a), ("fcd_b", fcd_b)):
        m = as_float_array(m)
        if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] < 2:
            raise ValueError(f"{caller}: `{name}` must be a square FCD matrix at least 2 x 2; "
                             f"got shape {m.shape}.")
        values.append(jnp.sort(_upper_triangle(m)))
    return values[0], values[1]


@jax.jit
def _ks_statistic(a, b):
    both = jnp.concatenate([a, b])
    # max |count_a / n_a - count_b / n_b|, with one division at the end (exactly 0 for a == b).
    count_a = jnp.searchsorted(a, both, side="right").astype(both.dtype)
    count_b = jnp.searchsorted(b, both, side="right").astype(both.dtype)
    return jnp.max(jnp.abs(count_a * b.size - count_b * a.size)) / (a.size * b.size)
