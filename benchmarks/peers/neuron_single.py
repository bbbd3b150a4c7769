"""Peer benchmark: 1 s of classic Hodgkin-Huxley with NEURON (fixed step and CVODE).

One single-segment section (L = diam = 5.6419 µm: area 100 µm²), cm 1 µF/cm², NEURON's
built-in `hh` mechanism (the rates of Hodgkin & Huxley 1952, at celsius 6.3 so that the
temperature factor is 1; `usetable_hh = 0`: the rates are computed, not interpolated
from tables) with gnabar 0.12, gkbar 0.036, gl 0.0003 S/cm², ena 50, ek -77,
el -54.387 mV; `finitialize(-65)` (gates at steady state); an `IClamp` of 10 µA/cm² (0.01
nA on 100 µm²) from t = 0. Methods:

- fixed step `--dt` (backward Euler, `secondorder = 0`, NEURON's default; and with
  `--crank-nicolson` also `secondorder = 2`): v recorded every step, spike times are the
  linearly interpolated 0 mV upward crossings;
- CVODE at each `--cvode-atol` (absolute tolerance, mV and states; rtol 0): spike times
  from a `NetCon` threshold at 0 mV (NEURON locates the crossing within the step).

Each is timed as `finitialize` + `continuerun(1000)`, best of `--repeats` (wall and CPU).
Prints one JSON line. No STG neuron (its channels would need NMODL files compiled with
`nrnivmodl`; not done). Run with the NEURON venv's python:
``/work/venvs/neuron/bin/python benchmarks/peers/neuron_single.py``.
"""

from __future__ import annotations

import argparse
import json

import _single_neuron_common as common
import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dt", type=float, nargs="+", default=[0.025], help="fixed steps (ms)")
    ap.add_argument("--cvode-atol", type=float, nargs="*", default=[1e-3, 1e-6, 1e-9])
    ap.add_argument("--crank-nicolson", action="store_true")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    import neuron
    from neuron import h

    h.load_file("stdrun.hoc")
    h.celsius = 6.3
    h.usetable_hh = 0  # exact rates (the default interpolates them in 0.5 mV tables)
    soma = h.Section(name="soma")
    soma.L = soma.diam = 5.6419
    soma.nseg = 1
    soma.cm = 1.0
    soma.insert("hh")
    seg = soma(0.5)
    seg.hh.gnabar, seg.hh.gkbar, seg.hh.gl = 0.12, 0.036, 0.0003
    seg.hh.el = common.HH["e_l"]
    soma.ena, soma.ek = common.HH["e_na"], common.HH["e_k"]
    stim = h.IClamp(seg)
    stim.delay, stim.dur = 0.0, 1e9
    stim.amp = common.HH_CURRENT * seg.area() * 1e-8 * 1e3  # µA/cm² * cm² -> nA
    t_vec, v_vec, spikes = h.Vector(), h.Vector(), h.Vector()
    netcon = h.NetCon(seg._ref_v, None, sec=soma)
    netcon.threshold = 0.0
    netcon.record(spikes)

    def run():
        h.finitialize(common.HH["v0"])
        h.continuerun(common.DURATION)

    rows = []
    methods = [(0, dt, None) for dt in args.dt]
    if args.crank_nicolson:
        methods += [(2, dt, None) for dt in args.dt]
    methods += [(0, None, atol) for atol in args.cvode_atol]
    for order, dt, atol in methods:
        if atol is None:
            h.cvode_active(0)
            h.secondorder = order
            h.dt = dt
            t_vec.record(h._ref_t)
            v_vec.record(seg._ref_v)
            name = f"{'Crank-Nicolson' if order else 'bwd Euler'} dt {dt:g}"
        else:
            h.secondorder = 0
            h.cvode_active(1)
            h.cvode.atol(atol)
            h.cvode.rtol(0.0)
            t_vec.play_remove()
            v_vec.play_remove()
            name = f"CVODE atol {atol:g}"
        _, run_s, run_cpu = common.best_of(run, args.repeats)
        if atol is None:
            times = common.crossings(np.array(t_vec), np.array(v_vec)).tolist()
        else:
            times = list(spikes)
        rows.append({"sim": f"NEURON {neuron.__version__}", "model": "hh", "method": name,
                     "dt": dt, "run_s": run_s, "run_cpu_s": run_cpu, "spike_times": times})
    h.cvode_active(0)
    print(json.dumps({"peer": "neuron", "rows": rows, "peak_rss_mb": common.peak_rss_mb()}))


if __name__ == "__main__":
    main()
