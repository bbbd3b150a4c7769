"""Fitting: parameters by name, constraint transforms, losses, optimize, NUTS and SVI."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import numpyro.distributions as dist
import optax
import pytest
import scipy.signal
import scipy.stats

import neurojax as nj
from neurojax import fit
from neurojax.examples import JR_SIGMA, JR_TRUTH, jansen_rit_priors, jansen_rit_spectrum
from tests.helpers import central_difference, tree_allclose, x64


def _small_brain(n=4, seed=0, *, speed=8.0, strength=0.7, sigma=0.02):
    rng = np.random.default_rng(seed)
    c = rng.uniform(0, 1, (n, n)) * (rng.uniform(size=(n, n)) < 0.8)
    np.fill_diagonal(c, 0.0)
    lengths = rng.uniform(5.0, 60.0, (n, n))
    model = nj.masses.FitzHughNagumo(n, x_init=rng.uniform(0, 0.5, n),
                                     y_init=rng.uniform(0, 0.5, n))
    return nj.Network.from_adjacency(model, c, lengths=(lengths + lengths.T) / 2, speed=speed,
                                     max_delay=20.0, noise=nj.inputs.OUNoise(sigma=sigma),
                                     coupling=nj.network.Diffusive(strength=strength))


def _ei_network():
    return nj.Network(
        {"E": nj.neurons.LIF(8), "I": nj.neurons.LIF(2)},
        [nj.Projection("E", "I", nj.connectivity.AllToAll(), weight=0.5,
                       synapse=nj.synapses.AMPA(), output=nj.synapses.COBA(e_rev=0.0)),
         nj.Projection("I", "E", nj.connectivity.AllToAll(), weight=2.0, name="inh")])


# ---------------------------------------------------------------- names
def test_parameter_names_of_a_population_a_brain_and_a_spiking_network():
    jr = nj.masses.JansenRit(1)
    assert list(fit.parameters(jr)) == ["A", "B", "a", "b", "C", "c1", "c2", "c3", "c4", "e0",
                                        "v0", "r", "p"]
    brain = _small_brain()
    names = fit.parameters(brain)
    for name in ("region.tau", "region->region.coupling.strength", "region->region.speed",
                 "region.noise.sigma"):
        assert name in names
    assert names["region->region.speed"].constraint == nj.core.positive
    assert names["region.tau"].unit == "ms" and names["region.tau"].size == 4
    ei = fit.parameters(_ei_network())
    for name in ("E.tau", "I.v_th", "E->I.weight", "E->I.synapse.tau", "E->I.output.e_rev",
                 "inh.weight", "inh.synapse.tau"):
        assert name in ei
    # Short forms: a unique suffix, or the first part and the last ones.
    got = fit.get_params(brain, ["coupling.strength", "speed", "noise.sigma", "region.tau"])
    np.testing.assert_allclose([float(v) for v in got.values()], [0.7, 8.0, 0.02, 20.0],
                               rtol=1e-6)
    assert float(fit.get_params(jr, "jansen_rit.A")["jansen_rit.A"]) == 3.25


def test_unknown_and_ambiguous_names_suggest_valid_ones():
    with pytest.raises(ValueError, match=r"unknown parameter 'coupling\.strenght'.*Did you mean "
                                         r"'region->region\.coupling\.strength'"):
        fit.get_params(_small_brain(), ["coupling.strenght"])
    with pytest.raises(ValueError, match=r"unknown parameter 'AA'\. Did you mean 'A'\? Valid"):
        fit.get_params(nj.masses.JansenRit(1), ["AA"])
    with pytest.raises(ValueError, match=r"'tau' is ambiguous: it could be 'E\.tau', 'I\.tau'"):
        fit.get_params(_ei_network(), ["tau"])
    with pytest.raises(ValueError, match="are the same parameter"):
        fit.get_params(nj.masses.JansenRit(1), ["A", "jansen_rit.A"])
    with pytest.raises(ValueError, match="no parameters given"):
        fit.Trainable(nj.masses.JansenRit(1), [])


def test_get_set_round_trip_per_unit_values_and_filters():
    brain = _small_brain()
    names = ["region.tau", "coupling.strength", "speed", "noise.sigma"]
    values = fit.get_params(brain, names)
    assert tree_allclose(fit.set_params(brain, values), brain, rtol=0, atol=0)
    new = fit.set_params(brain, {"region.tau": np.array([10.0, 20.0, 30.0, 40.0]),
                                 "speed": 4.0})
    np.testing.assert_allclose(np.asarray(new.nodes["region"].tau), [10, 20, 30, 40])
    assert float(new.edges[0].speed) == 4.0 and float(brain.edges[0].speed) == 8.0
    assert tree_allclose(fit.get_params(new, names), {**values, "region.tau": jnp.array(
        [10.0, 20.0, 30.0, 40.0]), "speed": jnp.array(4.0)}, rtol=1e-7, atol=0)
    # An equinox filter: a pytree of bools shaped like the model.
    spec = eqx.tree_at(lambda b: (b.edges[0].coupling.strength, b.nodes["region"].tau),
                       jax.tree.map(lambda _: False, brain), (True, True))
    assert set(fit.Trainable(brain, spec).names) == {"region.tau",
                                                     "region->region.coupling.strength"}
    with pytest.raises(ValueError, match=r"value for 'speed' has shape \(3,\)"):
        fit.set_params(brain, {"speed": np.ones(3)})
    with pytest.raises(ValueError, match=r"region->region\.speed \(mm/ms, positive\) must be "
                                         r"positive; got -1\.0"):
        fit.set_params(brain, {"speed": -1.0})


@pytest.mark.parametrize("constraint", [nj.core.positive, nj.core.nonnegative, nj.core.real,
                                        nj.core.interval(-2.0, 5.0),
                                        nj.core.Constraint(lower=3.0)])
def test_constraint_transforms_are_bijective_and_stay_inside(constraint):
    with x64():
        u = jnp.linspace(-8.0, 8.0, 33)
        x = fit.bijector(constraint)(u)
        assert constraint.check(np.asarray(x)) and np.all(np.diff(np.asarray(x)) > 0)
        np.testing.assert_allclose(np.asarray(fit.bijector(constraint).inv(x)), np.asarray(u),
                                   rtol=1e-9, atol=1e-9)


def test_random_starts_lie_within_the_constraints():
    model = nj.masses.JansenRit(1, A=3.0)
    brain = _small_brain()
    for m, names in ((model, ["A", "p"]), (brain, ["speed", "coupling.strength"])):
        trainable = fit.Trainable(m, names)
        starts = fit.random_starts(trainable.chosen, fit.get_params(m, names), 50,
                                   jax.random.key(0))
        for (name, p) in trainable.chosen:
            assert starts[name].shape == (50,)
            assert float(starts[name][0]) == float(p.get(m))
            assert p.constraint.check(np.asarray(starts[name]))
            assert np.unique(np.asarray(starts[name])).size == 50


# ---------------------------------------------------------------- gradients
def test_gradient_of_a_spectrum_loss_wrt_jansen_rit_parameters_matches_finite_differences():
    """d/du of a log-spectrum distance, u the unconstrained (A, B, p) as `optimize` sees
    them (A and B through exp, p as is), through the adaptive Tsit5 solve."""
    with x64():
        model = nj.masses.JansenRit(1)
        target = nj.simulate(nj.masses.JansenRit(1, B=24.0), 600.0, 0.1, record=["v_pyr"],
                             sample_every=1.0)["v_pyr"][100:]
        _, target_psd = nj.analysis.power_spectrum(target, 1.0, nperseg=250)
        band = slice(2, 11)  # 8-40 Hz at 4 Hz resolution
        loss_obj = fit.SpectrumLoss("v_pyr", target_psd[band], dt=1.0, fmin=8.0, fmax=40.0,
                                    nperseg=250, transient=100)
        trainable = fit.Trainable(model, ["A", "B", "p"])

        def loss(u):
            m = trainable.apply(model, u)
            return loss_obj(nj.simulate(m, 600.0, 0.1, record=["v_pyr"], sample_every=1.0,
                                        rtol=1e-10, atol=1e-12))

        u0 = trainable.unconstrained(model)
        grads = jax.grad(loss)(u0)
        for name in trainable.names:
            fd = central_difference(lambda v, n=name: loss({**u0, n: jnp.asarray(v)}),
                                    float(u0[name]), 1e-5 * max(1.0, abs(float(u0[name]))))
            assert abs(fd) > 1e-6
            np.testing.assert_allclose(float(grads[name]), fd, rtol=1e-4)


def test_gradient_wrt_whole_brain_coupling_speed_and_noise_matches_finite_differences():
    """Through delays (interpolated, so differentiable in the conduction speed) and OU noise
    with a fixed key, in the unconstrained coordinates of `Trainable`."""
    with x64():
        brain = _small_brain()
        trainable = fit.Trainable(brain, ["coupling.strength", "speed", "noise.sigma"])
        target = jnp.linspace(0.2, 0.5, 4)

        def loss(u):
            traj = nj.simulate(trainable.apply(brain, u), 60.0, 0.1, inputs={"x": 0.9},
                               record=["x"], key=jax.random.key(0))
            return fit.trace_mse(jnp.mean(traj["x"][-200:], axis=0), target)

        u0 = trainable.unconstrained(brain)
        grads = jax.grad(loss)(u0)
        for name in trainable.names:
            fd = central_difference(lambda v, n=name: loss({**u0, n: jnp.asarray(v)}),
                                    float(u0[name]), 1e-5)
            assert abs(fd) > 1e-8
            np.testing.assert_allclose(float(grads[name]), fd, rtol=1e-5)


# ---------------------------------------------------------------- losses
def test_losses_against_independent_computations():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(300, 5)), rng.normal(size=(300, 5))
    np.testing.assert_allclose(float(fit.trace_mse(a, b)), np.mean((a - b) ** 2), rtol=1e-6)
    # Spectrum: scipy's Welch estimate.
    freqs, psd_b = scipy.signal.welch(b, fs=1000.0, nperseg=100, axis=0)
    _, psd_a = scipy.signal.welch(a, fs=1000.0, nperseg=100, axis=0)
    band = (freqs >= 20) & (freqs <= 200)
    expected = np.mean((np.log10(psd_a[band] + 1e-12) - np.log10(psd_b[band] + 1e-12)) ** 2)
    got = fit.spectrum_distance(a, 1.0, psd_b[band], fmin=20.0, fmax=200.0, nperseg=100)
    np.testing.assert_allclose(float(got), expected, rtol=1e-4)
    f, log_psd = fit.log_spectrum(a, 1.0, fmin=20.0, fmax=200.0, nperseg=100)
    np.testing.assert_allclose(np.asarray(f), freqs[band], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(log_psd), np.log10(psd_a[band] + 1e-12), rtol=1e-4)
    # FC: numpy's correlation coefficients.
    fc_b = np.corrcoef(b, rowvar=False)
    iu = np.triu_indices(5, k=1)
    expected = 1 - np.corrcoef(np.corrcoef(a, rowvar=False)[iu], fc_b[iu])[0, 1]
    np.testing.assert_allclose(float(fit.fc_loss(a, fc_b)), expected, rtol=1e-5)
    # FCD distance: scipy's Wasserstein distance of the upper triangles.
    fcd_a = nj.analysis.fcd(a, window=40, step=10)
    fcd_b = nj.analysis.fcd(b[:200], window=40, step=10)
    iu_a, iu_b = np.triu_indices(fcd_a.shape[0], 1), np.triu_indices(fcd_b.shape[0], 1)
    expected = scipy.stats.wasserstein_distance(np.asarray(fcd_a)[iu_a],
                                                np.asarray(fcd_b)[iu_b])
    np.testing.assert_allclose(float(fit.fcd_distance(fcd_a, fcd_b)), expected, rtol=1e-5)
    # Spikes: counts and the population rate (Hz).
    spikes = (rng.uniform(size=(1000, 4)) < 0.02).astype(float)
    counts = spikes.sum(axis=0)
    np.testing.assert_allclose(float(fit.spike_count_mse(spikes, 20.0)),
                               np.mean((counts - 20) ** 2), rtol=1e-6)
    rate = spikes.mean() / 0.1 * 1000
    np.testing.assert_allclose(float(fit.rate_mse(spikes, 0.1, 150.0)), (rate - 150) ** 2,
                               rtol=1e-5)


def test_losses_compose_with_weights():
    rng = np.random.default_rng(1)
    data = rng.normal(size=(400, 3))
    traj = nj.Trajectory(ts=jnp.arange(400.0), data={"r.x": jnp.asarray(
        data + rng.normal(size=(400, 3)))})
    fc = np.corrcoef(data, rowvar=False)
    _, psd = nj.analysis.power_spectrum(data, 1.0, nperseg=200)
    mse, fcl = fit.TraceMSE("x", data), fit.FCLoss("r.x", fc)
    spec = fit.SpectrumLoss("x", psd[10:51], dt=1.0, fmin=50.0, fmax=250.0, nperseg=200)
    total = mse + 0.5 * fcl + 2 * spec
    expected = mse(traj) + 0.5 * fcl(traj) + 2 * spec(traj)
    np.testing.assert_allclose(float(total(traj)), float(expected), rtol=1e-6)
    np.testing.assert_allclose(float(fit.weighted_sum([(1.0, mse), (0.5, fcl), (2.0, spec)])(
        traj)), float(expected), rtol=1e-6)
    assert list(total.terms(traj)) == ["1 x TraceMSE(x)", "0.5 x FCLoss(r.x)",
                                       "2 x SpectrumLoss(x)"]
    with pytest.raises(ValueError, match="finite non-negative"):
        -1.0 * mse  # noqa: B018


def test_data_of_the_wrong_shape_is_named():
    x = np.zeros((100, 3))
    with pytest.raises(ValueError, match=r"the data have shape \(99, 3\), but the simulation "
                                         r"gives shape \(100, 3\)"):
        fit.trace_mse(x, np.zeros((99, 3)))
    with pytest.raises(ValueError, match=r"`target_psd` has shape \(7,\).*shape \(51, 3\)"):
        fit.spectrum_distance(x, 1.0, np.ones(7))
    with pytest.raises(ValueError, match=r"`target_fc` has shape \(4, 4\).*\(3, 3\)"):
        fit.fc_loss(x, np.eye(4))
    with pytest.raises(ValueError, match=r"one per unit, shape \(3,\)"):
        fit.spike_count_mse(x, np.ones(5))
    with pytest.raises(ValueError, match="no frequency in"):
        fit.log_spectrum(x, 1.0, fmin=600.0)


# ---------------------------------------------------------------- optimize
def test_optimize_recovers_the_fitzhugh_nagumo_time_constant_with_multistart():
    """From tau = 14 ms a single start stalls in a local minimum of the trace error near
    11.8 ms (period mismatch); random starts (batched with vmap) find the truth, 20 ms."""
    with x64():
        truth = nj.masses.FitzHughNagumo(1, tau=20.0, x_init=0.3)

        def run(m):
            return nj.simulate(m, 100.0, 0.1, inputs={"x": 0.9}, sample_every=1.0)["x"]

        loss = fit.TraceMSE("x", run(truth))
        start = fit.set_params(truth, {"tau": 14.0})
        fitted, history = fit.optimize(
            start, lambda m: loss(nj.simulate(m, 100.0, 0.1, inputs={"x": 0.9},
                                              sample_every=1.0)),
            optax.adam(0.05), steps=150, trainable=["tau"], multistart=4,
            key=jax.random.key(0), progress=False)
        np.testing.assert_allclose(float(fitted.tau), 20.0, rtol=1e-3)
        assert history.loss.shape == (history.steps, 4) and history.best_start != 0
        np.testing.assert_allclose(history.params["tau"][0, 0], 14.0, rtol=1e-12)
        assert history.best_loss == np.min(history.loss)
        assert np.min(history.loss[:, 0]) > 1e-2  # the model's own start stays stuck


def test_forward_mode_gradient_steps_equal_reverse_mode_steps():
    """`gradient="forward"` (jax.jacfwd through a ForwardMode solve) takes the same steps as
    the default reverse mode (both exact gradients of the same loss)."""
    import diffrax

    with x64():
        truth = nj.masses.FitzHughNagumo(1, tau=20.0, epsilon=0.5, x_init=0.3)

        def run(m, adjoint=None):
            return nj.simulate(m, 60.0, 0.1, inputs={"x": 0.9}, sample_every=1.0,
                               adjoint=adjoint)["x"]

        target = run(truth)
        start = fit.set_params(truth, {"tau": 17.0, "epsilon": 0.6})
        histories = [fit.optimize(start, lambda m, a=adjoint: jnp.mean((run(m, a) - target) ** 2),
                                  optax.adam(0.05), steps=5, trainable=["tau", "epsilon"],
                                  progress=False, gradient=mode)[1]
                     for mode, adjoint in (("reverse", None), ("forward", diffrax.ForwardMode()))]
        np.testing.assert_allclose(histories[1].loss, histories[0].loss, rtol=1e-9)
        for name in ("tau", "epsilon"):
            np.testing.assert_allclose(histories[1].params[name], histories[0].params[name],
                                       rtol=1e-9)
        assert histories[0].loss[-1] < histories[0].loss[0]


def test_optimize_respects_constraints_and_stops_on_the_tolerance():
    model = nj.masses.FitzHughNagumo(1)
    # The unconstrained minimum (tau = -5) is outside `positive`: tau approaches 0 from above.
    fitted, history = fit.optimize(model, lambda m: jnp.sum((m.tau + 5.0) ** 2),
                                   optax.adam(0.3), steps=200, trainable="tau", progress=False)
    assert 0 < float(fitted.tau) < 0.5 and not history.converged
    fitted, history = fit.optimize(model, lambda m: jnp.sum((m.tau - 25.0) ** 2 + (
        m.epsilon - 0.2) ** 2), optax.adam(0.05), steps=3000, trainable=["tau", "epsilon"],
        tol=1e-6, patience=50, progress=True)
    assert history.converged and history.steps < 1000
    np.testing.assert_allclose([float(fitted.tau), float(fitted.epsilon)], [25.0, 0.2],
                               rtol=1e-5)


def test_nan_loss_and_nan_gradient_report_the_parameters():
    model = nj.masses.FitzHughNagumo(1, tau=20.0)
    with pytest.raises(fit.FitError, match=r"loss is nan at step 0 for tau = 20"):
        fit.optimize(model, lambda m: jnp.sum(jnp.log(m.tau - 25.0)), steps=5,
                     trainable="tau", progress=False)
    with pytest.raises(fit.FitError, match=r"gradient is NaN or infinite at step 0 for tau = 20"):
        fit.optimize(model, lambda m: jnp.sum(jnp.sqrt(jnp.abs(m.tau - 20.0))), steps=5,
                     trainable="tau", progress=False)
    per_unit = nj.masses.FitzHughNagumo(1, tau=np.array([20.0]))  # a size-1 array parameter
    with pytest.raises(fit.FitError, match=r"loss is nan at step 0 for tau = 20"):
        fit.optimize(per_unit, lambda m: jnp.sum(jnp.log(m.tau - 25.0)), steps=5,
                     trainable="tau", progress=False)


def test_optimize_bad_arguments():
    model = nj.masses.FitzHughNagumo(1)
    loss = lambda m: jnp.sum(m.tau)  # noqa: E731
    with pytest.raises(ValueError, match="`steps` must be an integer >= 1"):
        fit.optimize(model, loss, steps=0, trainable="tau")
    with pytest.raises(ValueError, match="multistart > 1 draws random starts; pass a PRNG key"):
        fit.optimize(model, loss, steps=5, trainable="tau", multistart=3)
    with pytest.raises(ValueError, match="`gradient` must be 'reverse' or 'forward'"):
        fit.optimize(model, loss, steps=5, trainable="tau", gradient="backward")
    with pytest.raises(ValueError, match=r"tau_ref .*starts at 0\.0, on the boundary"):
        fit.optimize(nj.neurons.LIF(1), lambda m: jnp.sum(m.tau_ref), steps=5,
                     trainable="tau_ref", progress=False)
    with pytest.raises(TypeError, match="must return a scalar"):
        fit.optimize(nj.masses.FitzHughNagumo(3), lambda m: m.tau * jnp.ones(3), steps=2,
                     trainable="tau", progress=False)


# ---------------------------------------------------------------- Bayesian inference
def _conjugate_problem():
    """A Gaussian prior on a parameter and Gaussian data around it: the posterior is
    Gaussian with precision 1/s0^2 + n/s^2 and mean (m0/s0^2 + sum(y)/s^2) / precision."""
    rng = np.random.default_rng(0)
    m0, s0, s, n = 200.0, 20.0, 10.0, 20
    y = 220.0 + s * rng.normal(size=n)
    precision = 1 / s0**2 + n / s**2
    mean = (m0 / s0**2 + y.sum() / s**2) / precision
    return y, {"p": dist.Normal(m0, s0)}, s, (mean, precision ** -0.5)


def test_nuts_and_svi_recover_a_conjugate_gaussian_posterior():
    with x64():
        y, priors, s, (mean, std) = _conjugate_problem()
        model = nj.masses.JansenRit(1)
        simulator = lambda m: m.p * jnp.ones(20)  # noqa: E731
        post = fit.nuts(model, y, priors, simulator=simulator, likelihood=fit.Gaussian(s),
                        key=jax.random.key(0), num_warmup=300, num_samples=1000, num_chains=2,
                        progress=False)
        assert post.samples["p"].shape == (2000,) and post.by_chain["p"].shape == (2, 1000)
        assert float(post.r_hat["p"]) < 1.01 and post.divergences == 0
        error = 4 * std / np.sqrt(float(post.ess["p"]))
        assert abs(post.mean()["p"] - mean) < error
        np.testing.assert_allclose(post.std()["p"], std, rtol=0.1)
        lo, hi = post.interval(0.9)["p"]
        np.testing.assert_allclose([lo, hi], [mean - 1.645 * std, mean + 1.645 * std],
                                   atol=0.25 * std)
        assert "r_hat" in post.summary()
        for guide in ("normal", "mvn"):
            q = fit.svi(model, y, priors, simulator=simulator, likelihood=fit.Gaussian(s),
                        key=jax.random.key(1), guide=guide, steps=2000,
                        optimizer=optax.adam(0.05), num_samples=4000, progress=False)
            np.testing.assert_allclose(q.mean()["p"], mean, atol=0.1 * std)
            np.testing.assert_allclose(q.std()["p"], std, rtol=0.1)
            assert q.losses.shape == (2000,) and q.losses[-100:].mean() < q.losses[:10].mean()


def test_inferred_noise_is_sampled_with_the_parameters():
    with x64():
        y, priors, s, _ = _conjugate_problem()
        post = fit.nuts(nj.masses.JansenRit(1), y, priors, simulator=lambda m: m.p * jnp.ones(20),
                        likelihood=fit.Gaussian(dist.HalfNormal(50.0)), key=jax.random.key(2),
                        num_warmup=300, num_samples=600, progress=False)
        assert set(post.samples) == {"p", "likelihood.sigma"}
        lo, hi = post.interval(0.9)["likelihood.sigma"]
        assert lo < s < hi and float(post.r_hat["likelihood.sigma"]) < 1.05


def test_bayesian_bad_input():
    jr = nj.masses.JansenRit(1)
    sim = lambda m: m.A * jnp.ones(5)  # noqa: E731
    kw = dict(simulator=sim, likelihood=fit.Gaussian(0.1), key=jax.random.key(0))
    with pytest.raises(ValueError, match=r"prior of 'A' \(Normal\) has support \[-inf, inf\], "
                                         r"outside the values A \(mV, non-negative\) may take"):
        fit.nuts(jr, np.ones(5), {"A": dist.Normal(3.0, 1.0)}, **kw)
    with pytest.raises(ValueError, match=r"prior of 'tau' \(Uniform\) has support \[-1, 5\]"):
        fit.svi(nj.masses.FitzHughNagumo(1), np.ones(5), {"tau": dist.Uniform(-1.0, 5.0)},
                simulator=lambda m: m.tau * jnp.ones(5), likelihood=fit.Gaussian(0.1),
                key=jax.random.key(0))
    with pytest.raises(ValueError, match="not an interval of real numbers"):
        fit.nuts(jr, np.ones(5), {"A": dist.Poisson(3.0)}, **kw)
    with pytest.raises(TypeError, match="must be a numpyro distribution"):
        fit.nuts(jr, np.ones(5), {"A": (2.0, 5.0)}, **kw)
    with pytest.raises(ValueError, match=r"unknown parameter 'AA'\. Did you mean 'A'"):
        fit.nuts(jr, np.ones(5), {"AA": dist.Uniform(2.0, 5.0)}, **kw)
    with pytest.raises(ValueError, match=r"`observed` has shape \(4,\), but `simulator\(model\)` "
                                         r"returns \(5,\)"):
        fit.nuts(jr, np.ones(4), {"A": dist.Uniform(2.0, 5.0)}, **kw)
    with pytest.raises(ValueError, match=r"prior of 'A' draws shape \(3,\)"):
        fit.nuts(jr, np.ones(5), {"A": dist.Uniform(2.0, 5.0).expand([3])}, **kw)
    with pytest.raises(ValueError, match="`sigma` must be positive"):
        fit.Gaussian(-1.0)
    with pytest.raises(ValueError, match="`guide` must be 'normal'"):
        fit.svi(jr, np.ones(5), {"A": dist.Uniform(2.0, 5.0)}, guide="flow", **kw)


# ---------------------------------------------------------------- Jansen-Rit recovery (slow)
JR_PRIORS = jansen_rit_priors()  # uniform; the truth JR_TRUTH is Jansen & Rit's (1995)
_jr_features = jansen_rit_spectrum  # log10 power of v_pyr, 2-40 Hz


def _check_recovery(post, names, *, ci=None, mean_within=None):
    for name in names:
        if ci is not None:
            lo, hi = post.interval(ci)[name]
            assert lo < JR_TRUTH[name] < hi, (name, lo, hi)
        if mean_within is not None:
            np.testing.assert_allclose(post.mean()[name], JR_TRUTH[name], rtol=mean_within)


def _jr_map(observed, names, key):
    """Maximum-likelihood (A, B[, p]) by `optimize` with 4 starts from A = 3.4 mV, B = 23 mV,
    p = 200 Hz (the likelihood has local optima: chains started from the priors' medians
    can settle in one)."""
    start = nj.masses.JansenRit(1, A=3.4, B=23.0, p=200.0 if "p" in names else 220.0)
    fitted, _ = fit.optimize(start, lambda m: jnp.mean((_jr_features(m) - observed) ** 2),
                             optax.adam(0.02), steps=300, trainable=names, multistart=4,
                             key=key, progress=False)
    best = {k: float(v) for k, v in fit.get_params(fitted, names).items()}
    for k in names:  # p lies along a flat ridge of the likelihood (see the 3-parameter test)
        np.testing.assert_allclose(best[k], JR_TRUTH[k], rtol=0.05 if k == "p" else 0.01)
    return start, best


@pytest.mark.slow
def test_jansen_rit_a_and_b_from_a_spectrum_with_nuts_and_autonormal_svi():
    """Two parameters (the input p known). The observation is the truth's spectrum (the
    expected data), so the posterior is centred on the truth unless the inference is biased;
    NUTS (2 chains) and SVI (independent normals) start at the maximum found by `optimize`."""
    with x64():
        observed = _jr_features(nj.masses.JansenRit(1))
        priors = {k: JR_PRIORS[k] for k in ("A", "B")}
        start, best = _jr_map(observed, ["A", "B"], jax.random.key(0))
        kw = dict(simulator=_jr_features, likelihood=fit.Gaussian(JR_SIGMA), init=best,
                  progress=False)
        post = fit.nuts(start, observed, priors, key=jax.random.key(1), num_warmup=200,
                        num_samples=200, num_chains=2, **kw)
        assert max(float(post.r_hat[k]) for k in priors) < 1.05
        _check_recovery(post, priors, ci=0.9)
        q = fit.svi(start, observed, priors, key=jax.random.key(2), guide="normal",
                    steps=600, optimizer=optax.adam(0.01), **kw)
        _check_recovery(q, priors, mean_within=0.1)


@pytest.mark.slow
def test_jansen_rit_a_b_and_input_from_a_spectrum_with_optimize_nuts_and_mvn_svi():
    """All three parameters. The spectrum identifies p only weakly (A and p enter the
    excitatory drive nearly as a product; the posterior sd of p is ~6% at this noise level,
    against ~1% for A), and the likelihood has local optima: `optimize` with 4 starts finds
    the maximum, where NUTS (dense mass matrix, 2 chains) and SVI (full-rank ADVI) start."""
    with x64():
        observed = _jr_features(nj.masses.JansenRit(1))
        start, best = _jr_map(observed, ["A", "B", "p"], jax.random.key(0))
        kw = dict(simulator=_jr_features, likelihood=fit.Gaussian(JR_SIGMA), init=best,
                  progress=False)
        post = fit.nuts(start, observed, JR_PRIORS, key=jax.random.key(1), num_warmup=300,
                        num_samples=300, num_chains=2, dense_mass=True, **kw)
        assert max(float(post.r_hat[k]) for k in JR_PRIORS) < 1.05
        _check_recovery(post, JR_PRIORS, ci=0.9)
        q = fit.svi(start, observed, JR_PRIORS, key=jax.random.key(2), guide="mvn",
                    steps=1000, optimizer=optax.adam(0.01), **kw)
        _check_recovery(q, JR_PRIORS, mean_within=0.1)
