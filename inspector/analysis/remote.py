"""Long work in a child process, for the window: opening a model and diagnosing it.

Importing TensorFlow holds Python's GIL for hundreds of milliseconds at a time (loading its native libraries),
and h5py holds it inside its calls while a 100 MB model is read; either would freeze a window whose work runs in
a thread of the same process. In a child process none of it touches the window's interpreter. Same generator
contract as the work itself: it yields `Progress` and returns the result; closing it (cancel) stops the child.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable, Generator
from typing import Any

from inspector.errors import InspectorError
from inspector.progress import Progress, run

POLL_SECONDS = 0.1  # how often the parent looks at the pipe, and so how soon a cancel is seen


class AnalysisCrashed(RuntimeError):
    """The child raised something that is not a user error: a bug, with the child's traceback."""


def diagnose_in_child(model_path: str, options: Any, inspection: Any = None) -> Generator[Progress, None, Any]:
    """The window's inspection travels to the child (without its open files), so the file's weights are not
    measured again there."""
    import copy

    portable = None
    if inspection is not None:
        portable = copy.copy(inspection)
        portable.info = copy.copy(inspection.info)
        portable.info.source = None
    from inspector.analysis.diagnose import diagnose_steps  # no TensorFlow at import: it loads in the child

    diagnosis = yield from run_in_child(diagnose_steps, os.fspath(model_path), options, portable)
    if inspection is not None:  # the window's own, so the panels keep what they already show
        diagnosis.inspection = inspection
    return diagnosis


def open_in_child(model_path: str, expanded: frozenset[str] = frozenset()) -> Generator[Progress, None, Any]:
    """Read the model and lay out its graph: (inspection, layout), the inspection without open files."""
    return (yield from run_in_child(open_steps, os.fspath(model_path), expanded))


def sort_in_child(paths: list[str]) -> Generator[Progress, None, Any]:
    """Dropped files as (models, datasets): an .h5 is a model by the reader's own rule, decided in the child,
    under the read time limit, since a hostile HDF5 file can make the library loop for ever."""
    return (yield from run_in_child(sort_steps, [os.fspath(p) for p in paths]))


def sort_steps(paths: list[str]) -> Generator[Progress, None, Any]:
    from pathlib import Path

    from inspector.core.h5safe import open_h5
    from inspector.core.legacy_h5 import keras_content

    yield Progress("looking at the dropped files")
    models, data = [], []
    for path in paths:
        p = Path(path)
        suffix = p.suffix.lower()
        is_model = not p.is_dir() and suffix == ".keras"
        if not p.is_dir() and suffix in (".h5", ".hdf5"):
            try:
                with open_h5(p, str(p)) as f:
                    is_model = keras_content(f) is not None
            except InspectorError:
                is_model = True  # let the reader explain what is wrong with it
        (models if is_model else data).append(path)
    return models, data


def open_steps(model_path: str, expanded: frozenset[str]) -> Generator[Progress, None, Any]:
    from inspector.core.inspection import inspect_steps
    from inspector.core.layout import layout_model

    inspection = yield from inspect_steps(model_path)
    yield Progress("laying out the graph")
    return inspection, layout_model(inspection.info, expanded)


def run_in_child(target: Callable[..., Generator[Progress, None, Any]], *args: Any) -> Generator[Progress, None, Any]:
    """Run the generator function `target(*args)` in a fresh process, relaying its progress (a module-level
    function: the child imports it by name). The child
    reports its reads of the user's files (core.deadline); one that outlives its limit ends the child and raises
    `ReadTimeoutError`, since a file that makes HDF5 loop in C would otherwise spin in the child for ever."""
    from inspector.core.deadline import Watch

    watch = Watch()
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(sender, target, args), daemon=True,
                            name="keras-inspector-analysis")
    child.start()
    sender.close()
    last = Progress("starting the analysis")
    try:
        while True:
            if receiver.poll(POLL_SECONDS):
                try:
                    message = receiver.recv()
                except EOFError:
                    child.join(5)
                    raise _ended(child, watch, "ended unexpectedly") from None
                kind = message[0]
                if kind == "deadline":
                    watch.feed(message[1])
                elif kind == "progress":
                    last = message[1]
                elif kind == "result":
                    return message[1]
                elif kind == "user_error":
                    raise message[1]
                else:
                    raise AnalysisCrashed(message[1])
            elif not child.is_alive():
                raise _ended(child, watch, "stopped unexpectedly")
            expired = watch.expired()
            if expired is not None:
                child.kill()
                raise expired.error()
            yield last
    finally:
        if child.is_alive():
            child.terminate()
        child.join(5)
        receiver.close()


def _ended(child: Any, watch: Any, how: str) -> Exception:
    """Why the child is gone: killed by a signal inside a read of the user's file (HDF5 crashing on it), a
    one-line error; otherwise a crash to report."""
    phase = watch.current()
    if phase is not None and (child.exitcode or 0) < 0:
        return phase.died(-child.exitcode)
    return AnalysisCrashed(f"the analysis process {how} (exit code {child.exitcode}; out of memory?)")


def _child_main(sender: Any, target: Callable[..., Generator[Progress, None, Any]], args: tuple) -> None:
    from inspector.core import deadline

    deadline.report_to(lambda message: sender.send(("deadline", message)))
    try:
        steps = target(*args)
        result = run(steps, lambda progress: sender.send(("progress", progress)))
        sender.send(("result", _portable(result)))
    except InspectorError as exc:
        sender.send(("user_error", exc))
    except BaseException:  # noqa: BLE001 - everything else is a bug to show with its traceback
        sender.send(("bug", traceback.format_exc()))
    finally:
        sender.close()


def _portable(value: Any) -> Any:
    """Results without open-file handles (an inspection's weight source), so they can cross processes."""
    from inspector.core.inspection import Inspection

    items = value if isinstance(value, tuple) else (value,)
    for item in items:
        inspection = item if isinstance(item, Inspection) else getattr(item, "inspection", None)
        if isinstance(inspection, Inspection):
            inspection.info.source = None
    return value
