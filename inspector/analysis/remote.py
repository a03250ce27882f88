"""Long work in a child process, for the window: opening a model and diagnosing it.

Importing TensorFlow holds Python's GIL for hundreds of milliseconds at a time (loading its native libraries),
and h5py holds it inside its calls while a 100 MB model is read; either would freeze a window whose work runs in
a thread of the same process. In a child process none of it touches the window's interpreter. Same generator
contract as the work itself: it yields `Progress` and returns the result; closing it (cancel) stops the child.

The processes are analysis.worker's: `run_in_child` starts one for one job, `WarmWorker` keeps one between jobs
with TensorFlow imported ahead of time, so a diagnosis does not wait seconds for it.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from typing import Any

from inspector.analysis.worker import AnalysisCrashed, Steps, WarmWorker, run_in_child
from inspector.errors import InspectorError
from inspector.progress import Progress

__all__ = ["AnalysisCrashed", "Preview", "WarmWorker", "diagnose_in_child", "open_in_child", "run_in_child",
           "sort_in_child"]


@dataclass(frozen=True)
class Preview(Progress):
    """Progress that carries part of the result ahead of the rest: the graph of a model whose weights are still
    being measured, so the window can draw it a second earlier."""

    value: Any = None


# --- what the window runs ------------------------------------------------------------------------------------


def diagnose_in_child(model_path: str, options: Any, inspection: Any = None,
                      worker: WarmWorker | None = None) -> Steps:
    """The window's inspection travels to the child (without its open files), so the file's weights are not
    measured again there, and it does not travel back: the diagnosis returns with the window's own."""
    portable = None
    if inspection is not None:
        portable = copy.copy(inspection)
        portable.info = copy.copy(inspection.info)
        portable.info.source = None
    runner = worker.run if worker is not None else run_in_child
    diagnosis = yield from runner(diagnose_steps_here, os.fspath(model_path), options, portable)
    if inspection is not None:  # the window's own, so the panels keep what they already show
        diagnosis.inspection = inspection
    return diagnosis


def diagnose_steps_here(model_path: str, options: Any, inspection: Any) -> Steps:
    """The child's side of `diagnose_in_child`: the inspection it was given is not sent back."""
    from inspector.analysis.diagnose import diagnose_steps  # no TensorFlow at import: it loads in the child

    diagnosis = yield from diagnose_steps(model_path, options, inspection)
    if inspection is not None:
        diagnosis.inspection = None
    return diagnosis


def open_in_child(model_path: str, expanded: frozenset[str] = frozenset(),
                  worker: WarmWorker | None = None) -> Steps:
    """Read the model and lay out its graph: (inspection, layout), the inspection without open files. The
    structure and layout come first, as a `Preview` of (info, layout): an info without weight references when
    the file's structure could be read alone, whose layers are those of the final inspection's info."""
    from inspector.core.inspection import Inspection

    runner = worker.run_light if worker is not None else run_in_child
    steps = runner(open_steps, os.fspath(model_path), expanded)
    shown: tuple[Any, Any] | None = None
    try:
        progress = next(steps)
        while True:
            if isinstance(progress, Preview):
                shown = progress.value
            yield progress
            progress = next(steps)
    except StopIteration as done:
        full, weight_stats, comparisons, findings = done.value
    finally:
        steps.close()
    assert shown is not None
    structure, layout = shown
    return Inspection(full or structure, weight_stats, comparisons, findings), layout


def open_steps(model_path: str, expanded: frozenset[str]) -> Steps:
    """The child's side of `open_in_child`: the structure and its layout as soon as they are known (a .keras
    archive's structure is read without walking its weights, half a second sooner on 1,000 layers), then the
    model read in full, its weights' statistics, comparisons and findings."""
    from inspector.core.inspection import inspect_steps
    from inspector.core.layout import layout_model
    from inspector.core.reader import read_model, read_structure

    yield Progress("reading model")
    structure = read_structure(model_path)
    yield Progress("laying out the graph")
    layout = layout_model(structure, expanded)
    yield Preview("measuring the weights", value=(_without_source(structure), layout))
    info = structure if structure.source is not None else read_model(model_path)  # HDF5: read in full already
    inspection = yield from inspect_steps(model_path, info=info)
    full = None if info is structure else _without_source(info)  # the parent has the structure's copy
    return full, inspection.weight_stats, inspection.comparisons, inspection.findings


def _without_source(info: Any) -> Any:
    """The model's description without its weight source (open files do not cross processes)."""
    portable = copy.copy(info)
    portable.source = None
    return portable


def sort_in_child(paths: list[str], worker: WarmWorker | None = None) -> Steps:
    """Dropped files as (models, datasets): an .h5 is a model by the reader's own rule, decided in the child,
    under the read time limit, since a hostile HDF5 file can make the library loop for ever."""
    runner = worker.run_light if worker is not None else run_in_child
    return (yield from runner(sort_steps, [os.fspath(p) for p in paths]))


def sort_steps(paths: list[str]) -> Steps:
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
