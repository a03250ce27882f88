"""The verdict, the layers to blame with their counterfactual checks, the findings (click one to select its
layer), and the spread of the signal layer by layer."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QTreeWidget, QTreeWidgetItem, QWidget

from inspector import palette
from inspector.report.plot_model import diagnosis_spread
from inspector.ui.panels_common import Column
from inspector.ui.plots import SpreadPlotWidget


class _WrappingDelegate(QStyledItemDelegate):
    """Qt's tree asks for a row's height without saying how wide its column is, so wrapped text gets the height
    of unwrapped text; this one measures at the column's real width."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self.tree = tree

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802 - Qt API
        sized = QStyleOptionViewItem(option)
        sized.rect = QRect(0, 0, self.tree.columnWidth(index.column()), 10_000)
        return super().sizeHint(sized, index)


class FindingsTree(QTreeWidget):
    """The blame and findings list. Long checks and fixes wrap instead of ending in "…" (the tooltip has them
    whole); the row heights follow the column width, known only once the tree is laid out or resized."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("findingsTree")
        self.setWordWrap(True)
        self.setItemDelegate(_WrappingDelegate(self))
        self.header().sectionResized.connect(self._relayout)

    def _relayout(self, *_args: int) -> None:
        self.doItemsLayout()


class DiagnosisPanel(Column):
    layer_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree: QTreeWidget | None = None
        self.spread_plot: SpreadPlotWidget | None = None
        self.show_waiting("Drop a dataset (.npz, .npy, .csv, .h5, .txt for text models, a folder of images) on the "
                          "window, or use File ▸ Open dataset. Without data, Run ▸ Diagnose uses synthetic inputs.")

    def show_waiting(self, text: str) -> None:
        self.clear()
        self.tree = None
        self.label(f"<i>{text}</i>", "diagnosisHint")
        self.finish()

    def show_flags(self, findings: list, hint: str) -> None:
        """Right after a model opens: what its weights alone show (the status bar's "N flags from the weights"),
        before any data is run."""
        self.clear()
        self.label(f"<i>{hint}</i>", "diagnosisHint")
        if findings:
            self.label(f"<b>{len(findings)} flag{'s' if len(findings) != 1 else ''} from the weights alone</b> "
                       "(no data run yet)", "flagsHeading")
            self._add_tree([], findings, "from the weights alone, most severe first")
        else:
            self.label("No flags from the weights alone.", "flagsHeading")
        self.finish()

    def show_diagnosis(self, d) -> None:  # noqa: ANN001 - analysis.diagnose.Diagnosis
        self.clear()
        colour = palette.SEVERITY["error"] if d.collapsed else palette.GOOD
        from inspector.report.content import data_words

        data = data_words(d)
        self.label(f"<h3 style='color:{colour}'>{d.verdict}</h3>data: {data}, {d.samples} samples · "
                   f"model {d.how_built}", "verdict")
        from inspector.report.content import blame_rows

        self._add_tree(blame_rows(d), d.findings, "most severe first")
        self.spread_plot = self._spread(d)
        self.add(self.spread_plot)
        self.finish()

    def _add_tree(self, blame: list, findings: list, order: str) -> None:
        tree = FindingsTree()
        tree.setHeaderLabels(["severity / status", "kind / role · score", "layer", "what was measured"])
        header = tree.headerItem()
        header.setToolTip(0, "Findings: how severe (error, warning, info).\nBlamed layers: responsible (a repair "
                             "of the layer restored the output) or suspect; the kind column says cause or symptom "
                             "and the blame score (the catalogue's weights of the evidence).")
        tree.setRootIsDecorated(True)
        if blame:
            blame_root = QTreeWidgetItem(["", "blame", "", "causes before symptoms; responsible = a repair of the "
                                                            "layer restored the output (the counterfactual check)"])
            tree.addTopLevelItem(blame_root)
            for row in blame:
                text = row.evidence + (f"\ncheck: {row.check}" if row.check else "")
                item = QTreeWidgetItem([row.status, row.kind, row.layer, text])
                item.setForeground(0, QColor(row.colour))
                item.setToolTip(0, f"{row.status}: " + ("a repair of this layer restored the output" if
                                                        row.status == "responsible" else
                                                        "evidence, but no repair of it alone restored the output"))
                item.setToolTip(1, f"{row.role}; blame score {row.score:.1f} (the catalogue's weights of its evidence)")
                item.setToolTip(3, row.evidence + (f"\n\ncheck: {row.check}" if row.check else ""))
                item.setData(0, Qt.ItemDataRole.UserRole, row.layer)
                blame_root.addChild(item)
            blame_root.setExpanded(True)
        from inspector.report.content import group_findings

        groups = group_findings(findings)
        folded = f" in {len(groups)} row{'s' if len(groups) != 1 else ''}" if len(groups) < len(findings) else ""
        root = QTreeWidgetItem(["", "findings", "", f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"
                                                    f"{folded}, {order}"])
        tree.addTopLevelItem(root)
        for g in groups:
            many = len(g.members) > 1
            item = self._finding_item(g.severity, g.kind + (f" ×{len(g.members)}" if many else ""), g.where(),
                                      g.message, g.fix, g.layers[0] if g.layers else None)
            root.addChild(item)
            if many:  # each layer of the group, to click on
                for f in g.members:
                    item.addChild(self._finding_item(f.severity, f.kind, f.layer or "(data)", f.message, f.fix,
                                                     f.layer))
        root.setExpanded(True)
        for column in range(3):
            tree.resizeColumnToContents(column)
        tree.setMinimumHeight(300)
        tree.itemClicked.connect(self._clicked)
        self.tree = tree
        self.add(tree, stretch=1)  # the list grows with the dock

    @staticmethod
    def _finding_item(severity: str, kind: str, where: str, message: str, fix: str,
                      layer: str | None) -> QTreeWidgetItem:
        item = QTreeWidgetItem([severity, kind, where, message + (f"\nfix: {fix}" if fix else "")])
        item.setForeground(0, QColor(palette.SEVERITY.get(severity, palette.TEXT)))
        item.setToolTip(3, message + (f"\n\nfix: {fix}" if fix else ""))
        if layer:
            item.setData(0, Qt.ItemDataRole.UserRole, layer)
        return item

    def _spread(self, d) -> SpreadPlotWidget:  # noqa: ANN001
        """The report's spread plot (`plot_model.diagnosis_spread`), drawn by the window's spread widget."""
        plot = SpreadPlotWidget(cursor=False)
        plot.setObjectName("spreadPlot")
        plot.setMinimumHeight(220)
        plot.setMaximumHeight(320)  # extra room goes to the findings list
        plot.show_plot(diagnosis_spread(d))
        return plot

    def _clicked(self, item: QTreeWidgetItem, column: int) -> None:
        layer = item.data(0, Qt.ItemDataRole.UserRole)
        if layer:
            self.layer_clicked.emit(str(layer))
