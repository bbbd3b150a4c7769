"""History buffers for transmission delays, carried in the solver state.

Each delayed source variable keeps its last `slots` values, one per step, in a ring buffer
stored twice in a row (`2 * slots` rows): writing each new value at `head` and
`head + slots` lets every read take the rows `head + slots - k` without a modulo. A delay
`d` is read as `d / dt = k + frac` steps back, linearly interpolated between rows `k` and
`k + 1`, so the result is differentiable in `d` (e.g. in the conduction speed).
"""

from __future__ import annotations

import functools
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import _native


class History(eqx.Module):
    """Ring buffers of delayed variables and the per-edge lags (solver state)."""

    buffers: dict[str, jax.Array]  # "node.variable" -> (2 * slots * n_units, *batch)
    head: jax.Array  # int: row of the newest value
    lags: dict[int, tuple[jax.Array, jax.Array]]  # edge index -> (whole*n - pre, fraction)
    slots: int = eqx.field(static=True)


def history_slots(max_delay: float, dt: float) -> int:
    """Rows needed for delays up to `max_delay` ms at step `dt`: the newest value plus enough
    older ones to interpolate at the largest delay."""
    return int(math.ceil(max_delay / dt - 1e-9)) + 2


def init_history(network, observables: dict, dt: float) -> History:
    """Fills each buffer with the current value (a constant past), and converts each delayed
    edge's delays into steps. Raises at run time if a delay is shorter than `dt` (but not
    zero) or longer than the buffer allows."""
    keys = network.delayed_sources()
    if not keys:
        return History(buffers={}, head=jnp.array(0, jnp.int32), lags={}, slots=0)
    slots = history_slots(network.max_delay(), dt)
    buffers = {}
    for key in keys:
        node, var = key.split(".", 1)
        value = observables[node][var]  # (n,) or, batch-minor, (n, batch)
        buffers[key] = jnp.tile(value, (2 * slots,) + (1,) * (value.ndim - 1))
    lags = {}
    for i, edge in enumerate(network.edges):
        if not edge.delayed:
            continue
        steps = edge.delays() / dt
        steps = eqx.error_if(
            steps, jnp.any((steps > 0) & (steps < 1 - 1e-6)),
            f"Connection {edge.source}->{edge.target}: a non-zero transmission delay is shorter "
            f"than dt={dt} ms; use a dt no larger than the smallest non-zero delay.")
        steps = eqx.error_if(
            steps, jnp.any(steps > slots - 2),
            f"Connection {edge.source}->{edge.target}: a delay exceeds the history buffer "
            f"(max_delay={edge.max_delay} ms); pass a larger `max_delay` to the connection.")
        whole = jnp.floor(jax.lax.stop_gradient(steps)).astype(jnp.int32)
        offset = (whole * edge.n_source - edge.pre).reshape(-1)  # newer row: head+slots-whole
        lags[i] = (offset, (steps - whole).reshape(-1))
    return History(buffers=buffers, head=jnp.array(0, jnp.int32), lags=lags, slots=slots)


def read_delayed(history: History, index: int, edge) -> jax.Array:
    """The delayed source value on every edge of connection `index`, shaped like `edge.pre`."""
    buf = history.buffers[f"{edge.source}.{edge.coupling.variable}"]
    _, frac = history.lags[index]
    return _interpolate(buf, _newer_rows(history, index, edge), frac, edge.n_source,
                        edge.pre.shape)


def delayed_sum(history: History, index: int, edge) -> jax.Array:
    """`sum_d W[t, d] x(t - delay[t, d])` over the delayed source values of every target `t`
    of connection `index` (shaped `(n_target, *batch)`): `read_delayed` weighted by the
    edge weights and summed over each target's inputs, in one native CPU kernel where one
    is built (`neurojax._native`), else in XLA."""
    buf = history.buffers[f"{edge.source}.{edge.coupling.variable}"]
    _, frac = history.lags[index]
    rows = _newer_rows(history, index, edge).reshape(edge.pre.shape)
    return _delayed_sum(buf, rows, frac.reshape(edge.pre.shape).astype(buf.dtype),
                        edge.weights.astype(buf.dtype), edge.n_source)


def _newer_rows(history: History, index: int, edge) -> jax.Array:
    offset, _ = history.lags[index]
    return (history.head + history.slots) * edge.n_source - offset


def _interpolate(buf, newer, frac, n_source, shape):
    # The barrier keeps XLA from fusing the gathers into the consumers, which on CPU makes
    # them several times slower.
    a, b = jax.lax.optimization_barrier(_gather2(buf, newer, newer - n_source))
    trailing = a.shape[1:]  # batch-minor buffers: each index reads a row of the batch
    frac = frac.reshape(frac.shape + (1,) * len(trailing))
    return (a + frac * (b - a)).reshape(shape + trailing)


def weighted_sum(weights, x):
    """`sum_d W[t, d] x[t, d, ...]`: each target's inputs `x` (target, in-degree, *batch)
    weighted and summed."""
    if x.ndim == 2:
        # The row sum as a product with ones: XLA's CPU library fusion of the reduce
        # costs ~6 us a step of the seed's whole-brain model, the product ~1 us.
        return (weights * x) @ jnp.ones(x.shape[1], x.dtype)
    # batch-minor (target, in-degree, batch): a dot, not a reduce (XLA's CPU library fusion
    # of a reduce over the middle axis is several times slower)
    return jnp.einsum("td,td...->t...", weights, x)


def _delayed_sum_xla(buf, rows, frac, weights, n_source):
    return weighted_sum(weights, _interpolate(buf, rows.reshape(-1), frac.reshape(-1),
                                              n_source, rows.shape))


#: Smallest batch-minor sweep summed by the native kernel (a single run's XLA gathers of
#: single values are faster: 7 against 10 us a step of the seed's whole-brain model).
NATIVE_BATCH = 8


def _delayed_sum_native(buf, rows, frac, weights, n_source):
    target = {jnp.dtype(jnp.float32): "neurojax_delayed_sum_f32",
              jnp.dtype(jnp.float64): "neurojax_delayed_sum_f64"}[jnp.dtype(buf.dtype)]
    out = jax.ShapeDtypeStruct(rows.shape[:1] + buf.shape[1:], buf.dtype)
    return jax.ffi.ffi_call(target, out)(buf, rows.astype(jnp.int32), frac, weights,
                                         n_source=np.int64(n_source))


@functools.partial(jax.custom_jvp, nondiff_argnums=(4,))
def _delayed_sum(buf, rows, frac, weights, n_source):
    if (buf.dtype not in (jnp.float32, jnp.float64) or math.prod(buf.shape[1:]) < NATIVE_BATCH
            or jax.default_backend() != "cpu" or not _native.available()):
        return _delayed_sum_xla(buf, rows, frac, weights, n_source)
    return _delayed_sum_unbatched(buf, rows, frac, weights, n_source)


@_delayed_sum.defjvp
def _delayed_sum_jvp(n_source, primals, tangents):
    # Differentiated, the sum runs in XLA alone: its tangent needs the gathered rows anyway
    # (the derivative in the delays' fractions), so the kernel would only add a second pass.
    buf, rows, frac, weights = primals
    t_buf, _, t_frac, t_weights = tangents
    return jax.jvp(lambda b, f, w: _delayed_sum_xla(b, rows, f, w, n_source),
                   (buf, frac, weights), (t_buf, t_frac, t_weights))


def _delayed_sum_unbatched(buf, rows, frac, weights, n_source):
    """The kernel on CPU (XLA elsewhere); under `vmap` (a plain vmap of a solve, not the
    batch-minor sweep, which hands the kernel its whole batch) XLA's batched gathers."""

    @jax.custom_batching.custom_vmap
    def call(buf, rows, frac, weights):
        return jax.lax.platform_dependent(
            buf, rows, frac, weights,
            cpu=lambda *a: _delayed_sum_native(*a, n_source),
            default=lambda *a: _delayed_sum_xla(*a, n_source))

    @call.def_vmap
    def _(axis_size, in_batched, buf, rows, frac, weights):
        axes = tuple(0 if b else None for b in in_batched)
        out = jax.vmap(lambda *a: _delayed_sum_xla(*a, n_source), in_axes=axes)(
            buf, rows, frac, weights)
        return out, True

    return call(buf, rows, frac, weights)


@jax.custom_jvp
def _gather2(buf, i, j):
    """`(buf[i], buf[j])`. XLA's CPU gather is several times faster on 32-bit integers than
    on floats, so float32 buffers are gathered as their bits (same values, exactly)."""
    if buf.dtype == jnp.float32:
        bits = jax.lax.bitcast_convert_type(buf, jnp.int32)
        return tuple(jax.lax.bitcast_convert_type(bits[k], jnp.float32) for k in (i, j))
    return buf[i], buf[j]


@_gather2.defjvp
def _gather2_jvp(primals, tangents):
    buf, i, j = primals
    return _gather2(buf, i, j), (tangents[0][i], tangents[0][j])


def push_history(history: History, observables: dict) -> History:
    """Writes the newest values after a step."""
    if not history.buffers:
        return history
    head = jnp.where(history.head + 1 == history.slots, 0, history.head + 1)
    buffers = {}
    for key, buf in history.buffers.items():
        node, var = key.split(".", 1)
        value = observables[node][var]
        n = value.shape[0]
        rest = (0,) * (value.ndim - 1)
        buf = jax.lax.dynamic_update_slice(buf, value, (head * n, *rest))
        buffers[key] = jax.lax.dynamic_update_slice(buf, value,
                                                    ((head + history.slots) * n, *rest))
    return History(buffers=buffers, head=head, lags=history.lags, slots=history.slots)
