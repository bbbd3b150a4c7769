"""Peer benchmark: the seed's E/I balanced COBA network run with Brian2.

The model of `_coba_common.py` (3200 E + 800 I LIF at n = 4000; connection probability
80 / n from each population to every neuron, self-connections allowed; exponential COBA
synapses E: 0.6, 5 ms, 0 mV; I: 6.7, 10 ms, -80 mV; input 20 mV; dt 0.1 ms) as one
`NeuronGroup`

    dv/dt = (v_rest - v + g_e (E_e - v) + g_i (E_i - v) + I) / tau : volt (unless refractory)
    dg_e/dt = -g_e / tau_e : 1
    dg_i/dt = -g_i / tau_i : 1

integrated with `exponential_euler` (each variable advanced exactly with the others frozen
at the start of the step: the scheme of neurojax's `ExponentialEuler`), threshold
`v >= v_th`, reset `v = v_reset`, and `Synapses` from `P[:n_exc]` (`on_pre: g_e += w_e`)
and `P[n_exc:]` (`g_i += w_i`), `connect(p=...)`, no delay. Brian2 runs each time step as:
integrate, threshold, deliver spikes (so the next step sees them, as in neurojax), reset.

Refractoriness: Brian2 counts `refractory` from `lastspike = t`, the start of the step in
which the threshold was crossed, and holds v for the steps with `t - lastspike <
refractory` (49 steps for 5 ms at dt 0.1 ms); neurojax counts `tau_ref` from the end of
that step (50 steps held). `refractory = tau_ref + dt` gives the same 50 steps.

Modes (`--device`):

- `cpp_standalone` (default): the whole simulation is generated as C++, compiled and run
  as a separate binary. `build_s` is the Python side (code generation) plus the C++ compile
  (`make`); `binary_s` the binary's wall time (connectivity built in C++, the run, writing
  the results); `run_s` the simulation loop alone (Brian2's own timer of `run`); peak RSS
  is reported for the Python process and for the binary (`binary_peak_rss_mb`, and its CPU
  time `binary_cpu_s`, from `wait4`). Single-threaded unless `--threads N` (OpenMP).
- `runtime`: Brian2's default runtime device with Cython code generation: `first_call_s`
  is the first `run()` (code generation and Cython compilation, cached across processes in
  ~/.cython/brian_extensions), `run_s` a second `run()` of the same length that continues the
  simulation; the rates are those of the second run.

`--float32` uses single precision (`prefs.core.default_float_dtype`); default double.
Prints one JSON line at the end. Run with the Brian2 venv's python, e.g.
``/work/venvs/brian2/bin/python benchmarks/peers/brian2_coba.py --n 4000 --duration 1000``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from importlib.metadata import version

import _coba_common as common
import numpy as np

#: Runs the standalone binary (argv[2:]) and writes its peak RSS (kB) and CPU time (s) to
#: the file argv[1].
_MEASURE = ("import os, subprocess, sys; p = subprocess.Popen(sys.argv[2:]); "
            "_, status, usage = os.wait4(p.pid, 0); "
            "open(sys.argv[1], 'w').write(f'{usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}'); "
            "sys.exit(os.waitstatus_to_exitcode(status))")


def build_network(b2, n: int, seed: int):
    """The neuron group, both synapse groups and a spike monitor of the whole network."""
    ms, mV = b2.ms, b2.mV
    n_exc, _, p = common.sizes(n)
    namespace = dict(v_rest=common.V_REST * mV, v_th=common.V_TH * mV,
                     v_reset=common.V_RESET * mV, tau=common.TAU * ms,
                     E_e=common.E_E * mV, E_i=common.E_I * mV, tau_e=common.TAU_E * ms,
                     tau_i=common.TAU_I * ms, I_ext=common.INPUT * mV, w_e=common.W_E,
                     w_i=common.W_I)
    eqs = """
    dv/dt = (v_rest - v + g_e*(E_e - v) + g_i*(E_i - v) + I_ext) / tau : volt (unless refractory)
    dg_e/dt = -g_e / tau_e : 1
    dg_i/dt = -g_i / tau_i : 1
    """
    b2.seed(seed)
    group = b2.NeuronGroup(n, eqs, threshold="v >= v_th", reset="v = v_reset",
                           refractory=(common.TAU_REF + common.DT) * ms,
                           method="exponential_euler", namespace=namespace)
    group.v = f"{common.V_INIT_MEAN}*mV + {common.V_INIT_STD}*mV*randn()"
    exc = b2.Synapses(group[:n_exc], group, on_pre="g_e += w_e", namespace=namespace)
    exc.connect(p=p)
    inh = b2.Synapses(group[n_exc:], group, on_pre="g_i += w_i", namespace=namespace)
    inh.connect(p=p)
    monitor = b2.SpikeMonitor(group)
    return b2.Network(group, exc, inh, monitor), monitor


def run_standalone(b2, args) -> dict:
    """Generate, compile and run the C++ project; time each phase."""
    directory = tempfile.mkdtemp(prefix="brian2_coba_")
    rss_file = os.path.join(directory, "binary_usage")
    b2.set_device("cpp_standalone", build_on_run=False, directory=directory)
    b2.prefs.devices.cpp_standalone.openmp_threads = args.threads
    b2.prefs.devices.cpp_standalone.run_cmd_unix = [sys.executable, "-c", _MEASURE, rss_file,
                                                   "./main"]
    start = time.perf_counter()
    b2.defaultclock.dt = common.DT * b2.ms
    net, monitor = build_network(b2, args.n, args.seed)
    net.run(args.duration * b2.ms)
    declare_s = time.perf_counter() - start
    device = b2.get_device()
    start = time.perf_counter()
    device.build(directory=directory, compile=True, run=True, with_output=False)
    total = time.perf_counter() - start
    binary_s = device.timers["run_binary"]
    with open(rss_file) as f:
        rss_kb, cpu_s = f.read().split()
    times = np.asarray(monitor.t / b2.ms) + common.DT  # end of the step, as in neurojax
    units = np.asarray(monitor.i)
    shutil.rmtree(directory, ignore_errors=True)  # up to ~100 MB at 64k neurons
    return {"device": "cpp_standalone", "threads": args.threads,
            "build_s": round(declare_s + total - binary_s, 4),
            "compile_s": round(sum(v for v in device.timers["compile"].values() if v), 4),
            "binary_s": round(binary_s, 4), "run_s": round(device._last_run_time, 4),
            "binary_cpu_s": round(float(cpu_s), 4),
            "binary_peak_rss_mb": round(int(rss_kb) / 1024, 1), "times": times, "units": units}


def run_runtime(b2, args) -> dict:
    """Brian2's runtime device: build, a first run (code generation) and a timed second one."""
    b2.prefs.codegen.target = "cython"
    start = time.perf_counter()
    b2.defaultclock.dt = common.DT * b2.ms
    net, monitor = build_network(b2, args.n, args.seed)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    net.run(args.duration * b2.ms)
    first = time.perf_counter() - start
    n_first = monitor.num_spikes
    start = time.perf_counter()
    net.run(args.duration * b2.ms)
    run_s = time.perf_counter() - start
    times = np.asarray(monitor.t / b2.ms)[n_first:] - args.duration + common.DT
    units = np.asarray(monitor.i)[n_first:]
    return {"device": "runtime (cython)", "build_s": round(build_s, 4),
            "first_call_s": round(first, 4), "compile_s": round(first - run_s, 4),
            "run_s": round(run_s, 4), "times": times, "units": units}


def main():
    """Parse arguments, run the benchmark and print the JSON result line."""
    ap = common.parser(__doc__)
    ap.add_argument("--device", choices=("cpp_standalone", "runtime"), default="cpp_standalone")
    ap.add_argument("--threads", type=int, default=0, help="OpenMP threads (standalone)")
    ap.add_argument("--float32", action="store_true", help="single precision")
    args = ap.parse_args()

    import brian2 as b2

    b2.prefs.logging.console_log_level = "WARNING"
    if args.float32:
        b2.prefs.core.default_float_dtype = np.float32
    result = run_standalone(b2, args) if args.device == "cpp_standalone" else run_runtime(b2, args)
    times, units = result.pop("times"), result.pop("units")
    n_exc, n_inh, _ = common.sizes(args.n)
    stats = common.ei_stats(times, units, n_exc, n_inh, args.transient, args.duration)
    common.emit({"peer": "brian2", "version": version("brian2"), "n": args.n,
                 "duration_ms": args.duration, "seed": args.seed, **result, **stats,
                 "peak_rss_mb": common.peak_rss_mb()})


if __name__ == "__main__":
    main()
