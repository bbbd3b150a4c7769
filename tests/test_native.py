"""The native CPU kernel of delayed sums (`neurojax/_native`) against the pure-JAX path it
replaces: same values, derivatives through XLA, a plain `vmap`, and its bounds check."""

import shutil

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from neurojax import _native
from neurojax.network import _history

pytestmark = pytest.mark.skipif(
    (shutil.which("c++") is None and shutil.which("g++") is None) or not _native.enabled(),
    reason="no C++ compiler, or NEUROJAX_NATIVE=0: the pure-JAX path runs")

N_SOURCE, SLOTS = 7, 12


@pytest.fixture(autouse=True, scope="module")
def _built():
    """Builds and registers the kernel (as `simulate` does before its first use)."""
    assert _native.available()


def _edges(rng, n_target, degree, batch, dtype):
    """A ring buffer and padded target-major edges, laid out as `init_history` does."""
    shape = (2 * SLOTS * N_SOURCE,) + ((batch,) if batch else ())
    buf = jnp.asarray(rng.normal(size=shape), dtype)
    steps = rng.uniform(1.0, SLOTS - 2, size=(n_target, degree))
    whole = np.floor(steps).astype(np.int32)
    pre = rng.integers(0, N_SOURCE, size=(n_target, degree))
    head = 5
    rows = jnp.asarray((head + SLOTS) * N_SOURCE - (whole * N_SOURCE - pre), jnp.int32)
    frac = jnp.asarray(steps - whole, dtype)
    weights = rng.uniform(size=(n_target, degree))
    weights[:, -1] = 0.0  # padding
    return buf, rows, frac, jnp.asarray(weights, dtype)


def test_the_kernel_builds_here():
    assert _native.available()


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
@pytest.mark.parametrize("n_target,degree,batch", [
    (5, 6, 8),        # one partial chunk of the batch, one thread
    (9, 11, 100),     # a full chunk of 64 and a partial one
    (40, 30, 64),     # big enough to be split over threads
])
def test_kernel_equals_the_xla_path(dtype, n_target, degree, batch):
    with jax.enable_x64(dtype == jnp.float64):
        args = _edges(np.random.default_rng(batch), n_target, degree, batch, dtype)
        native = jax.jit(lambda *a: _history._delayed_sum_native(*a, N_SOURCE))(*args)
        xla = jax.jit(lambda *a: _history._delayed_sum_xla(*a, N_SOURCE))(*args)
        assert native.shape == (n_target, batch) and native.dtype == dtype
        tol = 1e-5 if dtype == jnp.float32 else 1e-12
        np.testing.assert_allclose(np.asarray(native), np.asarray(xla), rtol=tol, atol=tol)


def test_the_sum_against_a_loop_over_edges():
    """Independent of both implementations: the formula, edge by edge, in NumPy."""
    buf, rows, frac, weights = _edges(np.random.default_rng(0), 6, 5, 16, jnp.float32)
    out = np.asarray(_history._delayed_sum(buf, rows, frac, weights, N_SOURCE))
    b, r, f, w = (np.asarray(x, np.float64) for x in (buf, rows, frac, weights))
    expected = np.zeros((6, 16))
    for t in range(6):
        for d in range(5):
            newer, older = b[int(r[t, d])], b[int(r[t, d]) - N_SOURCE]
            expected[t] += w[t, d] * ((1 - f[t, d]) * newer + f[t, d] * older)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_derivatives_and_vmap_go_through_xla():
    args = _edges(np.random.default_rng(1), 6, 5, 16, jnp.float32)
    rng = np.random.default_rng(2)
    tangents = [jnp.asarray(rng.normal(size=a.shape), a.dtype) for a in args]
    tangents[1] = np.zeros(args[1].shape, jax.dtypes.float0)
    native = jax.jvp(lambda *a: _history._delayed_sum(*a, N_SOURCE), args, tuple(tangents))
    xla = jax.jvp(lambda *a: _history._delayed_sum_xla(*a, N_SOURCE), args, tuple(tangents))
    for got, want in zip(native, xla, strict=True):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-5)
    # A plain vmap over a leading axis of buffers (not the batch-minor sweep).
    bufs = jnp.stack([args[0], 2 * args[0], -args[0]])
    batched = jax.vmap(lambda b: _history._delayed_sum(b, *args[1:], N_SOURCE))(bufs)
    np.testing.assert_allclose(np.asarray(batched[1]), 2 * np.asarray(batched[0]), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(
        np.asarray(batched[0]), np.asarray(_history._delayed_sum_xla(*args, N_SOURCE)),
        rtol=1e-5, atol=1e-5)


def test_rows_outside_the_buffer_are_an_error():
    buf, rows, frac, weights = _edges(np.random.default_rng(3), 4, 3, 16, jnp.float32)
    rows = rows.at[2, 1].set(buf.shape[0])
    with pytest.raises(Exception, match="outside the buffer"):
        jax.block_until_ready(_history._delayed_sum_native(buf, rows, frac, weights, N_SOURCE))


def test_the_kernel_builds_without_native_instructions(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROJAX_CACHE_DIR", str(tmp_path))
    compiler = shutil.which("c++") or shutil.which("g++")
    done = _native._compile(compiler, tmp_path / "k.so", native=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "k.so").stat().st_size > 0
    assert _native._cache_dir() == tmp_path


def test_native_off_by_environment(monkeypatch):
    monkeypatch.setenv("NEUROJAX_NATIVE", "0")
    assert not _native.enabled() and not _native.available()


def test_a_sweep_with_two_delayed_connections_equals_a_loop():
    """Two kernels a step (a -> b linear, b -> a diffusive), each splitting its targets over
    XLA's threads: the batch-minor sweep must equal single runs (XLA's gathers)."""
    import equinox as eqx

    import neurojax as nj

    rng = np.random.default_rng(4)
    a, b = nj.masses.FitzHughNagumo(40), nj.masses.FitzHughNagumo(30)
    ab = nj.network.Connection("a", "b", nj.network.Linear(strength=0.3),
                               0.05 * rng.uniform(size=(30, 40)),
                               delays=rng.uniform(0.5, 4.0, size=(30, 40)))
    ba = nj.network.Connection("b", "a", nj.network.Diffusive(strength=0.5),
                               0.05 * rng.uniform(size=(40, 30)),
                               delays=rng.uniform(0.5, 4.0, size=(40, 30)))
    net = nj.Network({"a": a, "b": b}, [ab, ba])

    def run(strength):
        n = eqx.tree_at(lambda m: m.edges[1].coupling.strength, net, strength)
        return nj.simulate(n, 30.0, 0.1, inputs={"a.x": 0.8, "b.x": 0.6},
                           record=["a.x", "b.x"])["b.x"]

    strengths = jnp.linspace(0.1, 1.5, 64)  # (64 x 1,200 edges: over the threading bound)
    swept = eqx.filter_jit(eqx.filter_vmap(run))(strengths)
    looped = np.stack([np.asarray(run(s)) for s in strengths[::21]])
    np.testing.assert_allclose(np.asarray(swept[::21]), looped, rtol=1e-5, atol=1e-5)
    assert float(jnp.std(swept[:, -1])) > 1e-4  # the members differ
