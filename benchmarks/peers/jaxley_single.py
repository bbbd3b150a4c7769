"""Peer benchmark: 1 s of classic Hodgkin-Huxley with jaxley (float64, jit-compiled).

One `jx.Compartment` with jaxley's `HH` channel (the same rate functions as Hodgkin &
Huxley 1952; conductances in S/cm², so gNa 0.12, gK 0.036, gLeak 0.0003; eLeak set to
-54.387 mV), capacitance 1 µF/cm², v(0) -65 mV with `init_states()` (gates at steady
state), a step current of 10 µA/cm² from t = 0 (in nA: 10 µA/cm² times the side area
2 pi r L of the cylinder, times 1e3). jaxley's default solver: backward Euler for v and
exponential Euler for the gates at fixed `delta_t`. For each `--dt`:

- the first call of the jitted `jx.integrate` (compile + run) and the best of `--repeats`
  further runs (wall and CPU time);
- spike times (0 mV upward crossings of the recorded v, linearly interpolated);
- with `--grad`: the gradient of mean(v) with respect to gNa, gK and gLeak
  (`make_trainable`), jitted, best of `--repeats`;
- with `--batch N`: N cells with different conductances (x U(0.8, 1.2) each) in one
  `jax.vmap`ped call, against N times a single run.

Prints one JSON line. No STG neuron: jaxley 0.14 ships no stomatogastric (Prinz/Liu)
channels and no calcium pool with a Nernst reversal potential. Run with the jaxley venv's
python: ``/work/venvs/jaxley/bin/python benchmarks/peers/jaxley_single.py --dt 0.025``.
"""

from __future__ import annotations

import argparse
import json
import time

import _single_neuron_common as common
import numpy as np

RADIUS, LENGTH = 1.0, 10.0  # µm: area 2 pi r L = 62.8 µm²


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dt", type=float, nargs="+", default=[0.025], help="steps (ms)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--grad", action="store_true")
    ap.add_argument("--batch", type=int, default=0)
    args = ap.parse_args()

    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jaxley as jx
    from jaxley.channels import HH

    area_cm2 = 2 * np.pi * RADIUS * LENGTH * 1e-8
    amp_na = common.HH_CURRENT * area_cm2 * 1e3
    rows = []
    for dt in args.dt:
        comp = jx.Compartment()
        comp.set("radius", RADIUS)
        comp.set("length", LENGTH)
        comp.set("capacitance", 1.0)
        comp.insert(HH())
        comp.set("HH_eLeak", common.HH["e_l"])
        comp.set("v", common.HH["v0"])
        comp.init_states()
        comp.stimulate(jx.step_current(i_delay=0.0, i_dur=common.DURATION, i_amp=amp_na,
                                       delta_t=dt, t_max=common.DURATION))
        comp.record("v", verbose=False)
        for name in ("HH_gNa", "HH_gK", "HH_gLeak"):
            comp.make_trainable(name, verbose=False)
        params = comp.get_parameters()

        def simulate(p, comp=comp, dt=dt):
            return jx.integrate(comp, params=p, delta_t=dt, t_max=common.DURATION)[0]

        forward = jax.jit(simulate)
        start, cpu0 = time.perf_counter(), common.cpu_seconds()
        v = jax.block_until_ready(forward(params))
        first, first_cpu = time.perf_counter() - start, common.cpu_seconds() - cpu0
        _, run_s, run_cpu = common.best_of(
            lambda f=forward, p=params: jax.block_until_ready(f(p)), args.repeats)
        ts = np.arange(v.shape[0]) * dt
        row = {"sim": f"jaxley {jx.__version__}", "model": "hh",
               "method": f"bwd Euler dt {dt:g}", "dt": dt, "first_call_s": first,
               "first_call_cpu_s": first_cpu, "compile_s": first - run_s, "run_s": run_s,
               "run_cpu_s": run_cpu,
               "spike_times": common.crossings(ts, np.asarray(v)).tolist()}
        if args.grad:
            grad = jax.jit(jax.grad(lambda p, s=simulate: jnp.mean(s(p))))
            start = time.perf_counter()
            jax.block_until_ready(grad(params))
            row["grad_first_call_s"] = time.perf_counter() - start
            _, row["grad_s"], row["grad_cpu_s"] = common.best_of(
                lambda g=grad, p=params: jax.block_until_ready(g(p)), args.repeats)
            row["grad_params"] = 3
        if args.batch:
            factors = np.random.default_rng(0).uniform(0.8, 1.2, (args.batch, len(params)))
            batched = [{k: jnp.broadcast_to(v * factors[:, i, None], (args.batch, *v.shape))
                        for k, v in p.items()} for i, p in enumerate(params)]
            many = jax.jit(jax.vmap(simulate))
            start = time.perf_counter()
            jax.block_until_ready(many(batched))
            row["batch"] = args.batch
            row["batch_first_call_s"] = time.perf_counter() - start
            _, row["batch_s"], row["batch_cpu_s"] = common.best_of(
                lambda m=many, b=batched: jax.block_until_ready(m(b)), max(1, args.repeats // 2))
        rows.append(row)
    print(json.dumps({"peer": "jaxley", "rows": rows, "peak_rss_mb": common.peak_rss_mb()}))


if __name__ == "__main__":
    main()
