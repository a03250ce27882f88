"""A reader that loops in C holding the GIL, as HDF5 does on some corrupt files: the child-process target of the
time-limit tests (a regular expression that backtracks for ages never returns to Python either)."""

from __future__ import annotations

import re
from collections.abc import Generator

from inspector.core.deadline import reading
from inspector.progress import Progress

SPIN_PATTERN = re.compile(r"(a+)+$")


def spin(what: str = "spin.h5") -> None:
    with reading(what):
        SPIN_PATTERN.match("a" * 64 + "b")  # 2**64 steps inside the regex engine


def spin_steps(what: str) -> Generator[Progress, None, None]:
    yield Progress("reading")
    spin(what)


def crash(what: str = "crash.h5") -> None:
    """A reader killed by a signal inside a read, as HDF5 segfaults on some corrupt files."""
    import os
    import signal

    with reading(what):
        os.kill(os.getpid(), signal.SIGSEGV)


def crash_steps(what: str) -> Generator[Progress, None, None]:
    yield Progress("reading")
    crash(what)
