"""Power spectral density (Welch's method) and the dominant frequency.

Pure JAX, jit-able and differentiable with respect to the signal (for spectral losses). Time
steps are in ms, frequencies in Hz.
"""

from __future__ import annotations

import functools
from typing import Literal

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from ..core import as_float_array, is_concrete
from ._connectivity import _check_count

Window = Literal["hann", "hamming", "blackman", "boxcar"]
Detrend = Literal["constant", "linear"]

_WINDOWS: dict[str, tuple[float, ...]] = {
    # Cosine-sum coefficients a_k of w[n] = sum_k (-1)^k a_k cos(2 pi k n / N), periodic
    # ("DFT-even") as scipy.signal.get_window returns them for spectral analysis.
    "hann": (0.5, 0.5),
    "hamming": (0.54, 0.46),
    "blackman": (0.42, 0.5, 0.08),
    "boxcar": (1.0,),
}


def _window(window, nperseg: int) -> np.ndarray:
    if isinstance(window, str):
        if window not in _WINDOWS:
            raise ValueError(f"`window` must be one of {sorted(_WINDOWS)} or an array of length "
                             f"`nperseg`; got {window!r}.")
        phase = 2 * np.pi * np.arange(nperseg) / nperseg
        return sum((-1) ** k * a * np.cos(k * phase) for k, a in enumerate(_WINDOWS[window]))
    w = np.asarray(window, dtype=np.float64)
    if w.shape != (nperseg,):
        raise ValueError(f"An array `window` must have shape (nperseg,) = ({nperseg},); got "
                         f"{w.shape}.")
    return w


def _as_dt(dt) -> float:
    if not is_concrete(dt):
        raise TypeError("`dt` must be a concrete number (ms), not a traced value: pass it as a "
                        "Python float or close over it instead of making it a jit argument.")
    try:
        dt = float(dt)
    except (TypeError, ValueError) as e:
        raise TypeError(f"`dt` must be a number (ms); got {dt!r}.") from e
    if not dt > 0 or not np.isfinite(dt):
        raise ValueError(f"`dt` must be a positive sampling interval (ms); got {dt}.")
    return dt


def power_spectrum(
    x: Float[ArrayLike, " time *units"],
    dt: float,
    *,
    nperseg: int | None = None,
    noverlap: int | None = None,
    window: Window | Float[ArrayLike, " nperseg"] = "hann",
    detrend: Detrend | None = "constant",
) -> tuple[Float[Array, " freqs"], Float[Array, " freqs *units"]]:
    r"""Power spectral density by Welch's method: the average periodogram of overlapping,
    windowed segments.

    For segments $x_s$ of `nperseg` samples, window $w$ and sampling rate $f_s = 1000/dt$ Hz,

    $$P(f_k) = \frac{c_k}{S f_s \sum_n w_n^2} \sum_s \Big|\sum_n w_n x_{s,n}
      e^{-2\pi i k n / N}\Big|^2,$$

    with $c_k = 2$ except at 0 Hz and the Nyquist frequency ($c_k = 1$): the one-sided density,
    so that integrating $P$ over frequency gives the signal's variance. The result equals
    `scipy.signal.welch(x, fs=1000 / dt, nperseg=nperseg, noverlap=noverlap, window=window,
    detrend=detrend, axis=0)` (density scaling, mean average). Samples after the last full
    segment are not used.

    Args:
        x: signal, shape `(time,)` or `(time, units)` (e.g. `traj["x"]`), sampled every `dt`.
        dt: sampling interval (ms); a concrete number, not traced.
        nperseg: samples per segment; the frequency resolution is `1000 / (nperseg * dt)` Hz.
            Default: 1 s of signal (1 Hz resolution), or the whole signal if shorter. (scipy's
            default of 256 samples would give 39 Hz resolution at `dt` = 0.1 ms.)
        noverlap: samples shared by consecutive segments, in [0, nperseg). Default
            `nperseg // 2`.
        window: taper applied to each segment: `"hann"`, `"hamming"`, `"blackman"`, `"boxcar"`
            (periodic forms, as scipy uses), or an array of `nperseg` weights.
        detrend: removed from each segment before tapering: `"constant"` (its mean),
            `"linear"` (its least-squares line) or None.

    Returns:
        `(freqs, psd)`: `freqs` (Hz), shape `(nperseg // 2 + 1,)`, from 0 to the Nyquist
        frequency; `psd` in (unit of x)^2 / Hz, shape `(freqs,)` or `(freqs, units)`.

    Raises:
        ValueError: if `x` is not 1-D or 2-D, `dt` is not positive, `nperseg` exceeds the
            signal length, or `noverlap` is outside [0, nperseg).

    References:
        Welch (1967), The use of fast Fourier transform for the estimation of power spectra,
        IEEE Trans. Audio Electroacoust. 15:70.
    """
    x = as_float_array(x)
    if x.ndim not in (1, 2):
        raise ValueError(f"`x` must have shape (time,) or (time, units); got shape {x.shape}.")
    dt = _as_dt(dt)
    n = x.shape[0]
    if nperseg is None:
        nperseg = max(min(n, round(1000.0 / dt)), 1)
    nperseg = _check_count(nperseg, "nperseg", minimum=1)
    if nperseg > n:
        raise ValueError(f"`nperseg`={nperseg} is longer than the signal ({n} samples = "
                         f"{n * dt:g} ms at dt={dt:g} ms). Pass nperseg <= {n}, or a longer "
                         f"signal.")
    noverlap = nperseg // 2 if noverlap is None else _check_count(noverlap, "noverlap", minimum=0)
    if noverlap >= nperseg:
        raise ValueError(f"`noverlap`={noverlap} must be smaller than `nperseg`={nperseg}.")
    if detrend not in ("constant", "linear", None):
        raise ValueError(f"`detrend` must be 'constant', 'linear' or None; got {detrend!r}.")
    w = _window(window, nperseg)

    fs = 1000.0 / dt
    one_sided = np.full(nperseg // 2 + 1, 2.0)
    one_sided[0] = 1.0
    if nperseg % 2 == 0:
        one_sided[-1] = 1.0
    scale = one_sided / (fs * np.sum(w**2))
    psd = _welch(x, jnp.asarray(w, x.dtype), jnp.asarray(scale, x.dtype), nperseg=nperseg,
                 noverlap=noverlap, detrend=detrend)
    freqs = jnp.asarray(np.fft.rfftfreq(nperseg, d=dt / 1000.0), dtype=x.dtype)
    return freqs, psd


@functools.partial(jax.jit, static_argnames=("nperseg", "noverlap", "detrend"))
def _welch(x, w, scale, *, nperseg: int, noverlap: int, detrend: Detrend | None):
    """Welch's average of windowed periodograms along axis 0, times `scale` (per frequency)."""
    step = nperseg - noverlap
    n_segments = (x.shape[0] - noverlap) // step
    starts = step * np.arange(n_segments)
    segments = x[starts[:, None] + np.arange(nperseg)]  # (segments, nperseg, *units)
    trailing = (1,) * (x.ndim - 1)
    if detrend is not None:
        segments = segments - jnp.mean(segments, axis=1, keepdims=True)
    if detrend == "linear":
        t = np.arange(nperseg) - (nperseg - 1) / 2
        norm = max(float(np.sum(t**2)), 1.0)  # 0 only for nperseg = 1, where t = 0
        t = jnp.asarray(t.reshape((1, nperseg) + trailing), dtype=x.dtype)
        segments = segments - jnp.sum(t * segments, axis=1, keepdims=True) / norm * t
    spectra = jnp.fft.rfft(segments * w.reshape((1, nperseg) + trailing), axis=1)
    power = jnp.mean(jnp.real(spectra) ** 2 + jnp.imag(spectra) ** 2, axis=0)
    return power * scale.reshape((-1,) + trailing)


def peak_frequency(
    freqs: Float[ArrayLike, " freqs"],
    psd: Float[ArrayLike, " freqs *units"],
    *,
    fmin: float | None = None,
    fmax: float | None = None,
) -> Float[Array, "*units"]:
    """The frequency of maximal power, optionally within a band.

    Args:
        freqs: frequencies (Hz), shape `(freqs,)`, e.g. from `power_spectrum`.
        psd: power at those frequencies, shape `(freqs,)` or `(freqs, units)`.
        fmin, fmax: band limits (Hz, inclusive); default the whole range. Set `fmin` above
            0 to ignore slow drifts.

    Returns:
        The peak frequency (Hz): a scalar, or one per unit. Its resolution is the spacing of
        `freqs`; being an argmax, it is piecewise constant and has no useful gradient (fit a
        spectrum with a loss on `psd` itself instead).

    Raises:
        ValueError: if the shapes do not match, `fmin` >= `fmax`, or no frequency lies in the
            band.
    """
    freqs, psd = as_float_array(freqs), as_float_array(psd)
    if freqs.ndim != 1 or psd.ndim not in (1, 2) or psd.shape[0] != freqs.shape[0]:
        raise ValueError(f"`freqs` must have shape (freqs,) and `psd` (freqs,) or (freqs, "
                         f"units) with the same first axis; got {freqs.shape} and {psd.shape}.")
    if fmin is not None and fmax is not None and not fmin < fmax:
        raise ValueError(f"`fmin` must be below `fmax` (Hz); got fmin={fmin}, fmax={fmax}.")
    in_band = jnp.ones(freqs.shape, dtype=bool)
    if fmin is not None:
        in_band &= freqs >= fmin
    if fmax is not None:
        in_band &= freqs <= fmax
    if is_concrete(in_band) and not bool(jnp.any(in_band)):
        raise ValueError(f"No frequency lies in the band [{fmin}, {fmax}] Hz; `freqs` spans "
                         f"{float(freqs.min()):g} to {float(freqs.max()):g} Hz.")
    band = in_band.reshape((-1,) + (1,) * (psd.ndim - 1))
    masked = jnp.where(band, psd, -jnp.inf)
    return jax.lax.stop_gradient(freqs[jnp.argmax(masked, axis=0)])
