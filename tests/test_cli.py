"""The `neurojax` command: list and run the bundled examples."""

from __future__ import annotations

import json

import numpy as np

import neurojax as nj
from neurojax.cli import main


def test_list_names_every_example(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("jansen-rit", "wilson-cowan", "whole-brain-fhn"):
        assert name in out


def test_run_writes_png_and_npz(tmp_path, capsys):
    assert main(["run", "wilson-cowan", "--duration", "20", "--out", str(tmp_path),
                 "--quiet"]) == 0
    out = capsys.readouterr().out
    summary = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    png, npz = tmp_path / "wilson-cowan.png", tmp_path / "wilson-cowan.npz"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    traj = nj.Trajectory.load(npz)
    assert traj["x"].shape == (2001, 2)
    # The seed's two initial conditions end in two different states (bistability).
    assert summary["x_final_high"] - summary["x_final_low"] > 0.1
    np.testing.assert_allclose(np.sort(np.asarray(traj["x"][-1])),
                               [summary["x_final_low"], summary["x_final_high"]], rtol=1e-6)


def test_run_whole_brain_short(tmp_path):
    assert main(["run", "whole-brain-fhn", "--duration", "300", "--out", str(tmp_path),
                 "--quiet"]) == 0
    assert (tmp_path / "whole-brain-fhn.png").exists()


def test_unknown_example_suggests(capsys):
    assert main(["run", "jansen_rit"]) == 2
    assert "Did you mean 'jansen-rit'" in capsys.readouterr().err
