"""Atomic file writes: a file is written beside its destination and renamed over it, so a
reader never sees half a file and an interrupted write leaves the old one intact."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: str | os.PathLike, write: Callable[[Path], object], *,
                     suffix: str = ".tmp") -> Path:
    """Calls `write(tmp)` to fill a temporary file in `path`'s directory, then renames it to
    `path` (created with the permissions of a plain `open`, not `mkstemp`'s owner-only
    ones). Returns `path`; on any error the temporary file is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
