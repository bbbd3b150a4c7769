"""Fitting benchmark: gradient steps, NUTS samples and the memory of gradients through long solves.

Every measurement runs in its own process (so peak memory is its own), in float32 (the
default) unless stated; times are the best of `--repeats` calls after a warm-up call:

- `jr`: the Jansen-Rit spectrum fit: a 2 s simulation (adaptive Tsit5, rtol 1e-6, recorded
  every 1 ms), loss = distance of log power spectra (2-40 Hz) to a target, parameters
  (A, B, p). Times a forward simulation and a loss gradient (both jit-compiled, best of
  repeats), with diffrax's default checkpointing, with a checkpoint at every step and in
  forward mode (`jax.jacfwd` through a `diffrax.ForwardMode()` solve), and one step of
  `nj.fit.optimize` (its compiled step reused);
- `nuts`: NUTS on the same features with priors on (A, B, p) (float64, dense mass matrix,
  started at the truth): time per draw (warm-up included), from two runs of different
  lengths (the compile time cancels);
- `brain`: the seed's whole-brain model (FitzHugh-Nagumo on hcp80, 6,320 delayed edges, OU
  noise) for `--brain-duration` ms: forward simulation vs the gradient of an FC loss
  w.r.t. coupling strength, conduction speed and noise amplitude;
- `memory-*`: the gradient through 10,000 fixed steps (Heun, dt 0.1 ms, 1 s) of a 2,000-node
  Jansen-Rit population (12,000 state variables): peak RSS with diffrax's default
  `RecursiveCheckpointAdjoint` (about sqrt(2 n) = 141 checkpoints), with one checkpoint per
  step (`checkpoints=10000`, no recomputation), and of the forward solve alone.

Prints a table and, with `--write`, appends it to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "peers"))

from _driver import append_section  # noqa: E402

MEMORY_MODES = ("memory-forward", "memory-checkpointed", "memory-every-step")


def _best_time(fn, repeats: int) -> float:
    """The shortest of `repeats` timed calls after a warm-up call (s): on a shared machine the
    minimum is the least disturbed by other load."""
    import jax

    jax.block_until_ready(fn())
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - start)
    return min(times)


def _jr_problem(**simulate_kwargs):
    """The Jansen-Rit model, its features (log PSD 2-40 Hz) and the target features."""
    import neurojax as nj

    def features(model):
        x = nj.simulate(model, 2000.0, 0.1, record=["v_pyr"], sample_every=1.0,
                        **simulate_kwargs)["v_pyr"]
        return nj.fit.log_spectrum(x[500:, 0], 1.0, fmin=2.0, fmax=40.0, floor=1e-6)[1]

    target = features(nj.masses.JansenRit(1))
    start = nj.masses.JansenRit(1, A=3.4, B=23.0, p=200.0)
    return start, features, target


def _jr_worker(repeats: int) -> dict:
    import diffrax
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    import optax

    import neurojax as nj

    out = {"case": "Jansen-Rit spectrum fit (2 s, 3 params)"}
    for label, kwargs in (("", {}), ("_all_checkpoints", {
            "adjoint": diffrax.RecursiveCheckpointAdjoint(checkpoints=4096)})):
        model, features, target = _jr_problem(**kwargs)
        trainable = nj.fit.Trainable(model, ["A", "B", "p"])
        u0 = trainable.unconstrained(model)

        def loss(u, features=features, target=target, trainable=trainable, model=model):
            return jnp.mean((features(trainable.apply(model, u)) - target) ** 2)

        forward = eqx.filter_jit(loss)
        gradient = eqx.filter_jit(jax.value_and_grad(loss))
        out["forward_s" + label] = _best_time(lambda f=forward, u=u0: f(u), repeats)
        out["gradient_s" + label] = _best_time(lambda g=gradient, u=u0: g(u), repeats)
        out["ratio" + label] = out["gradient_s" + label] / out["forward_s" + label]
    # Forward mode: one tangent per parameter along a ForwardMode solve (`gradient="forward"`
    # of `nj.fit.optimize`).
    model, features, target = _jr_problem(adjoint=diffrax.ForwardMode())
    trainable = nj.fit.Trainable(model, ["A", "B", "p"])
    u0 = trainable.unconstrained(model)

    def loss_fwd(u):
        value = jnp.mean((features(trainable.apply(model, u)) - target) ** 2)
        return value, value

    forward = eqx.filter_jit(lambda u: loss_fwd(u)[0])
    gradient = eqx.filter_jit(jax.jacfwd(loss_fwd, has_aux=True))
    out["forward_s_forward_mode"] = _best_time(lambda: forward(u0), repeats)
    out["gradient_s_forward_mode"] = _best_time(lambda: gradient(u0), repeats)
    out["ratio_forward_mode"] = out["gradient_s_forward_mode"] / out["forward_s_forward_mode"]
    # `optimize` reuses its compiled step when called again with the same loss and optimiser.
    model, features, target = _jr_problem()
    loss_fn = lambda m: jnp.mean((features(m) - target) ** 2)  # noqa: E731
    optimizer = optax.adam(0.02)
    kwargs = dict(trainable=["A", "B", "p"], progress=False, tol=0.0, patience=1000)
    nj.fit.optimize(model, loss_fn, optimizer, steps=2, **kwargs)
    start = time.perf_counter()
    _, history = nj.fit.optimize(model, loss_fn, optimizer, steps=50, **kwargs)
    out["optimize_step_s"] = (time.perf_counter() - start) / history.steps
    return out


def _nuts_worker(short: int, long: int) -> dict:
    import jax
    import numpyro.distributions as dist

    import neurojax as nj

    jax.config.update("jax_enable_x64", True)
    model, features, target = _jr_problem()
    priors = {"A": dist.Uniform(2.6, 4.2), "B": dist.Uniform(17.0, 29.0),
              "p": dist.Uniform(120.0, 320.0)}
    times, posts = [], []
    for n in (short, long):
        start = time.perf_counter()
        posts.append(nj.fit.nuts(model, target, priors, simulator=features,
                                 likelihood=nj.fit.Gaussian(0.05), key=jax.random.key(0),
                                 num_warmup=n, num_samples=n, dense_mass=True,
                                 init={"A": 3.25, "B": 22.0, "p": 220.0}, progress=False))
        times.append(time.perf_counter() - start)
    per_draw = (times[1] - times[0]) / (2 * (long - short))
    post = posts[1]
    return {"case": f"NUTS, Jansen-Rit (A, B, p), float64, dense mass, {long}+{long} draws",
            "per_draw_s": per_draw, "compile_and_short_s": times[0],
            "tree_size": post.tree_size,
            "per_gradient_s": per_draw / post.tree_size,
            "r_hat_max": float(max(float(v.max()) for v in post.r_hat.values())),
            "divergences": post.divergences}


def _brain_worker(duration: float, repeats: int) -> dict:
    import equinox as eqx
    import jax
    import numpy as np

    import neurojax as nj
    from neurojax.examples import whole_brain_fhn

    brain = whole_brain_fhn()
    empirical = nj.datasets.hcp80().fc
    names = ["coupling.strength", "speed", "noise.sigma"]
    trainable = nj.fit.Trainable(brain, names)
    u0 = trainable.unconstrained(brain)

    def loss(u):
        traj = nj.simulate(trainable.apply(brain, u), duration, 0.1, inputs={"x": 0.72},
                           record=["x"], sample_every=1.0, key=jax.random.key(0))
        return nj.fit.fc_loss(traj["x"], empirical, transient=int(duration / 5))

    forward = eqx.filter_jit(loss)
    gradient = eqx.filter_jit(jax.value_and_grad(loss))
    fwd_s = _best_time(lambda: forward(u0), repeats)
    grad_s = _best_time(lambda: gradient(u0), repeats)
    grads = gradient(u0)[1]
    assert all(np.isfinite(float(grads[n])) for n in names)
    return {"case": f"whole brain hcp80, {duration:g} ms ({int(duration / 0.1)} steps), "
            f"FC loss, 3 params", "forward_s": fwd_s, "gradient_s": grad_s,
            "ratio": grad_s / fwd_s}


def _memory_worker(mode: str) -> dict:
    import diffrax
    import jax
    import jax.numpy as jnp

    import neurojax as nj

    model = nj.masses.JansenRit(2000, y0_init=0.1)
    adjoint = {"memory-forward": None, "memory-checkpointed": diffrax.RecursiveCheckpointAdjoint(),
               "memory-every-step": diffrax.RecursiveCheckpointAdjoint(checkpoints=10000)}[mode]

    def loss(A):
        traj = nj.simulate(nj.fit.set_params(model, {"A": A}), 1000.0, 0.1,
                           solver=diffrax.Heun(), record=["v_pyr"], sample_every=1000.0,
                           adjoint=adjoint)
        return jnp.sum(traj["v_pyr"][-1] ** 2)

    fn = jax.jit(loss) if mode == "memory-forward" else jax.jit(jax.grad(loss))
    start = time.perf_counter()
    jax.block_until_ready(fn(3.25))
    first = time.perf_counter() - start
    run_s = _best_time(lambda: fn(3.25), 2)
    return {"case": mode, "run_s": run_s, "first_call_s": first}


def _subprocess(cmd: list[str]) -> dict | None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=3600)
    except (OSError, subprocess.SubprocessError) as err:
        stderr = getattr(err, "stderr", "") or ""
        print(f"  failed {' '.join(cmd[2:])}: {err}\n{stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _table(results: dict[str, dict]) -> str:
    lines = ["| case | forward (s) | gradient (s) | gradient / forward | per optimize step (s) |",
             "| --- | --- | --- | --- | --- |"]
    for key in ("jr", "brain"):
        r = results.get(key)
        if r:
            step = f"{r['optimize_step_s']:.4f}" if "optimize_step_s" in r else "-"
            lines.append(f"| {r['case']} | {r['forward_s']:.4f} | {r['gradient_s']:.4f} | "
                         f"{r['ratio']:.2f}x | {step} |")
        if r and "ratio_all_checkpoints" in r:
            lines.append(f"| same, `RecursiveCheckpointAdjoint(checkpoints=4096)` (no "
                         f"recomputation) | {r['forward_s_all_checkpoints']:.4f} | "
                         f"{r['gradient_s_all_checkpoints']:.4f} | "
                         f"{r['ratio_all_checkpoints']:.2f}x | - |")
        if r and "ratio_forward_mode" in r:
            lines.append(f"| same, forward mode (`jax.jacfwd`, `diffrax.ForwardMode()`) | "
                         f"{r['forward_s_forward_mode']:.4f} | "
                         f"{r['gradient_s_forward_mode']:.4f} | "
                         f"{r['ratio_forward_mode']:.2f}x | - |")
    r = results.get("nuts")
    if r:
        lines += ["", "| NUTS | per draw (s) | leapfrog steps per draw | per gradient (s) | "
                  "max r_hat | divergences |", "| --- | --- | --- | --- | --- | --- |",
                  f"| {r['case']} | {r['per_draw_s']:.3f} | {r['tree_size']:.1f} | "
                  f"{r['per_gradient_s']:.4f} | {r['r_hat_max']:.3f} | {r['divergences']} |"]
    memory = [results.get(m) for m in MEMORY_MODES]
    if any(memory):
        labels = {"memory-forward": "forward solve only",
                  "memory-checkpointed": "gradient, RecursiveCheckpointAdjoint() (~141 "
                                         "checkpoints)",
                  "memory-every-step": "gradient, checkpoints=10000 (every step stored)"}
        lines += ["", "| 10,000 Heun steps, JansenRit(2000) | peak RSS (MB) | run (s) |",
                  "| --- | --- | --- |"]
        for m, r in zip(MEMORY_MODES, memory, strict=True):
            if r:
                lines.append(f"| {labels[m]} | {r['peak_rss_mb']:.0f} | {r['run_s']:.3f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--brain-duration", type=float, default=1000.0, help="ms")
    ap.add_argument("--nuts-draws", type=int, nargs=2, default=(20, 120),
                    help="warm-up (= samples) of the short and the long NUTS run")
    ap.add_argument("--only", nargs="*", help="run only these cases (jr nuts brain memory)")
    ap.add_argument("--write", action="store_true", help="append the table to RESULTS.md")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        if args.worker == "jr":
            result = _jr_worker(args.repeats)
        elif args.worker == "nuts":
            result = _nuts_worker(*args.nuts_draws)
        elif args.worker == "brain":
            result = _brain_worker(args.brain_duration, args.repeats)
        else:
            result = _memory_worker(args.worker)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    me = [sys.executable, __file__, "--repeats", str(args.repeats), "--brain-duration",
          str(args.brain_duration), "--nuts-draws", *map(str, args.nuts_draws), "--worker"]
    wanted = set(args.only or ("jr", "nuts", "brain", "memory"))
    cases = [c for c in ("jr", "nuts", "brain") if c in wanted]
    cases += list(MEMORY_MODES) if "memory" in wanted else []
    results = {}
    for case in cases:
        print(f"running {case} ...", file=sys.stderr, flush=True)
        r = _subprocess(me + [case])
        if r is not None:
            results[case] = r
    table = _table(results)
    print(table)
    if args.write:
        append_section(HERE / "RESULTS.md", "fitting.py", "CPU",
                       f"Command: `python benchmarks/fitting.py --write` (see the script's "
                       f"docstring for the workloads).\n\n{table}")


if __name__ == "__main__":
    main()
