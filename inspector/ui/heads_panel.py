"""The output heads side by side: their own layers' weights, how alike they are, and their outputs on the data."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem, QWidget

from inspector import palette
from inspector.core.inspection import Inspection
from inspector.report.content import head_panel
from inspector.ui.panels_common import Column, fmt, table
from inspector.ui.plots import HistogramPlot


class HeadsPanel(Column):
    """Drawn when it is on screen: the Heads tab behind the Layer one costs nothing until it is raised (its
    plots are the slow part of drawing a diagnosis). The badges are known at once."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plots: list[HistogramPlot] = []
        self.badges: dict[str, str] = {}
        self._waiting: tuple[Inspection, Any] | None = None
        self.label("<i>Open a model to compare its output heads.</i>")
        self.finish()

    def show_heads(self, inspection: Inspection, diagnosis: Any = None) -> None:
        self.badges = _badges(inspection, diagnosis)
        self._waiting = (inspection, diagnosis)
        if self.isVisible() and not self.visibleRegion().isEmpty():  # a tab behind another has no region
            self._draw()

    def on_screen(self, visible: bool) -> None:
        """Its dock became visible or hidden (QDockWidget.visibilityChanged: also when its tab is raised)."""
        if visible and self._waiting is not None:
            self._draw()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self._waiting is not None and not self.visibleRegion().isEmpty():
            self._draw()

    def _draw(self) -> None:
        assert self._waiting is not None
        inspection, diagnosis = self._waiting
        self._waiting = None
        self.clear()
        self.plots = []
        info = inspection.info
        if not info.heads:
            self.label("<i>No architecture: no heads to compare.</i>")
            self.finish()
            return
        verdicts = {h.name: h for h in diagnosis.heads} if diagnosis else {}
        rows = []
        for head in info.heads:
            stats = [s for n in head.layers for _, s in inspection.layer_stats(n)]
            total = sum(s.count for s in stats)
            mean_abs = sum(s.mean_abs * s.count for s in stats) / total if total else None
            v = verdicts.get(head.name)
            rows.append([head.name, self.badges[head.name], str(len(head.layers)),
                         f"{sum(info.layers[n].params for n in head.layers):,}",
                         fmt(mean_abs), fmt(v.stats.mean) if v else "–", fmt(v.std) if v else "–",
                         fmt(v.target_stats.std) if v and v.target_stats else "–"])
        widget = table(["head", "state", "own layers", "params", "mean |w|", "output mean", "output std",
                        "target std"], rows, "headsTable")
        for r, row in enumerate(rows):
            if row[1] in ("COLLAPSED", "identical"):
                widget.item(r, 1).setForeground(QColor(palette.BLAME))
        self.label(f"<h3>{len(info.heads)} output head{'s' if len(info.heads) > 1 else ''}</h3>")
        self.add(widget)
        # the outputs first: a collapsed head is seen at once, before the similarity table
        for head in info.heads:
            v = verdicts.get(head.name)
            if v is None:
                continue
            panel = head_panel(v)
            plot = HistogramPlot(height=190)
            plot.setObjectName(f"headPlot:{head.name}")
            plot.show_panel(panel)
            plot.setToolTip(f"{panel.title}\n{panel.note}")
            self.plots.append(plot)
            self.add(plot)
        if len(info.heads) > 1:
            from inspector.report.content import similarity_matrix

            names, grid, label = similarity_matrix(inspection, diagnosis)
            self.label(f"<b>Similarity</b>: {label}")
            self.add(self._matrix(names, grid))
        self.finish()

    def _matrix(self, names: list[str], grid: list[list[float | None]]) -> QTableWidget:
        widget = QTableWidget(len(names), len(names))
        widget.setObjectName("similarityMatrix")
        widget.setHorizontalHeaderLabels(names)
        widget.setVerticalHeaderLabels(names)
        for i in range(len(names)):
            for j in range(len(names)):
                value = grid[i][j]
                item = QTableWidgetItem("n/a" if value is None else f"{value:.2f}")
                if value is not None and i != j:
                    strength = max(0.0, min(1.0, abs(value)))
                    item.setBackground(QColor(255, int(255 - 120 * strength), int(255 - 120 * strength)))
                widget.setItem(i, j, item)
        widget.resizeColumnsToContents()
        widget.setMinimumHeight(min(40 + 30 * len(names), 300))
        return widget


def _badges(inspection: Inspection, diagnosis: Any) -> dict[str, str]:
    """Each head's state: collapsed, identical to another, ok, or not run yet."""
    verdicts = {h.name: h for h in diagnosis.heads} if diagnosis else {}
    identical = {n for p in (diagnosis.pairs if diagnosis else []) if p.identical for n in (p.head_a, p.head_b)}
    identical |= {n for c in inspection.comparisons if c.identical for n in (c.head_a, c.head_b)}
    badges = {}
    for head in inspection.info.heads:
        v = verdicts.get(head.name)
        badges[head.name] = "COLLAPSED" if v and v.collapsed else ("identical" if head.name in identical else
                                                                    ("ok" if v else "not run yet"))
    return badges
