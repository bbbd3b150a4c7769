"""Tests of nj.plot: each plot draws labelled axes on small data and saves to PNG.

conftest.py selects the headless Agg backend."""

import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import neurojax as nj


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _trajectory(units=4, time=600, dt=1.0, seed=0):
    rng = np.random.default_rng(seed)
    ts = np.arange(time) * dt
    freqs = rng.uniform(5, 30, size=units)
    x = np.sin(2 * np.pi * freqs * ts[:, None] / 1000) + 0.3 * rng.normal(size=(time, units))
    return nj.Trajectory(ts=jnp.asarray(ts), data={"region.x": jnp.asarray(x)})


def _saves_png(fig, path):
    fig.savefig(path, dpi=40)
    assert path.stat().st_size > 1000
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_traces(tmp_path):
    traj = _trajectory(units=3)
    ax = nj.plot.traces(traj, "x")
    assert isinstance(ax, Axes)
    assert ax.get_xlabel() == "time (ms)"
    assert ax.get_ylabel() == "region.x"
    assert len(ax.get_lines()) == 3
    _saves_png(ax.figure, tmp_path / "traces.png")

    ax = nj.plot.traces(traj, "region.x", units=[2], t_unit="s")
    assert ax.get_xlabel() == "time (s)"
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), np.asarray(traj.ts) / 1000,
                               rtol=1e-12, atol=0)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), np.asarray(traj["x"])[:, 2],
                               rtol=1e-12, atol=0)


def test_traces_many_units_are_subsampled_and_stacked():
    traj = _trajectory(units=40)
    _, ax = plt.subplots()
    assert nj.plot.traces(traj, "x", ax=ax) is ax
    assert len(ax.get_lines()) == 10
    assert "10 of 40 units" in ax.get_title(loc="right")
    assert "region.x" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "0"
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "39"


def test_traces_errors():
    traj = _trajectory(units=3)
    with pytest.raises(KeyError, match="'v' was not recorded"):
        nj.plot.traces(traj, "v")
    with pytest.raises(ValueError, match="out of range for a variable with 3 units"):
        nj.plot.traces(traj, "x", units=[0, 5])
    with pytest.raises(ValueError, match="`t_unit` must be 'ms' or 's'"):
        nj.plot.traces(traj, "x", t_unit="min")


def test_fc_matrix(tmp_path):
    fc = nj.datasets.hcp80().fc
    ax = nj.plot.fc_matrix(fc, title="empirical FC")
    assert isinstance(ax, Axes)
    assert ax.get_xlabel() == "region" and ax.get_ylabel() == "region"
    assert ax.get_title() == "empirical FC"
    image = ax.images[0]
    assert image.get_clim() == (-1.0, 1.0)
    assert image.colorbar is not None and image.colorbar.ax.get_ylabel() == "correlation (r)"
    _saves_png(ax.figure, tmp_path / "fc.png")
    with pytest.raises(ValueError, match=r"square \(n, n\) matrix; got shape \(3, 4\)"):
        nj.plot.fc_matrix(np.zeros((3, 4)))


def test_spectrum(tmp_path):
    traj = _trajectory(units=3)
    freqs, psd = nj.analysis.power_spectrum(traj["x"], 1.0, nperseg=200)
    ax = nj.plot.spectrum(freqs, psd, fmax=100)
    assert isinstance(ax, Axes)
    assert ax.get_xlabel() == "frequency (Hz)" and "Hz" in ax.get_ylabel()
    assert ax.get_yscale() == "log"
    assert len(ax.get_lines()) == 3
    assert max(line.get_xdata().max() for line in ax.get_lines()) <= 100
    _saves_png(ax.figure, tmp_path / "spectrum.png")

    ax = nj.plot.spectrum(freqs, psd[:, 0], log=False)
    assert ax.get_yscale() == "linear"
    with pytest.raises(ValueError, match="same first axis"):
        nj.plot.spectrum(freqs, psd[1:])


def test_whole_brain_summary(tmp_path):
    traj = _trajectory(units=6, time=1500)
    rng = np.random.default_rng(1)
    empirical = np.corrcoef(rng.normal(size=(50, 6)), rowvar=False)
    fig = nj.plot.whole_brain_summary(traj, "x", empirical, transient=100.0)
    assert isinstance(fig, Figure)
    score = float(nj.analysis.fc_correlation(
        nj.analysis.functional_connectivity(traj["x"], transient=100), empirical))
    assert f"r = {score:.3f}" in fig.get_suptitle()
    assert len(fig.axes) >= 5
    for ax in fig.axes:
        if ax.get_label() != "<colorbar>":
            assert ax.get_xlabel() and ax.get_ylabel()
    _saves_png(fig, tmp_path / "summary.png")

    fig = nj.plot.whole_brain_summary(traj, "region.x")
    assert "FC correlation" not in fig.get_suptitle()
    with pytest.raises(ValueError, match=r"has shape \(5, 5\), but 'region.x' has 6 regions"):
        nj.plot.whole_brain_summary(traj, "x", np.eye(5))
