"""The window's analysis processes: one started for a job (`run_in_child`), or one kept between jobs with
TensorFlow imported ahead of time (`WarmWorker`). What they run is in analysis.remote.

A child reports its reads of the user's files (core.deadline); the parent ends it when one outlives its limit,
since a file that makes HDF5 loop in C would otherwise spin in the child for ever. Cancel (closing the job's
generator) ends the child too: a job is never interrupted half-way and then reused.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import sys
import threading
import time
import traceback
from collections.abc import Callable, Generator
from typing import Any

from inspector.errors import InspectorError
from inspector.progress import Cancelled, Progress, run

POLL_SECONDS = 0.1  # how often the parent looks at the pipe, and so how soon a cancel is seen
PROCESS_NAME = "keras-inspector-analysis"

Steps = Generator[Progress, None, Any]


class AnalysisCrashed(Exception):
    """The child raised something that is not a user error: a bug, with the child's traceback. Not a
    RuntimeError: superqt's worker takes those for a deleted worker and drops them with a warning, so the
    window would never hear of the crash and stay busy."""


# --- the processes -----------------------------------------------------------------------------------------


def run_in_child(target: Callable[..., Steps], *args: Any) -> Steps:
    """Run the generator function `target(*args)` in a fresh process, relaying its progress (a module-level
    function: the child imports it by name). The child
    reports its reads of the user's files (core.deadline); one that outlives its limit ends the child and raises
    `ReadTimeoutError`, since a file that makes HDF5 loop in C would otherwise spin in the child for ever."""
    child = _Child(once=True)
    try:
        return (yield from child.job(target, args))
    finally:
        child.end()


class WarmWorker:
    """The window's analysis process, kept between jobs. It starts with the first job; `warm_up` (a model is
    open) has it import TensorFlow in the background, in a thread of low priority, and wait, so a diagnosis
    starts at once. One job at a time. A job that ends in its result, a user error or a reported bug leaves the
    process ready for the next; one that is closed early (cancel), outlives a read time limit or dies takes the
    process with it, and a replacement is started at once, warming up again if it was asked to. `close` ends
    it; a process whose window is gone ends itself."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: _Child | None = None
        self._running: list[_Child] = []
        self._warm = False
        self._closed = False

    @property
    def ready(self) -> bool:
        """An idle process has TensorFlow imported."""
        idle = self._idle
        return idle is not None and idle.ready.is_set()

    def pids(self) -> list[int]:
        """The live processes: the idle one and those running a job (for tests and the benchmark)."""
        with self._lock:
            children = [c for c in [self._idle, *self._running] if c is not None]
        return [c.process.pid for c in children if c.process.is_alive()]

    def warm_up(self) -> None:
        """Import TensorFlow ahead of the first diagnosis. Never blocks: a process is started if there is none,
        and one busy with a job warms up when the job ends."""
        with self._lock:
            self._warm = True
            if self._closed:
                return
            if self._idle is None and not self._running:
                self._idle = _Child()
            if self._idle is not None:
                self._idle.warm_up()

    def run(self, target: Callable[..., Steps], *args: Any) -> Steps:
        """Run `target(*args)` in the warm process (as `run_in_child` does in a fresh one)."""
        child = self._take()
        try:
            return (yield from child.job(target, args))
        finally:
            self._give_back(child)

    def run_light(self, target: Callable[..., Steps], *args: Any) -> Steps:
        """A job that needs no TensorFlow (reading a model, sorting dropped files): in the warm process when it
        is idle and not importing, else in a fresh one, rather than wait for an import it does not need."""
        idle = self._idle
        if idle is not None and idle.warming and not idle.ready.is_set():
            return (yield from run_in_child(target, *args))
        return (yield from self.run(target, *args))

    def close(self) -> None:
        """End every process (the window is closing); a job still running raises when its process is gone."""
        with self._lock:
            self._closed = True
            children = [c for c in [self._idle, *self._running] if c is not None]
            self._idle = None
        for child in children:
            child.kill()

    def _take(self) -> _Child:
        with self._lock:
            if self._closed:
                raise AnalysisCrashed("the window is closing")
            child, self._idle = self._idle, None
            if child is None or not child.process.is_alive():
                if child is not None:
                    child.end()
                child = _Child()
                if self._warm:
                    child.warm_up()
            self._running.append(child)
            return child

    def _give_back(self, child: _Child) -> None:
        replacement = None
        with self._lock:
            self._running.remove(child)
            keep = child.reusable and not self._closed and self._idle is None and child.process.is_alive()
            if keep:
                self._idle = child
                if self._warm:
                    child.warm_up()
                return
            if not self._closed and self._warm and self._idle is None and not self._running:
                replacement = self._idle = _Child()
                replacement.warm_up()
        child.end()


class _Child:
    """One analysis process and its end of the pipe. Messages are pickled bytes both ways; the parent pickles
    and unpickles through `_Frames`, which lets the window's thread run between 64 KB frames."""

    def __init__(self, once: bool = False) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child_end = context.Pipe(duplex=True)
        self.ready = context.Event()
        self.process = context.Process(target=_child_main, args=(child_end, self.ready, os.getpid(), once),
                                       daemon=True, name=PROCESS_NAME)
        self.process.start()
        child_end.close()
        self.warming = False
        self.reusable = False  # set when a job ends in a message the child sent, so the child goes on waiting
        self.stopped = False  # killed on purpose (`WarmWorker.close`): its job was cancelled, nothing crashed

    def warm_up(self) -> None:
        if not self.warming:
            self.warming = True
            self.conn.send_bytes(pickle.dumps(("warm",)))

    def job(self, target: Callable[..., Steps], args: tuple) -> Steps:
        from inspector.core.deadline import Watch

        self.reusable = False
        watch = Watch()
        self.conn.send_bytes(_dumps(("job", target, args)))
        last = Progress("starting the analysis")
        while True:
            if self.conn.poll(POLL_SECONDS):
                try:
                    message = _loads(self.conn.recv_bytes())
                except (EOFError, OSError):
                    self.process.join(5)
                    raise self._ended(watch, "ended unexpectedly") from None
                kind = message[0]
                if kind == "deadline":
                    watch.feed(message[1])
                elif kind == "progress":
                    last = message[1]
                elif kind == "result":
                    self.reusable = True
                    return message[1]
                elif kind == "user_error":
                    self.reusable = True
                    raise message[1]
                else:
                    self.reusable = True
                    raise AnalysisCrashed(message[1])
            elif not self.process.is_alive():
                raise self._ended(watch, "stopped unexpectedly")
            expired = watch.expired()
            if expired is not None:
                self.process.kill()
                raise expired.error()
            yield last
            if type(last) is not Progress:  # a Progress that carries a part of the result is relayed once
                last = Progress(last.stage, last.done, last.total)

    def _ended(self, watch: Any, how: str) -> Exception:
        """Why the child is gone: stopped on purpose, the job is cancelled; killed by a signal inside a read of
        the user's file (HDF5 crashing on it), a one-line error; otherwise a crash to report."""
        if self.stopped:
            return Cancelled("the analysis was stopped")
        phase = watch.current()
        code = self.process.exitcode
        if phase is not None and (code or 0) < 0:
            return phase.died(-code)
        return AnalysisCrashed(f"the analysis process {how} (exit code {code}; {_why(code)})")

    def kill(self) -> None:
        self.stopped = True
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)

    def end(self) -> None:
        """Stop the process (if it still runs) and close the pipe."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()


class _Frames:
    """A file over bytes, or a growing one, for pickle: the C pickler reads and writes it one 64 KB frame at a
    time, calling Python each time, so the thread that unpickles a big diagnosis hands the GIL to the window's
    thread between frames instead of holding it for the whole result (200 ms on a 1,000-layer model)."""

    def __init__(self, data: bytes = b"") -> None:
        self.data = data
        self.view = memoryview(data)
        self.pos = 0
        self.parts: list[bytes] = []

    def read(self, n: int = -1) -> bytes:
        end = len(self.view) if n < 0 else min(len(self.view), self.pos + n)
        chunk = self.view[self.pos:end].tobytes()
        self.pos = end
        return chunk

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), len(self.view) - self.pos)
        buffer[:n] = self.view[self.pos:self.pos + n]
        self.pos += n
        return n

    def readline(self) -> bytes:
        end = self.data.find(b"\n", self.pos)
        return self.read(-1 if end < 0 else end + 1 - self.pos)

    def write(self, data: Any) -> int:
        chunk = memoryview(data).tobytes()  # bytes, or a PickleBuffer over an array's memory
        self.parts.append(chunk)
        return len(chunk)


def _dumps(value: Any) -> bytes:
    frames = _Frames()
    pickle.Pickler(frames, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return b"".join(frames.parts)


BIG_MESSAGE = 1 << 20


def _loads(data: bytes) -> Any:
    """A message from the child. A big one (a diagnosis: 100,000 objects) is unpickled with the cyclic garbage
    collector paused, then frozen: the collection its allocations trigger would traverse every object of the
    window's process in one 100 ms pass holding the GIL, and so would each later full collection. The results
    hold no reference cycles, so reference counting still frees them once they are replaced."""
    if len(data) < BIG_MESSAGE or not gc.isenabled():
        return pickle.Unpickler(_Frames(data)).load()
    gc.disable()
    try:
        return pickle.Unpickler(_Frames(data)).load()
    finally:
        gc.freeze()
        gc.enable()


def _why(code: int | None) -> str:
    """What an exit code most likely means: Linux's out-of-memory killer sends SIGKILL; a crash in native code
    ends in SIGSEGV or SIGABRT."""
    import signal

    if code == -signal.SIGKILL:
        return "killed: out of memory?"
    if code in (-signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS):
        return "a crash in native code (TensorFlow, HDF5 or a library they load)"
    return "ended without its result"


# --- the child's side --------------------------------------------------------------------------------------


def _child_main(conn: Any, ready: Any, parent: int, once: bool) -> None:
    """Wait for jobs and run them one at a time; a warm-up request imports TensorFlow first, in this (the main)
    thread: imported from another thread, TensorFlow corrupted the heap of the diagnosis that followed (glibc's
    "double free or corruption" on face-emotion-mini-xception.hdf5, every time). Jobs sent meanwhile wait in the
    pipe; the parent sends those that need no TensorFlow to a fresh process instead (`run_light`)."""
    from inspector.core import deadline

    # TensorFlow's oneDNN kernels crash this process (a segmentation fault or glibc's "double free or corruption"
    # in the convolution gradient) when TensorFlow was imported before the job, as the warm-up does: every time on
    # face-emotion-mini-xception.hdf5, never with them off or with TensorFlow imported by the job itself. Off in
    # the window's analysis processes (the user's own setting wins); the results differ by float round-off only.
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="parent-watch").start()
    lock = threading.Lock()

    def send(message: Any) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        with lock:
            conn.send_bytes(data)

    deadline.report_to(lambda message: send(("deadline", message)))
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            break  # the window is gone
        message = pickle.loads(data) if data else ("stop",)
        if message[0] == "warm":
            if not ready.is_set():
                _warm_up(ready)
            continue
        if message[0] != "job":
            break
        _run_job(send, message[1], message[2])
        if once:
            break
        _forget()
    conn.close()


def _run_job(send: Callable[[Any], None], target: Callable[..., Steps], args: tuple) -> None:
    try:
        steps = target(*args)
        result = run(steps, lambda progress: send(("progress", progress)))
        send(("result", _portable(result)))
    except InspectorError as exc:
        send(("user_error", exc))
    except BaseException:  # noqa: BLE001 - everything else is a bug to show with its traceback
        send(("bug", traceback.format_exc()))


def _warm_up(ready: Any) -> None:
    """Import what a diagnosis needs, TensorFlow first (at the normal priority: a niceness raised on the main
    thread could not be lowered again for the jobs that follow, without a privilege most users lack)."""
    try:
        from inspector.analysis import diagnose, tf_backend  # noqa: F401 - imported to be ready, not used here
    except BaseException:  # noqa: BLE001 - the diagnosis that needs them will say what is wrong
        pass
    ready.set()


def _forget() -> None:
    """Between jobs: Keras forgets the models the last one built (its name counters restart, as in a fresh
    process), and their memory is returned."""
    backend = sys.modules.get("inspector.analysis.tf_backend")
    if backend is not None:
        backend.clear_session()
    gc.collect()


def _watch_parent(parent: int) -> None:
    """End this process when the window's is gone, even in the middle of a job (the pipe tells only when read)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _portable(value: Any) -> Any:
    """Results without open-file handles (an inspection's weight source), so they can cross processes."""
    from inspector.core.inspection import Inspection

    items = value if isinstance(value, tuple) else (value,)
    for item in items:
        inspection = item if isinstance(item, Inspection) else getattr(item, "inspection", None)
        if isinstance(inspection, Inspection):
            inspection.info.source = None
    return value
