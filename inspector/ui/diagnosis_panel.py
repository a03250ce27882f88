"""The verdict, the layers to blame with their counterfactual checks, the findings (click one to select its
layer), and the spread of the signal layer by layer."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from inspector import palette
from inspector.ui.panels_common import Column


class DiagnosisPanel(Column):
    layer_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree: QTreeWidget | None = None
        self.spread_plot: pg.PlotWidget | None = None
        self.show_waiting("Drop a dataset (.npz, .npy, .csv, .h5, .txt for text models, a folder of images) on the "
                          "window, or use File ▸ Open dataset. Without data, Run ▸ Diagnose uses synthetic inputs.")

    def show_waiting(self, text: str) -> None:
        self.clear()
        self.tree = None
        self.label(f"<i>{text}</i>", "diagnosisHint")
        self.finish()

    def show_diagnosis(self, d) -> None:  # noqa: ANN001 - analysis.diagnose.Diagnosis
        self.clear()
        colour = palette.SEVERITY["error"] if d.collapsed else palette.GOOD
        data = "synthetic inputs (no data given)" if d.synthetic else d.data_source
        self.label(f"<h3 style='color:{colour}'>{d.verdict}</h3>data: {data}, {d.samples} samples · "
                   f"model {d.how_built}", "verdict")
        tree = QTreeWidget()
        tree.setObjectName("findingsTree")
        tree.setHeaderLabels(["severity", "kind", "layer", "what was measured"])
        tree.setRootIsDecorated(True)
        if d.blame:
            blame_root = QTreeWidgetItem(["", "blame", "", "layers most responsible, with the counterfactual check"])
            tree.addTopLevelItem(blame_root)
            for b in d.blame[:10]:
                item = QTreeWidgetItem([f"{b.score:.1f}", "blamed", b.layer, "; ".join(b.reasons)
                                        + (f" — check: {b.check}" if b.check else "")])
                item.setData(0, Qt.ItemDataRole.UserRole, b.layer)
                blame_root.addChild(item)
            blame_root.setExpanded(True)
        root = QTreeWidgetItem(["", "findings", "", f"{len(d.findings)} findings, most severe first"])
        tree.addTopLevelItem(root)
        for f in d.findings:
            item = QTreeWidgetItem([f.severity, f.kind, f.layer or "(data)", f.message + (
                f"\nfix: {f.fix}" if f.fix else "")])
            item.setForeground(0, QColor(palette.SEVERITY.get(f.severity, palette.TEXT)))
            item.setToolTip(3, f.message + (f"\n\nfix: {f.fix}" if f.fix else ""))
            if f.layer:
                item.setData(0, Qt.ItemDataRole.UserRole, f.layer)
            root.addChild(item)
        root.setExpanded(True)
        for column in range(3):
            tree.resizeColumnToContents(column)
        tree.setMinimumHeight(300)
        tree.itemClicked.connect(self._clicked)
        self.tree = tree
        self.add(tree)
        self.spread_plot = self._spread(d)
        self.add(self.spread_plot)
        self.finish()

    def _spread(self, d) -> pg.PlotWidget:  # noqa: ANN001
        plot = pg.PlotWidget(title="relative spread across samples, layer by layer (log scale)")
        plot.setObjectName("spreadPlot")
        plot.setMinimumHeight(220)
        values = np.array([max(d.layers[n].activation.relative_spread, 1e-9) for n in d.order])
        if values.size:
            xs = np.arange(values.size)
            plot.plot(xs, np.log10(values), pen=pg.mkPen("#1f77b4", width=2), symbol="o", symbolSize=6,
                      symbolBrush=[palette.SEVERITY["error"] if v < d.thresholds["dead_spread"] else "#1f77b4"
                                   for v in values])
            plot.addLine(y=math.log10(d.thresholds["dead_spread"]), pen=pg.mkPen("#d62728", style=Qt.PenStyle.DashLine))
            ticks = [(i, n.rsplit("/", 1)[-1][:14]) for i, n in enumerate(d.order)][:: max(1, values.size // 10)]
            plot.getAxis("bottom").setTicks([ticks])
            plot.getAxis("left").setLabel("log10 spread")
        return plot

    def _clicked(self, item: QTreeWidgetItem, column: int) -> None:
        layer = item.data(0, Qt.ItemDataRole.UserRole)
        if layer:
            self.layer_clicked.emit(str(layer))
