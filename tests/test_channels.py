"""Ion channels, calcium dynamics and homeostatic regulation (`nj.channels`)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import neurojax as nj
from neurojax.channels import CalciumPool, Gate, GatedChannel, Homeostasis, Leak, hh, stg
from neurojax.core import x_over_one_minus_exp
from tests.helpers import central_difference, x64

V = np.linspace(-100.0, 60.0, 33)  # includes -40 and -55 mV, the HH singular points


def _b(v, a, s):
    return 1.0 / (1.0 + np.exp((v + a) / s))


# ----------------------------------------------------------------------------- Hodgkin-Huxley
def _hh_rates(v):
    """HH (1952) rates written out directly, with the limits at the singular points."""
    with np.errstate(invalid="ignore", divide="ignore"):
        am = np.where(v == -40.0, 1.0, 0.1 * (v + 40) / (1 - np.exp(-(v + 40) / 10)))
        an = np.where(v == -55.0, 0.1, 0.01 * (v + 55) / (1 - np.exp(-(v + 55) / 10)))
    return dict(m=(am, 4 * np.exp(-(v + 65) / 18)),
                h=(0.07 * np.exp(-(v + 65) / 20), 1 / (1 + np.exp(-(v + 35) / 10))),
                n=(an, 0.125 * np.exp(-(v + 65) / 80)))


def test_hh_kinetics_match_the_1952_rates_including_the_singular_points():
    """Hodgkin & Huxley (1952): steady state alpha/(alpha+beta), tau 1/(alpha+beta); at -40
    and -55 mV the removable singularities take their limits (alpha_m = 1, alpha_n = 0.1)."""
    with x64():
        kinetics = {**hh.Na().kinetics(jnp.asarray(V), None), **hh.K().kinetics(jnp.asarray(V),
                                                                                 None)}
        for gate, (alpha, beta) in _hh_rates(V).items():
            inf, tau = kinetics[gate]
            np.testing.assert_allclose(np.asarray(inf), alpha / (alpha + beta), rtol=1e-12)
            np.testing.assert_allclose(np.asarray(tau), 1 / (alpha + beta), rtol=1e-12)


@pytest.mark.parametrize("v0", [-40.0, -55.0])
def test_hh_rate_gradient_at_the_singular_point_matches_finite_differences(v0):
    """d tau_m / dv and d tau_n / dv at the removable singularities of alpha_m and alpha_n."""
    with x64():
        def tau(v):
            k = {**hh.Na().kinetics(v, None), **hh.K().kinetics(v, None)}
            return k["m"][1] + k["n"][1]

        grad = float(jax.grad(tau)(jnp.asarray(v0)))
        assert np.isfinite(grad)
        fd = central_difference(lambda v: tau(jnp.asarray(v)), v0, 1e-4)
        np.testing.assert_allclose(grad, fd, rtol=1e-6)


def test_hh_current_sign_and_reversal():
    """Outward positive: at the reversal potential the current vanishes."""
    na = hh.Na()
    state = na.init_state(jnp.asarray(-30.0))
    assert float(na.current(jnp.asarray(50.0), state)) == pytest.approx(0.0, abs=1e-9)
    assert float(na.current(jnp.asarray(-30.0), state)) < 0  # inward sodium current


# ----------------------------------------------------------------------------- STG set
#: Prinz, Billimoria & Marder (2003), Table 1, written out independently:
#: channel -> gate -> (steady state, time constant) as functions of v (ca = 2 µM for KCa).
CA = 2.0
PRINZ_TABLE = {
    "NaV": {"m": (lambda v: _b(v, 25.5, -5.29), lambda v: 2.64 - 2.52 * _b(v, 120, -25)),
            "h": (lambda v: _b(v, 48.9, 5.18),
                  lambda v: 1.34 * _b(v, 62.9, -10) * (1.5 + _b(v, 34.9, 3.6)))},
    "CaT": {"m": (lambda v: _b(v, 27.1, -7.2), lambda v: 43.4 - 42.6 * _b(v, 68.1, -20.5)),
            "h": (lambda v: _b(v, 32.1, 5.5), lambda v: 210 - 179.6 * _b(v, 55, -16.9))},
    "CaS": {"m": (lambda v: _b(v, 33, -8.1),
                  lambda v: 2.8 + 14 / (np.exp((v + 27) / 10) + np.exp((v + 70) / -13))),
            "h": (lambda v: _b(v, 60, 6.2),
                  lambda v: 120 + 300 / (np.exp((v + 55) / 9) + np.exp((v + 65) / -16)))},
    "KA": {"m": (lambda v: _b(v, 27.2, -8.7), lambda v: 23.2 - 20.8 * _b(v, 32.9, -15.2)),
           "h": (lambda v: _b(v, 56.9, 4.9), lambda v: 77.2 - 58.4 * _b(v, 38.9, -26.5))},
    "KCa": {"m": (lambda v: CA / (CA + 3) * _b(v, 28.3, -12.6),
                  lambda v: 180.6 - 150.2 * _b(v, 46, -22.7))},
    "Kdr": {"m": (lambda v: _b(v, 12.3, -11.8), lambda v: 14.4 - 12.8 * _b(v, 28.3, -19.2))},
    "H": {"m": (lambda v: _b(v, 75, 5.5),
                lambda v: 2 / (np.exp((v + 169.7) / -11.6) + np.exp((v - 26.7) / 14.3)))},
}
EXPONENTS = {"NaV": (3, 1), "CaT": (3, 1), "CaS": (3, 1), "KA": (3, 1), "KCa": (4,),
             "Kdr": (4,), "H": (1,)}


@pytest.mark.parametrize("name", sorted(PRINZ_TABLE))
def test_stg_kinetics_match_prinz_2003_table_1(name):
    with x64():
        channel = getattr(stg, name)(g=1.0)
        kinetics = channel.kinetics(jnp.asarray(V), jnp.asarray(CA))
        assert tuple(kinetics) == tuple(PRINZ_TABLE[name]) == channel.gates
        assert channel.exponents == EXPONENTS[name]
        for gate, (inf, tau) in PRINZ_TABLE[name].items():
            np.testing.assert_allclose(np.asarray(kinetics[gate][0]), inf(V), rtol=1e-12,
                                       atol=1e-300)
            np.testing.assert_allclose(np.asarray(kinetics[gate][1]), tau(V), rtol=1e-12)


def test_calcium_reversal_potential_is_nernst():
    """E_Ca = RT/(2F) ln([Ca]_out/[Ca]) with R, F from CODATA, at 10 °C (12.2 mV factor of
    Prinz et al. 2003), [Ca]_out = 3 mM."""
    r, faraday = 8.314462618, 96485.33212
    factor = 1e3 * r * 283.15 / (2 * faraday)
    assert factor == pytest.approx(12.2, abs=0.01)
    with x64():
        ca = jnp.asarray([0.05, 0.5, 5.0])
        for channel in (stg.CaT(g=1.0), stg.CaS(g=1.0)):
            np.testing.assert_allclose(np.asarray(channel.reversal(ca)),
                                       factor * np.log(3000.0 / np.asarray(ca)), rtol=1e-8)
        warm = stg.CaS(g=1.0, temperature=30.0)
        np.testing.assert_allclose(float(warm.reversal(jnp.asarray(0.05))),
                                   1e3 * r * 303.15 / (2 * faraday) * np.log(3000 / 0.05),
                                   rtol=1e-8)


def test_kca_activation_grows_with_calcium():
    kca = stg.KCa(g=1.0)
    low, high = (float(kca.kinetics(jnp.asarray(-20.0), jnp.asarray(c))["m"][0])
                 for c in (0.1, 10.0))
    assert high / low == pytest.approx((10 / 13) / (0.1 / 3.1), rel=1e-5)


# ----------------------------------------------------------------------------- GatedChannel
def test_gated_channel_from_rates_reproduces_hh_sodium():
    """The HH sodium channel written by a user with `GatedChannel` from alpha/beta rates is
    `hh.Na` exactly: kinetics, current, derivatives."""
    user = GatedChannel(
        "Na", g=120.0, e_rev=50.0, ion="na",
        gates={"m": Gate(3, alpha=lambda v: x_over_one_minus_exp((v + 40) / 10),
                         beta=lambda v: 4 * jnp.exp(-(v + 65) / 18)),
               "h": Gate(1, alpha=lambda v: 0.07 * jnp.exp(-(v + 65) / 20),
                         beta=lambda v: jax.nn.sigmoid((v + 35) / 10))})
    with x64():
        v = jnp.asarray(V)
        state = {"m": jnp.full_like(v, 0.3), "h": jnp.full_like(v, 0.6)}
        np.testing.assert_allclose(np.asarray(user.current(v, state)),
                                   np.asarray(hh.Na().current(v, state)), rtol=1e-12)
        for gate in ("m", "h"):
            np.testing.assert_allclose(np.asarray(user.gates_derivative(v, state)[gate]),
                                       np.asarray(hh.Na().gates_derivative(v, state)[gate]),
                                       rtol=1e-12)
    assert user.exponents == (3, 1) and not user.uses_calcium


def test_gated_channel_with_calcium_dependence_and_nernst_reversal():
    """A gate function of (v, ca) makes the channel calcium-dependent; a calcium channel
    without `e_rev` takes the Nernst potential."""
    gate = Gate(2, steady_state=lambda v, ca: ca / (ca + 1.0) * jax.nn.sigmoid(v / 10),
                time_constant=lambda v: 5.0 + 0 * v)
    channel = GatedChannel("CaX", g=1.0, gates={"m": gate}, ion="ca")
    assert channel.uses_calcium
    inf, tau = channel.kinetics(jnp.asarray(0.0), jnp.asarray(1.0))["m"]
    assert float(inf) == pytest.approx(0.25) and float(tau) == 5.0
    np.testing.assert_allclose(float(channel.reversal(jnp.asarray(0.05))),
                               float(stg.CaS(g=1.0).reversal(jnp.asarray(0.05))), rtol=1e-6)


def test_channel_bad_input_names_the_parameter_and_the_fix():
    with pytest.raises(ValueError, match=r"`g` must be non-negative \(mS/cm²\); got -1"):
        stg.NaV(g=-1.0)
    with pytest.raises(ValueError, match=r"`g` must be non-negative"):
        hh.K(g=-36.0)
    with pytest.raises(ValueError, match=r"`g` must be non-negative"):
        Leak(g=-0.1, e_rev=-50.0)
    gate = Gate(1, steady_state=lambda v: 0 * v + 0.5, time_constant=lambda v: 0 * v + 1)
    with pytest.raises(ValueError, match=r"unknown ion 'sodium'.*'na'"):
        GatedChannel("X", g=1.0, e_rev=0.0, ion="sodium", gates={"m": gate})
    with pytest.raises(ValueError, match=r"give `e_rev` \(mV\)"):
        GatedChannel("X", g=1.0, ion="k", gates={"m": gate})
    with pytest.raises(ValueError, match=r"`g` must be non-negative"):
        GatedChannel("X", g=-2.0, e_rev=0.0, gates={"m": gate})
    with pytest.raises(ValueError, match="either `steady_state` and `time_constant`"):
        Gate(1, steady_state=lambda v: v)
    with pytest.raises(ValueError, match="either `steady_state`"):
        Gate(1, steady_state=lambda v: v, time_constant=lambda v: v, alpha=lambda v: v,
             beta=lambda v: v)
    with pytest.raises(ValueError, match=r"`power` must be a positive integer"):
        Gate(0, alpha=lambda v: v, beta=lambda v: v)
    with pytest.raises(ValueError, match="without dots"):
        stg.NaV(g=1.0, name="Na.V")
    with pytest.raises(ValueError, match=r"`tau` must be positive \(ms\)"):
        CalciumPool(tau=-200.0)
    with pytest.raises(ValueError, match=r"tau_mrna\['NaV'\]` must be positive"):
        Homeostasis(ca_target=1.0, tau_mrna={"NaV": -1.0})


# ----------------------------------------------------------------------------- calcium
def test_calcium_pool_relaxes_to_the_current_driven_steady_state():
    """tau d[Ca]/dt = -f I_Ca - [Ca] + [Ca]_rest with I_Ca (nA) = i (µA/cm²) x area x 1000:
    for a constant current, [Ca](t) = c* + ([Ca]0 - c*) exp(-t / tau)."""
    i_ca, area = -2.0, 6.28e-4  # µA/cm², cm²
    c_star = 0.05 + 14.96 * 2.0 * area * 1e3
    with x64():
        pool = CalciumPool(tau=200.0, f=14.96, ca_rest=0.05)
        ca0 = jnp.asarray(0.05)
        rate = pool.derivative(ca0, jnp.asarray(i_ca), area)
        assert float(rate) == pytest.approx((c_star - 0.05) / 200.0, rel=1e-12)
        # d rate / d ca = -1 / tau: linear relaxation with time constant tau
        slope = jax.grad(lambda c: pool.derivative(c, jnp.asarray(i_ca), area))(ca0)
        assert float(slope) == pytest.approx(-1 / 200.0, rel=1e-12)


def _leak_cell(regulation):
    return nj.compartments.Compartment(
        [Leak(g=0.1, e_rev=-60.0)], CalciumPool(), regulation=regulation, v_init=-60.0)


def test_homeostasis_integrates_the_calcium_error_analytically():
    """O'Leary et al. (2014): with calcium held at [Ca]_rest (no calcium channels), the mRNA
    grows linearly, m(t) = g0 + r t with r = (target - ca)/tau_i, and tau_g dg/dt = m - g
    gives g(t) = g0 + r (t - tau_g) + r tau_g exp(-t / tau_g)."""
    tau_i, tau_g, target = 2000.0, 500.0, 0.25
    with x64():
        cell = _leak_cell(Homeostasis(ca_target=target, tau_mrna={"Leak": tau_i}, tau_g=tau_g))
        assert cell.variables == ("v", "Leak.mrna", "Leak.g", "ca")
        traj = nj.simulate(cell, 1000.0, 1.0, record=["Leak.mrna", "Leak.g", "ca", "v"],
                           rtol=1e-10, atol=1e-12)
        t = np.asarray(traj.ts)
        r = (target - 0.05) / tau_i
        np.testing.assert_allclose(np.asarray(traj["Leak.mrna"][:, 0]), 0.1 + r * t, rtol=1e-9)
        expected = 0.1 + r * (t - tau_g) + r * tau_g * np.exp(-t / tau_g)
        np.testing.assert_allclose(np.asarray(traj["Leak.g"][:, 0]), expected, rtol=1e-8)
        np.testing.assert_allclose(np.asarray(traj["v"][:, 0]), -60.0, atol=1e-9)


def test_homeostasis_mrna_stays_non_negative():
    """Calcium above target drives the mRNA down to zero, where it stays (xolotl's
    IntegralController clamps it the same way); the conductance decays to zero."""
    with x64():
        cell = _leak_cell(Homeostasis(ca_target=0.01, tau_mrna={"Leak": 100.0}, tau_g=50.0))
        traj = nj.simulate(cell, 1000.0, 1.0, record=["Leak.mrna", "Leak.g", "ca", "v"],
                           rtol=1e-10, atol=1e-12)
        mrna, g = np.asarray(traj["Leak.mrna"][:, 0]), np.asarray(traj["Leak.g"][:, 0])
        # reaches zero at t = 0.1 * 100 / 0.04 = 250 ms, then stays
        assert mrna.min() >= -1e-6 and abs(mrna[-1]) < 1e-6
        assert g.min() >= 0 and g[-1] < 1e-3
