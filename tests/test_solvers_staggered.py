"""`nj.solvers.StaggeredExponentialEuler`: NEURON's staggered scheme, second order."""

from __future__ import annotations

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import neurojax as nj
from neurojax.channels import Gate, GatedChannel, Leak
from neurojax.compartments import Compartment
from neurojax.fit.sensitivity import conductances, with_conductances
from tests.helpers import central_difference, x64
from tests.test_compartments import (
    AB_PD_2,
    crossings,
    hh_cell,
    hh_reference_spikes,
    stg_cell,
    stg_reference_spikes,
)

STAGGERED = nj.solvers.StaggeredExponentialEuler()


def _spike_errors(cell, reference, duration, dt, inputs=None):
    traj = nj.simulate(cell, duration, dt, solver=STAGGERED, inputs=inputs, record=["v"])
    spikes = crossings(traj.ts, traj["v"][:, 0])
    assert spikes.size == reference.size, (dt, spikes.size, reference.size)
    return np.abs(spikes - reference)


def test_hh_spike_times_converge_at_second_order_to_scipy():
    """Classic HH (10 µA/cm² step) against solve_ivp (DOP853, rtol 1e-10): halving dt divides
    the spike-time errors by ~4 (second order; `ExponentialEuler` divides them by 2), and at
    dt 0.025 ms the first 10 spikes are within the issue's 0.05 ms."""
    with x64():
        reference = hh_reference_spikes(10.0, 140.0)  # 10 spikes
        coarse, fine = (_spike_errors(hh_cell(), reference, 140.0, dt, {"i": 10.0}).max()
                        for dt in (0.05, 0.025))
    assert reference.size == 10
    assert fine < 0.05
    assert coarse / fine == pytest.approx(4.0, abs=0.4)


def test_stg_burster_spike_times_converge_at_second_order():
    """An STG burster (Prinz et al. 2003 kinetics, AB/PD 2 of Prinz et al. 2004) with its
    calcium pool and calcium-dependent KCa gate, against an independent solve_ivp (LSODA,
    rtol 1e-8): second order over 500 ms (every spike found; 0.32 ms at dt 0.025 ms)."""
    with x64():
        reference = stg_reference_spikes(AB_PD_2, 500.0)
        coarse, fine = (_spike_errors(stg_cell(AB_PD_2), reference, 500.0, dt).max()
                        for dt in (0.05, 0.025))
    assert fine < 0.5  # (ExponentialEuler at dt 0.025 ms: 11 ms off at the worst spike)
    assert coarse / fine == pytest.approx(4.0, abs=0.5)


def test_passive_membrane_is_exact_and_gates_are_staggered_by_half_a_step():
    """A leak and a gate with constant kinetics (no current: g = 0), started off its steady
    state: `v` follows `E + I/g (1 - exp(-g t / c))` exactly at any dt and the recorded gate at
    `t` is `x(t - dt/2)` of its exponential relaxation (`t > 0`)."""
    inf, tau, x0, dt = 0.8, 3.0, 0.1, 0.5
    gate = GatedChannel("X", g=0.0, e_rev=0.0, gates={"x": Gate(
        1, steady_state=lambda v: inf + 0 * v, time_constant=lambda v: tau + 0 * v)})
    with x64():
        cell = Compartment([Leak(g=0.2, e_rev=-60.0), gate], c_m=2.0, v_init=-60.0)
        traj = nj.simulate(cell, 20.0, dt, solver=STAGGERED, inputs={"i": 1.5},
                           initial_state={"X.x": x0})
    ts = np.asarray(traj.ts)
    np.testing.assert_allclose(traj["v"][:, 0], -60.0 + 1.5 / 0.2 * (1 - np.exp(-0.2 * ts / 2.0)),
                               rtol=0, atol=1e-10)
    expected = inf + (x0 - inf) * np.exp(-(ts[1:] - dt / 2) / tau)
    np.testing.assert_allclose(traj["X.x"][1:, 0], expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradient_wrt_maximal_conductances_matches_finite_differences(mode):
    """d mean(v) / d g of classic HH through the staggered solve (two spikes in 20 ms), in
    reverse mode (checkpointed adjoint) and forward mode (`diffrax.ForwardMode`), against
    central differences of the same solve (float64)."""
    with x64():
        cell = hh_cell()
        g0 = conductances(cell)
        adjoint = diffrax.ForwardMode() if mode == "forward" else None

        def mean_v(g):
            traj = nj.simulate(with_conductances(cell, g), 20.0, 0.025, solver=STAGGERED,
                               inputs={"i": 10.0}, record=["v"], adjoint=adjoint)
            return jnp.mean(traj["v"])

        mean_v = jax.jit(mean_v)
        gradient = (jax.jacfwd if mode == "forward" else jax.grad)(mean_v)(g0)
        for name, value in g0.items():
            fd = central_difference(lambda x, n=name: mean_v({**g0, n: jnp.asarray(x)}),
                                    float(value), 1e-4 * float(value))
            assert float(gradient[name]) == pytest.approx(fd, rel=1e-5, abs=1e-7), name


def test_a_model_without_a_membrane_potential_names_the_fix():
    with pytest.raises(ValueError, match=r"no node has a state variable 'u'.*voltage="):
        nj.simulate(hh_cell(), 1.0, 0.1, solver=nj.solvers.StaggeredExponentialEuler("u"))


@pytest.mark.parametrize("sample_every", [None, 0.3])
def test_forward_mode_loop_records_what_diffeqsolve_records(sample_every):
    """Under `diffrax.ForwardMode` fixed-step solves run in neurojax's loop of nested scans
    (`solvers/_loop.py`) instead of `diffeqsolve`: the same samples at the same times, for
    both fixed-step solvers and a sample count that is not a multiple of the block (a
    spiking population, so the packed spike record is covered too)."""
    for solver in (nj.solvers.ExponentialEuler(), STAGGERED):
        with x64():
            runs = [nj.simulate(nj.neurons.HodgkinHuxley(3), 12.3, 0.1, solver=solver,
                                inputs={"i": jnp.array([0.0, 10.0, 20.0])},
                                sample_every=sample_every, adjoint=adjoint,
                                record=["v"] if sample_every else ["v", "spike"])
                    for adjoint in (None, diffrax.ForwardMode())]
        np.testing.assert_array_equal(runs[0].ts, runs[1].ts)
        assert set(runs[0].data) == set(runs[1].data)
        for name in runs[0].data:  # (XLA may order the float operations differently)
            np.testing.assert_allclose(runs[0].data[name], runs[1].data[name], rtol=1e-12,
                                       atol=1e-10, err_msg=name)
        if sample_every is None:
            assert np.asarray(runs[0].data["hodgkin_huxley.spike"]).any()


def test_forward_mode_loop_carries_delay_buffers_and_noise_like_diffeqsolve():
    """The loop steps the same solver state as `diffeqsolve`: a FitzHugh-Nagumo network with
    transmission delays and OU noise (nj.solvers.Euler, one key) gives the same samples."""
    from tests.test_network import _fhn_brain

    rng = np.random.default_rng(0)
    c = rng.uniform(0, 1, (4, 4))
    np.fill_diagonal(c, 0)
    with x64():
        brain = _fhn_brain(c, rng.uniform(10, 50, (4, 4)), rng.uniform(-1, 1, 4),
                           rng.uniform(-1, 1, 4), speed=8.0,
                           noise=nj.inputs.OUNoise(sigma=0.02))
        runs = [nj.simulate(brain, 50.0, 0.1, key=jax.random.key(1), sample_every=0.5,
                            adjoint=adjoint) for adjoint in (None, diffrax.ForwardMode())]
    np.testing.assert_array_equal(runs[0].ts, runs[1].ts)
    for name in runs[0].data:
        assert np.ptp(np.asarray(runs[0].data[name])) > 0.1  # it moves
        np.testing.assert_allclose(runs[0].data[name], runs[1].data[name], rtol=1e-12,
                                   atol=1e-12, err_msg=name)
