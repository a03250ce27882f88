"""Small pyqtgraph helpers: a histogram widget that paints a `report.content.HistPanel` and a spread widget that
paints a `report.plot_model.SpreadPlot`, so the window and the report draw the same plots from the same
descriptions."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from inspector import palette
from inspector.core.stats import Histogram
from inspector.report.content import HistPanel
from inspector.report.plot_model import ALERT, LegendEntry, SpreadPlot

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


class SpreadPlotWidget(pg.PlotWidget):
    """A `SpreadPlot` drawn: lines on its log axis (zeros on their own row, gaps where not measured), alerted
    points in the alert colour, the threshold dashed, its labelled mark, its ticks and legend; with `cursor`, a
    movable vertical line (the chosen epoch or layer)."""

    def __init__(self, parent: QWidget | None = None, cursor: bool = True) -> None:
        super().__init__(parent=parent)
        self.getPlotItem().hideButtons()
        self.setMouseEnabled(x=False, y=False)
        self.setMenuEnabled(False)
        self.setMinimumHeight(150)
        self.mark: pg.InfiniteLine | None = None
        self.cursor = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen(palette.MUTED, width=1.5,
                                                                         style=Qt.PenStyle.DashLine))
        self.cursor.setZValue(20)
        self.cursor.setVisible(cursor)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.plot_model: SpreadPlot | None = None

    def show_plot(self, plot: SpreadPlot) -> None:
        self.clear()
        self.curves = {}
        self.mark = None
        self.plot_model = plot
        item = self.getPlotItem()
        if item.legend is not None:
            item.legend.scene().removeItem(item.legend)
            item.legend = None
        self.setTitle(plot.heading, size="9pt", color=palette.TEXT)
        for line in reversed(plot.lines):  # the first (the collapse's own layer) on top
            brushes = [ALERT if line.alerts and i < len(line.alerts) and line.alerts[i] else line.colour
                       for i in range(len(line.xs))]
            self.curves[line.name] = self.plot(
                line.xs, line.ys, connect="finite", pen=pg.mkPen(line.colour, width=3.5 if line.emphasis else 1.8),
                symbol="o", symbolSize=6 if line.emphasis or line.alerts else 4, symbolBrush=brushes, symbolPen=None)
        if plot.threshold is not None:
            self.addItem(pg.InfiniteLine(pos=plot.threshold, angle=0, pen=pg.mkPen(ALERT, width=1,
                                                                                     style=Qt.PenStyle.DashLine)))
        self._legend(plot.legend())
        self.getAxis("left").setTicks([plot.axis.ticks()])
        self.setYRange(*plot.axis.span(), padding=0)
        self.setXRange(*plot.x_range(), padding=0)
        self.getAxis("bottom").setTicks([plot.x_ticks] if plot.x_ticks else None)
        self.setLabel("bottom", plot.x_label)
        if plot.mark is not None:
            side = (1, 0.5) if plot.mark.label_left else (0, 0.5)  # mid-height: the lines lie high or on zero
            self.mark = pg.InfiniteLine(pos=plot.mark.x, angle=90, movable=False,
                                        pen=pg.mkPen(palette.BLAME, width=2.5),
                                        label=f" {plot.mark.label} " if plot.mark.label else None,
                                        labelOpts={"position": 0.55, "color": palette.BACKGROUND,
                                                   "fill": pg.mkBrush(palette.BLAME), "anchors": [side, side]})
            self.addItem(self.mark)
        self.addItem(self.cursor)

    def _legend(self, entries: list[LegendEntry]) -> None:
        """Bottom left, where before a collapse the spreads are high and after it the lines lie on the zero row
        to the right; one row when it is short."""
        if not entries:
            return
        legend = self.addLegend(offset=(8, -8), labelTextSize="8pt", brush=pg.mkBrush(255, 255, 255, 200),
                                colCount=len(entries) if len(entries) <= 3 else 2)
        for entry in entries:
            if entry.style == "point":
                sample = pg.PlotDataItem([], [], pen=None, symbol="o", symbolSize=6, symbolBrush=entry.colour,
                                         symbolPen=None)
            else:
                sample = pg.PlotDataItem([], [], pen=pg.mkPen(
                    entry.colour, width=3.5 if entry.style == "thick" else 1.8 if entry.style == "line" else 1.2,
                    style=Qt.PenStyle.DashLine if entry.style == "dashed" else Qt.PenStyle.SolidLine))
            legend.addItem(sample, entry.label)
