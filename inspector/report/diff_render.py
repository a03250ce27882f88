"""A checkpoint comparison as a one-page PNG: the sentence, each matched layer's weight change as a bar, and with
data the across-sample spread of A and of B layer by layer, the first divergent layer marked."""

from __future__ import annotations

import math
import os
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from inspector import palette
from inspector.report.diff_out import diff_to_dict
from inspector.report.render import _font, image_to_png, page

WIDTH, MARGIN, ROW = 1400, 36, 18
A_COLOUR, B_COLOUR = "#1f77b4", "#d62728"


def render_diff_png(r: Any) -> bytes:
    doc = diff_to_dict(r)
    rows = doc["layers"][:60]
    spread_height = 300 if doc["with_data"] else 0
    height = MARGIN * 2 + 90 + len(rows) * ROW + 40 + (spread_height + 70 if spread_height else 0)
    with page(WIDTH, height) as (image, p):
        p.setPen(QColor(palette.TEXT))
        p.setFont(_font(13, bold=True))
        p.drawText(QRectF(MARGIN, MARGIN, WIDTH - 2 * MARGIN, 22), int(Qt.AlignmentFlag.AlignLeft),
                   f"A: {os.path.basename(doc['a'])}   vs   B: {os.path.basename(doc['b'])}")
        p.setFont(_font(10))
        p.drawText(QRectF(MARGIN, MARGIN + 26, WIDTH - 2 * MARGIN, 40),
                   int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap), doc["sentence"])
        y = MARGIN + 80
        y = _change_bars(p, rows, y, doc["first_divergent_layer"])
        if len(doc["layers"]) > len(rows):
            p.setPen(QColor(palette.MUTED))
            p.drawText(QPointF(MARGIN, y + 12), f"{len(doc['layers']) - len(rows)} more matched layers in the JSON")
        if spread_height:
            _spreads(p, doc, QRectF(MARGIN + 50, y + 50, WIDTH - 2 * MARGIN - 60, spread_height))
    return image_to_png(image)


def _change_bars(p: QPainter, rows: list[dict], y: float, divergent: str | None) -> float:
    p.setFont(_font(10, bold=True))
    p.setPen(QColor(palette.TEXT))
    p.drawText(QPointF(MARGIN, y), "Weight change |B - A| / |A| per matched layer (log scale, 1e-4 to 10)")
    y += 10
    bar_left, bar_width = MARGIN + 420, WIDTH - 2 * MARGIN - 580
    p.setFont(_font(8.5))
    for row in rows:
        y += ROW
        highlight = row["name_a"] == divergent
        p.setPen(QColor(palette.SEVERITY["error"] if highlight else palette.TEXT))
        label = row["name_a"] if row["name_a"] == row["name_b"] else f"{row['name_a']} = {row['name_b']}"
        p.drawText(QRectF(MARGIN, y - 13, 410, 16), int(Qt.AlignmentFlag.AlignLeft), label[:60])
        change = row["weight_change"]
        if change is None:
            p.drawText(QRectF(bar_left, y - 13, 200, 16), int(Qt.AlignmentFlag.AlignLeft), "no weights")
            continue
        share = (math.log10(max(change, 1e-4)) + 4) / 5
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(palette.SEVERITY["error"] if highlight else A_COLOUR))
        p.drawRect(QRectF(bar_left, y - 11, max(2.0, share * bar_width), 11))
        p.setPen(QColor(palette.MUTED))
        cos = "" if row["cosine"] is None else f", cos {row['cosine']:.3f}"
        p.drawText(QRectF(bar_left + bar_width + 6, y - 13, 120, 16), int(Qt.AlignmentFlag.AlignLeft),
                   f"{change:.3g}{cos}")
    return y + 10


def _spreads(p: QPainter, doc: dict, area: QRectF) -> None:
    p.setFont(_font(10, bold=True))
    p.setPen(QColor(palette.TEXT))
    p.drawText(QPointF(area.left() - 50, area.top() - 14),
               "Across-sample relative spread, layer by layer: A (blue) and B (red); dashed: the dead-spread threshold")
    p.setPen(QPen(QColor("#dadce0"), 1))
    p.setBrush(QColor(palette.PANEL))
    p.drawRect(area)
    layers = doc["layers"]
    lo, hi = -9, 1
    p.setFont(_font(8))
    for decade in range(lo, hi + 1, 2):
        y = area.bottom() - (decade - lo) / (hi - lo) * area.height()
        p.setPen(QColor(palette.MUTED))
        p.drawText(QRectF(area.left() - 48, y - 7, 44, 14), int(Qt.AlignmentFlag.AlignRight), f"1e{decade}")
    step = area.width() / max(len(layers) - 1, 1)

    def point(i: int, v: float) -> QPointF:
        level = math.log10(v) if v and v > 0 else lo
        return QPointF(area.left() + i * step, area.bottom() - (min(max(level, lo), hi) - lo) / (hi - lo) * area.height())

    threshold_y = point(0, 1e-3).y()
    p.setPen(QPen(QColor(palette.SEVERITY["error"]), 1, Qt.PenStyle.DashLine))
    p.drawLine(QPointF(area.left(), threshold_y), QPointF(area.right(), threshold_y))
    for key, colour in (("spread_a", A_COLOUR), ("spread_b", B_COLOUR)):
        pts = [point(i, x[key]) for i, x in enumerate(layers) if x.get(key) is not None]
        p.setPen(QPen(QColor(colour), 2))
        for a, b in zip(pts, pts[1:], strict=False):
            p.drawLine(a, b)
    names = [x["name_a"] for x in layers]
    if doc["first_divergent_layer"] in names:
        i = names.index(doc["first_divergent_layer"])
        p.setPen(QPen(QColor(palette.SEVERITY["error"]), 2))
        x = point(i, 1).x()
        p.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))
        p.drawText(QPointF(x + 4, area.top() + 14), f"B departs here: {doc['first_divergent_layer']}")
    p.setPen(QColor(palette.MUTED))
    every = max(1, len(names) // 14)
    for i in range(0, len(names), every):
        p.save()
        p.translate(point(i, 1).x(), area.bottom() + 4)
        p.rotate(30)
        p.drawText(QPointF(0, 8), names[i][:20])
        p.restore()
