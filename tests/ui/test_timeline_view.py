"""The training-log view: the epoch slider recolours the graph, the collapse epoch is marked on both plots, the
histogram follows the selected layer and the chosen epoch, and opening a log loads no TensorFlow."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from inspector import palette
from inspector.training_log import read_log

LAYERS = [("input_layer", "InputLayer", None), ("trunk_1", "Dense", "relu"), ("trunk_2", "Dense", "relu"),
          ("trunk_3", "Dense", "relu"), ("price", "Dense", "linear")]
COLLAPSE_FROM = 3  # trunk_2 dies at epoch 3; trunk_3 and the head are dead downstream of it


def layer_record(rng, epoch: int, name: str) -> dict:
    dead = epoch >= COLLAPSE_FROM and name in ("trunk_2", "trunk_3", "price")
    if dead:
        counts, edges = [0] * 19 + [256] + [0] * 20, list(np.linspace(-5e-13, 5e-13, 41))
        return {"relative_spread": 0.0, "spread": 0.0, "dead_fraction": 1.0 if name != "price" else None,
                "saturated_fraction": None, "weight_grad": 0.0, "mean": 0.0, "std": 0.0,
                "histogram": {"counts": counts, "edges": edges}}
    values = rng.normal(loc=epoch, size=256)
    counts, edges = np.histogram(values, bins=40)
    return {"relative_spread": 0.3 + 0.1 * epoch, "spread": float(values.std()), "dead_fraction": 0.1,
            "saturated_fraction": None, "weight_grad": 1.5, "mean": float(values.mean()), "std": float(values.std()),
            "histogram": {"counts": counts.tolist(), "edges": edges.tolist()}}


def write_log(path, epochs: int = 5):
    """A log as `CollapseMonitor` writes it (the keys of `monitor.epoch_record`), made without training."""
    rng = np.random.default_rng(0)
    header = {"kind": "header", "version": 1, "model": "synthetic", "model_class": "Sequential",
              "layers": [{"name": n, "class_name": c, "parent": None, "activation": a} for n, c, a in LAYERS],
              "edges": [[LAYERS[i][0], LAYERS[i + 1][0]] for i in range(len(LAYERS) - 1)],
              "inputs": ["input_layer"], "outputs": ["price"], "samples": 256, "every_n_epochs": 1,
              "thresholds": {"dead_spread": 1e-3}}
    lines = [header]
    for epoch in range(1, epochs + 1):
        collapsed = epoch >= COLLAPSE_FROM
        lines.append({
            "kind": "epoch", "epoch": epoch, "collapsed": collapsed,
            "verdict": "Collapsed: 'price' is constant." if collapsed else "Not collapsed.",
            "heads": {"price": {"std": 0.0 if collapsed else 10.0 * epoch, "relative_spread": 0.0 if collapsed else 0.4,
                                "collapsed": collapsed, "nearly_collapsed": False,
                                "died_in": "trunk_2" if collapsed else None}},
            "layers": {n: layer_record(rng, epoch, n) for n, _, _ in LAYERS[1:]},
            "blame": [{"layer": "trunk_2", "role": "cause", "score": 6.0, "kinds": ["spread_dies"]}] if collapsed
            else []})
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    return path


@pytest.fixture
def view(qtbot, tmp_path):
    from inspector.ui.timeline_view import TimelineView

    v = TimelineView()
    qtbot.addWidget(v)
    v.resize(1400, 900)
    v.show()
    v.show_timeline(read_log(write_log(tmp_path / "train.log")))
    yield v
    v.close()


def test_the_log_axis_gives_zeros_a_row_and_leaves_gaps():
    from inspector.report.plot_model import LogAxis

    axis = LogAxis.over([0.0, 0.02, 5.0, None], (1e-3,))
    assert (axis.floor, axis.top) == (-4, 1)
    assert axis.y(0.0) == -4.0 and axis.y(100.0) == 2.0 and axis.y(None) != axis.y(None)  # NaN: a gap
    assert axis.ticks()[0] == (-4.0, "0") and axis.ticks()[1] == (-3.0, "1e-3")


def fill_at(view, name: str):
    """The colour drawn inside a node, beside its text (a pixel probe of the graph as shown)."""
    graph = view.graph
    node = graph.nodes[name]
    graph.centerOn(node)
    point = graph.mapFromScene(node.pos()) + QPoint(-int(node.w * graph.transform().m11() / 2) + 4, 0)
    return graph.viewport().grab().toImage().pixelColor(point).name()


def test_the_slider_colours_the_graph_as_it_was_at_that_epoch(view, qtbot):
    assert view.slider.value() == 4 and view.index == 4  # opens at the last epoch
    levels = {n: view.graph.nodes[n].level for n in ("trunk_1", "trunk_2", "trunk_3")}
    assert levels == {"trunk_1": "ok", "trunk_2": "suspect", "trunk_3": "dead"}
    assert fill_at(view, "trunk_3") == palette.LEVELS["dead"][0]
    view.slider.setFocus()
    qtbot.keyClick(view.slider, Qt.Key.Key_Home)  # the keyboard moves the epoch too
    assert view.index == 0
    assert {n: view.graph.nodes[n].level for n in ("trunk_2", "trunk_3")} == {"trunk_2": "ok", "trunk_3": "ok"}
    assert fill_at(view, "trunk_3") == palette.LEVELS["ok"][0]
    assert "Epoch 1 (1 of 5 measured)" in view.epoch_label.text()
    qtbot.keyClick(view.slider, Qt.Key.Key_Right)
    qtbot.keyClick(view.slider, Qt.Key.Key_Right)
    assert view.index == 2 and view.graph.nodes["trunk_3"].level == "dead"
    assert view.head_plot.cursor.value() == 3.0


def test_the_collapse_epoch_is_marked_on_both_plots_and_where_the_spread_died(view):
    assert "The collapse began at epoch 3 in layer trunk_2" in view.headline.text()
    for plot in (view.head_plot, view.layer_plot):
        assert plot.mark is not None and plot.mark.value() == 3.0
        assert "collapse began: epoch 3" in plot.mark.label.toPlainText()
    assert view.marked_layers() == ["trunk_2"]
    assert any("died here" in getattr(item, "text", lambda: "")() for item in view.marks)
    view.set_epoch(1)
    assert view.marked_layers() == [] and view.marks == []
    # the head's std is 0 once collapsed: drawn on the axis' zero row, not dropped
    head = view.head_plot.curves["price"]
    ys = head.yData
    assert ys[-1] == view.state.head_plot().axis.floor and ys[0] > ys[-1]


def bars(plot):
    import pyqtgraph as pg

    items = [i for i in plot.getPlotItem().items if isinstance(i, pg.BarGraphItem)]
    return [list(np.asarray(i.opts["y1"])) for i in items]


def test_the_histogram_follows_the_selection_and_the_epoch(view, tmp_path):
    t = read_log(tmp_path / "train.log")
    view.graph.select("trunk_1")
    assert view.selected == "trunk_1" and "<b>trunk_1</b> at epoch 5" in view.layer_text.text()
    assert bars(view.histogram) == [t.epochs[-1]["layers"]["trunk_1"]["histogram"]["counts"]]
    view.set_index(0)
    assert bars(view.histogram) == [t.epochs[0]["layers"]["trunk_1"]["histogram"]["counts"]]
    assert "<b>trunk_1</b> at epoch 1" in view.layer_text.text()
    assert "trunk_1" in view.layer_plot.curves
    view.set_index(4)
    view.graph.select("trunk_2")  # constant at the last epoch: one labelled line instead of bars
    assert bars(view.histogram) == [] and view.histogram.marker is not None
    assert "all 256 values are 0" in view.histogram.marker.label.toPlainText()
    assert "the spread of 'price' died here" in view.layer_text.text()


def test_opening_a_log_from_a_window_reads_it_off_the_gui_thread(qtbot, tmp_path):
    from PySide6.QtWidgets import QMainWindow

    from inspector.ui.timeline_view import is_training_log, open_training_log

    host = QMainWindow()
    qtbot.addWidget(host)
    host.resize(1024, 700)
    log = write_log(tmp_path / "run.jsonl")
    assert is_training_log(str(log)) and not is_training_log(str(tmp_path / "model.keras"))
    view = open_training_log(host, str(log))
    qtbot.waitUntil(lambda: view.state is not None, timeout=20_000)
    assert view.isWindow() and view.parent() is host and view.size() == host.size()
    assert view.graph.nodes["trunk_3"].level == "dead"
    bad = tmp_path / "notes.log"
    bad.write_text("hello\n")
    other = open_training_log(host, str(bad))
    qtbot.waitUntil(lambda: other.error_box is not None, timeout=20_000)
    assert "not a keras-inspector training log" in other.headline.text() and other.state is None
    other.error_box.close()
    for v in (view, other):
        with qtbot.waitSignal(v.destroyed, timeout=10_000):  # a closed view window is deleted
            v.close()


def test_opening_a_log_imports_no_tensorflow(tmp_path):
    log = write_log(tmp_path / "train.log")
    code = textwrap.dedent(f"""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtWidgets import QApplication, QMainWindow
        app = QApplication([])
        from inspector.ui.timeline_view import open_training_log
        host = QMainWindow()
        view = open_training_log(host, {str(log)!r})
        while view.state is None:
            app.processEvents()
        print("levels", view.graph.nodes["trunk_3"].level, "TF", "tensorflow" in sys.modules, "keras" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "levels dead TF False False" in out.stdout


@pytest.mark.slow
def test_a_log_written_by_the_monitor(qtbot, tmp_path):
    from PySide6.QtWidgets import QApplication

    from inspector.ui.timeline_view import TimelineView
    from tests.api.test_monitor import train

    log, monitor, _ = train(tmp_path, lr_after=50.0)
    t = read_log(log)
    view = TimelineView()
    qtbot.addWidget(view)
    view.show_timeline(t)
    QApplication.processEvents()  # the graph's queued fit runs while the view exists
    onset = t.onset_layer
    assert view.head_plot.mark.value() == float(t.onset_epoch) == float(monitor.collapsed_epoch)
    assert view.graph.nodes[onset].level in ("dead", "suspect")
    view.set_index(0)
    assert view.graph.nodes[onset].level == "ok"
    view.close()


def test_a_nested_model_is_one_node_coloured_marked_and_shown_by_its_member(qtbot, tmp_path):
    from PySide6.QtWidgets import QApplication

    from inspector.ui.timeline_view import TimelineView

    log = write_log(tmp_path / "nested.log")
    records = [json.loads(line) for line in log.read_text().splitlines()]
    header = records[0]
    header["layers"][2:2] = [{"name": "enc", "class_name": "Functional", "parent": None, "activation": None},
                             {"name": "enc/inner", "class_name": "Dense", "parent": "enc", "activation": "relu"}]
    header["edges"] = [["input_layer", "trunk_1"], ["trunk_1", "enc"], ["enc", "trunk_2"], ["trunk_2", "trunk_3"],
                       ["trunk_3", "price"]]
    for record in records[1:]:
        record["layers"]["enc/inner"] = dict(record["layers"]["trunk_2"])
        record["heads"]["price"]["died_in"] = "enc/inner" if record["collapsed"] else None
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    view = TimelineView()
    qtbot.addWidget(view)
    view.show_timeline(read_log(log))
    assert "enc/inner" not in view.graph.nodes and view.graph.nodes["enc"].level == "dead"
    assert view.marked_layers() == ["enc/inner"] and view.marks  # drawn on its model's node
    view.graph.select("enc")
    assert "<b>enc/inner</b> at epoch 5" in view.layer_text.text() and view.histogram.marker is not None
    view.set_index(0)
    assert view.graph.nodes["enc"].level == "ok" and bars(view.histogram)
    QApplication.processEvents()  # the graph's queued fit runs while the view exists
