"""Bundled examples: neural masses and the whole-brain model."""

from __future__ import annotations

import numpy as np

from .. import analysis, datasets, init, inputs, masses, network, plot
from .._simulate import simulate
from ._registry import Example


def _jansen_rit(duration, dt, key, progress):
    model = masses.JansenRit(1)
    return simulate(model, duration, dt, record=["v_pyr"], progress=progress,
                    sample_every=1.0)


def _jansen_rit_figure(traj):
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6), width_ratios=(2, 1))
    plot.traces(traj, "v_pyr", ax=left)
    left.set_title("Jansen-Rit (1995), p = 220 Hz: pyramidal potential")
    left.set_ylabel("v_pyr = y1 - y2 (mV)")
    keep = traj.ts >= 500.0
    freqs, psd = analysis.power_spectrum(traj["v_pyr"][keep], traj.dt, nperseg=1024)
    plot.spectrum(freqs, psd[:, 0], ax=right, fmax=40.0)
    peak = float(analysis.peak_frequency(freqs, psd[:, 0], fmin=1.0))
    right.axvline(peak, color="0.5", ls=":")
    right.set_title(f"Power spectrum (peak {peak:.1f} Hz)")
    right.set_ylabel("PSD (mV² / Hz)")
    fig.tight_layout()
    return fig, {"peak_frequency_hz": peak}


#: A bistable Wilson-Cowan node (BrainPy's phase-plane example). With the seed's weights
#: (the defaults) the node has a single fixed point for every input in [-2, 2].
WILSON_COWAN_BISTABLE = dict(w_ee=12.0, w_ei=4.0, w_ie=13.0, w_ii=11.0, a_e=1.2, theta_e=2.8,
                             a_i=1.0, theta_i=4.0)


def _wilson_cowan(duration, dt, key, progress):
    # The seed's two initial conditions as two units of one population.
    model = masses.WilsonCowan(2, x_init=np.array([-0.2, 1.0]), y_init=np.array([0.0, 1.0]),
                               **WILSON_COWAN_BISTABLE)
    return simulate(model, duration, dt, inputs={"x": -0.5}, progress=progress)


def _wilson_cowan_figure(traj):
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    for unit, start in enumerate(("(-0.2, 0.0)", "(1.0, 1.0)")):
        left.plot(traj.ts, traj["x"][:, unit], label=f"E from {start}")
        left.plot(traj.ts, traj["y"][:, unit], ls="--", label=f"I from {start}")
        right.plot(traj["x"][:, unit], traj["y"][:, unit], label=f"from {start}")
        right.plot(traj["x"][-1, unit], traj["y"][-1, unit], "ko")
    left.set(xlabel="time (ms)", ylabel="activity",
             title="Wilson-Cowan (BrainPy phase-plane set), input -0.5: bistable")
    left.legend(fontsize=8)
    right.set(xlabel="x (excitatory)", ylabel="y (inhibitory)", title="Phase plane")
    right.legend(fontsize=8)
    fig.tight_layout()
    final = np.asarray(traj["x"][-1])
    return fig, {"x_final_low": float(final.min()), "x_final_high": float(final.max())}


def whole_brain_fhn(key_noise: float = 0.01, strength: float = 1.0, speed: float = 20.0):
    """The seed's whole-brain model: FitzHugh-Nagumo on hcp80, diffusive coupling, delays =
    fibre length / `speed` (mm/ms), OU noise `key_noise` on both ports."""
    hcp = datasets.hcp80()
    model = masses.FitzHughNagumo(hcp.n_regions, x_init=init.Uniform(0.0, 0.05),
                                  y_init=init.Uniform(0.0, 0.05))
    return network.Network.from_adjacency(
        model, hcp.cmat, lengths=hcp.dmat, speed=speed,
        coupling=network.Diffusive(strength=strength, variable="x"),
        noise=inputs.OUNoise(sigma=key_noise))


def _whole_brain(duration, dt, key, progress):
    return simulate(whole_brain_fhn(), duration, dt, inputs={"x": 0.72}, record=["x"], key=key,
                    progress=progress)


def _whole_brain_figure(traj):
    hcp = datasets.hcp80()
    transient = min(1000.0, 0.2 * float(traj.ts[-1]))  # ms
    fc = analysis.functional_connectivity(traj["x"], transient=int(transient / traj.dt))
    scores = [float(analysis.fc_correlation(fc, emp)) for emp in hcp.fcs]
    fig = plot.whole_brain_summary(traj, "x", fc_empirical=hcp.fc, transient=transient)
    return fig, {"fc_correlation_mean": float(np.mean(scores)),
                 "fc_correlation_min": float(np.min(scores)),
                 "fc_correlation_max": float(np.max(scores))}


EXAMPLES = (
    Example("jansen-rit", "Jansen-Rit neural mass at p = 220 Hz: alpha rhythm and spectrum",
            2000.0, 0.1, _jansen_rit, _jansen_rit_figure),
    Example("wilson-cowan", "Wilson-Cowan (bistable set): two stable states at input -0.5",
            50.0, 0.01, _wilson_cowan, _wilson_cowan_figure),
    Example("whole-brain-fhn", "FitzHugh-Nagumo on the hcp80 connectome with delays and OU "
            "noise (the seed's whole-brain model), FC vs empirical FC",
            6000.0, 0.1, _whole_brain, _whole_brain_figure),
)
