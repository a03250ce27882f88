"""Small pyqtgraph helpers: a histogram widget that paints a `report.content.HistPanel` and a spread widget that
paints a `report.plot_model.SpreadPlot`, so the window and the report draw the same plots from the same
descriptions."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontMetricsF
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


SWATCH = {"line": "━", "thick": "<b>━━</b>", "point": "●", "dashed": "╌╌"}


class SpreadPlotWidget(pg.PlotWidget):
    """A `SpreadPlot` drawn: lines on its log axis (zeros on their own row, gaps where not measured), alerted
    points in the alert colour, the threshold dashed, its labelled mark, its legend in rows under the title (never
    over a line) and as many of its x ticks as fit the width; with `cursor`, a movable vertical line (the chosen
    epoch or layer)."""

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
        for line in reversed(plot.lines):  # the first (the collapse's own layer) on top
            own, alert = pg.mkBrush(line.colour), pg.mkBrush(ALERT)  # two shared brushes: pyqtgraph draws each
            brushes = [alert if line.alerts and i < len(line.alerts) and line.alerts[i] else own  # distinct one
                       for i in range(len(line.xs))]                                           # apart (520 ms)
            self.curves[line.name] = self.plot(
                line.xs, line.ys, connect="finite", pen=pg.mkPen(line.colour, width=3.5 if line.emphasis else 1.8),
                symbol="o", symbolSize=6 if line.emphasis or line.alerts else 4, symbolBrush=brushes, symbolPen=None)
        if plot.threshold is not None:
            self.addItem(pg.InfiniteLine(pos=plot.threshold, angle=0, pen=pg.mkPen(ALERT, width=1,
                                                                                     style=Qt.PenStyle.DashLine)))
        self.getAxis("left").setTicks([plot.axis.ticks()])
        self.setYRange(*plot.axis.span(), padding=0)
        self.setXRange(*plot.x_range(), padding=0)
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
        self._fit_to_width()

    def legend_rows(self) -> list[list[LegendEntry]]:
        """The legend's entries in rows as wide as the plot."""
        if self.plot_model is None:
            return []
        metrics = QFontMetricsF(self.font())
        rows: list[list[LegendEntry]] = [[]]
        used = 0.0
        for entry in self.plot_model.legend():
            size = metrics.horizontalAdvance(f"{entry.label} ━━   ") * 0.95
            if rows[-1] and used + size > self.width() - 20:
                rows.append([])
                used = 0.0
            rows[-1].append(entry)
            used += size
        return [row for row in rows if row]

    def _fit_to_width(self) -> None:
        """The title with the legend's rows under it, and the x ticks that fit side by side at this width."""
        plot = getattr(self, "plot_model", None)  # Qt resizes the widget once before __init__ has set it
        if plot is None or self.getPlotItem() is None:  # or after close() let go of the plot
            return
        rows = self.legend_rows()
        lines = [f"<span style='font-size:9pt; color:{palette.TEXT}'>{plot.heading}</span>"] + [
            "&nbsp;&nbsp;&nbsp;".join(f"<span style='color:{e.colour}'>{SWATCH[e.style]}</span>&nbsp;"
                                      f"<span style='color:{palette.MUTED}'>{e.label}</span>" for e in row)
            for row in rows]
        item = self.getPlotItem()
        item.setTitle("<br>".join(lines), size="8pt")
        height = 22 + 16 * len(rows)
        item.titleLabel.setMaximumHeight(height)
        item.layout.setRowFixedHeight(0, height)
        axis = self.getAxis("bottom")
        metrics = QFontMetricsF(axis.style.get("tickFont") or self.font())
        widest = max((metrics.horizontalAdvance(text) for _, text in plot.ticks), default=10.0)
        # pyqtgraph stops drawing labels past 80 % of the axis' length and hides those that overhang its ends
        # (the first layer's, centred on the left edge): fill at most 70 % and let half a label overhang
        most = int(0.7 * max(self.width() - 60, 1) / (widest + 8))
        axis.setStyle(hideOverlappingLabels=int(widest / 2) + 6)
        self.getAxis("left").setWidth(max(46, int(widest / 2) + 4))  # the first label's left half stays on screen
        axis.setTicks([plot.x_ticks(most)] if plot.ticks else None)

    def resizeEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt API
        super().resizeEvent(event)
        self._fit_to_width()
