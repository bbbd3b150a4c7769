"""Point-neuron populations (QIF, EIF, AdEx, Izhikevich) and the SpikeTimes source, against
analytic results, tight scipy solves and the firing patterns of the papers."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import solve_ivp

import neurojax as nj
from tests.helpers import x64


# ----------------------------------------------------------------------------- helpers
def _spike_times(traj, name="spike", unit=0) -> np.ndarray:
    return np.asarray(traj.ts)[np.asarray(traj[name])[:, unit] > 0]


def _run(model, current, duration, dt):
    return _spike_times(nj.simulate(model, duration, dt, inputs={"i": current},
                                    record=["spike"]))


def _reference_spikes(rhs, y0, duration, v_peak, reset, tau_ref=0.0):
    """Spike times of `dy/dt = rhs(t, y)` (y[0] the membrane potential) with the event
    `y[0] = v_peak`, after which `y = reset(y)` and (for a 1-D model) `y` is held for
    `tau_ref`: solve_ivp (RK45, rtol 1e-10) from event to event."""
    def peak(t, y):
        return y[0] - v_peak

    peak.terminal, peak.direction = True, 1
    t, y, spikes = 0.0, np.asarray(y0, float), []
    while t < duration:
        sol = solve_ivp(rhs, (t, duration), y, events=peak, rtol=1e-10, atol=1e-10)
        if sol.status != 1:
            break
        spikes.append(sol.t_events[0][0])
        t, y = spikes[-1] + tau_ref, reset(sol.y_events[0][0])
    return np.array(spikes)


def _adaptation_index(isi):
    """Mean normalised difference of consecutive ISIs (the Allen Cell Types Database's
    adaptation index): > 0 when the firing slows down, 0 for a periodic train."""
    return float(np.mean(np.diff(isi) / (isi[1:] + isi[:-1])))


def _bursts(isi, short, long):
    """The number of spikes in each burst: runs of ISIs < `short` separated by ISIs > `long`;
    None if some ISI is in between (not a bursting pattern)."""
    if np.any((isi >= short) & (isi <= long)):
        return None
    sizes, run = [], 1
    for interval in isi:
        if interval < short:
            run += 1
        else:
            sizes.append(run)
            run = 1
    return [*sizes, run]


# ----------------------------------------------------------------------------- QIF
def test_qif_interspike_interval_matches_the_analytic_formula():
    """tau dv/dt = k (v - v_rest)(v - v_c) + R I = k (v - m)^2 + A, with m the midpoint and
    A = R I - k (v_c - v_rest)^2 / 4 > 0: from v_reset to v_peak it takes
    tau / sqrt(k A) [arctan((v_peak - m) sqrt(k/A)) - arctan((v_reset - m) sqrt(k/A))],
    plus the refractory period. Three currents, one unit each, at dt 0.1 and 0.01 ms: both
    ends of an interval and the end of the refractory period fall on the step grid, so each
    simulated ISI is within 2 dt. A fourth unit below rheobase (A < 0) settles at the stable
    fixed point m - sqrt(-A / k)."""
    k, v_rest, v_c, tau, v_peak, v_reset, tau_ref = 0.07, -65.0, -50.0, 10.0, -30.0, -68.0, 1.0
    currents = np.array([5.0, 10.0, 20.0, 2.0])
    m, a = (v_rest + v_c) / 2, currents - k * (v_c - v_rest) ** 2 / 4
    s = np.sqrt(k / a[:3])
    expected = tau_ref + tau / np.sqrt(k * a[:3]) * (np.arctan((v_peak - m) * s)
                                                     - np.arctan((v_reset - m) * s))
    with x64():
        qif = nj.neurons.QIF(4, k=k, v_rest=v_rest, v_c=v_c, tau=tau, v_peak=v_peak,
                             v_reset=v_reset, tau_ref=tau_ref, v_init=v_reset)
        for dt in (0.1, 0.01):
            traj = nj.simulate(qif, 400.0, dt, inputs={"i": currents}, record=["spike", "v"])
            for unit in range(3):
                isi = np.diff(_spike_times(traj, unit=unit))
                assert len(isi) >= 3
                np.testing.assert_array_less(np.abs(isi - expected[unit]), 2 * dt)
            assert float(traj["spike"][:, 3].sum()) == 0.0
            np.testing.assert_allclose(float(traj["v"][-1, 3]), m - np.sqrt(-a[3] / k),
                                       atol=1e-6)


# ----------------------------------------------------------------------------- EIF
def test_eif_interspike_interval_matches_scipy():
    """The EIF (Fourcaud-Trocmé et al. 2003) at three currents against solve_ivp with a
    v_peak event at rtol 1e-10, at dt 0.1 and 0.01 ms: the first spike (from v_reset) and
    each ISI within 2 dt (ends and refractory period on the step grid, plus a first-order
    integration error)."""
    p = dict(v_rest=-65.0, v_t=-59.9, delta_t=3.48, tau=10.0, v_peak=-30.0, v_reset=-68.0,
             tau_ref=1.5)
    currents = np.array([5.0, 10.0, 20.0])
    refs = []
    for current in currents:
        def rhs(t, y, current=current):
            v = y[0]
            return [(-(v - p["v_rest"]) + p["delta_t"] * np.exp((v - p["v_t"]) / p["delta_t"])
                     + current) / p["tau"]]

        refs.append(_reference_spikes(rhs, [p["v_reset"]], 100.0, p["v_peak"],
                                      lambda y: np.array([p["v_reset"]]), tau_ref=p["tau_ref"]))
    with x64():
        eif = nj.neurons.EIF(3, v_init=p["v_reset"], **p)
        for dt in (0.1, 0.01):
            traj = nj.simulate(eif, 100.0, dt, inputs={"i": currents}, record=["spike"])
            for unit, ref in enumerate(refs):
                ours = _spike_times(traj, unit=unit)
                assert len(ref) >= 3 and len(ours) == len(ref)
                assert abs(ours[0] - ref[0]) < 2 * dt
                np.testing.assert_array_less(np.abs(np.diff(ours) - np.diff(ref)), 2 * dt)


def test_eif_and_adex_do_not_overflow_in_float32():
    """With v_peak 25 (AdEx) and 37.5 (EIF) delta_t above v_t the exponential runs away
    within one step of 0.1 ms (a dt up to 1e8 in the linearisation); the state stays finite,
    the step counts as a spike, and the surrogate gradient through it is finite."""
    net = nj.Network({
        "adex": nj.neurons.AdEx(2, c_m=200.0, g_l=10.0, e_l=-70.0, v_t=-50.0, a=2.0,
                                tau_w=30.0, b=0.0, v_reset=-58.0, v_peak=0.0, v_init=-70.0),
        "eif": nj.neurons.EIF(2, v_peak=20.0, delta_t=2.0, v_t=-55.0)})

    def run(currents):
        return nj.simulate(net, 200.0, 0.1, inputs=currents,
                           record=["adex.v", "adex.spike", "eif.v", "eif.spike"])

    currents = {"adex": jnp.asarray(500.0), "eif": jnp.asarray(20.0)}
    traj = run(currents)
    for name, peak in (("adex", 0.0), ("eif", 20.0)):
        v = np.asarray(traj[f"{name}.v"])
        assert v.dtype == np.float32 and np.all(np.isfinite(v)) and v.max() < peak
        assert float(traj[f"{name}.spike"].sum()) >= 10
    grads = jax.grad(lambda c: sum(run(c)[f"{n}.spike"].sum() for n in c))(currents)
    assert all(np.isfinite(float(g)) and float(g) > 0 for g in grads.values())


# ----------------------------------------------------------------------------- Izhikevich
def _izhikevich(names, **kwargs):
    """One population with a unit of each preset in `names`."""
    presets = [nj.neurons.Izhikevich.PRESETS[n] for n in names]
    return nj.neurons.Izhikevich(len(names), **{k: np.array([p[k] for p in presets])
                                                for k in "abcd"}, **kwargs)


def test_izhikevich_spike_times_match_scipy():
    """Regular (RS) and fast spiking (FS) cells of Izhikevich (2003) at I = 10 against
    solve_ivp with a 30 mV event at rtol 1e-10, at dt 0.1 and 0.01 ms: the first spike and
    each ISI within 2 dt (both ends on the step grid, plus a first-order integration
    error); the spike-time error shrinks in proportion to dt."""
    refs = []
    for name in ("RS", "FS"):
        p = nj.neurons.Izhikevich.PRESETS[name]

        def rhs(t, y, p=p):
            v, u = y
            return [0.04 * v**2 + 5 * v + 140 - u + 10.0, p["a"] * (p["b"] * v - u)]

        refs.append(_reference_spikes(rhs, [-65.0, p["b"] * -65.0], 150.0, 30.0,
                                      lambda y, p=p: np.array([p["c"], y[1] + p["d"]])))
    errors = {}
    with x64():
        model = _izhikevich(["RS", "FS"])
        for dt in (0.1, 0.01):
            traj = nj.simulate(model, 150.0, dt, inputs={"i": 10.0}, record=["spike"])
            for unit, ref in enumerate(refs):
                ours = _spike_times(traj, unit=unit)
                assert len(ref) >= 3 and len(ours) == len(ref)
                assert abs(ours[0] - ref[0]) < 2 * dt
                np.testing.assert_array_less(np.abs(np.diff(ours) - np.diff(ref)), 2 * dt)
                errors[unit, dt] = np.abs(ours - ref).max()
    for unit in range(2):
        assert errors[unit, 0.01] < 0.2 * errors[unit, 0.1]


def test_izhikevich_firing_patterns_of_fig_2():
    """Izhikevich (2003), Fig. 2, with I = 10 from rest (500 ms, dt 0.1 ms):
    RS "fire a few spikes with short interspike period and then the period increases"
    (spike-frequency adaptation); IB "fire a stereotypical burst of spikes followed by
    repetitive single spikes"; CH "fire stereotypical bursts of closely spaced spikes"
    (repeatedly); FS "fire periodic trains of action potentials with extremely high frequency
    practically without any adaptation". Adaptation: the adaptation index of the ISIs."""
    names = ("RS", "IB", "CH", "FS")
    traj = nj.simulate(_izhikevich(names), 500.0, 0.1, inputs={"i": 10.0}, record=["spike"])
    rs, ib, ch, fs = (np.diff(_spike_times(traj, unit=u)) for u in range(4))
    # RS: single spikes, the period grows to at least 1.5 times the first.
    assert rs.min() > 10.0 and rs[-1] > 1.5 * rs[0] and _adaptation_index(rs) > 0.02
    # FS: above 100 Hz, adaptation far below RS.
    assert 1000.0 / fs[-1] > 100.0
    assert _adaptation_index(fs) < 0.2 * _adaptation_index(rs)
    # IB: an initial burst (>= 3 spikes), then regular single spikes.
    sizes = _bursts(ib, short=10.0, long=25.0)
    assert sizes is not None and sizes[0] >= 3 and all(s == 1 for s in sizes[1:])
    tonic = ib[sizes[0]:]
    assert len(tonic) >= 5 and tonic.std() / tonic.mean() < 0.05
    # CH: repeated bursts (at least 5) of at least 3 spikes each.
    sizes = _bursts(ch, short=10.0, long=30.0)
    assert sizes is not None and len(sizes) >= 5 and min(sizes[:-1]) >= 3


def test_izhikevich_presets_and_default_recovery_variable():
    rs = nj.neurons.Izhikevich.preset("RS", 4, v_init=-70.0)
    np.testing.assert_allclose(np.asarray(rs.init_state()["u"]), 0.2 * -70.0)
    mixed = _izhikevich(["RS", "LTS"])
    np.testing.assert_allclose(np.asarray(mixed.init_state()["u"]), [-13.0, -16.25])
    assert float(nj.neurons.Izhikevich(1).d) == 8.0  # the default is RS


# ----------------------------------------------------------------------------- AdEx
#: Naud, Marcille, Clopath & Gerstner (2008), Table 1 (V_T -50 mV, Delta_T 2 mV, V_peak 0 mV):
#: C (pF), g_L (nS), E_L (mV), a (nS), tau_w (ms), b (pA), V_r (mV), I (pA).
NAUD = {
    "tonic": (200, 10, -70, 2, 30, 0, -58, 500),
    "adapting": (200, 12, -70, 2, 300, 60, -58, 500),
    "initial burst": (130, 18, -58, 4, 150, 120, -50, 400),
    "regular bursting": (200, 10, -58, 2, 120, 100, -46, 210),
    "delayed accelerating": (200, 12, -70, -10, 300, 0, -58, 300),
    "delayed regular bursting": (100, 10, -65, -10, 90, 30, -47, 110),
}


def _naud(patterns):
    """One population with a unit of each pattern, and the currents (pA) of Table 1."""
    table = np.array([NAUD[p] for p in patterns], dtype=float)
    c_m, g_l, e_l, a, tau_w, b, v_reset, current = table.T
    adex = nj.neurons.AdEx(len(patterns), c_m=c_m, g_l=g_l, e_l=e_l, v_t=-50.0, delta_t=2.0,
                           a=a, tau_w=tau_w, b=b, v_reset=v_reset, v_peak=0.0, v_init=e_l)
    return adex, current


def test_adex_firing_patterns_of_naud_2008():
    """The parameter sets of Naud et al. (2008), Table 1, each with its step current from rest
    (500 ms, dt 0.1 ms), classified by their interspike intervals as in the paper's Fig. 4."""
    names = list(NAUD)
    adex, currents = _naud(names)
    traj = nj.simulate(adex, 500.0, 0.1, inputs={"i": currents}, record=["spike"])
    spikes = {name: _spike_times(traj, unit=u) for u, name in enumerate(names)}
    isi = {name: np.diff(t) for name, t in spikes.items()}
    # Tonic: a regular train from the first interval on.
    assert len(isi["tonic"]) > 20 and isi["tonic"].max() / isi["tonic"].min() < 1.2
    # Adapting: intervals grow (up to the step grid) to several times the first.
    adapting = isi["adapting"]
    assert np.all(np.diff(adapting) > -0.2) and adapting[-1] > 3 * adapting[0]
    # Initial burst: >= 3 spikes closely spaced, then regular single spikes.
    sizes = _bursts(isi["initial burst"], short=10.0, long=40.0)
    assert sizes is not None and len(sizes) >= 5 and sizes[0] >= 3
    assert sizes[1:] == [1] * (len(sizes) - 1)
    # Regular bursting: bursts of >= 2 spikes, repeated at least 3 times.
    sizes = _bursts(isi["regular bursting"], short=10.0, long=100.0)
    assert sizes is not None and len(sizes) >= 3 and min(sizes) >= 2
    # Delayed accelerating: a first spike later than the first interval, then faster firing.
    delayed = isi["delayed accelerating"]
    assert spikes["delayed accelerating"][0] > delayed[0] and delayed[-1] < 0.8 * delayed[0]
    # Delayed regular bursting: a long latency, then repeated bursts.
    sizes = _bursts(isi["delayed regular bursting"], short=10.0, long=40.0)
    assert spikes["delayed regular bursting"][0] > 40.0
    assert sizes is not None and len(sizes) >= 3 and min(sizes) >= 2


def test_adex_spike_times_match_scipy():
    """The adapting set of Naud et al. (2008) against solve_ivp with a V_peak event
    (rtol 1e-10) for 400 ms, at dt 0.1 and 0.01 ms: the first spike and each ISI within
    2 dt, and the spike-time error shrinks in proportion to dt."""
    c_m, g_l, e_l, a, tau_w, b, v_reset, current = NAUD["adapting"]

    def rhs(t, y):
        v, w = y
        dv = -g_l * (v - e_l) + g_l * 2.0 * np.exp((v + 50.0) / 2.0) - w + current
        return [dv / c_m, (a * (v - e_l) - w) / tau_w]

    ref = _reference_spikes(rhs, [e_l, 0.0], 400.0, 0.0,
                            lambda y: np.array([v_reset, y[1] + b]))
    assert len(ref) >= 8
    errors = []
    with x64():
        adex, currents = _naud(["adapting"])
        for dt in (0.1, 0.01):
            traj = nj.simulate(adex, 400.0, dt, inputs={"i": currents}, record=["spike"])
            ours = _spike_times(traj)
            assert len(ours) == len(ref) and abs(ours[0] - ref[0]) < 2 * dt
            np.testing.assert_array_less(np.abs(np.diff(ours) - np.diff(ref)), 2 * dt)
            errors.append(np.abs(ours - ref).max())
    assert errors[1] < 0.2 * errors[0]


def test_adex_refractory_period_holds_v_while_w_evolves():
    adex = nj.neurons.AdEx(1, tau_ref=5.0, v_reset=-60.0, v_init=-45.0)
    traj = nj.simulate(adex, 10.0, 0.1, inputs={"i": 2000.0}, record=["v", "w", "spike"])
    first = int(np.flatnonzero(np.asarray(traj["spike"][:, 0]))[0])
    np.testing.assert_array_equal(np.asarray(traj["v"][first:first + 50, 0]), -60.0)
    assert float(traj["v"][first + 52, 0]) > -60.0
    assert abs(float(traj["w"][first + 49, 0] - traj["w"][first, 0])) > 1e-3


# ----------------------------------------------------------------------------- SpikeTimes
def test_spike_times_emit_the_given_trains_at_their_steps():
    """A spike at s is emitted at the end of the step containing it: recorded at
    (floor(s / dt) + 1) dt; times on a step boundary belong to the step they start."""
    indices = np.array([0, 2, 0, 1, 2, 0])
    times = np.array([0.0, 0.3, 1.25, 1.25, 5.0, 9.95])
    traj = nj.simulate(nj.neurons.SpikeTimes(3, indices, times), 12.0, 0.1, record=["spike"])
    spikes = np.asarray(traj["spike"])
    expected = np.zeros_like(spikes)
    expected[np.floor(times / 0.1 + 1e-9).astype(int) + 1, indices] = 1.0
    np.testing.assert_array_equal(spikes, expected)


def test_spike_times_drive_an_exponential_synapse():
    """SpikeTimes -> Exponential(tau = 4 ms) onto a passive target: the conductance is
    w * sum over spikes of exp(-(t - t_k) / tau) from the emission step t_k on."""
    indices, times = np.array([1, 0, 1, 0]), np.array([2.03, 2.5, 7.0, 7.01])
    weights = np.array([0.5, 2.0])  # AllToAll from 2 sources to 1 target: one per source
    with x64():
        net = nj.Network(
            {"src": nj.neurons.SpikeTimes(2, indices, times),
             "tgt": nj.neurons.LIF(1, tau=1e6, v_th=1e6)},
            [nj.Projection("src", "tgt", nj.connectivity.AllToAll(), weight=weights,
                           synapse=nj.synapses.Exponential(tau=4.0), delivery="event",
                           name="syn")])
        traj = nj.simulate(net, 30.0, 0.01, record=["syn.g"])
    ts = np.asarray(traj.ts)
    emitted = (np.floor(times / 0.01 + 1e-9) + 1) * 0.01
    g = sum(weights[i] * np.where(ts >= t - 1e-9, np.exp(-(ts - t) / 4.0), 0.0)
            for i, t in zip(indices, emitted, strict=True))
    np.testing.assert_allclose(np.asarray(traj["syn.g"][:, 0]), g, rtol=1e-9, atol=1e-12)


def test_spike_times_clock_follows_t_init_and_skips_earlier_spikes():
    source = nj.neurons.SpikeTimes(1, [0, 0, 0], [1.0, 10.25, 12.0], t_init=10.0)
    traj = nj.simulate(source, 5.0, 0.1, t0=10.0, record=["spike", "t"])
    np.testing.assert_array_equal(np.asarray(traj["t"][:, 0]), np.asarray(traj.ts))
    np.testing.assert_allclose(_spike_times(traj), [10.3, 12.1], atol=1e-4)


def test_spike_times_two_spikes_in_one_step_raise():
    source = nj.neurons.SpikeTimes(1, [0, 0], [1.0, 1.05])
    with pytest.raises(Exception, match="two spikes within one step"):
        jax.block_until_ready(nj.simulate(source, 5.0, 0.1, record=["spike"]).ts)


# ----------------------------------------------------------------------------- contracts
def _all_models(size):
    """Every point-neuron model of this file as a node of one network (they do not interact),
    with a current that makes each fire and a subthreshold one (below its rheobase)."""
    net = nj.Network({
        "QIF": nj.neurons.QIF(size, tau_ref=1.0),
        "EIF": nj.neurons.EIF(size, tau_ref=1.0),
        "AdEx": nj.neurons.AdEx(size),
        "Izhikevich": nj.neurons.Izhikevich.preset("RS", size),
    })
    firing = {"QIF": 10.0, "EIF": 10.0, "AdEx": 800.0, "Izhikevich": 10.0}
    subthreshold = {"QIF": 2.0, "EIF": 1.0, "AdEx": 300.0, "Izhikevich": 2.0}
    return net, firing, subthreshold


def test_neurons_take_conductance_based_input_in_a_network():
    """Driven by Poisson spikes through COBA synapses (which read `v`), every population
    fires; the observables include `v` (and `w` or `u`), all finite."""
    net, _, _ = _all_models(20)
    names = list(net.nodes)
    weights = {"QIF": 1.0, "EIF": 1.0, "AdEx": 40.0, "Izhikevich": 1.0}
    net = nj.Network(
        {"P": nj.neurons.PoissonGroup(50, rate=200.0), **net.nodes},
        [nj.Projection("P", n, nj.connectivity.FixedProb(0.5), weight=weights[n],
                       synapse=nj.synapses.Exponential(tau=5.0),
                       output=nj.synapses.COBA(e_rev=0.0), key=jax.random.key(0))
         for n in names])
    traj = nj.simulate(net, 200.0, 0.1, record=[f"{n}.{v}" for n in names for v in
                                                ("v", "spike")], key=jax.random.key(1))
    for name in names:
        assert np.all(np.isfinite(np.asarray(traj[f"{name}.v"])))
        assert float(traj[f"{name}.spike"].sum()) > 20, name
    assert {"v", "w"} <= set(net.nodes["AdEx"].observables(net.nodes["AdEx"].init_state()))
    izh = net.nodes["Izhikevich"]
    assert {"v", "u"} <= set(izh.observables(izh.init_state()))


def test_gradients_surrogate_and_against_finite_differences():
    """Through 100 ms of every model (float64, reverse mode through the solver):
    below threshold (no spikes: a smooth function), d v(end) / d input and d v(end) /
    d parameter against central differences; while firing, the surrogate derivative of the
    spike count w.r.t. the input is finite and positive (more input, more spikes), and
    w.r.t. the parameter finite."""
    parameters = {"QIF": "v_c", "EIF": "v_t", "AdEx": "a", "Izhikevich": "b"}
    with x64():
        net, firing, subthreshold = _all_models(1)
        names = list(net.nodes)

        def outputs(currents, values):
            """(final v of each model, spike count of each model)."""
            model = eqx.tree_at(lambda n: [getattr(n.nodes[k], parameters[k]) for k in names],
                                net, list(values))
            traj = nj.simulate(model, 100.0, 0.1, inputs=dict(zip(names, currents, strict=True)),
                               record=[f"{n}.{v}" for n in names for v in ("v", "spike")])
            return (jnp.stack([traj[f"{n}.v"][-1, 0] for n in names]),
                    jnp.stack([traj[f"{n}.spike"].sum() for n in names]))

        jacobian = jax.jacrev(outputs, argnums=(0, 1))
        values = jnp.array([float(getattr(net.nodes[n], parameters[n])) for n in names])
        # Below threshold: autodiff against central differences. The populations are
        # independent, so perturbing all at once gives every diagonal entry.
        currents = jnp.array([subthreshold[n] for n in names])
        assert np.all(np.asarray(outputs(currents, values)[1]) == 0)
        (d_current, d_value), _ = jacobian(currents, values)
        fd_current = (outputs(currents + 1e-4, values)[0]
                      - outputs(currents - 1e-4, values)[0]) / 2e-4
        fd_value = (outputs(currents, values + 1e-5)[0]
                    - outputs(currents, values - 1e-5)[0]) / 2e-5
        np.testing.assert_allclose(np.diag(d_current), fd_current, rtol=1e-5)
        np.testing.assert_allclose(np.diag(d_value), fd_value, rtol=1e-5)
        assert np.all(np.abs(fd_current) > 1e-6) and np.all(np.abs(fd_value) > 1e-6)
        # Firing: surrogate gradients of the spike counts.
        currents = jnp.array([firing[n] for n in names])
        assert np.all(np.asarray(outputs(currents, values)[1]) >= 2)
        _, (d_current, d_value) = jacobian(currents, values)
        assert np.all(np.isfinite(d_current)) and np.all(np.isfinite(d_value))
        assert np.all(np.diag(d_current) > 0), np.diag(d_current)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("factory", "match"), [
    (lambda: nj.neurons.QIF(2, tau=-1.0), r"`tau` must be positive \(ms\)"),
    (lambda: nj.neurons.QIF(2, v_reset=-30.0), r"`v_reset` \(-30.0 mV\) must be below "
                                               r"`v_peak`"),
    (lambda: nj.neurons.QIF(2, k=0.0), "`k` must be positive"),
    (lambda: nj.neurons.EIF(2, delta_t=0.0), "`delta_t` must be positive"),
    (lambda: nj.neurons.EIF(2, v_reset=-20.0), "`v_reset`.*must be below `v_peak`"),
    (lambda: nj.neurons.EIF(2, tau_ref=-1.0), "`tau_ref` must be non-negative"),
    (lambda: nj.neurons.EIF(2, delta_t=0.5, v_peak=0.0), r"v_peak.*<= v_t \+ 40 delta_t"),
    (lambda: nj.neurons.AdEx(2, c_m=-200.0), r"`c_m` must be positive \(pF\)"),
    (lambda: nj.neurons.AdEx(2, g_l=0.0), r"`g_l` must be positive \(nS\)"),
    (lambda: nj.neurons.AdEx(2, delta_t=-2.0), "`delta_t` must be positive"),
    (lambda: nj.neurons.AdEx(2, tau_w=0.0), "`tau_w` must be positive"),
    (lambda: nj.neurons.AdEx(2, v_reset=0.0, v_peak=0.0), "`v_reset`.*must be below"),
    (lambda: nj.neurons.AdEx(2, c_m=np.ones(3)), "shape \\(3,\\).*population size 2"),
    (lambda: nj.neurons.Izhikevich(2, a=-0.02), r"`a` must be positive \(1/ms\)"),
    (lambda: nj.neurons.Izhikevich(2, c=40.0), "`c`.*must be below `v_peak`"),
    (lambda: nj.neurons.Izhikevich.preset("rs2", 2), "unknown cell type 'rs2'.*'RS'"),
    (lambda: nj.neurons.Izhikevich.preset("lts", 2), "Did you mean 'LTS'"),
    (lambda: nj.neurons.Izhikevich(2, v_init=nj.init.Normal(-65.0, 2.0)), "pass `u_init`"),
])
def test_bad_neuron_parameters(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


@pytest.mark.parametrize(("args", "match"), [
    ((3, [0, 3], [1.0, 2.0]), r"`indices` must be in \[0, 2\].*got 3"),
    ((3, [0, -1], [1.0, 2.0]), "got -1"),
    ((3, [0, 1], [-1.0, 2.0]), "non-negative.*got -1.0"),
    ((3, [0, 1], [1.0, np.nan]), "finite"),
    ((3, [0, 1, 2], [1.0, 3.0, 2.0]), r"sorted.*times\[1\] = 3.0.*argsort"),
    ((3, [0, 1], [1.0]), "equal length"),
    ((3, [1, 0, 1], [1.0, 1.0, 1.0]), "unit 1 has two spikes at 1.0 ms"),
    ((0, [], []), "`size` must be a positive integer"),
])
def test_bad_spike_times(args, match):
    with pytest.raises(ValueError, match=match):
        nj.neurons.SpikeTimes(*args)


def test_a_projection_onto_a_spike_source_is_refused():
    source = nj.neurons.SpikeTimes(2, indices=[0, 1], times=[1.0, 2.0])
    with pytest.raises(ValueError, match="no input port"):
        nj.Network({"src": source, "E": nj.neurons.LIF(3)},
                   [nj.Projection("E", "src", nj.connectivity.AllToAll())])
