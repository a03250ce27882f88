"""`CollapseMonitor`: a Keras callback that measures, at the end of chosen epochs, what `diagnose` measures on a
fixed sample, appends one JSON line per epoch to a log, and says so when a head collapses.

The log is JSON lines: a header (layers, edges, heads, thresholds: everything `keras-inspector timeline` and the
window need, without TensorFlow), then one record per measured epoch, each written whole with one `write`, then
flushed and fsync'ed: a crash or a kill mid-write loses at most the line being written, and readers skip a
partial last line (see timeline.py).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import numpy as np

from inspector.analysis.tf_backend import BuiltModel, Callback, Runner
from inspector.progress import run

LOG_VERSION = 1


class CollapseMonitor(Callback):
    """Watch a model during `fit`: `validation_data=(x, y)` is the fixed sample measured (at most `max_samples`
    of it), every `every_n_epochs` epochs. With `stop_on_collapse`, training stops at the first collapse."""

    def __init__(self, log_path: str | os.PathLike[str], validation_data: Any, every_n_epochs: int = 1,
                 max_samples: int = 2048, stop_on_collapse: bool = False, verbose: bool = True) -> None:
        super().__init__()
        if every_n_epochs < 1:
            raise ValueError("every_n_epochs must be at least 1")
        self.log_path = os.fspath(log_path)
        self.validation_data = validation_data
        self.every_n_epochs = every_n_epochs
        self.max_samples = max_samples
        self.stop_on_collapse = stop_on_collapse
        self.verbose = verbose
        self.collapsed_epoch: int | None = None
        self.seconds = 0.0  # time spent measuring at epoch ends, for the overhead benchmark
        self.setup_seconds = 0.0  # reading the model's structure once, at the start of training
        self._state: dict[str, Any] | None = None
        self._reported: set[str] = set()

    def on_train_begin(self, logs: dict | None = None) -> None:
        from inspector.analysis.arrays import arrays_dataset
        from inspector.api import model_file
        from inspector.core.inspection import Inspection
        from inspector.core.reader import read_model

        start = time.perf_counter()
        with model_file(self.model) as (path, _):
            info = read_model(path)
        x, y = (self.validation_data if isinstance(self.validation_data, tuple) else (self.validation_data, None))
        ds = arrays_dataset(_head(x, self.max_samples), _head(y, self.max_samples), info.input_specs, info.outputs)
        runner = Runner(BuiltModel(self.model, "the model being trained"), info)
        self._state = {"info": info, "inspection": Inspection(info), "ds": ds, "runner": runner}
        header = {"kind": "header", "version": LOG_VERSION, "model": info.name, "model_class": info.model_class,
                  "layers": [{"name": n, "class_name": info.layers[n].class_name, "parent": info.layers[n].parent,
                              "activation": info.layers[n].activation} for n in info.topological_order()],
                  "edges": [list(e) for e in info.edges], "inputs": info.inputs, "outputs": info.outputs,
                  "samples": ds.n, "every_n_epochs": self.every_n_epochs, "started": time.time()}
        from inspector.core.catalogue import threshold_values

        header["thresholds"] = threshold_values()
        with open(self.log_path, "w", encoding="utf-8") as fh:
            _write_line(fh, header)
        self.setup_seconds += time.perf_counter() - start

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self._state is None or (epoch + 1) % self.every_n_epochs:
            return
        from inspector.analysis.capture import measure_steps
        from inspector.analysis.diagnose import judge

        start = time.perf_counter()
        state = self._state
        capture = run(measure_steps(state["info"], state["ds"], state["runner"]))
        d = judge(state["inspection"], state["ds"], capture)
        record = epoch_record(epoch + 1, d, logs)
        with open(self.log_path, "a", encoding="utf-8") as fh:
            _write_line(fh, record)
        self.seconds += time.perf_counter() - start
        for h in d.heads:
            state_word = "collapsed" if h.collapsed else "nearly collapsed" if h.nearly_collapsed else None
            if state_word and (h.name, state_word) not in self._reported:
                self._reported.add((h.name, state_word))
                where = record["heads"][h.name].get("died_in")
                if self.verbose:
                    print(f"epoch {epoch + 1}: head '{h.name}' {state_word}"
                          + (f"; the spread died in {where}" if where else ""), file=sys.stdout, flush=True)
        if d.collapsed and self.collapsed_epoch is None:
            self.collapsed_epoch = epoch + 1
            if self.stop_on_collapse:
                self.model.stop_training = True


def epoch_record(epoch: int, d: Any, logs: dict | None) -> dict[str, Any]:
    """What one epoch's measurement keeps: per layer and per head, the quantities the timeline plots."""
    dead = d.thresholds["dead_spread"]
    layers = {}
    for name in d.order:
        m = d.layers[name]
        a = m.activation
        layers[name] = {"relative_spread": a.relative_spread, "spread": a.spread, "dead_fraction": a.dead_fraction,
                        "saturated_fraction": a.saturated_fraction, "weight_grad": m.weight_grad,
                        "mean": a.stats.mean, "std": a.stats.std,
                        "histogram": {"counts": a.stats.histogram.counts, "edges": a.stats.histogram.edges}}
    heads = {}
    for h in d.heads:
        feeding = d.info.feeding(h.name) if h.name in d.info.layers else set()
        died = next((n for n in d.order if n.split("/", 1)[0] in feeding
                     and d.layers[n].activation.relative_spread < dead), None)
        heads[h.name] = {"std": h.std, "relative_spread": h.relative_spread, "mean": h.stats.mean,
                         "collapsed": h.collapsed, "nearly_collapsed": h.nearly_collapsed, "reason": h.reason,
                         "target_std": h.target_stats.std if h.target_stats else None,
                         "class_counts": h.class_counts, "top_class_share": h.top_class_share, "died_in": died}
    return {"kind": "epoch", "epoch": epoch, "time": time.time(), "collapsed": d.collapsed, "verdict": d.verdict,
            "logs": {k: float(v) for k, v in (logs or {}).items() if isinstance(v, (int, float, np.floating))},
            "heads": heads, "layers": layers,
            "pairs": [{"head_a": p.head_a, "head_b": p.head_b, "correlation": p.correlation,
                       "identical": p.identical} for p in d.pairs],
            "blame": [{"layer": b.layer, "role": b.role, "score": b.score, "kinds": b.kinds} for b in d.blame[:5]]}


def _head(values: Any, n: int) -> Any:
    if values is None:
        return None
    if isinstance(values, dict):
        return {k: np.asarray(v)[:n] for k, v in values.items()}
    if isinstance(values, (list, tuple)):
        return [np.asarray(v)[:n] for v in values]
    return np.asarray(values)[:n]


def _write_line(fh: Any, record: dict[str, Any]) -> None:
    from inspector.report.json_out import dumps

    fh.write(dumps(record) + "\n")
    fh.flush()
    os.fsync(fh.fileno())
