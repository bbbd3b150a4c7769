"""Writes tests/data/coba_brian2_reference.json: E/I COBA statistics from Brian2 over seeds.

Runs the network of `brian2_coba.py` (4000 neurons by default) once per seed with Brian2's
runtime device (Cython code generation, compiled once and cached; the same equations,
integration scheme, threshold, reset, refractoriness and spike delivery as the
`cpp_standalone` benchmark), and records per seed the mean E and I rates (Hz) and mean CVs
of the interspike intervals after the transient, and their mean and standard deviation over
seeds, with the Brian2 version and the date. `tests/test_reference.py` compares neurojax's
seed-averaged statistics with these.

Run with the Brian2 venv's python from the repo root:
``/work/venvs/brian2/bin/python benchmarks/peers/make_reference.py --seeds 16``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import time
from importlib.metadata import version
from pathlib import Path

import _coba_common as common
import numpy as np
from brian2_coba import build_network

OUT = Path(__file__).resolve().parents[2] / "tests/data/coba_brian2_reference.json"
KEYS = ("rate_E_hz", "rate_I_hz", "cv_isi_E", "cv_isi_I")


def main():
    """Run the seeds and write the JSON file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--duration", type=float, default=600.0, help="simulated ms")
    ap.add_argument("--transient", type=float, default=100.0, help="ms dropped")
    ap.add_argument("--seeds", type=int, default=16, help="seeds 0 .. seeds-1")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()

    import brian2 as b2

    b2.prefs.logging.console_log_level = "WARNING"
    b2.prefs.codegen.target = "cython"
    n_exc, n_inh, _ = common.sizes(args.n)
    runs = []
    for seed in range(args.seeds):
        start = time.perf_counter()
        b2.start_scope()
        b2.defaultclock.dt = common.DT * b2.ms
        net, monitor = build_network(b2, args.n, seed)
        net.run(args.duration * b2.ms)
        times = np.asarray(monitor.t / b2.ms) + common.DT
        stats = common.ei_stats(times, np.asarray(monitor.i), n_exc, n_inh, args.transient,
                                args.duration)
        runs.append({"seed": seed, **stats})
        print(f"seed {seed}: {stats} ({time.perf_counter() - start:.1f} s)", flush=True)
    summary = {k: {"mean": round(float(np.mean([r[k] for r in runs])), 4),
                   "std": round(float(np.std([r[k] for r in runs], ddof=1)), 4)}
               for k in KEYS}
    reference = {
        "model": "E/I balanced COBA network (benchmarks/peers/_coba_common.py)",
        "simulator": f"Brian2 {version('brian2')} runtime device, Cython code generation, "
                     f"float64, exponential_euler",
        "brian2_version": version("brian2"),
        "python": platform.python_version(),
        "date": datetime.date.today().isoformat(),
        "script": "benchmarks/peers/make_reference.py",
        "n": args.n, "n_exc": n_exc, "n_inh": n_inh,
        "connection_probability": common.sizes(args.n)[2],
        "dt_ms": common.DT, "duration_ms": args.duration, "transient_ms": args.transient,
        "statistics": "mean rate (Hz) and mean CV of ISIs (units with >= 3 spikes) over "
                      "transient < t <= duration",
        "summary": summary,
        "seeds": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(reference, indent=1) + "\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
