"""What the E/I COBA scripts share: the model's constants, the command line, spike statistics.

numpy only, so that every peer's virtual environment (and neurojax's worker in
`benchmarks/coba.py`) computes the rates and CVs the same way.

The model (the seed's E/I balanced network; Vogels & Abbott 2005, benchmark 1 of Brette et
al. 2007, as in the BrainPy tutorial's `EINet`), for every neuron:

    tau dv/dt = (v_rest - v) + g_e (E_e - v) + g_i (E_i - v) + I      (not refractory)
    dg_e/dt = -g_e / tau_e,   dg_i/dt = -g_i / tau_i                    (g in units of g_leak)

with a spike when v >= v_th, then v = v_reset, held there for tau_ref; a spike of an
excitatory (inhibitory) neuron adds w_e (w_i) to g_e (g_i) of each of its targets, with no
delay: the conductance the targets integrate with in the next step includes it.
"""

from __future__ import annotations

import argparse
import json
import resource

import numpy as np

#: LIF parameters of every neuron (mV, ms), as `neurojax.examples.EI_LIF`.
V_REST, V_TH, V_RESET, TAU, TAU_REF = -60.0, -50.0, -60.0, 20.0, 5.0
#: Initial membrane potential ~ Normal(V_INIT_MEAN, V_INIT_STD) (mV).
V_INIT_MEAN, V_INIT_STD = -55.0, 2.0
#: Synapses: weight (units of the leak conductance), decay time (ms), reversal potential (mV).
W_E, TAU_E, E_E = 0.6, 5.0, 0.0
W_I, TAU_I, E_I = 6.7, 10.0, -80.0
#: Constant input (mV, through R = 1).
INPUT = 20.0
#: Expected number of inputs per neuron (0.02 x 4000), kept fixed when the network is scaled.
IN_DEGREE = 80.0
DT = 0.1


def sizes(n: int) -> tuple[int, int, float]:
    """Excitatory and inhibitory population sizes (4:1) and the connection probability
    `IN_DEGREE / n` of a network of `n` neurons."""
    n_exc = int(round(0.8 * n))
    return n_exc, n - n_exc, IN_DEGREE / n


def parser(doc: str) -> argparse.ArgumentParser:
    """The arguments every COBA peer script takes."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--n", type=int, default=4000, help="number of neurons (4:1 E:I)")
    ap.add_argument("--duration", type=float, default=1000.0, help="simulated ms")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--transient", type=float, default=100.0,
                    help="ms dropped before the rates and CVs")
    return ap


def spike_stats(times, units, n: int, t_start: float, t_stop: float) -> tuple[float, float]:
    """Mean rate (Hz) and mean CV of the interspike intervals of `n` neurons.

    Args:
        times: spike times (ms), at the end of the step in which the spike was emitted.
        units: the neuron (0 .. n-1) of each spike.
        n: number of neurons in the population.
        t_start, t_stop: the window `t_start < t <= t_stop` (ms).

    Returns:
        `(rate, cv)`: spikes per neuron per second in the window, and the mean over neurons with
        at least three spikes in the window of std / mean of their intervals (NaN if none); as
        `neurojax.analysis.isi_cv`.
    """
    times = np.asarray(times, dtype=np.float64)
    units = np.asarray(units, dtype=np.int64)
    keep = (times > t_start) & (times <= t_stop)
    t, u = times[keep], units[keep]
    rate = len(t) / n / ((t_stop - t_start) / 1000.0)
    order = np.lexsort((t, u))
    t, u = t[order], u[order]
    same = u[1:] == u[:-1]
    isi, owner = np.diff(t)[same], u[1:][same]
    count = np.bincount(owner, minlength=n)
    total = np.bincount(owner, isi, minlength=n)
    squares = np.bincount(owner, isi * isi, minlength=n)
    ok = count >= 2
    if not ok.any():
        return rate, float("nan")
    mean = total[ok] / count[ok]
    var = np.maximum(squares[ok] / count[ok] - mean**2, 0.0)
    return rate, float(np.mean(np.sqrt(var) / mean))


def ei_stats(times, units, n_exc: int, n_inh: int, t_start: float,
             t_stop: float) -> dict[str, float]:
    """`spike_stats` of the excitatory (units < n_exc) and inhibitory (the rest) neurons."""
    times, units = np.asarray(times), np.asarray(units)
    exc = units < n_exc
    rate_e, cv_e = spike_stats(times[exc], units[exc], n_exc, t_start, t_stop)
    rate_i, cv_i = spike_stats(times[~exc], units[~exc] - n_exc, n_inh, t_start, t_stop)
    return {"rate_E_hz": round(rate_e, 4), "rate_I_hz": round(rate_i, 4),
            "cv_isi_E": round(cv_e, 4), "cv_isi_I": round(cv_i, 4)}


def peak_rss_mb() -> float:
    """Peak resident memory of this process (MB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def emit(result: dict) -> None:
    """Print the result as the last line of output (JSON)."""
    print(json.dumps(result), flush=True)


def unpack_spike_times(packed, chunk: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Spike times (ms, at the end of each step) and neuron indices from spikes recorded
    packed along the neurons (`np.packbits(spikes, axis=1)`, one row per step of `DT`).

    Args:
        packed: `(array, offset, size)` per population: its packed `(steps, bytes)` record,
            the index of its first neuron and its number of neurons.
        chunk: steps unpacked at a time (bounds the memory).
    """
    times, units = [], []
    for array, offset, size in packed:
        for start in range(0, array.shape[0], chunk):
            bits = np.unpackbits(array[start:start + chunk], axis=1, count=size)
            step, unit = np.nonzero(bits)
            times.append((start + step + 1) * DT)
            units.append(unit + offset)
    return np.concatenate(times), np.concatenate(units)
