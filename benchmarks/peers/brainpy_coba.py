"""Peer benchmark: the seed's E/I balanced COBA network run with BrainPy 2.x (jit).

The model of `_coba_common.py`, written as BrainPy's own COBA benchmark
(`brainpy/dyn/projections/aligns_test.py::test_ProjAlignPostMg2`, the BrainPy paper's
`EICOBA_PostAlign`): two `bp.dyn.LifRefLTC` populations (exponential Euler, `exp_auto`, with
the COBA currents inside the derivative, so the conductances enter the exponential as in
neurojax and Brian2), four `bp.dyn.FullProjAlignPostMg` projections with
`bp.dnn.EventCSRLinear(bp.conn.FixedProb(80 / n))` (event-driven CSR kernels; numba on CPU
with the `[cpu]` extra), `bp.dyn.Expon` synapses and `bp.dyn.COBA` outputs, no delay.

Two conventions differ from neurojax and Brian2 and are matched here:

- Order within a step: BrainPy adds the arriving spikes to g and then decays g by one step
  before the membrane uses it, so a spike's conductance is `w exp(-dt / tau)` in the first
  step (neurojax and Brian2: `w`). The weights are set to `w exp(dt / tau)` so that the
  conductance seen after a spike is the same.
- Refractoriness: BrainPy holds v while `t - t_last_spike <= tau_ref` with t in float32, so
  whether the 50th step is held depends on rounding; `tau_ref + dt / 2` holds exactly 50
  steps after the spike step, as neurojax (`tau_ref` from the end of the step) and Brian2 here.

Timings: `build_s` is the construction of the network (connectivity included);
`first_call_s` the first `bm.for_loop` over the steps (tracing, XLA compilation and the run);
`run_s` a second call of the same length that continues the simulation (the rates are those
of the second run, after `--transient`). Spikes are recorded packed (8 per byte) inside the
loop. Prints one JSON line at the end. Run with the BrainPy venv's python, e.g.
``/work/venvs/brainpy-coba/bin/python benchmarks/peers/brainpy_coba.py --n 4000``.
"""

from __future__ import annotations

import math
import time
from importlib.metadata import version

import _coba_common as common
import numpy as np


def build_network(bp, n: int, seed: int):
    """The two LIF populations and the four projections, as a `bp.DynSysGroup`."""
    n_exc, n_inh, p = common.sizes(n)
    lif = dict(V_rest=common.V_REST, V_th=common.V_TH, V_reset=common.V_RESET, tau=common.TAU,
               tau_ref=common.TAU_REF + common.DT / 2,
               V_initializer=bp.init.Normal(common.V_INIT_MEAN, common.V_INIT_STD))
    kinds = {"E": (common.W_E, common.TAU_E, common.E_E), "I": (common.W_I, common.TAU_I,
                                                                 common.E_I)}

    class EINet(bp.DynSysGroup):
        def __init__(self):
            super().__init__()
            self.E = bp.dyn.LifRefLTC(n_exc, **lif)
            self.I = bp.dyn.LifRefLTC(n_inh, **lif)
            self.projections = []
            for k, (pre, post) in enumerate(("EE", "EI", "IE", "II")):
                w, tau, e_rev = kinds[pre]
                source, target = getattr(self, pre), getattr(self, post)
                conn = bp.conn.FixedProb(p, pre=source.num, post=target.num,
                                         seed=seed * 4 + k)
                proj = bp.dyn.FullProjAlignPostMg(
                    pre=source, delay=None,
                    comm=bp.dnn.EventCSRLinear(conn, w * math.exp(common.DT / tau)),
                    syn=bp.dyn.Expon.desc(target.varshape, tau=tau),
                    out=bp.dyn.COBA.desc(E=e_rev), post=target)
                setattr(self, f"{pre}2{post}", proj)
                self.projections.append(proj)

        def update(self, inp):
            for proj in self.projections:
                proj()
            self.E(inp)
            self.I(inp)

    return EINet()


def main():
    """Parse arguments, run the benchmark and print the JSON result line."""
    args = common.parser(__doc__).parse_args()

    import brainpy as bp
    import brainpy.math as bm
    import jax
    import jax.numpy as jnp

    bm.set_platform("cpu")
    bm.set_dt(common.DT)
    bm.random.seed(args.seed)
    start = time.perf_counter()
    net = build_network(bp, args.n, args.seed)
    build_s = time.perf_counter() - start
    n_steps = int(round(args.duration / common.DT))

    def step(i):
        net.step_run(i, common.INPUT)
        return jnp.packbits(net.E.spike.value), jnp.packbits(net.I.spike.value)

    def run(first_step):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = jax.block_until_ready(bm.for_loop(step, np.arange(first_step,
                                                                first_step + n_steps)))
        return time.perf_counter() - start, time.process_time() - start_cpu, out

    first, _, _ = run(0)
    run_s, run_cpu_s, (exc, inh) = run(n_steps)
    n_exc, n_inh, _ = common.sizes(args.n)
    times, units = common.unpack_spike_times([(np.asarray(exc), 0, n_exc),
                                              (np.asarray(inh), n_exc, n_inh)])
    stats = common.ei_stats(times, units, n_exc, n_inh, args.transient, args.duration)
    common.emit({"peer": "brainpy", "version": version("brainpy"),
                 "brainevent": version("brainevent"), "jax": jax.__version__, "n": args.n,
                 "duration_ms": args.duration, "seed": args.seed, "build_s": round(build_s, 4),
                 "first_call_s": round(first, 4), "compile_s": round(first - run_s, 4),
                 "run_s": round(run_s, 4), "run_cpu_s": round(run_cpu_s, 4), **stats,
                 "peak_rss_mb": common.peak_rss_mb()})


if __name__ == "__main__":
    main()
