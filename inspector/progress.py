"""The contract between long work and every front end.

Long work is a plain generator that yields `Progress` between steps and returns its result; the CLI prints the
progress, the window shows it in the status bar, and cancelling stops the generator at its next yield.
"""

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Progress:
    stage: str
    done: int = 0
    total: int = 0

    @property
    def fraction(self) -> float | None:
        return self.done / self.total if self.total else None

    def __str__(self) -> str:
        if self.total:
            return f"{self.stage} {self.done}/{self.total}"
        return self.stage


class Cancelled(Exception):
    """Raised inside a generator that was asked to stop."""


def run(steps: Generator[Progress, None, T], on_progress: Callable[[Progress], Any] | None = None) -> T:
    """Drive long work to its result, handing each `Progress` to `on_progress` when one is given."""
    while True:
        try:
            progress = next(steps)
        except StopIteration as done:
            return done.value
        if on_progress is not None:
            on_progress(progress)
