"""Whole-brain benchmark: the seed's FitzHugh-Nagumo model on hcp80, neurojax vs neurolib and TVB.

Workload: 80 FitzHugh-Nagumo nodes, diffusive coupling (K = 1) on the hcp80 connectome, delays
= fibre length / 20 mm/ms (up to 12.4 ms), OU noise sigma 0.01 on x and y, input 0.72, 6 s at
dt 0.1 ms (Euler-Maruyama, 60,000 steps). Every simulator runs in its own process (so peak
memory is its own), in the same invocation of this script:

- neurojax, single run: compile time (first call minus a run) and the median run time;
- neurojax, a sweep of 64 coupling strengths in one compiled `eqx.filter_vmap` call: time per
  simulation;
- neurolib (numba) and TVB, through `benchmarks/peers/*.py`, with the python of their
  virtual environments (`--neurolib-python`, `--tvb-python`; see benchmarks/README.md).

Prints a table with the ratios and, with `--write`, appends it to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "peers"))

from _driver import append_section  # noqa: E402


def _neurojax_worker(mode: str, duration: float, repeats: int, batch: int) -> dict:
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    import numpy as np

    import neurojax as nj
    from neurojax.examples import whole_brain_fhn

    brain = whole_brain_fhn()
    hcp = nj.datasets.hcp80()

    def run(strength, key):
        net = eqx.tree_at(lambda b: b.edges[0].coupling.strength, brain, strength)
        return nj.simulate(net, duration, 0.1, inputs={"x": 0.72}, record=["x"], key=key)["x"]

    if mode == "single":
        times = []
        for i in range(repeats + 1):
            start = time.perf_counter()
            x = jax.block_until_ready(run(jnp.array(1.0), jax.random.key(i)))
            times.append(time.perf_counter() - start)
        fc = nj.analysis.functional_connectivity(x, transient=10000)
        score = float(np.mean([nj.analysis.fc_correlation(fc, emp) for emp in hcp.fcs]))
        run_s = statistics.median(times[1:])
        return {"sim": "neurojax", "first_call_s": times[0], "compile_s": times[0] - run_s,
                "run_s": run_s, "fc_corr": score}
    strengths = jnp.linspace(0.2, 1.6, batch)
    sweep = eqx.filter_jit(eqx.filter_vmap(lambda s: run(s, jax.random.key(0))[-1]))
    start = time.perf_counter()
    jax.block_until_ready(sweep(strengths))
    first = time.perf_counter() - start
    start = time.perf_counter()
    jax.block_until_ready(sweep(strengths + 1e-3))
    total = time.perf_counter() - start
    return {"sim": f"neurojax vmap x{batch}", "first_call_s": first, "compile_s": first - total,
            "run_s": total, "per_sim_s": total / batch}


def _subprocess(cmd: list[str]) -> dict | None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=1800)
    except (OSError, subprocess.SubprocessError) as err:
        print(f"  skipped {' '.join(cmd[:2])}: {err}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=6000.0, help="simulated time (ms)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch", type=int, default=64, help="size of the vmapped sweep")
    ap.add_argument("--neurolib-python", default="/work/venvs/neurolib/bin/python")
    ap.add_argument("--tvb-python", default="/work/venvs/tvb/bin/python")
    ap.add_argument("--write", action="store_true", help="append the table to RESULTS.md")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        result = _neurojax_worker(args.worker, args.duration, args.repeats, args.batch)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    me = [sys.executable, __file__, "--duration", str(args.duration), "--repeats",
          str(args.repeats), "--batch", str(args.batch), "--worker"]
    results = [r for r in (
        _subprocess(me + ["single"]),
        _subprocess(me + ["sweep"]),
        _subprocess([args.neurolib_python, str(HERE / "peers/neurolib_fhn.py"), "--duration",
                     str(args.duration), "--repeats", str(args.repeats)])
        if os.path.exists(args.neurolib_python) else None,
        _subprocess([args.tvb_python, str(HERE / "peers/tvb_fhn.py"), "--duration",
                     str(args.duration)]) if os.path.exists(args.tvb_python) else None,
    ) if r is not None]
    by_name = {r.get("sim") or r.get("peer"): r for r in results}
    neurolib = by_name.get("neurolib", {}).get("run_s")
    tvb = by_name.get("tvb", {}).get("run_s")
    header = ("| simulator | first call (s) | compile (s) | run (s) | per simulation (s) | "
              "speed-up vs neurolib | vs TVB | peak RSS (MB) | FC corr |")
    lines = [header, "|" + " --- |" * 9]
    def ratio(reference: float | None, per: float) -> str:
        return f"{reference / per:.2f}x" if reference else "n/a"

    for r in results:
        name = r.get("sim") or r.get("peer")
        per = r.get("per_sim_s", r["run_s"])
        compile_s = r.get("compile_s", r["first_call_s"] - r["run_s"])
        lines.append(f"| {name} | {r['first_call_s']:.2f} | {compile_s:.2f} | {r['run_s']:.3f} | "
                     f"{per:.4f} | {ratio(neurolib, per)} | {ratio(tvb, per)} | "
                     f"{r['peak_rss_mb']:.0f} | "
                     f"{format(r['fc_corr'], '.3f') if 'fc_corr' in r else '-'} |")
    table = "\n".join(lines)
    print(table)
    if args.write:
        append_section(HERE / "RESULTS.md", "whole_brain.py", "CPU",
                       f"FHN on hcp80, delays, OU noise, {args.duration:g} ms at dt 0.1 ms; "
                       f"sweep of {args.batch} coupling strengths.\n\n{table}")


if __name__ == "__main__":
    main()
