"""Native CPU kernels: C++ sources compiled on first use with the machine's C++ compiler and
called from XLA through JAX's foreign function interface (`jax.ffi`), as BrainPy calls its
event kernels.

Used only where XLA:CPU is measurably slow (each caller keeps a pure-JAX path with the same
result, used on other platforms, for differentiation, and when no kernel can be built). The
shared library is built once per machine and source version into the cache directory
(`$NEUROJAX_CACHE_DIR`, else `$XDG_CACHE_HOME/neurojax`, else `~/.cache/neurojax`), written
atomically. `NEUROJAX_NATIVE=0` turns the kernels off.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import platform
import shutil
import subprocess
import threading
from pathlib import Path

import jax

from .._files import write_atomically

logger = logging.getLogger(__name__)

_HERE = Path(__file__).resolve().parent
_SOURCE = _HERE / "delayed_sum.cc"
#: FFI target names and the symbols that implement them.
TARGETS = {"neurojax_delayed_sum_f32": "NeurojaxDelayedSumF32",
           "neurojax_delayed_sum_f64": "NeurojaxDelayedSumF64"}

_lock = threading.Lock()
_built: list[bool] = []  # [whether the kernels are registered], once tried
_libraries: list[ctypes.CDLL] = []  # kept loaded for the life of the process


def enabled() -> bool:
    """Whether native kernels are allowed (`NEUROJAX_NATIVE` is not `0`)."""
    return os.environ.get("NEUROJAX_NATIVE", "1").strip().lower() not in ("0", "false", "no")


def available() -> bool:
    """Whether the native CPU kernels are built and registered with XLA (builds them on the
    first call; False, with the reason logged, when no C++ compiler can build them)."""
    if not enabled():
        return False
    with _lock:
        if not _built:
            _built.append(_build_and_register())
        return _built[0]


def _cache_dir() -> Path:
    if os.environ.get("NEUROJAX_CACHE_DIR"):
        return Path(os.environ["NEUROJAX_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "neurojax"


def _cpu_fingerprint() -> str:
    """Identifies the CPU's instruction set (the library is built with `-march=native`)."""
    try:
        with open("/proc/cpuinfo") as f:
            lines = [ln for ln in f if ln.startswith(("model name", "flags", "Features"))]
        return "".join(sorted(set(lines)))
    except OSError:
        return platform.processor() + platform.machine()


def _compile(compiler: str, out: Path, native: bool) -> subprocess.CompletedProcess:
    flags = ["-O3", "-std=c++17", "-shared", "-fPIC", "-w", f"-I{jax.ffi.include_dir()}"]
    if native:
        flags.append("-march=native")
    return subprocess.run([compiler, *flags, str(_SOURCE), "-o", str(out)],
                          capture_output=True, text=True, timeout=300)


def _build_and_register() -> bool:
    compiler = os.environ.get("CXX") or shutil.which("c++") or shutil.which("g++") \
        or shutil.which("clang++")
    if compiler is None:
        logger.info("neurojax: no C++ compiler found; native CPU kernels off (pure-JAX paths)")
        return False
    source = _SOURCE.read_bytes()
    key = hashlib.sha256(b"\0".join([
        source, compiler.encode(), jax.__version__.encode(), _cpu_fingerprint().encode(),
    ])).hexdigest()[:16]
    cache = _cache_dir()
    lib_path = cache / f"delayed_sum-{key}.so"
    try:
        if not lib_path.exists():
            def build(tmp):
                done = _compile(compiler, tmp, native=True)
                if done.returncode != 0:  # e.g. a compiler without -march=native
                    done = _compile(compiler, tmp, native=False)
                if done.returncode != 0:
                    raise OSError(f"{compiler} could not build {_SOURCE.name}:\n"
                                  f"{done.stderr[-2000:]}")

            # atomic: a process that loads the library sees all of it or none
            write_atomically(lib_path, build, suffix=".so")
        lib = ctypes.cdll.LoadLibrary(str(lib_path))
        for target, symbol in TARGETS.items():
            jax.ffi.register_ffi_target(target, jax.ffi.pycapsule(getattr(lib, symbol)),
                                        platform="cpu")
    except (OSError, subprocess.SubprocessError, AttributeError) as err:
        logger.info("neurojax: native kernels unavailable: %s", err)
        return False
    _libraries.append(lib)
    return True
