"""Parts shared by integrate-and-fire populations: the refractory clamp, threshold and reset,
the exponential spike current and the checks of reset, peak and exponent."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..core import is_concrete
from ..core._surrogate import AbstractSurrogate

#: The largest exponent (v_peak - v_T) / Delta_T of an exponential spike current: e^40 (about
#: 2e17) keeps the current and one exponential-Euler step from it finite in float32.
MAX_EXPONENT = 40.0


#: Remaining refractory time (ms) below which a unit counts as free again: the countdown
#: `t_ref - dt - dt - ...` stops a few float32 roundings (1e-6 ms) short of 0, which must not
#: hold the unit for one more step.
REFRACTORY_TOLERANCE = 1e-3


def is_free(t_ref: jax.Array) -> jax.Array:
    """Whether units with remaining refractory time `t_ref` (ms) are no longer refractory."""
    return t_ref <= REFRACTORY_TOLERANCE


def hold_while_refractory(t_ref: jax.Array, dv: jax.Array) -> tuple[jax.Array, jax.Array]:
    """The derivatives of `v` and `t_ref`: `v` is held (dv = 0) while `t_ref > 0`, and the
    remaining refractory time `t_ref` (ms) counts down."""
    free = is_free(t_ref)
    return jnp.where(free, dv, 0.0), jnp.where(free, 0.0, -1.0)


def spike_and_reset(surrogate: AbstractSurrogate, v: jax.Array, v_peak, v_reset,
                    free: jax.Array | None = None) -> tuple[jax.Array, jax.Array]:
    """Spikes where `v >= v_peak` (and `free`), and the membrane potential after the reset.

    The spike is a Heaviside step of `v - v_peak` with the surrogate's derivative. The reset
    selects `v_reset` (no cancellation when a stiff step overshoots the peak by orders of
    magnitude) and carries no surrogate gradient (Zenke & Vogels 2021).

    Returns:
        `(v, spike)`, both of the shape of `v`.
    """
    spike = surrogate(v - v_peak)
    if free is not None:
        spike = spike * free.astype(v.dtype)
    fired = jax.lax.stop_gradient(spike) > 0
    return jnp.where(fired, v_reset, v), spike


def refractory_after(spike: jax.Array, t_ref: jax.Array, tau_ref) -> jax.Array:
    """The remaining refractory time after a step: `tau_ref` where a unit spiked."""
    return jnp.where(jax.lax.stop_gradient(spike) > 0, tau_ref, jnp.maximum(t_ref, 0.0))


def exponential_current(v: jax.Array, v_t, delta_t, v_peak) -> jax.Array:
    r"""$\Delta_T \exp((v - v_T)/\Delta_T)$ (mV), with `v` clipped at `v_peak` in the exponent
    (as NEST's aeif models do), so the term stays finite whatever the state."""
    return delta_t * jnp.exp((jnp.minimum(v, v_peak) - v_t) / delta_t)


def check_reset_below_peak(model: eqx.Module, v_reset: str = "v_reset",
                           v_peak: str = "v_peak") -> None:
    """Raises if the reset potential is not below the peak (the unit would spike forever)."""
    reset, peak = getattr(model, v_reset), getattr(model, v_peak)
    if is_concrete(reset) and is_concrete(peak) and bool(np.any(np.asarray(reset)
                                                                 >= np.asarray(peak))):
        raise ValueError(f"{type(model).__name__}: `{v_reset}` ({np.asarray(reset)} mV) must be "
                         f"below `{v_peak}` ({np.asarray(peak)} mV), else the unit spikes at "
                         f"every step; lower `{v_reset}` or raise `{v_peak}`.")


def check_exponent(model: eqx.Module, v_t: str = "v_t", delta_t: str = "delta_t",
                   v_peak: str = "v_peak") -> None:
    """Raises if `exp((v_peak - v_t) / delta_t)` would overflow float32 arithmetic."""
    values = [getattr(model, n) for n in (v_t, delta_t, v_peak)]
    if not all(is_concrete(x) for x in values):
        return
    vt, dlt, peak = (np.asarray(x, dtype=float) for x in values)
    if np.any(~(dlt > 0)):
        return  # reported by the parameter validation
    exponent = np.max((peak - vt) / dlt)
    if exponent > MAX_EXPONENT:
        limit = np.min(vt + MAX_EXPONENT * dlt)
        raise ValueError(f"{type(model).__name__}: `{v_peak}` is {exponent:.3g} `{delta_t}` "
                         f"above `{v_t}`, so the exponential current overflows; use `{v_peak}` "
                         f"<= {v_t} + {MAX_EXPONENT:g} {delta_t} = {limit:.4g} mV (beyond a few "
                         f"{delta_t} above {v_t} the spike time hardly depends on it).")
