"""Staggered exponential Euler: NEURON's second-order scheme for conductance-based models."""

from __future__ import annotations

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp

from ._euler import (
    AbstractNetworkSolver,
    NetworkSolverState,
    _events,
    _increment,
    _independent_groups,
    _unwrap,
    exponential_step,
)


def _split(net, y, voltage: str) -> tuple[list[list[int]], list[list[int]]]:
    """The groups of independent leaves (`_independent_groups`) split into membrane potentials
    (the variable `voltage` of every node that has one) and everything else."""
    leaves, treedef = jax.tree.flatten(y)
    index = jax.tree.unflatten(treedef, range(len(leaves)))
    fast = {index[name][voltage] for name in net.nodes if voltage in index[name]}
    if not fast:
        raise ValueError(f"StaggeredExponentialEuler: no node has a state variable "
                         f"{voltage!r}; pass the name of the membrane potential as "
                         f"`voltage=` (nodes have {sorted({v for n in net.nodes for v in y[n]})}"
                         f"), or use nj.solvers.ExponentialEuler().")
    groups = _independent_groups(net, y)
    potentials = [g for g in ([i for i in g if i in fast] for g in groups) if g]
    others = [g for g in ([i for i in g if i not in fast] for g in groups) if g]
    return potentials, others


class StaggeredState(eqx.Module):
    """The network solver's state and, for the extrapolation of the half-step variables to
    the integer step, their change over the last step (zero before the first)."""

    network: NetworkSolverState
    change: list


class StaggeredExponentialEuler(AbstractNetworkSolver, diffrax.AbstractItoSolver):
    r"""Staggered exponential Euler for conductance-based neurons: the gates (every variable but
    the membrane potential) live at half steps and leapfrog with the membrane potential, as in
    NEURON's fixed-step method (Hines & Carnevale, *The NEURON Book*, 2006, ch. 4, "staggered
    time steps"; Hines 1984):

    $$x_{n+1/2} = x_\infty(v_n) + (x_{n-1/2} - x_\infty(v_n))\, e^{-\Delta t/\tau(v_n)},$$
    $$v_{n+1} = v_n + f\,\Delta t\, \frac{e^{a \Delta t} - 1}{a \Delta t}, \quad
    f = \dot v(t_{n+1/2}, v_n, x_{n+1/2}),\ a = \partial \dot v / \partial v.$$

    Every update is exact with the other group frozen at the middle of its step (gates are
    linear in themselves at fixed `v`; `v` is linear in itself at fixed gates), so the scheme
    is the exponential midpoint rule for each group: second order, for one evaluation of
    the gates' kinetics and one of the currents a step. The first step advances the gates by
    `dt / 2` only, so every recorded gate, calcium or synaptic state at `t` is its value at
    `t - dt/2` (as in NEURON); `v` is at `t`.

    Other variables (calcium, synaptic activations) advance with the gates, each from its own
    value by its own rate; the kinetics that couple them (the calcium-dependent gates of
    `stg.KCa`, the calcium current's dependence on the CaT/CaS gates) are evaluated with the
    half-step variables extrapolated linearly to `t_n` from the two previous half steps, which
    keeps the scheme second order (measured on an STG burster, Prinz et al. 2003 kinetics:
    halving dt divides the spike-time errors by 4.0). Gap junctions between potentials
    advance explicitly within the `v` update (first order in the coupling). Threshold, reset
    and spike delivery follow each step as in `ExponentialEuler`.

    Cost: one evaluation of the drift and of the own rates for the gates, one for `v` (XLA
    drops the unused half of each), plus the extrapolation: 1.2-1.3x an `ExponentialEuler`
    step, mostly because the `v` update waits for the gates' (the two chains of
    exponentials and divisions run one after the other, not overlapped) (1 s at dt 0.025 ms,
    float64, one core of a 2-core CPU: classic HH 8.0 vs 6.5 ms, worst spike 0.31 vs 12 ms
    off; an STG burster 48 vs 37 ms, 0.32 vs 11 ms off).

    Args:
        voltage: the name of the membrane potential variable (default `"v"`).
    """

    voltage: str = "v"

    def order(self, terms):
        return 2

    def strong_order(self, terms):
        return 0.5

    def init(self, terms, t0, t1, y0, args):
        # (raises without a membrane potential)
        potentials, _ = _split(_unwrap(terms).network, y0, self.voltage)
        fast = {i for g in potentials for i in g}
        return StaggeredState(super().init(terms, t0, t1, y0, args),
                              [None if i in fast else jnp.zeros_like(x)
                               for i, x in enumerate(jax.tree.leaves(y0))])

    def step(self, terms, t0, t1, y0, args, solver_state, made_jump):
        terms = _unwrap(terms)
        net, dt = terms.network, t1 - t0
        state, change = solver_state.network, solver_state.change
        history = state.history
        potentials, others = _split(net, y0, self.voltage)
        leaves, treedef = jax.tree.flatten(y0)
        # The half-step variables extrapolated to t0 (from t0 - dt/2 and t0 - 3 dt/2; at the
        # second step from t0 - dt/2 and t0 - dt; none at the first), where their kinetics
        # are evaluated; each advances over [t0 - dt/2, t0 + dt/2] (the first step: over
        # [t0, t0 + dt/2]) from its own value at v(t0).
        first = state.step == 0
        weight = jnp.where(first, 0.0, jnp.where(state.step == 1, 1.0, 0.5))
        fast = {i for g in potentials for i in g}
        ahead = [x if i in fast else x + weight * d
                 for i, (x, d) in enumerate(zip(leaves, change, strict=True))]
        half = jnp.where(first, 0.5 * dt, dt)
        mid_leaves = exponential_step(lambda y: net.drift(t0, y, args, history),
                                       jax.tree.unflatten(treedef, ahead), others, half,
                                       base=leaves)
        y_mid = jax.tree.unflatten(treedef, mid_leaves)
        # v over [t0, t1] with the gates at t0 + dt/2
        mid = t0 + 0.5 * dt
        y1 = jax.tree.unflatten(treedef, exponential_step(
            lambda y: net.drift(mid, y, args, history), y_mid, potentials, dt))
        dw, noise = _increment(terms, state, t0, t1)
        if dw is not None:
            y1 = net.add_noise(y1, dw)
        y1, state = _events(terms, t0, y1, state, noise)
        # (the change of each half-step variable, carried instead of its old value: XLA
        # copies a carried value that the step overwrites, and a copy is a kernel launch)
        change = [None if i in fast else m - x
                  for i, (m, x) in enumerate(zip(mid_leaves, leaves, strict=True))]
        return (y1, None, dict(y0=y0, y1=y1), StaggeredState(state, change),
                diffrax.RESULTS.successful)
