"""Tests of nj.analysis: references from numpy/scipy, gradients against finite differences."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.signal
import scipy.stats

import neurojax as nj
from neurojax.analysis import (
    fc_correlation,
    fcd,
    fcd_ks,
    functional_connectivity,
    peak_frequency,
    power_spectrum,
)


def _signals(seed=0, time=400, units=5):
    """Correlated noise: a shared slow component plus independent noise."""
    rng = np.random.default_rng(seed)
    shared = np.cumsum(rng.normal(size=(time, 1)), axis=0) * 0.1
    return shared * rng.uniform(0.5, 2.0, size=units) + rng.normal(size=(time, units))


def _upper(m):
    return np.asarray(m)[np.triu_indices(np.shape(m)[0], k=1)]


# ---------------------------------------------------------------- functional connectivity


def test_functional_connectivity_matches_corrcoef():
    x = _signals()
    with jax.enable_x64(True):
        fc = functional_connectivity(x, transient=37)
        assert fc.dtype == jnp.float64
        np.testing.assert_allclose(fc, np.corrcoef(x[37:], rowvar=False), rtol=0, atol=1e-12)
    fc32 = functional_connectivity(jnp.asarray(x, dtype=jnp.float32))
    assert fc32.dtype == jnp.float32
    np.testing.assert_allclose(fc32, np.corrcoef(x, rowvar=False), rtol=0, atol=1e-5)


def test_functional_connectivity_large_offset_float32():
    # Centring on the first sample keeps precision for signals riding on a large offset.
    x = _signals() + 1000.0
    fc = functional_connectivity(jnp.asarray(x, dtype=jnp.float32))
    np.testing.assert_allclose(fc, np.corrcoef(x, rowvar=False), rtol=0, atol=2e-3)


def test_functional_connectivity_constant_unit_gives_zero_and_finite_gradient():
    x = _signals(units=4)
    x[:, 2] = 3.7
    with jax.enable_x64(True):
        fc = functional_connectivity(x)
        assert np.all(np.isfinite(fc))
        np.testing.assert_allclose(np.diag(fc), 1.0, rtol=0, atol=0)
        np.testing.assert_allclose(fc[2, [0, 1, 3]], 0.0, rtol=0, atol=0)
        np.testing.assert_allclose(fc[[0, 1, 3], 2], 0.0, rtol=0, atol=0)
        keep = [0, 1, 3]
        np.testing.assert_allclose(fc[np.ix_(keep, keep)],
                                   np.corrcoef(x[:, keep], rowvar=False), rtol=0, atol=1e-12)
        grad = jax.grad(lambda x: jnp.sum(functional_connectivity(x) ** 2))(jnp.asarray(x))
        assert np.all(np.isfinite(grad))


def test_fc_correlation_matches_pearsonr():
    rng = np.random.default_rng(1)
    a = np.corrcoef(rng.normal(size=(50, 8)), rowvar=False)
    b = np.corrcoef(rng.normal(size=(50, 8)), rowvar=False)
    expected = scipy.stats.pearsonr(_upper(a), _upper(b)).statistic
    with jax.enable_x64(True):
        np.testing.assert_allclose(fc_correlation(a, b), expected, rtol=1e-12, atol=0)
        np.testing.assert_allclose(fc_correlation(a, a), 1.0, rtol=1e-12, atol=0)
        # Only the upper triangle counts: changing the lower one changes nothing.
        b_lower = b + np.tril(rng.normal(size=(8, 8)))
        np.testing.assert_allclose(fc_correlation(a, b_lower), expected, rtol=1e-12, atol=0)
        # A constant triangle scores 0, not NaN.
        np.testing.assert_allclose(fc_correlation(a, np.ones((8, 8))), 0.0, rtol=0, atol=0)


def test_fc_correlation_on_hcp80():
    hcp = nj.datasets.hcp80()
    score = fc_correlation(hcp.fcs[0], hcp.fc)
    expected = scipy.stats.pearsonr(_upper(hcp.fcs[0]), _upper(hcp.fc)).statistic
    np.testing.assert_allclose(score, expected, rtol=1e-5, atol=0)


def _fcd_reference(x, window, step):
    fcs = []
    for start in range(0, x.shape[0] - window + 1, step):
        fcs.append(_upper(np.corrcoef(x[start:start + window], rowvar=False)))
    return np.atleast_2d(np.corrcoef(np.array(fcs)))


@pytest.mark.parametrize(("window", "step"), [(40, 10), (60, 7), (400, 1)])
def test_fcd_matches_numpy_loop(window, step):
    x = _signals(seed=2, time=400, units=6)
    with jax.enable_x64(True):
        result = fcd(x, window=window, step=step)
    expected = _fcd_reference(x, window, step)
    assert result.shape == expected.shape == ((400 - window) // step + 1,) * 2
    np.testing.assert_allclose(result, np.atleast_2d(expected), rtol=0, atol=1e-10)


def test_fcd_transient_drops_initial_samples():
    x = _signals(seed=3, time=300, units=5)
    with jax.enable_x64(True):
        np.testing.assert_allclose(fcd(x, window=50, step=25, transient=40),
                                   _fcd_reference(x[40:], 50, 25), rtol=0, atol=1e-10)


def test_fcd_ks_matches_scipy():
    rng = np.random.default_rng(4)
    a = np.corrcoef(rng.normal(size=(30, 12)))
    b = np.corrcoef(rng.normal(size=(30, 9)) + 0.5 * rng.normal(size=(30, 1)))
    expected = scipy.stats.ks_2samp(_upper(a), _upper(b)).statistic
    with jax.enable_x64(True):
        np.testing.assert_allclose(fcd_ks(a, b), expected, rtol=1e-12, atol=0)
        np.testing.assert_allclose(fcd_ks(a, a), 0.0, rtol=0, atol=0)


def test_connectivity_errors():
    with pytest.raises(ValueError, match=r"shape \(time, units\); got shape \(100,\)"):
        functional_connectivity(np.zeros(100))
    with pytest.raises(ValueError, match="fewer than 2 remain"):
        functional_connectivity(np.zeros((10, 3)), transient=9)
    with pytest.raises(ValueError, match="`transient` must be >= 0"):
        functional_connectivity(np.zeros((10, 3)), transient=-1)
    with pytest.raises(TypeError, match="`transient` must be an int"):
        functional_connectivity(np.zeros((10, 3)), transient=2.5)
    with pytest.raises(ValueError, match=r"same shape; got \(4, 4\) and \(5, 5\)"):
        fc_correlation(np.eye(4), np.eye(5))
    with pytest.raises(ValueError, match="square with at least 3 regions"):
        fc_correlation(np.ones((3, 4)), np.ones((3, 4)))
    with pytest.raises(ValueError, match="`window`=50 samples is longer than the signal"):
        fcd(np.zeros((40, 4)), window=50, step=5)
    with pytest.raises(ValueError, match="`step` must be >= 1"):
        fcd(np.zeros((40, 4)), window=10, step=0)
    with pytest.raises(ValueError, match="at least 3 units"):
        fcd(np.zeros((40, 2)), window=10, step=5)
    with pytest.raises(ValueError, match="`fcd_b` must be a square FCD matrix"):
        fcd_ks(np.eye(3), np.ones(3))


# ---------------------------------------------------------------- spectra


@pytest.mark.parametrize(
    ("nperseg", "noverlap", "window", "detrend"),
    [(256, None, "hann", "constant"), (255, 100, "hann", "constant"),
     (100, 0, "hamming", "linear"), (64, 63, "blackman", None), (1000, None, "boxcar", "constant"),
     (128, 32, np.kaiser(128, 5.0), "linear")],
)
@pytest.mark.parametrize("shape", [(1000,), (1000, 3)])
def test_power_spectrum_matches_scipy_welch(nperseg, noverlap, window, detrend, shape):
    x = np.random.default_rng(5).normal(size=shape) + np.linspace(0, 3, shape[0]).reshape(
        (-1,) + (1,) * (len(shape) - 1))
    dt = 0.5
    f_ref, p_ref = scipy.signal.welch(x, fs=1000.0 / dt, nperseg=nperseg, noverlap=noverlap,
                                      window=window, detrend=detrend or False, axis=0)
    with jax.enable_x64(True):
        f, p = power_spectrum(x, dt, nperseg=nperseg, noverlap=noverlap, window=window,
                              detrend=detrend)
        assert p.dtype == jnp.float64
    assert p.shape == p_ref.shape
    np.testing.assert_allclose(f, f_ref, rtol=1e-12, atol=0)
    np.testing.assert_allclose(p, p_ref, rtol=1e-5, atol=1e-5 * np.abs(p_ref).max())


def test_power_spectrum_float32_and_default_segments():
    dt = 0.1
    x = np.random.default_rng(6).normal(size=(25_000, 2))
    f, p = power_spectrum(jnp.asarray(x, dtype=jnp.float32), dt)
    assert p.dtype == jnp.float32
    # Default: 1 s segments (10,000 samples at 0.1 ms) -> 1 Hz resolution.
    np.testing.assert_allclose(f[1] - f[0], 1.0, rtol=1e-6, atol=0)
    f_ref, p_ref = scipy.signal.welch(x, fs=1e4, nperseg=10_000, axis=0)
    np.testing.assert_allclose(p, p_ref, rtol=1e-3, atol=1e-4 * p_ref.max())
    # Density scaling: integrating the one-sided PSD gives the variance.
    np.testing.assert_allclose(np.sum(p, axis=0) * (f[1] - f[0]), np.var(x, axis=0), rtol=0.05)


def test_peak_frequency_of_a_10hz_sine():
    dt = 1.0
    t = np.arange(4000) * dt
    rng = np.random.default_rng(7)
    x = np.stack([np.sin(2 * np.pi * 10 * t / 1000), np.sin(2 * np.pi * 23 * t / 1000)], 1)
    x = x + 0.2 * rng.normal(size=x.shape) + 5 * np.linspace(0, 1, t.size)[:, None]
    f, p = power_spectrum(x, dt)
    np.testing.assert_allclose(peak_frequency(f, p), [10.0, 23.0], rtol=0, atol=1e-4)
    np.testing.assert_allclose(peak_frequency(f, p[:, 0]), 10.0, rtol=0, atol=1e-4)
    # A band excluding 23 Hz finds the largest power inside it instead.
    np.testing.assert_allclose(peak_frequency(f, p[:, 0] + p[:, 1], fmin=15, fmax=40), 23.0,
                               rtol=0, atol=1e-4)


def test_spectrum_errors():
    x = np.zeros(100)
    with pytest.raises(ValueError, match="`dt` must be a positive sampling interval"):
        power_spectrum(x, 0.0)
    with pytest.raises(ValueError, match="`dt` must be a positive sampling interval"):
        power_spectrum(x, -0.1)
    with pytest.raises(ValueError, match=r"`nperseg`=200 is longer than the signal \(100 samples"):
        power_spectrum(x, 0.1, nperseg=200)
    with pytest.raises(ValueError, match="`noverlap`=50 must be smaller than `nperseg`=50"):
        power_spectrum(x, 0.1, nperseg=50, noverlap=50)
    with pytest.raises(ValueError, match="`window` must be one of"):
        power_spectrum(x, 0.1, window="hanning")
    with pytest.raises(ValueError, match=r"must have shape \(nperseg,\) = \(50,\)"):
        power_spectrum(x, 0.1, nperseg=50, window=np.ones(10))
    with pytest.raises(ValueError, match="`detrend` must be"):
        power_spectrum(x, 0.1, detrend="quadratic")
    with pytest.raises(ValueError, match=r"shape \(time,\) or \(time, units\)"):
        power_spectrum(np.zeros((10, 2, 2)), 0.1)
    with pytest.raises(TypeError, match="`dt` must be a concrete number"):
        jax.jit(power_spectrum)(x, 0.1)
    f = np.arange(10.0)
    with pytest.raises(ValueError, match="same first axis"):
        peak_frequency(f, np.ones(9))
    with pytest.raises(ValueError, match="`fmin` must be below `fmax`"):
        peak_frequency(f, np.ones(10), fmin=5, fmax=2)
    with pytest.raises(ValueError, match="No frequency lies in the band"):
        peak_frequency(f, np.ones(10), fmin=20)


# ---------------------------------------------------------------- jit and gradients


def test_jit_matches_eager():
    x = jnp.asarray(_signals(seed=8, time=300, units=5), dtype=jnp.float32)
    target = functional_connectivity(x[::-1])
    fns = [
        lambda x: functional_connectivity(x, transient=10),
        lambda x: fc_correlation(functional_connectivity(x), target),
        lambda x: fcd(x, window=50, step=20),
        lambda x: power_spectrum(x, 0.5, nperseg=64, detrend="linear"),
        lambda x: peak_frequency(*power_spectrum(x, 0.5, nperseg=64), fmin=10.0),
    ]
    for fn in fns:
        for eager, jitted in zip(jax.tree.leaves(fn(x)), jax.tree.leaves(jax.jit(fn)(x)),
                                 strict=True):
            np.testing.assert_allclose(eager, jitted, rtol=1e-5, atol=1e-6)


def _check_gradient_by_finite_differences(loss, x, entries, h=1e-6):
    loss = jax.jit(loss)
    grad = jax.jit(jax.grad(loss))(x)
    for i, j in entries:
        e = jnp.zeros_like(x).at[i, j].set(h)
        fd = (loss(x + e) - loss(x - e)) / (2 * h)
        np.testing.assert_allclose(grad[i, j], fd, rtol=1e-5, atol=1e-9)


def test_fc_fit_gradient_matches_finite_differences():
    with jax.enable_x64(True):
        x = jnp.asarray(_signals(seed=9, time=120, units=6))
        target = jnp.asarray(np.corrcoef(_signals(seed=10, time=120, units=6), rowvar=False))

        def loss(x):
            return fc_correlation(functional_connectivity(x, transient=5), target)

        _check_gradient_by_finite_differences(loss, x, [(3, 0), (50, 2), (119, 5), (70, 4)])


def test_log_psd_gradient_matches_finite_differences():
    with jax.enable_x64(True):
        x = jnp.asarray(_signals(seed=11, time=256, units=2))
        target = jnp.linspace(-2.0, -4.0, 33)[:, None]

        def loss(x):
            _, p = power_spectrum(x, 1.0, nperseg=64, noverlap=16, detrend="linear")
            return jnp.mean((jnp.log(p[1:]) - target[1:]) ** 2)

        _check_gradient_by_finite_differences(loss, x, [(0, 0), (40, 1), (130, 0), (255, 1)])
