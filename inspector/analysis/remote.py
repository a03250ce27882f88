"""The diagnosis in a child process, for the window.

Importing TensorFlow holds Python's GIL for hundreds of milliseconds at a time (loading its native libraries),
which would freeze a window whose analysis runs in a thread of the same process. In a child process nothing of
TensorFlow touches the window's interpreter. Same generator contract as `diagnose_steps`: it yields `Progress`
and returns the `Diagnosis`; closing it (cancel) stops the child.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Generator
from typing import Any

from inspector.errors import InspectorError
from inspector.progress import Progress

POLL_SECONDS = 0.1  # how often the parent looks at the pipe, and so how soon a cancel is seen


class AnalysisCrashed(RuntimeError):
    """The child raised something that is not a user error: a bug, with the child's traceback."""


def diagnose_in_child(model_path: str, options: Any, inspection: Any = None) -> Generator[Progress, None, Any]:
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(sender, os.fspath(model_path), options), daemon=True,
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
                    raise AnalysisCrashed(f"the analysis process ended unexpectedly (exit code "
                                          f"{child.exitcode})") from None
                kind = message[0]
                if kind == "progress":
                    last = message[1]
                elif kind == "result":
                    diagnosis = message[1]
                    if inspection is not None:  # the window's own, with a live weight source for the panels
                        diagnosis.inspection = inspection
                    return diagnosis
                elif kind == "user_error":
                    raise message[1]
                else:
                    raise AnalysisCrashed(message[1])
            elif not child.is_alive():
                raise AnalysisCrashed(f"the analysis process stopped unexpectedly (exit code {child.exitcode}; "
                                      "out of memory?)")
            yield last
    finally:
        if child.is_alive():
            child.terminate()
        child.join(5)
        receiver.close()


def _child_main(sender: Any, model_path: str, options: Any) -> None:
    from inspector.analysis.diagnose import diagnose_steps

    try:
        steps = diagnose_steps(model_path, options)
        while True:
            try:
                progress = next(steps)
            except StopIteration as done:
                diagnosis = done.value
                break
            sender.send(("progress", progress))
        diagnosis.inspection = _portable(diagnosis.inspection)
        sender.send(("result", diagnosis))
    except InspectorError as exc:
        sender.send(("user_error", exc))
    except BaseException:  # noqa: BLE001 - everything else is a bug to show with its traceback
        sender.send(("bug", traceback.format_exc()))
    finally:
        sender.close()


def _portable(inspection: Any) -> Any:
    """An inspection without its open-file handles, so it can cross the process boundary."""
    inspection.info.source = None
    return inspection
