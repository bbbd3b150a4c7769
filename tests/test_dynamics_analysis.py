"""Dynamical-systems analysis (nj.analysis: fixed points, continuation, bifurcation points,
limit cycles, phase planes) against independent references: closed-form normal forms, the
analytic Hopf condition of the FitzHugh-Nagumo model solved with scipy's brentq, dense scipy
scans of the Wilson-Cowan fixed-point equation, and scipy integrations (solve_ivp, rtol 1e-10).
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import pytest
from helpers import central_difference, x64
from scipy.integrate import solve_ivp
from scipy.optimize import brentq, minimize_scalar

import neurojax as nj
from neurojax.core import Dynamics, initial, param
from neurojax.examples import WILSON_COWAN_BISTABLE

# ----------------------------------------------------------------------------- normal forms


class SaddleNode(Dynamics):
    """x' = r + a x + x^2: folds where r = a^2 / 4 (at x = -a / 2)."""

    size: int = eqx.field(static=True)
    r: float = param(-1.0)
    a: float = param(0.0)
    x_init: float = initial(0.0)
    variables = ("x",)
    inputs = ("x",)

    def vector_field(self, t, state, drive, args):
        x = state["x"]
        return {"x": self.r + self.a * x + x**2 + drive["x"]}

    def observables(self, state):
        return dict(state)


class HopfNormalForm(Dynamics):
    """x' = (mu - c) x - w y + l (x^2 + y^2) x, y' = w x + (mu - c) y + l (x^2 + y^2) y:
    in polar form r' = (mu - c) r + l r^3: a Hopf point at mu = c, supercritical for l < 0.
    Its first Lyapunov coefficient in Kuznetsov's normalisation (2004, eq. 3.20: <q, q> = 1)
    is 2 l / w: with q = (1, -i)/sqrt(2), C(q, q, q*) = 2 l [2 (q . q*) q + (q . q) q*] = 4 l q
    (q . q = 0), so l1 = Re <p, 4 l q> / (2 w) = 2 l / w."""

    size: int = eqx.field(static=True)
    mu: float = param(-1.0)
    c: float = param(0.0)
    w: float = param(2.0)
    l: float = param(-1.0)  # noqa: E741
    x_init: float = initial(0.1)
    y_init: float = initial(0.0)
    variables = ("x", "y")
    inputs = ("x", "y")

    def vector_field(self, t, state, drive, args):
        x, y = state["x"], state["y"]
        growth = self.mu - self.c + self.l * (x**2 + y**2)
        return {"x": growth * x - self.w * y + drive["x"],
                "y": self.w * x + growth * y + drive["y"]}

    def observables(self, state):
        return dict(state)


# ----------------------------------------------------------------------------- references

FHN = dict(alpha=3.0, beta=4.0, gamma=-1.5, delta=0.0, epsilon=0.5, tau=20.0)
WC_BOX = {"x": (-0.2, 1.0), "y": (-0.2, 1.0)}
FHN_BOX = {"x": (-2.0, 2.0), "y": (-2.0, 2.0)}


def fhn_hopf_inputs(alpha=3.0, beta=4.0, gamma=-1.5, delta=0.0, epsilon=0.5, tau=20.0,
                    coupling=0.0):
    """The inputs I_x at which the trace of the FHN Jacobian vanishes on the fixed-point
    curve (a Hopf point where the determinant is positive), found with brentq.

    Fixed points: y = (x - delta) / epsilon and I(x) = alpha x^3 - beta x^2 - gamma x + y;
    trace(J) = -3 alpha x^2 + 2 beta x + gamma - coupling - epsilon / tau."""
    def trace(x):
        return -3 * alpha * x**2 + 2 * beta * x + gamma - coupling - epsilon / tau

    x_top = beta / (3 * alpha)  # the trace's maximum
    roots = [brentq(trace, -10.0, x_top, xtol=1e-15), brentq(trace, x_top, 10.0, xtol=1e-15)]
    inputs = [alpha * x**3 - beta * x**2 - gamma * x + (x - delta) / epsilon for x in roots]
    for x in roots:  # Hopf, not a neutral saddle: det J > 0
        det = (epsilon / tau) * (3 * alpha * x**2 - 2 * beta * x - gamma + coupling) + 1 / tau
        assert det > 0
    return sorted(inputs)


def _wc_sigmoid(u, a, theta):
    return 1 / (1 + np.exp(-a * (u - theta))) - 1 / (1 + np.exp(a * theta))


def wc_input_of_x(x, *, w_ee, w_ei, w_ie, w_ii, a_e, a_i, theta_e, theta_i, r=1.0, i_y=0.0):
    """The input I_x for which (x, y(x)) is a Wilson-Cowan fixed point: y from the inhibitory
    equation by brentq, I_x by inverting the excitatory sigmoid. NaN where x is unreachable."""
    def y_equation(y):
        return -y + (1 - r * y) * _wc_sigmoid(w_ie * x - w_ii * y + i_y, a_i, theta_i)

    y = brentq(y_equation, -1.0, 1.0 / r, xtol=1e-15)
    s = x / (1 - r * x) + 1 / (1 + np.exp(a_e * theta_e))  # = logistic(a_e (u - theta_e))
    if not 0 < s < 1:
        return np.nan
    u = theta_e + np.log(s / (1 - s)) / a_e
    return u - w_ee * x + w_ei * y


def wc_folds(params, i_range=(-2.0, 2.0)):
    """Fold inputs: local extrema of I_x(x) on a dense grid of x, refined by
    minimize_scalar (xatol 1e-12), kept if inside `i_range`."""
    xs = np.linspace(-0.3, 0.999, 20001)
    i_x = np.array([wc_input_of_x(x, **params) for x in xs])
    folds = []
    for k in range(1, xs.size - 1):
        if not np.all(np.isfinite(i_x[k - 1:k + 2])):
            continue
        for sign in (1, -1):  # 1: local minimum of I_x, -1: local maximum
            if sign * i_x[k] < sign * i_x[k - 1] and sign * i_x[k] < sign * i_x[k + 1]:
                res = minimize_scalar(lambda x, s=sign: s * wc_input_of_x(x, **params),
                                      bounds=(xs[k - 1], xs[k + 1]), method="bounded",
                                      options={"xatol": 1e-12})
                value = sign * res.fun
                if i_range[0] <= value <= i_range[1]:
                    folds.append(value)
    return sorted(folds)


WC_SEED = dict(w_ee=16.0, w_ei=15.0, w_ie=12.0, w_ii=3.0, a_e=1.5, a_i=1.5, theta_e=3.0,
               theta_i=3.0)
WC_BISTABLE = dict(WC_SEED, **WILSON_COWAN_BISTABLE)


@pytest.fixture(scope="module")
def fhn_diagram():
    with x64():
        model = nj.masses.FitzHughNagumo(1)
        return model, nj.analysis.continuation(model, "x", (0.0, 2.0), bounds=FHN_BOX)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ----------------------------------------------------------------------------- FitzHugh-Nagumo


def test_fhn_defaults_are_the_neurolib_brainpy_parameters():
    model = nj.masses.FitzHughNagumo(1)
    for name, value in FHN.items():
        assert float(getattr(model, name)) == value, name


def test_fhn_hopf_points_at_the_analytic_trace_zero_inputs(fhn_diagram):
    """Two Hopf points where trace J = 0 on the fixed-point curve (~0.7261, ~1.3316), to
    1e-4 (in fact ~1e-10); no fold (the fixed point is unique for every input)."""
    with x64():
        _, diagram = fhn_diagram
        expected = fhn_hopf_inputs()
        np.testing.assert_allclose(expected, [0.7261, 1.3316], atol=1e-4, rtol=0)
        hopfs = diagram.hopfs
        assert len(hopfs) == 2 and not diagram.folds
        found = [float(p.value) for p in hopfs]
        np.testing.assert_allclose(found, expected, atol=1e-8, rtol=0)
        for p in hopfs:
            # at a Hopf point the critical pair is +-i w with w^2 = det J = 1/tau - (eps/tau)^2
            np.testing.assert_allclose(float(p.frequency), np.sqrt(1 / 20 - (0.5 / 20) ** 2),
                                       rtol=1e-8, atol=0)
            assert p.criticality == "supercritical"
        branch = diagram.branches[0]
        inside = (branch.parameter > expected[0] + 1e-3) & (branch.parameter < expected[1] - 1e-3)
        outside = (branch.parameter < expected[0] - 1e-3) | (branch.parameter > expected[1] + 1e-3)
        assert not branch.stable[inside].any() and branch.stable[outside].all()


def _fhn_cycle_reference(i_x, t_from, t_to):
    """Period (upward mid-level crossings) and extrema of x on the FHN cycle at input `i_x`,
    from a DOP853 integration (rtol 1e-10) of the equations written out again."""
    def rhs(t, s):
        x, y = s
        return [-3 * x**3 + 4 * x**2 - 1.5 * x - y + i_x, (x - 0.5 * y) / 20]

    ts = np.arange(t_from, t_to, 0.005)
    sol = solve_ivp(rhs, (0, t_to), [0.0, 0.0], method="DOP853", t_eval=ts, rtol=1e-10,
                    atol=1e-12)
    x = sol.y[0]
    mid = 0.5 * (x.max() + x.min())
    up = np.flatnonzero((x[:-1] < mid) & (x[1:] >= mid))
    return np.mean(np.diff(ts[up])), x.max(), x.min()


def test_fhn_limit_cycle_exists_exactly_between_the_hopf_points():
    """Simulated from the perturbed equilibrium and from the cycle, the activity oscillates
    for inputs between the two Hopf points and rests outside; no hysteresis (both Hopf points
    are supercritical). At I_x = 1 the period and extrema match scipy."""
    with x64():
        low, high = fhn_hopf_inputs()
        values = np.array([0.5, low - 0.02, low + 0.02, 1.0, high - 0.02, high + 0.02, 1.8])
        cycles = nj.analysis.limit_cycles(nj.masses.FitzHughNagumo(1), "x", values,
                                          bounds=FHN_BOX, duration=3000.0, transient=2000.0,
                                          dt=0.25)
        np.testing.assert_array_equal(cycles.exists, (values > low) & (values < high))
        assert cycles.hysteresis == ()
        assert np.all(np.isnan(cycles.period[~cycles.exists]))
        period, top, bottom = _fhn_cycle_reference(1.0, 2000.0, 3000.0)
        np.testing.assert_allclose(cycles.period[3], period, rtol=1e-3)
        np.testing.assert_allclose(cycles.maxima["x"][3], top, atol=2e-3)
        np.testing.assert_allclose(cycles.minima["x"][3], bottom, atol=2e-3)


@pytest.mark.slow
def test_fhn_limit_cycle_of_one_simulation_matches_scipy():
    with x64():
        cycle = nj.analysis.limit_cycle(nj.masses.FitzHughNagumo(1), {"x": 1.0},
                                        duration=1500.0, transient=1000.0, dt=0.05)
        period, top, bottom = _fhn_cycle_reference(1.0, 1000.0, 1500.0)
        assert bool(cycle.exists)
        np.testing.assert_allclose(float(cycle.period), period, rtol=1e-3)
        np.testing.assert_allclose(cycle.maxima["x"], top, atol=2e-3)
        np.testing.assert_allclose(cycle.minima["x"], bottom, atol=2e-3)
        rest = nj.analysis.limit_cycle(nj.masses.FitzHughNagumo(1), {"x": 0.5},
                                       duration=1500.0, transient=1000.0, dt=0.05)
        assert not bool(rest.exists) and np.isnan(float(rest.period))


def test_gradient_of_a_hopf_point_matches_finite_differences(fhn_diagram):
    """d(Hopf input)/d(epsilon) by implicit differentiation through the Hopf defining system,
    against central differences of the analytic (brentq) Hopf inputs."""
    with x64():
        _, diagram = fhn_diagram
        hopf = diagram.hopfs[0]

        def hopf_input(eps):
            return nj.analysis.locate(nj.masses.FitzHughNagumo(1, epsilon=eps), hopf).value

        grad = float(jax.grad(hopf_input)(jnp.asarray(0.5)))
        analytic = central_difference(lambda e: fhn_hopf_inputs(epsilon=e)[0], 0.5, 1e-5)
        np.testing.assert_allclose(grad, analytic, rtol=1e-6)


@pytest.mark.slow
def test_gradient_of_a_hopf_point_under_jit(fhn_diagram):
    with x64():
        _, diagram = fhn_diagram
        hopf = diagram.hopfs[1]

        def hopf_input(tau):
            return nj.analysis.locate(nj.masses.FitzHughNagumo(1, tau=tau), hopf).value

        d_tau = jax.jit(jax.grad(hopf_input))(jnp.asarray(20.0))
        np.testing.assert_allclose(float(d_tau), central_difference(
            lambda t: fhn_hopf_inputs(tau=t)[1], 20.0, 1e-4), rtol=1e-5)
        np.testing.assert_allclose(float(d_tau), central_difference(hopf_input, 20.0, 1e-4),
                                   rtol=1e-5)


def test_fhn_hopf_curve_over_epsilon_matches_the_analytic_condition(fhn_diagram):
    with x64():
        model, diagram = fhn_diagram
        curve = nj.analysis.continue_bifurcation(model, diagram.hopfs[0], "epsilon", (0.3, 1.0))
        assert curve.kind == "hopf" and len(curve) > 20
        eps = curve.values[:, 1]
        assert eps.min() <= 0.3 + 1e-6 and eps.max() >= 1.0 - 1e-6
        inside = (eps >= 0.3) & (eps <= 1.0)
        expected = [fhn_hopf_inputs(epsilon=e)[0] for e in eps[inside]]
        np.testing.assert_allclose(curve.values[inside, 0], expected, atol=1e-8, rtol=0)


# ----------------------------------------------------------------------------- Wilson-Cowan


def test_wilson_cowan_bistable_folds_match_a_scipy_scan():
    """BrainPy's phase-plane parameter set: two folds bounding the bistable range, against
    the extrema of I_x(x) on the fixed-point curve (dense scan + minimize_scalar), to 1e-4."""
    with x64():
        model = nj.masses.WilsonCowan(1, **WILSON_COWAN_BISTABLE)
        diagram = nj.analysis.continuation(model, "x", (-2.0, 2.0), bounds=WC_BOX)
        expected = wc_folds(WC_BISTABLE)
        assert len(expected) == 2 and not diagram.hopfs
        np.testing.assert_allclose([float(p.value) for p in diagram.folds], expected,
                                   atol=1e-4, rtol=0)
        # three fixed points (two stable, one saddle) inside the bistable range
        fps = nj.analysis.fixed_points(model, {"x": np.mean(expected)}, bounds=WC_BOX)
        assert fps.stability == ("stable node", "saddle", "stable node")


def test_wilson_cowan_seed_parameters_have_no_fold_in_range():
    """The seed's parameters (the defaults): the scipy scan finds no fold for inputs in
    [-2, 2], and neither does continuation; one fixed point per input (a Hopf point near
    0.70 instead)."""
    with x64():
        assert wc_folds(WC_SEED) == []
        model = nj.masses.WilsonCowan(1)
        diagram = nj.analysis.continuation(model, "x", (-2.0, 2.0), bounds=WC_BOX)
        assert diagram.folds == () and len(diagram.branches) == 1
        # one fixed point per input: the branch is monotone in the input, and every point
        # lies on the scipy curve, I_x(x*) = input
        branch = diagram.branches[0]
        assert np.all(np.diff(branch.parameter) > 0)
        back = [wc_input_of_x(x, **WC_SEED) for x in branch.states[:, 0]]
        np.testing.assert_allclose(back, branch.parameter, atol=1e-8)


def test_phase_plane_of_the_bistable_wilson_cowan_node():
    """Three fixed points at input -0.5, each a root of the scipy fixed-point curve; stable
    nodes attract the trajectories; nullcline grids are the model's derivatives."""
    with x64():
        model = nj.masses.WilsonCowan(1, **WILSON_COWAN_BISTABLE)
        plane = nj.analysis.phase_plane(model, "x", "y", WC_BOX, {"x": -0.5}, resolution=41,
                                        trajectories=4, duration=40.0)
        assert plane.stability == ("stable node", "saddle", "stable node")
        for x in plane.fixed_points[:, 0]:
            np.testing.assert_allclose(wc_input_of_x(x, **WC_BISTABLE), -0.5, atol=1e-8)
        stable = plane.fixed_points[[0, 2]]
        for path in plane.trajectories:
            assert np.min(np.max(np.abs(stable - path[-1]), axis=1)) < 1e-3
        xs, ys = np.meshgrid(plane.x, plane.y)
        u = WILSON_COWAN_BISTABLE
        dx = -xs + (1 - xs) * _wc_sigmoid(u["w_ee"] * xs - u["w_ei"] * ys - 0.5, u["a_e"],
                                          u["theta_e"])
        np.testing.assert_allclose(plane.dx, dx, atol=1e-12)
        ax = nj.plot.phase_plane(plane)
        assert ax.get_xlabel() == "x" and len(ax.get_legend().get_texts()) >= 4


# ----------------------------------------------------------------------------- normal forms


def test_saddle_node_normal_form():
    with x64():
        model = SaddleNode(1)
        diagram = nj.analysis.continuation(model, "r", (-1.0, 0.5), bounds={"x": (-2.0, 2.0)})
        (fold,) = diagram.folds
        assert not diagram.hopfs
        np.testing.assert_allclose(float(fold.value), 0.0, atol=1e-10)
        np.testing.assert_allclose(float(fold["x"]), 0.0, atol=1e-6)
        fps = nj.analysis.fixed_points(model, params={"r": -1.0}, bounds={"x": (-2.0, 2.0)})
        np.testing.assert_allclose(fps["x"], [-1.0, 1.0], atol=1e-10)
        assert fps.stability == ("stable node", "unstable node")
        # the fold curve in (a, r): r = a^2 / 4, and its gradient
        curve = nj.analysis.continue_bifurcation(model, fold, "a", (-1.0, 1.0))
        a, r = curve.values[:, 1], curve.values[:, 0]
        np.testing.assert_allclose(r, a**2 / 4, atol=1e-9)
        assert a.min() <= -1.0 + 1e-6 and a.max() >= 1.0 - 1e-6
        grad = jax.grad(lambda a: nj.analysis.locate(SaddleNode(1, a=a), fold).value)(0.3)
        np.testing.assert_allclose(float(grad), 0.15, rtol=1e-8)


def test_hopf_normal_form():
    """Hopf point at mu = c, frequency w, first Lyapunov coefficient 2 l / w; d(mu_H)/dc = 1
    by implicit differentiation; a subcritical point (l > 0) is reported as such."""
    with x64():
        model = HopfNormalForm(1, c=0.3)
        box = {"x": (-1.0, 1.0), "y": (-1.0, 1.0)}
        diagram = nj.analysis.continuation(model, "mu", (-1.0, 1.0), bounds=box)
        (hopf,) = diagram.hopfs
        np.testing.assert_allclose(float(hopf.value), 0.3, atol=1e-10)
        np.testing.assert_allclose(float(hopf.frequency), 2.0, rtol=1e-10)
        np.testing.assert_allclose(float(hopf.lyapunov), 2 * -1.0 / 2.0, rtol=1e-8)
        assert hopf.criticality == "supercritical"

        def location(c):
            return nj.analysis.locate(HopfNormalForm(1, c=c), hopf).value

        np.testing.assert_allclose(float(jax.grad(location)(0.3)), 1.0, rtol=1e-10)
        sub = nj.analysis.continuation(HopfNormalForm(1, c=0.3, l=0.5, w=0.5), "mu",
                                       (-1.0, 1.0), bounds=box)
        (hopf,) = sub.hopfs
        np.testing.assert_allclose(float(hopf.lyapunov), 2 * 0.5 / 0.5, rtol=1e-8)
        assert hopf.criticality == "subcritical"


def test_classify():
    cases = {
        "stable node": [-1.0, -2.0], "stable focus": [-1 + 1j, -1 - 1j],
        "unstable node": [1.0, 3.0], "unstable focus": [0.5 + 2j, 0.5 - 2j],
        "saddle": [1.0, -1.0], "saddle-focus": [1.0, -1 + 1j, -1 - 1j],
        "centre": [1j, -1j], "non-hyperbolic": [0.0, -1.0],
    }
    for kind, eigs in cases.items():
        assert nj.analysis.classify(np.array(eigs, complex)) == kind


# ----------------------------------------------------------------------------- networks


@pytest.mark.slow
def test_network_of_two_coupled_fhn_nodes():
    """Two FHN nodes, diffusive coupling K: the in-phase mode has the single node's Hopf
    points, the anti-phase mode Hopf points where -3 a x^2 + 2 b x + g - 2K - eps/tau = 0."""
    with x64():
        k = 0.1
        net = nj.Network.from_adjacency(nj.masses.FitzHughNagumo(2), np.array([[0, 1], [1, 0.]]),
                                        coupling=nj.network.Diffusive(strength=k))
        diagram = nj.analysis.continuation(net, "x", (0.0, 2.0), bounds={
            "x[0]": (-1.0, 2.0), "x[1]": (-1.0, 2.0)}, n_starts=4)
        expected = sorted(fhn_hopf_inputs() + fhn_hopf_inputs(coupling=2 * k))
        np.testing.assert_allclose([float(p.value) for p in diagram.hopfs], expected,
                                   atol=1e-8)
        # over the coupling strength at input 1: the anti-phase mode turns stable where
        # 2K = trace of the node's Jacobian at its fixed point (x from I(x) = 1 by brentq)
        x = brentq(lambda x: 3 * x**3 - 4 * x**2 + 1.5 * x + 2 * x - 1.0, 0.0, 1.0,
                   xtol=1e-15)
        k_hopf = (-9 * x**2 + 8 * x - 1.5 - 0.025) / 2
        over_k = nj.analysis.continuation(net, "region->region.strength", (0.0, 0.5),
                                          {"x": 1.0}, bounds={"x[0]": (-1.0, 2.0),
                                                              "x[1]": (-1.0, 2.0)}, n_starts=4)
        np.testing.assert_allclose([float(p.value) for p in over_k.hopfs], [k_hopf], atol=1e-8)


# ----------------------------------------------------------------------------- plots


def test_bifurcation_plot(fhn_diagram, tmp_path):
    _, diagram = fhn_diagram
    ax = nj.plot.bifurcation(diagram, "x")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "stable equilibria" in labels and "unstable equilibria" in labels
    assert "Hopf (supercritical)" in labels
    styles = {line.get_linestyle() for line in ax.get_lines() if line.get_label() in
              ("stable equilibria", "unstable equilibria")}
    assert styles == {"-", "--"}
    assert ax.get_xlabel() == "fitz_hugh_nagumo.x (input)"
    ax.figure.savefig(tmp_path / "bifurcation.png", dpi=40)
    assert (tmp_path / "bifurcation.png").stat().st_size > 1000


# ----------------------------------------------------------------------------- bad input


def test_spiking_models_delays_and_noise_are_rejected():
    with pytest.raises(ValueError, match="spiking populations .*continuous, deterministic ODE"):
        nj.analysis.fixed_points(nj.neurons.LIF(3))
    delayed = nj.Network.from_adjacency(nj.masses.FitzHughNagumo(2), np.ones((2, 2)),
                                        delays=np.full((2, 2), 2.0),
                                        coupling=nj.network.Diffusive())
    with pytest.raises(ValueError, match="transmission delays .* without `delays`"):
        nj.analysis.continuation(delayed, "x", (0.0, 1.0))
    noisy = nj.Network({"n": nj.masses.FitzHughNagumo(1)},
                       noise={"n": nj.inputs.OUNoise(sigma=0.1)})
    with pytest.raises(ValueError, match="noise"):
        nj.analysis.phase_plane(noisy, "x", "y", FHN_BOX)


def test_unknown_names_are_explained():
    model = nj.masses.WilsonCowan(1)
    with pytest.raises(ValueError, match="unknown parameter 'thetae'.*Did you mean 'theta_e'"):
        nj.analysis.continuation(model, "thetae", (0.0, 1.0))
    with pytest.raises(ValueError, match="unknown variable 'z'"):
        nj.analysis.fixed_points(model, bounds={"z": (0.0, 1.0)})
    with pytest.raises(ValueError, match="`wilson_cowan.tau_e` must be positive"):
        nj.analysis.continuation(model, "tau_e", (-1.0, 1.0))
    with pytest.raises(TypeError, match="time-dependent.*constant inputs"):
        nj.analysis.fixed_points(model, {"x": nj.inputs.Step(1.0, onset=5.0)})
    with pytest.raises(ValueError, match="`interval` must be"):
        nj.analysis.continuation(model, "x", (1.0, -1.0))


def test_no_fixed_point_is_an_error_not_an_empty_result():
    with x64():
        model = SaddleNode(1)
        with pytest.raises(nj.analysis.NoFixedPointError, match="none of the .* starts.*r in"):
            nj.analysis.fixed_points(model, over={"r": np.linspace(0.5, 1.0, 5)},
                                     bounds={"x": (-3.0, 3.0)})
        with pytest.raises(nj.analysis.NoFixedPointError, match="continuation: found no"):
            nj.analysis.continuation(model, "r", (0.5, 1.0), bounds={"x": (-3.0, 3.0)})
        with pytest.warns(UserWarning, match="no fixed point found at 2 of 5 values"):
            fps = nj.analysis.fixed_points(model, over={"r": [-1.0, -0.5, -0.1, 0.5, 1.0]},
                                           bounds={"x": (-3.0, 3.0)})
        np.testing.assert_array_equal(fps.missing, [0.5, 1.0])
