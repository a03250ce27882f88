"""Small pyqtgraph helpers: a histogram widget that paints a `report.content.HistPanel`, so the window and the
report draw the same plot from the same description."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from inspector import palette
from inspector.core.stats import Histogram
from inspector.report.content import HistPanel

pg.setConfigOptions(antialias=True, background="w", foreground="k")


def _brush(colour: str, alpha: int) -> QColor:
    c = QColor(colour)
    c.setAlpha(alpha)
    return c


class HistogramPlot(pg.PlotWidget):
    def __init__(self, title: str = "", parent: QWidget | None = None, height: int = 150) -> None:
        super().__init__(parent=parent)
        self.setMinimumHeight(height)
        self.setMaximumHeight(height + 60)
        self.setTitle(title, size="9pt")
        self.setMouseEnabled(x=True, y=False)
        self.getPlotItem().hideButtons()
        self.marker: pg.InfiniteLine | None = None

    def show_histogram(self, histogram: Histogram, overlay: Histogram | None = None, alert: bool = False,
                       x_label: str = "value", y_label: str = "count") -> None:
        self.show_panel(HistPanel("", histogram, overlay, alert, x_label=x_label, y_label=y_label))

    def show_panel(self, panel: HistPanel) -> None:
        """Targets in grey, values in blue (red when alerted), a marked value as a labelled full-height line;
        the count axis is labelled and scaled by the bars, never by the marked value."""
        self.clear()
        self.marker = None
        if panel.title:
            self.setTitle(panel.title, size="9pt", color=palette.BLAME if panel.alert else palette.TEXT)
        bars = ((panel.overlay, _brush(palette.TARGET, 170)),
                (panel.histogram, _brush(palette.BLAME if panel.alert else palette.OUTPUT, 200)))
        for hist, brush in bars:
            if hist is None or not hist.counts:
                continue
            edges = np.asarray(hist.edges)
            self.addItem(pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], y0=0, y1=np.asarray(hist.counts), brush=brush,
                                         pen=None))
        lo, hi = panel.x_range()
        if panel.marker is not None:
            side = (1, 0.5) if panel.marker > (lo + hi) / 2 else (0, 0.5)  # the label on the roomier side
            self.marker = pg.InfiniteLine(
                pos=panel.marker, angle=90, movable=False, pen=pg.mkPen(palette.BLAME, width=4),
                label=" " + panel.marker_label + " ",
                labelOpts={"position": 0.85, "color": palette.BACKGROUND, "fill": _brush(palette.BLAME, 230),
                           "anchors": [side, side]})
            self.marker.setZValue(10)
            self.addItem(self.marker)
        self.setLabel("left", panel.y_label)
        self.setLabel("bottom", panel.x_label)
        self.setXRange(lo, hi, padding=0)
        self.setYRange(0, panel.y_max() * 1.1, padding=0)
