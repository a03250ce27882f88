"""A `plot_model.SpreadPlot` painted with QPainter: the one painter of the spread plots in the PNG report, the
training-log picture and the comparison picture.

Everything is measured before it is drawn, so the same call with no painter says how tall the plot will be. The x
labels are rotated with their end at their tick, so the last one ends inside the frame; one that would leave
`bounds` on the left (the page) is shortened to fit, never cut by the image's edge.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen

from inspector import palette
from inspector.report.plot_model import ALERT, LegendEntry, SpreadPlot

FONT = "DejaVu Sans"
LABEL_ANGLE = 30.0  # degrees the x labels are turned (counter-clockwise, their end at the tick)
TICK_SIZE, AXIS_SIZE, LEGEND_SIZE = 7.5, 7.5, 8.0
GAP = 6.0  # between the frame and its x labels


def font(size: float, bold: bool = False) -> QFont:
    f = QFont(FONT)
    f.setPointSizeF(size)
    f.setBold(bold)
    return f


def label_extent(width: float, height: float) -> tuple[float, float, float]:
    """How far a turned x label reaches (left of its tick, right of it, below its anchor) for text `width` x
    `height`, its end at the tick and its middle on the anchor."""
    a = math.radians(LABEL_ANGLE)
    return (width * math.cos(a) + height / 2 * math.sin(a), height / 2 * math.sin(a),
            width * math.sin(a) + height / 2 * math.cos(a))


@dataclass
class Geometry:
    """Where a plot's parts go in `area`: measured before anything is drawn."""

    plot: SpreadPlot
    title_height: float
    legend_top: float
    frame: QRectF
    axis_width: float  # the y labels' column, left of the frame
    labels: list[tuple[float, str, float, float]]  # x, text (shortened to fit), text width, reach below the anchor
    x_label_y: float
    bottom: float

    def px(self, x: float) -> float:
        lo, hi = self.plot.x_range()
        return self.frame.left() + (x - lo) / (hi - lo) * self.frame.width()

    def py(self, v: float) -> float:
        lo, hi = self.plot.axis.span()
        return self.frame.bottom() - (v - lo) / (hi - lo) * self.frame.height()


def measure(plot: SpreadPlot, area: QRectF, plot_height: float = 220.0, title_size: float = 10.0,
            bounds: QRectF | None = None) -> Geometry:
    bounds = bounds if bounds is not None else area
    flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)
    title_h = QFontMetricsF(font(title_size, True)).boundingRect(QRectF(area.left(), area.top(), area.width(), 1000),
                                                                flags, plot.heading).height()
    legend_top = area.top() + title_h + 4
    y = _legend(None, plot.legend(), area.left(), legend_top, area.width()) + 4
    metrics = QFontMetricsF(font(AXIS_SIZE))
    axis_w = max((metrics.horizontalAdvance(text) for _, text in plot.axis.ticks()), default=20.0) + 8
    g = Geometry(plot, title_h, legend_top, QRectF(area.left() + axis_w, y, area.width() - axis_w, plot_height),
                 axis_w, [], 0.0, 0.0)
    g.labels = _x_labels(plot, g.px, bounds)
    g.x_label_y = g.frame.bottom() + GAP + max((reach for *_, reach in g.labels), default=0.0) + 2
    g.bottom = g.x_label_y + (metrics.height() + 2 if plot.x_label else 0)
    return g


def paint_spread(p: QPainter | None, plot: SpreadPlot, area: QRectF, plot_height: float = 220.0,
                 title_size: float = 10.0, bounds: QRectF | None = None) -> float:
    """Title, legend, the frame of `plot_height` with its axes and lines, the x labels and the x axis' name, from
    the top of `area` across its width; `p` None only measures. Returns the bottom of what is (or would be)
    drawn."""
    g = measure(plot, area, plot_height, title_size, bounds)
    if p is None:
        return g.bottom
    frame, px, py, labels = g.frame, g.px, g.py, g.labels
    p.save()
    p.setFont(font(title_size, True))
    p.setPen(QColor(palette.TEXT))
    p.drawText(QRectF(area.left(), area.top(), area.width(), g.title_height + 2),
               int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap), plot.heading)
    _legend(p, plot.legend(), area.left(), g.legend_top, area.width())
    y_ticks, axis_w = plot.axis.ticks(), g.axis_width
    p.setPen(QPen(QColor(palette.GRID), 1))
    p.setBrush(QColor(palette.PANEL))
    p.drawRect(frame)
    p.setFont(font(AXIS_SIZE))
    for value, text in y_ticks:
        yy = py(value)
        p.setPen(QPen(QColor(palette.GRID), 1, Qt.PenStyle.DotLine if text == "0" else Qt.PenStyle.SolidLine))
        p.drawLine(QPointF(frame.left(), yy), QPointF(frame.right(), yy))
        p.setPen(QColor(palette.MUTED))
        p.drawText(QRectF(area.left(), yy - 8, axis_w - 6, 16),
                   int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), text)
    if plot.threshold is not None:
        p.setPen(QPen(QColor(ALERT), 1, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(frame.left(), py(plot.threshold)), QPointF(frame.right(), py(plot.threshold)))
    if plot.mark is not None:
        _mark(p, plot, frame, px(plot.mark.x))
    for line in reversed(plot.lines):  # the first (the collapse's own layer) on top
        colour = QColor(line.colour)
        path = QPainterPath()
        for run in line.runs():
            path.moveTo(px(run[0][0]), py(run[0][1]))
            for x, v in run[1:]:
                path.lineTo(px(x), py(v))
        p.setPen(QPen(colour, 3.0 if line.emphasis else 1.8))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
        p.setPen(Qt.PenStyle.NoPen)
        for x, v, alerted in line.points():
            p.setBrush(QColor(ALERT) if alerted else colour)
            p.drawEllipse(QPointF(px(x), py(v)), 3.2 if alerted or line.emphasis else 2.5,
                          3.2 if alerted or line.emphasis else 2.5)
    p.setFont(font(TICK_SIZE))
    metrics = QFontMetricsF(font(TICK_SIZE))
    for x, text, width, _ in labels:
        p.setPen(QPen(QColor(palette.MUTED), 1))
        p.drawLine(QPointF(x, frame.bottom()), QPointF(x, frame.bottom() + 3))
        p.save()
        p.translate(x, frame.bottom() + GAP)
        p.rotate(-LABEL_ANGLE)
        p.drawText(QPointF(-width, metrics.ascent() - metrics.height() / 2), text)
        p.restore()
    if plot.x_label:
        p.setFont(font(AXIS_SIZE))
        p.drawText(QRectF(frame.left(), g.x_label_y, frame.width(), g.bottom - g.x_label_y),
                   int(Qt.AlignmentFlag.AlignRight), plot.x_label)
    p.restore()
    return g.bottom


def _x_labels(plot: SpreadPlot, px: Callable[[float], float], bounds: QRectF) -> list[tuple[float, str, float, float]]:
    """(x, text, text width, reach below the anchor) of each x label, shortened where it would leave `bounds`."""
    metrics = QFontMetricsF(font(TICK_SIZE))
    out = []
    spacing = metrics.height() * 2.2  # turned labels closer than this touch
    most = int(max(px(plot.x_range()[1]) - px(plot.x_range()[0]), 1.0) / spacing)
    for value, text in plot.x_ticks(most):
        x = px(value)
        width = metrics.horizontalAdvance(text)
        left, _, _ = label_extent(width, metrics.height())
        if x - left < bounds.left():
            room = (x - bounds.left() - label_extent(0, metrics.height())[0]) / math.cos(math.radians(LABEL_ANGLE))
            text = metrics.elidedText(text, Qt.TextElideMode.ElideLeft, max(room, 0.0))
            width = metrics.horizontalAdvance(text)
        out.append((x, text, width, label_extent(width, metrics.height())[2]))
    return out


def _mark(p: QPainter, plot: SpreadPlot, frame: QRectF, x: float) -> None:
    assert plot.mark is not None
    p.setPen(QPen(QColor(palette.BLAME), 2.2))
    p.drawLine(QPointF(x, frame.top()), QPointF(x, frame.bottom()))
    if not plot.mark.label:
        return
    p.setFont(font(7.5, True))
    width = p.fontMetrics().horizontalAdvance(plot.mark.label) + 10
    left = x - 4 - width if plot.mark.label_left else x + 4
    left = min(max(left, frame.left() + 2), frame.right() - 2 - width)
    box = QRectF(left, frame.top() + frame.height() * 0.45, width, 15)  # mid-height: the lines lie high or on zero
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(palette.BLAME))
    p.drawRoundedRect(box, 3, 3)
    p.setPen(QColor(palette.BACKGROUND))
    p.drawText(box, int(Qt.AlignmentFlag.AlignCenter), plot.mark.label)


def _legend(p: QPainter | None, entries: list[LegendEntry], x0: float, y: float, width: float) -> float:
    """The entries in rows above the frame (a legend never covers a line); returns the bottom of the last row."""
    if not entries:
        return y
    metrics = QFontMetricsF(font(LEGEND_SIZE))
    row_h = metrics.height() + 3
    x = x0
    if p is not None:
        p.setFont(font(LEGEND_SIZE))
    for entry in entries:
        size = 22 + metrics.horizontalAdvance(entry.label) + 16
        if x > x0 and x + size > x0 + width:
            x, y = x0, y + row_h
        if p is not None:
            _swatch(p, entry, QPointF(x, y + row_h / 2))
            p.setPen(QColor(palette.MUTED))
            p.drawText(QRectF(x + 22, y, size - 22, row_h), int(Qt.AlignmentFlag.AlignVCenter), entry.label)
        x += size
    return y + row_h


def _swatch(p: QPainter, entry: LegendEntry, at: QPointF) -> None:
    colour = QColor(entry.colour)
    if entry.style == "point":
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawEllipse(QPointF(at.x() + 9, at.y()), 3.2, 3.2)
        return
    style = Qt.PenStyle.DashLine if entry.style == "dashed" else Qt.PenStyle.SolidLine
    p.setPen(QPen(colour, 3.0 if entry.style == "thick" else 1.8 if entry.style == "line" else 1.2, style))
    p.drawLine(QPointF(at.x(), at.y()), QPointF(at.x() + 18, at.y()))
