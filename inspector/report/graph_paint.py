"""The report's layer graph, painted with QPainter from the content's `GraphPart`."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen

from inspector import palette
from inspector.report.content import GraphPart
from inspector.report.render import _Canvas, _font, _section


def paint_graph(cv: _Canvas, g: GraphPart, area: QRectF) -> float:
    y = _section(cv, area.x(), area.y(), area.width(), "Layer graph" + (
        f": {len(g.layout.centers)} layers around the cause ({g.hidden} more)" if g.hidden else ""))
    layout = g.layout
    if not layout.centers:
        return y + cv.text(QRectF(area.x(), y, area.width(), 30), "no architecture stored", 10, color=palette.MUTED)
    scale = min(1.0, area.width() / max(layout.width, 1.0), 1700.0 / max(layout.height, 1.0))
    scale = max(scale, 0.3)  # below this the labels are unreadable; a wider graph is clipped at the panel edge
    width = layout.width * scale
    ox = area.x() + max(0.0, (area.width() - width) / 2)
    oy = y
    bottom = oy + layout.height * scale + 8
    p = cv.p
    legend_y = bottom + 6
    if p is not None:
        p.save()
        p.setClipRect(QRectF(area.x(), oy - 4, area.width(), bottom - oy + 8))
        path = QPainterPath()  # every edge in one path: one stroke for the whole graph
        for _, _, points in layout.edges:
            pts = [QPointF(ox + px * scale, oy + py * scale) for px, py in points]
            path.moveTo(pts[0])
            for pt in pts[1:]:
                path.lineTo(pt)
        p.setPen(QPen(QColor("#9aa0a6"), 1.2))
        p.drawPath(path)
        nw, nh = layout.node_size[0] * scale, layout.node_size[1] * scale
        for name, (cx, cy) in layout.centers.items():
            rect = QRectF(ox + cx * scale - nw / 2, oy + cy * scale - nh / 2, nw, nh)
            color = palette.LEVELS[g.levels.get(name, "static")][0]
            p.setPen(QPen(QColor("#5f6368"), 1))
            p.setBrush(QColor(color))
            p.drawRoundedRect(rect, 6, 6)
            title, detail = g.labels[name]
            dark = g.levels.get(name) in ("blamed", "dead")
            p.setPen(QColor("#ffffff" if dark else palette.TEXT))
            for text, font, box in ((title, _font(max(6.5, 9 * scale), True), rect.adjusted(4, 2, -4, -nh / 2)),
                                    (detail, _font(max(5.5, 7.5 * scale)), rect.adjusted(4, nh / 2 - 2, -4, -2))):
                p.setFont(font)
                fitted = p.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(box.width()))
                p.drawText(box, int(Qt.AlignmentFlag.AlignCenter), fitted)
        p.restore()
    x = area.x()
    for key in ("blamed", "suspect", "dead", "ok", "static"):
        color, meaning = palette.LEVELS[key]
        if p is not None:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(color))
            p.drawRect(QRectF(x, legend_y + 3, 10, 10))
        cv.text(QRectF(x + 16, legend_y, area.width() - 16, 16), meaning, 8.5, color=palette.MUTED)
        legend_y += 16
    return legend_y
