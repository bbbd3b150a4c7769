"""Observation models: BOLD (Balloon-Windkessel), the EEG proxy and the LFP proxy."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import solve_ivp

import neurojax as nj
from tests.helpers import central_difference, x64


def _balloon_scipy(z, t_end, *, kappa, gamma, tau, alpha, rho, v0, k, regions=1):
    """The balloon equations of Friston et al. (2000) in their natural variables (s, f, v, q)
    and seconds, solved by scipy (written independently of neurojax). `z(t)` (t in s)
    returns the input per region; `k` = (k1, k2, k3)."""

    def rhs(t, y):
        s, f, v, q = y.reshape(4, regions)
        out = v ** (1 / alpha)
        ds = z(t) - kappa * s - gamma * (f - 1)
        dv = (f - out) / tau
        dq = (f * (1 - (1 - rho) ** (1 / f)) / rho - out * q / v) / tau
        return np.concatenate([ds, s, dv, dq])

    y0 = np.concatenate([np.zeros(regions), np.ones(3 * regions)])
    ts = np.linspace(0, t_end, int(round(t_end * 1000)) + 1)
    sol = solve_ivp(rhs, (0, t_end), y0, t_eval=ts, method="DOP853", rtol=1e-11, atol=1e-13)
    _, _, v, q = sol.y.reshape(4, regions, -1)
    k1, k2, k3 = k
    return ts, (v0 * (k1 * (1 - q) + k2 * (1 - q / v) + k3 * (1 - v))).T


def _bump(t, centre=2.0, width=0.4, amplitude=1.0):
    return amplitude * np.exp(-0.5 * ((t - centre) / width) ** 2)


@pytest.mark.parametrize("coefficients", ["classical", "revised"])
def test_bold_matches_scipy_solution_of_the_balloon_equations(coefficients):
    with x64():
        amplitudes = np.array([0.5, 2.0])
        if coefficients == "classical":
            model = nj.observe.BalloonWindkessel(2)
            rho = 0.34
            k = (7 * rho, 2.0, 2 * rho - 0.2)
            params = dict(kappa=0.65, gamma=0.41, tau=0.98, alpha=0.32, rho=rho, v0=0.02)
        else:
            model = nj.observe.BalloonWindkessel.stephan2007(2)
            rho, te, eps = 0.4, 0.04, 1.0
            k = (4.3 * 40.3 * rho * te, eps * 25.0 * rho * te, 1 - eps)
            params = dict(kappa=0.64, gamma=0.32, tau=2.0, alpha=0.32, rho=rho, v0=0.04)
        ts, expected = _balloon_scipy(lambda t: _bump(t) * amplitudes, 20.0, k=k, regions=2,
                                      **params)
        signal = _bump(ts)[:, None] * amplitudes  # sampled every 1 ms
        got = np.asarray(nj.observe.bold(signal, 1.0, hemodynamics=model))
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6 * np.abs(expected).max())


def test_flow_peak_time_matches_the_linearised_balloon_model():
    """For a small impulse, (f - 1)'' + kappa (f - 1)' + gamma (f - 1) = z: the flow peaks at
    t* = atan(2 w / kappa) / w with w = sqrt(gamma - kappa^2 / 4) (1.88 s for Friston et al.
    2000's kappa 0.65/s, gamma 0.41/s); the BOLD signal peaks later (transit through the
    venous balloon) and then undershoots (slow volume recovery). The node integrated by
    `simulate` gives the same BOLD as the post-hoc transform."""
    with x64():
        model = nj.observe.BalloonWindkessel(1)
        dt, pulse = 1.0, 10.0  # ms
        ts = np.arange(0.0, 25000.0 + dt, dt)
        z = np.where(ts < pulse, 1e-2, 0.0)
        traj = nj.simulate(model, 25000.0, dt, inputs={"z": nj.inputs.TimeSeries(z, dt=dt)},
                           record=["f", "bold"], sample_every=dt, rtol=1e-10, atol=1e-14)
        flow, y = np.asarray(traj["f"][:, 0]), np.asarray(traj["bold"][:, 0])
        w = np.sqrt(0.41 - 0.65**2 / 4)
        t_flow = np.arctan(2 * w / 0.65) / w * 1000.0 + pulse / 2  # ms
        assert abs(ts[np.argmax(flow)] - t_flow) < 5.0
        t_bold = ts[np.argmax(y)]
        assert t_flow < t_bold < t_flow + 2000.0
        assert y.min() < -0.05 * y.max() and ts[np.argmin(y)] > t_bold + 3000.0
        posthoc = np.asarray(nj.observe.bold(z, dt, hemodynamics=model))
        np.testing.assert_allclose(posthoc, y, rtol=0, atol=1e-6 * y.max())


def test_stephan2007_haemodynamics_give_the_canonical_response_shape():
    """With SPM's DCM haemodynamics (Stephan et al. 2007) a brief stimulus gives a response
    that peaks 4-6 s after it and undershoots (the canonical HRF: peak ~5 s, undershoot
    ~10-16 s; Glover 1999, NeuroImage 9:416) and returns to baseline."""
    with x64():
        dt = 10.0
        ts = np.arange(0.0, 40000.0, dt)
        y = np.asarray(nj.observe.bold(np.where(ts < 100.0, 1.0, 0.0), dt,
                                       hemodynamics=nj.observe.BalloonWindkessel.stephan2007(1)))
        peak = ts[np.argmax(y)]
        assert 4000.0 <= peak <= 6000.0
        trough = ts[np.argmin(y)]
        assert 10000.0 <= trough <= 16000.0 and y.min() < -0.02 * y.max()
        assert np.abs(y[ts > 35000.0]).max() < 0.02 * y.max()


def test_bold_downsampled_to_the_repetition_time():
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 1.0, (3000, 2))
    full = np.asarray(nj.observe.bold(x, 10.0))
    volumes = np.asarray(nj.observe.bold(x, 10.0, tr=720.0))
    np.testing.assert_allclose(volumes, full[::72], rtol=1e-6, atol=1e-9)
    assert volumes.shape == (42, 2)
    single = np.asarray(nj.observe.bold(x[:, 1], 10.0))
    np.testing.assert_allclose(single, full[:, 1], rtol=1e-6, atol=1e-9)


def test_bold_node_attached_to_a_network_matches_the_posthoc_transform():
    """BOLD integrated with the neural dynamics (a node fed one-to-one through a Linear
    coupling) equals the transform of the recorded activity (gain 2 per unit)."""
    with x64():
        rng = np.random.default_rng(3)
        fhn = nj.masses.FitzHughNagumo(3, x_init=rng.uniform(0, 1, 3))
        net = nj.observe.attach_bold(nj.Network({"region": fhn}), "region", "x", gain=2.0)
        assert "region->bold.coupling.strength" in nj.fit.parameters(net)
        traj = nj.simulate(net, 3000.0, 0.5, inputs={"region.x": 0.9},
                           record=["region.x", "bold.bold"], sample_every=0.5, rtol=1e-10,
                           atol=1e-12)
        posthoc = np.asarray(nj.observe.bold(2.0 * traj["region.x"], 0.5))
        np.testing.assert_allclose(np.asarray(traj["bold.bold"]), posthoc, rtol=0,
                                   atol=1e-4 * np.abs(posthoc).max())


def test_bold_gradients_match_finite_differences():
    with x64():
        ts = np.arange(0.0, 12000.0, 5.0)
        z = _bump(ts / 1000.0)

        def loss(kappa, gain):
            model = nj.observe.BalloonWindkessel(1, kappa=kappa)
            return jnp.sum(nj.observe.bold(gain * z, 5.0, hemodynamics=model) ** 2)

        g_kappa, g_gain = jax.grad(loss, argnums=(0, 1))(0.65, 1.5)
        fd_kappa = central_difference(lambda k: loss(k, 1.5), 0.65, 1e-6)
        fd_gain = central_difference(lambda a: loss(0.65, a), 1.5, 1e-6)
        np.testing.assert_allclose(float(g_kappa), fd_kappa, rtol=1e-6)
        np.testing.assert_allclose(float(g_gain), fd_gain, rtol=1e-6)


def test_bold_bad_input():
    with pytest.raises(ValueError, match=r"shape \(time,\) or \(time, regions\)"):
        nj.observe.bold(np.zeros((10, 2, 2)), 1.0)
    with pytest.raises(ValueError, match="`tr` .* multiple of `dt`"):
        nj.observe.bold(np.zeros((100, 2)), 1.0, tr=2.5)
    with pytest.raises(ValueError, match="size 3, but `x` has 2 regions"):
        nj.observe.bold(np.zeros((100, 2)), 1.0, hemodynamics=nj.observe.BalloonWindkessel(3))
    with pytest.raises(ValueError, match="`dt` must be a positive"):
        nj.observe.bold(np.zeros(100), 0.0)
    with pytest.raises(ValueError, match="`coefficients` must be 'classical'"):
        nj.observe.BalloonWindkessel(1, coefficients="linear")
    with pytest.raises(ValueError, match="`tau` must be positive"):
        nj.observe.BalloonWindkessel(1, tau=-1.0)
    with pytest.raises(ValueError, match="already has a node 'bold'"):
        net = nj.observe.attach_bold(nj.Network({"r": nj.masses.FitzHughNagumo(2)}), "r", "x")
        nj.observe.attach_bold(net, "r", "x")


def test_eeg_is_the_mean_free_lead_field_projection():
    rng = np.random.default_rng(1)
    v = rng.normal(5.0, 1.0, (200, 4))
    lf = rng.normal(size=(3, 4))
    expected = v @ lf.T
    expected -= expected.mean(axis=0)
    np.testing.assert_allclose(np.asarray(nj.observe.eeg(v, lf)), expected, rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(np.asarray(nj.observe.eeg(v, remove_mean=False)), v, rtol=1e-6)
    with pytest.raises(ValueError, match=r"\(sensors, regions\) = \(sensors, 4\)"):
        nj.observe.eeg(v, lf[:, :3])
    with pytest.raises(ValueError, match=r"shape \(time, regions\)"):
        nj.observe.eeg(v[:, 0])


def _ei_network():
    lif = dict(v_rest=-60.0, v_th=-50.0, v_reset=-60.0, tau=20.0, tau_ref=2.0)
    key = jax.random.key(0)
    return nj.Network(
        {"E": nj.neurons.LIF(40, v_init=nj.init.Uniform(-60.0, -50.0), **lif),
         "I": nj.neurons.LIF(10, v_init=nj.init.Uniform(-60.0, -50.0), **lif)},
        [nj.Projection("E", "E", nj.connectivity.FixedProb(0.2), weight=0.5,
                       synapse=nj.synapses.AMPA(), output=nj.synapses.COBA(e_rev=0.0)),
         nj.Projection("I", "E", nj.connectivity.FixedProb(0.4), weight=2.0,
                       synapse=nj.synapses.GABAa(), output=nj.synapses.COBA(e_rev=-80.0)),
         nj.Projection("E", "I", nj.connectivity.FixedProb(0.2), weight=0.5)],
        key=key)


def test_lfp_proxy_sums_absolute_synaptic_currents_onto_the_population():
    """Mazzoni et al. (2008): sum over E cells of |I_AMPA| + |I_GABA|, with COBA currents
    g (e_rev - v) computed here from the recorded conductances (post-side synapses hold the
    summed weights of the arriving spikes) and voltages."""
    net = _ei_network()
    record = nj.observe.lfp_record(net, "E")
    assert set(record) == {"E->E.s", "I->E.s", "E.v"}
    traj = nj.simulate(net, 100.0, 0.1, inputs={"E": 12.0, "I": 12.0}, key=jax.random.key(1),
                       record=record)
    v = np.asarray(traj["E.v"], dtype=np.float64)
    ampa = np.abs(np.asarray(traj["E->E.s"]) * (0.0 - v)).sum(axis=1)
    gaba = np.abs(np.asarray(traj["I->E.s"]) * (-80.0 - v)).sum(axis=1)
    assert ampa.max() > 0 and gaba.max() > 0
    np.testing.assert_allclose(np.asarray(nj.observe.lfp(net, traj, "E")), ampa + gaba,
                               rtol=1e-5, atol=1e-6 * (ampa + gaba).max())
    # Mazzoni et al. (2015)'s weighted sum: AMPA delayed by 6 ms, GABA weighted -1.65.
    rws = np.asarray(nj.observe.lfp(net, traj, "E", weights={"I->E": -1.65},
                                    delays={"E->E": 6.0}))
    shifted = np.concatenate([np.full(60, ampa[0]), ampa[:-60]])
    np.testing.assert_allclose(rws, shifted - 1.65 * gaba, rtol=1e-5,
                               atol=1e-6 * (ampa + gaba).max())


def test_lfp_bad_input():
    net = _ei_network()
    traj = nj.Trajectory(ts=jnp.arange(5.0), data={"E.v": jnp.zeros((5, 40))})
    with pytest.raises(ValueError, match="lacks .*lfp_record"):
        nj.observe.lfp(net, traj, "E")
    with pytest.raises(ValueError, match="'X' is not a node"):
        nj.observe.lfp(net, traj, "X")
    with pytest.raises(ValueError, match="not projections into 'E'"):
        nj.observe.lfp(net, traj, "E", weights={"E->I": 1.0})
