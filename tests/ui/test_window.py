"""The real window, driven offscreen: open, drop, diagnose, click, export, cancel, and bad files."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent

from tests import models
from tests.ui.conftest import save_collapsed_two_heads

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ui")
    path, _ = save_collapsed_two_heads(folder)
    return folder, str(path)


def drop(widget, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    widget.dropEvent(event)


def test_open_drop_diagnose_click_export(window, qtbot, files, tmp_path):
    folder, model = files
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.open_model(model)  # the menu's code path
    assert "trunk" in window.graph.nodes and window.stack.currentWidget() is window.graph
    assert window.settings.value("recent")[0].endswith("collapsed.keras")
    with qtbot.waitSignal(window.diagnosis_ready, timeout=180_000):
        drop(window, [folder / "data.npz"])  # a real drop event
    d = window.diagnosis
    assert d.collapsed and d.blame[0].layer == "trunk"
    assert window.graph.nodes["trunk"].level == "blamed"
    assert window.graph.selected_name() == "trunk"  # the most-blamed layer is selected
    # click a finding about another layer: the graph selects it
    tree = window.diagnosis_panel.tree
    target = None
    for i in range(tree.topLevelItemCount()):
        root = tree.topLevelItem(i)
        for j in range(root.childCount()):
            item = root.child(j)
            if item.text(2) == "b1":
                target = item
    assert target is not None
    tree.itemClicked.emit(target, 0)
    assert window.graph.selected_name() == "b1"
    assert window.layer_panel.current == "b1"
    assert window.heads_panel.badges == {"head_0": "COLLAPSED", "head_1": "COLLAPSED"}
    out = tmp_path / "report.png"
    with qtbot.waitSignal(window.report_written, timeout=60_000):
        window.export_report(str(out))  # drawn off the GUI thread
    assert out.read_bytes()[:4] == b"\x89PNG" and "Report written" in window.status.text()


def test_search_zoom_and_fit(window, qtbot, files):
    _, model = files
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.open_model(model)
    window.search.setText("head_1")
    window.search.returnPressed.emit()
    assert window.graph.selected_name() == "head_1"
    before = window.graph.transform().m11()
    window.graph.scale(2, 2)
    window.graph.fit()
    assert window.graph.transform().m11() <= max(before, 1.0)


def test_cancel_midway_leaves_a_usable_window(window, qtbot, files):
    folder, model = files
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.open_model(model)
    window.run_diagnosis(str(folder / "data.npz"))
    qtbot.waitUntil(lambda: window.jobs.busy, timeout=5_000)
    window.cancel()
    assert not window.jobs.busy and window.diagnosis is None
    assert "Cancelled" in window.status.text()
    with qtbot.waitSignal(window.diagnosis_ready, timeout=180_000):  # and it runs again afterwards
        window.run_diagnosis(str(folder / "data.npz"))


def test_corrupt_file_shows_a_message(window, qtbot, tmp_path):
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"PK\x03\x04 this is not a zip")
    with qtbot.waitSignal(window.failed, timeout=30_000) as signal:
        window.open_model(str(bad))
    assert "not a readable zip archive" in signal.args[0]
    assert window.error_box is not None and "not a readable zip archive" in window.error_box.text()
    window.error_box.close()
    assert window.isVisible()


def test_data_that_does_not_fit(window, qtbot, files, tmp_path):
    _, model = files
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.open_model(model)
    np.savez(tmp_path / "wrong.npz", x=np.zeros((10, 3), "float32"))
    with qtbot.waitSignal(window.failed, timeout=60_000) as signal:
        window.open_dataset(str(tmp_path / "wrong.npz"))
    assert "expects 6" in signal.args[0]
    window.error_box.close()


def test_screenshot_command(tmp_path, files):
    import subprocess
    import sys

    from PySide6.QtGui import QImage

    folder, model = files
    out = tmp_path / "shot.png"
    result = subprocess.run([sys.executable, "-m", "inspector", "gui", model, "--data", str(folder / "data.npz"),
                             "--screenshot", str(out)], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr[-2000:]
    # the window the command opened kept its Open Recent in the test run's settings, not in the user's
    recent = QSettings(os.environ["KERAS_INSPECTOR_SETTINGS"], QSettings.Format.IniFormat).value("recent")
    assert model in ([recent] if isinstance(recent, str) else list(recent or []))
    image = QImage(str(out))
    assert image.width() >= 1000 and image.height() >= 600
    # pixel probe: somewhere in the graph the blamed node is drawn in the blame red
    reds = sum(1 for x in range(0, image.width() // 2, 4) for y in range(0, image.height() * 2 // 3, 4)
               if (c := image.pixelColor(x, y)).red() > 200 and c.green() < 60 and c.blue() < 60)
    assert reds > 100


def test_empty_window_invites_and_about_shows_the_version(window):
    from inspector import __version__

    assert window.stack.currentWidget() is window.welcome
    assert "Open a model" in window.welcome.text()
    assert not window.diagnose_button.isEnabled()
    from PySide6.QtWidgets import QMessageBox

    texts = []
    original = QMessageBox.about
    QMessageBox.about = staticmethod(lambda parent, title, text: texts.append(text))
    try:
        from inspector.ui import dialogs

        dialogs.show_about(window)
    finally:
        QMessageBox.about = original
    assert __version__ in texts[0]


def test_weights_only_file_shows_its_tree(window, qtbot):
    from tests.conftest import CORPUS_REAL, corpus_file

    path = corpus_file(CORPUS_REAL, "diabetes-k3.weights.h5")
    with qtbot.waitSignal(window.model_ready, timeout=30_000):
        window.open_model(str(path))
    from PySide6.QtWidgets import QTableWidget

    tree = window.layer_panel.findChild(QTableWidget, "weightTree")
    assert tree is not None and tree.rowCount() == 6
    assert not window.diagnose_button.isEnabled()


def test_nested_model_expands_off_the_gui_thread(window, qtbot, tmp_path):
    k = models.keras()
    inner_in = k.Input((4,))
    encoder = k.Model(inner_in, k.layers.Dense(3, name="inner_dense")(inner_in), name="encoder")
    x = k.Input((4,), name="x")
    path = models.save_both(k.Model(x, k.layers.Dense(1, name="out")(encoder(x))), tmp_path, "nested")["keras"]
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.open_model(str(path))
    assert "encoder" in window.graph.nodes and "encoder/inner_dense" not in window.graph.nodes
    window._toggle_container("encoder")  # what a double-click on the node does
    qtbot.waitUntil(lambda: "encoder/inner_dense" in window.graph.nodes, timeout=10_000)
    window._toggle_container("encoder")  # collapse again: the cached layout, no job
    assert "encoder" in window.graph.nodes


def test_code_in_the_file_is_confirmed_by_name(window, qtbot, tmp_path):
    k = models.keras()
    x = k.Input((4,), name="x")
    h = k.layers.Dense(4, name="before")(x)
    h = k.layers.Lambda(lambda t: t * 2, name="doubler")(h)
    path = models.save_both(k.Model(x, k.layers.Dense(1, name="out")(h)), tmp_path, "lam")["keras"]
    asked = []
    window.confirm_code = lambda risks: asked.append([r.layer for r in risks]) or False
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.open_model(str(path))
    with qtbot.waitSignal(window.diagnosis_ready, timeout=180_000):
        window.run_diagnosis(None)
    assert asked == [["doubler"]]
    assert "doubler" in window.diagnosis.left_out and "before" in window.diagnosis.layers


def test_closing_during_a_run_stops_it(qtbot, files, tmp_path):
    import multiprocessing

    from PySide6.QtCore import QSettings

    from inspector.ui.main_window import MainWindow

    folder, model = files
    w = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.model_ready, timeout=60_000):
        w.open_model(model)
    w.run_diagnosis(str(folder / "data.npz"))
    qtbot.waitUntil(lambda: w.jobs.busy, timeout=5_000)
    w.close()
    qtbot.waitUntil(lambda: not any(p.name == "keras-inspector-analysis" and p.is_alive()
                                    for p in multiprocessing.active_children()), timeout=15_000)
    assert w.diagnosis is None


def test_a_dropped_h5_is_told_apart_by_the_readers_rule(files, tmp_path):
    """.h5 is both a model and a dataset suffix: models (full, weights-only, long layer lists split over
    layer_names0, layer_names1, as Keras writes them) open as models, anything else is data. Decided in a child
    process, under the read time limit."""
    import h5py

    from inspector.analysis.remote import sort_in_child
    from inspector.progress import run

    folder, _ = files
    with h5py.File(tmp_path / "data.h5", "w") as f:
        f["x"], f["y"] = np.zeros((4, 6)), np.zeros(4)
    with h5py.File(tmp_path / "chunked_weights.h5", "w") as f:
        f.attrs["layer_names0"], f.attrs["layer_names1"] = [b"dense_1"], [b"dense_2"]
    with h5py.File(tmp_path / "k3.weights.h5", "w") as f:
        f.create_group("layers/dense/vars")["0"] = np.zeros((2, 2))
    models = [str(folder / "collapsed.h5"), str(tmp_path / "chunked_weights.h5"), str(tmp_path / "k3.weights.h5")]
    data = [str(tmp_path / "data.h5"), str(folder / "data.npz")]
    assert run(sort_in_child(models + data)) == (models, data)


def test_a_hostile_h5_dropped_on_the_window_ends_in_one_line(window, qtbot, monkeypatch):
    """Deciding whether a dropped .h5 is a model opens it: a file that makes HDF5 loop must not freeze the
    window; the read time limit ends it and the window says so."""
    from tests.conftest import SHARED, corpus_file

    monkeypatch.setenv("KERAS_INSPECTOR_READ_SECONDS", "2")
    with qtbot.waitSignal(window.failed, timeout=60_000) as signal:
        window.open_paths([str(corpus_file(SHARED / "corpus" / "hostile", "hdf5-attribute-loop.h5"))])
    assert "did not finish" in signal.args[0] and "\n" not in signal.args[0]


def test_the_main_window_opens_a_training_log_and_offers_a_comparison(window, qtbot, tmp_path):
    """File ▸ Open training log and File ▸ Compare with… are there, and a log dropped on the window opens its
    timeline (the views themselves are tested in test_timeline_view.py and test_compare_view.py)."""
    from inspector.ui.timeline_view import TimelineView
    from tests.ui.test_timeline_view import write_log

    names = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "Open training &log…" in names and "Compare &with…" in names
    window.open_paths([str(write_log(tmp_path / "run.log"))])
    views = [w for w in window.findChildren(TimelineView)]
    assert len(views) == 1
    qtbot.waitUntil(lambda: views[0].state is not None, timeout=20_000)
    with qtbot.waitSignal(views[0].destroyed, timeout=10_000):
        views[0].close()
