"""Time limits on reading the user's files.

A corrupt HDF5 file can make the HDF5 library loop in C without ever returning to Python, so no signal handler or
watchdog thread of the reading process can stop it. The limit therefore lives in another process:

- the reading code marks what it reads with `reading(what, nbytes)`; a mark costs a counter increment, plus one
  small message to the supervisor for the outermost mark of a thread (and nothing when nobody supervises);
- a supervisor (the CLI's parent process, `supervise`; the window's side of `analysis.remote.run_in_child`; the
  fuzz harness) feeds those messages to a `Watch` and kills the reader when a mark outlives its limit, then reports
  `ReadTimeoutError`: "reading X did not finish in N s: the file is corrupt or hostile".
"""

from __future__ import annotations

import itertools
import json
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from inspector.errors import ReaderDiedError, ReadTimeoutError

SECONDS_ENV = "KERAS_INSPECTOR_READ_SECONDS"  # the base limit, for tests and for very slow disks
BASE_SECONDS = 20.0
SECONDS_PER_GB = 60.0  # on top of the base, for the bytes a read covers (a slow disk reads 100 MB/s at worst)

Message = tuple[Any, ...]
_send: Callable[[Message], None] | None = None
_send_lock = threading.Lock()
_local = threading.local()
_tokens = itertools.count(1)


def limit_seconds(nbytes: int | None = None) -> float:
    """The time a read of `nbytes` (None: a small one) may take before it counts as hung."""
    base = BASE_SECONDS
    text = os.environ.get(SECONDS_ENV)
    if text:
        try:
            base = max(0.1, float(text))
        except ValueError:
            pass
    return base + SECONDS_PER_GB * max(0, nbytes or 0) / 2**30


def file_size(path: str) -> int | None:
    """The size a read of the whole file at `path` is allowed time for (None when it cannot be told)."""
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def report_to(send: Callable[[Message], None] | None) -> None:
    """Send this process's read marks to a supervisor (None: nobody supervises, marks cost nothing)."""
    global _send
    _send = send


@contextmanager
def reading(what: str | Callable[[], str], nbytes: int | None = None) -> Iterator[None]:
    """Mark a read of the user's file `what` (a path, or a function that names it, called only when the mark is
    reported) covering about `nbytes` bytes. Marks nest: only the
    outermost of a thread is reported, so marking both a whole file and each tensor in it costs one message pair.

    Use it around any code that calls h5py (or other readers) on a user's file; the supervisor, if any, ends the
    process when the outermost mark does not end within `limit_seconds(nbytes)`."""
    depth = getattr(_local, "depth", 0)
    send = _send
    if depth or send is None:
        _local.depth = depth + 1
        try:
            yield
        finally:
            _local.depth = depth
        return
    token = next(_tokens)
    with _send_lock:
        send(("begin", token, str(what() if callable(what) else what)[:1000], limit_seconds(nbytes)))
    _local.depth = 1
    try:
        yield
    finally:
        _local.depth = 0
        with _send_lock:
            send(("end", token))


@dataclass
class Phase:
    what: str
    limit: float
    deadline: float

    def error(self) -> ReadTimeoutError:
        return ReadTimeoutError(f"reading {self.what} did not finish in {self.limit:.0f} s: "
                                "the file is corrupt or hostile")

    def died(self, signum: int) -> ReaderDiedError:
        try:
            name = signal.Signals(signum).name
        except ValueError:
            name = f"signal {signum}"
        return ReaderDiedError(f"reading {self.what} crashed the reader ({name}): the file is corrupt or hostile")


class Watch:
    """The supervisor's view of a reader: which marks are open and when the first one runs out."""

    def __init__(self) -> None:
        self.active: dict[int, Phase] = {}

    def feed(self, message: Message, now: float | None = None) -> None:
        if message[0] == "begin":
            _, token, what, limit = message
            start = time.monotonic() if now is None else now
            self.active[token] = Phase(what, float(limit), start + float(limit))
        elif message[0] == "end":
            self.active.pop(message[1], None)

    def expired(self, now: float | None = None) -> Phase | None:
        now = time.monotonic() if now is None else now
        return next((phase for phase in self.active.values() if phase.deadline <= now), None)

    def current(self) -> Phase | None:
        return next(iter(self.active.values()), None)

    def wait_seconds(self, longest: float) -> float:
        """How long the supervisor may sleep before the next deadline (at most `longest`)."""
        if not self.active:
            return longest
        return max(0.0, min(longest, min(p.deadline for p in self.active.values()) - time.monotonic()))


def supervise(work: Callable[[], int]) -> int:
    """Run `work` (returning an exit code) in a forked child that reports its read marks to this process, which
    kills it when a read outlives its limit and then prints the one-line error and returns 2. The child inherits
    the standard streams and writes its own output; the parent only waits, so forking costs about a millisecond.
    POSIX only: elsewhere `work` simply runs here."""
    if not hasattr(os, "fork"):
        return work()
    receiver, sender = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(receiver)
        report_to(lambda message: os.write(sender, _encode(message)))
        _child_exit(work)
    os.close(sender)
    return _wait_for(pid, receiver)


def _child_exit(work: Callable[[], int]) -> None:
    """Run the work, then leave the way the process would, minus the interpreter's teardown: exit handlers run
    (temporary files are removed) and the streams are flushed, but the modules (numpy, h5py, TensorFlow) are not
    dismantled one by one, which would cost the CLI tens of milliseconds for nothing."""
    import atexit

    code = 1
    try:
        code = work()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _encode(message: Message) -> bytes:
    return (json.dumps(message) + "\n").encode()  # one line, well under PIPE_BUF, so each write is atomic


def _wait_for(pid: int, receiver: int) -> int:
    watch = Watch()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the child too, which handles it itself

    def forward(signum: int, _frame: Any) -> None:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGHUP, forward)
    buffer = b""
    try:
        while True:
            ready, _, _ = select.select([receiver], [], [], watch.wait_seconds(0.5))
            if ready:
                chunk = os.read(receiver, 65536)
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    watch.feed(tuple(json.loads(line)))
                if not chunk:  # the child closed its end: it is exiting
                    return _exit_code(os.waitpid(pid, 0)[1], watch)
            phase = watch.expired()
            if phase is not None:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                print(f"error: {phase.error()}", file=sys.stderr)
                return 2
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return _exit_code(status, watch)
    finally:
        os.close(receiver)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _exit_code(status: int, watch: Watch) -> int:
    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        return code
    signum = -code
    if signum == signal.SIGINT:
        return 130
    phase = watch.current()
    if phase is not None:  # the C library died on the file: the same class of file as one that hangs it
        print(f"error: {phase.died(signum)}", file=sys.stderr)
        return 2
    print(f"keras-inspector died of signal {signum}; please report it", file=sys.stderr)
    return 128 + signum
