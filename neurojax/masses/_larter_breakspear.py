"""Larter-Breakspear neural mass: a Morris-Lecar-type population with inhibitory feedback."""

import equinox as eqx
import jax.numpy as jnp

from ..core import Dynamics, initial, nonnegative, param, positive, unit_interval


def _activation(x, threshold, width):
    """`(1 + tanh((x - threshold) / width)) / 2`."""
    return 0.5 * (1.0 + jnp.tanh((x - threshold) / width))


class LarterBreakspear(Dynamics):
    r"""Larter-Breakspear neural mass, as implemented in The Virtual Brain, vectorised over
    `size` nodes.

    $$\dot V = t_s \big[-(g_{Ca} + (1 - C) r_{NMDA} a_{ee} Q_V + C r_{NMDA} a_{ee} \langle Q_V
      \rangle) m_{Ca} (V - V_{Ca}) - g_K W (V - V_K) - g_L (V - V_L)$$
    $$\qquad - (g_{Na} m_{Na} + (1 - C) a_{ee} Q_V + C a_{ee} \langle Q_V \rangle)(V - V_{Na})
      - a_{ie} Z Q_Z + a_{ne} I + I_v\big]$$
    $$\dot W = t_s\, \phi\, (m_K - W) / \tau_K, \qquad
      \dot Z = t_s\, b\, (a_{ni} I + a_{ei} V Q_V)$$
    $$m_{ion} = \tfrac12 (1 + \tanh\tfrac{V - T_{ion}}{\delta_{ion}}), \quad
      Q_V = \tfrac12 Q_{V,max} (1 + \tanh\tfrac{V - V_T}{\delta_V}), \quad
      Q_Z = \tfrac12 Q_{Z,max} (1 + \tanh\tfrac{Z - Z_T}{\delta_Z})$$

    Mean membrane potentials `v` (pyramidal) and `z` (inhibitory), fraction of open K channels
    `w`; all normalised (dimensionless), time in ms. The defaults are TVB's (`aee = 0.4`,
    `d_Z = 0.7`). Nodes couple through the mean firing rate of the others, `⟨Q_V⟩`, which
    enters through `c` (TVB's `C`): connect `q_v` to port `q` with `nj.network.Linear`.

    Args:
        size: number of nodes.
        g_ca, g_k, g_l, g_na: conductances of the Ca, K, leak and Na channels.
        v_ca, v_k, v_l, v_na: Nernst potentials of those channels.
        t_ca, t_na, t_k: thresholds of the Ca, Na and K channels.
        d_ca, d_na, d_k: widths (threshold spreads) of the Ca, Na and K channels.
        v_t, d_v: threshold and width of the excitatory firing-rate function.
        z_t, d_z: threshold and width of the inhibitory firing-rate function.
        qv_max, qz_max: maximal firing rates of the excitatory and inhibitory cells (kHz).
        a_ee, a_ei, a_ie, a_ne, a_ni: synaptic strengths E->E, E->I, I->E, input->E, input->I.
        b: time-scale factor of the inhibitory population.
        phi: temperature scaling factor of the K channels.
        tau_k: relaxation time of the K channels (ms).
        r_nmda: ratio of NMDA to AMPA receptors.
        i_ext: non-specific (subcortical) input.
        c: fraction of excitation that comes from other nodes, in [0, 1].
        t_scale: time-scale factor of the whole system.
        v_init, w_init, z_init: initial values (number, array or `nj.init` initialiser).

    Input ports: `q` (`⟨Q_V⟩`, the mean firing rate of the other nodes, kHz) and `v` (`I_v`,
    a current added to `dV/dt` inside the bracket).

    Observables: the states and `q_v` (the firing rate `Q_V`, kHz).

    References:
        Breakspear, Terry & Friston (2003), Network: Comput. Neural Syst. 14:703; Sanz Leon et
        al. (2013), The Virtual Brain, Front. Neuroinform. 7:10.
    """

    size: int = eqx.field(static=True)
    g_ca: float = param(1.1, constraint=nonnegative)
    g_k: float = param(2.0, constraint=nonnegative)
    g_l: float = param(0.5, constraint=nonnegative)
    g_na: float = param(6.7, constraint=nonnegative)
    v_ca: float = param(1.0)
    v_k: float = param(-0.7)
    v_l: float = param(-0.5)
    v_na: float = param(0.53)
    t_ca: float = param(-0.01)
    d_ca: float = param(0.15, constraint=positive)
    t_na: float = param(0.3)
    d_na: float = param(0.15, constraint=positive)
    t_k: float = param(0.0)
    d_k: float = param(0.3, constraint=positive)
    v_t: float = param(0.0)
    d_v: float = param(0.65, constraint=positive)
    z_t: float = param(0.0)
    d_z: float = param(0.7, constraint=positive)
    qv_max: float = param(1.0, constraint=nonnegative, unit="kHz")
    qz_max: float = param(1.0, constraint=nonnegative, unit="kHz")
    a_ee: float = param(0.4, constraint=nonnegative)
    a_ei: float = param(2.0, constraint=nonnegative)
    a_ie: float = param(2.0, constraint=nonnegative)
    a_ne: float = param(1.0, constraint=nonnegative)
    a_ni: float = param(0.4, constraint=nonnegative)
    b: float = param(0.1, constraint=nonnegative)
    phi: float = param(0.7, constraint=positive)
    tau_k: float = param(1.0, constraint=positive, unit="ms")
    r_nmda: float = param(0.25, constraint=nonnegative)
    i_ext: float = param(0.3)
    c: float = param(0.1, constraint=unit_interval)
    t_scale: float = param(1.0, constraint=positive)
    v_init: float = initial(0.0)
    w_init: float = initial(0.0)
    z_init: float = initial(0.0)

    variables = ("v", "w", "z")
    inputs = ("q", "v")

    def _q_v(self, v):
        return self.qv_max * _activation(v, self.v_t, self.d_v)

    def vector_field(self, t, state, drive, args):
        v, w, z = state["v"], state["w"], state["z"]
        m_ca = _activation(v, self.t_ca, self.d_ca)
        m_na = _activation(v, self.t_na, self.d_na)
        m_k = _activation(v, self.t_k, self.d_k)
        q_v = self._q_v(v)
        q_z = self.qz_max * _activation(z, self.z_t, self.d_z)
        excitation = (1.0 - self.c) * self.a_ee * q_v + self.c * self.a_ee * drive["q"]
        dv = (-(self.g_ca + self.r_nmda * excitation) * m_ca * (v - self.v_ca)
              - self.g_k * w * (v - self.v_k)
              - self.g_l * (v - self.v_l)
              - (self.g_na * m_na + excitation) * (v - self.v_na)
              - self.a_ie * z * q_z
              + self.a_ne * self.i_ext
              + drive["v"])
        dw = self.phi * (m_k - w) / self.tau_k
        dz = self.b * (self.a_ni * self.i_ext + self.a_ei * v * q_v)
        return {"v": self.t_scale * dv, "w": self.t_scale * dw, "z": self.t_scale * dz}

    def observables(self, state):
        return {**state, "q_v": self._q_v(state["v"])}
