"""The timeline of a training log as one PNG: each head's spread and each layer's relative spread over the epochs,
on log scales, with the epoch where the collapse began marked."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from inspector import palette
from inspector.report.render import _font, image_to_png, page
from inspector.training_log import Timeline, series

WIDTH, PLOT_HEIGHT, MARGIN = 1200, 320, 40
COLOURS = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")


def render_timeline_png(t: Timeline) -> bytes:
    height = MARGIN * 2 + 60 + 2 * (PLOT_HEIGHT + 60)
    with page(WIDTH, height) as (image, p):
        p.setPen(QColor(palette.TEXT))
        p.setFont(_font(13, bold=True))
        p.drawText(QRectF(MARGIN, MARGIN, WIDTH - 2 * MARGIN, 24), int(Qt.AlignmentFlag.AlignLeft),
                   f"Training timeline of '{t.header.get('model')}'")
        p.setFont(_font(10))
        p.setPen(QColor(palette.SEVERITY["error"] if t.onset_epoch else palette.GOOD))
        p.drawText(QRectF(MARGIN, MARGIN + 26, WIDTH - 2 * MARGIN, 20), int(Qt.AlignmentFlag.AlignLeft), t.sentence())
        top = MARGIN + 60
        heads = {h: series(t, "heads", h, "std") for h in t.heads}
        _plot(p, QRectF(MARGIN + 50, top + 24, WIDTH - 2 * MARGIN - 60, PLOT_HEIGHT), "Head output std (across samples)",
              heads, t, None)
        top += PLOT_HEIGHT + 60
        names = t.layer_names
        if t.onset_layer in names:  # the blamed layer first, so it gets the first colour and is never cut
            names = [t.onset_layer] + [n for n in names if n != t.onset_layer]
        layers = {n: series(t, "layers", n) for n in names[: len(COLOURS)]}
        threshold = float(t.header.get("thresholds", {}).get("dead_spread", 1e-3))
        _plot(p, QRectF(MARGIN + 50, top + 24, WIDTH - 2 * MARGIN - 60, PLOT_HEIGHT),
              "Layer relative spread (dashed: the dead-spread threshold)" + (
                  f"; {len(names) - len(layers)} more layers in the JSON" if len(names) > len(layers) else ""),
              layers, t, threshold)
    return image_to_png(image)


def _plot(p: QPainter, area: QRectF, title: str, lines: dict[str, list[tuple[int, float | None]]], t: Timeline,
          threshold: float | None) -> None:
    p.setPen(QColor(palette.TEXT))
    p.setFont(_font(10, bold=True))
    p.drawText(QRectF(area.x() - 50, area.y() - 22, area.width(), 18), int(Qt.AlignmentFlag.AlignLeft), title)
    p.setPen(QPen(QColor("#dadce0"), 1))
    p.setBrush(QColor(palette.PANEL))
    p.drawRect(area)
    epochs = [e["epoch"] for e in t.epochs] or [0]
    values = [v for pts in lines.values() for _, v in pts if v is not None and v > 0]
    lo = math.floor(math.log10(min(values + ([threshold] if threshold else [])))) if values else -6
    hi = math.ceil(math.log10(max(values))) if values else 1
    hi = max(hi, lo + 1)
    floor = lo - 1  # exact zeros (a dead layer, a constant head) get a row of their own, labelled 0
    first, last = min(epochs), max(epochs)

    def xy(epoch: int, value: float) -> QPointF:
        x = area.left() + (epoch - first) / max(last - first, 1) * area.width()
        level = math.log10(value) if value > 0 else floor
        y = area.bottom() - (max(level, floor) - floor) / (hi - floor) * area.height()
        return QPointF(x, y)

    p.setFont(_font(8))
    for decade in range(floor, hi + 1):
        y = xy(first, 10.0 ** decade if decade > floor else 0.0).y()
        p.setPen(QColor(palette.MUTED))
        p.drawText(QRectF(area.left() - 48, y - 7, 44, 14), int(Qt.AlignmentFlag.AlignRight),
                   f"1e{decade}" if decade > floor else "0")
    for epoch in sorted(set(epochs))[:: max(1, len(epochs) // 12)]:
        p.drawText(QRectF(xy(epoch, 1).x() - 20, area.bottom() + 4, 40, 14), int(Qt.AlignmentFlag.AlignCenter),
                   str(epoch))
    p.drawText(QRectF(area.right() - 60, area.bottom() + 18, 60, 14), int(Qt.AlignmentFlag.AlignRight), "epoch")
    if threshold:
        p.setPen(QPen(QColor(palette.SEVERITY["error"]), 1, Qt.PenStyle.DashLine))
        y = xy(first, threshold).y()
        p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
    if t.onset_epoch is not None:
        p.setPen(QPen(QColor(palette.SEVERITY["error"]), 2))
        x = xy(t.onset_epoch, 1).x()
        p.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))
        p.drawText(QRectF(x + 4, area.top() + 18, 200, 14), int(Qt.AlignmentFlag.AlignLeft),
                   f"collapse began: epoch {t.onset_epoch}")
    for i, (name, pts) in reversed(list(enumerate(lines.items()))):  # the first (the blamed layer) on top
        colour = QColor(COLOURS[i % len(COLOURS)])
        p.setPen(QPen(colour, 3 if i == 0 and name == t.onset_layer else 2))
        points = [xy(e, v) for e, v in pts if v is not None]
        for a, b in zip(points, points[1:], strict=False):
            p.drawLine(a, b)
        p.setBrush(colour)
        for point in points:
            p.drawEllipse(point, 2.5, 2.5)
        p.drawText(QRectF(area.right() - 220, area.top() + 6 + 14 * i, 214, 14), int(Qt.AlignmentFlag.AlignRight),
                   name[:34] + (" (blamed)" if name == t.onset_layer else ""))
