"""Cells of `01_neural_masses_and_whole_brain.ipynb`."""

from _common import SETUP

NAME = "01_neural_masses_and_whole_brain.ipynb"
CELLS = [

    ("md", "# Neural masses and whole-brain models with neurojax\n\n"
           "Every model is an `equinox.Module`; `nj.simulate` integrates it with diffrax and "
           "returns a `Trajectory`. Time is in ms. This notebook: a Jansen-Rit column, the "
           "Wilson-Cowan model's bistability, and the seed's whole-brain model on the hcp80 "
           "connectome, with a gradient and a vmapped parameter sweep."),
    ("code", SETUP),
    ("code", "import equinox as eqx\nimport jax\nimport jax.numpy as jnp\n"
             "import matplotlib.pyplot as plt\nimport numpy as np\n\nimport neurojax as nj"),
    ("md", "## Jansen-Rit: an alpha rhythm\n\nJansen & Rit (1995), standard parameters, "
           "constant input p = 220 Hz. The pyramidal potential `v_pyr` = y1 - y2 is the "
           "EEG-like output."),
    ("code", "jr = nj.masses.JansenRit(1)\n"
             "traj = nj.simulate(jr, 1000. if QUICK else 3000., 0.1, record=['v_pyr'], "
             "sample_every=1.0)\n"
             "keep = traj.ts >= 500.\n"
             "freqs, psd = nj.analysis.power_spectrum(traj['v_pyr'][keep], traj.dt, nperseg=500)\n"
             "peak = nj.analysis.peak_frequency(freqs, psd[:, 0], fmin=1.)\n"
             "print(f'peak frequency: {peak:.1f} Hz')\n"
             "fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))\n"
             "nj.plot.traces(traj, 'v_pyr', ax=axes[0])\n"
             "nj.plot.spectrum(freqs, psd[:, 0], ax=axes[1], fmax=40.);"),
    ("md", "## Wilson-Cowan: one or two stable states\n\nTwo units of one population, one per "
           "initial condition (x, y) = (-0.2, 0) and (1, 1), at input -0.5. With the seed's "
           "parameters (w_ee=16, I->E 15, E->I 12, w_ii=3, a=1.5, theta=3; the defaults) both "
           "end in the same state: that node has a single fixed point for every input in "
           "[-2, 2] (the seed's 10 ms run only shows transients). BrainPy's phase-plane "
           "parameter set is bistable."),
    ("code", "starts = dict(x_init=np.array([-0.2, 1.]), y_init=np.array([0., 1.]))\n"
             "seed = nj.simulate(nj.masses.WilsonCowan(2, **starts), 50., 0.01,\n"
             "                   inputs={'x': -0.5})\n"
             "bistable = nj.masses.WilsonCowan(2, w_ee=12., w_ei=4., w_ie=13., w_ii=11., a_e=1.2,\n"
             "                                 theta_e=2.8, a_i=1., theta_i=4., **starts)\n"
             "both = nj.simulate(bistable, 50., 0.01, inputs={'x': -0.5})\n"
             "print('seed parameters, final x:', np.asarray(seed['x'][-1]))\n"
             "print('bistable set, final x:   ', np.asarray(both['x'][-1]))\n"
             "fig, axes = plt.subplots(1, 2, figsize=(11, 3.5), sharey=True)\n"
             "nj.plot.traces(seed, 'x', ax=axes[0]); axes[0].set_title('seed parameters')\n"
             "nj.plot.traces(both, 'x', ax=axes[1]); axes[1].set_title('bistable set');"),
    ("md", "## The whole-brain model\n\nFitzHugh-Nagumo nodes on the 80-region hcp80 "
           "connectome, diffusive coupling, delays = fibre length / 20 mm/ms, OU noise "
           "(sigma 0.01), input 0.72: the BrainPy tutorial's model. The simulated functional "
           "connectivity (FC) is compared with the 7 subjects' empirical FC."),
    ("code", "hcp = nj.datasets.hcp80()\n"
             "model = nj.masses.FitzHughNagumo(80, x_init=nj.init.Uniform(0., .05), "
             "y_init=nj.init.Uniform(0., .05))\n"
             "brain = nj.Network.from_adjacency(model, hcp.cmat, lengths=hcp.dmat, speed=20.,\n"
             "    coupling=nj.network.Diffusive(strength=1.0, variable='x'),\n"
             "    noise=nj.inputs.OUNoise(sigma=0.01))\n"
             "duration = 1500. if QUICK else 6000.\n"
             "traj = nj.simulate(brain, duration, 0.1, inputs={'x': 0.72}, record=['x'],\n"
             "                   key=jax.random.key(0), progress=not QUICK)\n"
             "transient = int(duration / 6 / 0.1)  # samples\n"
             "fc = nj.analysis.functional_connectivity(traj['x'], transient=transient)\n"
             "scores = [float(nj.analysis.fc_correlation(fc, emp)) for emp in hcp.fcs]\n"
             "print('FC correlation per subject:', np.round(scores, 2))\n"
             "print('mean:', round(np.mean(scores), 2))\n"
             "nj.plot.whole_brain_summary(traj, 'x', fc_empirical=hcp.fc, "
             "transient=duration / 6);"),
    ("md", "## Gradients through the solver\n\nThe FC fit is differentiable: here the gradient "
           "of the FC correlation with the mean empirical FC with respect to the global coupling "
           "strength and the conduction speed (delays are interpolated between steps)."),
    ("code", "def fc_score(strength, speed, duration=300. if QUICK else 1000.):\n"
             "    net = eqx.tree_at(lambda b: (b.edges[0].coupling.strength, b.edges[0].speed),\n"
             "                      brain, (strength, speed))\n"
             "    x = nj.simulate(net, duration, 0.1, inputs={'x': 0.72}, record=['x'],\n"
             "                    key=jax.random.key(0))['x']\n"
             "    fc = nj.analysis.functional_connectivity(x, transient=int(duration / 3 / 0.1))\n"
             "    return nj.analysis.fc_correlation(fc, hcp.fc)\n"
             "value, grads = jax.value_and_grad(fc_score, argnums=(0, 1))(1.0, 20.0)\n"
             "print(f'score {value:.3f}; d/dstrength {grads[0]:.4f}, d/dspeed {grads[1]:.5f}')"),
    ("md", "## A parameter sweep in one compiled call\n\n`eqx.filter_vmap` over the coupling "
           "strength runs the whole sweep as one batched simulation."),
    ("code", "strengths = jnp.linspace(0.2, 1.6, 4 if QUICK else 16)\n"
             "sweep = eqx.filter_jit(eqx.filter_vmap(lambda s: fc_score(s, 20.0)))\n"
             "scores = sweep(strengths)\n"
             "plt.plot(strengths, scores, 'o-'); plt.xlabel('global coupling strength');\n"
             "plt.ylabel('FC correlation (mean empirical FC)');"),
]
