"""Small pyqtgraph helpers: a histogram widget fed with our Histogram dataclass, nothing else."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from inspector.core.stats import Histogram

pg.setConfigOptions(antialias=True, background="w", foreground="k")


class HistogramPlot(pg.PlotWidget):
    def __init__(self, title: str = "", parent: QWidget | None = None, height: int = 150) -> None:
        super().__init__(parent=parent)
        self.setMinimumHeight(height)
        self.setMaximumHeight(height + 60)
        self.setTitle(title, size="9pt")
        self.setMouseEnabled(x=True, y=False)
        self.getPlotItem().hideButtons()

    def show_histogram(self, histogram: Histogram, overlay: Histogram | None = None, alert: bool = False) -> None:
        self.clear()
        for hist, brush in ((overlay, (160, 160, 160, 140)), (histogram, (214, 39, 40, 200) if alert else
                                                                (31, 119, 180, 200))):
            if hist is None or not hist.counts:
                continue
            edges = np.asarray(hist.edges)
            item = pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], y0=0, y1=np.asarray(hist.counts), brush=brush,
                                   pen=None)
            self.addItem(item)
