"""A checkpoint comparison as a one-page PNG: the sentence, each matched layer's weight change as a bar, and with
data the across-sample spread of A and of B layer by layer, the first divergent layer marked."""

from __future__ import annotations

import math
import os
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter

from inspector import palette
from inspector.report.diff_out import diff_to_dict
from inspector.report.plot_model import A_COLOUR, comparison_spread_of
from inspector.report.plot_paint import font as _font
from inspector.report.plot_paint import paint_spread
from inspector.report.render import ensure_app, image_to_png, page

WIDTH, MARGIN, ROW, SPREAD_HEIGHT = 1400, 36, 18, 280
PAGE = QRectF(6, 0, WIDTH - 12, 0)  # the x labels' room: the image, less a hair


def render_diff_png(r: Any) -> bytes:
    doc = diff_to_dict(r)
    rows = doc["layers"][:60]
    ensure_app()
    dead = r.diagnosis_a.thresholds["dead_spread"] if r.diagnosis_a is not None else None
    spread = comparison_spread_of(doc, float(dead)) if doc["with_data"] and dead is not None else None
    bars_bottom = MARGIN + 80 + 10 + len(rows) * ROW + 10
    spread_top = bars_bottom + 40
    height = (paint_spread(None, spread, QRectF(MARGIN, spread_top, WIDTH - 2 * MARGIN, 0), SPREAD_HEIGHT, bounds=PAGE)
              if spread is not None else bars_bottom + 20) + MARGIN
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
        if spread is not None:
            paint_spread(p, spread, QRectF(MARGIN, y + 40, WIDTH - 2 * MARGIN, 0), SPREAD_HEIGHT, bounds=PAGE)
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
