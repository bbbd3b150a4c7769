"""Phase planes: vector field, nullclines, trajectories and fixed points by stability."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._traces import _new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..analysis import PhasePlane

_STYLE = {  # marker, face colour
    "stable node": ("o", "k"), "stable focus": ("o", "k"),
    "unstable node": ("o", "white"), "unstable focus": ("o", "white"),
    "saddle": ("X", "C3"), "saddle-focus": ("X", "C3"),
    "centre": ("D", "C2"), "non-hyperbolic": ("D", "C4"),
}


def phase_plane(plane: PhasePlane, *, ax: Axes | None = None, streamlines: bool = True,
                density: float = 1.0) -> Axes:
    """Plots a phase plane from `nj.analysis.phase_plane`.

    The vector field as streamlines (or arrows, `streamlines=False`) shaded by speed, the
    nullclines (zero contours of each derivative: x blue, y orange), the trajectories
    (purple, their start marked), and the fixed points: stable filled black, unstable open,
    saddles red crosses, each type once in the legend.

    Args:
        plane: a `PhasePlane`.
        ax: axes to draw into; default a new figure.
        streamlines: streamlines (True) or a quiver of arrows.
        density: streamline density.

    Returns:
        The matplotlib `Axes`.
    """
    if not hasattr(plane, "dx"):
        raise TypeError(f"phase_plane: expected a PhasePlane from nj.analysis.phase_plane; got "
                        f"{type(plane).__name__}.")
    if ax is None:
        ax = _new_axes((5.6, 5.0))
    x, y, dx, dy = plane.x, plane.y, plane.dx, plane.dy
    speed = np.hypot(dx, dy)
    if streamlines:
        ax.streamplot(x, y, dx, dy, color=np.log10(speed + 1e-12), cmap="Greys",
                      density=density, linewidth=0.6, arrowsize=0.8)
    else:
        step = max(1, x.size // 20)
        norm = np.where(speed > 0, speed, 1.0)
        ax.quiver(x[::step], y[::step], (dx / norm)[::step, ::step],
                  (dy / norm)[::step, ::step], color="0.5", angles="xy", pivot="mid")
    names = plane.names
    for field, color, name in ((dx, "C0", names[0]), (dy, "C1", names[1])):
        if np.nanmin(field) < 0 < np.nanmax(field):
            ax.contour(x, y, field, levels=[0.0], colors=[color], linewidths=2.0)
            ax.plot([], [], color=color, lw=2.0, label=f"d{name}/dt = 0")
    for k, path in enumerate(plane.trajectories):
        ax.plot(path[:, 0], path[:, 1], color="C4", lw=1.1, alpha=0.9,
                label="trajectories" if k == 0 else None)
        ax.plot(path[:1, 0], path[:1, 1], ".", color="C4", ms=6)
    shown = set()
    for point, kind in zip(plane.fixed_points, plane.stability, strict=True):
        marker, face = _STYLE[kind]
        ax.plot([point[0]], [point[1]], marker=marker, ms=9, mfc=face,
                mec="k" if face != "C3" else "C3", mew=1.5, ls="none", zorder=6,
                label=None if kind in shown else kind)
        shown.add(kind)
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(y[0], y[-1])
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.legend(fontsize="small", framealpha=0.85, loc="best")
    return ax
