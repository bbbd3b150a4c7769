"""Bifurcation diagrams: equilibrium branches by stability, fold and Hopf points, limit-cycle
extrema; and two-parameter curves of folds and Hopf points."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ._traces import _new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..analysis import BifurcationCurve, BifurcationDiagram, LimitCycles

_MARKERS = {"fold": ("o", "C3"), "hopf": ("s", "C2"), "branch point": ("D", "C4")}


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index ranges of constant value in `mask`, overlapping by one point so
    that consecutive pieces join."""
    edges = np.flatnonzero(np.diff(mask.astype(int))) + 1
    bounds = np.r_[0, edges, mask.size]
    return [(int(a), int(min(b + 1, mask.size))) for a, b in zip(bounds[:-1], bounds[1:],
                                                                  strict=True)]


def _point_label(point) -> str:
    if point.kind == "hopf":
        crit = point.criticality
        return f"Hopf ({crit})" if crit in ("supercritical", "subcritical") else "Hopf"
    return point.kind


def bifurcation(
    diagram: BifurcationDiagram | BifurcationCurve | Sequence[BifurcationCurve],
    variable: str | None = None,
    *,
    cycles: LimitCycles | None = None,
    ax: Axes | None = None,
    annotate: bool = True,
) -> Axes:
    """Plots a one-parameter bifurcation diagram, or two-parameter bifurcation curves.

    One parameter (`diagram` from `nj.analysis.continuation`): the branches of equilibria
    of `variable` against the parameter, stable solid and unstable dashed; folds (circles),
    Hopf points (squares: filled supercritical, open subcritical) and branch points
    (diamonds) marked and, with `annotate`, labelled with their parameter value; with
    `cycles` (from `nj.analysis.limit_cycles`), the maximum and minimum of `variable` over
    each stable limit cycle, and the hysteresis ranges shaded.

    Two parameters (one or more `BifurcationCurve`s from
    `nj.analysis.continue_bifurcation`): each curve in the plane of its second parameter
    (horizontal) and its first (vertical), folds red, Hopf curves green.

    Args:
        diagram: a `BifurcationDiagram`, a `BifurcationCurve` or a list of curves.
        variable: the variable or observable on the vertical axis of a one-parameter diagram
            (default the first state variable).
        cycles: limit-cycle extrema to overlay (must contain `variable`).
        ax: axes to draw into; default a new figure.
        annotate: write the parameter value next to each bifurcation point.

    Returns:
        The matplotlib `Axes`.

    Raises:
        ValueError: unknown variable, or `cycles` over another parameter or without it.
    """
    from ..analysis import BifurcationCurve

    if isinstance(diagram, BifurcationCurve) or (
            isinstance(diagram, Sequence) and diagram
            and all(isinstance(c, BifurcationCurve) for c in diagram)):
        return _curves([diagram] if isinstance(diagram, BifurcationCurve) else list(diagram),
                       ax)
    if not hasattr(diagram, "branches"):
        raise TypeError(f"bifurcation: expected a BifurcationDiagram or BifurcationCurve(s); "
                        f"got {type(diagram).__name__}.")
    if variable is None:
        variable = diagram.labels[0]
    per_branch = diagram.values(variable)
    if ax is None:
        ax = _new_axes((7.0, 4.2))
    shown = set()
    for branch, values in zip(diagram.branches, per_branch, strict=True):
        for a, b in _runs(branch.stable):
            stable = bool(branch.stable[a])
            label = "stable equilibria" if stable else "unstable equilibria"
            ax.plot(branch.parameter[a:b], values[a:b], color="k" if stable else "0.45",
                    ls="-" if stable else "--", lw=1.8 if stable else 1.3,
                    label=None if label in shown else label)
            shown.add(label)
    for point in diagram.points:
        marker, color = _MARKERS[point.kind]
        value = float(point.value)
        level = float(np.asarray(diagram.system.observable(point.state[None], variable))[0])
        filled = not (point.kind == "hopf" and point.criticality == "subcritical")
        label = _point_label(point)
        ax.plot([value], [level], marker=marker, ms=8, mec=color, mew=1.6, ls="none",
                mfc=color if filled else "white", zorder=5,
                label=None if label in shown else label)
        shown.add(label)
        if annotate:
            ax.annotate(f"{value:.4g}", (value, level), xytext=(6, 6),
                        textcoords="offset points", fontsize="small", color=color)
    if cycles is not None:
        _cycles(ax, cycles, variable, diagram.parameter_name)
    ref = diagram.system.active[0]
    ax.set_xlabel(f"{diagram.parameter_name} (input)" if ref.kind == "input"
                  else diagram.parameter_name)
    ax.set_ylabel(variable)
    ax.set_xlim(*diagram.interval)
    ax.grid(alpha=0.25)
    ax.legend(fontsize="small", framealpha=0.85)
    return ax


def _cycles(ax: Axes, cycles: LimitCycles, variable: str, parameter: str) -> None:
    if cycles.parameter_name != parameter:
        raise ValueError(f"bifurcation: `cycles` are over {cycles.parameter_name}, the diagram "
                         f"over {parameter}; sweep the same parameter.")
    key = variable if variable in cycles.maxima else variable.split(".", 1)[-1]
    if key not in cycles.maxima:
        raise ValueError(f"bifurcation: `cycles` has no extrema of {variable!r}; it has "
                         f"{list(cycles.maxima)}. Pass variables=[{variable!r}] to "
                         f"limit_cycles.")
    on = cycles.exists
    ax.plot(cycles.values[on], cycles.maxima[key][on], ".", color="C1", ms=4,
            label="stable cycle max / min")
    ax.plot(cycles.values[on], cycles.minima[key][on], ".", color="C1", ms=4)
    for k, (lo, hi) in enumerate(cycles.hysteresis):
        ax.axvspan(lo, hi, color="C1", alpha=0.12, lw=0,
                   label="bistable (hysteresis)" if k == 0 else None)


def _curves(curves: list[BifurcationCurve], ax: Axes | None) -> Axes:
    if ax is None:
        ax = _new_axes((6.0, 4.5))
    names = {c.parameter_names for c in curves}
    if len(names) != 1:
        raise ValueError(f"bifurcation: the curves lie in different parameter planes: "
                         f"{sorted(names)}.")
    shown = set()
    for curve in curves:
        _, color = _MARKERS[curve.kind]
        label = f"{curve.kind} curve" if curve.kind == "fold" else "Hopf curve"
        ax.plot(curve.values[:, 1], curve.values[:, 0], color=color, lw=1.8,
                label=None if label in shown else label)
        shown.add(label)
    first, second = names.pop()
    ax.set_xlabel(second)
    ax.set_ylabel(first)
    ax.grid(alpha=0.25)
    ax.legend(fontsize="small", framealpha=0.85)
    return ax
