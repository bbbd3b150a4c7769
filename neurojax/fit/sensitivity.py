"""Sensitivity of a conductance-based neuron to its maximal conductances
(`nj.fit.sensitivity`): Jacobians of features, and minimally disruptive curves.

Both differentiate through the simulation (the adaptive diffrax solve by default; use
float64 and tight tolerances, e.g. `rtol=1e-8`, for accurate Hessians). Forward-mode
derivatives (`conductance_jacobian(mode="forward")`, and the gradients and Hessians of
`minimally_disruptive_curve`, forward over forward) need a simulation that supports them:
pass `adjoint=diffrax.ForwardMode()` to `nj.simulate` in the features or cost function (the
default checkpointed adjoint is reverse-mode only, and only once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from ..compartments import Compartment


def _names(cell: Compartment, names: Sequence[str] | None, function: str) -> tuple[str, ...]:
    if not isinstance(cell, Compartment):
        raise TypeError(f"{function}: `cell` must be an nj.compartments.Compartment; got "
                        f"{type(cell).__name__}.")
    if names is None:
        return tuple(c.name for c in cell.channels)
    if isinstance(names, str) or not names:
        raise ValueError(f"{function}: `names` must be a non-empty list of channel names; got "
                         f"{names!r}.")
    for name in names:
        cell.channel(name)  # raises, naming the channels, for an unknown name
    return tuple(names)


def conductances(cell: Compartment, names: Sequence[str] | None = None
                 ) -> dict[str, jax.Array]:
    """Channel name -> maximal conductance (mS/cm²) of `cell` (all channels by default)."""
    names = _names(cell, names, "conductances")
    return {n: jnp.asarray(cell.channel(n).g, dtype=jnp.result_type(float)) for n in names}


def with_conductances(cell: Compartment, g: dict[str, jax.Array]) -> Compartment:
    """`cell` with the maximal conductances of the channels named in `g` replaced."""
    names = _names(cell, tuple(g), "with_conductances")
    return eqx.tree_at(lambda c: [c.channel(n).g for n in names], cell,
                       [g[n] for n in names])


def conductance_jacobian(cell: Compartment, features_fn: Callable[[Compartment], jax.Array],
                         *, names: Sequence[str] | None = None, mode: str = "forward"
                         ) -> dict[str, jax.Array]:
    """Derivatives of a vector of features with respect to every maximal conductance.

    Args:
        cell: the neuron (an `nj.compartments.Compartment`).
        features_fn: `cell -> features`, an array (e.g. simulate the cell and return
            `jnp.stack([nj.fit.features.mean_calcium(traj)[0], ...])`).
        names: the channels to differentiate against (default: all).
        mode: `"forward"` (`jax.jacfwd`: one tangent per conductance, carried along the
            solve; simulate with `adjoint=diffrax.ForwardMode()`) or `"reverse"`
            (`jax.jacrev`: one adjoint solve per feature; the default adjoint).

    Returns:
        channel name -> `d features / d g` (shape `features.shape + g.shape`, per mS/cm²).
    """
    if mode not in ("forward", "reverse"):
        raise ValueError(f"conductance_jacobian: `mode` must be 'forward' or 'reverse'; got "
                         f"{mode!r}.")
    g0 = conductances(cell, names)
    transform = jax.jacfwd if mode == "forward" else jax.jacrev
    jac = eqx.filter_jit(transform(lambda g: features_fn(with_conductances(cell, g))))(g0)
    return {n: jac[n] for n in g0}  # in the channels' order


class Curve(NamedTuple):
    """A minimally disruptive curve: `conductances[name]` has shape `(points, ...)`,
    `costs` and `distances` (arc length in the parameter space) shape `(points,)`,
    `eigenvalues` the smallest Hessian eigenvalue at each point."""

    distances: np.ndarray
    conductances: dict[str, np.ndarray]
    costs: np.ndarray
    eigenvalues: np.ndarray


def minimally_disruptive_curve(cell: Compartment, cost_fn: Callable[[Compartment], jax.Array],
                               *, names: Sequence[str] | None = None, length: float = 1.0,
                               steps: int = 20, sign: float = 1.0, momentum: float = 0.0,
                               correct: bool = True, log_scale: bool = False) -> Curve:
    r"""Follow the direction in conductance space that least changes a cost.

    From a fitted neuron (a minimum of `cost_fn`), integrate $d\theta/ds = v_{min}(H(\theta))$
    with fixed steps of length `length / steps`, where $v_{min}$ is the unit eigenvector of
    the cost Hessian with the smallest eigenvalue, its sign kept continuous with the previous
    step (Raman, Anderson & Papachristodoulou 2017, "Delineating parametric unidentifiabilities
    in complex models", Phys. Rev. E 95: 032314; MinimallyDisruptiveCurves.jl, used by
    NeuronBuilder.jl). Options, as in MinimallyDisruptiveCurves.jl:
      - `momentum` in [0, 1): the step direction is the normalised mix
        `(1 - momentum) v_min + momentum d_previous`, which smooths the curve where two
        small eigenvalues cross;
      - `correct`: after each step, a Newton step in the hyperplane orthogonal to the
        direction, `delta = -pinv(P H P) P grad`, which pulls the curve back onto the floor
        of the cost's valley (the Euler step leaves a curved valley at second order).

    Args:
        cell: the fitted neuron.
        cost_fn: `cell -> scalar cost`, e.g. the squared change of mean calcium; it is
            differentiated twice in forward mode (simulate with
            `adjoint=diffrax.ForwardMode()`).
        names: the conductances to move (default: all channels).
        length: arc length of the curve in mS/cm² (or in log-conductance with `log_scale`).
        steps: the number of steps.
        sign: +1 or -1, the direction in which to leave the start (the eigenvector's sign
            is fixed so that its largest component is positive).
        log_scale: move in `log g` (conductances stay positive; steps are relative).

    Returns:
        `Curve` with `steps + 1` points, the first being `cell`'s conductances.
    """
    if not (isinstance(steps, int) and steps >= 1):
        raise ValueError(f"minimally_disruptive_curve: `steps` must be a positive integer; got "
                         f"{steps!r}.")
    if not float(length) > 0:
        raise ValueError(f"minimally_disruptive_curve: `length` must be positive; got "
                         f"{length}.")
    if sign not in (1, -1, 1.0, -1.0):
        raise ValueError(f"minimally_disruptive_curve: `sign` must be +1 or -1; got {sign}.")
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"minimally_disruptive_curve: `momentum` must be in [0, 1); got "
                         f"{momentum}.")
    g0 = conductances(cell, names)
    if log_scale:
        if any(np.any(np.asarray(x) <= 0) for x in g0.values()):
            raise ValueError("minimally_disruptive_curve: log_scale needs positive "
                             "conductances; drop the zero ones from `names`.")
        g0 = {k: jnp.log(x) for k, x in g0.items()}
    theta, unravel = ravel_pytree(g0)

    def cost(x):
        g = unravel(x)
        if log_scale:
            g = {k: jnp.exp(v) for k, v in g.items()}
        return cost_fn(with_conductances(cell, g))

    @eqx.filter_jit
    def local(x):
        # one solve, differentiated forward over forward, gives the value, gradient and Hessian
        def gradient(y):
            grad, value = jax.jacfwd(lambda z: (cost(z),) * 2, has_aux=True)(y)
            return grad, (grad, value)

        hessian, (grad, value) = jax.jacfwd(gradient, has_aux=True)(x)
        hessian = 0.5 * (hessian + hessian.T)
        eigenvalues, eigenvectors = jnp.linalg.eigh(hessian)
        return value, grad, hessian, eigenvalues[0], eigenvectors[:, 0]

    def correction(x, direction):
        _, grad, hessian, _, _ = local(x)
        project = jnp.eye(x.size) - jnp.outer(direction, direction)
        return x - jnp.linalg.pinv(project @ hessian @ project, hermitian=True) @ (project @ grad)

    h = float(length) / steps
    points, costs, smallest = [theta], [], []
    previous = None
    for _ in range(steps + 1):
        value, _, _, eigenvalue, v = local(points[-1])
        costs.append(float(value))
        smallest.append(float(eigenvalue))
        if len(points) == steps + 1:
            break
        if previous is None:
            v = v * jnp.sign(v[jnp.argmax(jnp.abs(v))]) * sign
        else:
            v = v * jnp.where(jnp.dot(v, previous) < 0, -1.0, 1.0)
            v = (1 - momentum) * v + momentum * previous
            v = v / jnp.linalg.norm(v)
        x = points[-1] + h * v
        if correct:
            x = correction(x, v)
        points.append(x.astype(theta.dtype))
        previous = v
    path = jnp.stack(points)
    out = jax.vmap(unravel)(path)
    if log_scale:
        out = {k: jnp.exp(v) for k, v in out.items()}
    steps_taken = np.linalg.norm(np.diff(np.asarray(path), axis=0), axis=1)
    return Curve(np.r_[0.0, np.cumsum(steps_taken)], {k: np.asarray(out[k]) for k in g0},
                 np.asarray(costs), np.asarray(smallest))
