"""Numbers on the graph: after a diagnosis each node carries its activations' histogram and its spread bar, drawn
only where the labels read; View ▸ Colour by recolours the nodes on a continuous scale with its legend and puts the
value in the tooltip; an expanded nested model has a labelled frame that collapses it, and a context menu."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from inspector.report import graph_model
from inspector.ui.graph_view import READABLE_NODE_HEIGHT
from tests import models
from tests.ui.conftest import save_collapsed_two_heads

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def collapsed(tmp_path_factory):
    return save_collapsed_two_heads(tmp_path_factory.mktemp("overlays"))


def diagnosed(window, qtbot, model, data) -> None:
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.open_model(str(model))
    with qtbot.waitSignal(window.diagnosis_ready, timeout=180_000):
        window.run_diagnosis(str(data))
    QApplication.processEvents()


def node_pixels(graph, name: str) -> QImage:
    graph.centerOn(graph.nodes[name])
    QApplication.processEvents()
    rect = graph.mapFromScene(graph.nodes[name].sceneBoundingRect()).boundingRect()
    return graph.viewport().grab(rect).toImage()


def colours(image: QImage) -> set[str]:
    return {image.pixelColor(x, y).name() for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)}


def test_nodes_show_histogram_and_spread_bar_only_where_readable(window, qtbot, collapsed):
    diagnosed(window, qtbot, *collapsed)
    graph = window.graph
    node = graph.nodes["b0"]
    assert node.look.histogram is not None and node.look.spread_bar is not None and node.look.spread_dead
    graph.resetTransform()  # natural size: readable
    with_overlays = colours(node_pixels(graph, "b0"))
    window.overlays_action.trigger()  # View ▸ Histograms and spread on nodes: off
    assert not graph.overlays and not graph.overlays_action.isChecked()  # one action, in both menus
    without = colours(node_pixels(graph, "b0"))
    assert "#d62728" in with_overlays - without  # the dead spread bar and the histogram's bars, in red
    graph.set_overlays(True)
    assert window.overlays_action.isChecked()
    graph.resetTransform()
    scale = (READABLE_NODE_HEIGHT - 8) / graph.node_height
    graph.scale(scale, scale)  # below readable: the node is only its box and label
    assert "#d62728" not in colours(node_pixels(graph, "b0"))


def test_colour_by_spread_uses_a_scale_with_legend_and_tooltip_value(window, qtbot, collapsed):
    diagnosed(window, qtbot, *collapsed)
    graph = window.graph
    menu = graph.colour_menu()
    actions = {a.data(): a for a in menu.actions()}
    assert set(actions) == set(graph_model.METRICS)
    assert not actions["weight_change"].isEnabled() and actions["spread"].isEnabled()
    with qtbot.waitSignal(graph.colour_by_changed):
        actions["spread"].trigger()
    assert graph.shown_metric() == "spread"
    trunk, x = graph.nodes["trunk"], graph.nodes["x"]
    assert trunk.look.fill == graph.look.scale.colour(window.diagnosis.layers["trunk"].activation.relative_spread)
    assert x.look.fill == graph_model.NO_VALUE  # the input is not measured
    assert trunk.level == "blamed"  # the blame level is kept for what is not the fill
    assert "relative spread across samples" in graph.legend.text() and "no&nbsp;value" in graph.legend.text()
    assert "colour: across-sample spread:" in graph.tooltip_text("trunk")
    graph.set_colour_by("blame")
    assert trunk.look.fill == "#d62728" and "responsible" in graph.legend.text()


def test_export_draws_the_graph_as_the_window_colours_it(window, qtbot, collapsed, tmp_path):
    from inspector.report.content import build_content

    diagnosed(window, qtbot, *collapsed)
    window.graph.set_colour_by("dead")
    content = build_content(window.diagnosis, window.graph.shown_metric())
    assert content.graph.look.metric.key == "dead"
    assert content.graph.look.nodes["trunk"].fill == window.graph.nodes["trunk"].look.fill
    with qtbot.waitSignal(window.report_written, timeout=60_000):
        window.export_report(str(tmp_path / "r.png"))
    assert (tmp_path / "r.png").stat().st_size > 10_000
    model = collapsed[0]
    before = model.read_bytes()
    window.export_report(str(model))  # never over the user's own files: one dialog, nothing started
    assert window.error_box is not None and not window.export_jobs.busy and model.read_bytes() == before
    window.error_box.close()


def nested_model(folder):
    k = models.keras()
    inner_in = k.Input((4,))
    h = k.layers.Dense(3, name="inner_a")(inner_in)
    encoder = k.Model(inner_in, k.layers.Dense(3, name="inner_b")(h), name="encoder")
    x = k.Input((4,), name="x")
    return models.save_both(k.Model(x, k.layers.Dense(1, name="out")(encoder(x))), folder, "nested")["keras"]


def test_an_expanded_nested_model_has_a_frame_that_collapses_it(window, qtbot, tmp_path):
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.open_model(str(nested_model(tmp_path)))
    graph = window.graph
    assert not graph.frames
    menu = graph.context_menu(graph.nodes["encoder"].scenePos())
    expand = next(a for a in menu.actions() if a.text() == "Expand encoder")
    expand.trigger()
    qtbot.waitUntil(lambda: "encoder/inner_a" in graph.nodes, timeout=10_000)
    frame = graph.frames["encoder"]
    for name in ("encoder/inner_a", "encoder/inner_b"):
        assert frame.rect.contains(graph.nodes[name].sceneBoundingRect())
    assert not frame.rect.intersects(graph.nodes["out"].sceneBoundingRect())
    assert "encoder" in frame.label.text()
    # the context menu on an inner layer offers to collapse its model
    menu = graph.context_menu(graph.nodes["encoder/inner_a"].scenePos())
    assert "Collapse encoder" in [a.text() for a in menu.actions()]
    # a click on the frame's label collapses it
    graph.resetTransform()
    graph.centerOn(frame.rect.center())
    QApplication.processEvents()
    header = graph.mapFromScene(QPointF(frame.rect.left() + 30, frame.rect.top() + 8))
    QTest.mouseClick(graph.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(header))
    qtbot.waitUntil(lambda: "encoder" in graph.nodes and "encoder/inner_a" not in graph.nodes, timeout=10_000)
    assert not graph.frames


def twice_nested_model(folder):
    k = models.keras()
    deep_in = k.Input((4,))
    block = k.Model(deep_in, k.layers.Dense(4, name="deep_dense")(deep_in), name="block_with_a_long_name")
    inner_in = k.Input((4,))
    encoder = k.Model(inner_in, k.layers.Dense(3, name="inner_b")(block(k.layers.Dense(4, name="inner_a")(inner_in))),
                      name="enc")
    x = k.Input((4,), name="x")
    return models.save_both(k.Model(x, k.layers.Dense(1, name="out")(encoder(x))), folder, "nested2")["keras"]


def test_a_frame_holds_the_frames_of_the_models_inside_it(window, qtbot, tmp_path):
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.open_model(str(twice_nested_model(tmp_path)))
    graph = window.graph
    window._toggle_container("enc")
    qtbot.waitUntil(lambda: "enc/inner_a" in graph.nodes, timeout=10_000)
    window._toggle_container("enc/block_with_a_long_name")
    qtbot.waitUntil(lambda: "enc/block_with_a_long_name/deep_dense" in graph.nodes, timeout=10_000)
    outer, inner = graph.frames["enc"], graph.frames["enc/block_with_a_long_name"]
    assert outer.rect.contains(inner.rect) and inner.depth == outer.depth + 1
    assert outer.zValue() < inner.zValue() < graph.nodes["enc/inner_a"].zValue()  # the inner one is seen
    point = graph.nodes["enc/block_with_a_long_name/deep_dense"].scenePos()
    collapse = [a.text() for a in graph.context_menu(point).actions() if a.text().startswith("Collapse")]
    assert collapse == ["Collapse enc/block_with_a_long_name", "Collapse enc"]  # the innermost first
    assert graph._frame_header_at(QPointF(inner.rect.left() + 20, inner.rect.top() + 8)) is inner


def test_a_resize_rewraps_but_keeps_the_users_zoom(window, qtbot, tmp_path):
    from tests.ui.test_readable import chain

    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.open_model(chain(tmp_path, 60))
    graph = window.graph
    QApplication.processEvents()
    graph.select("dense_30")
    graph.wheelEvent(_wheel(graph, 240))  # the user zooms in
    zoom = graph.transform().m11()
    before = dict(graph.layout.centers)
    window.resize(window.width() - 300, window.height())
    qtbot.waitUntil(lambda: graph.layout.centers != before, timeout=5_000)  # re-wrapped for the narrower room
    assert graph.transform().m11() == pytest.approx(zoom) and graph.selected_name() == "dense_30"
    assert graph.viewport().rect().contains(graph.mapFromScene(graph.nodes["dense_30"].scenePos()))


def _wheel(graph, delta: int):
    from PySide6.QtCore import QPoint as P
    from PySide6.QtGui import QWheelEvent

    centre = graph.viewport().rect().center()
    return QWheelEvent(QPointF(centre), QPointF(graph.mapToGlobal(centre)), P(0, 0), P(0, delta),
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)


def test_selecting_a_layer_two_models_deep_expands_both(window, qtbot, tmp_path):
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.open_model(str(twice_nested_model(tmp_path)))
    deep = "enc/block_with_a_long_name/deep_dense"
    window.select_layer(deep)  # what a blamed layer there, or a click on its finding, does
    qtbot.waitUntil(lambda: deep in window.graph.nodes and window.graph.selected_name() == deep, timeout=10_000)
    assert window.expanded == {"enc", "enc/block_with_a_long_name"}
    assert window.layer_panel.current == deep
