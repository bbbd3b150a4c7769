"""The seed's spiking networks (`neurojax run ei-balanced`, `neurojax run decision`) and the
library pieces they rest on: the shared-row all-to-all and diagonal one-to-one delivery, Poisson
spike counts, and the grouped Jacobian-vector products of exponential Euler."""

from __future__ import annotations

import json
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.sparse
from scipy import stats

import neurojax as nj
from neurojax.cli import main
from neurojax.examples._spiking import (
    EI_INPUT,
    EI_LIF,
    DecisionTask,
    decision_inputs,
    decision_network,
    decision_outcome,
    ei_balanced_network,
    ei_summary,
    simulate_decision,
)
from neurojax.solvers._euler import _independent_groups, _own_rates
from tests.helpers import x64


# ----------------------------------------------------------------------------- delivery
def _driven_pair(connectivity, delivery):
    """A Poisson source driving 6 LIF neurons through AMPA (post side) and NMDA (pre side)
    synapses, each without and with a delay."""
    lif = dict(v_rest=-70.0, v_th=-50.0, v_reset=-60.0, tau=20.0, tau_ref=2.0, R=0.04,
               v_init=-70.0)
    kinds = dict(ampa=(nj.synapses.AMPA(), nj.synapses.COBA(e_rev=0.0), 8.0),
                 nmda=(nj.synapses.NMDA(), nj.synapses.MgBlock(), 3.0))
    edges = [nj.Projection("src", "tgt", connectivity, weight=w, synapse=syn, output=out,
                           delay=delay, delivery=delivery, name=f"{name}{label}")
             for name, (syn, out, w) in kinds.items()
             for label, delay in (("", None), ("_late", 0.5))]
    return nj.Network({"src": nj.neurons.PoissonGroup(6, rate=300.0),
                       "tgt": nj.neurons.LIF(6, **lif)}, edges)


@pytest.mark.parametrize("rule, matrix", [(nj.connectivity.AllToAll(), np.ones((6, 6))),
                                          (nj.connectivity.OneToOne(), np.eye(6))])
def test_shared_row_and_diagonal_delivery_equal_the_full_matrix(rule, matrix):
    """All-to-all with one weight is delivered as one row shared by every target and
    one-to-one as a diagonal; both must give exactly what the explicit weight matrix (the
    general dense path) gives, with and without delays, for post- and pre-side synapses."""
    with x64():
        fast = _driven_pair(rule, "auto")
        full = _driven_pair(nj.connectivity.FromMatrix(matrix), "dense")
        expected = (1, 6) if isinstance(rule, nj.connectivity.AllToAll) else (6,)
        assert all(p.dense.shape == expected for p in fast.projections)
        assert all(p.dense.shape == (6, 6) for p in full.projections)
        names = ["tgt.v", "ampa.s", "ampa_late.s", "nmda.s", "nmda_late.s"]
        run = dict(record=names, key=jax.random.key(4))
        a, b = nj.simulate(fast, 60.0, 0.1, **run), nj.simulate(full, 60.0, 0.1, **run)
        assert float(np.max(np.asarray(b["ampa_late.s"]))) > 0.5  # the synapses were driven
        for name in names:
            np.testing.assert_allclose(np.asarray(a[name]), np.asarray(b[name]), rtol=1e-12,
                                       atol=1e-12)


# ----------------------------------------------------------------------------- Poisson counts
@pytest.mark.parametrize("rate", [2400.0, 25000.0])
def test_poisson_counts_follow_the_poisson_distribution(rate):
    """`PoissonGroup(counts=True)` emits per-step counts with the Poisson distribution of mean
    rate x dt (chi-square against scipy's pmf), e.g. 0.24 at 2.4 kHz and dt 0.1 ms, where 0/1
    spikes would lose 1 - (1 - e^-0.24) / 0.24 = 11% of the input; 25 kHz (mean 2.5) takes the
    general sampler."""
    mean = rate * 0.1 / 1000.0
    state = {"h": jnp.full((200_000,), mean)}  # the expected count accumulated over a step

    def draws(source):
        return np.asarray(source.threshold_and_reset(state, jax.random.key(0))[1])

    counts = draws(nj.neurons.PoissonGroup(200_000, rate=rate, counts=True)).astype(int)
    assert abs(counts.mean() - mean) < 4 * np.sqrt(mean / counts.size)
    top = int(stats.poisson.ppf(1 - 1e-4, mean))
    observed = np.bincount(np.minimum(counts, top), minlength=top + 1)
    expected = stats.poisson.pmf(np.arange(top + 1), mean)
    expected[-1] = stats.poisson.sf(top - 1, mean)
    _, p_value = stats.chisquare(observed, expected * counts.size)
    assert p_value > 1e-3
    spikes = draws(nj.neurons.PoissonGroup(200_000, rate=rate))  # the default: 0/1
    assert set(np.unique(spikes)) <= {0.0, 1.0}
    assert spikes.mean() == pytest.approx(-np.expm1(-mean), abs=4 * np.sqrt(0.25 / spikes.size))


# ----------------------------------------------------------------------------- solver
def _small_circuit() -> nj.Network:
    """E and I LIF neurons with NMDA (two variables, per source), AMPA, delayed GABA-A and a
    one-to-one Poisson drive: every kind of state leaf of the decision network."""
    lif = dict(v_rest=-70.0, v_th=-50.0, v_reset=-55.0, tau=20.0, R=0.04, tau_ref=2.0)
    every = nj.connectivity.AllToAll()
    return nj.Network(
        {"E": nj.neurons.LIF(4, **lif), "I": nj.neurons.LIF(3, **lif),
         "P": nj.neurons.PoissonGroup(4, rate=2400.0, counts=True)},
        [nj.Projection("E", "E", every, 0.5, synapse=nj.synapses.NMDA(),
                       output=nj.synapses.MgBlock()),
         nj.Projection("E", "I", every, 0.2, synapse=nj.synapses.AMPA(),
                       output=nj.synapses.COBA(e_rev=0.0)),
         nj.Projection("I", "E", every, 1.3, synapse=nj.synapses.GABAa(), delay=0.5,
                       output=nj.synapses.COBA(e_rev=-70.0)),
         nj.Projection("P", "E", nj.connectivity.OneToOne(), 2.1, synapse=nj.synapses.AMPA(),
                       output=nj.synapses.COBA(e_rev=0.0), name="P->E")])


def test_grouped_jvps_give_the_per_leaf_own_rates():
    """Exponential Euler takes each variable's own rate d(dx/dt)/dx from JVPs; on a network
    without mass couplings it pushes whole groups of leaves (the k-th variable of every node,
    of every synapse) through one JVP. The rates must equal the one-JVP-per-leaf ones, and
    the membrane's must equal a central finite difference (float64)."""
    with x64():
        net = _small_circuit()
        y = {k: dict(v) for k, v in net.init_state(jax.random.key(0)).items()}
        for name in y:
            if name not in net.nodes:  # open every synapse a little, differently per unit
                y[name] = {k: x + 0.5 + jnp.arange(x.size) / x.size for k, x in y[name].items()}
        y["E"]["v"] = jnp.linspace(-70.0, -52.0, 4)
        groups = _independent_groups(net, y)
        assert len(groups) == 5 < len(jax.tree.leaves(y)) == 13

        def drift(state):
            return net.drift(0.0, state, {})

        grouped = jax.jit(lambda y: _own_rates(drift, y, groups))(y)
        per_leaf = jax.jit(lambda y: _own_rates(drift, y))(y)
        for a, b in zip(jax.tree.leaves(grouped), jax.tree.leaves(per_leaf), strict=True):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-13, atol=1e-13)
        eps = 1e-5
        shifted = [drift({**y, "E": {**y["E"], "v": y["E"]["v"] + d}})["E"]["v"]
                   for d in (eps, -eps)]
        np.testing.assert_allclose(np.asarray(grouped["E"]["v"]),
                                   np.asarray((shifted[0] - shifted[1]) / (2 * eps)), rtol=1e-7)


# ----------------------------------------------------------------------------- E/I network
def _numpy_ei(net: nj.Network, y0, duration: float, dt: float = 0.1):
    """An independent implementation of the E/I network in NumPy (float64): each step, the
    membrane relaxes exactly towards its conductance-weighted target with the conductances
    of the step's start held fixed, unless refractory (held for tau_ref); conductances decay
    exactly; neurons at threshold spike, reset and refract; spikes add their weights to the
    conductances, felt from the next step on."""
    sizes = {name: node.size for name, node in net.nodes.items()}
    weights = {(p.pre, p.post): scipy.sparse.csc_matrix(p.synapses.to_dense() * float(p.weight))
               for p in net.projections}
    tau_syn, e_rev = {"E": 5.0, "I": 10.0}, {"E": 0.0, "I": -80.0}
    v = {k: np.asarray(y0[k]["v"], float).copy() for k in sizes}
    refractory = {k: np.zeros(n, int) for k, n in sizes.items()}
    g = {key: np.zeros(sizes[key[1]]) for key in weights}
    hold = int(round(EI_LIF["tau_ref"] / dt))
    n_steps = int(round(duration / dt))
    spikes_out = {k: np.zeros((n_steps + 1, n), bool) for k, n in sizes.items()}
    for step in range(1, n_steps + 1):
        for k in sizes:
            ge, gi = g[("E", k)], g[("I", k)]
            total = 1.0 + ge + gi
            target = (EI_LIF["v_rest"] + EI_INPUT + ge * e_rev["E"] + gi * e_rev["I"]) / total
            free = refractory[k] == 0
            relaxed = target + (v[k] - target) * np.exp(-total * dt / EI_LIF["tau"])
            v[k] = np.where(free, relaxed, v[k])
            refractory[k] = np.maximum(refractory[k] - 1, 0)
        for key in g:
            g[key] *= np.exp(-dt / tau_syn[key[0]])
        for k in sizes:
            spike = (refractory[k] == 0) & (v[k] >= EI_LIF["v_th"])
            v[k][spike], refractory[k][spike] = EI_LIF["v_reset"], hold
            spikes_out[k][step] = spike
        for (pre, post), w in weights.items():
            fired = np.flatnonzero(spikes_out[pre][step])
            if fired.size:
                g[(pre, post)] += np.asarray(w[:, fired].sum(axis=1)).ravel()
    return spikes_out


def _synchrony(spikes: np.ndarray, bin_steps: int = 50) -> float:
    """Golomb's chi from spike counts in bins: sqrt(var of the population mean / mean of the
    single-unit variances); about 1/sqrt(N) for independent units, 1 for full synchrony."""
    counts = spikes[: len(spikes) // bin_steps * bin_steps].astype(float)
    counts = counts.reshape(-1, bin_steps, spikes.shape[1]).sum(axis=1)
    return float(np.sqrt(counts.mean(axis=1).var() / counts.var(axis=0).mean()))


def test_ei_network_is_asynchronous_irregular(tmp_path, capsys):
    """`neurojax run ei-balanced` (3200 E + 800 I, here 400 ms) settles in the asynchronous
    irregular state (Brunel 2000; Vogels & Abbott 2005): irregular spiking (CV of the ISIs
    near 1, here >= 0.8), asynchronous (Golomb's chi < 0.2; 1 would be full synchrony) and
    inhibition-dominated: both populations fire well below the regular rate of 53.0 Hz that
    the input alone would drive (1 / (tau_ref + tau ln(20 / 10))) and far above zero. The
    printed summary is that of the saved spikes."""
    assert main(["run", "ei-balanced", "--duration", "400", "--out", str(tmp_path),
                 "--quiet"]) == 0
    out = capsys.readouterr().out
    summary = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    assert (tmp_path / "ei-balanced.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    traj = nj.Trajectory.load(tmp_path / "ei-balanced.npz")
    regular = 1000.0 / (EI_LIF["tau_ref"] + EI_LIF["tau"] * np.log(EI_INPUT / 10.0))
    assert regular == pytest.approx(53.0, abs=0.05)
    for pop in ("E", "I"):
        spikes = np.asarray(traj[f"{pop}.spike"])[1000:]  # after 100 ms
        assert summary[f"rate_{pop}_hz"] == pytest.approx(spikes.mean() * 1e4, rel=1e-6)
        assert 5.0 < summary[f"rate_{pop}_hz"] < 0.6 * regular
        assert 0.8 < summary[f"cv_isi_{pop}"] < 2.0
        assert _synchrony(spikes) < 0.2


@pytest.mark.slow
def test_ei_network_matches_an_independent_numpy_simulation():
    """Mean rates and mean CVs of the ISIs of E and I over 1 s (after 100 ms) agree within
    10% with an independent NumPy (float64) implementation of the same model started from
    the same state on the same connectivity (the runs diverge after a few ms, float32 against
    float64 in a chaotic network; their statistics do not)."""
    net = ei_balanced_network(key=jax.random.key(5))
    y0 = net.init_state(jax.random.key(6))
    traj = nj.simulate(net, 1000.0, 0.1, inputs={"E": EI_INPUT, "I": EI_INPUT},
                       record=["E.spike", "I.spike"], initial_state=y0, key=jax.random.key(1))
    ours = ei_summary(traj)
    reference = _numpy_ei(net, y0, 1000.0)
    ts = np.asarray(traj.ts)
    for pop in ("E", "I"):
        spikes = reference[pop][ts >= 100.0]
        assert ours[f"rate_{pop}_hz"] == pytest.approx(spikes.mean() * 1e4, rel=0.1)
        cv = float(np.nanmean(nj.analysis.isi_cv(spikes, 0.1)))
        assert ours[f"cv_isi_{pop}"] == pytest.approx(cv, rel=0.1)


# ----------------------------------------------------------------------------- decision
def test_decision_network_structure():
    """Wang (2002) as in the BrainPy tutorial: 240 + 240 + 1120 E, 400 I; w- = 1 - f (w+ - 1)
    / (1 - f) = 0.8765 for f = 0.15, w+ = 1.7; recurrent weights divided by the scale."""
    net = decision_network()
    assert {k: n.size for k, n in net.nodes.items() if not k.startswith("ext")} == {
        "A": 240, "B": 240, "N": 1120, "I": 400}
    weight = {p.name: float(p.weight) for p in net.projections}
    w_minus = 1.0 - 0.15 * 0.7 / 0.85
    assert weight["A->A:AMPA"] == pytest.approx(0.05 * 1.7)
    assert weight["B->A:NMDA"] == pytest.approx(0.165 * w_minus)
    assert weight["N->B:AMPA"] == pytest.approx(0.05 * w_minus)
    assert weight["A->N:NMDA"] == pytest.approx(0.165)
    assert weight["A->I:NMDA"] == pytest.approx(0.13)
    assert weight["I->I:GABAa"] == pytest.approx(1.0)
    assert weight["ext->I:AMPA"] == pytest.approx(1.62)
    small = decision_network(scale=0.5)
    assert {p.name: float(p.weight) for p in small.projections}["I->A:GABAa"] == pytest.approx(
        2.6)
    assert all(p.dense is not None for p in net.projections)  # no event tables, no matrices


def test_decision_stimulus_follows_the_coherence():
    """The stimulus rates are mu0 (1 +- c/100) on average, redrawn every 50 ms with a
    standard deviation of 10 Hz, and zero outside the stimulus period."""
    task = DecisionTask(coherence=25.6)
    rate_a, rate_b = task.stimulus_rates(jax.random.key(0))
    assert rate_a.shape == rate_b.shape == (20,)
    both = np.concatenate([rate_a - 50.24, rate_b - 29.76])
    assert abs(both.mean()) < 3 * 10.0 / np.sqrt(40) and 5.0 < both.std() < 15.0
    inputs = decision_inputs(task, jax.random.key(0))
    drive = inputs["ext_A.rate"]
    for t, expected in ((50.0, 0.0), (100.0, rate_a[0]), (149.9, rate_a[0]), (150.0, rate_a[1]),
                        (1099.9, rate_a[-1]), (1100.0, 0.0), (1599.9, 0.0)):
        assert float(drive(jnp.asarray(t))) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("bad, message", [
    (dict(coherence=150.0), "`coherence` is in percent"),
    (dict(stimulus=120.0), r"`stimulus` \(120.0 ms\) must be a positive multiple of `interval`"),
    (dict(delay=-5.0), "`delay` must be non-negative; got -5.0"),
    (dict(pre_stimulus=100.01), "`pre_stimulus` must be a multiple of 0.05 ms")])
def test_decision_task_rejects_bad_protocols(bad, message):
    with pytest.raises(ValueError, match=message):
        DecisionTask(**bad)


def test_decision_trial_strong_evidence_is_decided_and_remembered():
    """One shorter trial at coherence 51.2% (600 ms stimulus, 400 ms delay): A, the favoured
    group, wins (its rate crosses 15 Hz first, Wang 2002) while B stays near its spontaneous
    rate, and A keeps firing through the delay without input (working memory): above 10 Hz
    and three times the non-selective group N. Before the stimulus every excitatory group
    fires below 5 Hz."""
    task = DecisionTask(coherence=51.2, stimulus=600.0, delay=400.0)
    out = decision_outcome(simulate_decision(task, jax.random.key(0)), task)
    assert out["winner"] == "A"
    assert 100.0 < out["decision_time_ms"] < task.stimulus
    assert out["rate_B_stimulus_hz"] < 5.0
    assert out["rate_A_delay_hz"] > max(10.0, 3.0 * out["rate_N_delay_hz"])
    assert out["rate_B_delay_hz"] < out["rate_N_delay_hz"] + 2.0
    assert max(out[f"rate_{p}_pre_hz"] for p in "ABN") < 5.0


@pytest.mark.slow
def test_decision_choices_follow_the_evidence_and_persist():
    """Wang (2002), Figs. 2-3, with the seed's protocol (100 ms, 1000 ms stimulus, 500 ms
    delay), 10 trials per coherence: at 25.6% the favoured group A wins in at least 8 of 10;
    at 0% both A and B win sometimes; every winner keeps firing through the delay without
    input (persistent activity) at more than twice the rate of the non-selective group N and
    three times the loser's, while the loser stays below 5 Hz."""
    network = decision_network()
    outcomes = {}
    start = time.perf_counter()
    for coherence in (25.6, 0.0):
        task = DecisionTask(coherence=coherence)
        outcomes[coherence] = [decision_outcome(simulate_decision(
            task, jax.random.key(seed), network=network), task) for seed in range(10)]
    print(f"20 decision trials in {time.perf_counter() - start:.0f} s")
    for coherence, trials in outcomes.items():
        print(coherence, [(o["winner"], round(o["decision_time_ms"], 0),
                           *(round(o[f"rate_{p}_delay_hz"], 1) for p in "ABN"))
                          for o in trials])
    winners = {c: [o["winner"] for o in trials] for c, trials in outcomes.items()}
    assert winners[25.6].count("A") >= 8
    assert "A" in winners[0.0] and "B" in winners[0.0]
    for trials in outcomes.values():
        for o in trials:
            if o["winner"] in ("A", "B"):
                loser = "B" if o["winner"] == "A" else "A"
                persistent = o[f"rate_{o['winner']}_delay_hz"]
                assert persistent > max(2.0 * o["rate_N_delay_hz"],
                                        3.0 * o[f"rate_{loser}_delay_hz"])
                assert o[f"rate_{loser}_delay_hz"] < 5.0
