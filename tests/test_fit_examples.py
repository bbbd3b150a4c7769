"""The fitting examples (`neurojax.examples._fitting`): an STG neuron's 8 maximal
conductances fitted to burst features, E/I rates tuned with surrogate gradients, and the
gradient of a loss through a spiking network against finite differences."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import neurojax as nj
import neurojax.examples as ex
from neurojax import fit
from tests.helpers import central_difference, x64


# ----------------------------------------------------------------------------- gradients
def test_gradient_through_a_spiking_network_with_surrogate_spikes_matches_finite_differences():
    """Spikes of a LIF population P (surrogate Heaviside, fixed-step solver) drive a LIF
    population Q through exponential COBA synapses; the loss is the squared distance of Q's
    membrane potential from -53 mV over 100 ms. Q stays below threshold and P's potentials do
    not depend on the trained parameters (weight, synaptic time constant, reversal potential,
    Q's membrane time constant), so no spike time moves: the true derivative exists and the
    surrogate path (Q's zero-valued spikes carry surrogate derivatives into the reset, which
    must stop them) must not add to it. Against central differences in float64, in the
    unconstrained coordinates of `nj.fit.Trainable`."""
    with x64():
        net = nj.Network(
            {"P": nj.neurons.LIF(4, v_init=np.linspace(-60.0, -52.0, 4)),
             "Q": nj.neurons.LIF(3, tau=15.0, v_init=np.array([-60.0, -58.0, -56.0]))},
            [nj.Projection("P", "Q", nj.connectivity.AllToAll(), weight=0.02,
                           synapse=nj.synapses.Exponential(tau=5.0),
                           output=nj.synapses.COBA(e_rev=0.0))])
        names = ["P->Q.weight", "P->Q.synapse.tau", "P->Q.output.e_rev", "Q.tau"]
        trainable = fit.Trainable(net, names)
        inputs = {"P": 15.0, "Q": 4.0}  # rheobase 10 mV: P fires every ~22 ms, Q does not

        def run(u):
            return nj.simulate(trainable.apply(net, u), 100.0, 0.1, inputs=inputs,
                               record=["P.spike", "Q.spike", "Q.v"])

        def loss(u):
            return jnp.mean((run(u)["Q.v"] + 53.0) ** 2)

        u0 = trainable.unconstrained(net)
        traj = run(u0)
        assert np.asarray(traj["P.spike"]).sum(axis=0).min() >= 3
        assert np.asarray(traj["Q.spike"]).sum() == 0
        assert float(np.max(traj["Q.v"])) < -51.0
        grads = jax.jit(jax.grad(loss))(u0)
        f = jax.jit(loss)
        for name in names:
            fd = central_difference(lambda v, n=name: f({**u0, n: jnp.asarray(v)}),
                                    float(u0[name]), 1e-5 * max(1.0, abs(float(u0[name]))))
            assert abs(fd) > 1e-3
            np.testing.assert_allclose(float(grads[name]), fd, rtol=1e-6)


def _stg_features(cell, *, duration=4000.0, rtol=1e-6, atol=1e-8, as_float=True, **kwargs):
    """Features (`ex.stg_features`) of an STG neuron, as floats (arrays: `as_float=False`,
    e.g. under jit)."""
    traj = ex.simulate_stg(cell, duration, rtol=rtol, atol=atol)
    feats = ex.stg_features(traj, **kwargs)
    return {k: float(v) for k, v in feats.items()} if as_float else feats


def test_gradient_of_the_stg_feature_loss_wrt_the_8_conductances_matches_finite_differences():
    """The STG fit's loss terms on the slow-wave duty cycle and the mean calcium (squared
    relative errors), over 1.6 s from the perturbed start, differentiated with respect to
    the 8 maximal conductances (log coordinates of `nj.fit.Trainable`) through the adaptive
    solve, in reverse mode (`jax.grad`, the default adjoint) and in forward mode (`jax.jvp`
    with `diffrax.ForwardMode`, the path of `fit_stg_conductances`' Jacobian), against
    central differences in float64 along two random directions (tight solver tolerances,
    so that the step-size controller adds no noise). The third term, the burst period from
    linearly interpolated threshold crossings, is piecewise smooth with kinks where a
    crossing moves past a sample (finite differences straddle them); that interpolation's
    gradient is checked on synthetic traces in tests/test_features.py."""
    import diffrax

    with x64():
        kw = dict(duration=1600.0, transient=0.0, rtol=1e-9, atol=1e-11)
        targets = jax.jit(lambda c: _stg_features(c, as_float=False, **kw))(ex.stg_neuron())
        targets = {k: float(v) for k, v in targets.items()}
        start = ex.stg_neuron(scale=ex.STG_PERTURBATION)
        names = ("slow_wave_duty", "mean_calcium")
        loss = ex.stg_feature_loss(targets, names=names, **kw)
        residuals_fwd = ex.stg_feature_residuals(targets, names=names,
                                              adjoint=diffrax.ForwardMode(), **kw)
        trainable = fit.Trainable(start, ex.STG_CONDUCTANCES)
        u0 = trainable.unconstrained(start)
        # the loss and its forward-mode derivative in one compiled function (the loss for
        # the finite differences too: one compilation fewer)
        value_and_jvp = jax.jit(lambda u, d: jax.jvp(
            lambda u: jnp.mean(residuals_fwd(trainable.apply(start, u)) ** 2), (u,), (d,)))
        zero = {n: jnp.zeros_like(v) for n, v in u0.items()}

        def f(u):
            return value_and_jvp(u, zero)[0]

        assert np.isfinite(float(f(u0))) and float(f(u0)) > 0.01
        grads = jax.jit(jax.grad(lambda u: loss(trainable.apply(start, u))))(u0)
        rng = np.random.default_rng(0)
        for _ in range(2):
            d = {n: jnp.asarray(rng.normal()) for n in u0}
            fd = central_difference(lambda t, d=d: f({n: u0[n] + t * d[n] for n in u0}), 0.0,
                                    1e-3)
            directional = sum(float(grads[n]) * d[n] for n in u0)
            forward = float(value_and_jvp(u0, d)[1])
            assert abs(fd) > 1e-3
            # measured: 7e-5 and 2e-4 relative (both modes; they agree to 4e-7); the bound of
            # test_compartments' STG gradient
            np.testing.assert_allclose(directional, fd, rtol=1e-3)
            np.testing.assert_allclose(forward, fd, rtol=1e-3)


# ----------------------------------------------------------------------------- fits
@pytest.mark.slow
def test_stg_conductance_fit_reaches_the_target_features_within_5_percent():
    """Issue requirement: gradient fitting of the STG neuron reaches the target features
    within 5%. From `STG_PERTURBATION` (gCaS -20%, gKA and gKCa +25%: 7 instead of 17
    spikes per burst, 45% of the target's mean calcium, slow-wave duty cycle 0.25 instead
    of 0.45), all 8 conductances fitted by Levenberg-Marquardt steps with the Jacobian of
    the features through the solver (`fit_stg_conductances`) to the slow wave's burst period
    and duty cycle and the mean calcium. Checked on the fitted cell, simulated afresh: those
    three, and the burst period and duty cycle from spike times (not fitted), within 5% of
    the target's. (Spikes per burst, an integer, is not required: measured 16 instead of 17.)
    """
    with x64():
        targets = _stg_features(ex.stg_neuron())
        start = ex.stg_neuron(scale=ex.STG_PERTURBATION)
        before = _stg_features(start)
        assert all(abs(before[k] / targets[k] - 1) > 0.3 for k in ("slow_wave_duty",
                                                                   "mean_calcium",
                                                                   "duty_cycle"))
        fitted, history = ex.fit_stg_conductances(start, targets, progress=False)
        after = _stg_features(fitted)
        assert history.best_loss < 1e-2 * history.loss[0]
    for k in (*ex.STG_FEATURES, "period", "duty_cycle"):
        np.testing.assert_allclose(after[k], targets[k], rtol=0.05, err_msg=k)


@pytest.mark.slow
def test_ei_network_weights_tuned_to_target_rates_with_surrogate_gradients():
    """The 4 weights of the small E/I COBA network (80 E + 20 I LIF, ~55 / ~35 Hz) tuned by
    surrogate gradients (`nj.fit.optimize`, `nj.fit.RateLoss`) so that E fires at 10 Hz and
    I at 25 Hz: within 10% of both (the rates counted from the spikes of the tuned network)."""
    net = ex.ei_rate_network()
    before = ex.ei_rates(ex.simulate_ei(net))
    assert before["E"] > 40.0 and before["I"] > 30.0
    tuned, history = ex.tune_ei_rates(net, ex.EI_TARGET_RATES, steps=80, progress=False)
    after = ex.ei_rates(ex.simulate_ei(tuned))
    for pop, target in ex.EI_TARGET_RATES.items():
        np.testing.assert_allclose(after[pop], target, rtol=0.1, err_msg=pop)
    assert history.best_loss < 1e-2 * history.loss[0]
