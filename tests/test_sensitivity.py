"""`nj.fit.sensitivity`: conductance Jacobians and minimally disruptive curves."""

from __future__ import annotations

import time

import diffrax
import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest

import neurojax as nj
from neurojax.channels import Leak, hh
from neurojax.compartments import Compartment
from neurojax.fit import features, sensitivity
from tests.helpers import x64


def hh_cell(g_na=120.0, g_k=36.0, g_l=0.3):
    return Compartment([hh.Na(g=g_na), hh.K(g=g_k), Leak(g=g_l, e_rev=-54.387)])


def hh_features(cell, adjoint=None):
    """Mean v (mV), first spike time (ms), smooth spike count of 30 ms at 10 µA/cm²."""
    traj = nj.simulate(cell, 30.0, 0.05, inputs={"i": 10.0}, record=["v"], rtol=1e-10,
                       atol=1e-12, max_steps=50_000, adjoint=adjoint)
    v = traj["v"][:, 0]
    return jnp.stack([jnp.mean(v), features.spike_times(v, 0.05, max_spikes=3)[0],
                      features.spike_count(v, width=5.0)])


def _forward_jacobian(cell):
    return sensitivity.conductance_jacobian(cell, lambda c: hh_features(c, diffrax.ForwardMode()))


def test_conductance_jacobian_matches_finite_differences():
    """d (mean v, first spike time, smooth count) / d (gNa, gK, gL) of classic HH through
    the adaptive solve (Tsit5, rtol 1e-10, float64), in forward mode, against central
    differences."""
    with x64():
        cell = hh_cell()
        jac = _forward_jacobian(cell)
        f = eqx.filter_jit(hh_features)
        g0 = sensitivity.conductances(cell)
        assert tuple(jac) == ("Na", "K", "Leak")
        for name, g in g0.items():
            h = 1e-5 * float(g)
            plus = sensitivity.with_conductances(cell, {name: g + h})
            minus = sensitivity.with_conductances(cell, {name: g - h})
            fd = (np.asarray(f(plus)) - np.asarray(f(minus))) / (2 * h)
            np.testing.assert_allclose(jac[name], fd, rtol=1e-4, atol=1e-7)
        assert np.all(np.abs(np.asarray(jac["Na"])[:2]) > 1e-3)


@pytest.mark.slow
def test_reverse_mode_jacobian_matches_forward_mode():
    """The same Jacobian in reverse mode (checkpointed adjoint of the adaptive solve)."""
    with x64():
        cell = hh_cell()
        forward = _forward_jacobian(cell)
        reverse = sensitivity.conductance_jacobian(cell, hh_features, mode="reverse")
    for name in forward:
        np.testing.assert_allclose(reverse[name], forward[name], rtol=1e-6, atol=1e-9)


def test_curve_of_a_quadratic_follows_its_flattest_direction():
    """Cost 1/2 (g - g0)^T A (g - g0) with eigenvalues 10, 1, 1e-3: the curve from g0 is the
    straight line g0 + s u along the eigenvector u of 1e-3, and the cost along it is
    1/2 1e-3 s^2."""
    with x64():
        q, _ = np.linalg.qr(np.array([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0], [1.0, 0.2, -0.7]]))
        a = q @ np.diag([10.0, 1.0, 1e-3]) @ q.T
        g0 = np.array([120.0, 36.0, 0.3])
        u = q[:, 2] * np.sign(q[np.argmax(np.abs(q[:, 2])), 2])

        def cost(cell):
            d = jnp.stack([c.g for c in cell.channels]) - g0
            return 0.5 * d @ a @ d

        curve = sensitivity.minimally_disruptive_curve(hh_cell(), cost, length=2.0, steps=10)
        back = sensitivity.minimally_disruptive_curve(hh_cell(), cost, length=2.0, steps=10,
                                                      sign=-1)
    s = np.linspace(0.0, 2.0, 11)
    path = np.stack([curve.conductances[n] for n in ("Na", "K", "Leak")], axis=1)
    np.testing.assert_allclose(path, g0 + s[:, None] * u, atol=1e-10)
    np.testing.assert_allclose(curve.costs, 0.5e-3 * s**2, rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(curve.distances, s, atol=1e-10)
    np.testing.assert_allclose(curve.eigenvalues, 1e-3, rtol=1e-8)
    np.testing.assert_allclose(back.conductances["Na"], g0[0] - s * u[0], atol=1e-10)


def test_curve_stays_on_the_zero_set_of_a_hyperbola():
    """Cost (gNa gK - 6)^2 vanishes on the hyperbola gNa gK = 6: from (2, 3) the curve (40
    steps, length 2) stays on it (|gNa gK - 6| < 1e-6, measured 1.4e-7) and moves along it
    (arc length 2); without the orthogonal Newton correction plain Euler steps leave it
    (by > 1e-2, measured 0.029). In log-conductance the hyperbola is the line
    log gNa + log gK = log 6, followed exactly."""
    with x64():
        def cost(cell):
            return (cell.channel("Na").g * cell.channel("K").g - 6.0) ** 2

        cell = hh_cell(2.0, 3.0)
        curve = sensitivity.minimally_disruptive_curve(cell, cost, names=["Na", "K"],
                                                       length=2.0, steps=40)
        drift = sensitivity.minimally_disruptive_curve(cell, cost, names=["Na", "K"],
                                                       length=2.0, steps=40, correct=False)
        logs = sensitivity.minimally_disruptive_curve(cell, cost, names=["Na", "K"],
                                                      length=1.0, steps=5, log_scale=True)
    na, k = curve.conductances["Na"], curve.conductances["K"]
    assert np.abs(na * k - 6.0).max() < 1e-6
    np.testing.assert_allclose(curve.distances[-1], 2.0, rtol=1e-3)
    assert np.all(np.diff(na) < 0) and np.all(np.diff(k) > 0)  # K grows as Na shrinks
    assert np.abs(drift.conductances["Na"] * drift.conductances["K"] - 6.0).max() > 1e-2
    np.testing.assert_allclose(logs.conductances["Na"] * logs.conductances["K"], 6.0,
                               rtol=1e-9)
    np.testing.assert_allclose(np.log(logs.conductances["K"] / 3.0), np.linspace(0, 1, 6)
                               / np.sqrt(2), rtol=1e-9)


@pytest.mark.slow
def test_curve_of_a_spiking_hh_neuron_keeps_its_mean_potential():
    """HH at 10 µA/cm², cost = (mean v over 30 ms - its value at the classic conductances)^2
    in mV^2, over (gNa, gK): along a 10-step curve of length 6 mS/cm² the cost stays below
    1e-4 mV^2 (|Delta mean v| < 0.01 mV) while the same distance along the most sensitive
    direction changes it far more (> 100x; measured: max cost 4e-21 mV^2 vs 22 mV^2)."""
    with x64():
        cell = hh_cell()

        def mean_v(c):
            return hh_features(c, diffrax.ForwardMode())[0]

        target = float(mean_v(cell))

        def cost(c):
            return (mean_v(c) - target) ** 2

        start = time.perf_counter()
        curve = sensitivity.minimally_disruptive_curve(cell, cost, names=["Na", "K"],
                                                       length=6.0, steps=10)
        elapsed = time.perf_counter() - start
        jac = sensitivity.conductance_jacobian(cell, lambda c: mean_v(c)[None],
                                               names=["Na", "K"])
        steep = np.array([float(jac["Na"][0]), float(jac["K"][0])])
        steep = 6.0 * steep / np.linalg.norm(steep)
        far = sensitivity.with_conductances(cell, {"Na": 120.0 + steep[0],
                                                   "K": 36.0 + steep[1]})
        disrupted = float(cost(far))
    assert curve.costs.max() < 1e-4
    assert np.hypot(curve.conductances["Na"][-1] - 120.0, curve.conductances["K"][-1] - 36.0) > 5
    assert disrupted > 100 * curve.costs.max()
    print(f"HH MDC: {elapsed:.1f} s, max cost {curve.costs.max():.2e}, steep {disrupted:.2e}")


def test_bad_input_names_the_parameter():
    cell = hh_cell()
    with pytest.raises(ValueError, match="Naa"):
        sensitivity.conductances(cell, ["Naa"])
    with pytest.raises(ValueError, match="mode"):
        sensitivity.conductance_jacobian(cell, hh_features, mode="sideways")
    with pytest.raises(TypeError, match="Compartment"):
        sensitivity.conductances(nj.masses.JansenRit(1))
    for bad in (dict(steps=0), dict(length=-1.0), dict(sign=2), dict(momentum=1.0)):
        with pytest.raises(ValueError, match=next(iter(bad))):
            sensitivity.minimally_disruptive_curve(cell, lambda c: 0.0, **bad)
    with pytest.raises(ValueError, match="log_scale"):
        sensitivity.minimally_disruptive_curve(hh_cell(g_l=0.0), lambda c: 0.0,
                                               log_scale=True)
