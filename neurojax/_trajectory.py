"""`Trajectory`: the recorded result of a simulation."""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path

import equinox as eqx
import jax
import numpy as np


class Trajectory(eqx.Module):
    """Recorded variables over time.

    Attributes:
        ts: sample times (ms), shape `(time,)`.
        data: `"node.variable"` -> array of shape `(time, units)`.

    Index by full name (`traj["region.x"]`) or by a suffix that is unique (`traj["x"]`).
    """

    ts: jax.Array
    data: dict[str, jax.Array]

    @property
    def names(self) -> tuple[str, ...]:
        """The recorded variables' full names."""
        return tuple(self.data)

    def resolve(self, name: str) -> str:
        """The full name that `name` refers to."""
        if name in self.data:
            return name
        matches = [k for k in self.data if k.endswith("." + name)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise KeyError(f"{name!r} is ambiguous in this trajectory: it could be {matches}; "
                           f"use the full name.")
        close = difflib.get_close_matches(name, list(self.data), n=3)
        hint = f" Did you mean {close}?" if close else ""
        raise KeyError(f"{name!r} was not recorded; recorded variables are {list(self.data)}."
                       f"{hint} Pass it in `record=` to simulate.")

    def __getitem__(self, name: str) -> jax.Array:
        return self.data[self.resolve(name)]

    def __contains__(self, name: str) -> bool:
        try:
            self.resolve(name)
        except KeyError:
            return False
        return True

    @property
    def dt(self) -> float:
        """The sampling interval (ms)."""
        return float(self.ts[1] - self.ts[0]) if len(self.ts) > 1 else float("nan")

    def to_numpy(self) -> dict[str, np.ndarray]:
        """`{"ts": ..., name: ...}` as NumPy arrays."""
        return {"ts": np.asarray(self.ts), **{k: np.asarray(v) for k, v in self.data.items()}}

    def save(self, path: str | os.PathLike) -> Path:
        """Writes an `.npz` file atomically (a temporary file renamed into place)."""
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_suffix(path.suffix + ".npz")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **self.to_numpy())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Trajectory:
        """Reads a trajectory written by `save` (no pickle)."""
        with np.load(path, allow_pickle=False) as f:
            if "ts" not in f:
                raise ValueError(f"{path} is not a neurojax trajectory (no `ts` array).")
            return cls(ts=jax.numpy.asarray(f["ts"]),
                       data={k: jax.numpy.asarray(f[k]) for k in f.files if k != "ts"})
