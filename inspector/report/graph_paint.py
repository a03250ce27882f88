"""The layer graph's painter, shared by the window's nodes and the report: a node box with its two lines, the small
histogram of its activations and the bar of its across-sample spread (from `graph_model.NodeLook`), the legend
(blame levels or a continuous scale), and the report's whole graph."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from inspector import palette
from inspector.report.graph_model import ColourScale, GraphLook, GraphPart, NodeLook
from inspector.report.plot_paint import font as _font
from inspector.report.render import _Canvas, _section

EDGE, OUTLINE, SELECTED = palette.EDGE, palette.OUTLINE, palette.SELECTED
OVERLAY_W = 44.0  # the histogram's box at the node's right end, in node coordinates
BAR_H = 4.0  # the spread bar along the node's bottom


def paint_node(p: QPainter, rect: QRectF, title: str, detail: str, look: NodeLook, overlays: bool = True,
               dashed: bool = False, selected: bool = False) -> None:
    """One node. With `overlays` (the caller decides: only where the labels are readable) and something
    measured, the histogram sits at the right end and the spread bar along the bottom, the dead threshold ticked
    on it; the labels take the rest."""
    blamed = look.level in ("blamed", "suspect") and look.fill != palette.LEVELS[look.level][0]
    colour = SELECTED if selected else palette.LEVELS[look.level][0] if blamed else OUTLINE
    p.setPen(QPen(QColor(colour), 3 if selected or blamed else 1,  # a blamed layer stays marked when the fill
                  Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine))  # shows another number
    p.setBrush(QColor(look.fill))
    p.drawRoundedRect(rect, 6, 6)
    text = rect
    if overlays and look.histogram is not None:
        box = QRectF(rect.right() - OVERLAY_W - 4, rect.top() + 4, OVERLAY_W, rect.height() - 8 - BAR_H - 2)
        _mini_histogram(p, box, look)
        text = rect.adjusted(0, 0, -OVERLAY_W - 4, 0)
    if overlays and look.spread_bar is not None:
        _spread_bar(p, QRectF(rect.left() + 6, rect.bottom() - BAR_H - 3, rect.width() - 12, BAR_H), look)
    p.setPen(QColor(look.ink))
    detail = look.caption or detail
    for line, font, half in ((title, _font(9, True), text.adjusted(4, 3, -4, -rect.height() / 2)),
                             (detail, _font(7.5), text.adjusted(4, rect.height() / 2 - 4, -4, -4))):
        p.setFont(font)
        p.drawText(half, int(Qt.AlignmentFlag.AlignCenter),
                   p.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight, int(half.width())))


def _mini_histogram(p: QPainter, box: QRectF, look: NodeLook) -> None:
    """The activations' shape at a glance (red when the spread is dead), bar heights by the square root of the
    counts."""
    h = look.histogram
    assert h is not None
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(255, 255, 255, 215))
    p.drawRect(box)
    top = math.sqrt(max(h.counts) or 1)  # square-root heights: a ReLU's spike at 0 leaves the rest visible
    width = box.width() / len(h.counts)
    p.setBrush(QColor(palette.BLAME if look.spread_dead else palette.OUTPUT))
    for i, count in enumerate(h.counts):
        if count:
            height = max(1.0, math.sqrt(count) / top * (box.height() - 2))
            p.drawRect(QRectF(box.left() + i * width, box.bottom() - height, max(width - 0.3, 1.5), height))


def _spread_bar(p: QPainter, bar: QRectF, look: NodeLook) -> None:
    """The spread on the spread plot's log axis: the span below the dead threshold tinted red, the bar filled up to
    the layer's value (red when it is in that span)."""
    assert look.spread_bar is not None
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(255, 255, 255, 220))
    p.drawRect(bar)
    if look.dead_mark is not None:
        p.setBrush(QColor(255, 205, 205, 230))
        p.drawRect(QRectF(bar.left(), bar.top(), bar.width() * look.dead_mark, bar.height()))
    p.setBrush(QColor(palette.BLAME if look.spread_dead else palette.GOOD))
    p.drawRect(QRectF(bar.left(), bar.top() + 0.8, max(bar.width() * look.spread_bar, 2.0), bar.height() - 1.6))


def legend_entries(look: GraphLook) -> list[tuple[str, str]]:
    """(colour, label) of the legend, left to right: the blame levels, or the scale's swatches (its ends and
    middle labelled) and the colour of layers without a value."""
    if look.scale is None:
        return list(look.levels)
    return [*look.scale.swatches(), (palette.LEVELS["static"][0], "no value")]


def paint_legend(cv: _Canvas, look: GraphLook, x: float, y: float, width: float) -> float:
    """The legend in rows across `width`: its title, then the swatches; returns the bottom."""
    p = cv.p
    y += cv.text(QRectF(x, y, width, 48), f"colour: {look.legend_title()}"
                 + (" · on each node: its activations' histogram and, along the bottom, its spread (red: below the "
                    "dead threshold, tinted)" if any(n.histogram is not None for n in look.nodes.values()) else ""),
                 8.5, color=palette.MUTED) + 2
    if look.scale is not None:
        return _paint_scale(cv, look.scale, x, y, width)
    cx = x
    for colour, label in legend_entries(look):
        cv.painter.setFont(_font(8.5))
        w = cv.painter.fontMetrics().horizontalAdvance(label) + 30
        if cx + w > x + width:
            cx, y = x, y + 16
        if p is not None:
            p.setPen(QPen(QColor(OUTLINE), 0.6))
            p.setBrush(QColor(colour))
            p.drawRect(QRectF(cx, y + 3, 10, 10))
        cv.text(QRectF(cx + 14, y, w, 16), label, 8.5, color=palette.MUTED)
        cx += w
    return y + 18


def _paint_scale(cv: _Canvas, scale: ColourScale, x: float, y: float, width: float) -> float:
    swatches = scale.swatches()
    cell = min(40.0, (width - 90) / len(swatches))
    p = cv.p
    for i, (colour, label) in enumerate(swatches):
        left = x + i * cell
        if p is not None:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(colour))
            p.drawRect(QRectF(left, y + 2, cell, 10))
        if label:
            cv.text(QRectF(left - 20, y + 13, cell + 40, 14), label, 7.5, color=palette.MUTED,
                    flags=Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
    marked = scale.threshold_position()
    if p is not None and marked is not None:
        tx = x + marked * cell * len(swatches)
        p.setPen(QPen(QColor(palette.BLAME), 2))
        p.drawLine(QPointF(tx, y), QPointF(tx, y + 14))
    end = x + cell * len(swatches) + 12
    if p is not None:
        p.setPen(QPen(QColor(OUTLINE), 0.6))
        p.setBrush(QColor(palette.LEVELS["static"][0]))
        p.drawRect(QRectF(end, y + 2, 10, 10))
    cv.text(QRectF(end + 14, y, 90, 16), "no value", 8.5, color=palette.MUTED)
    return y + 30


def paint_graph(cv: _Canvas, g: GraphPart, area: QRectF) -> float:
    """The report's graph: title, legend on top (where the reader looks first), then the nodes at the largest
    scale (at most natural size) that fits the width."""
    y = _section(cv, area.x(), area.y(), area.width(), "Layer graph" + (
        f": {len(g.layout.centers)} layers around the cause ({g.hidden} more)" if g.hidden else ""))
    layout = g.layout
    if not layout.centers:
        return y + cv.text(QRectF(area.x(), y, area.width(), 30), "no architecture stored", 10, color=palette.MUTED)
    y = paint_legend(cv, g.look, area.x(), y, area.width()) + 4
    scale = min(1.0, area.width() / max(layout.width, 1.0))
    scale = max(scale, 0.3)  # below this the labels are unreadable; a wider graph is clipped at the panel edge
    ox = area.x() + max(0.0, (area.width() - layout.width * scale) / 2)
    bottom = y + layout.height * scale + 8
    p = cv.p
    if p is not None:
        p.save()
        p.setClipRect(QRectF(area.x(), y - 4, area.width(), bottom - y + 8))
        p.translate(ox, y)
        p.scale(scale, scale)
        path = QPainterPath()  # every edge in one path: one stroke for the whole graph
        for _, _, points in layout.edges:
            path.moveTo(QPointF(*points[0]))
            for point in points[1:]:
                path.lineTo(QPointF(*point))
        p.setPen(QPen(QColor(EDGE), 1.2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
        nw, nh = layout.node_size
        for name, (cx, cy) in layout.centers.items():
            title, detail = g.labels[name]
            paint_node(p, QRectF(cx - nw / 2, cy - nh / 2, nw, nh), title, detail, g.look.nodes[name])
        p.restore()
    return bottom
