"""The across-sample spread plots, Qt-free (STYLE habit 5): a log axis that keeps exact zeros, the lines with their
colours and alerted points, the threshold, thinned and shortened x ticks, an optional labelled mark and the legend.

One description per plot, built here for a diagnosis (layer by layer), a training log (over the epochs) and a
checkpoint comparison (A against B layer by layer); `report.plot_paint` paints it into the PNGs and
`ui.plots.SpreadPlotWidget` into the window, so both show the same plot and decide nothing themselves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from inspector import palette
from inspector.training_log import Timeline, series

LINE_COLOURS = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")
A_COLOUR, B_COLOUR = "#1f77b4", "#d62728"
ALERT = palette.SEVERITY["error"]  # a point below the dead-spread threshold, the threshold itself
MAX_X_TICKS = 12
MAX_Y_TICKS = 8
TICK_CHARS = 16  # a layer's name under the axis: longer ones lose their middle ("dense_bl…30_relu")
PAD_DECADES = 0.3  # room above the top decade and below the zero row, so no point sits on the frame
MAX_PLOTTED_LAYERS = 8  # lines in a training log's layer plot besides the selected layer (LINE_COLOURS)


@dataclass(frozen=True)
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

    def span(self) -> tuple[float, float]:
        """The drawn range, the zero row and the top decade a little inside the frame."""
        return self.floor - PAD_DECADES, self.top + PAD_DECADES

    def ticks(self, most: int = MAX_Y_TICKS) -> list[tuple[float, str]]:
        """The zero row and decades up to the top; past `most` rows every k-th decade, counted down from the top
        so the top is always labelled."""
        step = max(1, math.ceil((self.top - self.floor) / max(most - 1, 1)))
        decades = [d for d in range(self.floor + 1, self.top + 1) if (self.top - d) % step == 0]
        return [(float(self.floor), "0")] + [(float(d), f"1e{d}") for d in decades]


@dataclass
class Line:
    name: str
    xs: list[float]
    ys: list[float]  # on the LogAxis; NaN: not measured there (a gap)
    emphasis: bool = False  # the layer the collapse began in, or the selected one
    colour: str = LINE_COLOURS[0]
    alerts: list[bool] = field(default_factory=list)  # per point: drawn in the alert colour (below the threshold)
    label: str = ""  # in the legend; the name when empty

    def points(self) -> list[tuple[float, float, bool]]:
        """(x, y, alerted) of the measured points."""
        return [(x, y, bool(self.alerts[i]) if i < len(self.alerts) else False)
                for i, (x, y) in enumerate(zip(self.xs, self.ys, strict=True)) if math.isfinite(y)]

    def runs(self) -> list[list[tuple[float, float]]]:
        """The line's connected pieces: a point that was not measured breaks it."""
        pieces: list[list[tuple[float, float]]] = [[]]
        for x, y in zip(self.xs, self.ys, strict=True):
            if math.isfinite(y):
                pieces[-1].append((x, y))
            elif pieces[-1]:
                pieces.append([])
        return [piece for piece in pieces if piece]


@dataclass(frozen=True)
class Mark:
    """A labelled vertical line (where the collapse began, where B departs); its label on the roomier side."""

    x: float
    label: str
    label_left: bool  # the mark is in the plot's right half: its label goes left of the line


@dataclass(frozen=True)
class LegendEntry:
    label: str
    colour: str
    style: str  # "line", "thick" (an emphasised line), "point" (an alerted point) or "dashed" (the threshold)


@dataclass
class SpreadPlot:
    title: str
    axis: LogAxis
    lines: list[Line]
    threshold: float | None = None  # on the axis: the dead-spread threshold, dashed
    note: str = ""
    ticks: list[tuple[float, str]] = field(default_factory=list)  # every x tick, its label shortened; see x_ticks
    x_label: str = ""
    mark: Mark | None = None
    threshold_label: str = "dead-spread threshold"
    alert_label: str = ""  # what a point in the alert colour means
    named_lines: bool = True  # whether the lines are told apart in the legend

    @property
    def heading(self) -> str:
        return self.title + (f" · {self.note}" if self.note else "")

    def x_range(self) -> tuple[float, float]:
        xs = [x for line in self.lines for x in line.xs] + [x for x, _ in self.ticks]
        if self.mark is not None:
            xs.append(self.mark.x)
        if not xs:
            return -0.5, 0.5
        lo, hi = min(xs), max(xs)
        pad = (hi - lo) * 0.03 if hi > lo else 0.5
        return lo - pad, hi + pad

    def x_ticks(self, most: int = MAX_X_TICKS) -> list[tuple[float, str]]:
        """The ticks drawn where `most` labels fit (a painter knows its width): evenly thinned, the first and the
        last always among them."""
        return thin(self.ticks, max(2, min(most, MAX_X_TICKS)))

    def legend(self) -> list[LegendEntry]:
        entries = [LegendEntry(line.label or line.name, line.colour, "thick" if line.emphasis else "line")
                   for line in self.lines] if self.named_lines else []
        if self.alert_label and any(a for line in self.lines for a in line.alerts):
            entries.append(LegendEntry(self.alert_label, ALERT, "point"))
        if self.threshold is not None:
            entries.append(LegendEntry(self.threshold_label, ALERT, "dashed"))
        return entries


def thin(ticks: list[tuple[float, str]], most: int = MAX_X_TICKS) -> list[tuple[float, str]]:
    """At most `most` ticks at a regular step (epochs 1, 4, 7, …), the first and the last always among them (the
    last layer is the output, where a collapse shows); the last replaces a neighbour closer than half a step."""
    if len(ticks) <= most:
        return list(ticks)
    if most < 2:
        return [ticks[-1]]
    step = math.ceil((len(ticks) - 1) / (most - 1))
    chosen = list(range(0, len(ticks), step))
    last = len(ticks) - 1
    if chosen[-1] != last:
        if last - chosen[-1] < step / 2:
            chosen[-1] = last
        else:
            chosen.append(last)
    return [ticks[i] for i in chosen]


def short(name: str, chars: int = TICK_CHARS) -> str:
    """A layer's name as a tick label: its own part (after the nested model's "/"), the middle elided when long,
    cut where its words meet, so the numbers that tell "dense_block_30_relu" from "dense_block_31_relu" stay:
    "dense…30_relu"."""
    name = name.rsplit("/", 1)[-1]
    if len(name) <= chars:
        return name
    starts = [i + 1 for i, ch in enumerate(name) if ch in "_-."]
    tail = next((name[i:] for i in starts if 0 < len(name) - i <= chars - 5), "")
    if not tail:  # no word ends near the end: an even cut
        head = chars // 2
        return name[:head] + "…" + name[len(name) - (chars - 1 - head):]
    head = name[:chars - 1 - len(tail)]
    cut = max(head.rfind(ch) for ch in "_-.")
    return (head[:cut] if cut >= 3 and len(head) - cut <= 4 else head) + "…" + tail  # a word's stub goes


def layer_ticks(names: list[str]) -> list[tuple[float, str]]:
    return [(float(i), short(n)) for i, n in enumerate(names)]


def _mark(x: float | None, label: str, lo: float, hi: float) -> Mark | None:
    return None if x is None else Mark(x, label, x > (lo + hi) / 2)


# --- a diagnosis: layer by layer ------------------------------------------------------------------------------

def _members_first(order: list[str]) -> list[str]:
    """A nested model's output is measured as a layer of its own, listed where the model starts; in the plot it
    comes after its last measured layer (it is that layer's output), so the line does not leave and come back.
    One pass: each model's end is its last member's place; models ending at one place, the innermost first."""
    names = set(order)
    end: dict[str, int] = {}
    for i, name in enumerate(order):
        parts = name.split("/")
        for k in range(1, len(parts)):
            prefix = "/".join(parts[:k])
            if prefix in names:
                end[prefix] = i
    after: dict[int, list[str]] = {}
    for container, i in end.items():
        after.setdefault(i, []).append(container)
    out = []
    for i, name in enumerate(order):
        if name not in end:
            out.append(name)
        out += sorted(after.get(i, []), key=lambda c: -c.count("/"))
    return out


def diagnosis_spread(d: Any) -> SpreadPlot:  # analysis.diagnose.Diagnosis
    """The relative spread of every measured layer in order, the points below the dead-spread threshold in the
    alert colour, and the first dead layer marked: where the signal dies."""
    names = _members_first(list(d.order))
    values = [d.layers[n].activation.relative_spread for n in names]
    dead = float(d.thresholds["dead_spread"])
    axis = LogAxis.over(values, (dead,))
    xs = [float(i) for i in range(len(names))]
    alerts = [v is not None and math.isfinite(v) and v < dead for v in values]
    first = next((i for i, a in enumerate(alerts) if a), None)
    return SpreadPlot(
        "Across-sample spread, layer by layer (where the signal dies)", axis,
        [Line("relative spread", xs, [axis.y(v) for v in values], alerts=alerts,
              label="relative spread across samples")],
        axis.y(dead), ticks=layer_ticks(names), x_label="layers in order",
        mark=_mark(None if first is None else float(first), f"first dead: {short(names[first], 24)}"
                   if first is not None else "", 0.0, max(len(names) - 1, 1.0)),
        alert_label="below the threshold", named_lines=False)


# --- a training log: over the epochs --------------------------------------------------------------------------

def _epochs(t: Timeline) -> list[int]:
    return [int(e["epoch"]) for e in t.epochs]


def epoch_ticks(t: Timeline) -> list[tuple[float, str]]:
    return [(float(e), str(e)) for e in _epochs(t)]


def dead_threshold(t: Timeline) -> float:
    return float(t.header.get("thresholds", {}).get("dead_spread", 1e-3))


def died_in(t: Timeline, index: int) -> dict[str, list[str]]:
    """Layer -> the collapsed (or nearly collapsed) heads whose spread died in it at that epoch."""
    known = {str(entry["name"]) for entry in t.header.get("layers", [])}
    out: dict[str, list[str]] = {}
    for head, h in t.epochs[index]["heads"].items():
        if (h.get("collapsed") or h.get("nearly_collapsed")) and h.get("died_in") in known:
            out.setdefault(h["died_in"], []).append(head)
    return out


def plotted_layers(t: Timeline, selected: str | None = None) -> list[str]:
    """The layer the collapse began in first, then where heads died, then in order; the selected one too."""
    names = t.layer_names
    died = [n for i in range(len(t.epochs)) for n in died_in(t, i)]
    first = [n for n in dict.fromkeys([t.onset_layer, *died]) if n in names]
    chosen = (first + [n for n in names if n not in first])[:MAX_PLOTTED_LAYERS]
    if selected in names and selected not in chosen:
        chosen.append(selected)
    return chosen


def _collapse_mark(t: Timeline) -> Mark | None:
    epochs = _epochs(t)
    if t.onset_epoch is None or not epochs:
        return None
    return _mark(float(t.onset_epoch), f"collapse began: epoch {t.onset_epoch}", epochs[0], epochs[-1])


def head_plot(t: Timeline) -> SpreadPlot:
    data = {h: series(t, "heads", h, "std") for h in t.heads}
    axis = LogAxis.over([v for pts in data.values() for _, v in pts])
    lines = [Line(h, [float(e) for e, _ in pts], [axis.y(v) for _, v in pts], h == t.onset_head,
                  LINE_COLOURS[i % len(LINE_COLOURS)], label=h + (" (collapsed first)" if h == t.onset_head else ""))
             for i, (h, pts) in enumerate(data.items())]
    return SpreadPlot("Head output std across samples", axis, lines, ticks=epoch_ticks(t), x_label="epoch",
                      mark=_collapse_mark(t))


def layer_plot(t: Timeline, selected: str | None = None, more: str = "select one in the graph to plot it") -> SpreadPlot:
    """The layers `plotted_layers` picks, the collapse's own layer first (the first colour, drawn on top);
    `more` says where the layers left out can be seen."""
    names = plotted_layers(t, selected)
    data = {n: series(t, "layers", n) for n in names}
    dead = dead_threshold(t)
    axis = LogAxis.over([v for pts in data.values() for _, v in pts], (dead,))
    lines = [Line(n, [float(e) for e, _ in pts], [axis.y(v) for _, v in pts], n in (selected, t.onset_layer),
                  LINE_COLOURS[i % len(LINE_COLOURS)], label=n + (" (collapse began here)" if n == t.onset_layer else ""))
             for i, (n, pts) in enumerate(data.items())]
    hidden = len(t.layer_names) - len(names)
    return SpreadPlot("Layer relative spread", axis, lines, axis.y(dead),
                      f"{hidden} more layers: {more}" if hidden > 0 else "", epoch_ticks(t), "epoch",
                      _collapse_mark(t))


# --- a comparison: A against B layer by layer -----------------------------------------------------------------

def comparison_spread(names: list[str], spread_a: list[float | None], spread_b: list[float | None], dead: float,
                      first_divergent: str | None) -> SpreadPlot:
    """The relative spread of every matched layer in A and in B, in A's order (x = position), and the first layer
    where B departs from A marked."""
    axis = LogAxis.over([*spread_a, *spread_b], (dead,))
    xs = [float(i) for i in range(len(names))]
    first = names.index(first_divergent) if first_divergent in names else None
    return SpreadPlot(
        "Relative spread by layer, A vs B", axis,
        [Line("A", xs, [axis.y(v) for v in spread_a], colour=A_COLOUR, label="A"),
         Line("B", xs, [axis.y(v) for v in spread_b], True, B_COLOUR, label="B")],
        axis.y(dead), ticks=layer_ticks(names), x_label="layer (A's order)",
        mark=_mark(None if first is None else float(first), f"B departs: {short(names[first], 24)}"
                   if first is not None else "", 0.0, max(len(names) - 1, 1.0)))


def comparison_spread_of(doc: dict[str, Any], dead: float) -> SpreadPlot:
    """The same plot from a comparison's JSON document (`report.diff_out.diff_to_dict`), as the PNG has it."""
    layers = doc["layers"]
    return comparison_spread([x["name_a"] for x in layers], [x.get("spread_a") for x in layers],
                             [x.get("spread_b") for x in layers], dead, doc["first_divergent_layer"])
