"""Bundled examples: conductance-based neurons (classic HH; the STG pyloric circuit)."""

from __future__ import annotations

import numpy as np

from .. import channels, compartments, network, solvers
from .._simulate import simulate
from ._registry import Example

#: Injected currents of the HH f-I curve (µA/cm²), one cell each.
HH_CURRENTS = np.linspace(0.0, 20.0, 41)
#: The cell whose trace is shown (10 µA/cm²).
_HH_SHOWN = int(np.argmin(np.abs(HH_CURRENTS - 10.0)))

#: Maximal conductances (mS/cm²) of Prinz, Bucher & Marder (2004), Table 2, in the order
#: NaV, CaT, CaS, KA, KCa, Kdr, H, leak: the AB/PD 2, LP 4 and PY 1 model neurons.
PYLORIC_CONDUCTANCES = np.array([[100.0, 2.5, 6.0, 50.0, 5.0, 100.0, 0.01, 0.0],
                                 [100.0, 0.0, 4.0, 20.0, 0.0, 25.0, 0.05, 0.03],
                                 [100.0, 2.5, 2.0, 50.0, 0.0, 125.0, 0.05, 0.01]])
#: Synaptic conductances (nS; rows post AB/PD, LP, PY; columns pre), the circuit of xolotl's
#: `pyloric` example of Prinz et al. (2004): glutamatergic from AB, LP and PY, cholinergic
#: from PD (lumped with AB).
PYLORIC_GLUTAMATERGIC = np.array([[0.0, 30.0, 0.0], [30.0, 0.0, 30.0], [10.0, 1.0, 0.0]])
PYLORIC_CHOLINERGIC = np.array([[0.0, 0.0, 0.0], [30.0, 0.0, 0.0], [3.0, 0.0, 0.0]])
PYLORIC_CELLS = ("AB/PD", "LP", "PY")


def _spike_times(ts, v, level: float = 0.0) -> np.ndarray:
    """Upward crossings of `level` (mV), linearly interpolated (ms)."""
    ts, v = np.asarray(ts), np.asarray(v)
    i = np.flatnonzero((v[:-1] < level) & (v[1:] >= level))
    return ts[i] + (level - v[i]) * (ts[i + 1] - ts[i]) / (v[i + 1] - v[i])


def _burst_onsets(spikes: np.ndarray, gap: float = 300.0) -> np.ndarray:
    """First spikes of the bursts (spikes separated by more than `gap` ms start a burst)."""
    return spikes[np.r_[0, np.flatnonzero(np.diff(spikes) > gap) + 1]] if spikes.size else spikes


# ----------------------------------------------------------------------------- classic HH
def hodgkin_huxley_cells(size: int = 1) -> compartments.Compartment:
    """Classic HH (1952) compartments: gNa 120, gK 36, gL 0.3 mS/cm², EL -54.387 mV."""
    return compartments.Compartment([channels.hh.Na(), channels.hh.K(),
                                     channels.Leak(g=0.3, e_rev=-54.387)], size=size)


def _hh(duration, dt, key, progress):
    cells = hodgkin_huxley_cells(HH_CURRENTS.size)
    return simulate(cells, duration, dt, inputs={"i": HH_CURRENTS}, progress=progress,
                    record=["v", "Na.m", "Na.h", "K.n"])


def _hh_figure(traj):
    import matplotlib.pyplot as plt

    ts = np.asarray(traj.ts)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), width_ratios=(2, 1.3, 1.2))
    axes[0].plot(ts, np.asarray(traj["v"][:, _HH_SHOWN]), color="k", lw=1)
    axes[0].set(xlabel="time (ms)", ylabel="v (mV)",
                title=f"Hodgkin-Huxley (1952), {HH_CURRENTS[_HH_SHOWN]:g} µA/cm² step")
    for gate, color in (("Na.m", "C3"), ("Na.h", "C0"), ("K.n", "C2")):
        axes[1].plot(ts, np.asarray(traj[gate][:, _HH_SHOWN]), color=color, label=gate)
    axes[1].set(xlabel="time (ms)", ylabel="gate", title="Gates", xlim=(0, min(ts[-1], 40)))
    axes[1].legend(fontsize=8, loc="upper right")
    half = ts[-1] / 2
    rates = []
    for k in range(HH_CURRENTS.size):
        spikes = _spike_times(ts, traj["v"][:, k])
        late = spikes[spikes > half]
        rates.append(1e3 / np.mean(np.diff(late)) if late.size >= 2 else 0.0)
    rates = np.asarray(rates)
    axes[2].plot(HH_CURRENTS, rates, "o-", ms=3, color="k")
    axes[2].set(xlabel="injected current (µA/cm²)", ylabel="rate (Hz)",
                title="f-I curve: type II onset")
    fig.tight_layout()
    firing = np.flatnonzero(rates > 0)
    onset = int(firing[0]) if firing.size else None
    return fig, {"rate_at_10uA_hz": float(rates[_HH_SHOWN]),
                 "rheobase_uA_per_cm2": float(HH_CURRENTS[onset]) if onset is not None else -1.0,
                 "onset_rate_hz": float(rates[onset]) if onset is not None else 0.0}


# ----------------------------------------------------------------------------- pyloric circuit
def pyloric_circuit() -> network.Network:
    """The three-cell pyloric circuit (AB/PD, LP, PY) of Prinz, Bucher & Marder (2004), as
    one vectorised `Compartment` of 3 cells with per-cell maximal conductances, and graded
    glutamatergic and cholinergic synapses given as connection matrices (nS)."""
    g = PYLORIC_CONDUCTANCES.T
    stg = channels.stg
    cells = compartments.Compartment(
        [stg.NaV(g=g[0]), stg.CaT(g=g[1]), stg.CaS(g=g[2]), stg.KA(g=g[3]), stg.KCa(g=g[4]),
         stg.Kdr(g=g[5]), stg.H(g=g[6]), channels.Leak(g=g[7], e_rev=-50.0)],
        channels.CalciumPool(), size=3, v_init=np.array([-50.0, -55.0, -60.0]))
    return network.Network({"stg": cells}, [
        compartments.Glutamatergic("stg", "stg", 1.0, weights=PYLORIC_GLUTAMATERGIC),
        compartments.Cholinergic("stg", "stg", 1.0, weights=PYLORIC_CHOLINERGIC)])


def _pyloric(duration, dt, key, progress):
    # Graded synapses are stiff at presynaptic spike peaks: exponential Euler (exact for the
    # gates and synaptic activations at fixed voltage), as in the published implementations.
    every = dt * max(1, round(0.1 / dt))
    return simulate(pyloric_circuit(), duration, dt, solver=solvers.ExponentialEuler(),
                    record=["v", "ca"], sample_every=every, progress=progress)


def _pyloric_figure(traj):
    import matplotlib.pyplot as plt

    ts = np.asarray(traj.ts)
    fig, axes = plt.subplots(4, 1, figsize=(11, 7), sharex=True,
                             height_ratios=(1, 1, 1, 0.8))
    spikes = [_spike_times(ts, traj["v"][:, k]) for k in range(3)]
    for k, (ax, name) in enumerate(zip(axes, PYLORIC_CELLS, strict=False)):
        ax.plot(ts, np.asarray(traj["v"][:, k]), color=f"C{k}", lw=0.7)
        ax.set_ylabel(f"{name}\nv (mV)")
    axes[3].plot(ts, np.asarray(traj["ca"]), lw=1)
    axes[3].set(ylabel="[Ca] (µM)", xlabel="time (ms)")
    axes[3].legend(PYLORIC_CELLS, fontsize=8, ncols=3, loc="upper right")
    summary = {}
    onsets = _burst_onsets(spikes[0])
    if onsets.size >= 3:  # the last complete cycle (not the first): LP and PY onset phases
        start, end = onsets[-2], onsets[-1]
        period = end - start
        summary["period_ms"] = float(period)
        for k, name in ((1, "lp"), (2, "py")):
            inside = spikes[k][(spikes[k] > start) & (spikes[k] < end)]
            summary[f"{name}_onset_phase"] = (float((inside[0] - start) / period)
                                              if inside.size else -1.0)
        for ax in axes[:3]:
            ax.axvspan(start, end, color="0.93", zorder=-1)
    axes[0].set_title("Pyloric circuit (Prinz et al. 2004): AB/PD, then LP, then PY"
                      + (f"; period {summary['period_ms']:.0f} ms" if summary else ""))
    fig.tight_layout()
    return fig, summary


EXAMPLES = (
    Example("hh", "Classic Hodgkin-Huxley: spikes, gates and the type II f-I curve (41 cells)",
            200.0, 0.025, _hh, _hh_figure),
    Example("stg-pyloric", "Three-cell STG pyloric circuit (AB/PD, LP, PY; Prinz et al. 2004): "
            "triphasic rhythm", 4000.0, 0.025, _pyloric, _pyloric_figure),
)
