"""The window's warm analysis process and its responsiveness: the graph drawn before the weights are measured,
one process kept between diagnoses, replaced on cancel, ended with the window; the result drawn in pieces."""

from __future__ import annotations

import multiprocessing

import pytest

from inspector.analysis.worker import PROCESS_NAME
from tests.analysis.test_warm_worker import failing_steps
from tests.ui.conftest import save_collapsed_two_heads

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("warm_ui")
    path, data = save_collapsed_two_heads(folder)
    return str(path), str(data)


def living() -> list[int]:
    return [p.pid for p in multiprocessing.active_children() if p.name == PROCESS_NAME and p.is_alive()]


def test_the_graph_is_drawn_before_the_weights_are_measured(window, qtbot, files):
    model, _ = files
    seen = []
    window.jobs.previewed.connect(lambda kind, _v: seen.append((kind, sorted(window.graph.nodes),
                                                                window.inspection)))
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.open_model(model)
    assert len(seen) == 1
    kind, nodes, inspection = seen[0]
    assert kind == "open" and "trunk" in nodes and inspection is None  # drawn, still measuring
    assert window.graph.info is window.inspection.info  # the final result reuses the previewed structure
    assert sorted(window.graph.nodes) == nodes


def test_one_process_serves_every_diagnosis_and_cancel_replaces_it(window, qtbot, files):
    model, data = files
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.open_model(model)
    opened_in = window.warm.pids()
    assert len(opened_in) == 1  # the open ran in it, and it now imports TensorFlow
    qtbot.waitUntil(lambda: window.warm.ready, timeout=180_000)
    for _ in range(2):
        with qtbot.waitSignal(window.diagnosis_ready, timeout=180_000):
            window.run_diagnosis(data)
        assert window.warm.pids() == opened_in
    assert window.diagnosis.collapsed and window.diagnosis.blame[0].layer == "trunk"
    with qtbot.waitSignal(window.jobs.progressed, timeout=60_000):  # the job has reached the process
        window.run_diagnosis(data)
    window.cancel()
    qtbot.waitUntil(lambda: len(window.warm.pids()) == 1 and window.warm.pids() != opened_in, timeout=15_000)
    replacement = window.warm.pids()
    with qtbot.waitSignal(window.diagnosis_ready, timeout=180_000):
        window.run_diagnosis(data)
    assert window.warm.pids() == replacement and opened_in[0] not in living()


def test_closing_the_window_ends_its_process(qtbot, files, tmp_path):
    from PySide6.QtCore import QSettings

    from inspector.ui.main_window import MainWindow

    model, _ = files
    w = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.model_ready, timeout=60_000):
        w.open_model(model)
    pids = w.warm.pids()
    assert pids and set(pids) <= set(living())
    w.close()  # while it imports TensorFlow
    assert not set(pids) & set(living()) and w.warm.pids() == []


def test_a_crash_in_the_process_reaches_the_error_dialog(window, qtbot):
    """A bug in the analysis is an error the window shows, not a warning superqt swallows with the window left
    busy for ever."""
    with qtbot.waitSignal(window.failed, timeout=60_000) as signal:
        window.jobs.start("diagnose", lambda: window.warm.run(failing_steps, "bug"))
    assert "a bug in the analysis" in signal.args[0]
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=5_000)  # and the job ended: Cancel is gone
    window.error_box.close()


def test_the_result_is_drawn_in_pieces_and_a_new_run_drops_the_rest(window, qtbot, files):
    model, data = files
    with qtbot.waitSignal(window.diagnosis_ready, timeout=180_000):
        window.open_model(model, data)
    d = window.diagnosis
    drawn = []
    window.diagnosis_ready.connect(drawn.append)
    window.heads_panel.show_heads(window.inspection)  # as a freshly opened model shows them
    window._show_diagnosis(d)
    assert window.drawing.pending > 1 and drawn == []  # the panels come one per turn of the event loop
    qtbot.waitUntil(lambda: drawn == [d], timeout=10_000)
    window._show_diagnosis(d)
    window.run_diagnosis(data)  # a new run: what is left of the old drawing is dropped
    assert window.drawing.pending == 0
    with qtbot.waitSignal(window.diagnosis_ready, timeout=180_000):
        pass
    assert len(drawn) == 2


def test_the_heads_tab_is_built_when_it_is_raised(window, qtbot, files):
    model, data = files
    with qtbot.waitSignal(window.diagnosis_ready, timeout=180_000):
        window.open_model(model, data)
    window.layer_dock.raise_()
    window.heads_panel.plots = []
    window.heads_panel.show_heads(window.diagnosis.inspection, window.diagnosis)
    assert window.heads_panel.badges == {"head_0": "COLLAPSED", "head_1": "COLLAPSED"}  # known at once
    assert window.heads_panel.plots == []  # behind the Layer tab: not drawn
    window.heads_dock.raise_()
    assert [p.objectName() for p in window.heads_panel.plots] == ["headPlot:head_0", "headPlot:head_1"]


def test_a_model_whose_weights_do_not_read_leaves_the_graph_of_the_open_one(window, qtbot, files, tmp_path):
    """Its structure reads and is drawn first; when its weights then fail, the graph goes back to the model the
    panels still show."""
    import zipfile

    model, _ = files
    broken = tmp_path / "broken_weights.keras"
    with zipfile.ZipFile(model) as src, zipfile.ZipFile(broken, "w") as out:
        for name in src.namelist():
            out.writestr(name, b"not an HDF5 file" if name == "model.weights.h5" else src.read(name))
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.open_model(model)
    good = window.inspection
    previewed = []
    window.jobs.previewed.connect(lambda _k, value: previewed.append(value[0]))
    with qtbot.waitSignal(window.failed, timeout=60_000):
        window.open_model(str(broken))
    window.error_box.close()
    assert previewed and previewed[0].path == str(broken)  # it was drawn
    assert window.inspection is good and window.graph.info is good.info
    assert sorted(window.graph.nodes) == sorted(n for n in good.info.layers if not good.info.layers[n].parent)


def test_pieces_let_the_event_loop_run_between_them(qtbot):
    """What a piece posts (a repaint, a timer, input) is handled before the next piece runs."""
    from PySide6.QtCore import QTimer

    from inspector.ui.panels_common import InPieces

    pieces = InPieces()
    order = []
    pieces.run([lambda: (order.append("first"), QTimer.singleShot(0, lambda: order.append("posted"))),
                lambda: order.append("second")])
    qtbot.waitUntil(lambda: "second" in order, timeout=5_000)
    assert order == ["first", "posted", "second"]
    pieces.run([lambda: order.append("dropped")])
    pieces.cancel()
    qtbot.wait(50)
    assert "dropped" not in order
