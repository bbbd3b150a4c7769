"""Single-neuron benchmark: classic HH and an STG burster, neurojax vs jaxley and NEURON.

Workloads (`benchmarks/peers/_single_neuron_common.py`, float64 everywhere): 1 s of classic
Hodgkin-Huxley (10 µA/cm² step, from rest) and 1 s of one STG neuron (Prinz et al. 2003
kinetics, AB/PD 2 conductances of Prinz, Bucher & Marder 2004). Every simulator runs in its
own process (so peak memory is its own), in the same invocation of this script:

- neurojax (`--worker hh|stg`): fixed-step `nj.solvers.ExponentialEuler` (first order) and
  `nj.solvers.StaggeredExponentialEuler` (NEURON's staggered scheme, second order) at several
  dt and the default adaptive `Tsit5` at several rtol (atol = rtol / 100; v sampled every
  0.025 ms); for each, the first jitted call (compile + run) and the best of `--repeats`
  runs (wall and CPU time); the gradient of mean(v) with respect to every maximal
  conductance (HH 3, STG 8) relative to one forward run, in reverse mode (`jax.grad`,
  diffrax's default checkpointed adjoint) and in forward mode (`jax.jacfwd` with
  `diffrax.ForwardMode()`: one tangent per conductance); `--batch` cells with different
  conductances (each x U(0.8, 1.2)) in one population call against `--batch` times one
  run (v sampled every 1 ms in both);
- jaxley (`peers/jaxley_single.py`, HH only: no STG channels in jaxley);
- NEURON (`peers/neuron_single.py`, HH only): fixed step (backward Euler, Crank-Nicolson)
  and CVODE.

Every run's spike times (0 mV upward crossings) are compared with a `solve_ivp` reference
(DOP853, rtol 1e-10) of the same equations, computed once here; the error of the 5th spike
and the largest error over the second are printed beside the times. "Equal accuracy" pairs
each peer method with the cheapest neurojax method (by run CPU time) whose largest spike
error is no larger. CPU times (`getrusage`, all threads) are less sensitive than wall times
to other jobs on a shared machine. Prints the tables and, with `--write`, appends them to
benchmarks/RESULTS.md.

    python benchmarks/single_neuron.py --repeats 3 --batch 100    # quick
    python benchmarks/single_neuron.py --write --note "..."        # full

The peers' environments (their pythons: `--jaxley-python`, `--neuron-python`, or
`$NEUROJAX_JAXLEY_PYTHON`, `$NEUROJAX_NEURON_PYTHON`; a missing one is skipped):

    python3 -m venv /work/venvs/jaxley
    /work/venvs/jaxley/bin/pip install -r benchmarks/peers/requirements-jaxley.txt
    python3 -m venv /work/venvs/neuron
    /work/venvs/neuron/bin/pip install -r benchmarks/peers/requirements-neuron.txt
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "peers"))

import _single_neuron_common as common  # noqa: E402
from _driver import append_section, fmt, run_json  # noqa: E402

#: neurojax methods per model: ("exp", dt) fixed-step exponential Euler, ("stag", dt)
#: staggered exponential Euler (second order), ("tsit5", rtol).
METHODS = {"hh": [("exp", 0.1), ("exp", 0.05), ("exp", 0.025), ("exp", 0.01),
                  ("stag", 0.1), ("stag", 0.05), ("stag", 0.025), ("stag", 0.01),
                  ("tsit5", 1e-3), ("tsit5", 1e-4), ("tsit5", 1e-6), ("tsit5", 1e-8)],
           "stg": [("exp", 0.05), ("exp", 0.025), ("exp", 0.01),
                   ("stag", 0.05), ("stag", 0.025), ("stag", 0.01),
                   ("tsit5", 1e-4), ("tsit5", 1e-6), ("tsit5", 1e-8)]}
GRAD_METHODS = [("exp", 0.025), ("stag", 0.025), ("tsit5", 1e-6)]
FIXED = {"exp": "ExponentialEuler", "stag": "StaggeredExponentialEuler"}


# ----------------------------------------------------------------------------- neurojax
def _cells(model: str, size: int):
    import neurojax as nj
    from neurojax.examples._conductance import hodgkin_huxley_cells

    if model == "hh":
        return hodgkin_huxley_cells(size), {"i": common.HH_CURRENT}
    g, stg = common.STG_AB_PD_2, nj.channels.stg
    cell = nj.compartments.Compartment(
        [stg.NaV(g=g[0]), stg.CaT(g=g[1]), stg.CaS(g=g[2]), stg.KA(g=g[3]), stg.KCa(g=g[4]),
         stg.Kdr(g=g[5]), stg.H(g=g[6]), nj.channels.Leak(g=g[7], e_rev=-50.0)],
        nj.channels.CalciumPool(), size=size, v_init=common.STG_V0)
    return cell, None


def _method_name(kind: str, value: float) -> str:
    names = {"exp": "exp. Euler dt", "stag": "staggered exp. Euler dt", "tsit5": "Tsit5 rtol"}
    return f"{names[kind]} {value:g}"


def _neurojax_worker(model: str, repeats: int, batch: int, grad: bool) -> dict:
    import diffrax
    import equinox as eqx
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numpy as np

    import neurojax as nj
    from neurojax.fit.sensitivity import conductances, with_conductances

    def simulator(cell, inputs, kind, value, sample_every, adjoint=None):
        def run(g):
            c = with_conductances(cell, g)
            if kind in FIXED:
                solver = getattr(nj.solvers, FIXED[kind])()
                traj = nj.simulate(c, common.DURATION, value, solver=solver,
                                   inputs=inputs, record=["v"], sample_every=sample_every,
                                   adjoint=adjoint)
            else:
                traj = nj.simulate(c, common.DURATION, 0.025, inputs=inputs, record=["v"],
                                   rtol=value, atol=value * 1e-2, sample_every=sample_every,
                                   max_steps=1_000_000, adjoint=adjoint)
            return traj.ts, traj["v"]
        return run

    def timed_first(fn, *a):
        start, cpu0 = time.perf_counter(), common.cpu_seconds()
        out = jax.block_until_ready(fn(*a))
        return out, time.perf_counter() - start, common.cpu_seconds() - cpu0

    cell, inputs = _cells(model, 1)
    g0 = conductances(cell)
    rows = []
    for kind, value in METHODS[model]:
        run = simulator(cell, inputs, kind, value, value if kind in FIXED else 0.025)
        forward = eqx.filter_jit(run)
        (ts, v), first, first_cpu = timed_first(forward, g0)
        _, run_s, run_cpu = common.best_of(lambda f=forward: jax.block_until_ready(f(g0)),
                                           repeats)
        row = {"sim": f"neurojax {nj.__version__}", "model": model,
               "method": _method_name(kind, value), "first_call_s": first,
               "first_call_cpu_s": first_cpu, "compile_s": first - run_s, "run_s": run_s,
               "run_cpu_s": run_cpu,
               "spike_times": common.crossings(np.asarray(ts), np.asarray(v)[:, 0]).tolist()}
        rows.append(row)
        if grad and (kind, value) in GRAD_METHODS:
            # reverse mode (jax.grad through diffrax's checkpointed adjoint, the default) and
            # forward mode (jax.jacfwd with diffrax.ForwardMode: one tangent per conductance,
            # carried along the same solve)
            reverse = jax.grad(lambda g, r=run: jnp.mean(r(g)[1]))
            forward_mode = jax.jacfwd(lambda g, k=kind, x=value: jnp.mean(simulator(
                cell, inputs, k, x, x if k in FIXED else 0.025, diffrax.ForwardMode())(g)[1]))
            for mode, fn in (("reverse", reverse), ("forward", forward_mode)):
                fn = eqx.filter_jit(fn)
                gradient, first, _ = timed_first(fn, g0)
                _, grad_s, grad_cpu = common.best_of(
                    lambda f=fn: jax.block_until_ready(f(g0)), repeats)
                rows.append({**{k: row[k] for k in ("sim", "model", "run_s", "run_cpu_s")},
                             "method": f"{row['method']}, {mode} mode",
                             "grad_first_call_s": first, "grad_s": grad_s,
                             "grad_cpu_s": grad_cpu, "grad_params": len(g0),
                             "gradient": {k: float(x) for k, x in gradient.items()}})
    if batch:
        factors = np.random.default_rng(0).uniform(0.8, 1.2, (batch, len(g0)))
        many, _ = _cells(model, batch)
        g_many = {name: jnp.asarray(g0[name] * factors[:, i]) for i, name in enumerate(g0)}
        single = eqx.filter_jit(simulator(cell, inputs, "exp", 0.025, 1.0))
        population = eqx.filter_jit(simulator(many, inputs, "exp", 0.025, 1.0))
        timed_first(single, g0)
        _, one_s, one_cpu = common.best_of(lambda: jax.block_until_ready(single(g0)), repeats)
        (_, v), first, _ = timed_first(population, g_many)
        _, all_s, all_cpu = common.best_of(lambda: jax.block_until_ready(population(g_many)),
                                           max(1, repeats // 2))
        rows.append({"sim": f"neurojax {nj.__version__}", "model": model,
                     "method": "exp. Euler dt 0.025", "batch": batch,
                     "batch_first_call_s": first, "batch_s": all_s, "batch_cpu_s": all_cpu,
                     "single_s": one_s, "single_cpu_s": one_cpu,
                     "batch_finite": bool(np.all(np.isfinite(np.asarray(v))))})
    return {"peer": f"neurojax-{model}", "rows": rows, "peak_rss_mb": common.peak_rss_mb()}


# ----------------------------------------------------------------------------- driver
def _tables(results: list[dict], references: dict) -> str:
    rows = []
    for result in results:
        for row in result["rows"]:
            row["peak_rss_mb"] = result["peak_rss_mb"]
            if "spike_times" in row:
                row.update(common.spike_error(row["spike_times"], references[row["model"]]))
            rows.append(row)
    forward = [r for r in rows if "spike_times" in r]
    out = ["| model | simulator | method | compile (s) | run (s) | run CPU (s) | spikes / "
           "reference | 5th spike error (ms) | max spike error (ms) | peak RSS (MB) |",
           "|" + " --- |" * 10]
    for r in forward:
        out.append(f"| {r['model']} | {r['sim']} | {r['method']} | "
                   f"{fmt(r.get('compile_s'), '.2f')} | {r['run_s']:.4f} | "
                   f"{r['run_cpu_s']:.4f} | {r['spikes']} / {r['reference_spikes']} | "
                   f"{fmt(r['err5_ms'], '.2g')} | {fmt(r['err_max_ms'], '.2g')} | "
                   f"{r['peak_rss_mb']:.0f} |")

    def accurate(r):  # every reference spike found, with its largest error
        return r["spikes"] == r["reference_spikes"], r["err_max_ms"]

    out += ["", "Equal accuracy (HH): the cheapest neurojax method (by run CPU time) whose "
            "largest spike error is no larger than the peer's.", "",
            "| peer method | peer max error (ms) | peer run CPU (s) | neurojax method | "
            "neurojax max error (ms) | neurojax run CPU (s) | peer / neurojax CPU |",
            "|" + " --- |" * 7]
    ours = [r for r in forward if r["sim"].startswith("neurojax") and r["model"] == "hh"]
    for peer in (r for r in forward if not r["sim"].startswith("neurojax")):
        complete, err = accurate(peer)
        # a peer that misses spikes is matched on the 5th-spike error instead
        key = "err_max_ms" if complete else "err5_ms"
        match = [r for r in ours if accurate(r)[0] and r[key] <= peer[key]]
        best = min(match, key=lambda r: r["run_cpu_s"]) if match else None
        label = f"{peer['sim']} {peer['method']}" + ("" if complete else " (5th spike)")
        out.append(f"| {label} | {fmt(peer[key], '.2g')} | {peer['run_cpu_s']:.4f} | "
                   + (f"{best['method']} | {best[key]:.2g} | {best['run_cpu_s']:.4f} | "
                      f"{peer['run_cpu_s'] / best['run_cpu_s']:.2f}x |" if best else
                      "none | - | - | - |"))

    out += ["", "| model | simulator | method | conductances | forward run (s) | gradient (s) "
            "| gradient CPU (s) | gradient / forward (wall, CPU) |", "|" + " --- |" * 8]
    for r in (r for r in rows if "grad_s" in r):
        method = r["method"] if "mode" in r["method"] else f"{r['method']}, reverse mode"
        out.append(f"| {r['model']} | {r['sim']} | {method} | {r['grad_params']} | "
                   f"{r['run_s']:.4f} | {r['grad_s']:.3f} | {r['grad_cpu_s']:.3f} | "
                   f"{r['grad_s'] / r['run_s']:.1f}x, {r['grad_cpu_s'] / r['run_cpu_s']:.1f}x |")

    out += ["", "| model | simulator | cells | one call (s) | one call CPU (s) | cells x one "
            "run (s) | cells x one run CPU (s) | separate / one call (wall, CPU) |",
            "|" + " --- |" * 8]
    for r in (r for r in rows if "batch_s" in r):
        one_s = r.get("single_s", r.get("run_s"))
        one_cpu = r.get("single_cpu_s", r.get("run_cpu_s"))
        n = r["batch"]
        out.append(f"| {r['model']} | {r['sim']} {r['method']} | {n:,} | {r['batch_s']:.3f} | "
                   f"{r['batch_cpu_s']:.3f} | {n * one_s:.2f} | {n * one_cpu:.2f} | "
                   f"{n * one_s / r['batch_s']:.1f}x, {n * one_cpu / r['batch_cpu_s']:.1f}x |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["hh", "stg"], choices=["hh", "stg"])
    ap.add_argument("--repeats", type=int, default=5, help="timed runs (best of)")
    ap.add_argument("--batch", type=int, default=1000, help="cells in the population call")
    ap.add_argument("--no-grad", action="store_true")
    ap.add_argument("--peers", nargs="*", default=["jaxley", "neuron"],
                    choices=["jaxley", "neuron"])
    ap.add_argument("--jaxley-python", default=os.environ.get(
        "NEUROJAX_JAXLEY_PYTHON", "/work/venvs/jaxley/bin/python"))
    ap.add_argument("--neuron-python", default=os.environ.get(
        "NEUROJAX_NEURON_PYTHON", "/work/venvs/neuron/bin/python"))
    ap.add_argument("--timeout", type=float, default=3600.0, help="per process (s)")
    ap.add_argument("--note", default="", help="a sentence for RESULTS.md (e.g. the load)")
    ap.add_argument("--write", action="store_true", help="append the tables to RESULTS.md")
    ap.add_argument("--raw", help="also write every measurement (JSON) to this path")
    ap.add_argument("--worker", choices=["hh", "stg"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(_neurojax_worker(args.worker, args.repeats, args.batch,
                                          not args.no_grad)))
        return

    load_before = os.getloadavg()
    start = time.perf_counter()
    references = {m: common.reference_spikes(m) for m in args.models}
    print(f"references: {', '.join(f'{m} {len(s)} spikes' for m, s in references.items())}"
          f" ({time.perf_counter() - start:.0f} s)", flush=True)
    extra = ["--no-grad"] if args.no_grad else []
    results = [run_json([sys.executable, __file__, "--worker", m, "--repeats",
                            str(args.repeats), "--batch", str(args.batch), *extra],
                           args.timeout) for m in args.models]
    if "hh" in args.models and "jaxley" in args.peers and os.path.exists(args.jaxley_python):
        results.append(run_json(
            [args.jaxley_python, str(HERE / "peers/jaxley_single.py"), "--dt", "0.025",
             "0.01", "--repeats", str(args.repeats), "--batch", str(args.batch)]
            + ([] if args.no_grad else ["--grad"]), args.timeout))
    if "hh" in args.models and "neuron" in args.peers and os.path.exists(args.neuron_python):
        results.append(run_json(
            [args.neuron_python, str(HERE / "peers/neuron_single.py"), "--dt", "0.025",
             "0.01", "--crank-nicolson", "--repeats", str(args.repeats)], args.timeout))
    results = [r for r in results if r is not None]
    if args.raw:
        with open(args.raw, "w") as f:
            json.dump({"results": results, "references": {
                m: s.tolist() for m, s in references.items()}}, f)
    tables = _tables(results, references)
    load = (f"load average {load_before[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at "
            f"the end ({time.perf_counter() - start:.0f} s)")
    print(tables + "\n\n" + load)
    if args.write:
        command = shlex.join(["python", "benchmarks/single_neuron.py", *sys.argv[1:]])
        append_section(HERE / "RESULTS.md", "single_neuron.py", "CPU",
                       f"1 s of classic HH (10 µA/cm² step) and of one STG neuron (AB/PD 2, "
                       f"Prinz et al. 2004), float64; spike errors against solve_ivp (DOP853, "
                       f"rtol 1e-10). Times are the best of {args.repeats} runs after the "
                       f"first call; {load}. {args.note}\n\nCommand: `{command}`\n\n"
                       f"{tables}")


if __name__ == "__main__":
    main()
