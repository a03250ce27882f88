"""Window states compared with approved pictures (tests/imaging.py): the demo diagnosed at 1400x900, its Heads tab,
the same window at 1024x700, and a 60-layer chain after Fit.

They catch what the window's own assertions cannot name: a collapsed head's constant marker gone from its plot,
the legend over a node, Fit leaving a long chain as a column of slivers, a panel drawn blank or in the wrong
colours. Rendering is pinned: DejaVu Sans 9 pt, the Fusion style, a caret that does not blink, and the one
machine-dependent text the window shows (the dataset's folder, in the Diagnosis panel) replaced by a fixed one.
Approve new pictures with `python -m tests.imaging approve` after looking at them.
"""

from __future__ import annotations

import os
import time

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QFont, QFontInfo
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItemIterator,
)

from tests import imaging, models

pytestmark = pytest.mark.slow

FONT = ("DejaVu Sans", 9)
FOLDER_SHOWN = "/data"  # what the pictures show for the folder of the model and its dataset
FACTOR = 2  # approved at half size: ~60 KB each, and a label or a marker is still dozens of pixels


@pytest.fixture(scope="module", autouse=True)
def pinned_rendering(qapp):
    """The same pixels on any machine with the fonts-dejavu-core package: the font, the style and the caret,
    pinned for this module and given back afterwards."""
    font, style, flash = qapp.font(), qapp.style().name(), qapp.cursorFlashTime()
    pinned = QFont(*FONT)
    assert QFontInfo(pinned).family() == FONT[0], "the image tests need the DejaVu Sans font (fonts-dejavu-core)"
    qapp.setStyle("Fusion")
    qapp.setFont(pinned)
    qapp.setCursorFlashTime(0)  # a caret that blinks would be in one grab and not the next
    yield
    qapp.setCursorFlashTime(flash)
    qapp.setFont(font)
    qapp.setStyle(style)


def wait_for(condition, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        QTest.qWait(50)


def settled_grab(window):  # noqa: ANN001, ANN201 - QImage
    """The window once two grabs 250 ms apart are the same picture (a queued fit or re-wrap has run)."""
    QApplication.processEvents()
    last = window.grab().toImage()
    for _ in range(20):
        QTest.qWait(250)
        image = window.grab().toImage()
        if image == last:
            return image
        last = image
    raise AssertionError("the window kept changing for 5 s: nothing to compare")


def shown_texts(window) -> list[str]:  # noqa: ANN001
    texts = [w.text() for kind in (QLabel, QAbstractButton, QLineEdit) for w in window.findChildren(kind)
             if w.isVisible()]
    for tree in window.findChildren(QTreeWidget):
        it = QTreeWidgetItemIterator(tree)
        while it.value():
            texts.extend(it.value().text(c) for c in range(tree.columnCount()))
            it += 1
    return texts


def without_folder(window, folder: str) -> None:  # noqa: ANN001
    """The folder of the model and data (a temporary or checkout path: another on every machine) shown as
    FOLDER_SHOWN, so the labels wrap the same everywhere; then no visible text may name it."""
    for label in window.findChildren(QLabel):
        if folder in label.text():
            label.setText(label.text().replace(folder, FOLDER_SHOWN))
    leaks = [t for t in shown_texts(window) if folder in t]
    assert not leaks, f"the window shows a machine-dependent path where the test cannot replace it: {leaks}"


def assert_caught(window, clean, what: str, spoil, mend) -> None:  # noqa: ANN001
    """The comparison tells `clean` (a grab of this state) from the same window spoiled by a defect the issue
    found: the approved picture of this state would catch it."""
    spoil()
    try:
        spoiled = settled_grab(window)
    finally:
        mend()
    result = imaging.compare(imaging.prepare(spoiled, FACTOR), imaging.prepare(clean, FACTOR))
    assert not result.ok, f"{what} would pass the image test: {result.describe()}"


def show_state(window, size: tuple[int, int], dock) -> None:  # noqa: ANN001
    """A state that does not depend on which tests ran before: the size, a raised dock, the blamed layer
    selected and Fit pressed (View ▸ Fit graph)."""
    window.resize(*size)
    if window.diagnosis is not None and window.diagnosis.blame:
        window.select_layer(window.diagnosis.blame[0].layer)
    dock.raise_()  # after the selection, which raises the Layer panel
    QApplication.processEvents()
    QTest.qWait(300)  # past the re-wrap a resize schedules
    window.graph.fit()


@pytest.fixture(scope="module")
def demo_window(qapp, tmp_path_factory, pinned_rendering):
    """The bundled demo (three regression heads, collapsed), opened with its dataset and diagnosed by the window
    itself (its analysis process), once for the module's states."""
    from inspector.resources import demo_paths
    from inspector.ui.main_window import MainWindow

    model, data = demo_paths()
    settings = QSettings(str(tmp_path_factory.mktemp("images") / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings)
    window.keep_layout = False
    window.resize(1400, 900)
    window.show()
    errors: list[str] = []
    window.failed.connect(errors.append)
    window.open_model(str(model), str(data))
    wait_for(lambda: window.diagnosis is not None or errors, 300, "the demo's diagnosis")
    assert not errors, errors
    assert window.diagnosis.collapsed
    yield window, os.path.dirname(os.path.abspath(data))
    window.close()
    QApplication.processEvents()


def test_demo_diagnosed(demo_window):
    window, folder = demo_window
    show_state(window, (1400, 900), window.layer_dock)
    without_folder(window, folder)
    imaging.assert_approved("window-demo-diagnosed", settled_grab(window), FACTOR)


def test_demo_heads_tab(demo_window):
    """Each collapsed head's plot: the targets' distribution with the constant output marked and labelled on it,
    counts on a labelled axis."""
    window, folder = demo_window
    show_state(window, (1400, 900), window.heads_dock)
    without_folder(window, folder)
    clean = settled_grab(window)
    imaging.assert_approved("window-demo-heads", clean, FACTOR)
    marker = window.heads_panel.plots[0].marker
    assert marker is not None
    assert_caught(window, clean, "the first head's constant marker missing", marker.hide, marker.show)


def test_demo_at_1024x700(demo_window):
    """The small screen: the legend above the graph, never over a node (it covered the red trunk_1 here)."""
    window, folder = demo_window
    show_state(window, (1024, 700), window.layer_dock)
    without_folder(window, folder)
    clean = settled_grab(window)
    imaging.assert_approved("window-demo-1024x700", clean, FACTOR)
    graph, legend = window.graph, window.graph.legend
    where = legend.geometry()
    node = graph.mapFromScene(graph.nodes["trunk_1"].sceneBoundingRect()).boundingRect()
    over = where.translated(0, graph.viewport().mapTo(graph, node.topLeft()).y() - where.y())
    assert_caught(window, clean, "the legend over trunk_1", lambda: legend.setGeometry(over),
                  lambda: legend.setGeometry(where))


@pytest.fixture(scope="module")
def chain60(tmp_path_factory) -> str:
    """60 Dense layers in a chain (fixed seed), no data: what Fit once drew as a column of slivers."""
    k = models.keras()
    layers = [k.Input((6,), name="x")]
    layers += [k.layers.Dense(8, activation="relu", name=f"dense_{i}") for i in range(60)]
    layers.append(k.layers.Dense(1, name="out"))
    path = tmp_path_factory.mktemp("chain60") / "chain60.keras"
    k.Sequential(layers, name="chain60").save(path)
    return str(path)


@pytest.fixture
def window(qapp, tmp_path):
    """A window of its own (the demo's stays open for the module, which the shared fixture's leak check would
    report)."""
    from inspector.ui.main_window import MainWindow

    w = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    w.keep_layout = False
    w.show()
    yield w
    w.close()
    QApplication.processEvents()


def test_chain_of_60_after_fit(window, qtbot, chain60):
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.open_model(chain60)
    show_state(window, (1400, 900), window.layer_dock)
    without_folder(window, os.path.dirname(chain60))
    clean = settled_grab(window)
    imaging.assert_approved("window-chain60-fit", clean, FACTOR)
    graph = window.graph
    transform = graph.transform()
    assert_caught(window, clean, "Fit drawing the chain as slivers", lambda: graph.scale(0.2, 0.2),
                  lambda: graph.setTransform(transform))
