"""Long work off the GUI thread: one analysis at a time per window, with progress, cancel and errors.

The work is a plain generator from core/analysis yielding `Progress`; superqt's GeneratorWorker runs it on a
QThreadPool thread and stops it at its next yield when cancelled. Results carry the run id they were started
with, so a late result from a superseded run is dropped instead of overwriting the current one.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, Signal
from superqt.utils import GeneratorWorker, create_worker

from inspector.analysis.remote import Preview
from inspector.progress import Progress


def _drive(make: Callable[[], Generator[Progress, None, Any]]) -> Generator[Progress, None, Any]:
    """A generator function superqt can recognise; the generator itself is made on the worker thread."""
    return (yield from make())


class ClosingGeneratorWorker(GeneratorWorker):
    """Closes the generator when the work ends, cancelled or not, so its `finally` blocks run on the worker
    thread (a child process is stopped, files are closed) instead of whenever it is garbage-collected."""

    def work(self):  # noqa: ANN201
        try:
            return super().work()
        finally:
            try:
                self._gen.close()
            except Exception:  # closing must never turn a cancel into an error
                pass


class JobRunner(QObject):
    progressed = Signal(str, int, int)  # stage, done, total
    previewed = Signal(str, object)  # kind, part of the result sent ahead of the rest (analysis.remote.Preview)
    finished = Signal(str, object)  # kind, result
    failed = Signal(str, object)  # kind, exception
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: GeneratorWorker | None = None
        self._run_id = 0
        self._kind = ""

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def start(self, kind: str, make: Callable[[], Generator[Progress, None, Any]]) -> int:
        """Start a job, cancelling the running one; returns its run id."""
        self.cancel()
        self._run_id += 1
        run_id = self._run_id
        self._kind = kind
        # errors are ours to handle (a dialog), not superqt's to re-raise on the GUI thread
        worker = create_worker(_drive, make, _start_thread=False, _ignore_errors=True,
                               _worker_class=ClosingGeneratorWorker)
        worker.yielded.connect(lambda p, rid=run_id: self._on_progress(rid, p))
        worker.returned.connect(lambda r, rid=run_id, k=kind: self._on_result(rid, k, r))
        worker.errored.connect(lambda e, rid=run_id, k=kind: self._on_error(rid, k, e))
        worker.finished.connect(lambda rid=run_id: self._on_finished(rid))
        self._worker = worker
        self.busy_changed.emit(True)
        worker.start()
        return run_id

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.quit()
            self._worker = None
            self._run_id += 1  # whatever it still sends is stale
            self.busy_changed.emit(False)
            self.progressed.emit("cancelled", 0, 0)

    def wait(self, timeout_ms: int = 10_000) -> None:
        GeneratorWorker.await_workers(msecs=timeout_ms)

    def _on_progress(self, run_id: int, progress: Any) -> None:
        if run_id == self._run_id and isinstance(progress, Progress):
            if isinstance(progress, Preview):
                self.previewed.emit(self._kind, progress.value)
            self.progressed.emit(progress.stage, progress.done, progress.total)

    def _on_result(self, run_id: int, kind: str, result: Any) -> None:
        if run_id == self._run_id:
            self.finished.emit(kind, result)

    def _on_error(self, run_id: int, kind: str, error: BaseException) -> None:
        if run_id == self._run_id:
            self.failed.emit(kind, error)

    def _on_finished(self, run_id: int) -> None:
        if run_id == self._run_id:
            self._worker = None
            self.busy_changed.emit(False)
