"""The one QPainter painter of the spread plots (report.plot_paint), probed by its pixels: the last x label ends
inside the frame instead of running off the image (the report cut it), a long first label is shortened rather
than cut by the image's left edge, dead points are drawn in the alert colour on the zero row, and measuring says
how tall the painted plot is."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from inspector import palette
from inspector.report import plot_paint
from inspector.report.plot_model import ALERT, comparison_spread, diagnosis_spread, layer_ticks
from tests.report.test_plot_model import _diagnosis

WIDTH, HEIGHT, FRAME = 600, 420, 200


@pytest.fixture(autouse=True)
def app():
    from inspector.report.render import ensure_app

    ensure_app()


def _paint(plot, area: QRectF, bounds: QRectF | None = None) -> tuple[QImage, plot_paint.Geometry]:
    image = QImage(WIDTH, HEIGHT, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(palette.BACKGROUND))
    painter = QPainter(image)
    try:
        bottom = plot_paint.paint_spread(painter, plot, area, FRAME, bounds=bounds)
    finally:
        painter.end()
    g = plot_paint.measure(plot, area, FRAME, bounds=bounds)
    assert bottom == g.bottom
    return image, g


def _ink(image: QImage, xs: range, ys: range) -> list[tuple[int, int]]:
    white = QColor(palette.BACKGROUND)
    return [(x, y) for x in xs for y in ys if image.pixelColor(x, y) != white]


def _label_band(g: plot_paint.Geometry) -> range:
    return range(int(g.frame.bottom()) + 4, int(g.x_label_y))


def test_the_last_label_ends_inside_the_image_at_its_tick():
    names = [f"dense_block_{i:02d}_relu" for i in range(40)]
    plot = comparison_spread(names, [0.5] * 40, [0.5] * 20 + [0.0] * 20, 1e-3, names[20])
    area = QRectF(40, 10, WIDTH - 40, 0)  # the plot reaches the image's right edge, as the report's right column
    image, g = _paint(plot, area)
    last = g.labels[-1][0]
    assert g.labels[-1][1] == "dense…39_relu"
    assert _ink(image, range(int(last) + 6, WIDTH), _label_band(g)) == []  # nothing right of the last tick
    assert len(_ink(image, range(int(last) - 60, int(last)), _label_band(g))) > 30, "the last label is not drawn"


def test_a_long_first_label_is_shortened_to_stay_on_the_image():
    plot = diagnosis_spread(_diagnosis([0.5, 0.4, 0.0]))
    plot.ticks = [(0.0, "an_extremely_long_first_layer_name"), *plot.ticks[1:]]
    area = QRectF(4, 10, WIDTH - 8, 0)
    image, g = _paint(plot, area, bounds=QRectF(0, 0, WIDTH, 0))
    assert g.labels[0][1].startswith("…") and g.labels[0][1].endswith("name")
    assert _ink(image, range(0, 2), _label_band(g)) == []  # not cut by the left edge
    assert _ink(image, range(2, int(g.labels[0][0])), _label_band(g)), "the shortened first label is not drawn"


def test_nothing_is_drawn_below_the_measured_bottom():
    plot = comparison_spread([f"l{i}" for i in range(30)], [0.3] * 30, [0.3] * 30, 1e-3, None)
    plot.ticks = layer_ticks([f"a_rather_long_name_{i}" for i in range(30)])
    image, g = _paint(plot, QRectF(40, 10, WIDTH - 60, 0))
    assert g.bottom < HEIGHT and _ink(image, range(0, WIDTH, 2), range(int(g.bottom) + 1, HEIGHT)) == []
    assert _ink(image, range(0, WIDTH), range(int(g.x_label_y), int(g.bottom)))  # the x axis' name, last


def test_dead_points_are_in_the_alert_colour_on_the_zero_row():
    plot = diagnosis_spread(_diagnosis([0.5, 0.4, 0.0, 0.0]))
    image, g = _paint(plot, QRectF(40, 10, WIDTH - 60, 0))
    alert = QColor(ALERT)
    y = int(g.py(plot.axis.floor))
    for x in (2.0, 3.0):
        assert image.pixelColor(int(g.px(x)) + 1, y) == alert, f"layer {x:.0f} is dead and not drawn so"
    assert image.pixelColor(int(g.px(0.0)), int(g.py(plot.lines[0].ys[0]))) == QColor(plot.lines[0].colour)
