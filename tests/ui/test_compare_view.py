"""The comparison view: A's graph coloured by weight change on one continuous scale (the zeroed layer strongest),
the first layer where B departs from A marked, and the selected layer's numbers with the spread of A against B;
with data the comparison runs in a child process."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint

from inspector import palette
from inspector.analysis.checkpoint_diff import diff_steps
from inspector.progress import run
from inspector.report.graph_model import NO_VALUE
from tests.cli.test_diff import checkpoints  # noqa: F401 - the module's fixture: good.keras, bad.h5, data.npz


def test_the_change_scale_runs_from_light_to_strong():
    assert palette.scale_colour(0.0) == palette.CHANGE_SCALE[0] and palette.scale_colour(1.0) == palette.CHANGE_SCALE[-1]
    assert palette.scale_colour(-1) == palette.CHANGE_SCALE[0] and palette.scale_colour(7) == palette.CHANGE_SCALE[-1]
    assert palette.scale_colour(0.1) not in palette.CHANGE_SCALE  # interpolated between two stops
    assert palette.is_dark(palette.scale_colour(1.0)) and not palette.is_dark(palette.scale_colour(0.0))


def fill_at(view, name: str) -> str:
    graph = view.graph
    node = graph.nodes[name]
    graph.centerOn(node)
    point = graph.mapFromScene(node.pos()) + QPoint(-int(node.w * graph.transform().m11() / 2) + 4, 0)
    return graph.viewport().grab().toImage().pixelColor(point).name()


def table_cells(widget) -> list[list[str]]:
    return [[widget.item(r, c).text() if widget.item(r, c) else "" for c in range(widget.columnCount())]
            for r in range(widget.rowCount())]


@pytest.fixture
def view(qtbot):
    from inspector.ui.compare_view import CompareView

    v = CompareView()
    qtbot.addWidget(v)
    v.resize(1400, 900)
    v.show()
    yield v
    v.close()


@pytest.mark.slow
def test_without_data_the_zeroed_layer_is_coloured_strongest(view, checkpoints):  # noqa: F811
    view.show_diff(run(diff_steps(checkpoints / "good.keras", checkpoints / "bad.h5")))
    nodes = view.graph.nodes
    assert view.graph.shown_metric() == "weight_change"
    input_name = view.state.diff.comparison.a.inputs[0]  # Keras numbers it by what the process built before
    assert nodes[input_name].look.fill == NO_VALUE  # nothing to compare
    top = max(r.weight_change for r in view.state.rows.values())
    assert nodes["dense_1"].look.fill == palette.scale_colour(1.0)
    assert nodes["dense"].look.fill == palette.scale_colour(view.state.rows["dense"].weight_change / top)
    assert fill_at(view, "dense_1") == palette.scale_colour(1.0)
    caption = nodes["dense_1"].look.caption
    assert "Δw 0.99" in caption and "B: dense_4" in caption
    assert "weight change |B − A| / |A|: 0.99" in view.graph.tooltip_text("dense_1")
    assert view.marks == [] and view.state.first_divergent is None  # only data can tell where B departs
    assert view.graph.selected_name() == "dense_1"  # the most changed layer is selected
    numbers = {r[0]: r[1:] for r in table_cells(view.findChild(_table_class(), "compareNumbers"))}
    assert numbers["layer"] == ["dense_1", "dense_4"] and numbers["weight change |B − A| / |A|"][0] == "0.99"
    assert float(numbers["cosine(A, B)"][0]) < 0.5
    assert view.findChild(_label_class(), "compareNoData") is not None and view.plot is None
    assert "0.99" in view.graph.legend.text()


def _table_class():
    from PySide6.QtWidgets import QTableWidget

    return QTableWidget


def _label_class():
    from PySide6.QtWidgets import QLabel

    return QLabel


@pytest.mark.slow
def test_with_data_in_a_child_process_the_first_divergent_layer_is_marked(qtbot, checkpoints):  # noqa: F811
    from PySide6.QtWidgets import QMainWindow

    from inspector.ui.compare_view import compare_with

    host = QMainWindow()
    qtbot.addWidget(host)
    host.model_path, host.data_path = str(checkpoints / "good.keras"), str(checkpoints / "data.npz")
    view = compare_with(host, str(checkpoints / "bad.h5"), host.data_path)
    assert view.jobs.busy and view.strip.isVisible()  # waiting, with Cancel, while the child runs
    qtbot.waitUntil(lambda: view.state is not None, timeout=180_000)
    assert view.state.first_divergent == "dense_1" and view.state.with_data
    assert view.graph.selected_name() == "dense_1" and view.marks
    assert view.graph.nodes["dense_1"].look.fill == palette.scale_colour(1.0)
    title = view.findChild(_label_class(), "compareLayerTitle").text()
    assert "first layer where B's signal departs from A's" in title
    numbers = {r[0]: r[1:] for r in table_cells(view.findChild(_table_class(), "compareNumbers"))}
    spread_a, spread_b = (float(v) for v in numbers["relative spread"])
    assert spread_b < 1e-3 < spread_a
    assert set(view.plot.curves) == {"A", "B"} and view.plot.mark.value() == 1.0  # dense_1 is A's second layer
    from inspector.ui.plots import HistogramPlot

    heads = view.findChildren(HistogramPlot, "compareHead")  # B's head over A's, collapsed in B
    assert len(heads) == 1 and heads[0].marker is not None and "collapsed in B" in heads[0].plotItem.titleLabel.text
    view.graph.select("out")
    assert view.plot.cursor.value() == 2.0
    with qtbot.waitSignal(view.destroyed, timeout=10_000):  # a closed view window is deleted
        view.close()


@pytest.mark.slow
def test_cancel_stops_the_child_process(qtbot, checkpoints):  # noqa: F811
    import multiprocessing

    from PySide6.QtWidgets import QMainWindow

    from inspector.ui.compare_view import compare_with

    host = QMainWindow()
    qtbot.addWidget(host)
    view = compare_with(host, str(checkpoints / "bad.h5"), str(checkpoints / "data.npz"),
                        path_a=str(checkpoints / "good.keras"))
    qtbot.waitUntil(lambda: bool(multiprocessing.active_children()), timeout=30_000)
    child = multiprocessing.active_children()[0]
    view.strip.cancel()
    assert not view.jobs.busy and view.strip.text.text() == "Cancelled"
    qtbot.waitUntil(lambda: child.exitcode is not None, timeout=30_000)
    assert child.exitcode < 0 and view.state is None  # terminated by the cancel, not finished
    with qtbot.waitSignal(view.destroyed, timeout=10_000):
        view.close()


@pytest.mark.slow
def test_the_main_window_shows_the_comparison_on_its_own_graph_and_layer_panel(window, qtbot, checkpoints,  # noqa: F811
                                                                               monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from inspector.ui.compare_view import CompareView

    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.open_model(str(checkpoints / "good.keras"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(checkpoints / "bad.h5"), ""))
    window.compare_with()  # File ▸ Compare with…, weights only (no dataset open)
    qtbot.waitUntil(lambda: window.comparison is not None, timeout=60_000)
    graph = window.graph
    assert graph.shown_metric() == "weight_change" and "Compared with bad.h5" in window.status.text()
    assert graph.nodes["dense_1"].look.fill == palette.scale_colour(1.0)
    window.select_layer("dense_1")
    numbers = {r[0]: r[1:] for r in table_cells(window.layer_panel.findChild(_table_class(), "layerCompareTable"))}
    assert numbers["layer"] == ["dense_1", "dense_4"] and numbers["weight change |B − A| / |A|"][0] == "0.99"
    for view in window.findChildren(CompareView):
        with qtbot.waitSignal(view.destroyed, timeout=10_000):
            view.close()
    with qtbot.waitSignal(window.model_ready, timeout=60_000):  # another model: the comparison is forgotten
        window.open_model(str(checkpoints / "good.keras"))
    assert window.comparison is None and graph.shown_metric() == "blame"
