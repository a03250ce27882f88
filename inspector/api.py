"""The Python API, for notebooks and scripts: `inspector.diagnose`, `inspector.inspect`, `inspector.show`.

Nothing heavy is imported until a function is called. An in-memory model is serialized by Keras into memory
(a `.keras` archive in an anonymous in-memory file on Linux, so every reader sees a path and nothing is written to
disk) and diagnosed exactly like the saved file: the JSON is the same but for the `file` entry.
"""

from __future__ import annotations

import base64
import html
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PathLike = str | os.PathLike[str]


class Diagnosis:
    """The result of `inspector.diagnose`: the verdict, heads, findings and blame of the analysis, with the
    same JSON as `diagnose --json` and the same PNG report; a notebook cell ending in it shows the report."""

    def __init__(self, result: Any, label: str) -> None:
        self.result = result  # inspector.analysis.results.Diagnosis
        self.label = label

    collapsed = property(lambda self: self.result.collapsed)
    nearly_collapsed = property(lambda self: self.result.nearly_collapsed)
    verdict = property(lambda self: self.result.verdict)
    heads = property(lambda self: self.result.heads)
    findings = property(lambda self: self.result.findings)
    blame = property(lambda self: self.result.blame)

    def to_dict(self) -> dict[str, Any]:
        from inspector.report.json_out import clean, diagnosis_to_dict

        doc = diagnosis_to_dict(self.result)
        doc["file"] = self.label
        return clean(doc)

    def save_json(self, path: PathLike) -> None:
        from inspector.output import write_atomic
        from inspector.report.json_out import dumps

        write_atomic(os.fspath(path), (dumps(self.to_dict()) + "\n").encode())

    def png(self, colour_by: str = "blame") -> bytes:
        """The report; `colour_by` fills the graph's nodes by blame, "spread", "dead", "saturated" or
        "weight_grad" (report.graph_model.METRICS)."""
        from inspector.report.render import render_png

        return render_png(self.result, colour_by)

    def save_png(self, path: PathLike, colour_by: str = "blame") -> None:
        from inspector.output import write_atomic

        write_atomic(os.fspath(path), self.png(colour_by))

    def text(self) -> str:
        from inspector.report.text_out import diagnosis_text

        return diagnosis_text(self.result)

    def _repr_png_(self) -> bytes:
        return self.png()

    def _repr_html_(self) -> str:
        image = base64.b64encode(self.png()).decode()
        return (f"<div><p><b>{html.escape(self.verdict)}</b></p>{_blame_table(self.blame)}"
                f"<img src='data:image/png;base64,{image}' style='max-width:100%'/></div>")

    def __repr__(self) -> str:
        return f"<inspector.Diagnosis of {self.label}: {self.verdict}>"


class Inspection:
    """The result of `inspector.inspect`: structure, weight statistics and data-free flags of a model file."""

    def __init__(self, result: Any) -> None:
        self.result = result  # inspector.core.inspection.Inspection

    info = property(lambda self: self.result.info)
    findings = property(lambda self: self.result.findings)

    def to_dict(self) -> dict[str, Any]:
        from inspector.report.json_out import clean, inspection_to_dict

        return clean(inspection_to_dict(self.result))

    def text(self) -> str:
        from inspector.report.text_out import inspection_text

        return inspection_text(self.result)

    def _repr_html_(self) -> str:
        info = self.info
        rows = "".join(f"<tr><td>{html.escape(f.severity)}</td><td>{html.escape(f.kind)}</td>"
                       f"<td>{html.escape(f.layer or '')}</td><td>{html.escape(f.message)}</td></tr>"
                       for f in self.findings if f.severity != "info")
        return (f"<div><p><b>{html.escape(str(info.model_class))} '{html.escape(str(info.name))}'</b>: "
                f"{len(info.layers)} layers, {info.params:,} params</p>"
                + (f"<table><tr><th>severity</th><th>kind</th><th>layer</th><th>message</th></tr>{rows}</table>"
                   if rows else "<p>no flags from the weights</p>") + f"<pre>{html.escape(self.text())}</pre></div>")

    def __repr__(self) -> str:
        return f"<inspector.Inspection of {self.info.path}>"


class TimelineView:
    """The result of `inspector.timeline`: when the collapse began, per epoch; shows its plots in a notebook."""

    def __init__(self, result: Any) -> None:
        self.result = result  # inspector.training_log.Timeline

    sentence = property(lambda self: self.result.sentence())
    onset_epoch = property(lambda self: self.result.onset_epoch)
    onset_layer = property(lambda self: self.result.onset_layer)

    def to_dict(self) -> dict[str, Any]:
        from inspector.report.json_out import clean
        from inspector.training_log import timeline_to_dict

        return clean(timeline_to_dict(self.result))

    def png(self) -> bytes:
        from inspector.report.timeline_render import render_timeline_png

        return render_timeline_png(self.result)

    def _repr_png_(self) -> bytes:
        return self.png()

    def __repr__(self) -> str:
        return f"<inspector timeline of {self.result.path}: {self.sentence}>"


def timeline(log_path: PathLike) -> TimelineView:
    """Read a CollapseMonitor log (no TensorFlow needed)."""
    from inspector.training_log import read_log

    return TimelineView(read_log(log_path))


def _blame_table(blame: list[Any]) -> str:
    if not blame:
        return ""
    rows = "".join(
        f"<tr><td>{html.escape(b.layer)}</td><td>{'responsible' if b.responsible else 'suspect'}</td>"
        f"<td>{b.role}</td><td>{b.score:.1f}</td><td>{html.escape('; '.join(b.reasons))}</td>"
        f"<td>{html.escape(b.check)}</td></tr>" for b in blame[:5])
    return ("<table><tr><th>layer</th><th>status</th><th>role</th><th>score</th><th>evidence</th>"
            f"<th>counterfactual check</th></tr>{rows}</table>")


def diagnose(model_or_path: Any, x: Any = None, y: Any = None, *, batch_size: int | None = None,
             max_samples: int | None = None, seed: int = 0, trust_code: bool = False) -> Diagnosis:
    """Diagnose a model (an in-memory `keras.Model`, or a path) on `x`/`y` (arrays, lists of arrays or dicts
    by input/output name, or a `tf.data.Dataset` of `(x, y)` batches, streamed), or on synthetic inputs when
    `x` is None. The in-memory model is not modified: it is only serialized."""
    from inspector.analysis.diagnose import DiagnoseOptions, diagnose_steps
    from inspector.progress import run

    options = DiagnoseOptions(batch_size=batch_size, max_samples=max_samples, seed=seed, trust_code=trust_code,
                              arrays=None if x is None else (x, y))
    with model_file(model_or_path) as (path, label):
        return Diagnosis(run(diagnose_steps(path, options)), label)


def inspect(path: PathLike, trust_code: bool = False) -> Inspection:
    """Structure, weight statistics and data-free flags of a model file; TensorFlow is not imported."""
    from inspector.core.inspection import inspect_model

    return Inspection(inspect_model(path, trust_code=trust_code))


def show(target: Any, data: Any = None) -> subprocess.Popen[bytes]:
    """Open the window on a model (path or in-memory), or on a `Diagnosis`, in its own process, so that the
    notebook kernel is never blocked. `data` is a path, or `(x, y)` arrays written to a temporary .npz."""
    folder = Path(tempfile.mkdtemp(prefix="keras-inspector-show-"))
    if isinstance(target, Diagnosis):
        target = target.result.info.path if os.path.exists(target.result.info.path) else None
        if target is None:
            raise ValueError("this diagnosis was made on an in-memory model that is gone: show the model itself")
    if isinstance(target, (str, os.PathLike)):
        model = os.fspath(target)
    else:
        from inspector.analysis import tf_backend

        model = str(folder / f"{getattr(target, 'name', 'model')}.keras")
        Path(model).write_bytes(tf_backend.model_archive(target))
    argv = [sys.executable, "-m", "inspector", "gui", model]
    if data is not None:
        argv += ["--data", _data_file(data, folder)]
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL)


def _data_file(data: Any, folder: Path) -> str:
    if isinstance(data, (str, os.PathLike)):
        return os.fspath(data)
    import numpy as np

    x, y = data if isinstance(data, tuple) and len(data) == 2 else (data, None)
    arrays = {"x": np.asarray(x)} if not isinstance(x, dict) else {k: np.asarray(v) for k, v in x.items()}
    if y is not None:
        arrays["y"] = np.asarray(y) if not isinstance(y, dict) else None
        if isinstance(y, dict):
            del arrays["y"]
            arrays.update({k: np.asarray(v) for k, v in y.items()})
    path = folder / "data.npz"
    np.savez(path, **arrays)
    return str(path)


@contextmanager
def model_file(model_or_path: Any) -> Iterator[tuple[str, str]]:
    """(a path every reader can open, a label for the user) for a path or an in-memory model."""
    if isinstance(model_or_path, (str, os.PathLike)):
        path = os.fspath(model_or_path)
        yield path, os.path.abspath(path)
        return
    from inspector.analysis import tf_backend

    data = tf_backend.model_archive(model_or_path)
    label = f"<in-memory model '{getattr(model_or_path, 'name', '?')}'>"
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("keras-inspector-model", 0)
        try:
            _write_all(fd, data)
            yield f"/proc/{os.getpid()}/fd/{fd}", label
        finally:
            os.close(fd)
        return
    with tempfile.TemporaryDirectory(prefix="keras-inspector-") as folder:  # no anonymous memory files here
        path = os.path.join(folder, "model.keras")
        Path(path).write_bytes(data)
        yield path, label


def _write_all(fd: int, data: bytes) -> None:
    """os.write may write less than it is given, whatever the size: loop until all of it is there."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
