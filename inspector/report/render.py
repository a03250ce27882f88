"""Paint the report content onto an image offscreen (no display needed) and encode it as PNG.

Drawn with QPainter at twice the logical size so it stays sharp when pasted into a ticket or printed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPen
from PySide6.QtWidgets import QApplication

from inspector import palette
from inspector.core.stats import Histogram
from inspector.report.content import HistPanel, ReportContent, build_content, row_colour
from inspector.report.plot_paint import FONT as FONT  # the report's one font, also for graph_paint
from inspector.report.plot_paint import font as _font
from inspector.report.plot_paint import paint_spread

WIDTH = 1600  # logical pixels
SCALE = 2.0  # device pixel ratio of the PNG
MARGIN = 32
HIST_INSET = (46, 24, -8, -36)  # a histogram cell's plot area inside its frame: count axis left, labels below


def render_png(diagnosis, colour_by: str = "blame") -> bytes:  # noqa: ANN001 - analysis.diagnose.Diagnosis
    """`colour_by`: what the graph's nodes are filled by (report.graph_model.METRICS), as in the window."""
    return image_to_png(render_image(build_content(diagnosis, colour_by)))


def ensure_app() -> None:
    """QPainter on images needs a Qt application; make a headless one when none exists (CLI use). A widgets
    QApplication, not a QGuiApplication, so that a window can still be opened later in the same process."""
    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        ensure_app.app = QApplication([])  # type: ignore[attr-defined]


def image_to_png(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


@contextmanager
def page(width: float, height: float) -> Iterator[tuple[QImage, QPainter]]:
    """A blank page of `width` x `height` logical pixels at the report's scale, and a painter on it (ended on
    leaving): what the report, the timeline and the comparison pictures are drawn on."""
    ensure_app()
    image = QImage(int(width * SCALE), int(height * SCALE), QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(SCALE)
    image.fill(QColor(palette.BACKGROUND))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    try:
        yield image, painter
    finally:
        painter.end()


def render_image(c: ReportContent) -> QImage:
    ensure_app()
    height = _paint(None, c)  # first pass measures, second paints
    with page(WIDTH, height) as (image, painter):
        _paint(painter, c)
    return image


class _Canvas:
    """A painter that can also only measure: the first pass computes the height, the second draws."""

    def __init__(self, painter: QPainter | None) -> None:
        self.p = painter
        self._measure_image = None
        if painter is None:
            self._measure_image = QImage(8, 8, QImage.Format.Format_ARGB32_Premultiplied)
            self._measurer = QPainter(self._measure_image)

    @property
    def painter(self) -> QPainter:
        return self.p if self.p is not None else self._measurer

    def text(self, rect: QRectF, text: str, size: float, bold: bool = False, color: str = palette.TEXT,
             flags: Qt.AlignmentFlag | int = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
             draw: bool = True) -> float:
        """Draws `text` wrapped in `rect` (unless measuring, or `draw` is False) and says how tall it is."""
        p = self.painter
        p.setFont(_font(size, bold))
        bound = p.boundingRect(rect, int(flags) | int(Qt.TextFlag.TextWordWrap), text)
        if self.p is not None and draw:
            self.p.setPen(QColor(color))
            self.p.drawText(rect, int(flags) | int(Qt.TextFlag.TextWordWrap), text)
        return bound.height()

    def close(self) -> None:
        if self.p is None:
            self._measurer.end()


def _paint(painter: QPainter | None, c: ReportContent) -> float:
    canvas = _Canvas(painter)
    try:
        return _layout(canvas, c)
    finally:
        canvas.close()


def _layout(cv: _Canvas, c: ReportContent) -> float:
    inner = WIDTH - 2 * MARGIN
    y = MARGIN
    y += cv.text(QRectF(MARGIN, y, inner, 40), f"keras-inspector diagnosis: {c.title}", 20, True) + 6
    for fact in c.facts:
        y += cv.text(QRectF(MARGIN, y, inner, 40), fact, 10.5, color=palette.MUTED) + 2
    y += 10
    verdict_color = palette.SEVERITY["error"] if c.collapsed else palette.GOOD
    y += cv.text(QRectF(MARGIN, y, inner, 80), c.verdict, 15, True, verdict_color) + 18

    left_w = 640.0
    right_x = MARGIN + left_w + 28
    right_w = WIDTH - MARGIN - right_x
    top = y
    from inspector.report.graph_paint import paint_graph  # imports this module's canvas

    # the graph on the left and the spread on the right; each further block goes under the shorter column, so a
    # short graph leaves no blank beside the plots and a tall one has them all beside it
    columns = [[MARGIN, left_w, paint_graph(cv, c.graph, QRectF(MARGIN, top, left_w, 0))],
               [right_x, right_w, _spread_plot(cv, c, QRectF(right_x, top, right_w, 0))]]
    blocks = [lambda x, y, w: _hist_grid(cv, c.head_panels, x, y, w, "Outputs per head on the data")]
    if c.matrix_names:
        blocks.append(lambda x, y, w: _matrix(cv, c, x, y, w))
    if c.layer_panels:
        blocks.append(lambda x, y, w: _hist_grid(cv, c.layer_panels, x, y, w, "Most responsible layers"))
    for block in blocks:
        column = min(reversed(columns), key=lambda col: col[2])  # a tie: the right column, beside the graph
        column[2] = block(column[0], column[2] + (16 if column is columns[0] else 0), column[1]) + 10
    (sx, sw, short), (_, _, tall) = sorted(columns, key=lambda col: col[2])
    # what the taller column leaves free in the shorter one; the findings start there when a row fits
    y = _findings(cv, c, QRectF(sx, short + 6, sw, tall - short - 6), QRectF(MARGIN, tall + 16, inner, 0))
    footer = "  ·  ".join([*c.notes, c.footer])
    y += 10 + cv.text(QRectF(MARGIN, y + 10, inner, 200), footer, 8.5, color=palette.MUTED)
    return y + MARGIN


def _section(cv: _Canvas, x: float, y: float, w: float, title: str) -> float:
    return y + cv.text(QRectF(x, y, w, 90), title, 12, True) + 6  # room for a title wrapped over lines


def _spread_plot(cv: _Canvas, c: ReportContent, area: QRectF) -> float:
    """The spread layer by layer, its labels kept inside the page."""
    return paint_spread(cv.p, c.spread, area, 210, 12, QRectF(MARGIN, area.y(), WIDTH - 2 * MARGIN, 0)) + 16


def _hist_grid(cv: _Canvas, panels: list[HistPanel], x: float, y: float, w: float, title: str) -> float:
    if not panels:
        return y
    y = _section(cv, x, y, w, title)
    columns = 3 if len(panels) > 2 else max(1, len(panels))
    cell_w = (w - (columns - 1) * 12) / columns
    cell_h = 170.0
    for i, panel in enumerate(panels[:9]):
        col, row = i % columns, i // columns
        _hist(cv, panel, QRectF(x + col * (cell_w + 12), y + row * (cell_h + 12), cell_w, cell_h))
    rows = (min(len(panels), 9) + columns - 1) // columns
    return y + rows * (cell_h + 12)


def _hist(cv: _Canvas, panel: HistPanel, rect: QRectF) -> None:
    """One histogram cell: title, bars against a labelled count axis, and the marked value (a collapsed head's
    constant output) as a full-height line in the blame colour with its value written on it."""
    p = cv.p
    if p is None:
        return
    p.setPen(QPen(QColor(palette.BLAME if panel.alert else palette.GRID), 1.2))
    p.setBrush(QColor(palette.PANEL))
    p.drawRoundedRect(rect, 4, 4)
    p.setPen(QColor(palette.BLAME if panel.alert else palette.TEXT))
    p.setFont(_font(8.5, True))
    p.drawText(rect.adjusted(6, 4, -6, 0), int(Qt.AlignmentFlag.AlignLeft), panel.title[:60])
    area = rect.adjusted(*HIST_INSET)
    lo, hi = panel.x_range()
    span = hi - lo
    top = panel.y_max()
    _count_axis(p, area, top, panel.y_label)
    colours = [QColor(palette.TARGET), QColor(palette.BLAME if panel.alert else palette.OUTPUT)]
    for h, colour in zip((panel.overlay, panel.histogram), colours, strict=True):
        if h is not None and h.counts:
            _bars(p, h, area, lo, span, top, colour)
    p.setPen(QColor(palette.MUTED))
    p.setFont(_font(7))
    p.drawText(QRectF(area.left(), area.bottom() + 2, area.width() / 2, 12), int(Qt.AlignmentFlag.AlignLeft),
               f"{lo:.3g}")
    p.drawText(QRectF(area.center().x(), area.bottom() + 2, area.width() / 2, 12), int(Qt.AlignmentFlag.AlignRight),
               f"{hi:.3g}")
    p.drawText(QRectF(area.left(), area.bottom() + 2, area.width(), 12), int(Qt.AlignmentFlag.AlignHCenter),
               panel.x_label)
    if panel.note:
        p.drawText(QRectF(area.left(), area.bottom() + 14, area.width(), 12), int(Qt.AlignmentFlag.AlignLeft),
                   panel.note)
    if panel.marker is not None:
        _marker(p, area, area.left() + (panel.marker - lo) / span * area.width(), panel.marker_label)


def _count_axis(p: QPainter, area: QRectF, top: float, label: str) -> None:
    """A y axis with 0, half and the top count, and its name written along it."""
    p.setFont(_font(6.5))
    for fraction in (0.0, 0.5, 1.0):
        yy = area.bottom() - fraction * area.height()
        p.setPen(QPen(QColor(palette.GRID), 1))
        p.drawLine(QPointF(area.left(), yy), QPointF(area.right(), yy))
        p.setPen(QColor(palette.MUTED))
        p.drawText(QRectF(area.left() - 32, yy - 6, 29, 12), int(Qt.AlignmentFlag.AlignRight),
                   _count(top * fraction, top))
    p.save()
    p.translate(area.left() - 38, area.center().y())
    p.rotate(-90)
    p.drawText(QRectF(-area.height() / 2, -8, area.height(), 10), int(Qt.AlignmentFlag.AlignHCenter), label)
    p.restore()


def _count(value: float, top: float) -> str:
    """A tick of a count axis in at most four characters: 600, 9.6k, 19k; halves where the counts are tiny."""
    if top < 10:
        return f"{value:g}"
    if value >= 9_950:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:.0f}"


def _marker(p: QPainter, area: QRectF, x: float, label: str) -> None:
    p.setPen(QPen(QColor(palette.BLAME), 3.5))
    p.drawLine(QPointF(x, area.top() - 2), QPointF(x, area.bottom()))
    if not label:
        return
    p.setFont(_font(7.5, True))
    width = p.fontMetrics().horizontalAdvance(label) + 10
    left = x + 4 if x + 4 + width <= area.right() else max(area.left(), x - 4 - width)
    box = QRectF(left, area.top() + 4, width, 15)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(palette.BLAME))
    p.drawRoundedRect(box, 3, 3)
    p.setPen(QColor(palette.BACKGROUND))
    p.drawText(box, int(Qt.AlignmentFlag.AlignCenter), label)


def _bars(p: QPainter, h: Histogram, area: QRectF, lo: float, span: float, top: float, color: QColor) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    for count, left, right in zip(h.counts, h.edges, h.edges[1:], strict=False):
        if not count:
            continue
        x0 = area.left() + (left - lo) / span * area.width()
        x1 = area.left() + (right - lo) / span * area.width()
        height = max(1.5, min(count / top, 1.0) * area.height())
        p.drawRect(QRectF(x0, area.bottom() - height, max(x1 - x0 - 0.5, 1.5), height))


def _matrix(cv: _Canvas, c: ReportContent, x: float, y: float, w: float) -> float:
    y = _section(cv, x, y, w, "Head similarity")
    y += cv.text(QRectF(x, y, w, 40), c.matrix_label, 8.5, color=palette.MUTED) + 6
    n = len(c.matrix_names)
    cell = min(60.0, (w - 120) / max(n, 1))
    p = cv.p
    if p is not None:
        p.setFont(_font(8))
        for i, name in enumerate(c.matrix_names):
            p.setPen(QColor(palette.TEXT))
            p.drawText(QRectF(x, y + i * cell, 110, cell), int(Qt.AlignmentFlag.AlignVCenter), name[:16])
            for j in range(n):
                value = c.matrix[i][j]
                rect = QRectF(x + 115 + j * cell, y + i * cell, cell - 2, cell - 2)
                shade = QColor(palette.RULE) if value is None else _diverging(value)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(shade)
                p.drawRect(rect)
                p.setPen(QColor(palette.TEXT))
                p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), "n/a" if value is None else f"{value:.2f}")
    return y + n * cell + 4


def _diverging(value: float) -> QColor:
    v = max(-1.0, min(1.0, value))
    if v >= 0:
        return QColor(int(255 - 40 * v), int(255 - 150 * v), int(255 - 150 * v))
    return QColor(int(255 - 150 * -v), int(255 - 110 * -v), 255)


def _findings(cv: _Canvas, c: ReportContent, beside: QRectF, below: QRectF) -> float:
    """The findings table. Beside a graph taller than the plots it starts in the right column, under them, with
    the rows that fit there; the rest continue across the page below the graph (their header repeated). Returns
    the bottom of the table."""
    title = ("Blamed layers (responsible: a repair of it restored the output; role · blame score), then findings, "
             f"most severe first ({len(c.findings)} rows"
             + (f"; {c.findings_omitted} info findings and more in the JSON)" if c.findings_omitted else ")"))
    fit = _rows_beside(cv, c, title, beside)
    area = beside if fit is not None else below
    y = _section(cv, area.x(), area.y(), area.width(), title)
    if not c.findings:
        return max(below.y(), y + cv.text(QRectF(area.x(), y, area.width(), 20), "no warnings or errors", 10,
                                          color=palette.MUTED))
    first = c.findings[:fit] if fit is not None else c.findings
    y = _table(cv, first, area.x(), y, area.width())
    if fit is None:
        return y
    rest = c.findings[fit:]
    return _table(cv, rest, below.x(), below.y(), below.width()) if rest else below.y()


def _rows_beside(cv: _Canvas, c: ReportContent, title: str, beside: QRectF) -> int | None:
    """How many rows of the table fit in `beside` under its title and header; None when not even one does (or
    there is no room), so the table starts below the graph as a whole."""
    if beside.height() <= 0:
        return None
    w = beside.width()
    y = beside.y() + cv.text(QRectF(beside.x(), beside.y(), w, 30), title, 12, True, draw=False) + 6 + HEADER_HEIGHT
    if not c.findings:
        return 0 if y + 20 <= beside.bottom() else None
    cols = _columns(w)
    fit = 0
    for row in c.findings:
        y += _row_height(cv, row, cols, beside.x(), y)
        if y > beside.bottom():
            break
        fit += 1
    return fit or None


HEADER_HEIGHT = 20.0


def _columns(w: float) -> list[tuple[float, float]]:
    """(left, width) of the table's five columns at width `w`: severity, kind and layer fixed, evidence and the fix
    sharing the rest."""
    fixed = [96.0, 160.0, 180.0] if w >= 1000 else [96.0, 125.0, 150.0]  # 96: "responsible" in bold
    rest = (w - sum(fixed)) / 2
    widths = [*fixed, rest, w - sum(fixed) - rest]
    lefts = [sum(widths[:i]) for i in range(len(widths))]
    return list(zip(lefts, widths, strict=True))


def _row_height(cv: _Canvas, row: tuple[str, ...], cols: list[tuple[float, float]], x: float, y: float,
                draw: bool = False) -> float:
    heights = [cv.text(QRectF(x + cx, y, cw - 10, 400), text, 8.8, i == 0,
                       row_colour(row[0]) if i == 0 else palette.TEXT, draw=draw)
               for i, ((cx, cw), text) in enumerate(zip(cols, row, strict=True))]
    return max(heights) + 8


def _table(cv: _Canvas, rows: list[tuple[str, str, str, str, str]], x: float, y: float, w: float) -> float:
    cols = _columns(w)
    headers = ["severity", "kind / role", "layer", "evidence", "suggested fix and check"]
    for (cx, cw), head in zip(cols, headers, strict=True):
        cv.text(QRectF(x + cx, y, cw - 8, HEADER_HEIGHT), head, 9, True, palette.MUTED)
    y += HEADER_HEIGHT
    for row in rows:
        y += _row_height(cv, row, cols, x, y, draw=True)
        if cv.p is not None:
            cv.p.setPen(QPen(QColor(palette.RULE), 1))
            cv.p.drawLine(QPointF(x, y - 4), QPointF(x + w, y - 4))
    return y
