"""The layer graph: zoom with the wheel, pan by dragging, fit, find by name, blame colours, nested models that
expand and collapse on double-click. All edges are one path item (cheap to draw on 1,000-layer models)."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QHelpEvent, QPainter, QPainterPath, QPen, QWheelEvent
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QStyle,
    QStyleOptionGraphicsItem,
    QToolTip,
    QWidget,
)

from inspector import palette
from inspector.core.layout import GraphLayout
from inspector.core.model import ModelInfo
from inspector.report.text_out import format_shape

# The smallest on-screen node height at which a node still reads: there the 7.5-pt detail line ("Dense (None, 8)")
# is about 7 px tall and the 9-pt name about 9 px (looked at side by side at 0.6, 0.7, 0.8 and 1.0 of the layout's
# 46-px node: at 0.6 the detail line no longer reads). Fit never zooms out below it; it scrolls instead.
READABLE_NODE_HEIGHT = 34.0
DIMMED = 0.25  # the opacity of the nodes a search does not match


class NodeItem(QGraphicsItem):
    def __init__(self, name: str, title: str, detail: str, size: tuple[float, float], container: bool,
                 parent_name: str | None = None) -> None:
        super().__init__()
        self.name = name
        self.parent_name = parent_name
        self.title = title
        self.detail = detail
        self.w, self.h = size
        self.container = container
        self.level = "static"
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        return QRectF(-self.w / 2 - 3, -self.h / 2 - 3, self.w + 6, self.h + 6)

    def set_level(self, level: str) -> None:
        if level != self.level:
            self.level = level
            self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        rect = QRectF(-self.w / 2, -self.h / 2, self.w, self.h)
        selected = self.isSelected()
        painter.setPen(QPen(QColor("#1a73e8" if selected else "#5f6368"), 3 if selected else 1,
                            Qt.PenStyle.DashLine if self.container else Qt.PenStyle.SolidLine))
        painter.setBrush(QBrush(QColor(palette.LEVELS[self.level][0])))
        painter.drawRoundedRect(rect, 6, 6)
        dark = self.level in ("blamed", "dead")
        painter.setPen(QColor("#ffffff" if dark else palette.TEXT))
        font = QFont(painter.font())
        font.setPointSizeF(9)
        font.setBold(True)
        painter.setFont(font)
        top = rect.adjusted(4, 3, -4, -self.h / 2)
        painter.drawText(top, Qt.AlignmentFlag.AlignCenter,
                         painter.fontMetrics().elidedText(self.title, Qt.TextElideMode.ElideRight, int(top.width())))
        font.setBold(False)
        font.setPointSizeF(7.5)
        painter.setFont(font)
        bottom = rect.adjusted(4, self.h / 2 - 3, -4, -3)
        painter.drawText(bottom, Qt.AlignmentFlag.AlignCenter,
                         painter.fontMetrics().elidedText(self.detail, Qt.TextElideMode.ElideRight, int(bottom.width())))


class GraphView(QGraphicsView):
    layer_selected = Signal(str)
    container_toggled = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.BoundingRectViewportUpdate)
        self.setBackgroundBrush(QColor(palette.BACKGROUND))
        self.nodes: dict[str, NodeItem] = {}
        self._levels: dict[str, str] = {}
        self.info: ModelInfo | None = None
        self.diagnosis: Any = None  # analysis.results.Diagnosis, or None before one
        self.findings: list = []  # the findings the tooltips quote: the diagnosis', else the weights'
        self.focus: str | None = None  # the most-blamed layer: where Fit scrolls when the graph cannot fit
        self.filter_text = ""
        self.node_height = 46.0
        self.scene().selectionChanged.connect(self._selection_changed)
        # the legend is a strip above the viewport (in its margin), so it can never cover a node
        self.legend = QLabel(self)
        self.legend.setObjectName("graphLegend")
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet(f"background: {palette.PANEL}; border-bottom: 1px solid {palette.GRID}; "
                                  "padding: 3px 6px;")
        self.legend.setText(" &nbsp; &nbsp; ".join(
            f"<span style='color:{palette.LEVELS[key][0]}'>■</span>&nbsp;{name.replace(' ', '&nbsp;')}"
            for key, name in palette.LEVEL_NAMES.items()))
        self.legend.setToolTip("\n".join(f"■ {text}" for _, text in palette.LEVELS.values()))
        self._place_legend()

    def clear(self) -> None:
        self.scene().clear()
        self.nodes = {}

    def show_graph(self, info: ModelInfo, layout: GraphLayout) -> None:
        self.clear()
        self.info = info
        self.node_height = layout.node_size[1]
        path = QPainterPath()
        for _, _, points in layout.edges:
            path.moveTo(QPointF(*points[0]))
            for point in points[1:]:
                path.lineTo(QPointF(*point))
        edges = QGraphicsPathItem(path)
        edges.setPen(QPen(QColor("#9aa0a6"), 1.2))
        edges.setZValue(-1)
        self.scene().addItem(edges)
        for name, (x, y) in layout.centers.items():
            layer = info.layers[name]
            title = layer.short_name if len(layer.short_name) <= 24 else layer.short_name[:23] + "…"
            item = NodeItem(name, title, f"{layer.class_name} {format_shape(layer.output_shape)}",
                            layout.node_size, bool(layer.children), layer.parent)
            item.setPos(x, y)
            self.scene().addItem(item)
            self.nodes[name] = item
        self.scene().setSceneRect(self.scene().itemsBoundingRect().adjusted(-40, -40, 40, 40))
        self.set_levels(self._levels)
        if self.filter_text:
            self.filter(self.filter_text, select=False)
        self.fit()
        QTimer.singleShot(0, self, self.fit)  # again once the view has its final size (dropped if the view goes)

    def set_levels(self, levels: dict[str, str]) -> None:
        self._levels = dict(levels)
        for name, item in self.nodes.items():
            inner = palette.level_of_container(levels, name) if item.container else None
            item.set_level(levels.get(name) or inner or "static")

    def set_diagnosis(self, diagnosis: Any, findings: list | None = None) -> None:
        """Colour the nodes by blame and keep what the tooltips quote; None (a model just opened) clears it, and
        the weights' own findings stand in."""
        self.diagnosis = diagnosis
        self.findings = list(diagnosis.findings if diagnosis is not None else findings or [])
        self.focus = diagnosis.blame[0].layer if diagnosis is not None and diagnosis.blame else None
        self.set_levels(palette.levels_for(diagnosis))

    def readable_scale(self) -> float:
        return READABLE_NODE_HEIGHT / self.node_height

    def fit(self) -> None:
        """The whole graph, at most at natural size, when it fits at a readable size; otherwise the readable size,
        scrolled to the most-blamed layer or to the top. The fit is to the scene rect (nodes and margin) in the
        room left by both scroll bars, so no scroll bar that appears afterwards hides a row."""
        rect = self.scene().itemsBoundingRect()
        if rect.isEmpty():
            return
        area = self.scene().sceneRect()
        room = self.viewport().rect()
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        width = room.width() - (0 if self.verticalScrollBar().isVisible() else bar)
        height = room.height() - (0 if self.horizontalScrollBar().isVisible() else bar)
        scale = min(width / area.width(), height / area.height(), 1.0)  # small graphs at natural size
        self.resetTransform()
        if scale >= self.readable_scale():
            self.scale(scale, scale)
            self.centerOn(rect.center())
            return
        scale = self.readable_scale()
        self.scale(scale, scale)
        focus = self._node_of(self.focus) if self.focus else None
        if focus is not None:
            self.centerOn(focus)
            return
        half_w = self.viewport().width() / 2 / scale
        self.centerOn(rect.center().x() if rect.width() <= 2 * half_w else rect.left() + half_w, rect.center().y())
        self.verticalScrollBar().setValue(self.verticalScrollBar().minimum())  # the inputs, at the top

    def _node_of(self, name: str) -> NodeItem | None:
        """The node that shows a layer: its own, or that of the collapsed nested model it lives in."""
        while name:
            if name in self.nodes:
                return self.nodes[name]
            layer = self.info.layers.get(name) if self.info is not None else None
            name = layer.parent if layer is not None and layer.parent else (name.rsplit("/", 1)[0] if "/" in name
                                                                               else "")
        return None

    def select(self, name: str) -> bool:
        item = self._node_of(name)
        if item is None:
            return False
        self.scene().clearSelection()
        item.setSelected(True)
        self.centerOn(item)
        return True

    def matches(self, text: str) -> list[str]:
        """The layers whose name contains the text, an exact match first, then in the graph's order."""
        text = text.strip().lower()
        if not text:
            return []
        found = [n for n in self.nodes if text in n.lower()]
        found.sort(key=lambda n: n.lower() != text and n.lower().rsplit("/", 1)[-1] != text)
        return found

    def filter(self, text: str, select: bool = True) -> list[str]:
        """As the search box is typed in: the layers that do not match are dimmed, the first match is selected
        and centred. An empty text shows every layer again. One pass over the names per keystroke."""
        self.filter_text = text.strip()
        found = self.matches(text)
        keep = set(found) if self.filter_text else None
        for name, item in self.nodes.items():
            item.setOpacity(1.0 if keep is None or name in keep else DIMMED)
        if found and select:
            self.select(found[0])
        return found

    def find(self, text: str) -> str | None:
        """The first layer whose name contains the text (exact match first), selected and centred."""
        found = self.matches(text)
        if found:
            self.select(found[0])
        return found[0] if found else None

    def tooltip_text(self, name: str) -> str:
        """What a node's tooltip says: more than its label. Class, parameters and output shape from the model;
        after a diagnosis the measured spread and the blame; the node's most severe finding."""
        layer = self.info.layers.get(name) if self.info is not None else None
        if layer is None:
            return html.escape(name)
        lines = [f"<b>{html.escape(name)}</b>",
                 html.escape(f"{layer.class_name} · {layer.params:,} params · output {format_shape(layer.output_shape)}")]
        if layer.children:
            lines.append(html.escape(f"nested model of {len(layer.members)} layers"))
        d = self.diagnosis
        if d is not None:
            measure = d.layers.get(name)
            if measure is not None:
                spread = measure.activation.relative_spread
                lines.append(html.escape(f"relative spread across samples {spread:.3g} "
                                         f"(dead below {d.thresholds['dead_spread']:.2g})"))
            else:
                lines.append("<i>not measured by the diagnosis</i>")
            level = self.nodes[name].level if name in self.nodes else None
            if level in ("blamed", "suspect"):
                lines.append(html.escape(palette.LEVELS[level][1]))
        own = [f for f in self.findings if f.layer == name or (layer.children and (f.layer or "").startswith(name + "/"))]
        if own:
            top = min(own, key=lambda f: f.rank)
            more = f" (and {len(own) - 1} more)" if len(own) > 1 else ""
            lines.append(html.escape(f"{top.severity}: {top.message}{more}"))
        if layer.children:
            lines.append("<i>double-click to expand</i>")
        elif layer.parent:
            lines.append("<i>double-click to collapse its model</i>")
        return "<br>".join(line if len(line) > 90 else f"<nobr>{line}</nobr>" for line in lines)  # short ones unwrapped

    def selected_name(self) -> str | None:
        items = self.scene().selectedItems()
        return items[0].name if items and isinstance(items[0], NodeItem) else None

    def _selection_changed(self) -> None:
        name = self.selected_name()
        if name:
            self.layer_selected.emit(name)

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            item = self.itemAt(event.pos())
            if isinstance(item, NodeItem):  # built on hover: nothing per node until then
                QToolTip.showText(event.globalPos(), self.tooltip_text(item.name), self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt API
        factor = 1.0015 ** event.angleDelta().y()
        self.scale(factor, factor)

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt API
        item = self.itemAt(event.position().toPoint())
        if isinstance(item, NodeItem) and (item.container or item.parent_name):
            self.container_toggled.emit(item.name if item.container else item.parent_name)
            return
        super().mouseDoubleClickEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt API
        super().resizeEvent(event)
        self._place_legend()

    def _place_legend(self) -> None:
        frame = self.frameWidth()
        width = max(self.width() - 2 * frame, 50)
        height = self.legend.heightForWidth(width)
        self.setViewportMargins(0, height, 0, 0)
        self.legend.setGeometry(frame, frame, width, height)
