"""E/I balanced COBA benchmark: the seed's spiking network, neurojax vs Brian2 and BrainPy.

Workload (`benchmarks/peers/_coba_common.py`): n LIF neurons, 80% excitatory, connection
probability 80 / n from each population to every neuron (0.02 at n = 4000: fixed expected
in-degree 80 when scaled), exponential conductance-based synapses (E: 0.6, 5 ms, 0 mV; I:
6.7, 10 ms, -80 mV), input 20 mV, v(0) ~ Normal(-55, 2) mV, dt 0.1 ms, every spike recorded.
neurojax runs the bundled example's network (`ei_balanced_network`). Every simulator runs in
its own process (so peak memory is its own), in the same invocation of this script:

- neurojax: network build, first `simulate` call (compile + run; the compile time is what
  JAX's monitoring events count), median of `--repeats` further runs of the same
  simulation; with `--neurojax-cores 1` the worker is pinned to one core, so XLA runs on
  one thread, as Brian2's binary does (by default XLA splits some operations of a step
  over all cores, which on a shared machine can cost more wall time than it saves);
- Brian2, `cpp_standalone` (`benchmarks/peers/brian2_coba.py`): code generation + C++
  compile, then the binary (the simulation loop timed by Brian2 itself);
- BrainPy 2.x, jit (`benchmarks/peers/brainpy_coba.py`): network build, first
  `bm.for_loop` (compile + run), a second run.

Rates and mean CVs of the interspike intervals (after `--transient` ms) are printed beside
the times, so that the same work is compared. `run CPU` is the CPU time of the run (all
threads): less sensitive than wall time to other load on a shared machine (for Brian2, the
whole binary's, connectivity and output included). Brian2's peak RSS is that of its Python
process (code generation) plus that of the binary. Prints a table with ratios (peer run time
/ neurojax run time) and, with `--write`, appends it to benchmarks/RESULTS.md.

    python benchmarks/coba.py --sizes 4000 --durations 1000     # a quick run
    python benchmarks/coba.py --write                           # 4k/16k/64k x 1 s/10 s
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "peers"))

import _coba_common as common  # noqa: E402
from _driver import CompileClock, append_section, fmt, run_json  # noqa: E402


def _neurojax_worker(n: int, duration: float, seed: int, transient: float,
                     repeats: int, cores: int) -> dict:
    if cores:  # before XLA starts: it sizes its thread pool and its partitions from these
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:cores])
    import equinox as eqx
    import jax
    import numpy as np

    import neurojax as nj
    from neurojax.examples._spiking import EI_INPUT, ei_balanced_network

    n_exc, n_inh, p = common.sizes(n)
    net_key, run_key = jax.random.split(jax.random.key(seed))
    start = time.perf_counter()
    net = ei_balanced_network(n_exc, n_inh, p=p, key=net_key)
    jax.block_until_ready(eqx.filter(net, eqx.is_array))
    build_s = time.perf_counter() - start

    def run():
        traj = nj.simulate(net, duration, common.DT, inputs={"E": EI_INPUT, "I": EI_INPUT},
                           record=["E.spike", "I.spike"], key=run_key)
        return jax.block_until_ready(traj)

    clock = CompileClock()
    times, cpu = [], []
    for _ in range(repeats + 1):
        start, start_cpu = time.perf_counter(), time.process_time()
        traj = run()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    run_s = statistics.median(times[1:])
    t_e, u_e = traj.spike_times("E.spike")
    t_i, u_i = traj.spike_times("I.spike")
    stats = common.ei_stats(np.concatenate([t_e, t_i]), np.concatenate([u_e, u_i + n_exc]),
                            n_exc, n_inh, transient, duration)
    return {"sim": "neurojax", "version": nj.__version__, "jax": jax.__version__,
            "build_s": round(build_s, 4), "first_call_s": round(times[0], 4),
            "compile_s": round(clock.seconds, 4), "run_s": round(run_s, 4),
            "run_cpu_s": round(statistics.median(cpu[1:]), 4), **stats,
            "peak_rss_mb": common.peak_rss_mb()}


def _rows(n: int, duration: float, results: list[dict]) -> list[str]:
    by_name = {r["sim"]: r for r in results}
    reference = by_name.get("neurojax", {}).get("run_s")
    lines = []
    for r in results:
        ratio = f"{r['run_s'] / reference:.2f}x" if reference else "n/a"
        lines.append(
            f"| {r['sim']} | {n:,} | {duration / 1000:g} | {fmt(r.get('build_s'), '.2f')} | "
            f"{fmt(r.get('compile_s'), '.2f')} | {r['run_s']:.3f} | "
            f"{fmt(r.get('run_cpu_s'), '.2f')} | {ratio} | {r['rate_E_hz']:.1f} | "
            f"{r['rate_I_hz']:.1f} | {r['cv_isi_E']:.2f} | {r['cv_isi_I']:.2f} | "
            f"{r['peak_rss_mb']:.0f} |")
    return lines


HEADER = ("| simulator | neurons | biol. s | build (s) | compile (s) | run (s) | run CPU (s) | "
          "peer / neurojax run | E rate (Hz) | I rate (Hz) | CV E | CV I | peak RSS (MB) |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[4000, 16000, 64000])
    ap.add_argument("--durations", type=float, nargs="+", default=[1000.0, 10000.0],
                    help="simulated times (ms)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--transient", type=float, default=100.0, help="ms dropped before stats")
    ap.add_argument("--repeats", type=int, default=2, help="neurojax runs after the first")
    ap.add_argument("--peers", nargs="*", default=["brian2", "brainpy"],
                    choices=["brian2", "brainpy"])
    ap.add_argument("--brian2-python", default=os.environ.get(
        "NEUROJAX_BRIAN2_PYTHON", "/work/venvs/brian2/bin/python"))
    ap.add_argument("--brainpy-python", default=os.environ.get(
        "NEUROJAX_BRAINPY_PYTHON", "/work/venvs/brainpy-coba/bin/python"))
    ap.add_argument("--brian2-threads", type=int, default=0, help="OpenMP threads of Brian2")
    ap.add_argument("--neurojax-cores", type=int, default=0,
                    help="CPU cores the neurojax worker may use (0: all); 1 runs XLA on one "
                         "thread, as Brian2's single-threaded binary")
    ap.add_argument("--timeout", type=float, default=3600.0, help="per simulator run (s)")
    ap.add_argument("--note", default="", help="a sentence for RESULTS.md (e.g. the load)")
    ap.add_argument("--write", action="store_true", help="append the table to RESULTS.md")
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(_neurojax_worker(args.worker, args.durations[0], args.seed,
                                          args.transient, args.repeats, args.neurojax_cores)))
        return

    lines = [HEADER, "|" + " --- |" * 13]
    print("\n".join(lines), flush=True)
    for duration in args.durations:
        for n in args.sizes:
            common_args = ["--duration", str(duration), "--seed", str(args.seed),
                           "--transient", str(args.transient)]
            runs = [run_json([sys.executable, __file__, "--durations", str(duration),
                                 "--seed", str(args.seed), "--transient", str(args.transient),
                                 "--repeats", str(args.repeats), "--worker", str(n),
                                 "--neurojax-cores", str(args.neurojax_cores)],
                                args.timeout)]
            if "brian2" in args.peers and os.path.exists(args.brian2_python):
                r = run_json([args.brian2_python, str(HERE / "peers/brian2_coba.py"),
                                 "--n", str(n), "--threads", str(args.brian2_threads),
                                 *common_args], args.timeout)
                if r is not None:
                    r["sim"] = f"Brian2 {r['version']} cpp_standalone"
                    r["run_cpu_s"] = r.get("binary_cpu_s")
                    # Python (code generation) and the binary run at the same time
                    r["peak_rss_mb"] += r.get("binary_peak_rss_mb", 0.0)
                runs.append(r)
            if "brainpy" in args.peers and os.path.exists(args.brainpy_python):
                r = run_json([args.brainpy_python, str(HERE / "peers/brainpy_coba.py"),
                                 "--n", str(n), *common_args], args.timeout)
                if r is not None:
                    r["sim"] = f"BrainPy {r['version']} jit"
                runs.append(r)
            rows = _rows(n, duration, [r for r in runs if r is not None])
            print("\n".join(rows), flush=True)
            lines += rows
    table = "\n".join(lines)
    if args.write:
        append_section(HERE / "RESULTS.md", "coba.py", "CPU only (no GPU)",
                       f"E/I balanced COBA network (80% E, in-degree 80, exponential COBA "
                       f"synapses, input 20 mV, dt 0.1 ms, every spike recorded), seed "
                       f"{args.seed}; rates and CVs after {args.transient:g} ms. Brian2 OpenMP "
                       f"threads: {args.brian2_threads or 'none (single thread)'}. "
                       f"neurojax cores: {args.neurojax_cores or 'all'}. "
                       f"{args.note}\n\n{table}")


if __name__ == "__main__":
    main()
