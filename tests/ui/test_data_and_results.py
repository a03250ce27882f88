"""Issue 12's wrong or hidden results, in the real window: which dataset the next diagnosis uses, the collapsed
heads' plots, the flags from the weights before any diagnosis, nested models' params, and the wording around."""

from __future__ import annotations

import os

import numpy as np
import pytest

from inspector import palette
from tests import models
from tests.ui.conftest import save_collapsed_two_heads

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data_choice")
    collapsed, _ = save_collapsed_two_heads(folder)
    k = models.keras()
    other_in = k.Input((3,), name="y")
    zero = k.layers.Dense(5, kernel_initializer="zeros", name="zeroed")(other_in)
    other = models.save_both(k.Model(other_in, k.layers.Dense(1, name="out")(zero)), folder, "other")["keras"]
    np.savez(folder / "wrong.npz", x=np.zeros((10, 2), "float32"))
    return folder, str(collapsed), str(other)


def _open(window, qtbot, path, data=None, signal=None):
    with qtbot.waitSignal(signal or window.model_ready, timeout=180_000):
        window.open_model(path, data)


def test_a_dataset_belongs_to_the_model_it_came_with(window, qtbot, files):
    folder, collapsed, other = files
    _open(window, qtbot, collapsed, str(folder / "data.npz"), window.diagnosis_ready)
    assert not window.diagnosis.synthetic
    assert "data.npz" in window.data_label.text() and window.clear_data_button.isEnabled()
    _open(window, qtbot, other)  # another model: the demo's dataset is not reused
    assert window.data_path is None and "synthetic inputs" in window.data_label.text()
    assert "synthetic inputs" in window.diagnosis_panel.findChild(type(window.data_label), "diagnosisHint").text()
    assert not window.clear_data_button.isEnabled()
    with qtbot.waitSignal(window.diagnosis_ready, timeout=180_000):
        window.diagnose_again()  # what F5 and the Diagnose button do
    assert window.diagnosis.synthetic


def test_a_rejected_dataset_is_not_kept_and_reopening_starts_clean(window, qtbot, files):
    folder, collapsed, _ = files
    _open(window, qtbot, collapsed)
    with qtbot.waitSignal(window.failed, timeout=120_000):
        window.open_dataset(str(folder / "wrong.npz"))
    window.error_box.close()
    assert window.data_path is None and "synthetic inputs" in window.data_label.text()
    hint = window.diagnosis_panel.findChild(type(window.data_label), "diagnosisHint").text()
    assert "wrong.npz was not used" in hint
    window.data_path = str(folder / "data.npz")  # even a dataset that fits is left behind by Open Recent
    recent = window.recent_menu.actions()[0]
    assert recent.text().endswith("collapsed.keras")
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        recent.trigger()
    assert window.data_path is None and "synthetic inputs" in window.data_label.text()


def test_a_rejected_dataset_leaves_the_diagnosis_the_graph_shows_explained(window, qtbot, files):
    folder, collapsed, _ = files
    _open(window, qtbot, collapsed)
    with qtbot.waitSignal(window.diagnosis_ready, timeout=180_000):
        window.run_diagnosis(str(folder / "data.npz"))
    with qtbot.waitSignal(window.failed, timeout=120_000):
        window.open_dataset(str(folder / "wrong.npz"))
    window.error_box.close()
    verdict = window.diagnosis_panel.findChild(type(window.data_label), "verdict")
    assert verdict is not None and window.diagnosis.verdict in verdict.text()  # beside the graph's colours
    assert "wrong.npz was not used" in window.status.text() and "data.npz" in window.status.text()


def test_a_dataset_dropped_while_its_model_opens_is_used_for_it(window, qtbot, files):
    folder, collapsed, _ = files
    with qtbot.waitSignal(window.diagnosis_ready, timeout=180_000):
        window.open_model(collapsed)
        window.open_dataset(str(folder / "data.npz"))  # before the model is open
        assert "data.npz" in window.data_label.text()
    assert not window.diagnosis.synthetic and window.diagnosis.data_source.endswith("data.npz")


def test_clear_data_forgets_the_dataset(window, qtbot, files):
    folder, collapsed, _ = files
    _open(window, qtbot, collapsed, str(folder / "data.npz"), window.diagnosis_ready)
    window.clear_data_button.click()
    assert window.data_path is None and "synthetic inputs" in window.data_label.text()
    assert "synthetic inputs" in window.diagnose_button.toolTip()


def test_flags_from_the_weights_show_before_any_diagnosis(window, qtbot, files):
    _, _, other = files
    _open(window, qtbot, other)
    findings = window.inspection.findings
    assert findings, "the zeroed kernel gives a data-free flag"
    tree = window.diagnosis_panel.tree
    assert tree is not None
    listed = [tree.topLevelItem(0).child(i).text(1) for i in range(tree.topLevelItem(0).childCount())]
    assert listed == [f.kind for f in findings]
    n = len(findings)
    assert f"· {n} flag{'s' if n != 1 else ''} from the weights" in window.status.text()


def test_collapsed_heads_are_marked_on_their_targets(window, qtbot, files):
    from PySide6.QtGui import QColor

    folder, collapsed, _ = files
    window.resize(1400, 900)
    _open(window, qtbot, collapsed, str(folder / "data.npz"), window.diagnosis_ready)
    window.heads_dock.raise_()
    heads = {h.name: h for h in window.diagnosis.heads}
    assert window.heads_panel.plots and all(h.collapsed for h in heads.values())
    blame = QColor(palette.BLAME)
    for plot in window.heads_panel.plots:
        head = heads[plot.objectName().split(":", 1)[1]]
        assert plot.marker is not None and plot.marker.value() == pytest.approx(head.stats.mean)
        assert f"{head.stats.mean:.4g}" in plot.marker.label.toPlainText()
        assert plot.getAxis("left").labelText == "samples"
        top = plot.viewRange()[1][1]
        assert top < 0.5 * window.diagnosis.samples  # scaled by the targets, not by the constant's spike
        plot.resize(480, 220)
        image = plot.grab().toImage()
        vb = plot.getViewBox().sceneBoundingRect()
        column = {x for x in range(int(vb.left()), int(vb.right()))
                  for y in range(int(vb.top()) + 5, int(vb.bottom()) - 5, 4)
                  if _near(image.pixelColor(x, y), blame)}
        tall = [x for x in column if sum(_near(image.pixelColor(x, y), blame)
                                         for y in range(int(vb.top()) + 5, int(vb.bottom()) - 5)) > 0.8 * (
            vb.height() - 10)]
        assert tall, f"no full-height marker in the blame colour in {plot.objectName()}"


def _near(c, ref, tolerance: int = 40) -> bool:
    return (abs(c.red() - ref.red()) < tolerance and abs(c.green() - ref.green()) < tolerance
            and abs(c.blue() - ref.blue()) < tolerance)


def blame_root_status(tree, d) -> bool:
    """Each blamed row says responsible or suspect, and cause or symptom, as the diagnosis does."""
    root = tree.topLevelItem(0)
    return all(root.child(i).text(0) == ("responsible" if e.responsible else "suspect")
               and root.child(i).text(1).startswith(e.role) for i, e in enumerate(d.blame[:10]))


def test_the_blamed_rows_check_is_whole_and_explained(window, qtbot, files):
    from PySide6.QtCore import QRect, Qt

    folder, collapsed, _ = files
    window.resize(1600, 1000)
    _open(window, qtbot, collapsed, str(folder / "data.npz"), window.diagnosis_ready)
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()  # the layout after the resize
    tree = window.diagnosis_panel.tree
    assert "score" in tree.headerItem().text(1) and "blame score" in tree.headerItem().toolTip(0)
    assert blame_root_status(tree, window.diagnosis)
    blame_root = tree.topLevelItem(0)
    assert blame_root.text(1) == "blame"
    checked = [e for e in window.diagnosis.blame[:10] if e.check]
    assert checked
    for i, entry in enumerate(window.diagnosis.blame[:10]):
        item = blame_root.child(i)
        if not entry.check:
            continue
        assert entry.check in item.toolTip(3) and entry.check in item.text(3)
        width = tree.columnWidth(3)
        needed = tree.fontMetrics().boundingRect(QRect(0, 0, width - 8, 10_000), int(Qt.TextFlag.TextWordWrap),
                                                 item.text(3)).height()
        assert tree.visualItemRect(item).height() >= needed, "the check is cut although the row could grow"


def test_the_findings_list_grows_with_its_dock(window, qtbot, files):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    folder, collapsed, _ = files
    window.resize(1400, 1400)
    _open(window, qtbot, collapsed, str(folder / "data.npz"), window.diagnosis_ready)
    window.resizeDocks([window.diagnosis_dock], [400], Qt.Orientation.Vertical)
    QApplication.processEvents()
    before = window.diagnosis_panel.tree.height()
    window.resizeDocks([window.diagnosis_dock], [1100], Qt.Orientation.Vertical)
    QApplication.processEvents()
    assert window.diagnosis_dock.height() > 1000
    assert window.diagnosis_panel.tree.height() > before + 300


def test_legend_never_covers_the_graph(window, qtbot, files):
    _, collapsed, _ = files
    for size in ((1024, 700), (1600, 1000)):
        window.resize(*size)
        _open(window, qtbot, collapsed)
        view = window.graph
        legend = view.legend.geometry()
        assert legend.height() > 0 and not legend.intersects(view.viewport().geometry())


def test_wording(window, qtbot, files):
    folder, collapsed, _ = files
    _open(window, qtbot, collapsed)
    window.run_diagnosis(None)
    hint = window.diagnosis_panel.findChild(type(window.data_label), "diagnosisHint").text()
    assert "Running synthetic inputs through the model" in hint
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=180_000)
    window._on_progress("measuring", 3, 12)
    assert "25%" in window.status.text() and not window.progress.isTextVisible()


def test_weights_only_hint_does_not_point_below(window, qtbot):
    from tests.conftest import CORPUS_REAL, corpus_file

    _open(window, qtbot, str(corpus_file(CORPUS_REAL, "diabetes-k3.weights.h5")))
    hint = window.diagnosis_panel.findChild(type(window.data_label), "diagnosisHint").text()
    assert "weights only" in hint and "below" not in hint


def test_a_nested_models_params_are_its_layers(window, qtbot):
    from tests.conftest import CORPUS_REAL, corpus_file

    _open(window, qtbot, str(corpus_file(CORPUS_REAL, "speaker-siamese-k3.keras")))
    window.select_layer("functional_4")
    assert "12,128 params" in window.layer_panel.findChild(type(window.data_label), "layerTitle").text()


def test_tests_keep_their_settings_out_of_the_users(qtbot):
    from inspector.ui.main_window import MainWindow

    w = MainWindow()  # what the app and `keras-inspector gui` construct
    qtbot.addWidget(w)
    assert w.settings.fileName() == os.environ["KERAS_INSPECTOR_SETTINGS"]
