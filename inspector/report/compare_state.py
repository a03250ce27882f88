"""What the window's comparison view shows, Qt-free (STYLE habit 5): checkpoint A's graph coloured by how much each
layer's weights moved in B (graph_model's weight-change metric), the first layer where B's signal departs from A's, and for a
selected layer its weight change, cosine and, with data, the spread of A against B.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from inspector.core.layout import GraphLayout, layout_model
from inspector.progress import Progress
from inspector.report.content import HistPanel
from inspector.report.plot_model import SpreadPlot, comparison_spread


@dataclass
class LayerRow:
    """One matched layer: the numbers the Layer panel and the node's tooltip show."""

    name_a: str
    name_b: str
    class_name: str
    matched_by: str
    weight_change: float | None
    cosine: float | None
    tensors: list[tuple[str, tuple[int, ...], float | None, float | None]]  # name, shape, change, cosine
    unmatched_tensors: list[str]
    measured: dict[str, float | None] = field(default_factory=dict)  # with data: spread_a, spread_b, dead_a, ...


@dataclass
class CompareState:
    diff: Any  # analysis.checkpoint_diff.CheckpointDiff (results only: no open files)
    layout: GraphLayout
    rows: dict[str, LayerRow]  # by A's name, in A's order
    data: str | None = None

    @property
    def with_data(self) -> bool:
        return self.diff.diagnosis_a is not None

    @property
    def first_divergent(self) -> str | None:
        return self.diff.first_divergent_layer

    def node_caption(self, name: str) -> str | None:
        row = self.rows.get(name)
        if row is None:
            return "only in A" if name in self.diff.comparison.unmatched_a else None
        text = f"Δw {_num(row.weight_change)} · cos {_num(row.cosine, '.2f')}"
        return text + (f" · B: {row.name_b}" if row.name_b != row.name_a else "")

    def headline(self) -> str:
        c = self.diff.comparison
        data = f"data {os.path.basename(self.data)}" if self.data else "no data: weights only (no TensorFlow)"
        return f"A: {os.path.basename(c.a.path)} · B: {os.path.basename(c.b.path)} · {data}"

    def spread_plot(self) -> SpreadPlot | None:
        """With data: the relative spread of every matched layer in A and in B, in A's order (x = position)."""
        if not self.with_data:
            return None
        rows = list(self.rows.values())
        return comparison_spread([r.name_a for r in rows], [r.measured.get("spread_a") for r in rows],
                                 [r.measured.get("spread_b") for r in rows],
                                 float(self.diff.diagnosis_a.thresholds["dead_spread"]), self.first_divergent)

    def head_panels(self) -> list[HistPanel]:
        """With data: each head's outputs in B (blue, red when collapsed) over A's (grey), on the same axes."""
        if not self.with_data:
            return []
        heads_b = {h.name: h for h in self.diff.diagnosis_b.heads}
        panels = []
        order_b = list(self.diff.diagnosis_b.heads)
        for i, a in enumerate(self.diff.diagnosis_a.heads):  # B's head: the layer matched to A's, else by position
            b = heads_b.get(self.rows[a.name].name_b if a.name in self.rows else a.name) or (
                order_b[i] if i < len(order_b) and len(order_b) == len(self.diff.diagnosis_a.heads) else None)
            if b is None:
                continue
            marker = b.stats.mean if b.collapsed else None
            panels.append(HistPanel(f"head '{a.name}' (B: '{b.name}'): B over A (grey)" + (" · collapsed in B" if b.collapsed else ""),
                                    None if b.collapsed else b.stats.histogram, a.stats.histogram,
                                    alert=b.collapsed, marker=marker,  # a constant is a line, not a spike
                                    marker_label=f"B: {marker:.4g} for every sample" if marker is not None else "",
                                    x_label="output", y_label="samples"))
        return panels

    def position(self, name: str) -> int | None:
        return next((i for i, n in enumerate(self.rows) if n == name), None)

    def detail_rows(self, name: str) -> list[tuple[str, str, str]]:
        """(quantity, A, B) for the selected layer; weight change and cosine span both columns."""
        row = self.rows[name]
        rows = [("layer", row.name_a, row.name_b),
                ("weight change |B − A| / |A|", _num(row.weight_change), ""),
                ("cosine(A, B)", _num(row.cosine, ".4f"), "")]
        if self.with_data:
            m = row.measured
            rows += [("relative spread", _num(m.get("spread_a")), _num(m.get("spread_b"))),
                     ("dead units", _pct(m.get("dead_a")), _pct(m.get("dead_b"))),
                     ("saturated units", _pct(m.get("saturated_a")), _pct(m.get("saturated_b"))),
                     ("outputs' departure |B − A| / |A|", _num(m.get("divergence")), "")]
        return rows

    def tensor_rows(self, name: str) -> list[list[str]]:
        row = self.rows[name]
        out = [[t, "(" + ", ".join(map(str, shape)) + ")", _num(change), _num(cosine, ".4f")]
               for t, shape, change, cosine in row.tensors]
        return out + [[t, "shapes differ", "–", "–"] for t in row.unmatched_tensors]


def state_of(diff: Any, layout: GraphLayout | None = None, data: str | None = None) -> CompareState:
    c = diff.comparison
    la = diff.diagnosis_a.layers if diff.diagnosis_a is not None else {}
    lb = diff.diagnosis_b.layers if diff.diagnosis_b is not None else {}
    rows = {}
    for x in c.layers:
        row = LayerRow(x.name_a, x.name_b, x.class_name, x.matched_by, x.weight_change, x.cosine,
                       [(t.name, t.shape, t.relative_change, t.cosine) for t in x.tensors], list(x.unmatched_tensors))
        if diff.diagnosis_a is not None:
            a, b = la.get(x.name_a), lb.get(x.name_b)
            row.measured = {
                "spread_a": a.activation.relative_spread if a else None,
                "spread_b": b.activation.relative_spread if b else None,
                "dead_a": a.activation.dead_fraction if a else None, "dead_b": b.activation.dead_fraction if b else None,
                "saturated_a": a.activation.saturated_fraction if a else None,
                "saturated_b": b.activation.saturated_fraction if b else None,
                "divergence": diff.divergence.get(x.name_a)}
        rows[x.name_a] = row
    return CompareState(diff, layout if layout is not None else layout_model(c.a), rows, data)


def compare_steps(path_a: str, path_b: str, data: str | None = None,
                  max_samples: int | None = None) -> Generator[Progress, None, CompareState]:
    """The comparison and the layout of A's graph, as results only (the files' handles dropped), so that it can
    run in a child process (with data: TensorFlow) or on a worker thread (without)."""
    from inspector.analysis.checkpoint_diff import diff_steps

    diff = yield from diff_steps(path_a, path_b, data, max_samples)
    diff.comparison.a.source = diff.comparison.b.source = None
    for d in (diff.diagnosis_a, diff.diagnosis_b):
        if d is not None and getattr(d, "inspection", None) is not None:
            d.inspection.info.source = None
    yield Progress("laying out the graph")
    return state_of(diff, data=data)


def _num(value: float | None, fmt: str = ".3g") -> str:
    return "–" if value is None else format(value, fmt)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"
