"""Helpers for the benchmark scripts: run a whole process and measure its wall time and peak memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass

# Bytecode is cached as after a normal install (this machine sets PYTHONDONTWRITEBYTECODE, which would make every
# run recompile our modules and penalise the small tool far more than the big one).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV.update({"TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "", "QT_QPA_PLATFORM": "offscreen"})


@dataclass
class Run:
    seconds: float
    peak_mb: float
    returncode: int


def measure(argv: list[str], repeat: int = 3) -> Run:
    """Best wall time of `repeat` runs (the machine's noise is one-sided) and the peak RSS of the process."""
    best: Run | None = None
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise SystemExit(f"{' '.join(argv)} failed with exit code {code}: {proc.stderr.read().decode()[-2000:]}")
        run = Run(elapsed, usage.ru_maxrss / 1024, code)
        if best is None or run.seconds < best.seconds:
            best = Run(run.seconds, max(run.peak_mb, best.peak_mb if best else 0), code)
    assert best is not None
    return best


PY = sys.executable


def cache_bytecode() -> None:
    """For a benchmark that measures in its own process: bytecode cached as after a normal install, here and in the
    child processes it starts (they inherit the environment), for the reason ENV gives."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False


def workspace(script: str, doc: str, build, needed: list[str]):  # noqa: ANN001, ANN201
    """The folder a benchmark works in (`--keep DIR` or a temporary one), with its models and data built there
    by a child process: a parent holding TensorFlow would make every measured child look as big, since a forked
    child's peak memory counts the pages it shares before exec."""
    import argparse
    import tempfile
    from pathlib import Path

    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--keep", help="folder for the models and data (default: a temporary folder)")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="keras-inspector-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    if args.build_only:
        build(folder)
        raise SystemExit(0)
    if not all((folder / name).exists() for name in needed):
        subprocess.run([PY, script, "--keep", str(folder), "--build-only"], check=True)
    return folder
