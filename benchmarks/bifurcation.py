"""Bifurcation benchmark: the seed's Wilson-Cowan and FitzHugh-Nagumo analyses, neurojax vs
BrainPy's `Bifurcation2D`, in the same run.

Workload (the BrainPy tutorial's): Wilson-Cowan with the seed's parameters over the input
x_ext in [-2, 2], FitzHugh-Nagumo (alpha=3, beta=4, gamma=-1.5, delta=0, epsilon=0.5,
tau=20) over x_ext in [0, 2]; parameter resolution 0.01 (400 and 200 values); limit cycles
by 500 ms simulations at every value. Each simulator runs in its own process:

- BrainPy (`peers/brainpy_bifurcation.py`, the venv python `--brainpy-python`):
  `plot_bifurcation()` (candidate search + optimisation + de-duplication + stability) and
  `plot_limit_cycle_by_sim(duration=500)`;
- neurojax: `fixed_points(over=...)` on the same parameter grid (the same brute-force
  question: every fixed point at every value, vectorised Newton from a 12 x 12 grid of starts
  in the same state box), `continuation` (pseudo-arclength branches with the folds and Hopf
  points located), and `limit_cycles` on the same grid (500 ms at fixed steps of 0.1 ms
  (Tsit5), like BrainPy's fixed-step simulations; the last 250 ms measured; two starts per
  value). First call (with compilation) and a second call.

Both in float64 by default. The fixed points are compared value by value: the number found
and the largest distance from each BrainPy point to the nearest neurojax one. Prints a table
and, with `--write`, appends it to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "peers"))

from _driver import append_section  # noqa: E402

#: analysis -> (interval of the input x_ext, state box of the fixed-point search)
ANALYSES = {
    "wilson_cowan": ((-2.0, 2.0), {"x": (-0.2, 1.0), "y": (-0.2, 1.0)}),
    "fitzhugh_nagumo": ((0.0, 2.0), {"x": (-2.0, 2.0), "y": (-2.0, 2.0)}),
}


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    first = time.perf_counter() - start
    start = time.perf_counter()
    fn()
    return out, first, time.perf_counter() - start


def _neurojax_worker(resolution: float, duration: float, out: str, float32: bool) -> dict:
    import jax

    if not float32:
        jax.config.update("jax_enable_x64", True)
    import neurojax as nj

    models = {"wilson_cowan": nj.masses.WilsonCowan(1),
              "fitzhugh_nagumo": nj.masses.FitzHughNagumo(1)}
    result, saved = {"sim": "neurojax", "precision": "float32" if float32 else "float64"}, {}
    for name, (interval, box) in ANALYSES.items():
        model = models[name]
        values = np.arange(interval[0], interval[1], resolution)
        fps, fp_first, fp_run = _timed(lambda m=model, v=values, b=box: nj.analysis.fixed_points(
            m, over={"x": v}, bounds=b))
        diagram, c_first, c_run = _timed(lambda m=model, i=interval, b=box:
                                         nj.analysis.continuation(m, "x", i, bounds=b))
        cycles, lc_first, lc_run = _timed(lambda m=model, v=values, b=box: nj.analysis.limit_cycles(
            m, "x", v, bounds=b, duration=duration, transient=duration / 2, dt=0.1, rtol=None))
        saved[f"{name}_parameters"] = fps.parameter
        saved[f"{name}_states"] = fps.states
        result[name] = {
            "fixed_points_s": [fp_first, fp_run], "continuation_s": [c_first, c_run],
            "limit_cycles_s": [lc_first, lc_run], "n_fixed_points": len(fps),
            "points": [f"{p.kind} {float(p.value):.5f}" for p in diagram.points],
            "cycles": [round(float(cycles.values[cycles.exists].min()), 6),
                       round(float(cycles.values[cycles.exists].max()), 6)]
            if cycles.exists.any() else None,
        }
    np.savez(out, **saved)
    return result


def _subprocess(cmd: list[str]) -> dict | None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=3600)
    except (OSError, subprocess.SubprocessError) as err:
        print(f"  skipped {' '.join(cmd[:2])}: {err}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _compare(ours: Path, theirs: Path, name: str) -> tuple[int, int, float]:
    """(values where the counts differ, values compared, largest distance (max norm) from a
    BrainPy fixed point to the nearest neurojax one at the same value)."""
    a, b = np.load(ours), np.load(theirs)
    pa, sa = a[f"{name}_parameters"], a[f"{name}_states"]
    pb, sb = b[f"{name}_parameters"], b[f"{name}_states"]
    keys = np.unique(np.round(np.r_[pa, pb], 9))
    mismatched, worst = 0, 0.0
    for k in keys:
        mine = sa[np.abs(pa - k) < 1e-9]
        peer = sb[np.abs(pb - k) < 1e-9]
        if len(mine) != len(peer):
            mismatched += 1
        for point in peer:
            if len(mine):
                worst = max(worst, float(np.min(np.max(np.abs(mine - point), axis=1))))
    return mismatched, keys.size, worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resolution", type=float, default=0.01)
    ap.add_argument("--cycle-duration", type=float, default=500.0)
    ap.add_argument("--float32", action="store_true")
    ap.add_argument("--brainpy-python", default=os.environ.get(
        "NEUROJAX_BRAINPY_BIFURCATION_PYTHON", "/work/venvs/brainpy/bin/python"))
    ap.add_argument("--write", action="store_true", help="append the table to RESULTS.md")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(_neurojax_worker(args.resolution, args.cycle_duration, args.worker,
                                          args.float32)))
        return

    tmp = Path(tempfile.mkdtemp(prefix="nj_bifurcation_"))
    common = ["--resolution", str(args.resolution), "--cycle-duration",
              str(args.cycle_duration)] + (["--float32"] if args.float32 else [])
    mine = _subprocess([sys.executable, __file__, *common, "--worker", str(tmp / "nj.npz")])
    peer = (_subprocess([args.brainpy_python, str(HERE / "peers/brainpy_bifurcation.py"),
                         *common, "--out", str(tmp / "bp.npz")])
            if os.path.exists(args.brainpy_python) else None)
    if mine is None:
        sys.exit("the neurojax run failed")
    lines = ["| model | step | BrainPy (s) | neurojax first call (s) | neurojax run (s) | "
             "speed-up (first call) | fixed points (BrainPy / neurojax) |",
             "|" + " --- |" * 7]
    notes = []
    for name in ANALYSES:
        ours = mine[name]
        theirs = peer[name] if peer else {}
        fp = "-"
        if peer:
            bad, total, worst = _compare(tmp / "nj.npz", tmp / "bp.npz", name)
            fp = (f"{theirs['n_fixed_points']} / {ours['n_fixed_points']}; counts differ at "
                  f"{bad} of {total} values; max distance {worst:.1e}")
        rows = [("fixed points on the grid", theirs.get("fixed_points_s"),
                 ours["fixed_points_s"], fp),
                ("continuation (branches, folds, Hopf)", None, ours["continuation_s"], ""),
                ("limit cycles by simulation", theirs.get("limit_cycles_s"),
                 ours["limit_cycles_s"], "")]
        total_peer = sum(theirs.get(k, 0.0) for k in ("fixed_points_s", "limit_cycles_s"))
        total_mine = [ours["fixed_points_s"][i] + ours["limit_cycles_s"][i] for i in (0, 1)]
        rows.append(("total (fixed points + cycles)", total_peer or None, total_mine, ""))
        for step, bp_s, (first, run), extra in rows:
            ratio = f"{bp_s / first:.1f}x" if bp_s else "-"
            lines.append(f"| {name} | {step} | {f'{bp_s:.2f}' if bp_s else '-'} | "
                         f"{first:.2f} | {run:.2f} | {ratio} | {extra} |")
        notes.append(f"{name}: neurojax bifurcation points {ours['points']}; stable cycles "
                     f"for x_ext in {ours['cycles']}")
    table = "\n".join(lines)
    print(table)
    print("\n".join(notes))
    if args.write:
        version = f"BrainPy {peer['version']}" if peer else "BrainPy not run"
        append_section(HERE / "RESULTS.md", "bifurcation.py", "CPU",
                       f"The seed's Bifurcation2D analyses at resolution {args.resolution}, "
                       f"{mine['precision']}, {version}; limit cycles from "
                       f"{args.cycle_duration:g} ms simulations.\n\n{table}\n\n"
                       + "\n".join(f"- {n}" for n in notes))


if __name__ == "__main__":
    main()
