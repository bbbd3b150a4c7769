"""Neural masses: tight scipy references, published properties, and contract tests over every
model in `helpers.MASSES`.

Every expected value comes from an independent computation: the equations written out again
in plain NumPy and integrated with scipy, closed-form results, or scipy root finding.
"""

import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import MASSES, central_difference, tree_allclose, x64
from scipy.integrate import solve_ivp
from scipy.optimize import fsolve

import neurojax as nj


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _solve(rhs, y0, duration, ts):
    """Tight scipy reference: state (flat) at times `ts`, shape (variables * units, time)."""
    sol = solve_ivp(rhs, (0.0, duration), np.asarray(y0, float), method="DOP853", t_eval=ts,
                    rtol=1e-10, atol=1e-12)
    assert sol.success, sol.message
    return sol.y


# ----------------------------------------------------------------------------- references
# Each case: the model (built under float64), its inputs and initial state, and the same
# equations in NumPy: rhs(t, flat state) with the variables stacked in `model.variables` order.


def _case_fitzhugh_nagumo():
    tau = np.array([20.0, 15.0, 25.0])
    i_x = np.array([1.0, 0.5, 0.9])
    model = nj.masses.FitzHughNagumo(3, tau=tau, epsilon=0.4)

    def rhs(t, s):
        x, y = s.reshape(2, 3)
        dx = -3.0 * x**3 + 4.0 * x**2 - 1.5 * x - y + i_x
        dy = (x - 0.0 - 0.4 * y) / tau
        return np.concatenate([dx, dy])

    init = {"x": np.array([0.1, -0.2, 0.3]), "y": np.array([0.0, 0.1, -0.1])}
    return model, {"x": i_x}, init, rhs


def _case_wilson_cowan():
    w_ee = np.array([16.0, 12.0, 16.0])
    tau_i = np.array([1.0, 2.0, 1.5])
    i_x = np.array([1.5, -0.5, 0.8])
    i_y = 0.1
    model = nj.masses.WilsonCowan(3, w_ee=w_ee, tau_i=tau_i, tau_e=1.2, a_i=1.3)

    def f(u, a, theta):
        return _sigmoid(a * (u - theta)) - 1.0 / (1.0 + np.exp(a * theta))

    def rhs(t, s):
        x, y = s.reshape(2, 3)
        dx = (-x + (1 - x) * f(w_ee * x - 15.0 * y + i_x, 1.5, 3.0)) / 1.2
        dy = (-y + (1 - y) * f(12.0 * x - 3.0 * y + i_y, 1.3, 3.0)) / tau_i
        return np.concatenate([dx, dy])

    init = {"x": np.array([0.1, 0.5, 0.0]), "y": np.array([0.05, 0.2, 0.3])}
    return model, {"x": i_x, "y": i_y}, init, rhs


def _case_jansen_rit():
    c = np.array([135.0, 128.0, 270.0])
    p_in = np.array([0.0, 30.0, -20.0])
    model = nj.masses.JansenRit(3, C=c, A=np.array([3.25, 3.5, 3.25]))
    big_a, big_b = np.array([3.25, 3.5, 3.25]), 22.0
    a, b = 0.1, 0.05  # 100 /s and 50 /s in 1/ms

    def s_of(v):  # Hz -> 1/ms
        return 2 * 2.5e-3 / (1 + np.exp(0.56 * (6.0 - v)))

    def rhs(t, s):
        y0, y1, y2, y3, y4, y5 = s.reshape(6, 3)
        p = (220.0 + p_in) * 1e-3
        return np.concatenate([
            y3, y4, y5,
            big_a * a * s_of(y1 - y2) - 2 * a * y3 - a * a * y0,
            big_a * a * (p + 0.8 * c * s_of(c * y0)) - 2 * a * y4 - a * a * y1,
            big_b * b * 0.25 * c * s_of(0.25 * c * y0) - 2 * b * y5 - b * b * y2,
        ])

    init = {"y0": np.array([0.1, 0.0, 0.05]), "y1": np.array([10.0, 5.0, 0.0]),
            "y2": np.array([5.0, 0.0, 1.0])}
    return model, {"p": p_in}, init, rhs


def _case_larter_breakspear():
    d_v = np.array([0.65, 0.5, 0.6])
    q_in = np.array([0.2, 0.5, 0.0])
    v_in = 0.05
    model = nj.masses.LarterBreakspear(3, d_v=d_v)

    def act(x, th, d):
        return 0.5 * (1 + np.tanh((x - th) / d))

    def rhs(t, s):
        v, w, z = s.reshape(3, 3)
        m_ca, m_na, m_k = act(v, -0.01, 0.15), act(v, 0.3, 0.15), act(v, 0.0, 0.3)
        qv, qz = act(v, 0.0, d_v), act(z, 0.0, 0.7)
        cc, aee = 0.1, 0.4
        dv = (-(1.1 + (1 - cc) * 0.25 * aee * qv + cc * 0.25 * aee * q_in) * m_ca * (v - 1.0)
              - 2.0 * w * (v + 0.7) - 0.5 * (v + 0.5)
              - (6.7 * m_na + (1 - cc) * aee * qv + cc * aee * q_in) * (v - 0.53)
              - 2.0 * z * qz + 1.0 * 0.3 + v_in)
        dw = 0.7 * (m_k - w) / 1.0
        dz = 0.1 * (0.4 * 0.3 + 2.0 * v * qv)
        return np.concatenate([dv, dw, dz])

    init = {"v": np.array([0.0, -0.2, 0.1]), "w": np.array([0.0, 0.1, 0.2]),
            "z": np.array([0.0, 0.05, -0.05])}
    return model, {"q": q_in, "v": v_in}, init, rhs


def _case_montbrio():
    eta = np.array([-5.0, -4.0, -6.0])
    tau = np.array([10.0, 8.0, 12.0])
    i_v, i_r = np.array([0.0, 1.0, 3.0]), 0.01
    model = nj.masses.Montbrio(3, eta=eta, tau=tau)

    def rhs(t, s):
        r, v = s.reshape(2, 3)
        dr = (1.0 / (np.pi * tau) + 2 * r * v + i_r) / tau
        dv = (v**2 + eta + 15.0 * tau * r + i_v - (np.pi * tau * r) ** 2) / tau
        return np.concatenate([dr, dv])

    init = {"r": np.array([0.0, 0.05, 0.02]), "v": np.array([-2.0, 0.0, -1.0])}
    return model, {"v": i_v, "r": i_r}, init, rhs


def _case_hopf():
    a = np.array([0.05, -0.02, 0.1])
    omega = np.array([0.06, 0.1, 0.03])
    i_x, i_y = np.array([0.0, 0.01, -0.01]), 0.005
    model = nj.masses.HopfOscillator(3, a=a, omega=omega)

    def rhs(t, s):
        x, y = s.reshape(2, 3)
        g = a - x**2 - y**2
        return np.concatenate([g * x - omega * y + i_x, g * y + omega * x + i_y])

    init = {"x": np.array([0.1, 0.3, 0.0]), "y": np.array([0.0, -0.2, 0.5])}
    return model, {"x": i_x, "y": i_y}, init, rhs


def _case_kuramoto():
    omega = np.array([0.06, 0.07, 0.05])
    i_theta = np.array([0.0, 0.01, -0.02])
    model = nj.masses.Kuramoto(3, omega=omega)

    def rhs(t, s):
        return omega + i_theta

    init = {"theta": np.array([0.0, 1.0, -2.0])}
    return model, {"theta": i_theta}, init, rhs


def _case_wong_wang():
    j_i = np.array([1.0, 1.2, 0.8])
    i_e, i_i = np.array([0.0, 0.05, 0.2]), 0.01
    model = nj.masses.WongWang(3, j_i=j_i, tau_e=np.array([100.0, 80.0, 120.0]))
    tau_e = np.array([100.0, 80.0, 120.0])

    def h(current, a, b, d):
        x = a * current - b
        return x / (1 - np.exp(-d * x))

    def rhs(t, s):
        se, si = s.reshape(2, 3)
        cur_e = 0.382 + 1.4 * 0.15 * se - j_i * si + i_e
        cur_i = 0.7 * 0.382 + 0.15 * se - si + i_i
        r_e, r_i = h(cur_e, 310.0, 125.0, 0.16), h(cur_i, 615.0, 177.0, 0.087)
        return np.concatenate([-se / tau_e + (1 - se) * 0.641 * r_e / 1000.0,
                               -si / 10.0 + r_i / 1000.0])

    init = {"s_e": np.array([0.1, 0.3, 0.0]), "s_i": np.array([0.05, 0.0, 0.1])}
    return model, {"i_e": i_e, "i_i": i_i}, init, rhs


def _case_larter_breakspear_coupled():
    """Two nodes: `q_v` of the others into port `q` through `Linear` (TVB's <Q_V>)."""
    w, k = np.array([[0.0, 1.0], [0.6, 0.0]]), 0.8
    model = nj.masses.LarterBreakspear(2, d_v=0.6)

    def act(x, th, d):
        return 0.5 * (1 + np.tanh((x - th) / d))

    def rhs(t, s):
        v, w_k, z = s.reshape(3, 2)
        qv, qz = act(v, 0.0, 0.6), act(z, 0.0, 0.7)
        q_in = k * w @ qv
        m_ca, m_na, m_k = act(v, -0.01, 0.15), act(v, 0.3, 0.15), act(v, 0.0, 0.3)
        excitation = 0.9 * 0.4 * qv + 0.1 * 0.4 * q_in
        dv = (-(1.1 + 0.25 * excitation) * m_ca * (v - 1.0) - 2.0 * w_k * (v + 0.7)
              - 0.5 * (v + 0.5) - (6.7 * m_na + excitation) * (v - 0.53) - 2.0 * z * qz + 0.3)
        return np.concatenate([dv, 0.7 * (m_k - w_k), 0.1 * (0.4 * 0.3 + 2.0 * v * qv)])

    init = {"v": np.array([0.2, -0.3]), "w": np.array([0.1, 0.0]), "z": np.array([0.0, 0.1])}
    coupling = nj.network.Linear(strength=k, variable="q_v", port="q")
    return model, {}, init, rhs, (coupling, w)


def _case_wong_wang_coupled():
    """Two nodes: `s_e` of the others into port `i_e` through `Linear` (strength G J_NMDA)."""
    w, k = np.array([[0.0, 1.0], [0.5, 0.0]]), 2.0 * 0.15

    def h(current, a, b, d):
        x = a * current - b
        return x / (1 - np.exp(-d * x))

    def rhs(t, s):
        se, si = s.reshape(2, 2)
        cur_e = 0.382 + 1.4 * 0.15 * se - si + k * w @ se
        cur_i = 0.7 * 0.382 + 0.15 * se - si
        r_e, r_i = h(cur_e, 310.0, 125.0, 0.16), h(cur_i, 615.0, 177.0, 0.087)
        return np.concatenate([-se / 100.0 + (1 - se) * 0.641 * r_e / 1000.0,
                               -si / 10.0 + r_i / 1000.0])

    init = {"s_e": np.array([0.6, 0.1]), "s_i": np.array([0.1, 0.05])}
    coupling = nj.network.Linear(strength=k, variable="s_e", port="i_e")
    return nj.masses.WongWang(2), {}, init, rhs, (coupling, w)


REFERENCE_CASES = {
    "FitzHughNagumo": _case_fitzhugh_nagumo,
    "WilsonCowan": _case_wilson_cowan,
    "JansenRit": _case_jansen_rit,
    "LarterBreakspear": _case_larter_breakspear,
    "Montbrio": _case_montbrio,
    "HopfOscillator": _case_hopf,
    "Kuramoto": _case_kuramoto,
    "WongWang": _case_wong_wang,
    "LarterBreakspearCoupled": _case_larter_breakspear_coupled,
    "WongWangCoupled": _case_wong_wang_coupled,
}
REFERENCE_DURATION = 100.0  # ms


@pytest.fixture(scope="module")
def reference_run():
    """Every case as one node of a single network (one compilation), float64, rtol 1e-8."""
    with x64():
        cases = {name: build() for name, build in REFERENCE_CASES.items()}
        edges = [nj.network.Connection(name, name, *case[4]) for name, case in cases.items()
                 if len(case) > 4]
        net = nj.Network({name: case[0] for name, case in cases.items()}, edges)
        inputs = {f"{name}.{port}": value for name, case in cases.items()
                  for port, value in case[1].items()}
        initial = {name: case[2] for name, case in cases.items()}
        traj = nj.simulate(net, REFERENCE_DURATION, 0.1, inputs=inputs, initial_state=initial,
                           sample_every=1.0, rtol=1e-8, atol=1e-10)
        y0 = {name: {**{k: np.asarray(v) for k, v in case[0].init_state().items()}, **case[2]}
              for name, case in cases.items()}
        return cases, y0, np.asarray(traj.ts), {k: np.asarray(v) for k, v in traj.data.items()}


@pytest.mark.parametrize("name", list(REFERENCE_CASES))
def test_matches_scipy_reference(name, reference_run):
    cases, y0, ts, data = reference_run
    model, rhs = cases[name][0], cases[name][3]
    start = np.concatenate([y0[name][v] for v in model.variables])
    expected = _solve(rhs, start, REFERENCE_DURATION, ts)
    expected = expected.reshape(len(model.variables), model.size, -1)
    for k, var in enumerate(model.variables):
        got = data[f"{name}.{var}"].T
        assert got.dtype == np.float64
        scale = max(1.0, float(np.abs(expected[k]).max()))
        np.testing.assert_allclose(got, expected[k], rtol=1e-5, atol=1e-6 * scale,
                                   err_msg=f"{name}.{var}")


def test_jansen_rit_sigmoid_matches_sigmoidal_coupling_defaults():
    model, coupling = nj.masses.JansenRit(1), nj.network.Sigmoidal()
    assert float(coupling.amplitude) == pytest.approx(2 * float(model.e0))
    assert float(coupling.slope) == pytest.approx(float(model.r))
    assert float(coupling.midpoint) == pytest.approx(float(model.v0))
    assert coupling.variable == "v_pyr"


# ----------------------------------------------------------------------------- properties


def _dominant_frequency(signal: np.ndarray, dt_ms: float) -> float:
    signal = signal - signal.mean()
    power = np.abs(np.fft.rfft(signal * np.hanning(signal.size))) ** 2
    freqs = np.fft.rfftfreq(signal.size, dt_ms * 1e-3)
    return float(freqs[np.argmax(power[1:]) + 1])


def test_jansen_rit_alpha_rhythm():
    """Standard parameters, constant p = 220 Hz: v_pyr oscillates in the alpha band."""
    traj = nj.simulate(nj.masses.JansenRit(1), 2500.0, 0.5, record=["v_pyr"])
    keep = np.asarray(traj.ts) >= 500.0
    v_pyr = np.asarray(traj["v_pyr"])[keep, 0]
    assert 8.0 <= _dominant_frequency(v_pyr, 0.5) <= 12.0
    assert np.ptp(v_pyr) > 1.0  # a sustained oscillation, not a decaying transient


def _wilson_cowan_end(model, i_x, duration=200.0):
    init = {"x": np.array([-0.2, 1.0]), "y": np.array([0.0, 1.0])}
    traj = nj.simulate(model, duration, 0.1, inputs={"x": i_x}, initial_state=init)
    end = {v: traj[v][-1] for v in model.variables}
    drive = {"x": jnp.full(2, i_x), "y": jnp.zeros(2)}
    return end, model.vector_field(0.0, end, drive, None)


def test_wilson_cowan_bistable():
    """BrainPy's Wilson-Cowan phase-plane example (wEE=12, wEI=4, wIE=13, wII=11 in BrainPy's
    names) at I_x = -0.5: (-0.2, 0) and (1, 1) settle into two different stable states."""
    model = nj.masses.WilsonCowan(2, w_ee=12.0, w_ei=4.0, w_ie=13.0, w_ii=11.0, a_e=1.2,
                                  theta_e=2.8, a_i=1.0, theta_i=4.0)
    end, deriv = _wilson_cowan_end(model, -0.5)
    for var in ("x", "y"):
        np.testing.assert_allclose(deriv[var], 0.0, atol=1e-5)
    assert float(end["x"][1] - end["x"][0]) > 0.3  # a low and a high state


def test_wilson_cowan_seed_parameters():
    """With the defaults, I_x = -0.5 has one stable state (both starts end there) and I_x = 1.5
    a limit cycle."""
    end, deriv = _wilson_cowan_end(nj.masses.WilsonCowan(2), -0.5)
    np.testing.assert_allclose(deriv["x"], 0.0, atol=1e-5)
    np.testing.assert_allclose(end["x"][0], end["x"][1], atol=1e-4)
    traj = nj.simulate(nj.masses.WilsonCowan(1), 200.0, 0.1, inputs={"x": 1.5})
    assert np.ptp(np.asarray(traj["x"])[np.asarray(traj.ts) > 100.0]) > 0.1


def _fhn_hopf_inputs(alpha=3.0, beta=4.0, gamma=-1.5, delta=0.0, epsilon=0.5, tau=20.0):
    """Inputs where the trace of the Jacobian at the fixed point vanishes."""
    # trace = -3 alpha x^2 + 2 beta x + gamma - epsilon / tau = 0 at the fixed point x*
    xs = np.roots([-3 * alpha, 2 * beta, gamma - epsilon / tau]).real
    # fixed point: y* = (x* - delta) / epsilon and dx/dt = 0 gives the input
    inputs = alpha * xs**3 - beta * xs**2 - gamma * xs + (xs - delta) / epsilon
    det = (-(-3 * alpha * xs**2 + 2 * beta * xs + gamma) * epsilon / tau + 1 / tau)
    assert np.all(det > 0)  # a pair of complex eigenvalues crosses: a Hopf point
    return np.sort(inputs)


def test_fitzhugh_nagumo_hopf_points_and_oscillation():
    low, high = _fhn_hopf_inputs()
    assert abs(low - 0.73) < 0.02 and abs(high - 1.33) < 0.02
    inputs = np.array([0.5, low - 0.03, low + 0.03, 1.0, high - 0.03, high + 0.03, 1.6])
    traj = nj.simulate(nj.masses.FitzHughNagumo(inputs.size), 2500.0, 0.5, inputs={"x": inputs})
    ptp = np.ptp(np.asarray(traj["x"])[np.asarray(traj.ts) >= 1500.0], axis=0)
    oscillating = ptp > 0.1
    resting = ptp < 1e-3
    np.testing.assert_array_equal(oscillating, [False, False, True, True, True, False, False])
    np.testing.assert_array_equal(resting, ~oscillating)


def _montbrio_roots(delta, eta, j, current):
    """Fixed points in R = tau r: Delta^2/(4 pi^2 R^2) + eta + I + J R - pi^2 R^2 = 0."""
    # times R^2: -pi^2 R^4 + J R^3 + (eta + I) R^2 + Delta^2 / (4 pi^2) = 0
    roots = np.roots([-np.pi**2, j, eta + current, 0.0, delta**2 / (4 * np.pi**2)])
    return np.sort(roots[(abs(roots.imag) < 1e-9) & (roots.real > 0)].real)


def test_montbrio_bistable_fixed_points():
    tau, delta, eta, j, current = 10.0, 1.0, -5.0, 15.0, 0.5
    roots = _montbrio_roots(delta, eta, j, current)
    assert roots.size == 3  # I = 0.5 lies in the bistable range (about -0.74 < I < 1.86)
    with x64():
        model = nj.masses.Montbrio(2)
        init = {"r": np.array([0.0, 0.1]), "v": np.array([-2.0, 0.0])}
        traj = nj.simulate(model, 1500.0, 0.5, inputs={"v": current}, initial_state=init,
                           rtol=1e-10, atol=1e-12)
        r, v = np.asarray(traj["r"][-1]), np.asarray(traj["v"][-1])
    # the analytic relations of a fixed point
    np.testing.assert_allclose(v, -delta / (2 * np.pi * tau * r), rtol=1e-6)
    np.testing.assert_allclose(v**2 + eta + j * tau * r + current - (np.pi * tau * r) ** 2, 0.0,
                               atol=1e-6)
    # two different stable states: the lowest and the highest root
    np.testing.assert_allclose(tau * r, roots[[0, 2]], rtol=1e-6)


def test_hopf_limit_cycle_and_focus():
    a, omega = np.array([0.05, 0.2, -0.05]), np.array([0.0628, 0.03, 0.0628])
    model = nj.masses.HopfOscillator(3, a=a, omega=omega, x_init=0.3, y_init=0.1)
    traj = nj.simulate(model, 400.0, 0.1, rtol=1e-8, atol=1e-10)
    ts = np.asarray(traj.ts)
    x, y = np.asarray(traj["x"]), np.asarray(traj["y"])
    radius = np.hypot(x, y)[ts >= 300.0]
    np.testing.assert_allclose(radius[:, :2], np.broadcast_to(np.sqrt(a[:2]), radius[:, :2].shape),
                               rtol=1e-4)
    phase = np.unwrap(np.arctan2(y, x), axis=0)[ts >= 300.0, :2]
    slope = np.polyfit(ts[ts >= 300.0], phase, 1)[0]
    np.testing.assert_allclose(slope, omega[:2], rtol=1e-4)
    assert radius[-1, 2] < 1e-6 * np.hypot(0.3, 0.1)  # exp(-0.05 * 400) = 2e-9


def _kuramoto_pair(delta_omega, k, duration):
    model = nj.masses.Kuramoto(2, omega=np.array([0.06, 0.06 + delta_omega]),
                               theta_init=np.array([0.0, 0.0]))
    net = nj.Network.from_adjacency(model, np.array([[0.0, 1.0], [1.0, 0.0]]),
                                    coupling=nj.network.Kuramoto(strength=k))
    traj = nj.simulate(net, duration, 0.1, rtol=1e-9, atol=1e-10)
    theta = np.asarray(traj["theta"])
    return np.asarray(traj.ts), theta[:, 1] - theta[:, 0]


def test_kuramoto_phase_locking_and_drift():
    with x64():
        k = 0.05
        ts, diff = _kuramoto_pair(0.05, k, 300.0)  # |dw| < 2K: locks at arcsin(dw / 2K)
        np.testing.assert_allclose(diff[-1], np.arcsin(0.05 / (2 * k)), atol=1e-6)
        ts, diff = _kuramoto_pair(0.15, k, 600.0)  # |dw| > 2K: drifts, slipping 2 pi per period
        # Adler equation: period of one slip 2 pi / sqrt(dw^2 - 4 K^2)
        level = np.pi / 2 + 2 * np.pi * np.arange(1, 20)
        crossings = np.interp(level[level < diff[-1]], diff, ts)  # diff increases monotonically
        assert crossings.size >= 8
        period = np.mean(np.diff(crossings))
        np.testing.assert_allclose(period, 2 * np.pi / np.sqrt(0.15**2 - 4 * k**2), rtol=1e-5)


def _wong_wang_fixed_point(i_ext):
    def h(current, a, b, d):
        x = a * current - b
        return x / (1 - np.exp(-d * x))

    def equations(s):
        se, si = s
        r_e = h(0.382 + 1.4 * 0.15 * se - si + i_ext, 310.0, 125.0, 0.16)
        r_i = h(0.7 * 0.382 + 0.15 * se - si, 615.0, 177.0, 0.087)
        return [-se / 100.0 + (1 - se) * 0.641 * r_e / 1000.0, -si / 10.0 + r_i / 1000.0]

    return fsolve(equations, [0.5, 0.1], xtol=1e-13)


def test_wong_wang_steady_state():
    i_ext = np.array([0.0, 0.1])
    with x64():
        traj = nj.simulate(nj.masses.WongWang(2), 3000.0, 1.0, inputs={"i_e": i_ext},
                           rtol=1e-9, atol=1e-11)
        for n in range(2):
            expected = _wong_wang_fixed_point(i_ext[n])
            got = [float(traj["s_e"][-1, n]), float(traj["s_i"][-1, n])]
            np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def test_wong_wang_rate_at_singularity():
    """r(I) = (aI - b)/(1 - exp(-d(aI - b))) -> 1/d with slope a/2 where aI = b."""
    at_singularity = 125.0 / 310.0 - 0.382  # the port input that makes I_E = b_E / a_E

    def rate(model, drive):
        zero = {"s_e": jnp.zeros(1), "s_i": jnp.zeros(1)}
        return model.rates(zero, {"i_e": drive})[0][0]

    def closed_form(drive):  # value and derivative of the formula, away from aI = b
        x = 310.0 * (drive + 0.382) - 125.0
        e = np.exp(-0.16 * x)
        return x / (1 - e), 310.0 * ((1 - e) - 0.16 * x * e) / (1 - e) ** 2

    with x64():
        model = nj.masses.WongWang(1)
        for drive in (at_singularity, at_singularity + 1e-9):
            value, slope = jax.value_and_grad(rate, argnums=1)(model, drive)
            np.testing.assert_allclose(value, 1 / 0.16, rtol=1e-6)
            np.testing.assert_allclose(slope, 310.0 / 2, rtol=1e-5)
        for offset in (-1e-3, 1e-4, 1e-2):
            value, slope = jax.value_and_grad(rate, argnums=1)(model, at_singularity + offset)
            np.testing.assert_allclose([value, slope], closed_form(at_singularity + offset),
                                       rtol=1e-9)
    model = nj.masses.WongWang(1)  # float32
    value, slope = jax.value_and_grad(rate, argnums=1)(model, jnp.float32(at_singularity))
    np.testing.assert_allclose([value, slope], [1 / 0.16, 155.0], rtol=1e-3)


# ----------------------------------------------------------------------------- contracts

#: (parameter, value) per model for the vmap and gradient checks.
CONTRACT_PARAMETER = {
    "FitzHughNagumo": ("tau", 20.0),
    "WilsonCowan": ("w_ee", 16.0),
    "JansenRit": ("A", 3.25),
    "LarterBreakspear": ("a_ee", 0.4),
    "Montbrio": ("eta", -5.0),
    "HopfOscillator": ("omega", 0.06),
    "Kuramoto": ("omega", 0.06),
    "WongWang": ("j_nmda", 0.15),
}

_IDS = [type(factory(1)).__name__ for factory, _ in MASSES]


def _drive(model, inputs):
    return {p: jnp.broadcast_to(jnp.asarray(inputs.get(p, 0.0), model.init_state()[
        model.variables[0]].dtype), (model.size,)) for p in model.inputs}


def test_registry_covers_every_mass():
    assert set(_IDS) == {name for name in dir(nj.masses) if not name.startswith("_")}
    assert set(_IDS) == set(CONTRACT_PARAMETER) <= set(REFERENCE_CASES)


@pytest.mark.parametrize(("factory", "inputs"), MASSES, ids=_IDS)
@pytest.mark.parametrize("enable_x64", [False, True])
def test_state_structure_and_finite_vector_field(factory, inputs, enable_x64):
    with jax.enable_x64(enable_x64):
        model = factory(3)
        dtype = jnp.float64 if enable_x64 else jnp.float32
        state = model.init_state()
        assert tuple(state) == model.variables
        for value in state.values():
            assert value.shape == (3,) and value.dtype == dtype
        assert set(inputs) <= set(model.inputs)
        deriv = model.vector_field(0.0, state, _drive(model, inputs), None)
        assert jax.tree.structure(deriv) == jax.tree.structure(state)
        for value in deriv.values():
            assert value.shape == (3,) and value.dtype == dtype
            assert np.all(np.isfinite(value))
        obs = model.observables(state)
        assert set(model.variables) <= set(obs)
        for value in obs.values():
            assert value.shape == (3,) and np.all(np.isfinite(value))


def test_every_mass_simulates_in_float32():
    """All masses as nodes of one network (one compilation), recording every observable
    (float64 runs are checked against scipy above)."""
    nodes = {name: factory(3) for (factory, _), name in zip(MASSES, _IDS, strict=True)}
    inputs = {f"{name}.{port}": value for (_, ports), name in zip(MASSES, _IDS, strict=True)
              for port, value in ports.items()}
    record = [f"{name}.{obs}" for name, node in nodes.items()
              for obs in node.observables(node.init_state())]
    traj = nj.simulate(nj.Network(nodes), 5.0, 0.1, inputs=inputs, record=record)
    assert set(traj.names) == set(record)
    for name in record:
        assert traj[name].shape == (51, 3) and traj[name].dtype == jnp.float32, name
        assert np.all(np.isfinite(traj[name])), name


@pytest.mark.parametrize(("factory", "inputs"), MASSES, ids=_IDS)
def test_jit_equals_eager(factory, inputs):
    model = factory(3)
    state = {k: v + 0.1 * jnp.arange(3) for k, v in model.init_state().items()}
    drive = _drive(model, inputs)
    eager = (model.vector_field(1.0, state, drive, None), model.observables(state))
    jitted = eqx.filter_jit(lambda m, s, d: (m.vector_field(1.0, s, d, None), m.observables(s)))
    assert tree_allclose(jitted(model, state, drive), eager, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("factory", "inputs"), MASSES, ids=_IDS)
def test_vmap_over_parameter_equals_loop(factory, inputs):
    cls = type(factory(1))
    name, value = CONTRACT_PARAMETER[cls.__name__]
    values = jnp.asarray([0.9, 1.0, 1.1]) * value

    def evaluate(v):
        model = cls(2, **{name: v})
        state = {k: s + 0.2 * jnp.arange(2) for k, s in model.init_state().items()}
        return model.vector_field(0.0, state, _drive(model, inputs), None)

    batched = eqx.filter_vmap(evaluate)(values)
    looped = jax.tree.map(lambda *xs: jnp.stack(xs), *[evaluate(v) for v in values])
    assert tree_allclose(batched, looped, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("factory", "inputs"), MASSES, ids=_IDS)
def test_vector_field_gradient_matches_finite_difference(factory, inputs):
    cls = type(factory(1))
    name, value = CONTRACT_PARAMETER[cls.__name__]
    with x64():
        def loss(v):
            model = cls(2, **{name: v})
            state = {k: s + 0.1 * jnp.arange(1, 3) for k, s in model.init_state().items()}
            out = (model.vector_field(0.0, state, _drive(model, inputs), None),
                   model.observables(state))
            return sum(jnp.sum(leaf) for leaf in jax.tree.leaves(out))

        grad = float(jax.grad(loss)(value))
        fd = central_difference(loss, value, 1e-5 * abs(value))
        assert grad != 0.0
        assert grad == pytest.approx(fd, rel=1e-6, abs=1e-9)


@pytest.fixture(scope="module")
def gradient_run():
    """Reverse-mode gradients through `simulate` (float64) for every mass at once: each mass is
    a node of one uncoupled network (one compilation instead of one per model), so the
    gradient of the summed loss with respect to a node's parameter is that node's own."""
    with x64():
        classes = {name: type(factory(1)) for (factory, _), name in zip(MASSES, _IDS,
                                                                         strict=True)}
        inputs = {f"{name}.{port}": value for (_, ports), name in zip(MASSES, _IDS, strict=True)
                  for port, value in ports.items()}

        def losses(values):
            nodes = {name: cls(2, **{CONTRACT_PARAMETER[name][0]: values[name]})
                     for name, cls in classes.items()}
            init = {name: {k: s + 0.1 * jnp.arange(1, 3) for k, s in node.init_state().items()}
                    for name, node in nodes.items()}
            traj = nj.simulate(nj.Network(nodes), 10.0, 0.1, inputs=inputs, initial_state=init,
                               rtol=1e-11, atol=1e-13)
            return {name: sum(jnp.mean(traj[f"{name}.{var}"][-1]) for var in node.variables)
                    for name, node in nodes.items()}

        values = {name: CONTRACT_PARAMETER[name][1] for name in classes}
        grads = jax.grad(lambda v: sum(losses(v).values()))(values)
        losses = jax.jit(losses)  # the finite differences: one compilation, 16 evaluations
        fds = {}
        for name, value in values.items():
            def loss(v, name=name):
                return losses({**values, name: v})[name]

            fds[name] = central_difference(loss, value, 1e-4 * abs(value))
        return {name: float(g) for name, g in grads.items()}, fds


# Reverse mode through the adaptive solver compiles in about 25 s for all masses on a 2-core
# CPU: the full check runs with `-m slow`; by default one model goes through `simulate`
# (and every model's vector field is checked above).
@pytest.mark.slow
@pytest.mark.parametrize("name", _IDS)
def test_gradient_through_simulate_matches_finite_difference(name, gradient_run):
    grads, fds = gradient_run
    assert grads[name] != 0.0
    assert grads[name] == pytest.approx(fds[name], rel=1e-4, abs=1e-9)


def test_gradient_through_simulate_one_mass():
    with x64():
        def loss(w_ee):
            model = nj.masses.WilsonCowan(2, w_ee=w_ee, x_init=np.array([0.1, 0.4]))
            traj = nj.simulate(model, 10.0, 0.1, inputs={"x": 1.5}, rtol=1e-11, atol=1e-13)
            return jnp.mean(traj["x"][-1]) + jnp.mean(traj["y"][-1])

        grad = float(eqx.filter_grad(loss)(jnp.asarray(16.0)))
        fd = central_difference(loss, 16.0, 1e-3)
        assert grad != 0.0
        assert grad == pytest.approx(fd, rel=1e-5)


def _positive_parameters(model):
    return [f.name for f in dataclasses.fields(model)
            if f.metadata.get("constraint") == nj.core.positive]


@pytest.mark.parametrize(("factory", "inputs"), MASSES, ids=_IDS)
def test_negative_positive_parameter_raises(factory, inputs):
    model = factory(2)
    names = _positive_parameters(model)
    if not names:
        pytest.skip(f"{type(model).__name__} has no positive parameter")
    for name in names:
        with pytest.raises(ValueError, match=f"`{name}`.*positive"):
            type(model)(2, **{name: -1.0})


@pytest.mark.parametrize("cls, name", [
    (nj.masses.FitzHughNagumo, "tau"), (nj.masses.WilsonCowan, "tau_e"),
    (nj.masses.WilsonCowan, "tau_i"), (nj.masses.LarterBreakspear, "tau_k"),
    (nj.masses.Montbrio, "tau"), (nj.masses.WongWang, "tau_e"), (nj.masses.WongWang, "tau_i"),
])
def test_negative_time_constant_raises(cls, name):
    with pytest.raises(ValueError, match=r"tau.*must be positive \(ms\); got -5"):
        cls(2, **{name: -5.0})


@pytest.mark.parametrize(("factory", "inputs"), MASSES, ids=_IDS)
def test_parameter_of_wrong_length_raises(factory, inputs):
    cls = type(factory(1))
    name, value = CONTRACT_PARAMETER[cls.__name__]
    with pytest.raises(ValueError, match=rf"`{name}` has shape \(4,\).*size 3"):
        cls(3, **{name: np.full(4, value)})
