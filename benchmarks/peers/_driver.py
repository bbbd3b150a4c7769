"""What the benchmark drivers (`coba.py`, `single_neuron.py`) share: running one simulator in
its own process and formatting table cells. Standard library only."""

from __future__ import annotations

import json
import subprocess
import sys


def run_json(cmd: list[str], timeout: float) -> dict | None:
    """Runs `cmd` and parses the last line of its output as JSON; None (with the reason on
    stderr) if it fails or cannot start."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=timeout)
    except subprocess.CalledProcessError as err:
        tail = (err.stderr or "").strip().splitlines()[-3:]
        print(f"  failed {' '.join(cmd[:2])}: {err} {' | '.join(tail)}", file=sys.stderr)
        return None
    except (OSError, subprocess.SubprocessError) as err:
        print(f"  skipped {' '.join(cmd[:2])}: {err}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def fmt(value, spec: str) -> str:
    """`value` formatted with `spec`, or "-" for a missing value."""
    return "-" if value is None else format(value, spec)
