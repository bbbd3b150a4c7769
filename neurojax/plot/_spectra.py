"""Power spectra."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._traces import MAX_UNITS, _new_axes

if TYPE_CHECKING:
    from jaxtyping import ArrayLike, Float
    from matplotlib.axes import Axes


def spectrum(
    freqs: Float[ArrayLike, " freqs"],
    psd: Float[ArrayLike, " freqs *units"],
    *,
    ax: Axes | None = None,
    log: bool = True,
    fmax: float | None = None,
    ylabel: str = "PSD (signal² / Hz)",
) -> Axes:
    """Plots power spectral densities, e.g. from `nj.analysis.power_spectrum`.

    With up to 10 units, one line per unit, each unit's peak frequency in the legend; with
    more, every unit as a thin grey line and their mean in bold, the mean's peak marked.

    Args:
        freqs: frequencies (Hz), shape `(freqs,)`.
        psd: densities, shape `(freqs,)` or `(freqs, units)`.
        ax: axes to draw into; default a new figure.
        log: logarithmic power axis (the 0 Hz bin, often ~0 after detrending, is then left out).
        fmax: highest frequency shown (Hz); default the Nyquist frequency.
        ylabel: label of the power axis; name the signal's unit squared per Hz.

    Returns:
        The matplotlib `Axes`.

    Raises:
        ValueError: if the shapes do not match.
    """
    freqs = np.asarray(freqs, dtype=float)
    psd = np.asarray(psd, dtype=float)
    if freqs.ndim != 1 or psd.ndim not in (1, 2) or psd.shape[0] != freqs.shape[0]:
        raise ValueError(f"`freqs` must have shape (freqs,) and `psd` (freqs,) or (freqs, "
                         f"units) with the same first axis; got {freqs.shape} and {psd.shape}.")
    if psd.ndim == 1:
        psd = psd[:, None]
    keep = np.ones(freqs.shape, dtype=bool)
    if log:
        keep &= freqs > 0
    if fmax is not None:
        keep &= freqs <= fmax
    if not keep.any():
        raise ValueError(f"No frequency to show with fmax={fmax}, log={log}; `freqs` spans "
                         f"{freqs.min():g} to {freqs.max():g} Hz.")
    f, p = freqs[keep], psd[keep]
    if ax is None:
        ax = _new_axes((6.0, 3.5))

    n = p.shape[1]
    if 1 < n <= MAX_UNITS:
        for i in range(n):
            ax.plot(f, p[:, i], lw=1.2, label=f"unit {i}: peak {f[np.argmax(p[:, i])]:.3g} Hz")
        ax.legend(fontsize="small", framealpha=0.8, ncols=1 if n <= 5 else 2)
    else:
        if n > 1:
            ax.plot(f, p, lw=0.6, color="0.6", alpha=0.35)
        summary = p.mean(axis=1)
        ax.plot(f, summary, lw=2.0 if n > 1 else 1.5, color="C0",
                label=f"mean of {n} units" if n > 1 else None)
        peak = f[np.argmax(summary)]
        ax.axvline(peak, color="0.3", lw=0.8, ls="--")
        ax.text(peak, 0.97, f" peak {peak:.3g} Hz", transform=ax.get_xaxis_transform(),
                va="top", ha="left", fontsize="small", color="0.3")
        if n > 1:
            ax.legend(fontsize="small", framealpha=0.8)
    if log:
        ax.set_yscale("log")
    ax.set_xlim(min(0.0, f[0]), f[-1])
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.25, which="major")
    return ax
