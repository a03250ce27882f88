"""What the layer graph shows, decided without Qt, for the window's graph and the report's alike: each node's fill
and ink, the number it is coloured by, the small histogram of its activations and the bar of its across-sample
spread drawn on it, and the legend (blame levels, or a continuous scale with its ticks).

Colour by: blame (the levels of `palette.levels_for`), or a measured number per layer on a continuous scale. A
nested model drawn as one node shows its worst member (the lowest spread, the highest dead fraction...).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from inspector import palette

if TYPE_CHECKING:  # the light modules that only name it (the command line's choices) need no numpy nor h5py
    from inspector.core.stats import Histogram

# Scales from the good end to the bad end, so a strong colour always means "look here".
SPREAD_SCALE = ("#b3d3ec", "#9e9ac8", "#807dba", "#6a51a3", "#54278f", "#3f007d")  # high spread .. dead (purple)
FRACTION_SCALE = SPREAD_SCALE  # no dead (or saturated) units .. all of them
GRADIENT_SCALE = ("#fcc5c0", "#f768a1", "#dd3497", "#ae017e", "#7a0177")  # strong gradient .. vanishing
CHANGE_SCALE = palette.CHANGE_SCALE  # unchanged .. most changed
NO_VALUE = palette.LEVELS["static"][0]
LEGEND_STEPS = 7


@dataclass(frozen=True)
class Metric:
    """A number per layer the graph can be coloured by."""

    key: str
    label: str  # the View ▸ Colour by entry
    title: str  # the legend's title
    needs: str  # "" (always), "diagnosis" or "comparison"
    log: bool  # a log10 scale (exact zeros get the bottom of the scale)
    bad_is_low: bool  # low values are the bad end (drawn strong)
    stops: tuple[str, ...] = ()
    fixed: tuple[float, float] | None = None  # the scale's range when it does not depend on the model
    words: Callable[[float], str] = lambda v: f"{v:.3g}"
    short: str = ""  # the number's name on the node's second line ("spread 3.1e-05")


METRICS: dict[str, Metric] = {m.key: m for m in (
    Metric("blame", "Blame", "blame", "", False, False),
    Metric("spread", "Across-sample spread", "relative spread across samples (log)", "diagnosis", True, True,
           SPREAD_SCALE, short="spread"),
    Metric("dead", "Dead fraction", "dead units (ReLU family)", "diagnosis", False, False, FRACTION_SCALE,
           (0.0, 1.0), lambda v: f"{v:.0%}", "dead"),
    Metric("saturated", "Saturated fraction", "saturated units (bounded activations)", "diagnosis", False, False,
           FRACTION_SCALE, (0.0, 1.0), lambda v: f"{v:.0%}", "saturated"),
    Metric("weight_grad", "Weight-gradient RMS", "RMS of the loss gradient of the weights (log)", "diagnosis", True,
           True, GRADIENT_SCALE, short="∇w RMS"),
    Metric("weight_change", "Weight change (comparison)", "relative weight change |B − A| / |A|", "comparison",
           False, False, CHANGE_SCALE, short="Δw"),
)}


@dataclass(frozen=True)
class ColourScale:
    """A continuous scale: where a value falls (0 = good end, 1 = bad end) and its colour; ticks for the legend."""

    title: str
    lo: float  # on the drawn axis: log10 for a log scale
    hi: float
    log: bool
    bad_is_low: bool
    stops: tuple[str, ...]
    threshold: float | None = None  # a value marked on the legend (the dead-spread threshold)
    words: Callable[[float], str] = lambda v: f"{v:.3g}"

    def position(self, value: float) -> float:
        """0..1 from the low end of the axis to the high end."""
        v = (math.log10(value) if value > 0 else self.lo) if self.log else value
        return min(max((v - self.lo) / (self.hi - self.lo), 0.0), 1.0) if self.hi > self.lo else 0.5

    def colour(self, value: float | None) -> str:
        if value is None or not math.isfinite(value):
            return NO_VALUE
        p = self.position(value)
        return palette.scale_colour(1.0 - p if self.bad_is_low else p, self.stops)

    def swatches(self, steps: int = LEGEND_STEPS) -> list[tuple[str, str]]:
        """(colour, label) from the axis' low end to its high end; the ends and the middle labelled."""
        if self.hi - self.lo < 1e-5 and not self.log:  # every layer has the same value: one swatch says it
            return [(self.colour(self.lo), f"all {self.words(self.lo)}")]
        out = []
        for i in range(steps):
            t = i / (steps - 1)
            value = self.lo + t * (self.hi - self.lo)
            label = ""
            if i in (0, steps - 1) or (i == steps // 2 and not (self.log and value != round(value))):
                label = (("0" if i == 0 else f"1e{value:.0f}") if self.log else self.words(value))
            out.append((palette.scale_colour(1.0 - t if self.bad_is_low else t, self.stops), label))
        return out

    def threshold_position(self) -> float | None:
        return None if self.threshold is None else self.position(self.threshold)


@dataclass(frozen=True)
class NodeLook:
    fill: str
    ink: str  # the label's colour on that fill
    value: str = ""  # the coloured-by number in words, for the tooltip ("" when coloured by blame)
    histogram: Histogram | None = None  # the layer's activations on the data
    spread_bar: float | None = None  # 0..1 along the spread plot's log axis
    spread_dead: bool = False  # below the dead-spread threshold
    dead_mark: float | None = None  # where the dead-spread threshold sits on the bar (0..1)
    caption: str | None = None  # instead of the class and shape on the second line: the coloured-by number
    level: str = "static"  # the blame level (palette.LEVELS), whatever the fill shows


@dataclass
class GraphLook:
    metric: Metric
    nodes: dict[str, NodeLook]
    levels: list[tuple[str, str]] = field(default_factory=list)  # blame: (colour, words), the legend
    scale: ColourScale | None = None  # a number: its continuous scale

    def legend_title(self) -> str:
        return self.metric.title


def metric_named(key: str) -> Metric:
    """The metric of that name, or one line saying which exist."""
    if key not in METRICS:
        raise ValueError(f"no metric '{key}' to colour by: choose one of {', '.join(METRICS)}")
    return METRICS[key]


def available(key: str, diagnosis: Any = None, comparison: Any = None) -> bool:
    """Whether the nodes can be coloured by it: blame always, a number where at least one layer has it."""
    return not metric_named(key).needs or bool(layer_values(key, diagnosis, comparison))


def layer_values(metric: str, diagnosis: Any = None, comparison: Any = None) -> dict[str, float]:
    """The metric for every layer that has it (by the layer's full name)."""
    if metric == "weight_change":
        rows = getattr(comparison, "rows", {}) if comparison is not None else {}
        return {n: r.weight_change for n, r in rows.items() if r.weight_change is not None
                and math.isfinite(r.weight_change)}
    if diagnosis is None or metric == "blame":
        return {}
    out: dict[str, float] = {}
    for name, m in diagnosis.layers.items():
        value = {"spread": m.activation.relative_spread, "dead": m.activation.dead_fraction,
                 "saturated": m.activation.saturated_fraction, "weight_grad": m.weight_grad}[metric]
        if value is not None and math.isfinite(value):
            out[name] = float(value)
    return out


def spread_axis(values: Iterable[float], threshold: float) -> tuple[float, float]:
    """The decades the spread is drawn over: the spread plot's own axis (plot_model.LogAxis, the threshold on it,
    one decade below for exact zeros), so a node's bar and its colour sit where its point does in the plot."""
    from inspector.report.plot_model import LogAxis

    axis = LogAxis.over(list(values), (threshold,))
    return float(axis.floor), float(axis.top)


def _scale(metric: Metric, values: list[float], threshold: float | None) -> ColourScale:
    if metric.fixed is not None:
        lo, hi = metric.fixed
    elif metric.log:
        lo, hi = spread_axis(values, threshold if threshold is not None else (max(values) if values else 1.0))
    else:  # from 0 when nothing is negative (no change at all is the light end)
        lo, hi = (min(0.0, min(values)), max(values)) if values else (0.0, 1.0)
        hi = max(hi, lo + 1e-6)
    return ColourScale(metric.title, lo, hi, metric.log, metric.bad_is_low, metric.stops, threshold, metric.words)


def graph_look(names: Iterable[str], containers: dict[str, list[str]], metric: str = "blame",
               diagnosis: Any = None, comparison: Any = None, levels: dict[str, str] | None = None) -> GraphLook:
    """Every drawn node's look. `containers` maps a nested model drawn as one node to its members' names;
    `levels` overrides the blame levels (the timeline's epoch)."""
    values = layer_values(metric_named(metric).key, diagnosis, comparison)  # raises on an unknown name
    m = METRICS[metric] if not METRICS[metric].needs or values else METRICS["blame"]  # `available`, once
    names = list(names)
    if levels is None:
        levels = palette.levels_for(diagnosis)
    measures = diagnosis.layers if diagnosis is not None else {}
    dead = diagnosis.thresholds["dead_spread"] if diagnosis is not None else None
    spreads = [x.activation.relative_spread for x in measures.values()]
    # the spread plot's axis: where each node's spread bar ends, and the scale of "colour by spread"
    axis = _scale(METRICS["spread"], spreads, dead) if spreads and dead is not None else None
    scale = None if m.key == "blame" else axis if m.key == "spread" else _scale(m, list(values.values()), None)
    mark = axis.position(dead) if axis is not None else None
    looks = {}
    for name in names:
        members = containers.get(name) or []
        caption = None
        level = levels.get(name) or (palette.level_of_container(levels, name) if members else None) or "static"
        if m.key == "blame":
            fill = palette.LEVELS[level][0]
            words = ""
        else:
            own = [values[n] for n in [name, *members] if n in values]
            value = (min(own) if m.bad_is_low else max(own)) if own else None
            fill = scale.colour(value) if scale is not None else NO_VALUE
            words = f"{m.label.lower()}: {m.words(value)}" if value is not None else f"{m.label.lower()}: not measured"
            caption = f"{m.short} {m.words(value)}" if value is not None else None
            if m.key == "weight_change":  # with the cosine and B's name where it differs (compare_state's words)
                caption = comparison.node_caption(name) or caption
        measure = measures.get(name)
        histogram = measure.activation.stats.histogram if measure is not None else None
        spread = measure.activation.relative_spread if measure is not None else None
        looks[name] = NodeLook(fill, "#ffffff" if palette.is_dark(fill) else palette.TEXT, words,
                               histogram if histogram is not None and histogram.counts else None,
                               None if spread is None or not math.isfinite(spread) or axis is None
                               else axis.position(spread),
                               spread is not None and dead is not None and spread < dead, mark, caption, level)
    legend = [(palette.LEVELS[k][0], palette.LEVEL_NAMES[k]) for k in palette.LEVELS] if m.key == "blame" else []
    return GraphLook(m, looks, legend, scale)


def containers_of(info: Any, names: Iterable[str]) -> dict[str, list[str]]:
    """The drawn nested models and their members' names (what the node stands for)."""
    out = {}
    for name in names:
        layer = info.layers.get(name)
        if layer is not None and layer.children:
            out[name] = [m.name for m in layer.members]
    return out


GRAPH_LIMIT = 30  # layers drawn in the report's graph; bigger models show the part around the blamed layers


@dataclass
class GraphPart:
    """The report's graph: a part of the model around the cause, laid out, labelled and looked at."""

    layout: Any  # core.layout.GraphLayout
    labels: dict[str, tuple[str, str]]  # name -> (title line, detail line)
    look: GraphLook
    hidden: int  # layers not drawn


def node_label(layer: Any) -> tuple[str, str]:
    """A node's two lines: its name (cut at 24 characters) and its class with its output shape."""
    from inspector.report.text_out import format_shape

    name = layer.short_name
    return (name if len(name) <= 24 else name[:23] + "…", f"{layer.class_name} {format_shape(layer.output_shape)}")


def report_graph(d: Any, metric: str = "blame", room: tuple[float, float] = (640.0, 1100.0)) -> GraphPart:
    """The top-level layers around the three most blamed ones (all of them on a small model), laid out for a
    room of `room` logical pixels: a long chain is wrapped into columns."""
    from inspector.core import layout as graph_layout

    info = d.info
    top = [layer.name for layer in info.top_level]
    top_set = set(top)
    edges = [(s, dd) for s, dd in info.edges if s in top_set and dd in top_set]
    focus = [b.layer.split("/", 1)[0] for b in d.blame[:3]] or info.outputs
    shown = graph_layout.neighbourhood(top, edges, focus, GRAPH_LIMIT)
    shown_set = set(shown)
    layout = graph_layout.layout_graph(shown, [(s, dd) for s, dd in edges if s in shown_set and dd in shown_set])
    layout = graph_layout.wrapped(layout, room[0] / room[1])
    labels = {name: node_label(info.layers[name]) for name in shown}
    look = graph_look(shown, containers_of(info, shown), metric, d)
    return GraphPart(layout, labels, look, len(top) - len(shown))
