"""The window's one spread widget (ui.plots.SpreadPlotWidget) draws what the model says: the diagnosis panel's
plot has the dead layers' points in the alert colour, the model's ticks and mark, and a legend entry for each of
the model's; the timeline's head plot keeps its cursor, the diagnosis panel's has none."""

from __future__ import annotations

from PySide6.QtGui import QColor

from inspector.report.plot_model import ALERT, diagnosis_spread
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
    brushes = [QColor(b).name() for b in curve.opts["symbolBrush"]]
    assert brushes == [plot.lines[0].colour] * 2 + [QColor(ALERT).name()] * 3
    assert widget.getAxis("bottom")._tickLevels == [plot.x_ticks]
    assert widget.getAxis("left")._tickLevels == [plot.axis.ticks()]
    assert widget.mark is not None and widget.mark.value() == 2.0 and "layer_2" in widget.mark.label.toPlainText()
    assert [label.text for _, label in widget.getPlotItem().legend.items] == [e.label for e in plot.legend()]
    assert not widget.cursor.isVisible()


def test_the_timeline_plot_marks_the_collapse_and_keeps_its_cursor(qtbot):
    from inspector.report.plot_model import head_plot
    from inspector.ui.plots import SpreadPlotWidget

    widget = SpreadPlotWidget()
    qtbot.addWidget(widget)
    widget.show_plot(head_plot(_timeline()))
    assert widget.mark.value() == 3.0 and widget.cursor.isVisible()
    assert list(widget.curves) == ["out"] and widget.curves["out"].yData[-1] == widget.plot_model.axis.floor
