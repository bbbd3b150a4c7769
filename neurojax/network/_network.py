"""`Network`: named populations (nodes) and the connections between them."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..core import Dynamics
from ..core._spiking import SpikingDynamics
from ..inputs import AbstractNoise, OUNoise, WhiteNoise
from ._connection import Connection
from ._coupling import AbstractCoupling
from ._graded import AbstractGradedEdge
from ._history import History, delayed_sum, read_delayed, weighted_sum
from ._projection import Projection


def _suggest(name: str, options) -> str:
    options = list(options)
    lower = {o.lower(): o for o in options}
    close = [lower[c] for c in difflib.get_close_matches(name.lower(), list(lower), n=3)]
    return f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def _observable_names(node: Dynamics) -> tuple[str, ...]:
    zeros = {v: jax.ShapeDtypeStruct((node.size,), jnp.result_type(float)) for v in node.variables}
    return tuple(jax.eval_shape(node.observables, zeros))


class Network(eqx.Module):
    """Named populations and the connections between them; the state of the network is the
    dict of the populations' states (`state[node][variable]`).

    Args:
        nodes: node name -> population (`Dynamics`). Names may not contain dots.
        edges: `Connection`s, `Projection`s and graded edges (`AbstractGradedEdge`, e.g.
            `nj.compartments.Glutamatergic`) between the nodes.
        noise: node name -> noise source (`nj.inputs.OUNoise` or `WhiteNoise`).
        key: PRNG key for random connectivity of `Projection`s that have none of their own.
    """

    nodes: dict[str, Dynamics]
    edges: tuple[Connection, ...]
    noise: dict[str, AbstractNoise]
    projections: tuple[Projection, ...]
    graded: tuple[AbstractGradedEdge, ...]

    def __init__(self, nodes: Mapping[str, Dynamics],
                 edges: Sequence[Connection | Projection] = (),
                 noise: Mapping[str, AbstractNoise] | None = None, *,
                 key: jax.Array | None = None):
        if not isinstance(nodes, Mapping) or not nodes:
            raise TypeError("Network: `nodes` must be a non-empty dict of name -> model.")
        for name, node in nodes.items():
            if not isinstance(name, str) or not name or "." in name:
                raise ValueError(f"Network: node names must be non-empty strings without dots; "
                                 f"got {name!r}.")
            if not isinstance(node, Dynamics):
                raise TypeError(f"Network: node {name!r} must be a neurojax model (Dynamics); "
                                f"got {type(node).__name__}.")
        self.nodes = dict(nodes)
        self.edges = tuple(e for e in edges
                           if not isinstance(e, Projection | AbstractGradedEdge))
        self.graded = tuple(e for e in edges if isinstance(e, AbstractGradedEdge))
        self.noise = dict(noise or {})
        for edge in self.edges:
            self._check_edge(edge)
        projections = [e for e in edges if isinstance(e, Projection)]
        keys = [None] * len(projections)
        if key is not None and projections:
            # One key per projection, unstacked on the host (no device op to compile).
            data = np.asarray(jax.random.key_data(jax.random.split(key, len(projections))))
            keys = [jax.random.wrap_key_data(k, impl=jax.random.key_impl(key)) for k in data]
        self.projections = tuple(self._build_projection(p, k)
                                 for p, k in zip(projections, keys, strict=True))
        for edge in self.graded:
            edge.check(self._node(edge.pre, "edge source"), self._node(edge.post, "edge target"))
            if edge.port is not None and edge.port not in self.nodes[edge.post].inputs:
                raise ValueError(f"Network: edge {edge.name} drives port {edge.port!r}, but "
                                 f"{type(self.nodes[edge.post]).__name__} has input ports "
                                 f"{self.nodes[edge.post].inputs}.")
        names = [p.name for p in self.projections] + [e.name for e in self.graded]
        clash = {n for n in names if names.count(n) > 1 or n in self.nodes}
        if clash:
            raise ValueError(f"Network: projection or edge names {sorted(clash)} repeat or equal "
                             f"a node name; give each projection or edge a distinct `name=`.")
        for name, source in self.noise.items():
            self._check_noise(name, source)

    def _node(self, name: str, role: str) -> Dynamics:
        if name not in self.nodes:
            raise ValueError(f"Network: {role} {name!r} is not a node; nodes are "
                             f"{sorted(self.nodes)}.{_suggest(name, self.nodes)}")
        return self.nodes[name]

    def _check_edge(self, edge: Connection) -> None:
        if not isinstance(edge, Connection):
            raise TypeError(f"Network: edges must be nj.network.Connection objects; got "
                            f"{type(edge).__name__}.")
        src = self._node(edge.source, "connection source")
        tgt = self._node(edge.target, "connection target")
        label = f"connection {edge.source}->{edge.target}"
        if (edge.n_target, edge.n_source) != (tgt.size, src.size):
            raise ValueError(f"Network: {label} has weights of shape "
                             f"{(edge.n_target, edge.n_source)}, but the populations have "
                             f"sizes ({tgt.size}, {src.size}); pass a matrix of shape "
                             f"(target size, source size) = ({tgt.size}, {src.size}).")
        var = edge.coupling.variable
        for node, side in ((src, "source"),) + (((tgt, "target"),)
                                                if edge.coupling.uses_target else ()):
            names = _observable_names(node)
            if var not in names:
                raise ValueError(f"Network: {label} reads {var!r} from its {side} "
                                 f"{type(node).__name__}, which has observables {names}; set "
                                 f"the coupling's `variable`.{_suggest(var, names)}")
        port = edge.coupling.port
        if port is not None and port not in tgt.inputs:
            raise ValueError(f"Network: {label} drives port {port!r}, but "
                             f"{type(tgt).__name__} has input ports {tgt.inputs}.")

    def _build_projection(self, proj: Projection, key) -> Projection:
        pre = self._node(proj.pre, "projection source")
        post = self._node(proj.post, "projection target")
        if not isinstance(pre, SpikingDynamics):
            raise ValueError(f"Network: projection {proj.name} starts at {proj.pre!r}, a "
                             f"{type(pre).__name__}, which does not spike; use a Connection "
                             f"for rate models.")
        if not post.inputs:
            raise ValueError(f"Network: projection {proj.name} targets {proj.post!r}, a "
                             f"{type(post).__name__}, which has no input port (a spike source); "
                             f"project onto a population of neurons instead.")
        port = proj.port or post.inputs[0]
        if port not in post.inputs:
            raise ValueError(f"Network: projection {proj.name} drives port {port!r}, but "
                             f"{type(post).__name__} has input ports {post.inputs}.")
        if proj.output.needs_voltage and "v" not in post.variables:
            raise ValueError(f"Network: projection {proj.name} has a conductance-based output, "
                             f"which needs the target's membrane potential `v`; "
                             f"{type(post).__name__} has variables {post.variables}.")
        return proj if proj.built else proj.build(pre.size, post.size, key)

    def _check_noise(self, name: str, source: AbstractNoise) -> None:
        node = self._node(name, "noise target")
        if isinstance(source, OUNoise):
            for port in source.ports or ():
                if port not in node.inputs:
                    raise ValueError(f"Network: OUNoise on {name!r} names port {port!r}; "
                                     f"{type(node).__name__} has ports {node.inputs}.")
        elif isinstance(source, WhiteNoise):
            for var in self.noise_variables(name, source):
                if var not in node.variables:
                    raise ValueError(f"Network: WhiteNoise on {name!r} names variable {var!r}; "
                                     f"{type(node).__name__} has variables {node.variables}.")
        else:
            raise TypeError(f"Network: noise for {name!r} must be nj.inputs.OUNoise or "
                            f"WhiteNoise; got {type(source).__name__}.")

    # ---------------------------------------------------------------- structure
    def noise_variables(self, name: str, source: AbstractNoise | None = None) -> tuple[str, ...]:
        """The state variables of node `name` that receive Brownian increments."""
        source = self.noise.get(name) if source is None else source
        node = self.nodes[name]
        if isinstance(source, OUNoise):
            return tuple(f"{p}_ou" for p in (source.ports or node.inputs))
        if isinstance(source, WhiteNoise):
            return source.variables or tuple(p for p in node.inputs if p in node.variables)
        return ()

    @property
    def stochastic(self) -> bool:
        """Whether the network has noise (then it is an SDE)."""
        return bool(self.noise)

    @property
    def spiking(self) -> bool:
        """Whether any node spikes (then the network is integrated with a spiking solver)."""
        return any(isinstance(n, SpikingDynamics) for n in self.nodes.values())

    @property
    def delayed(self) -> bool:
        """Whether any connection has transmission delays."""
        return any(e.delayed for e in self.edges)

    def max_delay(self) -> float:
        """The longest transmission delay any connection may have (ms)."""
        return max((e.max_delay for e in self.edges if e.delayed), default=0.0)

    def delayed_sources(self) -> tuple[str, ...]:
        """`"node.variable"` of every variable read through a delay."""
        keys = {f"{e.source}.{e.coupling.variable}" for e in self.edges if e.delayed}
        return tuple(sorted(keys))

    @property
    def needs_key(self) -> bool:
        """Whether simulating needs a PRNG key (random initial values or noise)."""
        return self.stochastic or any(n.needs_key or getattr(n, "random", False)
                                      for n in self.nodes.values())

    # ---------------------------------------------------------------- state
    def init_state(self, key: jax.Array | None = None) -> dict[str, dict[str, jax.Array]]:
        """Initial state of every node, plus the noise processes (`<port>_ou`, at their mean)."""
        keys = (jax.random.split(key, len(self.nodes)) if key is not None
                else [None] * len(self.nodes))
        state = {}
        for (name, node), k in zip(self.nodes.items(), keys, strict=True):
            state[name] = node.init_state(k)
            source = self.noise.get(name)
            if isinstance(source, OUNoise):
                for var in self.noise_variables(name):
                    state[name][var] = jnp.broadcast_to(source.mean, (node.size,)).astype(
                        state[name][node.variables[0]].dtype)
            if isinstance(node, SpikingDynamics):
                state[name]["spike"] = jnp.zeros((node.size,), state[name][node.variables[0]].dtype)
        for proj in self.projections:
            side = proj.post if proj.synapse.side == "post" else proj.pre
            dtype = state[proj.post][self.nodes[proj.post].variables[0]].dtype
            state[proj.name] = proj.synapse.init_state(self.nodes[side].size, dtype)
        if self.graded:
            obs = self.observables(state)
            for edge in self.graded:
                state[edge.name] = edge.init_state(obs[edge.pre], obs[edge.post])
        return state

    def observables(self, state) -> dict[str, dict[str, jax.Array]]:
        """node -> observable name -> array, including the OU noise states."""
        out = {}
        for name, node in self.nodes.items():
            own = {v: state[name][v] for v in node.variables}
            out[name] = {**node.observables(own),
                         **{k: v for k, v in state[name].items() if k not in own}}
        for proj in self.projections:
            out[proj.name] = dict(state[proj.name])
        for edge in self.graded:
            if edge.name in state:
                out[edge.name] = dict(state[edge.name])
        return out

    # ---------------------------------------------------------------- dynamics
    def drift(self, t, state, inputs: Mapping[str, Any], history: History | None = None, *,
              ignore_delays: bool = False):
        """Time derivatives of the whole network state.

        Args:
            t: time (ms).
            state: `state[node][variable]`.
            inputs: `"node.port"` -> input object (callable of t).
            history: delay buffers (required if any connection is delayed).
            ignore_delays: read delayed connections at the current time instead (used only to
                get the structure of the output).
        """
        obs = self.observables(state)
        # Shaped like the state: (size,), or (size, batch) in batch-minor sweeps.
        drive = {name: {p: jnp.zeros_like(state[name][node.variables[0]]) for p in node.inputs}
                 for name, node in self.nodes.items()}
        for key, source in inputs.items():
            node, port = key.split(".", 1)
            drive[node][port] = drive[node][port] + source(t)
        for i, edge in enumerate(self.edges):
            coupling: AbstractCoupling = edge.coupling
            delayed = edge.delayed and not ignore_delays
            if delayed and history is None:
                raise ValueError("Network.drift: this network has delays; integrate it with "
                                 "a neurojax delay solver (nj.solvers.Euler).")
            if delayed and coupling.linear:  # weighted and summed where the rows are read
                target = obs[edge.target][coupling.variable]
                weight_sum = weighted_sum(edge.weights, jnp.ones_like(edge.weights))
                weight_sum = weight_sum.reshape((-1,) + (1,) * (target.ndim - 1))
                summed = coupling.summed_input(delayed_sum(history, i, edge), weight_sum,
                                               target)
            else:
                pre_value = (read_delayed(history, i, edge) if delayed
                             else obs[edge.source][coupling.variable][edge.pre])
                post_value = (obs[edge.target][coupling.variable][:, None]
                              if coupling.uses_target else None)
                summed = weighted_sum(edge.weights, coupling.edge_input(pre_value, post_value))
            port = coupling.port or self.nodes[edge.target].inputs[0]
            drive[edge.target][port] = drive[edge.target][port] + coupling.strength * summed
        for proj in self.projections:
            port = proj.port or self.nodes[proj.post].inputs[0]
            drive[proj.post][port] = drive[proj.post][port] + self._synaptic_current(proj, state)
        for edge in self.graded:
            port = edge.port or self.nodes[edge.post].inputs[0]
            drive[edge.post][port] = drive[edge.post][port] + edge.current(
                state[edge.name], obs[edge.pre], obs[edge.post])
        for name, source in self.noise.items():
            if isinstance(source, OUNoise):
                for port in source.ports or self.nodes[name].inputs:
                    drive[name][port] = drive[name][port] + state[name][f"{port}_ou"]
        deriv = {}
        for name, node in self.nodes.items():
            own = {v: state[name][v] for v in node.variables}
            deriv[name] = dict(node.vector_field(t, own, drive[name], None))
            source = self.noise.get(name)
            if isinstance(source, OUNoise):
                for var in self.noise_variables(name):
                    deriv[name][var] = (source.mean - state[name][var]) / source.tau
            if isinstance(node, SpikingDynamics):
                deriv[name]["spike"] = jnp.zeros_like(state[name]["spike"])
        for proj in self.projections:
            deriv[proj.name] = dict(proj.synapse.vector_field(state[proj.name]))
        for edge in self.graded:
            deriv[edge.name] = dict(edge.vector_field(state[edge.name], obs[edge.pre],
                                                      obs[edge.post]))
        return deriv

    def _synaptic_current(self, proj: Projection, state) -> jax.Array:
        """The current `proj` drives into its target now (units of the target's port)."""
        g = proj.synapse.conductance(state[proj.name])
        if proj.synapse.side == "pre":  # per-source gating: weight and sum per target
            if proj.delivery == "dense":
                g = proj.dense_product(g)
            else:
                syn = proj.synapses
                weighted = g[:, None] if syn.weights is None else syn.weights * g[:, None]
                g = proj.weight * jnp.zeros((syn.n_post + 1,), g.dtype).at[syn.targets].add(
                    jnp.broadcast_to(weighted, syn.targets.shape))[: syn.n_post]
        v = state[proj.post]["v"] if proj.output.needs_voltage else None
        return proj.output.current(g, v)

    def fire(self, state, key: jax.Array | None = None):
        """Thresholds and resets every spiking node; its spikes go to `state[node]["spike"]`."""
        state = dict(state)
        spiking = [n for n, m in self.nodes.items() if isinstance(m, SpikingDynamics)]
        keys = (jax.random.split(key, len(spiking)) if key is not None
                else [None] * len(spiking))
        for name, k in zip(spiking, keys, strict=True):
            node = self.nodes[name]
            own = {v: state[name][v] for v in node.variables}
            new, spike = node.threshold_and_reset(own, k)
            state[name] = {**state[name], **new, "spike": spike}
        return state

    def noise_shape(self, dtype) -> dict[str, dict[str, jax.ShapeDtypeStruct]]:
        """Structure of the Brownian increments: node -> noisy variable -> shape."""
        return {name: {v: jax.ShapeDtypeStruct((self.nodes[name].size,), dtype)
                       for v in self.noise_variables(name)} for name in self.noise}

    def add_noise(self, state, increments):
        """`state + sigma * dW` for every noisy variable (additive noise)."""
        state = {name: dict(s) for name, s in state.items()}
        for name, source in self.noise.items():
            for var, dw in increments[name].items():
                state[name][var] = state[name][var] + source.sigma * dw
        return state

    # ---------------------------------------------------------------- builders
    @classmethod
    def from_adjacency(cls, model: Dynamics, weights, *, coupling: AbstractCoupling,
                       delays=None, lengths=None, speed=None, max_delay: float | None = None,
                       noise: AbstractNoise | None = None, name: str = "region") -> Network:
        """A network of `model.size` coupled units (e.g. brain regions) from a weight matrix.

        Args:
            model: the population, one unit per region (e.g. `FitzHughNagumo(80)`).
            weights: `(n, n)` matrix; `weights[i, j]` couples unit j onto unit i.
            coupling: how activity becomes input (`Linear`, `Diffusive`, `Sigmoidal`, ...).
            delays: `(n, n)` transmission delays (ms); or
            lengths, speed: fibre lengths (mm) and conduction speed (mm/ms = m/s).
            max_delay: history length (ms), if delays may grow during fitting.
            noise: noise on the population (`OUNoise` or `WhiteNoise`).
            name: the node name (record variables as `"region.x"` or just `"x"`).
        """
        n = model.size
        shape = np.shape(weights)
        if shape != (n, n):
            raise ValueError(f"Network.from_adjacency: `weights` has shape {shape}, but the model "
                             f"has {n} units; pass an ({n}, {n}) matrix or a model of size "
                             f"{shape[0] if shape else '?'}.")
        edge = Connection(name, name, coupling, weights, delays=delays, lengths=lengths,
                          speed=speed, max_delay=max_delay)
        return cls({name: model}, [edge], {name: noise} if noise is not None else None)

    @classmethod
    def from_graph(cls, graph, *, coupling: AbstractCoupling, weight: str = "weight",
                   delay: str = "delay", length: str = "length", speed=None,
                   noise: Mapping[str, AbstractNoise] | None = None) -> Network:
        """A network from a `networkx.DiGraph` whose nodes carry models and edges weights.

        Each graph node needs the attribute `model` (a population, e.g. `JansenRit(1)`); an
        edge u -> v couples every unit of u onto every unit of v with its `weight` (a number or
        a `(size_v, size_u)` matrix), an optional `delay` (ms) or `length` (mm, with `speed`
        in mm/ms), and an optional `coupling` overriding the default.
        """
        nodes = {}
        for node, data in graph.nodes(data=True):
            if "model" not in data:
                raise ValueError(f"Network.from_graph: graph node {node!r} has no `model` "
                                 f"attribute; set graph.nodes[{node!r}]['model'] = a population.")
            nodes[str(node)] = data["model"]
        edges = []
        for u, v, data in graph.edges(data=True):
            shape = (nodes[str(v)].size, nodes[str(u)].size)
            w = np.broadcast_to(np.asarray(data.get(weight, 1.0), dtype=float), shape)
            kwargs = {}
            if delay in data:
                kwargs["delays"] = np.broadcast_to(np.asarray(data[delay], dtype=float), shape)
            elif length in data:
                kwargs["lengths"] = np.broadcast_to(np.asarray(data[length], dtype=float), shape)
                kwargs["speed"] = speed
            edges.append(Connection(str(u), str(v), data.get("coupling", coupling), w, **kwargs))
        return cls(nodes, edges, noise)
