"""BOLD signal through the Balloon-Windkessel haemodynamic model.

Use it as a differentiable transform of a recorded neural signal (`bold`, an RK4 `lax.scan`
over the samples), or as a node of a `Network` integrated with the neural dynamics
(`BalloonWindkessel`, attached with `attach_bold`).
"""

from __future__ import annotations

import functools
import math
from typing import Literal

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from ..core import Dynamics, as_float_array, initial, param, positive, unit_interval
from ..network import Connection, Linear, Network

_PER_S_TO_PER_MS = 1e-3


class BalloonWindkessel(Dynamics):
    r"""Balloon-Windkessel haemodynamics: neural activity `z` drives blood flow, volume and
    deoxyhaemoglobin, which give the BOLD signal (Friston et al. 2000; Buxton et al. 1998).

    $$\dot s = z - \kappa s - \gamma (f - 1), \qquad \dot f = s,$$
    $$\tau \dot v = f - v^{1/\alpha}, \qquad
      \tau \dot q = f \frac{1 - (1 - \rho)^{1/f}}{\rho} - v^{1/\alpha} \frac{q}{v},$$
    $$y = V_0 \left[k_1 (1 - q) + k_2 (1 - q/v) + k_3 (1 - v)\right]$$

    with the vasodilatory signal `s`, normalised inflow `f`, blood volume `v` and
    deoxyhaemoglobin content `q` (1 at rest). The rates keep the papers' units (1/s, and `tau`
    in s) and are converted to ms inside. Flow, volume and content are integrated as
    logarithms (`log_f`, `log_v`, `log_q`, as in SPM's DCM), so they stay positive.

    BOLD coefficients: `"classical"` (Friston et al. 2000, after Buxton et al. 1998):
    $k_1 = 7\rho$, $k_2 = 2$, $k_3 = 2\rho - 0.2$; `"revised"` (Stephan et al. 2007, after
    Obata et al. 2004): $k_1 = 4.3\,\vartheta_0 \rho\, T_E$, $k_2 = \epsilon\, r_0 \rho\, T_E$,
    $k_3 = 1 - \epsilon$.

    Args:
        size: number of regions.
        kappa: rate of signal decay (1/s); Friston et al. (2000): 0.65.
        gamma: rate of flow-dependent elimination (autoregulation, 1/s): 0.41.
        tau: haemodynamic transit time (s): 0.98.
        alpha: Grubb's vessel stiffness exponent: 0.32.
        rho: resting oxygen extraction fraction: 0.34.
        v0: resting venous blood volume fraction: 0.02.
        coefficients: `"classical"` or `"revised"` BOLD signal coefficients.
        te: echo time (s), revised coefficients only: 0.04.
        epsilon: ratio of intra- to extravascular signal, revised only: 1 (SPM's prior).
        theta0: frequency offset at the outer surface of magnetised vessels (1/s) at 1.5 T,
            revised only: 40.3.
        r0: slope of the intravascular relaxation rate against oxygen saturation (1/s) at
            1.5 T, revised only: 25.

    Input port: `z`, the flow-inducing neural activity (1/s); scale a model's activity to it
    (e.g. `gain` of `attach_bold`).

    Observables: `s`, `f`, `v`, `q` and `bold` (fractional signal change; x100 for percent).

    References:
        Buxton, Wong & Frank (1998), Magn. Reson. Med. 39:855; Friston, Mechelli, Turner &
        Price (2000), NeuroImage 12:466; Obata et al. (2004), NeuroImage 21:144; Stephan,
        Weiskopf, Drysdale, Robinson & Friston (2007), NeuroImage 38:387.
    """

    size: int = eqx.field(static=True)
    kappa: float = param(0.65, constraint=positive, unit="1/s")
    gamma: float = param(0.41, constraint=positive, unit="1/s")
    tau: float = param(0.98, constraint=positive, unit="s")
    alpha: float = param(0.32, constraint=positive)
    rho: float = param(0.34, constraint=unit_interval)
    v0: float = param(0.02, constraint=unit_interval)
    coefficients: Literal["classical", "revised"] = eqx.field(static=True,
                                                              default="classical")
    te: float = param(0.04, constraint=positive, unit="s")
    epsilon: float = param(1.0, constraint=positive)
    theta0: float = param(40.3, constraint=positive, unit="1/s")
    r0: float = param(25.0, constraint=positive, unit="1/s")
    s_init: float = initial(0.0)
    log_f_init: float = initial(0.0)
    log_v_init: float = initial(0.0)
    log_q_init: float = initial(0.0)

    variables = ("s", "log_f", "log_v", "log_q")
    inputs = ("z",)

    def __check_init__(self):
        if self.coefficients not in ("classical", "revised"):
            raise ValueError(f"BalloonWindkessel: `coefficients` must be 'classical' (Friston "
                             f"et al. 2000) or 'revised' (Stephan et al. 2007); got "
                             f"{self.coefficients!r}.")

    @classmethod
    def stephan2007(cls, size: int) -> BalloonWindkessel:
        """The defaults of SPM's DCM implementation of Stephan et al. (2007) (`spm_fx_fmri`,
        `spm_gx_fmri`): kappa 0.64/s, gamma 0.32/s, tau 2 s, alpha 0.32, rho 0.4, V0 0.04,
        revised coefficients at 1.5 T with TE 0.04 s and epsilon 1."""
        return cls(size, kappa=0.64, gamma=0.32, tau=2.0, alpha=0.32, rho=0.4, v0=0.04,
                   coefficients="revised")

    def vector_field(self, t, state, drive, args):
        s = state["s"]
        f, v, q = jnp.exp(state["log_f"]), jnp.exp(state["log_v"]), jnp.exp(state["log_q"])
        outflow = v ** (1.0 / self.alpha)
        extraction = (1.0 - (1.0 - self.rho) ** (1.0 / f)) / self.rho
        return {
            "s": _PER_S_TO_PER_MS * (drive["z"] - self.kappa * s - self.gamma * (f - 1.0)),
            "log_f": _PER_S_TO_PER_MS * s / f,
            "log_v": _PER_S_TO_PER_MS * (f - outflow) / (self.tau * v),
            "log_q": _PER_S_TO_PER_MS * (f * extraction - outflow * q / v) / (self.tau * q),
        }

    def signal_coefficients(self) -> tuple[jax.Array, jax.Array, jax.Array]:
        """`(k1, k2, k3)` of the BOLD signal equation."""
        if self.coefficients == "classical":
            return 7.0 * self.rho, 2.0 * jnp.ones_like(self.rho), 2.0 * self.rho - 0.2
        return (4.3 * self.theta0 * self.rho * self.te, self.epsilon * self.r0 * self.rho
                * self.te, 1.0 - self.epsilon)

    def observables(self, state):
        f, v, q = jnp.exp(state["log_f"]), jnp.exp(state["log_v"]), jnp.exp(state["log_q"])
        k1, k2, k3 = self.signal_coefficients()
        bold = self.v0 * (k1 * (1.0 - q) + k2 * (1.0 - q / v) + k3 * (1.0 - v))
        return {**state, "f": f, "v": v, "q": q, "bold": bold}


def bold(x: Float[ArrayLike, " time *regions"], dt: float, *, tr: float | None = None,
         hemodynamics: BalloonWindkessel | None = None) -> Float[Array, " volumes *regions"]:
    """The BOLD signal of a recorded neural signal, through the Balloon-Windkessel model.

    Integrates `BalloonWindkessel` from rest with the classical fourth-order Runge-Kutta
    method over the samples of `x` (step `dt`, the input linearly interpolated between
    samples), in one `lax.scan`: jit-able and differentiable with respect to `x` and the
    haemodynamic parameters.

    Args:
        x: the flow-inducing neural activity (1/s), shape `(time,)` or `(time, regions)`,
            sampled every `dt` ms (e.g. a firing rate, or a mass's activity times a gain).
        dt: sampling interval of `x` (ms); RK4 is accurate for `dt` up to ~50 ms (the
            haemodynamics are slower than ~0.5 s).
        tr: repetition time (ms): return one volume every `tr`, a multiple of `dt`
            (volume j at time j * tr). Default: every sample.
        hemodynamics: the model and its parameters (default `BalloonWindkessel` with the
            Friston et al. 2000 values).

    Returns:
        BOLD (fractional signal change), shaped like `x` along the units, one row per sample
        or per volume.
    """
    x = as_float_array(x)
    if x.ndim not in (1, 2):
        raise ValueError(f"bold: `x` must have shape (time,) or (time, regions); got {x.shape}.")
    dt = float(dt)
    if not dt > 0 or not math.isfinite(dt):
        raise ValueError(f"bold: `dt` must be a positive sampling interval (ms); got {dt}.")
    every = 1
    if tr is not None:
        every = int(round(float(tr) / dt))
        if every < 1 or not math.isclose(every * dt, float(tr), rel_tol=1e-6):
            raise ValueError(f"bold: `tr` ({tr} ms) must be a positive multiple of `dt` "
                             f"({dt} ms); resample the signal or choose tr = k * dt.")
    signal = x if x.ndim == 2 else x[:, None]
    regions = signal.shape[1]
    model = BalloonWindkessel(regions) if hemodynamics is None else hemodynamics
    if not isinstance(model, BalloonWindkessel):
        raise TypeError(f"bold: `hemodynamics` must be nj.observe.BalloonWindkessel; got "
                        f"{type(model).__name__}.")
    if model.size not in (1, regions):
        raise ValueError(f"bold: `hemodynamics` has size {model.size}, but `x` has {regions} "
                         f"regions; use BalloonWindkessel({regions}) or size 1.")
    out = _integrate(model, signal, dt)
    out = out[::every]
    return out if x.ndim == 2 else out[:, 0]


@functools.partial(jax.jit, static_argnames=("dt",))
def _integrate(model: BalloonWindkessel, z: jax.Array, dt: float) -> jax.Array:
    dtype = z.dtype
    state = {v: jnp.zeros(z.shape[1:], dtype) for v in model.variables}

    def field(state, drive):
        return model.vector_field(None, state, {"z": drive}, None)

    def rk4(state, pair):
        z0, z1 = pair
        zm = 0.5 * (z0 + z1)
        k1 = field(state, z0)
        k2 = field(jax.tree.map(lambda y, k: y + 0.5 * dt * k, state, k1), zm)
        k3 = field(jax.tree.map(lambda y, k: y + 0.5 * dt * k, state, k2), zm)
        k4 = field(jax.tree.map(lambda y, k: y + dt * k, state, k3), z1)
        new = jax.tree.map(lambda y, a, b, c, d: y + dt / 6.0 * (a + 2 * b + 2 * c + d),
                           state, k1, k2, k3, k4)
        return new, model.observables(new)["bold"]

    _, ys = jax.lax.scan(rk4, state, (z[:-1], z[1:]))
    first = model.observables(state)["bold"]
    return jnp.concatenate([first[None], ys]).astype(dtype)


def attach_bold(network: Network, source: str, variable: str, *, gain: float = 1.0,
                hemodynamics: BalloonWindkessel | None = None, name: str = "bold") -> Network:
    """`network` with a `BalloonWindkessel` node driven by each unit of `source`.

    Unit i of the new node receives `gain * variable_i(t)` at its port `z` (a `Linear`
    coupling through a one-to-one `Connection`), so BOLD is integrated with the neural
    dynamics (and sampled by `simulate`): record `f"{name}.bold"`. The gain is the
    parameter `f"{source}->{name}.coupling.strength"`, so in fitting name the network's own
    coupling in full (e.g. `"region->region.coupling.strength"`).

    Args:
        network: a `Network` (wrap a single population as `nj.Network({"name": model})`).
        source: node whose activity drives the haemodynamics.
        variable: the observable of `source` read (e.g. `"x"`, `"r"`).
        gain: scale from the variable to the flow-inducing signal (1/s per unit).
        hemodynamics: the node (default `BalloonWindkessel(size of source)`).
        name: the new node's name.
    """
    if not isinstance(network, Network):
        raise TypeError(f"attach_bold: `network` must be an nj.Network; got "
                        f"{type(network).__name__}.")
    if source not in network.nodes:
        raise ValueError(f"attach_bold: {source!r} is not a node; nodes are "
                         f"{sorted(network.nodes)}.")
    if name in network.nodes:
        raise ValueError(f"attach_bold: the network already has a node {name!r}; pass "
                         f"another `name`.")
    n = network.nodes[source].size
    node = BalloonWindkessel(n) if hemodynamics is None else hemodynamics
    if node.size != n:
        raise ValueError(f"attach_bold: `hemodynamics` has size {node.size}, but {source!r} "
                         f"has {n} units.")
    edge = Connection(source, name, Linear(strength=gain, variable=variable, port="z"),
                      np.eye(n))
    return Network({**network.nodes, name: node}, [*network.edges, edge, *network.projections],
                   dict(network.noise))
