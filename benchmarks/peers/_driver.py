"""What the benchmark drivers (`coba.py`, `single_neuron.py`) share: running one simulator in
its own process and formatting table cells. Standard library only (and JAX in a neurojax
worker)."""

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


class CompileClock:
    """Seconds JAX spends compiling (tracing, lowering to MLIR, XLA compilation), summed from
    its monitoring events: the compile time of a first call, without the run that follows it
    (first call minus a later run mixes in the run-to-run spread of long runs)."""

    def __init__(self):
        import jax

        self.seconds = 0.0
        events = ("/jax/core/compile/jaxpr_trace_duration",
                  "/jax/core/compile/jaxpr_to_mlir_module_duration",
                  "/jax/core/compile/backend_compile_duration")

        def listen(name, duration, **_):
            if name in events:
                self.seconds += duration

        jax.monitoring.register_event_duration_secs_listener(listen)


def fmt(value, spec: str) -> str:
    """`value` formatted with `spec`, or "-" for a missing value."""
    return "-" if value is None else format(value, spec)


def append_section(path, script: str, machine_detail: str, body: str, *,
                   date: str | None = None) -> None:
    """Appends a section `## <script> — <date> — <machine>, <machine_detail>` with `body` to
    the results file `path`, atomically (the whole new file is written beside it and renamed
    over it, so an interrupted run leaves the old file intact). `date`: ISO date of the run
    (default today)."""
    import datetime
    import os
    import platform
    from pathlib import Path

    path = Path(path)
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, Python "
               f"{platform.python_version()}, {machine_detail}")
    date = date or datetime.date.today().isoformat()
    text = f"\n## {script} — {date} — {machine}\n\n{body}\n"
    old = path.read_text() if path.exists() else ""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(old + text)
    os.replace(tmp, path)
