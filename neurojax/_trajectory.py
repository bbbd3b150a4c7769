"""`Trajectory`: the recorded result of a simulation."""

from __future__ import annotations

import difflib
import math
import os
from pathlib import Path

import equinox as eqx
import jax
import numpy as np

from ._files import write_atomically


class Trajectory(eqx.Module):
    """Recorded variables over time.

    Attributes:
        ts: sample times (ms), shape `(time,)`.
        data: `"node.variable"` -> array of shape `(time, units)`.

    Index by full name (`traj["region.x"]`) or by a suffix that is unique (`traj["x"]`).

    Spikes recorded outside jit/grad/vmap are stored packed, 8 neurons a byte (`packed`
    maps their names to the number of neurons): 10,000 neurons for 10 s at dt 0.1 ms take
    125 MB. Indexing unpacks them to a boolean array `(time, units)`; `spike_times` lists
    the spikes without unpacking everything at once.
    """

    ts: jax.Array
    data: dict[str, jax.Array]
    packed: dict[str, int] = eqx.field(static=True, default_factory=dict)

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
        name = self.resolve(name)
        if name in self.packed:
            return jax.numpy.asarray(_unpack(np.asarray(self.data[name]), self.packed[name]))
        return self.data[name]

    def spike_times(self, name: str, chunk: int | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
        """The spikes of a recorded spike train as `(times (ms), unit indices)`, in time
        order, unpacking `chunk` samples at a time (default: 64 MB of booleans at a time,
        e.g. 64 samples of a million neurons)."""
        name = self.resolve(name)
        data, ts = np.asarray(self.data[name]), np.asarray(self.ts)
        if chunk is None:
            width = self.packed.get(name, math.prod(data.shape[1:]))
            chunk = max(1, _CHUNK_BYTES // max(width, 1))
        times, units = [], []
        for start in range(0, len(ts), chunk):
            block = data[start:start + chunk]
            block = (_unpack(block, self.packed[name]) if name in self.packed
                     else block > 0)
            step, unit = np.nonzero(block)
            times.append(ts[start + step])
            units.append(unit)
        return np.concatenate(times), np.concatenate(units)

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
        """`{"ts": ..., name: ...}` as NumPy arrays (spikes unpacked to booleans)."""
        return {"ts": np.asarray(self.ts), **{k: np.asarray(self[k]) for k in self.data}}

    def save(self, path: str | os.PathLike) -> Path:
        """Writes an `.npz` file atomically (a temporary file renamed into place)."""
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_suffix(path.suffix + ".npz")
        arrays = {"ts": np.asarray(self.ts),
                  **{k: np.asarray(v) for k, v in self.data.items()},
                  **{_PACKED + k: np.asarray(n) for k, n in self.packed.items()}}

        def write(tmp):
            with open(tmp, "wb") as f:
                np.savez(f, **arrays)

        write_atomically(path, write)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Trajectory:
        """Reads a trajectory written by `save` (no pickle)."""
        with np.load(path, allow_pickle=False) as f:
            if "ts" not in f:
                raise ValueError(f"{path} is not a neurojax trajectory (no `ts` array).")
            names = [k for k in f.files if k != "ts" and not k.startswith(_PACKED)]
            return cls(ts=jax.numpy.asarray(f["ts"]),
                       data={k: jax.numpy.asarray(f[k]) for k in names},
                       packed={k[len(_PACKED):]: int(f[k]) for k in f.files
                               if k.startswith(_PACKED)})


#: Booleans unpacked at a time by `Trajectory.spike_times`.
_CHUNK_BYTES = 64 * 2 ** 20
_PACKED = "__packed__:"  # npz key prefix: number of units of a packed spike record


def _unpack(data: np.ndarray, units: int) -> np.ndarray:
    return np.unpackbits(data, axis=-1, count=units).view(bool)
