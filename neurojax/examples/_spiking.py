"""Bundled examples: the seed's spiking networks.

- `ei-balanced`: the E/I balanced network of conductance-based LIF neurons (BrainPy tutorial's
  `EINet`; after Vogels & Abbott 2005 and benchmark 1 of Brette et al. 2007).
- `decision`: the decision-making network of Wang (2002) with the BrainPy tutorial's
  `DecisionMakingNet` parameters.

The builders (`ei_balanced_network`, `decision_network`, `decision_inputs`, `decision_outcome`)
are public so that tests, notebooks and benchmarks run the same models.
"""

from __future__ import annotations

import dataclasses

import jax
import numpy as np

from .. import analysis, connectivity, init, neurons, plot, synapses
from .._simulate import simulate
from .._trajectory import Trajectory
from ..inputs import TimeSeries
from ..network import Network, Projection
from ._registry import Example

# ----------------------------------------------------------------------------- E/I network

#: LIF parameters of both populations of the E/I network (mV, ms).
EI_LIF = dict(v_rest=-60.0, v_th=-50.0, v_reset=-60.0, tau=20.0, tau_ref=5.0)
#: Constant input to every neuron of the E/I network (mV, through R = 1).
EI_INPUT = 20.0


def ei_balanced_network(n_exc: int = 3200, n_inh: int = 800, *, p: float = 0.02,
                        key: jax.Array | None = None, delivery: str = "auto") -> Network:
    """The E/I balanced COBA network of the BrainPy tutorial (`EINet`).

    LIF neurons (`EI_LIF`: v_rest -60, v_th -50, v_reset -60 mV, tau 20 ms, tau_ref 5 ms,
    v(0) ~ Normal(-55, 2) mV) in an excitatory population `"E"` and an inhibitory one `"I"`,
    connected at random with probability `p` (every pair of populations); exponential
    conductance-based synapses: E -> * weight 0.6, tau 5 ms, E_rev 0 mV; I -> * weight 6.7,
    tau 10 ms, E_rev -80 mV. Drive it with `inputs={"E": EI_INPUT, "I": EI_INPUT}`.

    Args:
        n_exc, n_inh: population sizes (3200 and 800 in the seed).
        p: connection probability (0.02: 80 inputs per neuron at 4000 neurons).
        key: PRNG key of the random connectivity (default `jax.random.key(0)`).
        delivery: spike delivery of the projections (`"auto"`, `"event"` or `"dense"`).

    References:
        Vogels & Abbott (2005), J. Neurosci. 25:10786; Brette et al. (2007), J. Comput.
        Neurosci. 23:349 (benchmark 1).
    """
    key = jax.random.key(0) if key is None else key
    lif = dict(EI_LIF, v_init=init.Normal(-55.0, 2.0))
    rule = connectivity.FixedProb(p)
    excitatory = dict(synapse=synapses.Exponential(tau=5.0), output=synapses.COBA(e_rev=0.0))
    inhibitory = dict(synapse=synapses.Exponential(tau=10.0), output=synapses.COBA(e_rev=-80.0))
    return Network(
        nodes={"E": neurons.LIF(n_exc, **lif), "I": neurons.LIF(n_inh, **lif)},
        edges=[Projection("E", t, rule, weight=0.6, delivery=delivery, **excitatory)
               for t in ("E", "I")]
        + [Projection("I", t, rule, weight=6.7, delivery=delivery, **inhibitory)
           for t in ("E", "I")],
        key=key)


def ei_summary(traj: Trajectory, *, transient: float = 100.0) -> dict[str, float]:
    """Mean rates (Hz) and mean CV of the interspike intervals of `"E"` and `"I"`, after
    `transient` ms."""
    keep = np.asarray(traj.ts) >= traj.ts[0] + transient
    out = {}
    for pop in ("E", "I"):
        spikes = np.asarray(traj[f"{pop}.spike"])[keep]
        out[f"rate_{pop}_hz"] = float(spikes.mean() / traj.dt * 1000.0)
        out[f"cv_isi_{pop}"] = float(np.nanmean(analysis.isi_cv(spikes, traj.dt)))
    return out


def _ei_balanced(duration, dt, key, progress):
    net_key, run_key = jax.random.split(key)
    net = ei_balanced_network(key=net_key)
    return simulate(net, duration, dt, inputs={"E": EI_INPUT, "I": EI_INPUT},
                    record=["E.spike", "I.spike"], key=run_key, progress=progress)


def _ei_balanced_figure(traj):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 1, figsize=(10, 8), height_ratios=(3, 1, 1.4), sharex=True,
                             layout="constrained")
    plot.raster(traj, "E.spike", ax=axes[0], max_units=800, rate_window=None)
    plot.raster(traj, "I.spike", ax=axes[1], max_units=200, rate_window=None)
    plot.rates(traj, ["E.spike", "I.spike"], window=2.0, ax=axes[2])
    for ax in axes[:2]:
        ax.set_xlabel("")
    summary = ei_summary(traj)
    fig.suptitle(f"E/I balanced COBA network (3200 E + 800 I LIF): E {summary['rate_E_hz']:.1f} "
                 f"Hz, I {summary['rate_I_hz']:.1f} Hz, CV(ISI) {summary['cv_isi_E']:.2f} / "
                 f"{summary['cv_isi_I']:.2f}")
    return fig, summary


# ----------------------------------------------------------------------------- decision making

@dataclasses.dataclass(frozen=True)
class DecisionTask:
    """The stimulus protocol of the decision network (Wang 2002; the BrainPy tutorial).

    The stimulus rates of A and B are `mu0 (1 + coherence / 100)` and `mu0 (1 - coherence /
    100)` (Hz) on average, redrawn from a normal distribution of standard deviation `sigma`
    every `interval` ms during the stimulus; zero before and after.

    Attributes:
        coherence: motion coherence (%), positive favours A.
        mu0: mean stimulus rate at zero coherence (Hz).
        pre_stimulus, stimulus, delay: durations of the three periods (ms).
        sigma: standard deviation of the stimulus rates (Hz).
        interval: how often the stimulus rates are redrawn (ms).
    """

    coherence: float = 25.6
    mu0: float = 40.0
    pre_stimulus: float = 100.0
    stimulus: float = 1000.0
    delay: float = 500.0
    sigma: float = 10.0
    interval: float = 50.0

    def __post_init__(self):
        for name in ("pre_stimulus", "delay", "mu0", "sigma"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"DecisionTask: `{name}` must be non-negative; got "
                                 f"{getattr(self, name)}.")
        if not abs(self.coherence) <= 100:
            raise ValueError(f"DecisionTask: `coherence` is in percent, between -100 and 100; "
                             f"got {self.coherence}.")
        steps = self.stimulus / self.interval if self.interval > 0 else 0.0
        if not (steps >= 1 and abs(steps - round(steps)) < 1e-9):
            raise ValueError(f"DecisionTask: `stimulus` ({self.stimulus} ms) must be a positive "
                             f"multiple of `interval` ({self.interval} ms), the time between "
                             f"changes of the stimulus rates.")
        for name in ("pre_stimulus", "interval"):
            if abs(getattr(self, name) / 0.05 - round(getattr(self, name) / 0.05)) > 1e-6:
                raise ValueError(f"DecisionTask: `{name}` must be a multiple of 0.05 ms; got "
                                 f"{getattr(self, name)}.")

    @property
    def duration(self) -> float:
        """The whole trial (ms)."""
        return self.pre_stimulus + self.stimulus + self.delay

    @property
    def stimulus_end(self) -> float:
        """When the stimulus stops (ms)."""
        return self.pre_stimulus + self.stimulus

    def stimulus_rates(self, key: jax.Array) -> tuple[np.ndarray, np.ndarray]:
        """The rates (Hz) of the stimulus to A and to B, one per `interval` (stimulus only)."""
        n = int(round(self.stimulus / self.interval))
        noise = np.asarray(jax.random.normal(key, (2, n))) * self.sigma
        mean = self.mu0 * (1.0 + np.array([[1.0], [-1.0]]) * self.coherence / 100.0)
        rates = np.maximum(mean + noise, 0.0)
        return rates[0], rates[1]


#: Wang (2002) / BrainPy `DecisionMakingNet` constants.
DECISION_EXC = dict(v_rest=-70.0, v_reset=-55.0, v_th=-50.0, tau=20.0, R=0.04, tau_ref=2.0,
                    v_init=-70.0)
DECISION_INH = dict(v_rest=-70.0, v_reset=-55.0, v_th=-50.0, tau=10.0, R=0.05, tau_ref=1.0,
                    v_init=-70.0)
#: Conductances (nS) at scale 1: external AMPA onto E and I, recurrent AMPA, NMDA and GABA-A.
DECISION_G = dict(ext_e=2.1, ext_i=1.62, ampa_e=0.05, ampa_i=0.04, nmda_e=0.165, nmda_i=0.13,
                  gaba_e=1.3, gaba_i=1.0)


def decision_network(*, scale: float = 1.0, f: float = 0.15, w_plus: float = 1.7,
                     background: float = 2400.0, delay: float = 0.5) -> Network:
    """The decision-making network of Wang (2002), as in the BrainPy tutorial.

    `1600 scale` excitatory LIF neurons in three nodes, `"A"` and `"B"` (a fraction `f` each,
    selective for the two options) and `"N"` (the rest), and `400 scale` inhibitory ones `"I"`
    (`DECISION_EXC`, `DECISION_INH`; currents in pA through `R` in GΩ). Recurrent all-to-all
    projections with a delay of `delay` ms: AMPA (tau 2 ms, E 0 mV) and saturating NMDA (per
    source, tau 2/100 ms, with the Mg block) from every excitatory node, GABA-A (tau 5 ms,
    E -70 mV) from `"I"`. Weights (`DECISION_G`, divided by `scale`) are multiplied by
    `w_plus` within A and within B, by `w_minus = 1 - f (w_plus - 1) / (1 - f)` from N to A
    and B and between A and B, by 1 otherwise.

    Each neuron receives independent Poisson spikes at `background` Hz through an AMPA
    synapse (2.1 nS onto E, 1.62 nS onto I), from the spike sources `"ext_A"`, `"ext_B"`,
    `"ext_N"`, `"ext_I"`; the stimulus, also Poisson, arrives through the same synapses: it
    is added to the rates of `"ext_A"` and `"ext_B"` (`decision_inputs`). The sources emit
    spike counts per step (`PoissonGroup(counts=True)`), so the 2.4 kHz drive is exact at
    dt = 0.1 ms.

    Args:
        scale: network size relative to 2000 neurons (recurrent weights scale as 1/scale).
        f: fraction of excitatory neurons selective for each option.
        w_plus: potentiation of the weights within a selective group.
        background: rate of the external Poisson input to every neuron (Hz).
        delay: transmission delay of the recurrent projections (ms).

    References:
        Wang X.-J. (2002), Probabilistic decision making by slow reverberation in cortical
        circuits, Neuron 36:955-968.
    """
    n_exc, n_inh = int(1600 * scale), int(400 * scale)
    n_sel = int(f * n_exc)
    sizes = {"A": n_sel, "B": n_sel, "N": n_exc - 2 * n_sel, "I": n_inh}
    w_minus = 1.0 - f * (w_plus - 1.0) / (1.0 - f)
    g = {k: v / scale if k not in ("ext_e", "ext_i") else v for k, v in DECISION_G.items()}
    nodes = {name: neurons.LIF(n, **(DECISION_INH if name == "I" else DECISION_EXC))
             for name, n in sizes.items()}
    nodes.update({f"ext_{name}": neurons.PoissonGroup(n, rate=background, counts=True)
                  for name, n in sizes.items()})

    ampa = dict(synapse=synapses.AMPA(tau=2.0), output=synapses.COBA(e_rev=0.0))
    nmda = dict(synapse=synapses.NMDA(tau_rise=2.0, tau_decay=100.0, alpha=0.5),
                output=synapses.MgBlock(e_rev=0.0, mg=1.0))
    gaba = dict(synapse=synapses.GABAa(tau=5.0), output=synapses.COBA(e_rev=-70.0))
    all_to_all = connectivity.AllToAll()

    def structure(pre: str, post: str) -> float:
        if pre in ("A", "B") and post == pre:
            return w_plus
        if post in ("A", "B") and pre in ("A", "B", "N"):
            return w_minus
        return 1.0

    edges = []
    for post in sizes:
        to_inh = post == "I"
        for pre in ("A", "B", "N"):
            s = structure(pre, post)
            edges.append(Projection(pre, post, all_to_all, delay=delay, name=f"{pre}->{post}:AMPA",
                                    weight=s * g["ampa_i" if to_inh else "ampa_e"], **ampa))
            edges.append(Projection(pre, post, all_to_all, delay=delay, name=f"{pre}->{post}:NMDA",
                                    weight=s * g["nmda_i" if to_inh else "nmda_e"], **nmda))
        edges.append(Projection("I", post, all_to_all, delay=delay, name=f"I->{post}:GABAa",
                                weight=g["gaba_i" if to_inh else "gaba_e"], **gaba))
        edges.append(Projection(f"ext_{post}", post, connectivity.OneToOne(),
                                name=f"ext->{post}:AMPA",
                                weight=g["ext_i" if to_inh else "ext_e"], **ampa))
    return Network(nodes, edges)


def decision_inputs(task: DecisionTask, key: jax.Array) -> dict[str, TimeSeries]:
    """The stimulus of one trial as inputs to `simulate`: rates (Hz) added to the external
    sources of A and B, piecewise constant (`key` draws the fluctuations)."""
    rate_a, rate_b = task.stimulus_rates(key)
    inputs = {}
    for name, rates in (("ext_A", rate_a), ("ext_B", rate_b)):
        edges = np.concatenate([[0.0], task.pre_stimulus + task.interval
                                * np.arange(len(rates) + 1), [task.duration]])
        values = np.concatenate([[0.0], rates, [0.0, 0.0]])
        inputs[f"{name}.rate"] = _piecewise_constant(edges, values)
    return inputs


def _piecewise_constant(edges: np.ndarray, values: np.ndarray) -> TimeSeries:
    """A `TimeSeries` equal to `values[k]` on `[edges[k], edges[k+1])`, on a 0.05 ms grid
    (all edges must be multiples of it)."""
    grid = 0.05
    t = np.arange(int(round(edges[-1] / grid)) + 1) * grid
    index = np.clip(np.searchsorted(edges, t + 1e-9, side="right") - 1, 0, len(values) - 1)
    return TimeSeries(values[index], dt=grid)


#: The populations of the decision network, in drawing order.
DECISION_POPULATIONS = ("A", "B", "N", "I")


def simulate_decision(task: DecisionTask, key: jax.Array, *, network: Network | None = None,
                      dt: float = 0.1, progress: bool = False) -> Trajectory:
    """One trial of the decision network: the spikes of A, B, N and I.

    Args:
        task: the stimulus protocol (coherence, periods).
        key: PRNG key of the trial (stimulus fluctuations and Poisson spikes).
        network: the network (default `decision_network()`; pass one to reuse it).
        dt: time step (ms).
        progress: show a progress bar.
    """
    network = decision_network() if network is None else network
    stimulus_key, run_key = jax.random.split(key)
    return simulate(network, task.duration, dt, inputs=decision_inputs(task, stimulus_key),
                    record=[f"{p}.spike" for p in DECISION_POPULATIONS], key=run_key,
                    progress=progress)


def _mean_rate(traj: Trajectory, pop: str, start: float, stop: float) -> float:
    ts = np.asarray(traj.ts)
    keep = (ts >= start) & (ts < stop)
    return float(np.asarray(traj[f"{pop}.spike"])[keep].mean() / traj.dt * 1000.0)


def decision_outcome(traj: Trajectory, task: DecisionTask, *, threshold: float = 15.0,
                     window: float = 50.0) -> dict[str, float | str]:
    """Which group won a trial, when, and the rates (Hz) that tell it.

    As in Wang (2002), the decision is the first crossing of `threshold` Hz by the rate of A
    or B (averaged over `window` ms) after the stimulus onset; the first group to cross wins
    (`"winner"`: `"A"`, `"B"` or `"none"`), at `"decision_time_ms"` after the onset (NaN
    without a decision). Also returned: the mean rates of A, B, N and I before the stimulus
    (`rate_*_pre_hz`), over the last 200 ms of the stimulus (`rate_*_stimulus_hz`) and over
    the delay period after its first 100 ms (`rate_*_delay_hz`).
    """
    ts = np.asarray(traj.ts)
    stimulus_end = task.stimulus_end
    periods = {"pre": (0.0, task.pre_stimulus),
               "stimulus": (max(task.pre_stimulus, stimulus_end - 200.0), stimulus_end),
               "delay": (stimulus_end + min(100.0, task.delay / 2), task.duration)}
    out: dict[str, float | str] = {
        f"rate_{pop}_{period}_hz": _mean_rate(traj, pop, *span)
        for period, span in periods.items() for pop in DECISION_POPULATIONS}
    after = ts >= task.pre_stimulus
    crossing = {}
    for pop in ("A", "B"):
        rate = np.asarray(analysis.firing_rate(traj[f"{pop}.spike"], traj.dt, window=window))
        above = np.flatnonzero(after & (rate > threshold))
        crossing[pop] = ts[above[0]] if above.size else np.inf
    first = min(crossing, key=crossing.get)
    decided = np.isfinite(crossing[first])
    out["winner"] = first if decided else "none"
    out["decision_time_ms"] = float(crossing[first] - task.pre_stimulus) if decided else np.nan
    return out


def _decision_task(duration: float) -> DecisionTask:
    """The seed's protocol (100 + 1000 + 500 ms), its stimulus and delay stretched to fill
    another `duration`."""
    rest = duration - 100.0
    if rest <= 0:
        raise ValueError(f"decision: the trial must be longer than the 100 ms pre-stimulus "
                         f"period; got duration={duration} ms.")
    stimulus = round(rest * 2.0 / 3.0 / 50.0) * 50.0 or 50.0
    return DecisionTask(stimulus=stimulus, delay=rest - stimulus)


def _decision(duration, dt, key, progress):
    return simulate_decision(_decision_task(duration), key, dt=dt, progress=progress)


def _decision_figure(traj):
    import matplotlib.pyplot as plt

    task = _decision_task(float(traj.ts[-1] - traj.ts[0]))
    outcome = decision_outcome(traj, task)
    fig, axes = plt.subplots(5, 1, figsize=(10, 10), height_ratios=(1, 1, 2, 1.3, 2.2),
                             sharex=True, layout="constrained")
    for ax, pop, shown in zip(axes[:4], DECISION_POPULATIONS, (240, 240, 400, 200),
                              strict=True):
        plot.raster(traj, f"{pop}.spike", ax=ax, max_units=shown, rate_window=None)
        ax.set_xlabel("")
        ax.set_ylabel(pop)
    plot.rates(traj, [f"{p}.spike" for p in DECISION_POPULATIONS], window=25.0, ax=axes[4])
    for ax in axes:
        ax.axvspan(task.pre_stimulus, task.stimulus_end, color="0.9", zorder=-1)
    fig.suptitle(f"Decision network (Wang 2002), coherence {task.coherence:g}%: winner "
                 f"{outcome['winner']}; delay-period rates A {outcome['rate_A_delay_hz']:.1f}, "
                 f"B {outcome['rate_B_delay_hz']:.1f} Hz (stimulus shaded)")
    return fig, outcome


EXAMPLES = (
    Example("ei-balanced", "E/I balanced COBA network, 3200 E + 800 I LIF (BrainPy EINet)",
            1000.0, 0.1, _ei_balanced, _ei_balanced_figure),
    Example("decision", "Wang (2002) decision-making network, 2000 LIF, coherence 25.6%",
            1600.0, 0.1, _decision, _decision_figure),
)
