"""Two-parameter continuation: the curve of fold points or of Hopf points in the plane of two
parameters, followed by pseudo-arclength continuation of their defining systems."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._arclength import follow, scale_of
from ._bifurcation_points import (
    BifurcationPoint,
    Kind,
    fold_equations,
    guess_from_point,
    hopf_equations,
)
from ._flat_system import build_system, check_parameter_value


class BifurcationCurve(eqx.Module):
    """A curve of fold or Hopf points in a two-parameter plane.

    Attributes:
        kind: `"fold"` or `"hopf"`.
        parameter_names: `(first, second)`: the point's own parameter and the one varied.
        values: `(k, 2)`: the two parameters along the curve.
        states: `(k, n)`: the equilibrium at each point.
        frequency: `(k,)`: the Hopf frequency (rad/ms), NaN for folds.
        ends: why the curve ended at its first and last point.
        labels: names of the state entries.
    """

    kind: Kind = eqx.field(static=True)
    parameter_names: tuple[str, str] = eqx.field(static=True)
    values: np.ndarray
    states: np.ndarray
    frequency: np.ndarray
    ends: tuple[str, str] = eqx.field(static=True)
    labels: tuple[str, ...] = eqx.field(static=True)

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def __repr__(self) -> str:
        a, b = self.parameter_names
        return (f"BifurcationCurve({self.kind}: {len(self)} points, {a} in "
                f"[{self.values[:, 0].min():.4g}, {self.values[:, 0].max():.4g}] over {b} in "
                f"[{self.values[:, 1].min():.4g}, {self.values[:, 1].max():.4g}])")


def _fold_curve(u: jax.Array, args) -> jax.Array:
    system, c, _ = args
    return fold_equations(u[:-1], u[-1:], system, c)


def _hopf_curve(u: jax.Array, args) -> jax.Array:
    system, c, _ = args
    return hopf_equations(u[:-1], u[-1:], system, c)


def _hopf_valid(u: jax.Array, args) -> jax.Array:
    system, _, omega_min = args
    return u[system.size + 1] > omega_min


def continue_bifurcation(model, point: BifurcationPoint, parameter: str,
                         interval: tuple[float, float],
                         inputs: Mapping[str, Any] | None = None, *,
                         params: Mapping[str, Any] | None = None, ds_max: float = 0.01,
                         max_points: int = 4000, scale: float | None = None
                         ) -> BifurcationCurve:
    """Follows a fold or Hopf point through a second parameter.

    Pseudo-arclength continuation of the point's defining system (`f = 0`, `J v = 0`,
    `c . v = 1` for a fold; `f = 0`, `J v = i w v`, `c . v = 1 + 0i` for a Hopf point) with
    the second parameter free, in both directions, until it leaves `interval`. A Hopf curve
    also ends where its frequency falls to 1e-3 of the starting one (a Bogdanov-Takens point).

    Args:
        model: the model the point was found on (its current value of `parameter` must lie
            in `interval`).
        point: a fold or Hopf point from `continuation` (or `locate`).
        parameter: the second parameter (a field, input port or coupling strength).
        interval: `(low, high)` of the second parameter.
        inputs, params: the constant inputs and parameter overrides used to find `point`.
        ds_max: the largest step, in units of the interval's length.
        max_points: the most points per direction.
        scale: the scale of the first parameter in the arclength (default `max(1, |p|)`).

    Returns:
        A `BifurcationCurve`.
    """
    who = "continue_bifurcation"
    if not isinstance(point, BifurcationPoint) or point.kind not in ("fold", "hopf"):
        raise TypeError(f"{who}: `point` must be a fold or Hopf BifurcationPoint (from "
                        f"continuation); got {point!r}.")
    system = build_system(model, inputs, params, (point.parameter_name, parameter), who=who)
    if system.active[1] == system.active[0]:
        raise ValueError(f"{who}: the second parameter must differ from the point's own "
                         f"({point.parameter_name}).")
    if np.shape(interval) != (2,) or not float(interval[0]) < float(interval[1]):
        raise ValueError(f"{who}: `interval` must be (low, high) with low < high; got "
                         f"{interval!r}.")
    lo, hi = float(interval[0]), float(interval[1])
    check_parameter_value(system.net, system.active[1], np.array([lo, hi]), who)
    start = float(system.value_of(system.active[1]))
    if not lo <= start <= hi:
        raise ValueError(f"{who}: the model's {parameter} = {start:g} lies outside the "
                         f"interval [{lo:g}, {hi:g}]; the curve starts at the model's value.")
    dtype, n = system.dtype, system.size
    y0 = np.asarray(guess_from_point(point))
    u0 = jnp.asarray(np.r_[y0, start], dtype)
    x_scale = scale_of(np.asarray(point.state))
    p_scale = max(1.0, abs(float(point.value))) if scale is None else float(scale)
    if point.kind == "fold":
        scales = np.r_[np.full(n, x_scale), p_scale, np.ones(n), hi - lo]
        residual, valid = _fold_curve, None
    else:
        w0 = abs(float(point.frequency))
        scales = np.r_[np.full(n, x_scale), p_scale, w0, np.ones(2 * n), hi - lo]
        residual, valid = _hopf_curve, _hopf_valid
    offset = np.zeros_like(scales)
    offset[-1] = lo
    args = (system, jnp.asarray(point.normalisation, dtype),
            jnp.asarray(1e-3 * abs(float(point.frequency)) if point.kind == "hopf" else 0.0,
                        dtype))
    tol = 1e-10 if np.finfo(dtype).bits == 64 else 1e-5
    pts, _, ends = follow(residual, args, u0, jnp.asarray(offset, dtype),
                          jnp.asarray(scales, dtype), -1e-9, 1 + 1e-9, ds_max, max_points, tol,
                          valid)
    inside = (pts[:, -1] >= lo) & (pts[:, -1] <= hi)
    keep = inside | np.r_[inside[1:], False] | np.r_[False, inside[:-1]]
    pts = pts[keep]
    return BifurcationCurve(
        kind=point.kind, parameter_names=(system.active[0].name, system.active[1].name),
        values=np.stack([pts[:, n], pts[:, -1]], axis=1), states=pts[:, :n],
        frequency=pts[:, n + 1] if point.kind == "hopf" else np.full(len(pts), np.nan),
        ends=ends, labels=system.labels)

