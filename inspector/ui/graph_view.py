"""The layer graph: zoom with the wheel, pan by dragging, fit, find by name, blame colours, nested models that
expand and collapse on double-click. All edges are one path item (cheap to draw on 1,000-layer models)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QWheelEvent
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QStyleOptionGraphicsItem,
    QWidget,
)

from inspector import palette
from inspector.core.layout import GraphLayout
from inspector.core.model import ModelInfo
from inspector.report.text_out import format_shape


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
        hint = "\n(double-click to expand)" if container else "\n(double-click to collapse its model)" if parent_name else ""
        self.setToolTip(f"{name}\n{detail}{hint}")

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
        self.fit()
        QTimer.singleShot(0, self.fit)  # again once the view has its final size

    def set_levels(self, levels: dict[str, str]) -> None:
        self._levels = dict(levels)
        for name, item in self.nodes.items():
            inner = palette.level_of_container(levels, name) if item.container else None
            item.set_level(levels.get(name) or inner or "static")

    def fit(self) -> None:
        rect = self.scene().itemsBoundingRect()
        if rect.isEmpty():
            return
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.transform().m11() > 1.0:  # small graphs at natural size, not blown up
            self.resetTransform()
            self.centerOn(rect.center())
        if self.transform().m11() < 0.05:  # a tall graph: start readable at the top instead of as a thin line
            self.resetTransform()
            self.scale(0.6, 0.6)
            self.centerOn(rect.center().x(), rect.top())

    def select(self, name: str) -> bool:
        item = self.nodes.get(name) or self.nodes.get(name.split("/", 1)[0])
        if item is None:
            return False
        self.scene().clearSelection()
        item.setSelected(True)
        self.centerOn(item)
        return True

    def find(self, text: str) -> str | None:
        """The first layer whose name contains the text (exact match first), selected and centred."""
        text = text.strip().lower()
        if not text:
            return None
        names = list(self.nodes)
        match = next((n for n in names if n.lower() == text), None) or next(
            (n for n in names if text in n.lower()), None)
        if match:
            self.select(match)
        return match

    def selected_name(self) -> str | None:
        items = self.scene().selectedItems()
        return items[0].name if items and isinstance(items[0], NodeItem) else None

    def _selection_changed(self) -> None:
        name = self.selected_name()
        if name:
            self.layer_selected.emit(name)

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
