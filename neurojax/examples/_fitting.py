"""Fitting problems shared by the fitting notebook and the tests (`nj.fit` at work).

- Jansen-Rit spectrum recovery: the synthetic observation (the log power spectrum of the
  pyramidal potential), the truth and the priors of A, B and the input mean p.
- STG conductance fit: the 8 maximal conductances of a Prinz et al. (2004) STG neuron fitted
  by gradient descent (`nj.fit.optimize`) to target burst features.
- E/I rate tuning: the 4 weights of a small E/I balanced COBA network tuned with surrogate
  gradients so that E and I fire at chosen rates (`nj.fit.RateLoss`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .. import channels, compartments, fit, masses
from .._simulate import simulate
from .._trajectory import Trajectory
from ..fit import features
from ..network import Network
from ._conductance import PYLORIC_CONDUCTANCES
from ._spiking import EI_INPUT, ei_balanced_network

# ----------------------------------------------------------------------------- Jansen-Rit
#: The true parameters of the synthetic observation: Jansen & Rit (1995), A and B (mV), the
#: input mean p (Hz).
JR_TRUTH = {"A": 3.25, "B": 22.0, "p": 220.0}
#: Assumed noise (sd) of the observed log10 power: 12% in power.
JR_SIGMA = 0.05


def jansen_rit_priors() -> dict:
    """Uniform priors of A (2.6-4.2 mV), B (17-29 mV) and p (120-320 Hz), by parameter
    name (numpyro distributions, for `nj.fit.nuts` / `nj.fit.svi`)."""
    import numpyro.distributions as dist

    return {"A": dist.Uniform(2.6, 4.2), "B": dist.Uniform(17.0, 29.0),
            "p": dist.Uniform(120.0, 320.0)}


def jansen_rit_spectrum(model: masses.JansenRit) -> jax.Array:
    """log10 power spectrum of `v_pyr` from 2 to 40 Hz at 1 Hz resolution (39 bins), over
    1 s after a 500 ms transient, with a floor of 1e-6 mV^2/Hz (below it the spectrum of this
    deterministic oscillation is the Hann window's leakage, whose nulls make the log rough).

    The data feature of the Jansen-Rit recovery: `jansen_rit_spectrum(JansenRit(1))` is the
    observation, and the same function is the simulator inside `nj.fit.nuts`/`svi`."""
    x = simulate(model, 1500.0, 0.1, record=["v_pyr"], sample_every=2.0)["v_pyr"]
    return fit.log_spectrum(x[250:, 0], 2.0, fmin=2.0, fmax=40.0, floor=1e-6)[1]


# ----------------------------------------------------------------------------- STG neuron
#: The channels of the STG model neuron, in the order of `PYLORIC_CONDUCTANCES`.
STG_CHANNELS = ("NaV", "CaT", "CaS", "KA", "KCa", "Kdr", "H", "Leak")
#: `nj.fit` names of the 8 maximal conductances (mS/cm²).
STG_CONDUCTANCES = tuple(f"channels.{c}.g" for c in STG_CHANNELS)
#: The target neuron: AB/PD 2 of Prinz, Bucher & Marder (2004, Table 2) with a 0.01 mS/cm²
#: leak (so that every conductance is positive, inside its constraint). It bursts with a
#: period of ~1.02 s, 17 spikes per burst, duty cycle 0.36.
STG_TARGET = dict(zip(STG_CHANNELS, (*PYLORIC_CONDUCTANCES[0, :7], 0.01), strict=True))
#: The starting point of the fit: the target with gCaS 20% lower and gKA and gKCa 25% higher
#: (factors of the target's conductances). It bursts with the same period but with 7 spikes
#: per burst, duty cycle 0.13 and less than half the mean calcium.
STG_PERTURBATION = {"CaS": 0.8, "KA": 1.25, "KCa": 1.25}
#: Features fitted (keys of `stg_features`): burst period, slow-wave duty cycle, mean calcium.
STG_FEATURES = ("slow_wave_period", "slow_wave_duty", "mean_calcium")


def stg_neuron(conductances: Mapping[str, float] = STG_TARGET,
               scale: Mapping[str, float] | None = None) -> compartments.Compartment:
    """A single-compartment STG neuron (channels of Liu et al. 1998 / Prinz et al. 2003).

    Args:
        conductances: maximal conductance (mS/cm²) of each channel of `STG_CHANNELS`.
        scale: optional factors multiplying some of them (e.g. `STG_PERTURBATION`).
    """
    g = dict(conductances)
    missing = set(STG_CHANNELS) - set(g)
    if missing or set(g) - set(STG_CHANNELS):
        raise ValueError(f"stg_neuron: give one conductance for each of {STG_CHANNELS}; got "
                         f"{sorted(g)}.")
    for name, factor in (scale or {}).items():
        if name not in g:
            raise ValueError(f"stg_neuron: `scale` names unknown channel {name!r}; channels "
                             f"are {STG_CHANNELS}.")
        g[name] = g[name] * factor
    stg = channels.stg
    return compartments.Compartment(
        [stg.NaV(g=g["NaV"]), stg.CaT(g=g["CaT"]), stg.CaS(g=g["CaS"]), stg.KA(g=g["KA"]),
         stg.KCa(g=g["KCa"]), stg.Kdr(g=g["Kdr"]), stg.H(g=g["H"]),
         channels.Leak(g=g["Leak"], e_rev=-50.0)],
        channels.CalciumPool(), v_init=-50.0)


def simulate_stg(cell: compartments.Compartment, duration: float = 4000.0, *,
                 rtol: float = 1e-6, atol: float = 1e-8) -> Trajectory:
    """`v` and `ca` of `cell`, sampled every 0.1 ms (adaptive Tsit5 with tolerances
    `rtol`, `atol`)."""
    return simulate(cell, duration, 0.1, record=["v", "ca"], max_steps=1_000_000, rtol=rtol,
                    atol=atol)


def slow_wave_duty(v: jax.Array, dt: float, *, window: float = 50.0,
                   threshold: float = -45.0, width: float = 2.0) -> jax.Array:
    """Fraction of time the slow wave of a bursting trace is depolarised: the mean of
    `sigmoid((v_slow - threshold) / width)`, `v_slow` the moving average of `v` (mV) over
    `window` ms (which removes the spikes but keeps the burst plateau).

    A smooth measure of the duty cycle: unlike the duty cycle from spike times, it changes
    continuously when a spike appears or vanishes at the end of a burst, so its gradient with
    respect to the conductances sees the plateau lengthen or shorten."""
    v_slow = slow_wave(v, dt, window=window)
    return jnp.mean(jax.nn.sigmoid((v_slow - threshold) / width))


def slow_wave(v: jax.Array, dt: float, *, window: float = 50.0) -> jax.Array:
    """Moving average of `v` over `window` ms (`dt`: sampling interval, ms): the slow wave
    of a bursting trace, without the spikes."""
    n = max(1, int(round(window / dt)))
    total = jnp.cumsum(jnp.concatenate([jnp.zeros(1, v.dtype), v]))
    return (total[n:] - total[:-n]) / n


def slow_wave_period(v: jax.Array, dt: float, *, window: float = 50.0,
                     threshold: float = -45.0) -> jax.Array:
    """Burst period (ms) from the slow wave: the mean interval between the bursts' first
    upward crossings of `threshold` (mV) by the slow wave (`slow_wave`), interpolated.
    Continuous where the spike-based period jumps (a spike appearing at a burst's start)."""
    return features.burst_period(slow_wave(v, dt, window=window), dt, gap=300.0,
                                 threshold=threshold, max_spikes=50)


def stg_features(traj: Trajectory, *, dt: float = 0.1, transient: float = 1000.0,
                 max_spikes: int = 200) -> dict[str, jax.Array]:
    """Burst features of a simulated STG neuron after `transient` ms (the first burst is
    a transient).

    Returns:
        `period` (ms), `duty_cycle` and `spikes_per_burst` from the interpolated spike
        times (`nj.fit.features.burst_statistics`, gap 300 ms; spikes per burst is
        integer-valued in each burst), `slow_wave_duty` (`slow_wave_duty`) and
        `mean_calcium` (µM). `dt` is the sampling interval of `traj` (ms; `simulate_stg`'s,
        a number also under jit).
    """
    keep = int(round(transient / dt))
    v, ca = traj["v"][keep:, 0], traj["ca"][keep:, 0]
    stats = features.burst_statistics(v, dt, gap=300.0, max_spikes=max_spikes)
    return {**stats, "slow_wave_period": slow_wave_period(v, dt),
            "slow_wave_duty": slow_wave_duty(v, dt), "mean_calcium": features.mean_calcium(ca)}


def stg_feature_loss(targets: Mapping[str, float], *, duration: float = 4000.0,
                     rtol: float = 1e-6, atol: float = 1e-8,
                     names: Sequence[str] = STG_FEATURES,
                     **kwargs) -> Callable[[compartments.Compartment], jax.Array]:
    """`cell -> mean over features of ((f(cell) - target) / target)^2`: the squared relative
    errors of the features `names` (default `STG_FEATURES`; ms, µM and fractions weigh
    alike), simulated for `duration` ms with tolerances `rtol`, `atol`. `kwargs` go to
    `stg_features`.

    The features are those whose gradients see the bursts change: the spike count and the
    spike-time duty cycle change by jumps (a spike appears whole), so their derivatives only
    see spikes shift, and gradient descent on them stalls; the slow-wave duty cycle and
    the mean calcium follow the burst plateau continuously."""
    keys = tuple(names)
    scale = {k: float(targets[k]) for k in keys}

    def loss(cell):
        f = stg_features(simulate_stg(cell, duration, rtol=rtol, atol=atol), **kwargs)
        return jnp.mean(jnp.stack([((f[k] - scale[k]) / scale[k]) ** 2 for k in keys]))

    return loss


def fit_stg_conductances(start: compartments.Compartment, targets: Mapping[str, float], *,
                         steps: int = 50, learning_rate: float = 0.015, decay_after: int = 35,
                         duration: float = 4000.0, progress: bool = True):
    """Fits all 8 maximal conductances of `start` to the target features (`targets`, by
    the keys of `STG_FEATURES`) with `nj.fit.optimize`: adam in log space (a step of 0.015
    changes a conductance by ~1.5%), the learning rate decaying by 0.9 a step after
    `decay_after` steps.

    Returns `(fitted cell, nj.fit.History)`. Use float64 (`jax.enable_x64`).

    Measured from `STG_PERTURBATION` (50 steps): the loss falls 20-fold (0.166 -> 0.008,
    best at step 14), the mean calcium comes within 5% of the target's and the slow-wave duty
    cycle from -44% to -11%, but the period drifts from -2% to -10%: pathwise gradients see
    spikes shift, not the spikes that appear or vanish, and those jumps (each spike's calcium
    feeds KCa, which sets the interburst interval) carry much of the period's dependence on
    the conductances. Not within 5% of every feature.
    """
    schedule = optax.join_schedules([optax.constant_schedule(learning_rate),
                                     optax.exponential_decay(learning_rate, 1, 0.9)],
                                    [decay_after])
    return fit.optimize(start, stg_feature_loss(targets, duration=duration),
                        optax.adam(schedule), steps=steps, trainable=STG_CONDUCTANCES,
                        progress=progress, patience=steps)


# ----------------------------------------------------------------------------- E/I rates
#: `nj.fit` names of the 4 weights of the E/I network (dimensionless COBA conductances).
EI_WEIGHTS = ("E->E.weight", "E->I.weight", "I->E.weight", "I->I.weight")
#: Target firing rates (Hz) of the E/I tuning.
EI_TARGET_RATES = {"E": 10.0, "I": 25.0}


def ei_rate_network(n_exc: int = 80, n_inh: int = 20, *, p: float = 0.2,
                    key: jax.Array | None = None) -> Network:
    """A small version of `ei_balanced_network` (dense delivery), whose LIF spikes use the
    SuperSpike surrogate `1 / (1 + beta |v - v_th|)^2` with beta = 100 / mV: narrow enough that
    gradients through the recurrent network stay finite over hundreds of ms (with the
    default beta = 10 they grow by ~1e25 in 300 ms). At `EI_INPUT` it fires at ~55 Hz (E) and
    ~35 Hz (I)."""
    net = ei_balanced_network(n_exc, n_inh, p=p, key=key, delivery="dense")
    return fit.set_params(net, {"E.surrogate.beta": 100.0, "I.surrogate.beta": 100.0})


def simulate_ei(net: Network, duration: float = 300.0, *, key: jax.Array | None = None
                ) -> Trajectory:
    """Spikes of `"E"` and `"I"` at `EI_INPUT`, dt 0.1 ms (a fixed `key`: the same initial
    potentials in every call, so that the rate is a deterministic function of the weights)."""
    key = jax.random.key(1) if key is None else key
    return simulate(net, duration, 0.1, inputs={"E": EI_INPUT, "I": EI_INPUT},
                    record=["E.spike", "I.spike"], key=key)


def ei_rates(traj: Trajectory) -> dict[str, float]:
    """Mean firing rate (Hz) of `"E"` and `"I"` over the whole record."""
    return {pop: float(np.asarray(traj[f"{pop}.spike"]).mean() / traj.dt * 1e3)
            for pop in ("E", "I")}


def ei_rate_loss(targets: Mapping[str, float] = EI_TARGET_RATES) -> fit.Loss:
    """Sum over E and I of the squared relative rate error, `((rate - target) / target)^2`,
    built from `nj.fit.RateLoss` terms (Hz², weighted by 1 / target²)."""
    return fit.weighted_sum([(1.0 / targets[pop] ** 2,
                              fit.RateLoss(f"{pop}.spike", targets[pop], dt=0.1))
                             for pop in ("E", "I")])


def tune_ei_rates(net: Network, targets: Mapping[str, float] = EI_TARGET_RATES, *,
                  steps: int = 60, learning_rate: float = 0.02, duration: float = 300.0,
                  progress: bool = True):
    """Tunes the 4 weights (`EI_WEIGHTS`) of an E/I network so that E and I fire at
    `targets` (Hz), by surrogate gradients through `nj.simulate` (`nj.fit.optimize`, adam).

    Returns `(tuned network, nj.fit.History)`.
    """
    loss = ei_rate_loss(targets)
    return fit.optimize(net, lambda m: loss(simulate_ei(m, duration)),
                        optax.adam(learning_rate), steps=steps, trainable=EI_WEIGHTS,
                        progress=progress, patience=steps)
