"""What the single-neuron benchmark scripts share (numpy and scipy only): the workloads'
constants, spike detection, timing, and the tight scipy references.

Workloads (1 s each, from rest, float64):

- classic Hodgkin & Huxley (1952): C 1 µF/cm², gNa 120, gK 36, gL 0.3 mS/cm², ENa 50,
  EK -77, EL -54.387 mV, v(0) -65 mV with the gates at steady state, a 10 µA/cm² step from
  t = 0;
- one STG neuron of Prinz et al. (2003) kinetics with the AB/PD 2 maximal conductances of
  Prinz, Bucher & Marder (2004, Table 2), calcium pool (tau 200 ms, f 14.96 µM/nA, area
  0.628e-3 cm², [Ca]_rest 0.05 µM), E_Ca by Nernst (12.2 mV ln(3000 µM / [Ca])),
  v(0) -50 mV, gates at steady state, no input.

Spike times are the upward crossings of 0 mV, linearly interpolated between samples (or
located exactly by the solver where noted). The references are `solve_ivp` solves of the
equations written out here independently of every simulator, at rtol 1e-10.
"""

from __future__ import annotations

import resource
import time

import numpy as np

DURATION = 1000.0  # ms
HH_CURRENT = 10.0  # µA/cm²
HH = dict(g_na=120.0, g_k=36.0, g_l=0.3, e_na=50.0, e_k=-77.0, e_l=-54.387, v0=-65.0)
#: Prinz, Bucher & Marder (2004), Table 2, AB/PD 2 (mS/cm²): NaV, CaT, CaS, KA, KCa, Kdr,
#: H, leak.
STG_AB_PD_2 = (100.0, 2.5, 6.0, 50.0, 5.0, 100.0, 0.01, 0.0)
STG_V0 = -50.0


def crossings(ts, v, level: float = 0.0) -> np.ndarray:
    """Upward crossings of `level` (mV), linearly interpolated between samples (ms)."""
    ts, v = np.asarray(ts, float), np.asarray(v, float)
    i = np.flatnonzero((v[:-1] < level) & (v[1:] >= level))
    return ts[i] + (level - v[i]) * (ts[i + 1] - ts[i]) / (v[i + 1] - v[i])


def spike_error(spikes, reference) -> dict:
    """Spike count, reference count, |error| of the 5th spike and max |error| over the
    spikes both have (ms)."""
    spikes, reference = np.asarray(spikes, float), np.asarray(reference, float)
    k = min(spikes.size, reference.size)
    err = np.abs(spikes[:k] - reference[:k])
    return {"spikes": int(spikes.size), "reference_spikes": int(reference.size),
            "err5_ms": float(err[4]) if k >= 5 else None,
            "err_max_ms": float(err.max()) if k else None}


def cpu_seconds() -> float:
    """CPU time (user + system, all threads) of this process so far (s)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    """Peak resident memory of this process (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def best_of(fn, repeats: int):
    """Calls `fn()` `repeats` times: (last result, best wall s, best CPU s)."""
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), cpu_seconds()
        out = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(cpu_seconds() - c0)
    return out, min(walls), min(cpus)


# ----------------------------------------------------------------------------- references
def _hh_rates(v):
    am = 0.1 * (v + 40) / (1 - np.exp(-(v + 40) / 10))
    bm = 4 * np.exp(-(v + 65) / 18)
    ah = 0.07 * np.exp(-(v + 65) / 20)
    bh = 1 / (1 + np.exp(-(v + 35) / 10))
    an = 0.01 * (v + 55) / (1 - np.exp(-(v + 55) / 10))
    bn = 0.125 * np.exp(-(v + 65) / 80)
    return am, bm, ah, bh, an, bn


def hh_rhs(t, y, i_ext):
    v, m, h, n = y
    am, bm, ah, bh, an, bn = _hh_rates(v)
    i_ion = (HH["g_na"] * m**3 * h * (v - HH["e_na"]) + HH["g_k"] * n**4 * (v - HH["e_k"])
             + HH["g_l"] * (v - HH["e_l"]))
    return [i_ext - i_ion, am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n]


def hh_initial():
    am, bm, ah, bh, an, bn = _hh_rates(HH["v0"])
    return [HH["v0"], am / (am + bm), ah / (ah + bh), an / (an + bn)]


def _sig(x):
    return 1 / (1 + np.exp(x))


def stg_inf(v, ca):
    """Steady states: m, h of NaV, CaT, CaS, KA; m of KCa, Kdr, H (Prinz et al. 2003)."""
    return [_sig((v + 25.5) / -5.29), _sig((v + 48.9) / 5.18), _sig((v + 27.1) / -7.2),
            _sig((v + 32.1) / 5.5), _sig((v + 33) / -8.1), _sig((v + 60) / 6.2),
            _sig((v + 27.2) / -8.7), _sig((v + 56.9) / 4.9),
            ca / (ca + 3) * _sig((v + 28.3) / -12.6), _sig((v + 12.3) / -11.8),
            _sig((v + 75) / 5.5)]


def stg_rhs(t, y, g):
    """Prinz et al. (2003) STG neuron: state v, [Ca], then the 11 gates of `stg_inf`."""
    gna, gcat, gcas, ga, gkca, gkd, gh, gl = g
    v, ca, mna, hna, mcat, hcat, mcas, hcas, ma, ha, mkca, mkd, mh = y
    eca = 12.2 * np.log(3000 / ca)
    taus = [2.64 - 2.52 * _sig((v + 120) / -25),
            1.34 * _sig((v + 62.9) / -10) * (1.5 + _sig((v + 34.9) / 3.6)),
            43.4 - 42.6 * _sig((v + 68.1) / -20.5), 210 - 179.6 * _sig((v + 55) / -16.9),
            2.8 + 14 / (np.exp((v + 27) / 10) + np.exp((v + 70) / -13)),
            120 + 300 / (np.exp((v + 55) / 9) + np.exp((v + 65) / -16)),
            23.2 - 20.8 * _sig((v + 32.9) / -15.2), 77.2 - 58.4 * _sig((v + 38.9) / -26.5),
            180.6 - 150.2 * _sig((v + 46) / -22.7), 14.4 - 12.8 * _sig((v + 28.3) / -19.2),
            2 / (np.exp((v + 169.7) / -11.6) + np.exp((v - 26.7) / 14.3))]
    i_ca = gcat * mcat**3 * hcat * (v - eca) + gcas * mcas**3 * hcas * (v - eca)
    i_ion = (gna * mna**3 * hna * (v - 50) + i_ca + ga * ma**3 * ha * (v + 80)
             + gkca * mkca**4 * (v + 80) + gkd * mkd**4 * (v + 80) + gh * mh * (v + 20)
             + gl * (v + 50))
    d_ca = (-14.96 * i_ca * 0.628e-3 * 1e3 - ca + 0.05) / 200
    return [-i_ion, d_ca] + [(a - x) / b for a, x, b in zip(stg_inf(v, ca), y[2:], taus,
                                                            strict=True)]


def _upward(t, y, *args):
    return y[0]


_upward.direction = 1


def reference_spikes(model: str, duration: float = DURATION) -> np.ndarray:
    """Spike times (ms) of `model` ("hh" or "stg"), 0 mV crossings located by the solver's
    event detection: DOP853 at rtol 1e-10, atol 1e-12 (for the STG neuron, Radau at the
    same tolerances gives the same spike times within 2e-9 ms, 4x slower)."""
    from scipy.integrate import solve_ivp

    if model == "hh":
        sol = solve_ivp(hh_rhs, (0, duration), hh_initial(), args=(HH_CURRENT,),
                        method="DOP853", rtol=1e-10, atol=1e-12, events=_upward)
    else:
        y0 = [STG_V0, 0.05] + stg_inf(STG_V0, 0.05)
        sol = solve_ivp(stg_rhs, (0, duration), y0, args=(STG_AB_PD_2,), method="DOP853",
                        rtol=1e-10, atol=1e-12, events=_upward)
    if not sol.success:
        raise RuntimeError(f"reference solve of {model} failed: {sol.message}")
    return sol.t_events[0]
