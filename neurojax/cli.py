"""The `neurojax` command: list and run the bundled examples."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ._files import write_atomically


def _save_figure(fig, path: Path) -> None:
    write_atomically(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"), suffix=".png")


def _list(_args) -> int:
    from .examples import EXAMPLES

    width = max(len(n) for n in EXAMPLES)
    for name, example in EXAMPLES.items():
        print(f"{name:<{width}}  {example.description} ({example.duration:g} ms)")
    return 0


def _run(args) -> int:
    from .examples import EXAMPLES

    if args.name not in EXAMPLES:
        import difflib

        close = difflib.get_close_matches(args.name, list(EXAMPLES), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        print(f"neurojax: unknown example {args.name!r}.{hint} `neurojax list` shows them.",
              file=sys.stderr)
        return 2
    example = EXAMPLES[args.name]
    duration = example.duration if args.duration is None else args.duration
    dt = example.dt if args.dt is None else args.dt
    import jax
    import matplotlib

    matplotlib.use("Agg")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"{example.name}: {example.description}; {duration:g} ms at dt {dt:g} ms")
    start = time.perf_counter()
    traj = example.simulate(duration, dt, jax.random.key(args.seed), not args.quiet)
    jax.block_until_ready(traj.ts)
    elapsed = time.perf_counter() - start
    data_path = traj.save(out / f"{example.name}.npz")
    fig, summary = example.figure(traj)
    png = out / f"{example.name}.png"
    _save_figure(fig, png)
    summary = {"example": example.name, "duration_ms": duration, "dt_ms": dt,
               "seconds_incl_compile": round(elapsed, 3), **summary}
    print(json.dumps(summary))
    print(f"wrote {png} and {data_path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="neurojax", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the bundled examples").set_defaults(func=_list)
    run = sub.add_parser("run", help="run an example; write a PNG and an .npz of the results")
    run.add_argument("name", help="example name (see `neurojax list`)")
    run.add_argument("--duration", type=float, help="simulated time (ms)")
    run.add_argument("--dt", type=float, help="integration step (ms)")
    run.add_argument("--seed", type=int, default=0, help="random seed (noise, initial values)")
    run.add_argument("--out", default="neurojax-out", help="output directory")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=_run)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
