"""Field-potential proxies: an EEG-like signal for neural masses and an LFP proxy for spiking
networks (summed synaptic currents)."""

from __future__ import annotations

from collections.abc import Mapping

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from .._trajectory import Trajectory
from ..core import as_float_array
from ..network import Network


def eeg(v_pyr: Float[ArrayLike, "time regions"],
        leadfield: Float[ArrayLike, "sensors regions"] | None = None, *,
        remove_mean: bool = True) -> Float[Array, "time sensors"]:
    """EEG-like signal of neural masses: the pyramidal-cell membrane potential (e.g.
    Jansen-Rit's `v_pyr = y1 - y2`, whose dipoles dominate the scalp EEG, Jansen & Rit
    1995), optionally projected to sensors through a lead field.

    Args:
        v_pyr: pyramidal potentials (mV), shape `(time, regions)`.
        leadfield: `(sensors, regions)` gain matrix (e.g. from a head model); default none
            (one channel per region).
        remove_mean: subtract each channel's time average (EEG amplifiers are AC-coupled).

    Returns:
        `(time, sensors)` (or `(time, regions)`), in mV times the lead field's unit.
    """
    x = as_float_array(v_pyr)
    if x.ndim != 2:
        raise ValueError(f"eeg: `v_pyr` must have shape (time, regions); got {x.shape}.")
    if leadfield is not None:
        lf = as_float_array(leadfield)
        if lf.ndim != 2 or lf.shape[1] != x.shape[1]:
            raise ValueError(f"eeg: `leadfield` has shape {lf.shape}; it must be (sensors, "
                             f"regions) = (sensors, {x.shape[1]}).")
        x = x @ lf.T
    return x - jnp.mean(x, axis=0, keepdims=True) if remove_mean else x


def _projections_into(network: Network, population: str):
    if not isinstance(network, Network):
        raise TypeError(f"lfp: `network` must be the nj.Network that was simulated; got "
                        f"{type(network).__name__}.")
    if population not in network.nodes:
        raise ValueError(f"lfp: {population!r} is not a node; nodes are "
                         f"{sorted(network.nodes)}.")
    into = [p for p in network.projections if p.post == population]
    if not into:
        raise ValueError(f"lfp: no projection ends at {population!r}; the LFP proxy sums the "
                         f"synaptic currents into it.")
    return into


def lfp_record(network: Network, population: str) -> list[str]:
    """The variables to `record` in `simulate` for `lfp(network, traj, population)`: the
    synaptic state of every projection into `population` and, for conductance-based
    outputs, its membrane potential."""
    names = []
    for proj in _projections_into(network, population):
        names += [f"{proj.name}.{v}" for v in proj.synapse.variables]
        if proj.output.needs_voltage:
            names.append(f"{population}.v")
    return list(dict.fromkeys(names))


def lfp(network: Network, traj: Trajectory, population: str, *,
        weights: Mapping[str, float] | None = None,
        delays: Mapping[str, float] | None = None) -> Float[Array, " time"]:
    r"""LFP proxy of a spiking network: the summed absolute synaptic currents into the
    neurons of `population` (Mazzoni et al. 2008),

    $$\mathrm{LFP}(t) = \sum_p w_p \sum_{i} |I_{p,i}(t - d_p)|,$$

    over the projections `p` into `population` (currents in the target's input units).
    The defaults `w_p = 1`, `d_p = 0` give Mazzoni et al. (2008); their later reference
    weighted sum (Mazzoni et al. 2015) is `weights={ampa: 1, gaba: -1.65}`,
    `delays={ampa: 6.0}` (ms).

    Args:
        network: the simulated `Network`.
        traj: its trajectory, with the variables of `lfp_record(network, population)`
            recorded at every sample.
        population: the node whose synaptic inputs make the field (pyramidal cells).
        weights: projection name -> weight (default 1).
        delays: projection name -> delay (ms), a multiple of the sampling interval
            (default 0; earlier samples are held at the first value).

    Returns:
        The LFP proxy over time, `(time,)`. Differentiable with respect to the trajectory.

    References:
        Mazzoni, Panzeri, Logothetis & Brunel (2008), PLoS Comput. Biol. 4:e1000239;
        Mazzoni et al. (2015), PLoS Comput. Biol. 11:e1004584.
    """
    into = _projections_into(network, population)
    names = {p.name for p in into}
    for what, table in (("weights", weights), ("delays", delays)):
        unknown = set(table or {}) - names
        if unknown:
            raise ValueError(f"lfp: `{what}` names {sorted(unknown)}, which are not projections "
                             f"into {population!r} ({sorted(names)}).")
    missing = [n for n in lfp_record(network, population) if n not in traj]
    if missing:
        raise ValueError(f"lfp: the trajectory lacks {missing}; simulate with "
                         f"record=nj.observe.lfp_record(network, {population!r}) (plus "
                         f"anything else you need).")
    total = 0.0
    for proj in into:
        state = {proj.name: {v: traj[f"{proj.name}.{v}"] for v in proj.synapse.variables}}
        if proj.output.needs_voltage:
            state[population] = {"v": traj[f"{population}.v"]}
        current = jax.vmap(lambda s, p=proj: network._synaptic_current(p, s))(state)
        summed = jnp.sum(jnp.abs(current), axis=-1)
        shift = 0
        if delays and proj.name in delays:
            step = float(traj.ts[1] - traj.ts[0])
            shift = int(round(float(delays[proj.name]) / step))
            if shift < 0 or not np.isclose(shift * step, float(delays[proj.name]), rtol=1e-6):
                raise ValueError(f"lfp: the delay of {proj.name!r} ({delays[proj.name]} ms) "
                                 f"must be a non-negative multiple of the sampling interval "
                                 f"({step:g} ms).")
            summed = jnp.concatenate([jnp.full((shift,), summed[0]), summed])[:summed.shape[0]]
        total = total + (1.0 if weights is None else weights.get(proj.name, 1.0)) * summed
    return total
