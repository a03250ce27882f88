"""The window's one spread widget (ui.plots.SpreadPlotWidget) draws what the model says: the diagnosis panel's
plot has the dead layers' points in the alert colour, the model's y ticks and mark, every legend entry in rows
under the title (none over the plot), and only as many of the model's x ticks as fit side by side; the timeline's
head plot keeps its cursor, the diagnosis panel's has none."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFontMetricsF

from inspector.report.plot_model import ALERT, diagnosis_spread, head_plot
from tests.report.test_plot_model import _diagnosis, _timeline


def test_the_diagnosis_panel_draws_the_reports_spread_plot(qtbot):
    from inspector.ui.diagnosis_panel import DiagnosisPanel

    d = _diagnosis([0.8, 0.5, 0.0, 0.0, 1e-6])
    panel = DiagnosisPanel()
    qtbot.addWidget(panel)
    widget = panel._spread(d)
    qtbot.addWidget(widget)
    plot = diagnosis_spread(d)
    assert widget.objectName() == "spreadPlot" and widget.plot_model == plot
    (curve,) = widget.curves.values()
    brushes = [b.color().name() for b in curve.opts["symbolBrush"]]
    assert brushes == [plot.lines[0].colour] * 2 + [QColor(ALERT).name()] * 3
    assert widget.getAxis("left")._tickLevels == [plot.axis.ticks()]
    assert widget.mark is not None and widget.mark.value() == 2.0 and "layer_2" in widget.mark.label.toPlainText()
    title = widget.getPlotItem().titleLabel.text
    assert all(e.label in title for e in plot.legend()) and widget.getPlotItem().legend is None
    assert not widget.cursor.isVisible()


def test_only_the_x_ticks_that_fit_are_drawn_and_more_when_wider(qtbot):
    from inspector.ui.plots import SpreadPlotWidget

    d = _diagnosis([0.5] * 40 + [0.0] * 19)
    d.order = [f"dense_block_{i:02d}_relu" for i in range(59)]
    d.layers = dict(zip(d.order, d.layers.values(), strict=True))
    widget = SpreadPlotWidget(cursor=False)
    qtbot.addWidget(widget)
    widget.resize(500, 260)
    widget.show()
    widget.show_plot(diagnosis_spread(d))
    qtbot.waitExposed(widget)

    def drawn() -> list[tuple[float, str]]:
        return widget.getAxis("bottom")._tickLevels[0]

    narrow = drawn()
    metrics = QFontMetricsF(widget.font())
    assert narrow[0][0] == 0.0 and narrow[-1][0] == 58.0
    assert sum(metrics.horizontalAdvance(text) for _, text in narrow) < widget.width() - 60  # side by side
    widget.resize(1400, 260)
    qtbot.waitUntil(lambda: len(drawn()) > len(narrow))
    wide = drawn()
    assert wide[0][0] == 0.0 and wide[-1][0] == 58.0 and set(wide) <= set(widget.plot_model.ticks)


def test_the_timeline_plot_marks_the_collapse_and_keeps_its_cursor(qtbot):
    from inspector.ui.plots import SpreadPlotWidget

    widget = SpreadPlotWidget()
    qtbot.addWidget(widget)
    widget.show_plot(head_plot(_timeline()))
    assert widget.mark.value() == 3.0 and widget.cursor.isVisible()
    assert list(widget.curves) == ["out"] and widget.curves["out"].yData[-1] == widget.plot_model.axis.floor
