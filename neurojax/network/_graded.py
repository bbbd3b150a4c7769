"""`AbstractGradedEdge`: a continuous edge with its own state (e.g. a graded synapse)."""

from __future__ import annotations

import abc

import equinox as eqx
import jax


class AbstractGradedEdge(eqx.Module):
    """An edge from node `pre` to node `post` that transmits continuously, without spikes,
    and has its own state: e.g. a graded chemical synapse whose activation follows the
    presynaptic voltage (Prinz et al. 2004). Like a `Projection`'s synapses, the state lives
    under `state[name]` (record it as `"name.variable"`) and is integrated with the nodes.

    Attributes:
        pre, post: node names.
        name: the name of the edge's state (distinct from node and other edge names).
        port: the input port of `post` that receives `current` (None: its default port).
    """

    pre: eqx.AbstractVar[str]
    post: eqx.AbstractVar[str]
    name: eqx.AbstractVar[str]
    port: eqx.AbstractVar[str | None]

    @abc.abstractmethod
    def check(self, pre, post) -> None:
        """Raises `ValueError` if the edge cannot join the populations `pre` and `post`
        (`Dynamics`), e.g. because of their sizes or missing observables."""

    @abc.abstractmethod
    def init_state(self, pre: dict[str, jax.Array], post: dict[str, jax.Array]
                   ) -> dict[str, jax.Array]:
        """The initial state, given the observables of `pre` and `post` at their initial
        state."""

    @abc.abstractmethod
    def vector_field(self, state: dict[str, jax.Array], pre: dict[str, jax.Array],
                     post: dict[str, jax.Array]) -> dict[str, jax.Array]:
        """Time derivatives (per ms) of the edge state; `pre`, `post`: the nodes'
        observables now."""

    @abc.abstractmethod
    def current(self, state: dict[str, jax.Array], pre: dict[str, jax.Array],
                post: dict[str, jax.Array]) -> jax.Array:
        """The input to `post`'s port now, an array over `post`'s units."""
