"""`optimize`: gradient-based fitting of named model parameters with optax."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from ._params import (
    Trainable,
    check_interior,
    describe_values,
    get_params,
    random_starts,
    set_params,
)

_DEFAULT_OPTIMIZER = optax.adam(1e-2)  # one object, so that compiled steps are reused


class FitError(RuntimeError):
    """Fitting failed: the loss or its gradient became NaN or infinite."""


@dataclasses.dataclass(frozen=True)
class History:
    """What `optimize` went through.

    Attributes:
        loss: loss at every step, shape `(steps,)` or `(steps, multistart)`.
        params: name -> value at every step (before that step's update), leading axes as
            `loss`.
        best_loss: the lowest loss seen (over steps and starts).
        best_step, best_start: where it was seen (its parameters are the fitted model's).
        converged: whether the run stopped early on the tolerance.
    """

    loss: np.ndarray
    params: dict[str, np.ndarray]
    best_loss: float
    best_step: int
    best_start: int
    converged: bool

    @property
    def steps(self) -> int:
        """Number of steps taken."""
        return int(self.loss.shape[0])


def _scalar_loss(loss_fn, model):
    loss = loss_fn(model)
    if not isinstance(loss, jax.Array) or loss.shape != () or not jnp.issubdtype(
            loss.dtype, jnp.floating):
        raise TypeError(f"optimize: `loss_fn(model)` must return a scalar float array; got "
                        f"{getattr(loss, 'shape', type(loss).__name__)}. Reduce it, e.g. with "
                        f"jnp.mean.")
    return loss


def optimize(model, loss_fn: Callable[[Any], jax.Array],
             optimizer: optax.GradientTransformation | None = None, *, steps: int,
             trainable: str | Iterable[str] | Any, key: jax.Array | None = None,
             multistart: int = 1, progress: bool = True, tol: float = 1e-6,
             patience: int = 20, gradient: str = "reverse"):
    """Fits parameters of `model` by gradient descent on `loss_fn(model)`.

    Bounded and positive parameters are optimised in an unconstrained space through their
    declared constraints (exp for positive ones, a scaled sigmoid for intervals), so every
    step stays valid. Each step is one jit-compiled call (`eqx.filter_jit`) computing the
    loss and its gradient through the simulation; several starts run together, batched
    with `eqx.filter_vmap`.

    Args:
        model: a population or an `nj.Network`; its values are the (first) starting point.
        loss_fn: `model -> scalar`, typically simulating the model and comparing with data.
        optimizer: an optax optimiser (default `optax.adam(1e-2)`), acting in the
            unconstrained space of `Trainable` (where a step of 0.01 changes a parameter by
            about 1%).
        steps: maximal number of steps.
        trainable: parameter names (`"jr.A"`, `"coupling.strength"`), or an equinox filter
            selecting parameters (`nj.fit.parameters(model)` lists them).
        key: PRNG key for the random starts (needed if `multistart > 1`).
        multistart: number of starts: the model's values and `multistart - 1` random points
            within the constraints (`nj.fit` `random_starts`).
        progress: show a progress bar with the best loss so far.
        tol: early stopping: the run ends when no start has lowered its best loss by more
            than `tol` times its magnitude for `patience` consecutive steps.
        patience: see `tol`.
        gradient: `"reverse"` (`jax.grad`, the default) or `"forward"` (`jax.jacfwd`: one
            tangent per parameter, carried along the same solve; for a few parameters
            through a long simulation this is cheaper and needs no checkpoints). With
            `"forward"`, `loss_fn` must simulate with `adjoint=diffrax.ForwardMode()`.
            Forward mode suits adaptive ODE solves (Jansen-Rit spectrum fit: 3.1x a
            simulation); through fixed-step solves (noise, delays, spikes) it is at present
            tens of times slower than a run (diffrax's saving of each step under `jax.jvp`):
            use reverse mode there.

    Returns:
        `(fitted model, History)`: the model with the parameters of the lowest loss seen
        (over steps and starts), and the record of the run.

    Raises:
        ValueError: unknown parameter names (with suggestions), a start on a constraint's
            boundary, bad `steps`/`multistart`.
        FitError: the loss or its gradient is NaN or infinite (with the parameter values
            that produced it).
    """
    for name, value, low in (("steps", steps, 1), ("multistart", multistart, 1),
                             ("patience", patience, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"optimize: `{name}` must be an integer >= {low}; got {value!r}.")
    if gradient not in ("reverse", "forward"):
        raise ValueError(f"optimize: `gradient` must be 'reverse' or 'forward'; got "
                         f"{gradient!r}.")
    if not tol >= 0:
        raise ValueError(f"optimize: `tol` must be >= 0; got {tol}.")
    if multistart > 1 and key is None:
        raise ValueError("optimize: multistart > 1 draws random starts; pass a PRNG key, e.g. "
                         "key=jax.random.key(0).")
    trainer = Trainable(model, trainable)
    chosen, names = trainer.chosen, trainer.names
    start = get_params(model, names)
    check_interior(chosen, start)
    optimizer = _DEFAULT_OPTIMIZER if optimizer is None else optimizer

    if multistart > 1:
        starts = random_starts(chosen, start, multistart, key)
    else:
        starts = {k: v[None] for k, v in start.items()}
    u0 = jax.vmap(trainer.unconstrain)(starts)
    opt_state = eqx.filter_vmap(optimizer.init)(u0)

    def step(model, u, opt_state):
        return _step(model, u, opt_state, (loss_fn, optimizer, trainer, gradient))

    losses, values = [], []
    best = np.full(multistart, np.inf)
    best_u = u0
    best_step = np.zeros(multistart, int)
    stalled = 0
    converged = False
    bar = _progress(steps, progress)
    u = u0
    try:
        for k in range(steps):
            try:
                new_u, opt_state, loss, finite, current = step(model, u, opt_state)
                loss = np.asarray(loss)
            except eqx.EquinoxRuntimeError as err:
                raise FitError(f"optimize: step {k} failed ({_first_line(err)}) for "
                               f"{describe_values(_constrained(u, trainer))}.") from err
            current = {n: np.asarray(v) for n, v in current.items()}
            if not np.all(np.isfinite(loss)):
                bad = int(np.flatnonzero(~np.isfinite(loss))[0])
                raise FitError(f"optimize: the loss is {loss[bad]} at step {k}"
                               f"{f' (start {bad})' if multistart > 1 else ''} for "
                               f"{describe_values({n: v[bad] for n, v in current.items()})}. "
                               f"Check the model at these values, narrow the parameters' "
                               f"range or lower the learning rate.")
            if not np.all(np.asarray(finite)):
                bad = int(np.flatnonzero(~np.asarray(finite))[0])
                raise FitError(f"optimize: the gradient is NaN or infinite at step {k} for "
                               f"{describe_values({n: v[bad] for n, v in current.items()})} "
                               f"(loss {loss[bad]:.6g}). Lower the learning rate, or check "
                               f"the loss for non-differentiable operations.")
            losses.append(loss)
            values.append(current)
            finite_best = np.where(np.isinf(best), 0.0, best)
            significant = np.isinf(best) | (loss < best - tol * np.abs(finite_best))
            lower = loss < best
            best_u = _keep_where(lower, u, best_u)
            best_step = np.where(lower, k, best_step)
            best = np.where(lower, loss, best)
            stalled = 0 if significant.any() else stalled + 1
            bar.update(1)
            bar.set_postfix(loss=f"{best.min():.6g}")
            u = new_u
            if stalled >= patience or np.all(best == 0):
                converged = True
                break
    finally:
        bar.close()

    winner = int(np.argmin(best))
    fitted_values = trainer.constrain(jax.tree.map(lambda v: v[winner], best_u))
    fitted = set_params(model, fitted_values)
    loss_arr = np.stack(losses)
    params = {n: np.stack([v[n] for v in values]) for n in names}
    if multistart == 1:
        loss_arr = loss_arr[:, 0]
        params = {n: v[:, 0] for n, v in params.items()}
    history = History(loss=loss_arr, params=params, best_loss=float(best[winner]),
                      best_step=int(best_step[winner]), best_start=winner, converged=converged)
    return fitted, history


def _one_step(model, u, opt_state, static):
    loss_fn, optimizer, trainer, gradient = static

    def objective(u):
        return _scalar_loss(loss_fn, trainer.apply(model, u))

    if gradient == "forward":  # the loss rides along as auxiliary output: one solve
        grads, loss = jax.jacfwd(lambda u: (objective(u),) * 2, has_aux=True)(u)
    else:
        loss, grads = jax.value_and_grad(objective)(u)
    updates, opt_state = optimizer.update(grads, opt_state, u)
    finite = jnp.all(jnp.array([jnp.all(jnp.isfinite(g)) for g in jax.tree.leaves(grads)]))
    return optax.apply_updates(u, updates), opt_state, loss, finite, trainer.constrain(u)


# One compiled step for every start (batched): module level, so that calling `optimize`
# again with the same loss function, optimiser and parameters reuses the compiled step.
_step = eqx.filter_jit(eqx.filter_vmap(_one_step, in_axes=(None, 0, 0, None)))


def _keep_where(mask: np.ndarray, new, old):
    """Per start (leading axis), `new` where `mask` else `old`."""
    mask = jnp.asarray(mask)
    return jax.tree.map(lambda n, o: jnp.where(
        jnp.reshape(mask, (-1,) + (1,) * (n.ndim - 1)), n, o), new, old)


def _constrained(u, trainer: Trainable):
    """Parameter values of the (batched) unconstrained point `u`, as NumPy arrays."""
    return {n: np.asarray(v) for n, v in jax.vmap(trainer.constrain)(u).items()}


def _first_line(err: Exception) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return lines[0] if lines else type(err).__name__


def _progress(steps: int, show: bool):
    from tqdm.auto import tqdm

    return tqdm(total=steps, desc="optimize", disable=not show, leave=True)
