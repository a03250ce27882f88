"""A collapsed head's plot, as the report and the window describe it (report.content.head_panel) and as the
report paints it: the constant output is a labelled full-height line in the blame colour over the targets, and
the count axis is scaled by the targets, not by the spike the constant makes."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from inspector import palette
from inspector.core.stats import Histogram
from inspector.report.content import head_panel


def _hist(values: np.ndarray, bins: int = 20) -> Histogram:
    counts, edges = np.histogram(values, bins=bins)
    return Histogram(counts=[int(c) for c in counts], edges=[float(e) for e in edges])


def _head(collapsed: bool, value: float = 371.4, samples: int = 600):
    rng = np.random.default_rng(0)
    targets = rng.normal(380, 120, size=samples)
    outputs = np.full(samples, value) if collapsed else targets + rng.normal(0, 5, size=samples)
    spike = Histogram(counts=[samples], edges=[value - 0.5, value + 0.5]) if collapsed else _hist(outputs)
    return SimpleNamespace(name="price", collapsed=collapsed, std=float(outputs.std()),
                           stats=SimpleNamespace(mean=float(outputs.mean()), histogram=spike),
                           target_stats=SimpleNamespace(histogram=_hist(targets)))


def test_a_collapsed_head_is_a_marked_value_on_the_targets():
    head = _head(True)
    panel = head_panel(head)
    assert panel.marker == head.stats.mean and "371.4" in panel.marker_label
    assert panel.histogram is None and panel.overlay is head.target_stats.histogram  # no spike drawn
    assert panel.y_max() == max(head.target_stats.histogram.counts) < 600  # not the spike's 600
    lo, hi = panel.x_range()
    assert lo < head.stats.mean < hi and lo <= head.target_stats.histogram.edges[0]
    assert panel.y_label == "samples" and panel.alert


def test_without_targets_the_constant_is_its_own_bar_and_marked():
    head = _head(True)
    head.target_stats = None
    panel = head_panel(head)
    assert panel.marker == head.stats.mean and panel.histogram is head.stats.histogram
    assert panel.y_max() == 600 and panel.note == "no targets given"


def test_a_healthy_head_shows_its_outputs_against_the_targets():
    panel = head_panel(_head(False))
    assert panel.marker is None and panel.histogram is not None and panel.overlay is not None
    assert not panel.alert


def test_the_report_paints_the_constant_as_a_full_height_line_in_the_blame_colour():
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QImage, QPainter

    from inspector.report import render

    render.ensure_app()
    panel = head_panel(_head(True))
    image = QImage(400, 200, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(palette.BACKGROUND))
    painter = QPainter(image)
    cell = QRectF(0, 0, 400, 200)
    try:
        render._hist(render._Canvas(painter), panel, cell)
    finally:
        painter.end()
    area = cell.adjusted(*render.HIST_INSET)  # the plot area inside the cell, as render._hist lays it out
    lo, hi = panel.x_range()
    x = int(area.left() + (panel.marker - lo) / (hi - lo) * area.width())
    blame = QColor(palette.BLAME)

    def is_blame(px: int, py: int) -> bool:
        c = image.pixelColor(px, py)
        return abs(c.red() - blame.red()) < 30 and abs(c.green() - blame.green()) < 30 and abs(
            c.blue() - blame.blue()) < 30

    rows = range(int(area.top()), int(area.bottom()))
    marked = sum(1 for y in rows if any(is_blame(xx, y) for xx in (x - 1, x, x + 1)))
    assert marked > 0.9 * len(rows), "the constant output is not marked across the plot's height"
    targets = sum(1 for xx in range(int(area.left()), int(area.right()), 2)
                  if image.pixelColor(xx, int(area.bottom()) - 3) == QColor(palette.TARGET))
    assert targets > 20, "the targets' distribution is not drawn"
