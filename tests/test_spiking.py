"""Spiking populations, synapses, connectivity and projections."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.sparse
from scipy.integrate import solve_ivp

import neurojax as nj
from tests.helpers import central_difference, x64


# ----------------------------------------------------------------------------- neurons
@pytest.mark.parametrize("current", [12.0, 15.0, 20.0])
def test_lif_interspike_interval_matches_the_analytic_formula(current):
    # tau dv/dt = -(v - v_rest) + R I from v_reset to v_th takes tau ln(RI / (RI - (v_th -
    # v_rest))) (v_reset = v_rest), plus the refractory period.
    lif = nj.neurons.LIF(1, tau_ref=2.0, v_init=-60.0)
    dt = 0.01
    traj = nj.simulate(lif, 400.0, dt, inputs={"i": current}, record=["spike"])
    times = np.asarray(traj.ts)[np.asarray(traj["spike"])[:, 0] > 0]
    expected = 2.0 + 20.0 * np.log(current / (current - 10.0))
    np.testing.assert_allclose(np.diff(times), expected, atol=dt + 1e-6)


def test_lif_below_rheobase_never_spikes():
    traj = nj.simulate(nj.neurons.LIF(1), 200.0, 0.1, inputs={"i": 9.9}, record=["spike", "v"])
    assert float(traj["spike"].sum()) == 0.0
    np.testing.assert_allclose(float(traj["v"][-1, 0]), -60.0 + 9.9, atol=0.01)


def test_lif_bad_parameters():
    with pytest.raises(ValueError, match=r"`tau` must be positive \(ms\)"):
        nj.neurons.LIF(10, tau=-1.0)
    with pytest.raises(ValueError, match="tau_ref"):
        nj.neurons.LIF(10, tau_ref=-1.0)


# ----------------------------------------------------------------------------- synapses
def _one_spike_network(synapse, output=None, delay=None, dt=0.1, weight=2.0):
    """A source neuron that spikes once, in the first step (t = dt), onto one target."""
    source = nj.neurons.LIF(1, v_init=-40.0, tau_ref=1e6)
    target = nj.neurons.LIF(1, v_init=-70.0, tau=1e6, v_th=1e6)
    proj = nj.Projection("s", "t", nj.connectivity.AllToAll(), weight=weight, synapse=synapse,
                         output=output or nj.synapses.CUBA(), delay=delay, delivery="event",
                         name="syn")
    return nj.Network({"s": source, "t": target}, [proj])


def test_exponential_synapse_kernel():
    net = _one_spike_network(nj.synapses.Exponential(tau=5.0))
    traj = nj.simulate(net, 50.0, 0.1, record=["syn.g", "s.spike"])
    ts = np.asarray(traj.ts)
    assert float(traj["s.spike"][1, 0]) == 1.0 and float(traj["s.spike"].sum()) == 1.0
    expected = np.where(ts >= 0.1, 2.0 * np.exp(-(ts - 0.1) / 5.0), 0.0)
    np.testing.assert_allclose(np.asarray(traj["syn.g"][:, 0]), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("synapse", "kernel"), [
    (nj.synapses.Alpha(tau=2.0), lambda s: (s / 2.0) * np.exp(1 - s / 2.0)),
    (nj.synapses.DualExponential(tau_rise=1.0, tau_decay=5.0),
     lambda s: (np.exp(-s / 5.0) - np.exp(-s))
     / (np.exp(-np.log(5) / 4) - np.exp(-5 * np.log(5) / 4))),  # peak at 5 ln 5 / 4 ms
])
def test_alpha_and_dual_exponential_kernels(synapse, kernel):
    """The conductance after one spike against the closed form; the coupled rise/decay pair
    converges at first order in dt (errors halve with dt) and peaks at the weight."""
    with x64():
        errors = []
        for dt in (0.02, 0.01):
            traj = nj.simulate(_one_spike_network(synapse, weight=1.0), 30.0, dt,
                               record=["syn.g"])
            s = np.asarray(traj.ts) - dt  # the spike is emitted at the end of the first step
            expected = np.where(s >= 0, kernel(np.maximum(s, 0)), 0.0)
            errors.append(np.abs(np.asarray(traj["syn.g"][:, 0]) - expected).max())
        assert errors[1] < 6e-3
        assert abs(errors[0] / errors[1] - 2.0) < 0.2  # first order
        assert abs(float(traj["syn.g"].max()) - 1.0) < 6e-3


def test_nmda_saturation_matches_scipy():
    with x64():
        net = _one_spike_network(nj.synapses.NMDA(), weight=1.0, dt=0.01)
        traj = nj.simulate(net, 100.0, 0.01, record=["syn.s"])

        def rhs(t, u):
            s, x = u
            return [-s / 100.0 + 0.5 * x * (1 - s), -x / 2.0]

        ts = np.asarray(traj.ts)
        ref = solve_ivp(rhs, (0.01, 100.0), [0.0, 1.0], t_eval=ts[1:], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(np.asarray(traj["syn.s"][1:, 0]), ref.y[0], atol=2e-3)
        assert 0.3 < float(traj["syn.s"].max()) < 1.0  # saturating, below 1


def test_coba_current_drives_target_to_reversal_potential():
    """A huge, slowly decaying conductance with E_rev = 0 onto a leaky neuron: v approaches
    the steady state -60 / (1 + g) and never crosses E_rev, though g dt / tau = 2.5 (forward
    Euler would overshoot; exponential Euler is exact for this linear system)."""
    source = nj.neurons.LIF(1, v_init=-40.0, tau_ref=1e6)
    target = nj.neurons.LIF(1, v_init=-60.0, v_th=1e6)
    proj = nj.Projection("s", "t", nj.connectivity.AllToAll(), weight=500.0,
                         synapse=nj.synapses.Exponential(tau=1e4),
                         output=nj.synapses.COBA(e_rev=0.0))
    traj = nj.simulate(nj.Network({"s": source, "t": target}, [proj]), 200.0, 0.1,
                       record=["t.v"])
    v = np.asarray(traj["t.v"][:, 0])
    g_end = 500.0 * np.exp(-(200.0 - 0.1) / 1e4)
    np.testing.assert_allclose(v[-1], -60.0 / (1 + g_end), atol=1e-3)
    assert np.all(v <= 0.0)


def test_delay_shifts_the_arrival():
    for delay in (2.0, 2.05):
        net = _one_spike_network(nj.synapses.Exponential(tau=5.0), delay=delay)
        traj = nj.simulate(net, 20.0, 0.1, record=["syn.g"])
        g = np.asarray(traj["syn.g"][:, 0])
        ts = np.asarray(traj.ts)
        arrive = 0.1 + delay
        # Fractional delays split the weight between the two neighbouring steps.
        late = ts >= np.ceil(arrive / 0.1 - 1e-9) * 0.1 + 1e-9
        assert np.all(g[ts < np.floor(arrive / 0.1 + 1e-9) * 0.1 - 1e-9] == 0.0)
        total = 2.0 * np.exp(-(ts[late] - arrive) / 5.0)
        np.testing.assert_allclose(g[late], total, rtol=2e-2)


def test_tsodyks_markram_depression():
    # A regular spike train: each release uses u x of the resources; x recovers with tau_d.
    source = nj.neurons.LIF(1, v_init=-60.0, tau_ref=0.0)
    target = nj.neurons.LIF(1, tau=1e6, v_th=1e6)
    stp = nj.synapses.TsodyksMarkram(U=0.5, tau_f=1e-3, tau_d=100.0, tau=1.0)
    proj = nj.Projection("s", "t", nj.connectivity.OneToOne(), synapse=stp, name="stp")
    net = nj.Network({"s": source, "t": target}, [proj])
    traj = nj.simulate(net, 200.0, 0.1, inputs={"s": 30.0}, record=["stp.x", "s.spike"])
    spikes = np.flatnonzero(np.asarray(traj["s.spike"][:, 0]))
    x = np.asarray(traj["stp.x"][:, 0])
    # Right after the first spike, x = 1 - U; after the second, recovery then another release.
    assert abs(x[spikes[0]] - 0.5) < 1e-4
    interval = (spikes[1] - spikes[0]) * 0.1
    before = 1 - 0.5 * np.exp(-interval / 100.0)
    assert abs(x[spikes[1]] - before * 0.5) < 2e-3


# ----------------------------------------------------------------------------- connectivity
def test_fixed_prob_statistics_and_no_self_connections():
    pre, post = nj.connectivity.FixedProb(0.05, allow_self=False).edges(600, 600,
                                                                        jax.random.key(0))
    n = len(pre)
    expected = 0.05 * 600 * 599
    assert abs(n - expected) < 4 * np.sqrt(expected)
    assert not np.any(pre == post)
    pairs = pre * 600 + post
    assert len(np.unique(pairs)) == n  # no duplicate synapses


def test_fixed_prob_is_reproducible_and_needs_a_key():
    rule = nj.connectivity.FixedProb(0.1)
    a = rule.edges(50, 40, jax.random.key(3))
    b = rule.edges(50, 40, jax.random.key(3))
    np.testing.assert_array_equal(a[0], b[0])
    with pytest.raises(ValueError, match="PRNG key"):
        rule.edges(50, 40, None)


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_fixed_prob_rejects_bad_probabilities(p):
    with pytest.raises(ValueError, match=r"`p` must be in \[0, 1\]"):
        nj.connectivity.FixedProb(p)


def test_fixed_in_degree_and_other_rules():
    pre, post = nj.connectivity.FixedInDegree(7, allow_self=False).edges(30, 30,
                                                                         jax.random.key(1))
    assert np.all(np.bincount(post, minlength=30) == 7) and not np.any(pre == post)
    for i in range(30):
        assert len(np.unique(pre[post == i])) == 7
    pre, post = nj.connectivity.AllToAll(allow_self=False).edges(4, 4, None)
    assert len(pre) == 12
    pre, post = nj.connectivity.OneToOne().edges(5, 5, None)
    np.testing.assert_array_equal(pre, post)
    with pytest.raises(ValueError, match="equal size"):
        nj.connectivity.OneToOne().edges(5, 6, None)


@pytest.mark.parametrize("sparse", [False, True])
def test_from_matrix_roundtrip(sparse):
    rng = np.random.default_rng(0)
    m = rng.uniform(size=(6, 4)) * (rng.uniform(size=(6, 4)) < 0.5)
    rule = nj.connectivity.FromMatrix(scipy.sparse.csr_matrix(m) if sparse else m)
    net = nj.Network({"a": nj.neurons.LIF(4), "b": nj.neurons.LIF(6)},
                     [nj.Projection("a", "b", rule, weight=2.0, delivery="event")])
    proj = net.projections[0]
    np.testing.assert_allclose(float(proj.weight) * proj.synapses.to_dense(), 2.0 * m, rtol=1e-6)


def test_projection_weight_array_of_wrong_length():
    with pytest.raises(ValueError, match=r"`weight` has shape \(3,\).*16 synapses"):
        nj.Network({"a": nj.neurons.LIF(4)},
                   [nj.Projection("a", "a", nj.connectivity.AllToAll(), weight=np.ones(3))])


def test_projection_errors():
    with pytest.raises(ValueError, match="delay"):
        nj.Projection("a", "a", nj.connectivity.AllToAll(), delay=-1.0)
    with pytest.raises(ValueError, match="not a node.*Did you mean 'E'"):
        nj.Network({"E": nj.neurons.LIF(4)},
                   [nj.Projection("E", "e", nj.connectivity.AllToAll())])
    with pytest.raises(ValueError, match="does not spike"):
        nj.Network({"m": nj.masses.FitzHughNagumo(2), "E": nj.neurons.LIF(2)},
                   [nj.Projection("m", "E", nj.connectivity.AllToAll())])


def test_event_and_dense_delivery_agree():
    def network(delivery):
        lif = dict(v_init=nj.init.Uniform(-60.0, -50.0))
        return nj.Network(
            {"E": nj.neurons.LIF(40, **lif), "I": nj.neurons.LIF(10, **lif)},
            [nj.Projection("E", "I", nj.connectivity.FixedProb(0.3), weight=0.5,
                           delivery=delivery, synapse=nj.synapses.Exponential(tau=3.0),
                           output=nj.synapses.COBA(e_rev=0.0), key=jax.random.key(1)),
             nj.Projection("I", "E", nj.connectivity.FixedProb(0.3), weight=2.0,
                           delivery=delivery, delay=1.5, key=jax.random.key(2),
                           output=nj.synapses.COBA(e_rev=-80.0))])

    runs = [nj.simulate(network(d), 100.0, 0.1, inputs={"E": 12.0, "I": 9.0},
                        record=["E.v", "I.v"], key=jax.random.key(0)) for d in ("event",
                                                                               "dense")]
    np.testing.assert_allclose(np.asarray(runs[0]["E.v"]), np.asarray(runs[1]["E.v"]),
                               atol=1e-3)
    assert float(jnp.abs(runs[0]["I.v"][-1] - runs[0]["I.v"][0]).max()) > 1.0


def test_too_many_spikes_for_the_bound_raises():
    net = nj.Network({"E": nj.neurons.LIF(100, v_init=-40.0)},
                     [nj.Projection("E", "E", nj.connectivity.FixedProb(0.1), max_spikes=10,
                                    delivery="event", key=jax.random.key(0))])
    with pytest.raises(Exception, match="more than 10 neurons"):
        jax.block_until_ready(nj.simulate(net, 1.0, 0.1).ts)


# ----------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("make, derivative", [
    (lambda: nj.surrogate.Sigmoid(beta=4.0),
     lambda x: 4.0 * np.exp(-4.0 * x) / (1.0 + np.exp(-4.0 * x)) ** 2),
    (lambda: nj.surrogate.FastSigmoid(beta=10.0),
     lambda x: 1.0 / (1.0 + 10.0 * np.abs(x)) ** 2),
    (lambda: nj.surrogate.Arctan(alpha=2.0),
     lambda x: 2.0 / (2.0 * (1.0 + (np.pi * x) ** 2))),
])
def test_surrogate_spike_is_the_step_with_the_surrogate_derivative(make, derivative):
    """Forward, exactly the Heaviside step (1 at and above threshold); backward, the
    surrogate derivatives of the papers (sigmoid; SuperSpike, Zenke & Ganguli 2018; arctan,
    Fang et al. 2021), and a parameter's derivative that of the smooth step (central
    differences in the parameter)."""
    with x64():
        surrogate = make()
        x = jnp.array([-2.0, -0.3, -1e-3, 0.0, 1e-3, 0.2, 1.5])
        np.testing.assert_array_equal(np.asarray(surrogate(x)), np.asarray(x >= 0, float))
        np.testing.assert_allclose(np.asarray(jax.vmap(jax.grad(surrogate))(x)),
                                   derivative(np.asarray(x)), rtol=1e-12, atol=0)
        (name,) = [f for f in ("beta", "alpha") if hasattr(surrogate, f)]
        grads = jax.grad(lambda s: jnp.sum(s(x)))(surrogate)
        fd = central_difference(
            lambda p: jnp.sum(eqx.tree_at(lambda s: getattr(s, name), surrogate,
                                          jnp.asarray(p)).smooth(x)),
            float(getattr(surrogate, name)), 1e-6)
        np.testing.assert_allclose(float(getattr(grads, name)), fd, rtol=1e-6)


def test_surrogate_gradient_moves_the_rate_toward_a_target():
    """200 ms of 100 LIF neurons (80 E, 20 I, dense delivery): the gradient of a rate loss
    w.r.t. the synaptic weights is finite and non-zero, and a few optax steps reduce it."""
    import optax

    lif = dict(tau_ref=2.0, v_init=nj.init.Uniform(-60.0, -50.0),
               surrogate=nj.surrogate.FastSigmoid(beta=10.0))
    net = nj.Network(
        {"E": nj.neurons.LIF(80, **lif), "I": nj.neurons.LIF(20, **lif)},
        [nj.Projection("E", t, nj.connectivity.FixedProb(0.2), weight=1.0, delivery="dense",
                       synapse=nj.synapses.Exponential(tau=5.0)) for t in ("E", "I")]
        + [nj.Projection("I", t, nj.connectivity.FixedProb(0.2), weight=-1.0,
                         delivery="dense", synapse=nj.synapses.Exponential(tau=10.0))
           for t in ("E", "I")], key=jax.random.key(0))
    target = 20.0  # Hz; the network starts near 43 Hz

    def rate(weights):
        model = eqx.tree_at(lambda n: tuple(p.weight for p in n.projections), net, weights)
        traj = nj.simulate(model, 200.0, 0.1, inputs={"E": 14.0, "I": 14.0},
                           record=["E.spike"], key=jax.random.key(1))
        return traj["E.spike"].sum() / 80 / 0.2

    def loss(weights):
        return (rate(weights) - target) ** 2

    weights = tuple(p.weight for p in net.projections)
    grads = jax.grad(loss)(weights)
    flat = np.array([float(g) for g in grads])
    assert np.all(np.isfinite(flat)) and np.any(np.abs(flat) > 0)
    optimizer = optax.adam(0.05)
    opt_state = optimizer.init(weights)
    step = eqx.filter_jit(lambda w, s: _adam_step(optimizer, loss, w, s))
    start = float(loss(weights))
    for _ in range(5):
        weights, opt_state = step(weights, opt_state)
    assert float(loss(weights)) < 0.8 * start
    assert float(rate(weights)) < float(rate(tuple(p.weight for p in net.projections)))


def _adam_step(optimizer, loss, weights, state):
    import optax

    grads = jax.grad(loss)(weights)
    updates, state = optimizer.update(grads, state)
    return optax.apply_updates(weights, updates), state


# ----------------------------------------------------------------------------- sources, stats
def test_poisson_group_rate_and_variability():
    """2000 units at 20 Hz for 1 s: the spike count is Poisson (mean 20, variance 20 per unit);
    over 10 s (about 200 intervals per unit, so the per-unit estimate is nearly unbiased) the
    interspike intervals have a CV near 1 (sqrt(1 - 0.002) with the 0.1 ms binning)."""
    traj = nj.simulate(nj.neurons.PoissonGroup(2000, rate=20.0), 1000.0, 0.1,
                       record=["spike"], key=jax.random.key(0))
    counts = np.asarray(nj.analysis.spike_counts(traj["spike"]))
    assert abs(counts.mean() - 20.0) < 4 * np.sqrt(20.0 / 2000)
    assert abs(counts.var() / 20.0 - 1.0) < 0.15
    long = nj.simulate(nj.neurons.PoissonGroup(200, rate=20.0), 10000.0, 0.1, record=["spike"],
                       key=jax.random.key(5), sample_every=0.1)
    cv = np.nanmean(nj.analysis.isi_cv(long["spike"], 0.1))
    assert abs(cv - 1.0) < 0.03


def test_poisson_group_time_varying_rate_through_its_input():
    rate = lambda t: jnp.where(t < 500.0, 10.0, 50.0)  # noqa: E731
    traj = nj.simulate(nj.neurons.PoissonGroup(4000), 1000.0, 0.1, inputs={"rate": rate},
                       record=["spike"], key=jax.random.key(1))
    spikes = np.asarray(traj["spike"])
    early, late = spikes[1:5001].sum() / 4000 / 0.5, spikes[5001:].sum() / 4000 / 0.5
    assert abs(early - 10.0) < 0.5 and abs(late - 50.0) < 1.0
    with pytest.raises(ValueError, match="PRNG key"):
        nj.simulate(nj.neurons.PoissonGroup(3, rate=5.0), 10.0, 0.1)


def test_firing_rate_and_isi_cv_against_hand_counts():
    spikes = np.zeros((1000, 4))
    spikes[::100, 0] = 1  # regular 100 Hz at dt 0.1 ms
    spikes[[10, 30, 70, 150], 1] = 1
    rate = np.asarray(nj.analysis.firing_rate(spikes, 0.1))
    np.testing.assert_allclose(rate, spikes.mean(axis=1) * 1e4, rtol=1e-6)
    smooth = np.asarray(nj.analysis.firing_rate(spikes, 0.1, window=10.0))
    np.testing.assert_allclose(smooth[400:600].mean(), 100.0 / 4, rtol=0.05)
    cv = nj.analysis.isi_cv(spikes, 0.1)
    assert cv[0] == pytest.approx(0.0, abs=1e-12)
    isi = np.diff([1.0, 3.0, 7.0, 15.0])
    assert cv[1] == pytest.approx(isi.std() / isi.mean())
    assert np.isnan(cv[2])
    with pytest.raises(ValueError, match="window"):
        nj.analysis.firing_rate(spikes, 0.1, window=1000.0)


def test_raster_plot(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    traj = nj.simulate(nj.neurons.PoissonGroup(50, rate=30.0), 200.0, 0.1, record=["spike"],
                       key=jax.random.key(2))
    ax = nj.plot.raster(traj, "spike")
    assert ax.get_xlabel() == "time (ms)" and "unit" in ax.get_ylabel()
    assert len(ax.collections[0].get_offsets()) == int(np.asarray(traj["spike"]).sum())
    ax.figure.savefig(tmp_path / "raster.png")
    assert (tmp_path / "raster.png").stat().st_size > 1000


def test_spikes_are_recorded_packed_and_round_trip(tmp_path):
    """Outside jit, spikes take 1 bit per neuron and step; indexing, `spike_times` and a
    save/load round trip give back the same spikes, and a jitted run (floats) agrees."""
    model = nj.neurons.PoissonGroup(1000, rate=50.0)
    traj = nj.simulate(model, 50.0, 0.1, record=["spike"], key=jax.random.key(3))
    stored = traj.data["poisson_group.spike"]
    assert stored.dtype == jnp.uint8 and stored.shape == (501, 125)
    spikes = np.asarray(traj["spike"])
    assert spikes.dtype == bool and spikes.shape == (501, 1000)
    floats = jax.jit(lambda m: nj.simulate(m, 50.0, 0.1, record=["spike"],
                                           key=jax.random.key(3))["spike"])(model)
    np.testing.assert_array_equal(spikes, np.asarray(floats) > 0)
    times, units = traj.spike_times("spike", chunk=64)
    step, unit = np.nonzero(spikes)
    np.testing.assert_array_equal(units, unit)
    np.testing.assert_allclose(times, np.asarray(traj.ts)[step])
    loaded = nj.Trajectory.load(traj.save(tmp_path / "spikes"))
    assert loaded.packed == {"poisson_group.spike": 1000}
    np.testing.assert_array_equal(np.asarray(loaded["spike"]), spikes)


def test_spikes_cannot_be_subsampled():
    with pytest.raises(ValueError, match="sample_every"):
        nj.simulate(nj.neurons.PoissonGroup(3, rate=5.0), 10.0, 0.1, record=["spike"],
                    sample_every=1.0, key=jax.random.key(0))


def _gap_pair(g):
    lif = dict(v_rest=-60.0, v_th=-50.0, v_reset=-60.0, tau=20.0, v_init=-60.0)
    return nj.Network({"a": nj.neurons.LIF(1, **lif), "b": nj.neurons.LIF(1, **lif)},
                      nj.synapses.gap_junctions("a", "b", nj.synapses.GapJunction(strength=g)))


def _gap_closed_form(g, t, i_a=5.0, tau=20.0):
    """Two passive LIF units joined by a junction g: the mean relaxes with tau, the
    difference with tau / (1 + 2 g)."""
    d = i_a / (1 + 2 * g) * (1 - np.exp(-(1 + 2 * g) * t / tau))
    m = -60.0 + i_a / 2 * (1 - np.exp(-t / tau))
    return m + d / 2, m - d / 2


def test_gap_junction_against_closed_form():
    """A current into one of two electrically coupled (subthreshold) LIF neurons: both
    potentials follow the closed-form solution of the linear pair, converging at first
    order in dt (exponential Euler)."""
    with x64():
        errors = []
        for dt in (0.1, 0.01):
            traj = nj.simulate(_gap_pair(0.5), 40.0, dt, inputs={"a": 5.0}, record=["a.v", "b.v"])
            va, vb = _gap_closed_form(0.5, np.asarray(traj.ts))
            errors.append(max(np.abs(np.asarray(traj["a.v"])[:, 0] - va).max(),
                              np.abs(np.asarray(traj["b.v"])[:, 0] - vb).max()))
    assert errors[1] < 2e-3 and errors[1] < errors[0] / 5, errors
    assert float(traj["b.v"][-1, 0]) > -60.0 + 0.5  # the current crossed the junction


def test_gap_junction_gradient_matches_finite_differences():
    with x64():
        def final_b(g):
            return nj.simulate(_gap_pair(g), 20.0, 0.05, inputs={"a": 5.0},
                               record=["b.v"])["b.v"][-1, 0]

        grad = float(jax.grad(final_b)(0.5))
        assert grad > 0
        assert np.isclose(grad, central_difference(final_b, 0.5, 1e-4), rtol=1e-5)


def test_gap_junction_rejects_negative_conductance_and_self_pairs():
    with pytest.raises(ValueError, match="strength"):
        nj.synapses.GapJunction(strength=-1.0)
    with pytest.raises(ValueError, match="symmetric"):
        nj.synapses.gap_junctions("a", "a", nj.synapses.GapJunction(strength=1.0))


def test_refractory_countdown_does_not_lose_steps_to_rounding():
    """A LIF neuron under constant drive for 10 s: in float32 the refractory countdown
    5 - 0.1 - 0.1 - ... ends a rounding error above 0; every interspike interval must
    still be the same number of steps (the analytic 18.9 ms: 13.9 ms of charging, 5 ms
    refractory, rounded up to whole steps)."""
    model = nj.neurons.LIF(1, v_rest=-60.0, v_th=-50.0, v_reset=-60.0, tau=20.0, tau_ref=5.0,
                           v_init=-60.0)
    traj = nj.simulate(model, 10000.0, 0.1, inputs={"i": 20.0}, record=["spike"])
    times, _ = traj.spike_times("spike")
    steps = np.round(np.diff(times) / 0.1).astype(int)
    charge = 20.0 * np.log(20.0 / 10.0)  # ms from v_reset to v_th
    assert set(steps) == {int(np.ceil(charge / 0.1)) + 50}, np.unique(steps, return_counts=True)


@pytest.mark.parametrize("n", [5, 33, 1025, 70_000])
def test_spiking_rows_found_by_the_count_tree_equal_nonzero(n):
    """The event path finds the neurons that spiked by descending a tree of spike counts
    (bits packed 32 to a word); it must list the same neurons, in the same order, as
    `np.nonzero`, for any number of spikes and any number of rows asked for."""
    from neurojax.network._delivery import _spiking_rows, spike_tree

    rows = jax.jit(lambda s, k: _spiking_rows(spike_tree(s), s, k), static_argnums=1)
    rng = np.random.default_rng(n)
    for p in (0.0, 0.002, 0.05, 0.5, 1.0):
        spikes = (rng.random(n) < p).astype(np.float32)
        for k in sorted({1, 16, 64, n}):
            index, value, used = rows(jnp.asarray(spikes), k)
            want = np.flatnonzero(spikes)[:k]
            np.testing.assert_array_equal(np.asarray(used), np.arange(k) < want.size)
            np.testing.assert_array_equal(np.asarray(index)[:want.size], want)
            np.testing.assert_array_equal(np.asarray(index)[want.size:], 0)
            np.testing.assert_array_equal(np.asarray(value), np.r_[np.ones(want.size),
                                                                   np.zeros(k - want.size)])
