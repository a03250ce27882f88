"""What the window's training-log view shows, Qt-free (STYLE habit 5): the graph as it was at each measured epoch,
the spread of heads and layers over the epochs on a log scale that keeps exact zeros, and the selected layer's
histogram at the chosen epoch. Everything comes from the log; no TensorFlow, no model file.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from dataclasses import dataclass, field

from inspector.core.layout import GraphLayout, layout_model
from inspector.core.model import Layer, ModelInfo
from inspector.core.stats import Histogram
from inspector.progress import Progress
from inspector.report import plot_model
from inspector.report.content import HistPanel
from inspector.report.plot_model import SpreadPlot
from inspector.training_log import Timeline, read_log


def info_from_log(t: Timeline) -> ModelInfo:
    """The model's structure as the log's header records it: enough to lay out and colour the graph."""
    layers: dict[str, Layer] = {}
    for entry in t.header.get("layers", []):
        name = str(entry["name"])
        activation = entry.get("activation")
        layers[name] = Layer(name, str(entry.get("class_name") or "?"),
                             {"activation": activation} if activation else {}, parent=entry.get("parent"))
    for layer in layers.values():
        if layer.parent in layers:
            layers[layer.parent].children.append(layer.name)
    edges = [(str(s), str(d)) for s, d in t.header.get("edges", []) if s in layers and d in layers]
    for s, d in edges:
        if s not in layers[d].inbound:
            layers[d].inbound.append(s)
    return ModelInfo(path=t.path, format="training_log", keras_version=None, backend=None,
                     model_class=t.header.get("model_class"), name=t.header.get("model"), layers=layers, edges=edges,
                     inputs=list(t.header.get("inputs") or []), outputs=list(t.header.get("outputs") or []),
                     input_specs=[], heads=[], source=None)


@dataclass
class TimelineState:
    timeline: Timeline
    info: ModelInfo
    layout: GraphLayout
    notes: list[str] = field(default_factory=list)

    @property
    def epochs(self) -> list[int]:
        return [int(e["epoch"]) for e in self.timeline.epochs]

    @property
    def dead(self) -> float:
        return plot_model.dead_threshold(self.timeline)

    def index_of(self, epoch: int) -> int:
        return min(range(len(self.epochs)), key=lambda i: abs(self.epochs[i] - epoch))

    def levels(self, index: int) -> dict[str, str]:
        """Each measured layer at that epoch: dead below the dead-spread threshold, else varying; the layers the
        epoch's diagnosis blamed are suspects (no repair is tried during training, so none is proven)."""
        record = self.timeline.epochs[index]
        levels = {}
        for name, m in record["layers"].items():
            spread = m.get("relative_spread")
            if spread is not None:
                levels[name] = "dead" if spread < self.dead else "ok"
        for entry in record.get("blame", []):
            if entry.get("layer") in self.info.layers:
                levels[entry["layer"]] = "suspect"
        return levels

    def died_in(self, index: int) -> dict[str, list[str]]:
        """Layer -> the collapsed (or nearly collapsed) heads whose spread died in it at that epoch."""
        return plot_model.died_in(self.timeline, index)

    def caption(self, index: int) -> tuple[str, bool]:
        """The chosen epoch in words, and whether it is collapsed (drawn in the blame colour)."""
        record = self.timeline.epochs[index]
        text = f"Epoch {record['epoch']} ({index + 1} of {len(self.epochs)} measured): {record.get('verdict', '')}"
        return text, bool(record.get("collapsed"))

    def plotted_layers(self, selected: str | None = None) -> list[str]:
        return plot_model.plotted_layers(self.timeline, selected)

    def head_plot(self) -> SpreadPlot:
        return plot_model.head_plot(self.timeline)

    def layer_plot(self, selected: str | None = None) -> SpreadPlot:
        return plot_model.layer_plot(self.timeline, selected)

    def layer_detail(self, index: int, name: str) -> tuple[HistPanel | None, str]:
        """The selected layer at that epoch: its activation histogram and its numbers in one line."""
        record = self.timeline.epochs[index]
        m = record["layers"].get(name)
        epoch = record["epoch"]
        if m is None:
            members = [n for n in record["layers"] if n.startswith(name + "/")]
            if members:  # a nested model drawn as one node: the member a head died in, else its first measured one
                died = [n for n in self.died_in(index) if n in members]
                return self.layer_detail(index, (died or members)[0])
            return None, f"<b>{name}</b> at epoch {epoch}: not measured"
        level = self.levels(index).get(name, "ok")
        hist = m.get("histogram") or {}
        histogram = Histogram(list(hist.get("counts") or []), list(hist.get("edges") or []))
        marker = None
        width = histogram.edges[-1] - histogram.edges[0] if histogram.edges else 0.0
        if m.get("mean") is not None and (m.get("std") == 0 or width <= 1e-9 * max(1.0, abs(m["mean"]))):
            marker = float(m["mean"])  # every value the same: one labelled line, not a bar of no width
        panel = HistPanel(f"{name}: activations at epoch {epoch}",
                          histogram if histogram.counts and marker is None else None,
                          alert=level in ("dead", "suspect"), marker=marker,
                          marker_label=f"all {sum(histogram.counts):,} values are {marker:.3g}" if marker is not None else "",
                          x_label="activation", y_label="values")
        parts = [f"relative spread {_num(m.get('relative_spread'))}", f"mean {_num(m.get('mean'))}",
                 f"std {_num(m.get('std'))}"]
        for key, word in (("dead_fraction", "dead units"), ("saturated_fraction", "saturated units")):
            if m.get(key) is not None:
                parts.append(f"{word} {m[key]:.0%}")
        parts.append(f"weight-gradient RMS {_num(m.get('weight_grad'))}")
        heads = self.died_in(index).get(name)
        if heads:
            parts.append("the spread of " + ", ".join(f"'{h}'" for h in heads) + " died here")
        return panel, f"<b>{name}</b> at epoch {epoch}: " + " · ".join(parts)


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3g}"


def state_of(t: Timeline) -> TimelineState:
    return TimelineState(t, info := info_from_log(t), layout_model(info), list(t.notes))


def timeline_steps(path: str | os.PathLike[str]) -> Generator[Progress, None, TimelineState]:
    """Read a log and lay out its graph (the layout is the slow part on a big model): for a worker thread."""
    yield Progress(f"reading {os.path.basename(os.fspath(path))}")
    t = read_log(path)
    if not t.epochs:
        from inspector.errors import InspectorError

        raise InspectorError(f"{os.fspath(path)}: the training log has no measured epoch yet")
    yield Progress("laying out the graph")
    return state_of(t)
