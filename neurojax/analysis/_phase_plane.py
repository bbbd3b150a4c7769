"""Phase plane of two state variables: vector field, nullclines, fixed points with their
stability, and trajectories. The other variables (if any) are held at fixed values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._fixed_points import classify, default_tol, sorted_eigenvalues, unique_rows
from ._flat_system import FlatSystem, build_system
from ._newton import newton


class PhasePlane(eqx.Module):
    """The flow of a model in the plane of two variables.

    Attributes:
        names: the two variables, `(x, y)`.
        x, y: the grid, `(nx,)` and `(ny,)`.
        dx, dy: the derivatives of the two variables on the grid, `(ny, nx)` each (per ms);
            their zero contours are the nullclines.
        fixed_points: fixed points in the plane, `(k, 2)`.
        eigenvalues: their Jacobian eigenvalues (of the 2-d flow), `(k, 2)` complex.
        stability: their types (`classify`).
        trajectories: simulated paths in the plane, each `(time, 2)`.
        frozen: the values of the other state variables (flat state with the plane's entries
            unused).
    """

    names: tuple[str, str] = eqx.field(static=True)
    x: np.ndarray
    y: np.ndarray
    dx: np.ndarray
    dy: np.ndarray
    fixed_points: np.ndarray
    eigenvalues: np.ndarray
    stability: tuple[str, ...] = eqx.field(static=True)
    trajectories: tuple[np.ndarray, ...]
    frozen: np.ndarray

    def __repr__(self) -> str:
        pts = ", ".join(f"({a:.4g}, {b:.4g}) {s}" for (a, b), s in
                        zip(self.fixed_points, self.stability, strict=True))
        return f"PhasePlane({self.names[0]} vs {self.names[1]}; fixed points: {pts or 'none'})"


def _plane_field(system: FlatSystem, base: jax.Array, ix: int, iy: int):
    """The 2-d vector field `z -> (f_x, f_y)(base with x, y replaced by z)`."""

    def field(z):
        full = base.at[ix].set(z[0]).at[iy].set(z[1])
        d = system.drift(full)
        return jnp.stack([d[ix], d[iy]])

    return field


@eqx.filter_jit
def _grid_field(system, base, ix, iy, xs, ys):
    field = _plane_field(system, base, ix, iy)
    gx, gy = jnp.meshgrid(xs, ys)
    values = jax.vmap(field)(jnp.stack([gx.ravel(), gy.ravel()], axis=1))
    return values[:, 0].reshape(gx.shape), values[:, 1].reshape(gx.shape)


@eqx.filter_jit
def _plane_roots(system, base, ix, iy, starts, tol):
    field = _plane_field(system, base, ix, iy)

    def solve(z0):
        z, _, ok = newton(field, z0, tol * 1e-3, max_iter=64)
        return z, jnp.max(jnp.abs(field(z))), jax.jacfwd(field)(z)

    return jax.vmap(solve)(starts)


@eqx.filter_jit
def _trajectories(system, base, ix, iy, starts, duration, n_save):
    field = _plane_field(system, base, ix, iy)
    term = diffrax.ODETerm(lambda t, z, args: field(z))
    ts = jnp.linspace(0.0, duration, n_save)

    def run(z0):
        sol = diffrax.diffeqsolve(term, diffrax.Tsit5(), 0.0, duration, duration / n_save, z0,
                                  saveat=diffrax.SaveAt(ts=ts),
                                  stepsize_controller=diffrax.PIDController(rtol=1e-6,
                                                                            atol=1e-8),
                                  max_steps=100_000, throw=False)
        return sol.ys

    return jax.vmap(run)(starts)


def phase_plane(model, x: str, y: str, bounds: Mapping[str, tuple[float, float]],
                inputs: Mapping[str, Any] | None = None, *,
                params: Mapping[str, Any] | None = None, resolution: int = 101,
                trajectories: Any = 0, duration: float = 100.0, frozen=None,
                n_starts: int = 20, tol: float | None = None) -> PhasePlane:
    """The phase plane of two state variables of a model.

    Args:
        model: a continuous population or mass `Network` (no spikes, delays or noise).
        x, y: the two state variables (`"x"`, `"node.x"`, `"x[3]"`).
        bounds: the plane's extent, `{x: (low, high), y: (low, high)}`.
        inputs, params: constant inputs and parameter overrides.
        resolution: grid points per axis for the vector field and nullclines.
        trajectories: starting points of trajectories: an int (that many on a grid over the
            plane) or an array `(k, 2)`.
        duration: length of each trajectory (ms).
        frozen: the other variables' values (`{variable: value}`, default the model's
            initial values); irrelevant for 2-d models.
        n_starts: Newton starts per axis for the fixed points.
        tol: largest residual of a fixed point (default 1e-8 float64, 1e-4 float32).

    Returns:
        A `PhasePlane`.
    """
    who = "phase_plane"
    system = build_system(model, inputs, params, (), who=who)
    ix, iy = system.index(x), system.index(y)
    if ix == iy:
        raise ValueError(f"{who}: `x` and `y` must be different variables; both are {x!r}.")
    limits = []
    for name in (x, y):
        bound = bounds.get(name) if isinstance(bounds, Mapping) else None
        if bound is None or np.shape(bound) != (2,) or not float(bound[0]) < float(bound[1]):
            raise ValueError(f"{who}: `bounds` must give (low, high) with low < high for "
                             f"{name!r}; got {bounds!r}.")
        limits.append((float(bound[0]), float(bound[1])))
    if not isinstance(resolution, int) or resolution < 3:
        raise ValueError(f"{who}: `resolution` must be an int >= 3; got {resolution!r}.")
    dtype = system.dtype
    base = system.initial()
    for name, value in (frozen or {}).items():
        base = base.at[system.index(name)].set(value)
    xs = jnp.linspace(*limits[0], resolution, dtype=dtype)
    ys = jnp.linspace(*limits[1], resolution, dtype=dtype)
    dx, dy = _grid_field(system, base, ix, iy, xs, ys)

    tol = default_tol(dtype) if tol is None else float(tol)
    gx, gy = np.meshgrid(np.linspace(*limits[0], n_starts), np.linspace(*limits[1], n_starts))
    starts = jnp.asarray(np.stack([gx.ravel(), gy.ravel()], axis=1), dtype)
    roots, residual, jac = (np.asarray(a) for a in _plane_roots(system, base, ix, iy, starts,
                                                                tol))
    inside = ((roots[:, 0] >= limits[0][0]) & (roots[:, 0] <= limits[0][1])
              & (roots[:, 1] >= limits[1][0]) & (roots[:, 1] <= limits[1][1]))
    ok = np.isfinite(residual) & (residual <= tol) & inside
    roots, jac = roots[ok], jac[ok]
    keep = unique_rows(roots, max(tol, 1e-6 if np.finfo(dtype).bits == 64 else 1e-3)) \
        if roots.shape[0] else np.zeros(0, int)
    roots, jac = roots[keep], jac[keep]
    order = np.argsort(roots[:, 0]) if roots.shape[0] else np.zeros(0, int)
    roots, jac = roots[order], jac[order]
    lam = sorted_eigenvalues(jac) if roots.shape[0] else np.zeros((0, 2), complex)

    paths: tuple[np.ndarray, ...] = ()
    if isinstance(trajectories, int) and trajectories > 0:
        side = int(np.ceil(np.sqrt(trajectories)))
        sx = np.linspace(*limits[0], side + 2)[1:-1]
        sy = np.linspace(*limits[1], side + 2)[1:-1]
        tx, ty = np.meshgrid(sx, sy)
        trajectories = np.stack([tx.ravel(), ty.ravel()], axis=1)[:trajectories]
    if not isinstance(trajectories, int):
        tstarts = np.asarray(trajectories, dtype=float)
        if tstarts.ndim != 2 or tstarts.shape[1] != 2:
            raise ValueError(f"{who}: `trajectories` must be an int or an array (k, 2) of "
                             f"starting points; got shape {tstarts.shape}.")
        out = np.asarray(_trajectories(system, base, ix, iy, jnp.asarray(tstarts, dtype),
                                       float(duration), 400))
        paths = tuple(p[np.all(np.isfinite(p), axis=1)] for p in out)
    return PhasePlane(names=(x, y), x=np.asarray(xs), y=np.asarray(ys), dx=np.asarray(dx),
                      dy=np.asarray(dy), fixed_points=roots, eigenvalues=lam,
                      stability=tuple(classify(row) for row in lam), trajectories=paths,
                      frozen=np.asarray(base))
