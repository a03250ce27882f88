"""The layer graph: zoom with the wheel, pan by dragging, fit, find by name, blame colours, nested models that
expand and collapse on double-click. All edges are one path item (cheap to draw on 1,000-layer models)."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QColor,
    QFont,
    QHelpEvent,
    QPainter,
    QPainterPath,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QLabel,
    QMenu,
    QStyle,
    QStyleOptionGraphicsItem,
    QToolTip,
    QWidget,
)

from inspector import palette
from inspector.core.layout import GraphLayout, left_to_right, wrapped
from inspector.core.model import ModelInfo
from inspector.report.graph_model import (
    METRICS,
    GraphLook,
    NodeLook,
    available,
    containers_of,
    graph_look,
    metric_named,
    node_label,
)
from inspector.report.graph_paint import legend_entries, paint_node
from inspector.report.text_out import format_shape

# The smallest on-screen node height at which a node still reads: there the 7.5-pt detail line ("Dense (None, 8)")
# is about 7 px tall and the 9-pt name about 9 px (looked at side by side at 0.6, 0.7, 0.8 and 1.0 of the layout's
# 46-px node: at 0.6 the detail line no longer reads). Fit never zooms out below it; it scrolls instead.
READABLE_NODE_HEIGHT = 34.0
DIMMED = 0.25  # the opacity of the nodes a search does not match
SCENE_MARGIN = 40.0  # room around the nodes in the scene


class NodeItem(QGraphicsItem):
    """A layer's box, painted by the report's node painter from its `NodeLook`; the histogram and spread bar only
    where the labels are readable (they would be noise below)."""

    def __init__(self, name: str, title: str, detail: str, size: tuple[float, float], container: bool,
                 parent_name: str | None = None) -> None:
        super().__init__()
        self.name = name
        self.parent_name = parent_name
        self.title = title
        self.detail = detail
        self.w, self.h = size
        self.container = container
        self.level = "static"  # the blame level (also when the fill shows another number)
        self.look = NodeLook(palette.LEVELS["static"][0], palette.TEXT)
        self.overlays = True
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        return QRectF(-self.w / 2 - 3, -self.h / 2 - 3, self.w + 6, self.h + 6)

    def set_look(self, look: NodeLook) -> None:
        if look != self.look:
            self.look = look
            self.level = look.level
            self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        readable = option.levelOfDetailFromTransform(painter.worldTransform()) * self.h >= READABLE_NODE_HEIGHT - 0.5
        paint_node(painter, QRectF(-self.w / 2, -self.h / 2, self.w, self.h), self.title, self.detail, self.look,
                   overlays=self.overlays and readable, dashed=self.container, selected=self.isSelected())


class FrameItem(QGraphicsPathItem):
    """The labelled frame around an expanded nested model's layers; a click on its label collapses it."""

    HEADER = 20.0

    def __init__(self, name: str, rect: QRectF, depth: int = 0) -> None:
        label = QGraphicsSimpleTextItem(f"▾ {name}  (nested model: click to collapse)")
        font = QFont()
        font.setPointSizeF(8.5)
        font.setBold(True)
        label.setFont(font)
        label.setBrush(QColor(palette.MUTED))
        wide = label.boundingRect().width() + 16  # the frame is at least as wide as its label
        if rect.width() < wide:
            rect = rect.adjusted(-(wide - rect.width()) / 2, 0, (wide - rect.width()) / 2, 0)
        path = QPainterPath()
        path.addRoundedRect(rect, 10, 10)
        super().__init__(path)
        self.name = name
        self.rect = rect
        self.depth = depth  # 0 for a model in the top level, 1 inside one, ...
        self.setPen(QPen(QColor(palette.MUTED), 1.2, Qt.PenStyle.DashLine))
        self.setBrush(QColor(palette.PANEL))
        self.setZValue(-2 + 0.01 * depth)  # below the edges; an inner frame over the outer one that holds it
        self.setToolTip(f"nested model {name}: click its label, or right-click, to collapse it")
        label.setParentItem(self)
        label.setPos(rect.left() + 8, rect.top() + 3)
        self.label = label

    def header(self) -> QRectF:
        return QRectF(self.rect.left(), self.rect.top(), self.rect.width(), self.HEADER)


class GraphView(QGraphicsView):
    layer_selected = Signal(str)
    container_toggled = Signal(str)
    colour_by_changed = Signal(str)
    arrangement_changed = Signal(str, bool)

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
        self.comparison: Any = None  # report.compare_state.CompareState: colour by weight change
        self.colour_by = "blame"  # what the nodes are coloured by (report.graph_model.METRICS)
        self.overlays = True  # histograms and spread bars on the nodes, where readable
        self.look: GraphLook | None = None
        self.overlays_action = QAction("&Histograms and spread on nodes", self)  # in View and the context menu
        self.overlays_action.setCheckable(True)
        self.overlays_action.setChecked(True)
        self.overlays_action.toggled.connect(self.set_overlays)
        self.at_fit = True  # the zoom is Fit's, not the user's: a re-arranged graph is fitted again
        self.frames: dict[str, FrameItem] = {}
        self.marked: dict[str, str] = {}  # layer -> words beside its node (set_marks)
        self.mark_items: list[QGraphicsItem] = []
        self.legend_note = ""  # html after the legend (what a view's marks mean)
        self.base_layout: GraphLayout | None = None  # the model's top-down layout
        self.layout: GraphLayout | None = None  # as drawn: arranged for the room
        self.direction = "down"
        self.wrap = True
        self.arranged_for: tuple | None = None  # the room and choices the drawn layout was arranged for
        self._rewrap = QTimer(self)
        self._rewrap.setSingleShot(True)
        self._rewrap.setInterval(150)  # a resize drawn anew once the user has stopped dragging
        self._rewrap.timeout.connect(self._rearrange)
        self.scene().selectionChanged.connect(self._selection_changed)
        # the legend is a strip above the viewport (in its margin), so it can never cover a node
        self.legend = QLabel(self)
        self.legend.setObjectName("graphLegend")
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet(f"background: {palette.PANEL}; border-bottom: 1px solid {palette.GRID}; "
                                  "padding: 3px 6px;")
        self._update_legend()

    def clear(self) -> None:
        self.scene().clear()
        self.nodes = {}
        self.frames = {}
        self.mark_items = []

    def show_graph(self, info: ModelInfo, layout: GraphLayout) -> None:
        """Draw a model's plain top-down layout, arranged as the user chose (`set_arrangement`)."""
        self.info = info
        self.base_layout = layout
        self._show(self.arranged(layout))

    def arranged(self, base: GraphLayout) -> GraphLayout:
        """Left to right if chosen; cut into columns when much taller than the room (unless a nested model is
        expanded: its frame must hold its layers, which a cut would spread over two columns)."""
        assert self.info is not None
        shape = left_to_right(base) if self.direction == "right" else base
        expanded = any(self.info.layers[n].parent for n in base.centers if n in self.info.layers)
        self.arranged_for = (self.room(), self.direction, self.wrap)
        if not self.wrap or expanded:
            return shape
        width, height = self.room()
        # no bigger than natural size (Fit never zooms in further), no wider than the room at a readable size
        return wrapped(shape, width / height, SCENE_MARGIN, largest=1.0 / height,
                       max_width=width / self.readable_scale())

    def room(self) -> tuple[int, int]:
        """The room Fit fits into (both scroll bars' room left out, as `fit` does), in pixels."""
        room = self.viewport().rect()
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        return max(room.width() - bar, 1), max(room.height() - bar, 1)

    def set_arrangement(self, direction: str, wrap: bool) -> None:
        """"down" (inputs at the top) or "right" (inputs at the left); `wrap`: long graphs into columns."""
        if direction not in ("down", "right"):
            raise ValueError(f"unknown direction {direction!r}")
        changed = (direction, wrap) != (self.direction, self.wrap)
        self.direction, self.wrap = direction, wrap
        if changed:
            self._rearrange()
            self.arrangement_changed.emit(direction, wrap)

    def _rearrange(self) -> None:
        """Draw the same graph arranged anew (a new room or a new choice), keeping the selection."""
        if self.base_layout is None or self.info is None:
            return
        if self.arranged_for == (self.room(), self.direction, self.wrap):
            return  # arranged for this very room already (a resize that came back, or the first show's)
        shape = self.arranged(self.base_layout)
        if self.layout is not None and shape.centers == self.layout.centers:
            return
        selected = self.selected_name()
        zoom, centre = self.transform(), self.mapToScene(self.viewport().rect().center())
        fitted = self.at_fit
        self._show(shape, refit=fitted)
        if not fitted:  # the user's zoom stays; the selected layer (else the same spot) in the middle
            self.setTransform(zoom)
            self.at_fit = False
            self.centerOn(self.nodes[selected] if selected in self.nodes else centre)
        if selected and selected in self.nodes:
            blocked = self.scene().blockSignals(True)  # the same layer: the panels need not be redrawn
            self.nodes[selected].setSelected(True)
            self.scene().blockSignals(blocked)

    def _show(self, layout: GraphLayout, refit: bool = True) -> None:
        assert self.info is not None
        info = self.info
        self.clear()
        self.layout = layout
        self.node_height = layout.node_size[1]
        path = QPainterPath()
        for _, _, points in layout.edges:
            path.moveTo(QPointF(*points[0]))
            for point in points[1:]:
                path.lineTo(QPointF(*point))
        edges = QGraphicsPathItem(path)
        edges.setPen(QPen(QColor(palette.EDGE), 1.2))
        edges.setZValue(-1)
        self.scene().addItem(edges)
        for name, (x, y) in layout.centers.items():
            layer = info.layers[name]
            item = NodeItem(name, *node_label(layer), layout.node_size, bool(layer.children), layer.parent)
            item.overlays = self.overlays
            item.setPos(x, y)
            self.scene().addItem(item)
            self.nodes[name] = item
        self._add_frames()
        self.scene().setSceneRect(self.scene().itemsBoundingRect().adjusted(-SCENE_MARGIN, -SCENE_MARGIN,
                                                                            SCENE_MARGIN, SCENE_MARGIN))
        self.set_marks(self.marked)
        self.refresh_looks()
        if self.filter_text:
            self.filter(self.filter_text, select=False)
        if refit:
            self.fit()
            QTimer.singleShot(0, self, self._fit_again)  # once the view has its final size (dropped if it goes)

    def _fit_again(self) -> None:
        if self.at_fit:  # unless the user zoomed in the meantime
            self.fit()

    def _add_frames(self) -> None:
        """A frame around the layers of each expanded nested model, outer ones with more room, so a frame holds
        the frames of the models inside it."""
        info = self.info
        assert info is not None
        inside: dict[str, list[NodeItem]] = {}
        for item in self.nodes.values():
            for parent in info.ancestors(item.name):
                inside.setdefault(parent, []).append(item)

        def depth(name: str) -> int:
            return len(info.ancestors(name))

        for name in sorted(inside, key=depth, reverse=True):  # inner models first: an outer frame holds them
            rect = QRectF()
            for item in inside[name]:
                rect = rect.united(item.sceneBoundingRect())
            for inner, frame in self.frames.items():
                if inner.startswith(name + "/"):
                    rect = rect.united(frame.rect)
            pad = 10.0
            frame = FrameItem(name, rect.adjusted(-pad, -pad - FrameItem.HEADER, pad, pad), depth(name))
            self.scene().addItem(frame)
            self.frames[name] = frame

    def set_marks(self, marks: dict[str, str]) -> None:
        """A dashed outline in the blame colour and a few words beside each named node (a nested layer: on its
        model's node), kept when the graph is drawn anew; the old marks go."""
        for item in self.mark_items:
            self.scene().removeItem(item)
        self.mark_items = []
        self.marked = dict(marks)
        for name, text in marks.items():
            node = self._node_of(name)
            if node is None:
                continue
            rect = node.sceneBoundingRect().adjusted(-5, -5, 5, 5)
            outline = QGraphicsRectItem(rect)
            outline.setPen(QPen(QColor(palette.BLAME), 3, Qt.PenStyle.DashLine))
            label = QGraphicsSimpleTextItem(text)
            label.setBrush(QColor(palette.BLAME))
            label.setPos(rect.right() + 6, rect.center().y() - 8)
            for item in (outline, label):
                item.setZValue(5)
                self.scene().addItem(item)
                self.mark_items.append(item)
        if self.mark_items:  # room for the words beside the rightmost node
            self.scene().setSceneRect(self.scene().sceneRect().united(
                self.scene().itemsBoundingRect().adjusted(-SCENE_MARGIN, -SCENE_MARGIN, SCENE_MARGIN, SCENE_MARGIN)))

    def set_levels(self, levels: dict[str, str]) -> None:
        """Blame levels from elsewhere (a timeline's epoch); the fill follows them when coloured by blame."""
        self._levels = dict(levels)
        self.refresh_looks()

    def set_diagnosis(self, diagnosis: Any, findings: list | None = None) -> None:
        """Colour the nodes by blame and keep what the tooltips quote; None (a model just opened) clears it, and
        the weights' own findings stand in."""
        self.diagnosis = diagnosis
        self.findings = list(diagnosis.findings if diagnosis is not None else findings or [])
        self.focus = diagnosis.blame[0].layer if diagnosis is not None and diagnosis.blame else None
        self._levels = palette.levels_for(diagnosis)
        self.refresh_looks()
        self._update_legend()

    def set_comparison(self, comparison: Any) -> None:
        """A comparison with another checkpoint (report.compare_state.CompareState), or None: what colouring by
        weight change shows."""
        self.comparison = comparison
        self.refresh_looks()
        self._update_legend()

    def set_colour_by(self, metric: str) -> None:
        self.colour_by = metric_named(metric).key  # one line naming the metrics there are, if unknown
        self.refresh_looks()
        self._update_legend()
        self.colour_by_changed.emit(self.shown_metric())

    def set_overlays(self, on: bool) -> None:
        self.overlays = on
        if self.overlays_action.isChecked() != on:
            self.overlays_action.setChecked(on)
        for item in self.nodes.values():
            item.overlays = on
            item.update()

    def shown_metric(self) -> str:
        """What the fill shows now: the chosen metric, or blame while the chosen one has nothing to show."""
        return self.colour_by if available(self.colour_by, self.diagnosis, self.comparison) else "blame"

    def refresh_looks(self) -> None:
        if self.info is None:
            return
        names = list(self.nodes)
        self.look = graph_look(names, containers_of(self.info, names), self.colour_by, self.diagnosis, self.comparison,
                               self._levels)
        for name, item in self.nodes.items():
            item.set_look(self.look.nodes[name])

    def legend_html(self) -> str:
        """The graph painter's legend entries (the report's), as one line of rich text: the levels, or the scale's
        swatches with their labels under the title."""
        look = self.look
        if look is None:
            return " &nbsp; &nbsp; ".join(f"<span style='color:{palette.LEVELS[k][0]}'>■</span>&nbsp;"
                                          + name.replace(" ", "&nbsp;") for k, name in palette.LEVEL_NAMES.items())
        entries = legend_entries(look)
        if look.scale is None:
            return " &nbsp; &nbsp; ".join(f"<span style='color:{c}'>■</span>&nbsp;{html.escape(t).replace(' ', '&nbsp;')}"
                                          for c, t in entries)
        *swatches, (blank, none) = entries
        cells = "".join((f"&nbsp;{html.escape(t)}&nbsp;" if t else "") + f"<span style='color:{c}'>█</span>"
                        for c, t in swatches)
        return (f"{html.escape(look.legend_title())}: {cells} &nbsp; <span style='color:{blank}'>■</span>&nbsp;"
                f"{html.escape(none).replace(' ', '&nbsp;')}")

    def _update_legend(self) -> None:
        self.legend.setText(self.legend_html() + (f" &nbsp; &nbsp; {self.legend_note}" if self.legend_note else ""))
        if self.look is not None and self.look.scale is not None:
            self.legend.setToolTip(f"Nodes filled by {self.look.legend_title()}; a strong colour is the bad end "
                                   "of the scale. Grey: layers without the number. The node's tooltip has its "
                                   "value.")
        else:
            self.legend.setToolTip("\n".join(f"■ {text}" for _, text in palette.LEVELS.values()))
        self._place_legend()

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
        self.at_fit = True
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
            if name in self.nodes and self.nodes[name].look.value:
                lines.append(html.escape(f"colour: {self.nodes[name].look.value}"))
            if level in ("blamed", "suspect"):
                lines.append(html.escape(palette.LEVELS[level][1]))
        c = self.comparison
        if c is not None and name in c.rows:
            lines += [html.escape(f"{q}: " + (f"A {a} · B {b}" if b else a)) for q, a, b in c.detail_rows(name)]
        elif name in self.nodes and self.nodes[name].look.value and d is None:
            lines.append(html.escape(f"colour: {self.nodes[name].look.value}"))
        own = [f for f in self.findings if f.layer == name or (layer.children and (f.layer or "").startswith(name + "/"))]
        if own:
            top = min(own, key=lambda f: f.rank)
            more = f" (and {len(own) - 1} more)" if len(own) > 1 else ""
            lines.append(html.escape(f"{top.severity}: {top.message}{more}"))
        if layer.children:
            lines.append("<i>double-click (or right-click) to expand</i>")
        elif layer.parent:
            lines.append(f"<i>double-click, right-click or click the frame's label to collapse {html.escape(layer.parent)}</i>")
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
        self.at_fit = False

    def mousePressEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt API
        """A click on an expanded nested model's label collapses it."""
        if event.button() == Qt.MouseButton.LeftButton:
            frame = self._frame_header_at(self.mapToScene(event.position().toPoint()))
            if frame is not None:
                self.container_toggled.emit(frame.name)
                return
        super().mousePressEvent(event)

    def _frame_header_at(self, point: QPointF) -> FrameItem | None:
        hits = [f for f in self.frames.values() if f.header().contains(point)]
        return max(hits, key=lambda f: f.depth) if hits else None  # the innermost

    def contextMenuEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt API
        """Right-click: expand or collapse the nested model under the pointer, and what the nodes show."""
        menu = self.context_menu(self.mapToScene(event.pos()))
        menu.exec(event.globalPos())
        menu.deleteLater()  # with its submenu: one per right-click otherwise

    def context_menu(self, point: QPointF) -> QMenu:
        menu = QMenu(self)
        item = self.scene().itemAt(point, self.transform())
        while item is not None and not isinstance(item, NodeItem | FrameItem):
            item = item.parentItem()
        frames = [f for f in self.frames.values() if f.rect.contains(point)]
        if isinstance(item, NodeItem) and item.container:
            menu.addAction(f"Expand {item.name}", lambda n=item.name: self.container_toggled.emit(n))
        for frame in sorted(frames, key=lambda f: -f.depth):  # the innermost first
            menu.addAction(f"Collapse {frame.name}", lambda n=frame.name: self.container_toggled.emit(n))
        if not menu.isEmpty():
            menu.addSeparator()
        menu.addMenu(self.colour_menu(menu))
        menu.addAction(self.overlays_action)
        menu.addAction("Fit", self.fit)
        return menu

    def colour_menu(self, parent: QWidget | None = None) -> QMenu:
        """View ▸ Colour by: one entry per metric, those without numbers yet disabled (they say what they need)."""
        menu = QMenu("Colour by", parent or self)
        group = QActionGroup(menu)
        for key, metric in METRICS.items():
            action = menu.addAction(metric.label)
            action.setCheckable(True)
            action.setData(key)
            group.addAction(action)

            def sync(action: QAction = action, key: str = key) -> None:
                action.setChecked(self.shown_metric() == key)
                action.setEnabled(available(key, self.diagnosis, self.comparison))
                need = METRICS[key].needs
                action.setToolTip("" if action.isEnabled() else
                                  "after File ▸ Compare with…" if need == "comparison" else
                                  "after a diagnosis" if self.diagnosis is None else
                                  "no layer shown has this number (e.g. no bounded activations to saturate)")

            sync()
            menu.aboutToShow.connect(sync)
            action.triggered.connect(lambda _=False, k=key: self.set_colour_by(k))
        menu.setToolTipsVisible(True)
        return menu

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt API
        item = self.itemAt(event.position().toPoint())
        if isinstance(item, NodeItem) and (item.container or item.parent_name):
            self.container_toggled.emit(item.name if item.container else item.parent_name)
            return
        super().mouseDoubleClickEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt API
        super().resizeEvent(event)
        self._place_legend()
        if self.wrap and self.base_layout is not None:
            self._rewrap.start()

    def arrangement_menu(self, parent: QWidget | None = None) -> QMenu:
        """View ▸ Graph layout: top to bottom or left to right, and whether long graphs wrap into columns."""
        menu = QMenu("Graph &layout", parent or self)
        group = QActionGroup(menu)
        for direction, text in (("down", "&Top to bottom"), ("right", "&Left to right")):
            action = menu.addAction(text)
            action.setCheckable(True)
            action.setData(direction)
            group.addAction(action)
            action.triggered.connect(lambda _=False, d=direction: self.set_arrangement(d, self.wrap))
        menu.addSeparator()
        wrap = menu.addAction("&Wrap long graphs into columns")
        wrap.setCheckable(True)
        wrap.setData("wrap")
        wrap.setToolTip("A graph much taller (or wider) than the view is cut between layers into columns (rows) "
                        "that fill it; not while a nested model is expanded")
        wrap.toggled.connect(lambda on: self.set_arrangement(self.direction, on))

        def sync() -> None:
            for action in menu.actions():
                if action.data() in ("down", "right"):
                    action.setChecked(action.data() == self.direction)
            blocked = wrap.blockSignals(True)
            wrap.setChecked(self.wrap)
            wrap.blockSignals(blocked)

        sync()
        menu.aboutToShow.connect(sync)
        menu.setToolTipsVisible(True)
        return menu

    def _place_legend(self) -> None:
        frame = self.frameWidth()
        width = max(self.width() - 2 * frame, 50)
        height = self.legend.heightForWidth(width)
        self.setViewportMargins(0, height, 0, 0)
        self.legend.setGeometry(frame, frame, width, height)
