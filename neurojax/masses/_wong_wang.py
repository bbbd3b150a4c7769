"""Reduced Wong-Wang model with excitatory and inhibitory pools (Deco et al. 2014)."""

import equinox as eqx

from ..core import Dynamics, initial, nonnegative, param, positive, x_over_one_minus_exp

_HZ_TO_PER_MS = 1e-3


def _transfer(current, a, b, d):
    """`H(I) = (a I - b) / (1 - exp(-d (a I - b)))` in Hz, finite at `a I = b` (= 1/d)."""
    return x_over_one_minus_exp(d * (a * current - b)) / d


class WongWang(Dynamics):
    r"""Reduced Wong-Wang excitatory-inhibitory model, vectorised over `size` nodes.

    $$I_E = W_E I_0 + w_+ J_{NMDA} S_E - J_i S_I + I_e, \qquad
      I_I = W_I I_0 + J_{NMDA} S_E - S_I + I_i$$
    $$r_k = H_k(I_k) = \frac{a_k I_k - b_k}{1 - e^{-d_k (a_k I_k - b_k)}}$$
    $$\dot S_E = -\frac{S_E}{\tau_E} + (1 - S_E)\, \gamma\, r_E, \qquad
      \dot S_I = -\frac{S_I}{\tau_I} + r_I$$

    Synaptic gating `s_e` (NMDA) and `s_i` (GABA) in [0, 1]; currents in nA, rates in Hz,
    time in ms: the rates enter the gating equations converted to 1/ms (`r / 1000`), as in
    TVB's `ReducedWongWangExcInh` (`gamma_e = 0.641/1000`, `gamma_i = 1/1000`). Nodes couple
    through `s_e` into port `i_e` (`nj.network.Linear` with strength `G J_NMDA`).

    Args:
        size: number of nodes.
        a_e, a_i: gains of the E and I transfer functions (1/nC, i.e. Hz/nA).
        b_e, b_i: thresholds of the transfer functions (Hz).
        d_e, d_i: curvatures of the transfer functions (s).
        gamma: kinetic factor of NMDA gating (dimensionless).
        tau_e, tau_i: NMDA and GABA decay times (ms).
        w_e, w_i: scalings of the background current for E and I.
        i_0: background current (nA).
        w_plus: local excitatory recurrence.
        j_nmda: excitatory synaptic coupling (nA).
        j_i: inhibitory synaptic coupling onto E (nA).
        s_e_init, s_i_init: initial values (number, array or `nj.init` initialiser).

    Input ports: `i_e` and `i_i` (nA), added to `I_E` and `I_I`.

    Observables: the states and the rates `r_e`, `r_i` (Hz). Observables see the state only,
    so these rates leave out the port inputs (they are exact without external input).

    References:
        Deco, Ponce-Alvarez, Hagmann, Romani, Mantini & Corbetta (2014), J. Neurosci.
        34:7886; Wong & Wang (2006), J. Neurosci. 26:1314.
    """

    size: int = eqx.field(static=True)
    a_e: float = param(310.0, constraint=positive, unit="1/nC")
    b_e: float = param(125.0, unit="Hz")
    d_e: float = param(0.16, constraint=positive, unit="s")
    a_i: float = param(615.0, constraint=positive, unit="1/nC")
    b_i: float = param(177.0, unit="Hz")
    d_i: float = param(0.087, constraint=positive, unit="s")
    gamma: float = param(0.641, constraint=nonnegative)
    tau_e: float = param(100.0, constraint=positive, unit="ms")
    tau_i: float = param(10.0, constraint=positive, unit="ms")
    w_e: float = param(1.0, constraint=nonnegative)
    w_i: float = param(0.7, constraint=nonnegative)
    i_0: float = param(0.382, unit="nA")
    w_plus: float = param(1.4, constraint=nonnegative)
    j_nmda: float = param(0.15, constraint=nonnegative, unit="nA")
    j_i: float = param(1.0, constraint=nonnegative, unit="nA")
    s_e_init: float = initial(0.0)
    s_i_init: float = initial(0.0)

    variables = ("s_e", "s_i")
    inputs = ("i_e", "i_i")

    def rates(self, state, drive=None):
        """The firing rates `(r_e, r_i)` (Hz) for `state`, with the port inputs in `drive`
        (nA; none if omitted)."""
        s_e, s_i = state["s_e"], state["s_i"]
        drive = drive or {}
        i_e = (self.w_e * self.i_0 + self.w_plus * self.j_nmda * s_e - self.j_i * s_i
               + drive.get("i_e", 0.0))
        i_i = self.w_i * self.i_0 + self.j_nmda * s_e - s_i + drive.get("i_i", 0.0)
        return (_transfer(i_e, self.a_e, self.b_e, self.d_e),
                _transfer(i_i, self.a_i, self.b_i, self.d_i))

    def vector_field(self, t, state, drive, args):
        s_e, s_i = state["s_e"], state["s_i"]
        r_e, r_i = self.rates(state, drive)
        ds_e = -s_e / self.tau_e + (1.0 - s_e) * self.gamma * r_e * _HZ_TO_PER_MS
        ds_i = -s_i / self.tau_i + r_i * _HZ_TO_PER_MS
        return {"s_e": ds_e, "s_i": ds_i}

    def observables(self, state):
        r_e, r_i = self.rates(state)
        return {**state, "r_e": r_e, "r_i": r_i}
