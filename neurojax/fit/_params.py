"""Parameters of a model by dotted name: listing, reading, writing, and their constraints.

A model's parameters are the array fields declared with `param(...)` (each with a
constraint and a unit in its field metadata), found by walking the model pytree. Their
names join the path with dots:

- in a `Network`: `"node.field"` for a node's parameters (`"E.tau"`, `"jr.A"`), sub-modules
  by field name (`"E->I.synapse.tau"`), a `Connection` as `"source->target"`
  (`"region->region.coupling.strength"`, `"region->region.speed"`), a `Projection` by its
  name (`"E->I.weight"`), a node's noise as `"node.noise.sigma"`;
- for a single population (what `simulate` wraps as a one-node network named after the
  class in snake case): the field name (`"A"`), or with that node name (`"jansen_rit.A"`).

A name may be shortened to any suffix that is unique (`"coupling.strength"`, `"speed"`),
or keep its first part and drop middle ones (`"cell.NaV.g"` for `"cell.channels.NaV.g"`).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._simulate import _snake
from ..core import Constraint, as_float_array, is_concrete, nonnegative, positive, real
from ..network import Connection, Network, Projection

#: Array fields that are parameters although not declared with `param` (their classes check
#: them in `__init__`): (class, field) -> (constraint, unit).
_UNDECLARED: dict[tuple[type, str], tuple[Constraint, str]] = {
    (Connection, "speed"): (positive, "mm/ms"),
    (Projection, "weight"): (real, ""),
    (Projection, "delay"): (nonnegative, "ms"),
}

_Path = tuple[tuple[str, Any], ...]  # ("attr", field name) or ("item", dict key / index)


@dataclasses.dataclass(frozen=True)
class Parameter:
    """One parameter of a model: where it is, what values it may take.

    Attributes:
        name: full dotted name.
        constraint: the values allowed (`nj.core` constraint).
        unit: its unit ("" if dimensionless).
        shape: the shape of its current value.
        owner: the class of the module that holds it.
        size: the population size of the owner, if it is a population (parameters may be
            set per unit, shape `(size,)`).
    """

    name: str
    path: _Path = dataclasses.field(repr=False)
    constraint: Constraint
    unit: str
    shape: tuple[int, ...]
    owner: str
    size: int | None = None

    def get(self, model) -> jax.Array:
        """The current value in `model`."""
        obj = model
        for kind, key in self.path:
            obj = getattr(obj, key) if kind == "attr" else obj[key]
        return obj

    def describe(self) -> str:
        """`name (unit, constraint)` for messages."""
        unit = f"{self.unit}, " if self.unit else ""
        return f"{self.name} ({unit}{self.constraint.describe()})"


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _is_float_array(value) -> bool:
    return isinstance(value, jax.Array | np.ndarray) and jnp.issubdtype(value.dtype,
                                                                         jnp.inexact)


def _walk(obj, prefix: str, path: _Path, out: dict[str, Parameter]) -> None:
    if isinstance(obj, Network):
        for name, node in obj.nodes.items():
            _walk(node, name, path + (("attr", "nodes"), ("item", name)), out)
        labels = [f"{e.source}->{e.target}" for e in obj.edges]
        for i, edge in enumerate(obj.edges):
            label = labels[i] if labels.count(labels[i]) == 1 else f"{labels[i]}[{i}]"
            _walk(edge, label, path + (("attr", "edges"), ("item", i)), out)
        for i, proj in enumerate(obj.projections):
            _walk(proj, proj.name, path + (("attr", "projections"), ("item", i)), out)
        for name, source in obj.noise.items():
            _walk(source, f"{name}.noise", path + (("attr", "noise"), ("item", name)), out)
        return
    if not isinstance(obj, eqx.Module):
        return
    size = getattr(obj, "size", None)
    size = size if isinstance(size, int) else None
    for f in dataclasses.fields(obj):
        if f.metadata.get("static", False):
            continue
        value = getattr(obj, f.name, None)
        here = path + (("attr", f.name),)
        declared = f.metadata.get("constraint") is not None
        undeclared = next((v for (cls, field), v in _UNDECLARED.items()
                           if isinstance(obj, cls) and field == f.name), None)
        if declared or undeclared is not None:
            if _is_float_array(value):
                constraint, unit = ((f.metadata["constraint"], f.metadata.get("unit", ""))
                                    if declared else undeclared)
                name = _join(prefix, f.name)
                out[name] = Parameter(name, here, constraint, unit, tuple(np.shape(value)),
                                      type(obj).__name__, size)
        elif isinstance(value, eqx.Module):
            _walk(value, _join(prefix, f.name), here, out)
        elif isinstance(value, list | tuple):
            modules = [v for v in value if isinstance(v, eqx.Module)]
            kinds = [type(v).__name__ for v in modules]
            for i, child in enumerate(value):
                if isinstance(child, eqx.Module):
                    kind = type(child).__name__
                    label = kind if kinds.count(kind) == 1 else f"{kind}{i}"
                    _walk(child, _join(prefix, _join(f.name, label)),
                          here + (("item", i),), out)
        elif isinstance(value, Mapping):
            for key, child in value.items():
                if isinstance(child, eqx.Module):
                    _walk(child, _join(prefix, _join(f.name, str(key))),
                          here + (("item", key),), out)


def parameters(model) -> dict[str, Parameter]:
    """Every parameter of `model` (a population or a `Network`), by full dotted name.

    Example:
        >>> list(nj.fit.parameters(nj.masses.FitzHughNagumo(1)))
        ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'tau']
    """
    if not isinstance(model, eqx.Module):
        raise TypeError(f"nj.fit: `model` must be a neurojax model or nj.Network; got "
                        f"{type(model).__name__}.")
    out: dict[str, Parameter] = {}
    _walk(model, "", (), out)
    return out


def _matches(query: str, full: str) -> bool:
    if query == full or full.endswith("." + query):
        return True
    head, _, rest = query.partition(".")
    return bool(rest) and full.startswith(head + ".") and full.endswith("." + rest)


def _listing(names: Sequence[str], limit: int = 40) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f", ... ({len(names)} in all; see nj.fit.parameters(model))"
                    if len(names) > limit else "")


def resolve(model, name: str, table: Mapping[str, Parameter] | None = None) -> Parameter:
    """The parameter `name` (full, or a unique shortening) refers to.

    Raises:
        ValueError: for an unknown name (with the closest valid names) or an ambiguous one
            (with the candidates).
    """
    table = parameters(model) if table is None else table
    if not isinstance(name, str):
        raise TypeError(f"nj.fit: parameter names must be strings; got {name!r}.")
    query = name
    if not isinstance(model, Network):
        own = _snake(type(model).__name__) + "."
        query = name[len(own):] if name.startswith(own) else name
    if query in table:
        return table[query]
    found = [full for full in table if _matches(query, full)]
    if len(found) == 1:
        return table[found[0]]
    if found:
        raise ValueError(f"nj.fit: parameter name {name!r} is ambiguous: it could be "
                         f"{_listing(found)}. Use one of these full names.")
    pool = list(dict.fromkeys(list(table) + [full.split(".")[-1] for full in table]))
    close = difflib.get_close_matches(name, pool, n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(f"nj.fit: unknown parameter {name!r}.{hint} Valid names: "
                     f"{_listing(list(table))}.")


def _select(model, names: str | Iterable[str] | Any) -> list[tuple[str, Parameter]]:
    """(name as given, parameter) for names, or for every parameter an equinox filter
    (a callable of a leaf, or a pytree of bools shaped like the model) selects."""
    table = parameters(model)
    if isinstance(names, str):
        names = [names]
    if callable(names) or isinstance(names, eqx.Module):
        selected = eqx.filter(model, names)
        chosen = [(full, p) for full, p in table.items()
                  if _try_get(p, selected) is not None]
        if not chosen:
            raise ValueError("nj.fit: the filter selects none of the model's parameters "
                             f"({_listing(list(table))}).")
        return chosen
    names = list(names)
    if not names:
        raise ValueError("nj.fit: no parameters given; name at least one, e.g. "
                         f"{_listing(list(table), 3)}.")
    chosen, seen = [], {}
    for name in names:
        p = resolve(model, name, table)
        if p.name in seen:
            raise ValueError(f"nj.fit: {name!r} and {seen[p.name]!r} are the same parameter "
                             f"({p.name}); name it once.")
        seen[p.name] = name
        chosen.append((name, p))
    return chosen


def _try_get(p: Parameter, tree):
    try:
        return p.get(tree)
    except (AttributeError, KeyError, IndexError, TypeError):
        return None


def get_params(model, names: str | Iterable[str] | Any | None = None) -> dict[str, jax.Array]:
    """Current values of parameters of `model`.

    Args:
        model: a population or an `nj.Network`.
        names: dotted names (`"jr.A"`, `"coupling.strength"`), an equinox filter, or None
            for every parameter.

    Returns:
        name (as given; full names for a filter or None) -> value.

    Raises:
        ValueError: an unknown name (with the closest valid ones) or an ambiguous one.
    """
    if names is None:
        return {full: p.get(model) for full, p in parameters(model).items()}
    return {name: p.get(model) for name, p in _select(model, names)}


def _check_value(p: Parameter, name: str, value) -> jax.Array:
    value = as_float_array(value)
    allowed = {p.shape, (), (1,)} | ({(p.size,)} if p.size is not None else set())
    if value.shape not in allowed:
        per_unit = f" or ({p.size},) (one per unit)" if p.size is not None else ""
        raise ValueError(f"nj.fit: value for {name!r} has shape {value.shape}; pass shape "
                         f"{p.shape}{per_unit} (or a scalar).")
    if is_concrete(value) and not p.constraint.check(np.asarray(value)):
        bad = np.asarray(value)
        shown = bad if bad.size <= 4 else f"values from {np.nanmin(bad)} to {np.nanmax(bad)}"
        raise ValueError(f"nj.fit: {p.describe()} must be {p.constraint.describe()}; got "
                         f"{shown} for {name!r}.")
    return value


def set_params(model, values: Mapping[str, Any]):
    """A copy of `model` with parameters replaced.

    Args:
        model: a population or an `nj.Network`.
        values: name -> new value (a scalar, the parameter's shape, or one value per unit of
            a population). Concrete values are checked against the parameter's constraint;
            traced ones (inside jit/grad/vmap) are not.

    Returns:
        The new model; `set_params(model, get_params(model, names))` equals `model`.

    Raises:
        ValueError: unknown or repeated names, values of the wrong shape or outside the
            parameter's constraint.
    """
    if not isinstance(values, Mapping):
        raise TypeError(f"nj.fit.set_params: `values` must be a dict of name -> value; got "
                        f"{type(values).__name__}.")
    if not values:
        return model
    chosen = _select(model, list(values))
    new = [_check_value(p, name, values[name]) for name, p in chosen]
    return eqx.tree_at(lambda m: [p.get(m) for _, p in chosen], model, new)


# ---------------------------------------------------------------- unconstrained space
def bijector(constraint: Constraint):
    """The numpyro transform from the real line onto `constraint`'s values (exp for
    positive ones, a scaled sigmoid for intervals, the identity for real ones)."""
    from numpyro.distributions.transforms import biject_to

    return biject_to(constraint.to_numpyro())


def check_interior(chosen: Sequence[tuple[str, Parameter]], values: Mapping[str, Any]) -> None:
    """Raises if a value lies on the boundary of its constraint (no unconstrained image)."""
    for name, p in chosen:
        value = np.asarray(values[name], dtype=float)
        c = p.constraint
        on_edge = (math.isfinite(c.lower) and np.any(value <= c.lower)) or (
            math.isfinite(c.upper) and np.any(value >= c.upper))
        if on_edge:
            raise ValueError(f"nj.fit: {p.describe()} starts at {value}, on the boundary of its "
                             f"constraint, which has no image in the unconstrained space the "
                             f"optimiser works in; start {name!r} strictly inside.")


def random_starts(chosen: Sequence[tuple[str, Parameter]], values: Mapping[str, Any],
                  n: int, key: jax.Array, spread: float = 0.5) -> dict[str, jax.Array]:
    """`n` starting points (constrained values, leading axis `n`); the first is `values`.

    The others are drawn uniformly over a bounded interval; for a parameter bounded on
    one side, the distance to the bound is multiplied by a log-normal factor (sigma
    `spread`); an unbounded parameter gets a normal offset of `spread` times its magnitude
    (at least `spread`).
    """
    keys = jax.random.split(key, len(chosen))
    out = {}
    for (name, p), k in zip(chosen, keys, strict=True):
        x0 = as_float_array(values[name])
        z = jax.random.normal(k, (n - 1,) + x0.shape, x0.dtype)
        lo, hi = p.constraint.lower, p.constraint.upper
        if math.isfinite(lo) and math.isfinite(hi):
            u = jax.random.uniform(k, (n - 1,) + x0.shape, x0.dtype)
            draws = lo + (hi - lo) * (0.02 + 0.96 * u)  # away from the edges
        elif math.isfinite(lo):
            draws = lo + (x0 - lo) * jnp.exp(spread * z)
        elif math.isfinite(hi):
            draws = hi - (hi - x0) * jnp.exp(spread * z)
        else:
            draws = x0 + spread * jnp.maximum(jnp.abs(x0), 1.0) * z
        out[name] = jnp.concatenate([x0[None], draws.astype(x0.dtype)])
    return out


def describe_values(values: Mapping[str, Any]) -> str:
    """`name = value` pairs for error messages."""
    def fmt(v):
        v = np.asarray(v)
        return f"{v.item():.6g}" if v.size == 1 else np.array2string(v, precision=5,
                                                                     threshold=8)
    return ", ".join(f"{k} = {fmt(v)}" for k, v in values.items())


class Trainable:
    """The trainable parameters of a model in an unconstrained space: the map `optimize`
    uses, for writing one's own training loop.

    Each parameter maps to the real line through its constraint (`bijector`: a log for
    positive ones, a logit for intervals); a parameter without bounds is divided by its
    initial magnitude (at least 1), so that for every parameter a step of 0.01 is a change
    of about 1% (a learning rate means the same for `A` = 3 mV and `p` = 220 Hz).

    Args:
        model: a population or an `nj.Network` (fixes the names, shapes, constraints and
            scales).
        names: parameter names or an equinox filter (as `trainable` of `optimize`).

    Example:
        >>> trainable = nj.fit.Trainable(model, ["A", "B"])
        >>> u = trainable.unconstrained(model)            # name -> real array
        >>> grads = jax.grad(lambda u: loss_fn(trainable.apply(model, u)))(u)
    """

    def __init__(self, model, names):
        self.chosen = _select(model, names)
        self.scales = {}
        for name, p in self.chosen:
            c = p.constraint
            unbounded = not (math.isfinite(c.lower) or math.isfinite(c.upper))
            magnitude = float(np.max(np.abs(np.asarray(p.get(model))), initial=0.0))
            self.scales[name] = max(magnitude, 1.0) if unbounded else 1.0

    @property
    def names(self) -> list[str]:
        """The parameters' names, as given."""
        return [name for name, _ in self.chosen]

    def _key(self):
        return tuple(self.chosen), tuple(self.scales.items())

    def __eq__(self, other) -> bool:
        return isinstance(other, Trainable) and self._key() == other._key()

    def __hash__(self) -> int:  # a static argument of compiled steps
        return hash(self._key())

    def unconstrain(self, values: Mapping[str, Any]) -> dict[str, jax.Array]:
        """Maps parameter values to the unconstrained space."""
        return {name: bijector(p.constraint).inv(as_float_array(values[name]))
                / self.scales[name] for name, p in self.chosen}

    def constrain(self, unconstrained: Mapping[str, Any]) -> dict[str, jax.Array]:
        """Parameter values of an unconstrained point."""
        return {name: bijector(p.constraint)(unconstrained[name] * self.scales[name])
                for name, p in self.chosen}

    def unconstrained(self, model) -> dict[str, jax.Array]:
        """The model's current values in the unconstrained space."""
        values = get_params(model, self.names)
        check_interior(self.chosen, values)
        return self.unconstrain(values)

    def apply(self, model, unconstrained: Mapping[str, Any]):
        """`model` with the parameters of an unconstrained point."""
        return set_params(model, self.constrain(unconstrained))
