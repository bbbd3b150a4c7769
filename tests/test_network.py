"""Networks of neural masses: couplings, delays, noise, builders, gradients and batching."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np
import pytest

import neurojax as nj
from tests.helpers import central_difference, x64

ALPHA, BETA, GAMMA, DELTA, EPS, TAU = 3.0, 4.0, -1.5, 0.0, 0.5, 20.0


def _random_connectome(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    c = rng.uniform(0, 1, (n, n)) * (rng.uniform(size=(n, n)) < 0.7)
    np.fill_diagonal(c, 0.0)
    lengths = rng.uniform(5.0, 60.0, (n, n))
    return c, (lengths + lengths.T) / 2


def _numpy_fhn_network(c, delays_ms, x0, y0, dt, steps, i_ext, strength=1.0):
    """Independent Euler integration of diffusively coupled FHN nodes with linearly
    interpolated delays and a constant past (plain NumPy, written from the equations)."""
    n = len(x0)
    xs = np.zeros((steps + 1, n))
    ys = np.zeros((steps + 1, n))
    xs[0], ys[0] = x0, y0
    lag = delays_ms / dt
    whole = np.floor(lag).astype(int)
    frac = lag - whole
    cols = np.arange(n)[None, :]
    for s in range(steps):
        x, y = xs[s], ys[s]
        newer = xs[np.maximum(s - whole, 0), cols]
        older = xs[np.maximum(s - whole - 1, 0), cols]
        delayed = (1 - frac) * newer + frac * older
        coupling = strength * (c * (delayed - x[:, None])).sum(axis=1)
        xs[s + 1] = x + dt * (-ALPHA * x**3 + BETA * x**2 + GAMMA * x - y + i_ext + coupling)
        ys[s + 1] = y + dt * (x - DELTA - EPS * y) / TAU
    return xs


def _fhn_brain(c, lengths, x0, y0, *, speed=20.0, strength=1.0, noise=None):
    model = nj.masses.FitzHughNagumo(len(x0), x_init=x0, y_init=y0)
    return nj.Network.from_adjacency(model, c, lengths=lengths, speed=speed, noise=noise,
                                     coupling=nj.network.Diffusive(strength=strength))


def test_delayed_network_matches_independent_euler():
    with x64():
        c, lengths = _random_connectome(6)
        rng = np.random.default_rng(1)
        x0, y0 = rng.uniform(0, 0.5, 6), rng.uniform(0, 0.5, 6)
        dt, steps = 0.1, 1500
        expected = _numpy_fhn_network(c, lengths / 7.0, x0, y0, dt, steps, 0.9)
        brain = _fhn_brain(c, lengths, x0, y0, speed=7.0)
        traj = nj.simulate(brain, steps * dt, dt, inputs={"x": 0.9}, record=["x"])
        np.testing.assert_allclose(np.asarray(traj["x"]), expected, rtol=1e-10, atol=1e-12)
        assert traj.ts.shape == (steps + 1,)


def test_delays_change_the_dynamics():
    # Guards against a delay path that silently reads the current state.
    with x64():
        c, lengths = _random_connectome(6)
        rng = np.random.default_rng(1)
        x0, y0 = rng.uniform(0, 0.5, 6), rng.uniform(0, 0.5, 6)
        undelayed = _numpy_fhn_network(c, np.zeros_like(lengths), x0, y0, 0.1, 800, 0.9)
        brain = _fhn_brain(c, lengths, x0, y0, speed=7.0)
        traj = nj.simulate(brain, 80.0, 0.1, inputs={"x": 0.9}, record=["x"])
        assert np.abs(np.asarray(traj["x"]) - undelayed).max() > 1e-2


def test_heun_is_second_order_on_a_delayed_network():
    with x64():
        c, lengths = _random_connectome(4, seed=3)
        rng = np.random.default_rng(2)
        x0, y0 = rng.uniform(0, 0.5, 4), rng.uniform(0, 0.5, 4)
        # Delays on the grid of every dt used, so only the time stepping error remains.
        delays = np.round(lengths / 10.0 / 0.4) * 0.4
        brain = nj.Network.from_adjacency(nj.masses.FitzHughNagumo(4, x_init=x0, y_init=y0), c,
                                          delays=delays, coupling=nj.network.Diffusive())

        def final(solver, dt):
            traj = nj.simulate(brain, 40.0, dt, solver=solver, inputs={"x": 0.9}, record=["x"])
            return np.asarray(traj["x"][-1])

        reference = final(nj.solvers.Heun(), 0.0125)
        for solver, order in ((nj.solvers.Euler(), 1), (nj.solvers.Heun(), 2)):
            errors = [np.abs(final(solver, dt) - reference).max() for dt in (0.2, 0.1, 0.05)]
            slopes = np.diff(np.log(errors)) / np.log(0.5)
            assert np.all(np.abs(slopes - order) < 0.3), (solver, errors, slopes)


def test_ou_noise_has_the_stationary_variance():
    # A population with no dynamics of its own: dx/dt = -x/1000 + eta, with the OU input eta.
    # The OU process alone (recorded as x_ou) must have variance sigma^2 tau / 2.
    sigma, tau = 0.2, 5.0
    model = nj.masses.FitzHughNagumo(400)
    net = nj.Network({"n": model}, noise={"n": nj.inputs.OUNoise(sigma=sigma, tau=tau,
                                                                 ports=("y",))})
    traj = nj.simulate(net, 400.0, 0.05, record=["y_ou"], key=jax.random.key(0),
                       sample_every=1.0)
    samples = np.asarray(traj["y_ou"][100:])  # after 20 tau
    expected = sigma**2 * tau / 2
    # 300 samples/unit 1 ms apart (correlation 5 ms) x 400 independent units: ~2% error.
    assert abs(samples.var() / expected - 1) < 0.06
    assert abs(samples.mean()) < 0.01


def test_noise_is_reproducible_and_key_dependent():
    c, lengths = _random_connectome(5)
    brain = _fhn_brain(c, lengths, np.zeros(5), np.zeros(5), noise=nj.inputs.OUNoise(sigma=0.05))
    run = lambda k: np.asarray(nj.simulate(brain, 50.0, 0.1, inputs={"x": 0.8}, record=["x"],  # noqa: E731
                                           key=jax.random.key(k))["x"])
    np.testing.assert_array_equal(run(0), run(0))
    assert np.abs(run(0) - run(1)).max() > 1e-3


def test_white_noise_variance_of_a_brownian_motion():
    # HopfOscillator-free check with FitzHugh-Nagumo frozen: alpha=beta=gamma=0, eps=0 and
    # large tau leave dy/dt = x/tau ~ 0, so x is a Brownian motion: Var x(T) = sigma^2 T.
    model = nj.masses.FitzHughNagumo(2000, alpha=0.0, beta=0.0, gamma=0.0, epsilon=0.0,
                                     tau=1e9)
    net = nj.Network({"n": model}, noise={"n": nj.inputs.WhiteNoise(sigma=0.3,
                                                                    variables=("x",))})
    traj = nj.simulate(net, 20.0, 0.1, record=["x"], key=jax.random.key(3))
    var = float(np.var(np.asarray(traj["x"][-1])))
    assert abs(var / (0.3**2 * 20.0) - 1) < 0.1  # 2000 samples: ~3% standard error


def test_explicit_edges_and_graph_builders_match_adjacency():
    with x64():
        c, lengths = _random_connectome(3, seed=5)
        x0 = np.array([0.1, 0.3, 0.5])
        y0 = np.zeros(3)
        whole = _fhn_brain(c, lengths, x0, y0, speed=10.0)
        expected = np.asarray(nj.simulate(whole, 30.0, 0.1, inputs={"x": 1.0},
                                          record=["x"])["x"])
        graph = nx.DiGraph()
        for i in range(3):
            graph.add_node(f"r{i}", model=nj.masses.FitzHughNagumo(1, x_init=x0[i], y_init=0.0))
        for i in range(3):
            for j in range(3):
                if c[i, j]:
                    graph.add_edge(f"r{j}", f"r{i}", weight=c[i, j], length=lengths[i, j])
        net = nj.Network.from_graph(graph, coupling=nj.network.Diffusive(), speed=10.0)
        traj = nj.simulate(net, 30.0, 0.1, inputs={f"r{i}": 1.0 for i in range(3)})
        got = np.stack([np.asarray(traj[f"r{i}.x"][:, 0]) for i in range(3)], axis=1)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_gradients_wrt_coupling_strength_and_speed_match_finite_differences():
    with x64():
        c, lengths = _random_connectome(5, seed=7)
        rng = np.random.default_rng(0)
        x0, y0 = rng.uniform(0, 0.5, 5), rng.uniform(0, 0.5, 5)
        brain = _fhn_brain(c, lengths, x0, y0, speed=8.0, noise=nj.inputs.OUNoise(sigma=0.02))

        def loss(strength, speed):
            net = eqx.tree_at(lambda b: (b.edges[0].coupling.strength, b.edges[0].speed),
                              brain, (strength, speed))
            traj = nj.simulate(net, 60.0, 0.1, inputs={"x": 0.9}, record=["x"],
                               key=jax.random.key(0))
            return jnp.mean(traj["x"][-200:] ** 2)

        g_strength, g_speed = jax.grad(loss, argnums=(0, 1))(jnp.array(0.7), jnp.array(8.0))
        fd_strength = central_difference(lambda s: loss(jnp.array(s), jnp.array(8.0)), 0.7, 1e-5)
        fd_speed = central_difference(lambda v: loss(jnp.array(0.7), jnp.array(v)), 8.0, 1e-5)
        assert abs(float(g_speed)) > 1e-6
        np.testing.assert_allclose(float(g_strength), fd_strength, rtol=1e-5)
        np.testing.assert_allclose(float(g_speed), fd_speed, rtol=1e-4)


def test_vmap_over_coupling_strengths_equals_a_loop():
    c, lengths = _random_connectome(6)
    brain = _fhn_brain(c, lengths, np.full(6, 0.1), np.zeros(6),
                       noise=nj.inputs.OUNoise(sigma=0.01))
    strengths = jnp.linspace(0.2, 1.5, 8)

    def run(strength):
        net = eqx.tree_at(lambda b: b.edges[0].coupling.strength, brain, strength)
        return nj.simulate(net, 40.0, 0.1, inputs={"x": 0.9}, record=["x"],
                           key=jax.random.key(0))["x"]

    batched = eqx.filter_jit(eqx.filter_vmap(run))(strengths)
    looped = np.stack([np.asarray(run(s)) for s in strengths])
    np.testing.assert_allclose(np.asarray(batched), looped, rtol=1e-5, atol=1e-6)


def test_sharded_sweep_over_four_cpu_devices():
    if len(jax.devices()) < 4:
        pytest.skip("needs XLA_FLAGS=--xla_force_host_platform_device_count=4 (set in conftest)")
    c, lengths = _random_connectome(4)
    brain = _fhn_brain(c, lengths, np.full(4, 0.1), np.zeros(4))
    # Automatic (GSPMD) sharding: XLA partitions the vmapped sweep along the batch axis.
    mesh = jax.make_mesh((4,), ("batch",), axis_types=(jax.sharding.AxisType.Auto,))
    sharding = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("batch"))
    strengths = jax.device_put(jnp.linspace(0.1, 1.0, 8), sharding)

    @eqx.filter_jit
    @eqx.filter_vmap
    def final_x(strength):
        net = eqx.tree_at(lambda b: b.edges[0].coupling.strength, brain, strength)
        return nj.simulate(net, 20.0, 0.1, inputs={"x": 0.9}, record=["x"])["x"][-1]

    out = final_x(strengths)
    assert out.shape == (8, 4)
    assert len(out.sharding.device_set) == 4
    single = final_x(jnp.linspace(0.1, 1.0, 8))
    np.testing.assert_allclose(np.asarray(out), np.asarray(single), rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- bad input
def test_mismatched_adjacency_shape():
    with pytest.raises(ValueError, match=r"shape \(3, 3\).*4 units"):
        nj.Network.from_adjacency(nj.masses.FitzHughNagumo(4), np.ones((3, 3)),
                                  coupling=nj.network.Diffusive())


def test_connection_shape_must_match_populations():
    edge = nj.network.Connection("a", "b", nj.network.Linear(), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*\(3, 2\)"):
        nj.Network({"a": nj.masses.FitzHughNagumo(2), "b": nj.masses.FitzHughNagumo(3)},
                   [edge])


@pytest.mark.parametrize("bad", [-1.0, np.nan])
def test_negative_or_nan_delays(bad):
    lengths = np.full((2, 2), 10.0)
    lengths[0, 1] = bad
    with pytest.raises(ValueError, match="lengths"):
        nj.Network.from_adjacency(nj.masses.FitzHughNagumo(2), np.ones((2, 2)),
                                  lengths=lengths, speed=10.0, coupling=nj.network.Diffusive())


def test_negative_speed():
    with pytest.raises(ValueError, match="speed"):
        nj.network.Connection("a", "a", nj.network.Diffusive(), np.ones((2, 2)),
                              lengths=np.ones((2, 2)), speed=-3.0)


def test_dt_longer_than_the_shortest_delay():
    brain = nj.Network.from_adjacency(nj.masses.FitzHughNagumo(2), np.ones((2, 2)),
                                      delays=np.array([[0.0, 0.3], [0.3, 0.0]]),
                                      coupling=nj.network.Diffusive())
    with pytest.raises(ValueError, match=r"dt=0.5 ms.*0.3 ms.*dt <= 0.3"):
        nj.simulate(brain, 10.0, 0.5)


def test_delay_longer_than_the_history_buffer_is_caught_at_run_time():
    brain = nj.Network.from_adjacency(nj.masses.FitzHughNagumo(2), np.ones((2, 2)),
                                      lengths=np.full((2, 2), 10.0), speed=10.0,
                                      coupling=nj.network.Diffusive())
    slower = eqx.tree_at(lambda b: b.edges[0].speed, brain, jnp.array(1.0))  # 10x the delay
    with pytest.raises(Exception, match="max_delay"):
        jax.block_until_ready(nj.simulate(slower, 5.0, 0.1).ts)


def test_unknown_coupling_variable_is_named():
    with pytest.raises(ValueError, match=r"'v'.*observables \('x', 'y'\)"):
        nj.Network.from_adjacency(nj.masses.FitzHughNagumo(2), np.ones((2, 2)),
                                  coupling=nj.network.Linear(variable="v"))


def test_unknown_node_in_edges_suggests_a_name():
    edge = nj.network.Connection("regon", "region", nj.network.Linear(), np.ones((2, 2)))
    with pytest.raises(ValueError, match="Did you mean 'region'"):
        nj.Network({"region": nj.masses.FitzHughNagumo(2)}, [edge])


def test_graph_node_without_model():
    graph = nx.DiGraph()
    graph.add_node("a")
    with pytest.raises(ValueError, match="no `model` attribute"):
        nj.Network.from_graph(graph, coupling=nj.network.Linear())


def test_jansen_rit_network_with_sigmoidal_coupling_matches_scipy():
    """Three Jansen-Rit columns coupled through the sigmoid of their pyramidal potentials
    (the coupling of David & Friston 2003 / TVB), against the same equations in scipy."""
    from scipy.integrate import solve_ivp

    with x64():
        rng = np.random.default_rng(4)
        w = rng.uniform(0.0, 1.0, (3, 3))
        np.fill_diagonal(w, 0.0)
        strength = 20.0
        brain = nj.Network.from_adjacency(
            nj.masses.JansenRit(3, p=np.array([150.0, 220.0, 280.0])), w,
            coupling=nj.network.Sigmoidal(strength=strength), name="jr")
        traj = nj.simulate(brain, 200.0, 0.1, record=["v_pyr"], rtol=1e-10, atol=1e-12)

        a, b, A, B, C, e0, v0, r = 0.1, 0.05, 3.25, 22.0, 135.0, 2.5e-3, 6.0, 0.56
        p = np.array([150.0, 220.0, 280.0]) * 1e-3

        def sig(v):  # 1/ms
            return 2 * e0 / (1 + np.exp(r * (v0 - v)))

        def rhs(t, u):
            y0, y1, y2, y3, y4, y5 = u.reshape(6, 3)
            coupling = strength * (w @ (sig(y1 - y2) * 1e3)) * 1e-3  # Hz -> 1/ms
            return np.concatenate([
                y3, y4, y5,
                A * a * sig(y1 - y2) - 2 * a * y3 - a**2 * y0,
                A * a * (p + coupling + 0.8 * C * sig(C * y0)) - 2 * a * y4 - a**2 * y1,
                B * b * 0.25 * C * sig(0.25 * C * y0) - 2 * b * y5 - b**2 * y2])

        ref = solve_ivp(rhs, (0, 200), np.zeros(18), method="DOP853", rtol=1e-11, atol=1e-13,
                        t_eval=np.asarray(traj.ts))
        v_ref = ref.y[3:6] - ref.y[6:9]
        np.testing.assert_allclose(np.asarray(traj["v_pyr"]), v_ref.T, rtol=1e-6, atol=1e-8)


def test_whole_brain_sweep_of_64_coupling_strengths_in_one_compiled_call():
    from neurojax.examples import whole_brain_fhn

    brain = whole_brain_fhn()
    traces = []

    def run(strength):
        traces.append(None)  # counts traces: one for the whole batch
        net = eqx.tree_at(lambda b: b.edges[0].coupling.strength, brain, strength)
        x = nj.simulate(net, 30.0, 0.1, inputs={"x": 0.72}, record=["x"],
                        key=jax.random.key(0))["x"]
        return x[-1]

    sweep = eqx.filter_jit(eqx.filter_vmap(run))
    strengths = jnp.linspace(0.0, 2.0, 64)
    finals = sweep(strengths)
    assert finals.shape == (64, 80) and len(traces) == 1
    assert np.all(np.isfinite(np.asarray(finals)))
    # Members differ (coupling matters) and member 7 equals a single run with its strength.
    assert float(jnp.std(finals[:, 0])) > 1e-4
    np.testing.assert_allclose(np.asarray(finals[7]), np.asarray(run(strengths[7])), rtol=1e-4,
                               atol=1e-5)
