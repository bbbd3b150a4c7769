"""`nj.fit.features`: features of voltage and calcium traces, exact and smooth."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import neurojax as nj
from neurojax.fit import features
from tests.helpers import x64

DT = 0.05  # ms


def spikes_trace(centres, t_end=1000.0, dt=DT, rest=-60.0, height=100.0, width=1.0):
    """A sum of Gaussian spikes on a flat rest: rest + height exp(-((t - c) / width)^2).
    Each crosses 0 mV upward at c - width sqrt(ln(height / -rest)) (isolated spikes)."""
    t = jnp.arange(0.0, t_end, dt)
    centres = jnp.asarray(centres)
    return rest + height * jnp.sum(jnp.exp(-(((t[:, None] - centres) / width) ** 2)), axis=1)


OFFSET = np.sqrt(np.log(100.0 / 60.0))  # ms: crossing of 0 mV before each spike's centre


def burst_centres(onsets, n_spikes, isi):
    return np.concatenate([on + isi * np.arange(n_spikes) for on in onsets])


def test_spike_times_count_and_rate_of_known_spikes():
    """Gaussian spikes at known times: crossings at centre - sqrt(ln(100/60)) ms (linear
    interpolation on a 0.05 ms grid: error < 2e-3 ms), exact and smooth counts, rate."""
    centres = np.array([20.3, 57.77, 130.0, 401.1, 777.7])
    v = spikes_trace(centres)
    times = features.spike_times(v, DT)
    np.testing.assert_allclose(times, centres - OFFSET, atol=2e-3)
    assert float(features.spike_count(v)) == 5.0
    np.testing.assert_allclose(features.spike_count(v, width=2.0), 5.0, rtol=1e-3)
    np.testing.assert_allclose(features.firing_rate(v, DT), 5 / (999.95e-3), rtol=1e-6)
    padded = features.spike_times(v, DT, max_spikes=7)
    assert np.all(np.isnan(padded[5:])) and np.allclose(padded[:5], times)
    two = jnp.stack([v, spikes_trace(centres[:2])], axis=1)  # (time, cells)
    np.testing.assert_array_equal(features.spike_count(two), [5.0, 2.0])
    assert np.isnan(features.spike_times(two, DT)[2:, 1]).all()


def test_burst_statistics_of_a_synthetic_burster():
    """Bursts of 6 spikes 10 ms apart every 250 ms: period 250 ms, duty cycle 50 / 250 = 0.2,
    6 spikes per burst (4 complete bursts; the 5th, cut by the end, is not averaged)."""
    centres = burst_centres([100.0, 350.0, 600.0, 850.0, 1100.0], 6, 10.0)
    v = spikes_trace(centres, t_end=1130.0)
    stats = features.burst_statistics(v, DT, gap=50.0)
    np.testing.assert_allclose(stats["period"], 250.0, atol=1e-6)
    np.testing.assert_allclose(stats["duty_cycle"], 0.2, atol=1e-6)
    assert float(stats["spikes_per_burst"]) == 6.0
    np.testing.assert_allclose(features.burst_period(v, DT, gap=50.0), 250.0, atol=1e-6)
    np.testing.assert_allclose(features.duty_cycle(v, DT, gap=50.0), 0.2, atol=1e-6)
    # smooth version: rate x period = 6 spikes per 250 ms when the trace holds whole bursts
    whole = spikes_trace(centres[:24], t_end=1000.0)  # 4 bursts in 1 s: exactly 4 periods
    np.testing.assert_allclose(features.spikes_per_burst(whole, DT, gap=50.0, width=2.0),
                               24 / 1000.0 * 250.0 * 1000.0 / 999.95, rtol=1e-3)
    lone = features.burst_statistics(spikes_trace([100.0, 110.0]), DT, gap=50.0)
    assert all(np.isnan(float(x)) for x in lone.values())  # one burst: no period


def test_calcium_and_rest_features():
    """Mean, exact and soft peak (between max and max + T ln N) and resting potential."""
    t = jnp.arange(0.0, 500.0, DT)
    ca = 0.5 + 2.0 * jnp.sin(2 * jnp.pi * t / 100.0) ** 2
    np.testing.assert_allclose(features.mean_calcium(ca), 1.5, rtol=1e-6)
    np.testing.assert_allclose(features.peak_calcium(ca), 2.5, rtol=1e-6)
    soft = float(features.peak_calcium(ca, temperature=0.01))
    assert 2.5 <= soft <= 2.5 + 0.01 * np.log(t.size)
    np.testing.assert_allclose(features.peak_calcium(jnp.full(10, 3.0), temperature=0.1),
                               3.0 + 0.1 * np.log(10), rtol=1e-6)
    v = -70.0 + 10.0 * jnp.exp(-t / 20.0)
    np.testing.assert_allclose(features.resting_potential(v, DT), -70.0, atol=1e-4)
    np.testing.assert_allclose(features.trace_distance(v, v + 2.0), 4.0, rtol=1e-6)


def test_feature_gradients_match_finite_differences():
    """d/d(shift, height) of spike times, smooth count, burst period, soft peak: autodiff of
    the features of a parametrised synthetic trace against central differences (float64)."""
    with x64():
        def feats(p):
            shift, height = p
            centres = burst_centres([100.0, 350.0, 600.0], 4, 10.0)
            centres = centres * (1 + shift * jnp.arange(centres.size) / 100)
            v = spikes_trace(centres, t_end=700.0, height=height)
            return jnp.stack([
                features.spike_times(v, DT, max_spikes=12)[5],
                features.spike_count(v, width=20.0),
                features.burst_period(v, DT, gap=50.0, max_spikes=12),
                features.duty_cycle(v, DT, gap=50.0, max_spikes=12),
                features.peak_calcium(v / 100, temperature=0.05)])

        p0 = jnp.array([0.3, 90.0])
        jac = np.asarray(jax.jit(jax.jacfwd(feats))(p0))
        f = jax.jit(feats)
        for k, h in enumerate((1e-6, 1e-4)):
            step = jnp.zeros(2).at[k].set(h)
            fd = (np.asarray(f(p0 + step)) - np.asarray(f(p0 - step))) / (2 * h)
            np.testing.assert_allclose(jac[:, k], fd, rtol=1e-5, atol=1e-8)
        assert np.all(np.abs(jac[:3, 0]) > 0)  # the features do move with the spike times


def test_features_of_a_trajectory_and_the_stg_reference():
    """An STG burster (AB/PD 2 of Prinz et al. 2004) simulated by neurojax: the burst
    statistics from its `Trajectory` equal the scipy-side burst analysis of the independent
    solve_ivp reference (tests/test_compartments.py) within 1 ms period, 1 spike, 0.01 duty."""
    from tests.test_compartments import AB_PD_2, bursts, stg_cell, stg_reference_spikes

    reference = stg_reference_spikes(AB_PD_2, 3100.0)
    onsets, counts = bursts(reference, gap=300.0)
    ends = np.array([reference[reference < on].max() for on in onsets[1:]])
    with x64():
        traj = nj.simulate(stg_cell(AB_PD_2), 3100.0, 0.1, record=["v", "ca"])
        stats = features.burst_statistics(traj, gap=300.0)
        mean, peak = features.mean_calcium(traj), features.peak_calcium(traj)
    assert len(onsets) == 3
    np.testing.assert_allclose(float(stats["period"][0]), np.diff(onsets).mean(), atol=1.0)
    assert abs(float(stats["spikes_per_burst"][0]) - counts[:2].mean()) <= 1.0
    duty = np.mean((ends - onsets[:2]) / np.diff(onsets))
    np.testing.assert_allclose(float(stats["duty_cycle"][0]), duty, atol=0.01)
    assert 0.05 < float(mean[0]) < float(peak[0])


def test_bad_input_names_the_parameter():
    v = spikes_trace([10.0], t_end=50.0)
    with pytest.raises(ValueError, match="dt"):
        features.firing_rate(v)
    with pytest.raises(ValueError, match="max_spikes"):
        jax.jit(lambda x: features.spike_times(x, DT))(v)
    with pytest.raises(ValueError, match="width"):
        features.spike_count(v, width=-1.0)
    with pytest.raises(ValueError, match="shape"):
        features.spike_count(jnp.zeros((3, 2, 2)))
    with pytest.raises(ValueError, match="gap"):
        features.burst_statistics(v, DT, gap=0.0)
