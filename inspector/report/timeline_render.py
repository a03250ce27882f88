"""The timeline of a training log as one PNG: each head's spread and each layer's relative spread over the epochs,
on log scales, with the epoch where the collapse began marked: the window's two plots (`plot_model`) painted by
`plot_paint`."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor

from inspector import palette
from inspector.report import plot_model
from inspector.report.plot_paint import font, paint_spread
from inspector.report.render import ensure_app, image_to_png, page
from inspector.training_log import Timeline

WIDTH, PLOT_HEIGHT, MARGIN = 1200, 300, 40
PAGE = QRectF(6, 0, WIDTH - 12, 0)  # the x labels' room: the image, less a hair


def render_timeline_png(t: Timeline) -> bytes:
    ensure_app()
    plots = [plot_model.head_plot(t), plot_model.layer_plot(t, more="in the JSON")]
    area = QRectF(MARGIN, 0, WIDTH - 2 * MARGIN, 0)
    top = MARGIN + 60
    height = top
    for plot in plots:  # measured first: the legends and labels decide the page's height
        height = paint_spread(None, plot, QRectF(area.x(), height, area.width(), 0), PLOT_HEIGHT, bounds=PAGE) + 30
    with page(WIDTH, height + MARGIN - 30) as (image, p):
        p.setPen(QColor(palette.TEXT))
        p.setFont(font(13, bold=True))
        p.drawText(QRectF(MARGIN, MARGIN, WIDTH - 2 * MARGIN, 24), int(Qt.AlignmentFlag.AlignLeft),
                   f"Training timeline of '{t.header.get('model')}'")
        p.setFont(font(10))
        p.setPen(QColor(palette.SEVERITY["error"] if t.onset_epoch else palette.GOOD))
        p.drawText(QRectF(MARGIN, MARGIN + 26, WIDTH - 2 * MARGIN, 20), int(Qt.AlignmentFlag.AlignLeft), t.sentence())
        for plot in plots:
            top = paint_spread(p, plot, QRectF(area.x(), top, area.width(), 0), PLOT_HEIGHT, bounds=PAGE) + 30
    return image_to_png(image)
