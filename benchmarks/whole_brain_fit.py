"""Whole-brain FC fit: coupling strength, conduction speed and noise of the seed's model.

Runs `neurojax.examples.fit_whole_brain_fc` (FitzHugh-Nagumo on hcp80, diffusive coupling,
delays = fibre length / speed, OU noise, input 0.72): a grid scan over (strength, speed,
sigma) on 6 s runs, gradient refinement of the best grid point with `nj.fit.optimize` on short
runs, then the seed's score (mean over the 7 subjects of the correlation of simulated and
empirical FC, 6 s at dt 0.1 ms, first second dropped) averaged over noise seeds not used in
the fit, for the fitted values, the grid's best point and the seed's hand-set values (K = 1,
v = 20 mm/ms, sigma = 0.01; the seed reports 0.53 for one run) on the same seeds.

Prints the fitted values, the time of each stage and the scores; with `--write` appends a
section to benchmarks/RESULTS.md (atomically: the new file replaces the old in one rename).
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "peers"))

from _driver import append_section  # noqa: E402


def _fmt_params(params: dict[str, float]) -> str:
    return (f"K = {params['coupling.strength']:.3f}, v = {params['speed']:.2f} mm/ms, "
            f"sigma = {params['noise.sigma']:.5f}")


def _fmt_score(score) -> str:
    seeds = ", ".join(f"{s:.3f}" for s in score.per_seed)
    return f"{score.mean:.3f} (per seed: {seeds})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=10, help="gradient refinement steps")
    ap.add_argument("--fit-duration", type=float, default=1000.0,
                    help="run length of the refinement (ms)")
    ap.add_argument("--seeds", type=int, default=4, help="evaluation noise seeds (1..n)")
    ap.add_argument("--write", action="store_true", help="append a section to RESULTS.md")
    args = ap.parse_args()

    import jax

    from neurojax.examples import fit_whole_brain_fc

    stamp = datetime.date.today().isoformat()  # the day the run started
    start = time.perf_counter()
    result = fit_whole_brain_fc(steps=args.steps, fit_duration=args.fit_duration,
                                eval_seeds=tuple(range(1, args.seeds + 1)),
                                key=jax.random.key(0))
    total = time.perf_counter() - start
    grid = result.grid
    lines = [
        f"grid: strength {grid['coupling.strength']}, speed {grid['speed']} mm/ms, "
        f"sigma {grid['noise.sigma']} ({result.grid_scores.size} runs of 6 s, noise key 0); "
        f"best grid score {result.grid_scores.max():.3f}",
        f"grid best (start):  {_fmt_params(result.start)}",
        f"fitted:             {_fmt_params(result.params)}",
        f"refinement: {result.history.steps if result.history else 0} adam steps on "
        f"{args.fit_duration:g} ms runs, loss {result.history.loss[0]:.4f} -> "
        f"{result.history.best_loss:.4f}" if result.history else "refinement: none",
        f"time: grid {result.timings['grid']:.0f} s, refinement {result.timings['refine']:.0f} "
        f"s, evaluation {result.timings['evaluate']:.0f} s, total {total:.0f} s",
        f"score (mean FC corr over 7 subjects, 6 s at dt 0.1 ms, first 1 s dropped, "
        f"seeds 1..{args.seeds}):",
        f"  seed parameters (K 1, v 20, sigma 0.01): {_fmt_score(result.seed_score)}",
        f"  grid best:                               {_fmt_score(result.start_score)}",
        f"  fitted:                                  {_fmt_score(result.score)}",
        "  per subject (fitted): " + ", ".join(f"{s:.3f}" for s in result.score.per_subject),
    ]
    report = "\n".join(lines)
    print(report)
    if args.write:
        append_section(HERE / "RESULTS.md", "whole_brain_fit.py", f"CPU (jax {jax.__version__})", (
            f"Fit of the seed's whole-brain model (FitzHugh-Nagumo on hcp80, input 0.72) to the "
            f"mean empirical FC: coupling strength K, conduction speed v and OU noise sigma. "
            f"Command: `python benchmarks/whole_brain_fit.py --write` (machine shared with "
            f"other jobs, so times are upper bounds).\n\n```\n{report}\n```"), date=stamp)


if __name__ == "__main__":
    main()
