"""What the window's training-log view shows, Qt-free (STYLE habit 5): the graph as it was at each measured epoch,
the spread of heads and layers over the epochs on a log scale that keeps exact zeros, and the selected layer's
histogram at the chosen epoch. Everything comes from the log; no TensorFlow, no model file.
"""

from __future__ import annotations

import math
import os
from collections.abc import Generator
from dataclasses import dataclass, field

from inspector.core.layout import GraphLayout, layout_model
from inspector.core.model import Layer, ModelInfo
from inspector.core.stats import Histogram
from inspector.progress import Progress
from inspector.report.content import HistPanel
from inspector.training_log import Timeline, read_log, series

MAX_PLOTTED_LAYERS = 8  # lines in the layer-spread plot besides the selected layer (the PNG's colours)


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
class LogAxis:
    """A log10 axis on which exact zeros (a dead layer, a constant head) get a row of their own, labelled 0."""

    floor: int  # the decade drawn for zero
    top: int

    @staticmethod
    def over(values: list[float | None], extra: tuple[float, ...] = ()) -> LogAxis:
        positive = [v for v in [*values, *extra] if v is not None and v > 0 and math.isfinite(v)]
        lo = math.floor(math.log10(min(positive))) if positive else -6
        hi = math.ceil(math.log10(max(positive))) if positive else 1
        return LogAxis(lo - 1, max(hi, lo + 1))

    def y(self, value: float | None) -> float:
        """Where a value is drawn; NaN (a gap in the line) where it was not measured."""
        if value is None or not math.isfinite(value):
            return math.nan
        return math.log10(value) if value > 0 else float(self.floor)

    def ticks(self) -> list[tuple[float, str]]:
        return [(float(d), "0" if d == self.floor else f"1e{d}") for d in range(self.floor, self.top + 1)]


@dataclass
class Line:
    name: str
    xs: list[float]
    ys: list[float]  # on the LogAxis
    emphasis: bool = False  # the layer the collapse began in, or the selected one


@dataclass
class SpreadPlot:
    title: str
    axis: LogAxis
    lines: list[Line]
    threshold: float | None = None  # on the axis: the dead-spread threshold
    note: str = ""


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
        return float(self.timeline.header.get("thresholds", {}).get("dead_spread", 1e-3))

    @property
    def collapse_label(self) -> str | None:
        t = self.timeline
        return None if t.onset_epoch is None else f"collapse began: epoch {t.onset_epoch}"

    @property
    def onset_in_right_half(self) -> bool:
        t, epochs = self.timeline, self.epochs
        return t.onset_epoch is not None and bool(epochs) and t.onset_epoch > (epochs[0] + epochs[-1]) / 2

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
        out: dict[str, list[str]] = {}
        for head, h in self.timeline.epochs[index]["heads"].items():
            if (h.get("collapsed") or h.get("nearly_collapsed")) and h.get("died_in") in self.info.layers:
                out.setdefault(h["died_in"], []).append(head)
        return out

    def caption(self, index: int) -> tuple[str, bool]:
        """The chosen epoch in words, and whether it is collapsed (drawn in the blame colour)."""
        record = self.timeline.epochs[index]
        text = f"Epoch {record['epoch']} ({index + 1} of {len(self.epochs)} measured): {record.get('verdict', '')}"
        return text, bool(record.get("collapsed"))

    def plotted_layers(self, selected: str | None = None) -> list[str]:
        """The layer the collapse began in first, then where heads died, then in order; the selected one too."""
        names = self.timeline.layer_names
        died = [n for i in range(len(self.epochs)) for n in self.died_in(i)]
        first = [n for n in dict.fromkeys([self.timeline.onset_layer, *died]) if n in names]
        chosen = (first + [n for n in names if n not in first])[:MAX_PLOTTED_LAYERS]
        if selected in names and selected not in chosen:
            chosen.append(selected)
        return chosen

    def head_plot(self) -> SpreadPlot:
        t = self.timeline
        data = {h: series(t, "heads", h, "std") for h in t.heads}
        axis = LogAxis.over([v for pts in data.values() for _, v in pts])
        lines = [Line(h, [float(e) for e, _ in pts], [axis.y(v) for _, v in pts], h == t.onset_head)
                 for h, pts in data.items()]
        return SpreadPlot("Head output std across samples", axis, lines)

    def layer_plot(self, selected: str | None = None) -> SpreadPlot:
        t = self.timeline
        names = self.plotted_layers(selected)
        data = {n: series(t, "layers", n) for n in names}
        axis = LogAxis.over([v for pts in data.values() for _, v in pts], (self.dead,))
        lines = [Line(n, [float(e) for e, _ in pts], [axis.y(v) for _, v in pts],
                      n in (selected, t.onset_layer)) for n, pts in data.items()]
        more = len(t.layer_names) - len(names)
        note = f"{more} more layers: select one in the graph to plot it" if more > 0 else ""
        return SpreadPlot("Layer relative spread (dashed: dead-spread threshold)", axis, lines, axis.y(self.dead),
                          note)

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
