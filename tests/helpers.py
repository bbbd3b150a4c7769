"""Shared test helpers: tolerant tree comparison, finite differences, the model registries."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import neurojax as nj


def tree_allclose(a, b, *, rtol: float, atol: float) -> bool:
    """True if two pytrees have the same structure and all leaves are close."""
    la, ta = jax.tree.flatten(a)
    lb, tb = jax.tree.flatten(b)
    return ta == tb and all(np.allclose(np.asarray(x), np.asarray(y), rtol=rtol, atol=atol)
                            for x, y in zip(la, lb, strict=True))


def central_difference(f, x: float, h: float) -> float:
    """Central finite difference of a scalar function (use float64)."""
    return (float(f(x + h)) - float(f(x - h))) / (2 * h)


def x64():
    """Context manager enabling float64 for a test."""
    return jax.enable_x64(True)


#: Every neural mass, as (factory of a small population, inputs that make it do something).
#: The factory takes the population size. Contract tests in test_masses.py run over all of them.
MASSES = [
    (lambda n: nj.masses.FitzHughNagumo(n), {"x": 1.0}),
    (lambda n: nj.masses.WilsonCowan(n), {"x": 1.5}),
    (lambda n: nj.masses.JansenRit(n), {"p": 20.0}),
    (lambda n: nj.masses.LarterBreakspear(n), {"q": 0.2}),
    (lambda n: nj.masses.Montbrio(n), {"v": 0.5}),
    (lambda n: nj.masses.HopfOscillator(n), {"x": 0.01}),
    (lambda n: nj.masses.Kuramoto(n), {"theta": 0.01}),
    (lambda n: nj.masses.WongWang(n), {"i_e": 0.1}),
]

__all__ = ["MASSES", "central_difference", "jnp", "tree_allclose", "x64"]
