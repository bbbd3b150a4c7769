"""Peer benchmark: the seed's two bifurcation analyses with BrainPy's `Bifurcation2D`.

The BrainPy tutorial's calls, unchanged: the Wilson-Cowan model (`bp.dyn.WilsonCowanModel`
with wEE=16, wIE=15, wEI=12, wII=3, E_a=I_a=1.5, E_theta=I_theta=3) over `x_ext` in [-2, 2]
with `target_vars` x, y in [-0.2, 1], and the FitzHugh-Nagumo rate model (`bp.dyn.FHN`,
defaults alpha=3, beta=4, gamma=-1.5, delta=0, epsilon=0.5, tau=20) over `x_ext` in [0, 2]
with x, y in [-2, 2]; `y_ext` = 0 and resolution 0.01 for both. For each model, times
`plot_bifurcation()` (candidate search, optimisation, de-duplication, stability; its plot
is drawn on the Agg backend) and `plot_limit_cycle_by_sim(duration=500)` (one 500 ms
simulation from every fixed point + 1), and writes the fixed points found to `--out` (npz:
`<model>_parameters`, `<model>_states`). Prints one JSON line.

Run with the BrainPy venv's python (BrainPy 2.6.1 on Python 3.11; see benchmarks/README.md):
``/work/venvs/brainpy/bin/python benchmarks/peers/brainpy_bifurcation.py --out /tmp/bp.npz``.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("MPLBACKEND", "Agg")


def _analyses(bp):
    wc = bp.dyn.WilsonCowanModel(1, wEE=16.0, wIE=15.0, wEI=12.0, wII=3.0, E_a=1.5, I_a=1.5,
                                 E_theta=3.0, I_theta=3.0)
    fhn = bp.dyn.FHN(1)
    return {
        "wilson_cowan": dict(model=wc, target_vars={"x": [-0.2, 1.0], "y": [-0.2, 1.0]},
                             target_pars={"x_ext": [-2, 2]}),
        "fitzhugh_nagumo": dict(model=fhn, target_vars={"x": [-2, 2], "y": [-2, 2]},
                                target_pars={"x_ext": [0, 2]}),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resolution", type=float, default=0.01)
    ap.add_argument("--cycle-duration", type=float, default=500.0)
    ap.add_argument("--float32", action="store_true", help="BrainPy's default precision")
    ap.add_argument("--out", default="brainpy_bifurcation.npz")
    args = ap.parse_args()

    import brainpy as bp
    import brainpy.math as bm
    import matplotlib.pyplot as plt
    import numpy as np

    if not args.float32:
        bm.enable_x64()
    result = {"peer": "brainpy", "version": bp.__version__,
              "precision": "float32" if args.float32 else "float64"}
    saved = {}
    for name, spec in _analyses(bp).items():
        start = time.perf_counter()
        bf = bp.analysis.Bifurcation2D(spec["model"], target_vars=spec["target_vars"],
                                       target_pars=spec["target_pars"],
                                       pars_update={"y_ext": 0.0},
                                       resolutions={"x_ext": args.resolution})
        states, parameters, _ = bf.plot_bifurcation(with_return=True)
        fixed_s = time.perf_counter() - start
        start = time.perf_counter()
        bf.plot_limit_cycle_by_sim(duration=args.cycle_duration)
        cycles_s = time.perf_counter() - start
        plt.close("all")
        saved[f"{name}_parameters"] = np.asarray(parameters)[:, 0]
        saved[f"{name}_states"] = np.asarray(states)
        result[name] = {"fixed_points_s": fixed_s, "limit_cycles_s": cycles_s,
                        "n_fixed_points": int(np.asarray(states).shape[0])}
    np.savez(args.out, **saved)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
