"""Fitting problems shared by the fitting notebook and the tests (`nj.fit` at work).

- Jansen-Rit spectrum recovery: the synthetic observation (the log power spectrum of the
  pyramidal potential), the truth and the priors of A, B and the input mean p.
- STG conductance fit: the 8 maximal conductances of a Prinz et al. (2004) STG neuron fitted
  to target burst features by Levenberg-Marquardt steps with the features' Jacobian through
  the solver.
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
                 rtol: float = 1e-6, atol: float = 1e-8, adjoint=None) -> Trajectory:
    """`v` and `ca` of `cell`, sampled every 0.1 ms (adaptive Tsit5 with tolerances
    `rtol`, `atol`; `adjoint`: a diffrax adjoint, e.g. `diffrax.ForwardMode()` for
    forward-mode derivatives, default `nj.simulate`'s)."""
    return simulate(cell, duration, 0.1, record=["v", "ca"], max_steps=1_000_000, rtol=rtol,
                    atol=atol, adjoint=adjoint)


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


def stg_feature_residuals(targets: Mapping[str, float], *, duration: float = 4000.0,
                          rtol: float = 1e-6, atol: float = 1e-8,
                          names: Sequence[str] = STG_FEATURES, adjoint=None,
                          **kwargs) -> Callable[[compartments.Compartment], jax.Array]:
    """`cell -> [(f(cell) - target) / target for f in names]`: the relative errors of the
    features `names` (default `STG_FEATURES`), simulated for `duration` ms with tolerances
    `rtol`, `atol` and the diffrax `adjoint` (`simulate_stg`). `kwargs` go to
    `stg_features`."""
    keys = tuple(names)
    scale = {k: float(targets[k]) for k in keys}

    def residuals(cell):
        f = stg_features(simulate_stg(cell, duration, rtol=rtol, atol=atol, adjoint=adjoint),
                         **kwargs)
        return jnp.stack([(f[k] - scale[k]) / scale[k] for k in keys])

    return residuals


def stg_feature_loss(targets: Mapping[str, float], *, duration: float = 4000.0,
                     rtol: float = 1e-6, atol: float = 1e-8,
                     names: Sequence[str] = STG_FEATURES,
                     **kwargs) -> Callable[[compartments.Compartment], jax.Array]:
    """`cell -> mean over features of ((f(cell) - target) / target)^2`: the mean square of
    `stg_feature_residuals` (ms, µM and fractions weigh alike).

    The features are those whose derivatives see the bursts change: the spike count and the
    spike-time duty cycle change by jumps (a spike appears whole), so their derivatives only
    see spikes shift, and gradient descent on them stalls; the slow-wave duty cycle and
    the mean calcium follow the burst plateau continuously."""
    residuals = stg_feature_residuals(targets, duration=duration, rtol=rtol, atol=atol,
                                      names=names, **kwargs)
    return lambda cell: jnp.mean(residuals(cell) ** 2)


def fit_stg_conductances(start: compartments.Compartment, targets: Mapping[str, float], *,
                         steps: int = 20, damping: float = 1e-2, max_step: float = 0.15,
                         tol: float = 1e-6, duration: float = 4000.0,
                         names: Sequence[str] = STG_FEATURES, progress: bool = True):
    """Fits all 8 maximal conductances of `start` to the target features (`targets`, by
    the keys of `names`) by Levenberg-Marquardt (damped Gauss-Newton) on the
    relative feature errors `r` (`stg_feature_residuals`), in log conductances `u`.

    Each step takes the Jacobian `J = dr/du` (3 x 8) through the adaptive solve in forward
    mode (`jax.jacfwd` with `diffrax.ForwardMode`: the 8 tangents ride along one solve), and
    the minimum-norm damped step `du = -J^T (J J^T + damping I)^-1 r`, shortened so that no
    conductance changes by more than a factor `exp(max_step)`. A step that lowers the loss
    `mean(r^2)` is taken and the damping divided by 3; otherwise the damping is multiplied
    by 4 and the step retried. Stops after `steps` steps, when the loss is below `tol`, or
    when no step lowers it (damping above 1e3). `names`: the features fitted (keys of
    `stg_features`; those of spike times stall, see `stg_feature_loss`).

    Why not adam on the loss gradient (`nj.fit.optimize`): with the same features and
    derivatives it stalled (measured, 50 steps: loss 0.166 -> 0.008, period -10%, slow-wave
    duty -11%): the loss is a narrow curved valley in 8 dimensions; Gauss-Newton steps solve
    for the 3 features at once.

    Returns `(fitted cell, nj.fit.History)`; `history.loss[k]` is the loss after `k` taken
    steps (`history.steps` = steps taken + 1), `history.params` the conductances (mS/cm²)
    there. Use float64 (`jax.enable_x64`).

    Measured from `STG_PERTURBATION` (float64, 20 steps, ~65 s on 2 busy CPU cores): loss
    0.166 -> 2.4e-4 in 8 steps, 9.6e-5 in 20; slow-wave period +1.5%, slow-wave duty -0.8%,
    mean calcium +0.0%, and (not fitted) period from spike times +1.5%, duty cycle from
    spike times -2.6%; 16 instead of 17 spikes per burst. The fitted conductances differ
    from the target's (3 features, 8 conductances: Prinz, Bucher & Marder 2004's
    degeneracy). From a larger perturbation (gCaS x0.7, gKA, gKCa x1.3, gNaV x0.8) it
    stalls after 16 steps at loss 5e-4: the 3 fitted features within 3.4%, but the duty
    cycle from spike times -9.6%.
    """
    import diffrax

    trainable = fit.Trainable(start, STG_CONDUCTANCES)
    conductances = trainable.names
    residuals = stg_feature_residuals(targets, duration=duration, names=names)
    residuals_fwd = stg_feature_residuals(targets, duration=duration, names=names,
                                          adjoint=diffrax.ForwardMode())

    def cell_at(x):
        return trainable.apply(start, dict(zip(conductances, x, strict=True)))

    r_at = jax.jit(lambda x: residuals(cell_at(x)))
    jac_at = jax.jit(jax.jacfwd(lambda x: residuals_fwd(cell_at(x))))
    u0 = trainable.unconstrained(start)
    x = jnp.stack([jnp.asarray(u0[n]) for n in conductances])
    r = r_at(x)
    xs, losses = [x], [float(jnp.mean(r ** 2))]
    if not np.isfinite(losses[0]):
        raise fit.FitError(f"fit_stg_conductances: the loss at the start is {losses[0]}; "
                           f"check the start's conductances {fit.get_params(start, conductances)}.")
    for step in range(steps):
        if losses[-1] < tol:
            break
        jac = jac_at(x)
        while damping <= 1e3:
            dx = -jac.T @ jnp.linalg.solve(jac @ jac.T + damping * jnp.eye(r.size), r)
            dx = dx * jnp.minimum(1.0, max_step / jnp.max(jnp.abs(dx)))
            r_new = r_at(x + dx)
            loss_new = float(jnp.mean(r_new ** 2))
            if loss_new < losses[-1]:  # False for NaN: a NaN trial is a rejected step
                x, r, damping = x + dx, r_new, max(damping / 3.0, 1e-8)
                xs.append(x)
                losses.append(loss_new)
                break
            damping *= 4.0
        else:
            break
        if progress:
            print(f"fit_stg_conductances: step {step + 1}: loss {losses[-1]:.3g}")
    loss_arr = np.asarray(losses)
    values = [trainable.constrain(dict(zip(conductances, xi, strict=True))) for xi in xs]
    params = {n: np.asarray([float(v[n]) for v in values]) for n in conductances}
    best = int(np.argmin(loss_arr))
    history = fit.History(loss=loss_arr, params=params, best_loss=float(loss_arr[best]),
                          best_step=best, best_start=0, converged=bool(loss_arr[best] < tol))
    return cell_at(xs[best]), history


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
