"""A model's vector field as `f(x, p)`: a flat state vector and named parameters.

Every analysis of equilibria (fixed points, continuation, bifurcations, phase planes) works on
`f(x, p)`, where `x` is the whole state of a continuous model (a population or a mass
`Network`) raveled into one vector and `p` the values of the parameters being varied. This
module resolves parameter and variable names, checks that the model is an ODE with constant
inputs, and builds `f` from the model's own `vector_field` (through `Network.drift`).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._simulate import _resolve, as_network
from ..core import Dynamics
from ..core._params import is_concrete, parameter_fields
from ..core._spiking import SpikingDynamics
from ..inputs import Constant
from ..network import Network


def _hint(name: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=3, cutoff=0.5)
    return f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""


class ParameterRef(eqx.Module):
    """Where a named parameter lives in a network.

    Attributes:
        kind: `"field"` (a `param` field of a node), `"input"` (a constant input port) or
            `"strength"` (the coupling strength of a connection).
        node: the node (or, for `"strength"`, the index of the connection as a string).
        item: the field or port name (`"strength"` for couplings).
    """

    kind: Literal["field", "input", "strength"] = eqx.field(static=True)
    node: str = eqx.field(static=True)
    item: str = eqx.field(static=True)

    @property
    def name(self) -> str:
        """The canonical name, e.g. `"wilson_cowan.theta_e"`."""
        return f"{self.node}.{self.item}"


def _field_owners(net: Network, item: str) -> list[str]:
    return [n for n, node in net.nodes.items()
            if item in {f.name for f in parameter_fields(node)}]


def _all_parameter_names(net: Network) -> list[str]:
    names = []
    for n, node in net.nodes.items():
        names += [f"{n}.{f.name}" for f in parameter_fields(node)]
        names += [f"{n}.{p}" for p in node.inputs]
    names += [f"{e.source}->{e.target}.strength" for e in net.edges]
    return names


def resolve_parameter(net: Network, name: str, who: str = "analysis") -> ParameterRef:
    """Resolves a parameter name: `"node.field"`, `"node.port"`, `"source->target.strength"`,
    or a unique `"field"`, `"port"` or `"strength"`. A name that is both a field and an input
    port (Jansen-Rit's `p`) means the field (which adds to the port anyway)."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"{who}: parameter names must be non-empty strings; got {name!r}.")
    every = _all_parameter_names(net)
    if "->" in name:
        for i, edge in enumerate(net.edges):
            if name in (f"{edge.source}->{edge.target}.strength",
                        f"{edge.source}->{edge.target}"):
                return ParameterRef("strength", str(i), "strength")
    elif "." in name:
        node, item = name.split(".", 1)
        if node in net.nodes:
            if item in {f.name for f in parameter_fields(net.nodes[node])}:
                return ParameterRef("field", node, item)
            if item in net.nodes[node].inputs:
                return ParameterRef("input", node, item)
    else:
        owners = _field_owners(net, name)
        if len(owners) == 1:
            return ParameterRef("field", owners[0], name)
        if not owners:
            owners = [n for n, node in net.nodes.items() if name in node.inputs]
            kind = "input"
        else:
            kind = "field"
        if len(owners) == 1:
            return ParameterRef(kind, owners[0], name)
        if len(owners) > 1:
            raise ValueError(f"{who}: parameter {name!r} exists in nodes {owners}; write "
                             f"'{owners[0]}.{name}'.")
        if name == "strength" and len(net.edges) == 1:
            return ParameterRef("strength", "0", "strength")
    short = sorted({e.split(".", 1)[1] if "->" not in e else e for e in every})
    raise ValueError(f"{who}: unknown parameter {name!r}; the model's parameters and input "
                     f"ports are {short}.{_hint(name, short + every)}")


def _check_supported(net: Network, who: str) -> None:
    why = []
    if net.spiking:
        spiking = [n for n, m in net.nodes.items() if isinstance(m, SpikingDynamics)]
        why.append(f"spiking populations ({', '.join(spiking)}): threshold and reset make the "
                   f"flow discontinuous")
    if net.projections:
        why.append("spiking projections")
    if net.delayed:
        why.append(f"transmission delays (on {', '.join(net.delayed_sources())}): a delay "
                   f"equation has an infinite-dimensional state")
    if net.stochastic:
        why.append(f"noise (on {', '.join(net.noise)})")
    if why:
        raise ValueError(
            f"{who}: this model has {'; '.join(why)}. Fixed points, continuation and phase "
            f"planes need a continuous, deterministic ODE: a neural mass or other continuous "
            f"population, or an nj.Network of them joined by Connections without delays, and "
            f"no noise. Build the network without `delays`/`lengths` and without `noise` to "
            f"analyse its deterministic, instantaneous skeleton.")


def _as_constant(name: str, value: Any, size: int, who: str) -> jax.Array:
    if isinstance(value, Constant):
        value = value.value
    if callable(value) and not isinstance(value, jax.Array | np.ndarray):
        raise TypeError(f"{who}: input {name!r} is time-dependent ({type(value).__name__}); "
                        f"fixed points need constant inputs. Pass a number or an array over "
                        f"the units (make the input a bifurcation parameter to vary it).")
    arr = jnp.asarray(value, dtype=jnp.result_type(float))
    if arr.shape not in ((), (1,), (size,)):
        raise ValueError(f"{who}: input {name!r} has shape {arr.shape}; pass a scalar or an "
                         f"array of shape ({size},).")
    if is_concrete(arr) and not np.all(np.isfinite(np.asarray(arr))):
        raise ValueError(f"{who}: input {name!r} must be finite; got {np.asarray(arr)}.")
    return arr


def check_parameter_value(net: Network, ref: ParameterRef, value: Any, who: str) -> None:
    """Checks concrete values of a field against its declared constraint."""
    if ref.kind != "field" or not is_concrete(value):
        return
    node = net.nodes[ref.node]
    field = next(f for f in parameter_fields(node) if f.name == ref.item)
    constraint = field.metadata["constraint"]
    if not constraint.check(np.asarray(value)):
        unit = f" ({field.metadata['unit']})" if field.metadata.get("unit") else ""
        raise ValueError(f"{who}: parameter `{ref.name}` must be {constraint.describe()}"
                         f"{unit}; got {np.asarray(value)}.")


class FlatSystem(eqx.Module):
    """The vector field `f(x, p)` of a continuous model with constant inputs.

    Attributes:
        net: the model as a `Network` (with the fixed parameter values substituted).
        inputs: `"node.port"` -> constant input value.
        active: the parameters `p` addresses, in order.
        labels: the name of each entry of the flat state (`"node.var"`, `"node.var[i]"`).
    """

    net: Network
    inputs: dict[str, jax.Array]
    active: tuple[ParameterRef, ...] = eqx.field(static=True)
    labels: tuple[str, ...] = eqx.field(static=True)
    treedef: Any = eqx.field(static=True)
    shapes: tuple[tuple[int, ...], ...] = eqx.field(static=True)

    @property
    def size(self) -> int:
        """The dimension of the state."""
        return len(self.labels)

    @property
    def dtype(self):
        return jnp.result_type(float)

    # ------------------------------------------------------------ state <-> vector
    def unravel(self, x: jax.Array):
        """The state dict (`state[node][var]`) of a flat vector."""
        leaves, start = [], 0
        for shape in self.shapes:
            n = math.prod(shape)
            leaves.append(jnp.reshape(x[start:start + n], shape))
            start += n
        return jax.tree.unflatten(self.treedef, leaves)

    def ravel(self, state) -> jax.Array:
        """The flat vector of a state dict."""
        return jnp.concatenate([jnp.ravel(v) for v in jax.tree.leaves(state)])

    def initial(self, key: jax.Array | None = None) -> jax.Array:
        """The model's initial state as a flat vector."""
        needs = any(n.needs_key for n in self.net.nodes.values())
        if needs and key is None:
            key = jax.random.key(0)
        state = self.net.init_state(key if needs else None)
        return self.ravel(state).astype(self.dtype)

    # ------------------------------------------------------------ parameters
    def value_of(self, ref: ParameterRef) -> jax.Array:
        """The current (scalar) value of a parameter (the mean over units)."""
        return jnp.mean(self._get(self.net, self.inputs, ref))

    @staticmethod
    def _get(net: Network, inputs: dict, ref: ParameterRef) -> jax.Array:
        if ref.kind == "field":
            return getattr(net.nodes[ref.node], ref.item)
        if ref.kind == "input":
            return inputs.get(ref.name, jnp.zeros(()))
        return net.edges[int(ref.node)].coupling.strength

    def substitute(self, ref: ParameterRef, value: jax.Array) -> FlatSystem:
        """A copy with the parameter `ref` set to `value` (broadcast over units)."""
        value = jnp.asarray(value, dtype=self.dtype)
        if ref.kind == "input":
            return eqx.tree_at(lambda s: s.inputs, self, {**self.inputs, ref.name: value})
        if ref.kind == "field":
            old = getattr(self.net.nodes[ref.node], ref.item)
            new = jnp.broadcast_to(value, jnp.broadcast_shapes(old.shape, value.shape))
            return eqx.tree_at(lambda s: getattr(s.net.nodes[ref.node], ref.item), self, new)
        return eqx.tree_at(lambda s: s.net.edges[int(ref.node)].coupling.strength, self, value)

    def at(self, p: jax.Array) -> FlatSystem:
        """A copy with the active parameters set to the entries of `p`."""
        system = self
        for i, ref in enumerate(self.active):
            system = system.substitute(ref, p[i])
        return system

    def parameters(self) -> jax.Array:
        """The current values of the active parameters."""
        return jnp.stack([self.value_of(r) for r in self.active]) if self.active else jnp.zeros(
            (0,), self.dtype)

    # ------------------------------------------------------------ dynamics
    def drift(self, x: jax.Array) -> jax.Array:
        """`dx/dt` at the current parameters (per ms)."""
        sources = {k: (lambda t, v=v: v) for k, v in self.inputs.items()}
        deriv = self.net.drift(0.0, self.unravel(x), sources)
        return self.ravel(deriv)

    def __call__(self, x: jax.Array, p: jax.Array) -> jax.Array:
        """`f(x, p)`: the derivative of the flat state with the active parameters `p`."""
        return self.at(p).drift(x)

    def jacobian(self, x: jax.Array, p: jax.Array) -> jax.Array:
        """`df/dx` (n, n)."""
        return jax.jacfwd(self, argnums=0)(x, p)

    def observable(self, x: jax.Array, name: str) -> jax.Array:
        """An observable (or state variable) of the flat state(s) `x` (..., n) by label."""
        node, item, unit = self.split_label(name)
        flat = jnp.reshape(x, (-1, x.shape[-1]))
        values = jax.vmap(lambda v: self.net.observables(self.unravel(v))[node][item][unit])(flat)
        return jnp.reshape(values, x.shape[:-1])

    # ------------------------------------------------------------ names
    def observable_names(self) -> list[str]:
        shapes = jax.eval_shape(lambda: self.net.observables(self.unravel(
            jnp.zeros((self.size,), self.dtype))))
        return [f"{n}.{k}" for n, obs in shapes.items() for k in obs]

    def split_label(self, name: str) -> tuple[str, str, int]:
        """`"node.var[i]"`, `"var[i]"`, `"node.var"` or `"var"` -> (node, var, unit)."""
        if not isinstance(name, str):
            raise TypeError(f"variable names must be strings; got {name!r}.")
        base, unit = name, None
        if name.endswith("]") and "[" in name:
            base, index = name[:-1].split("[", 1)
            try:
                unit = int(index)
            except ValueError:
                raise ValueError(f"bad unit index in variable {name!r}; write e.g. "
                                 f"'x[0]'.") from None
        names = self.observable_names()
        full = [n for n in names if n == base or n.split(".", 1)[1] == base]
        if len(full) != 1:
            if len(full) > 1:
                raise ValueError(f"variable {base!r} exists in several nodes: {full}; write "
                                 f"the full name.")
            raise ValueError(f"unknown variable {base!r}; the model has {names}."
                             f"{_hint(base, names + [n.split('.', 1)[1] for n in names])}")
        node, item = full[0].split(".", 1)
        size = self.net.nodes[node].size
        if unit is None:
            if size > 1:
                raise ValueError(f"{full[0]!r} has {size} units; name one, e.g. "
                                 f"'{full[0]}[0]'.")
            unit = 0
        if not -size <= unit < size:
            raise ValueError(f"unit {unit} of {full[0]!r} is out of range (it has {size} units).")
        return node, item, unit % size

    def index(self, name: str) -> int:
        """The position of a state variable (`"x"`, `"node.x"`, `"x[3]"`) in the flat state."""
        node, item, unit = self.split_label(name)
        size = self.net.nodes[node].size
        label = f"{node}.{item}" + (f"[{unit}]" if size > 1 else "")
        if label not in self.labels:
            raise ValueError(f"{name!r} is an observable, not a state variable; state "
                             f"variables are {list(self.labels)}.")
        return self.labels.index(label)


def build_system(model: Dynamics | Network, inputs: Mapping[str, Any] | None = None,
                 params: Mapping[str, Any] | None = None, active: Sequence[str] = (), *,
                 who: str = "analysis") -> FlatSystem:
    """The `FlatSystem` of a model.

    Args:
        model: a continuous population or a mass `Network` (no spikes, delays or noise).
        inputs: constant inputs, `"port"`/`"node.port"` -> value (as in `nj.simulate`).
        params: parameter values to substitute, name -> value (fields, ports or strengths).
        active: names of the parameters `p` of `f(x, p)`.
        who: the calling function's name, for error messages.
    """
    if not isinstance(model, Dynamics | Network):
        raise TypeError(f"{who}: `model` must be a neurojax model or nj.Network; got "
                        f"{type(model).__name__}.")
    net = as_network(model)
    _check_supported(net, who)
    resolved = {}
    for name, value in (inputs or {}).items():
        try:
            node, port = _resolve(net, name, "input")
        except ValueError as err:
            raise ValueError(str(err).replace("simulate:", f"{who}:")) from None
        resolved[f"{node}.{port}"] = _as_constant(name, value, net.nodes[node].size, who)
    template = jax.eval_shape(net.init_state, jax.random.key(0))
    leaves_with_paths, treedef = jax.tree_util.tree_flatten_with_path(template)
    labels, shapes = [], []
    for path, leaf in leaves_with_paths:
        node, var = (str(getattr(k, "key", k)) for k in path)
        size = net.nodes[node].size
        labels += [f"{node}.{var}" + (f"[{i}]" if size > 1 else "") for i in range(size)]
        shapes.append(tuple(leaf.shape))
    system = FlatSystem(net, resolved, (), tuple(labels), treedef, tuple(shapes))
    for name, value in (params or {}).items():
        ref = resolve_parameter(net, name, who)
        check_parameter_value(net, ref, value, who)
        if ref.kind == "input":
            value = _as_constant(name, value, net.nodes[ref.node].size, who)
        system = system.substitute(ref, value)
    refs = tuple(resolve_parameter(net, name, who) for name in active)
    return FlatSystem(system.net, system.inputs, refs, system.labels, treedef, system.shapes)
