"""A training log in the window: the graph as it was at the chosen epoch, an epoch slider, the spread of heads and
layers over the epochs with the collapse marked, and the selected layer's histogram at that epoch. What is shown
comes from `report.timeline_state`; this module only draws it. Opening a log needs no TensorFlow.

The main window calls `ask_training_log(window)` (File ▸ Open training log…) and `open_training_log(window, path)`
(a dropped `.log`/`.jsonl`, see `is_training_log`); the view opens as a window of its own beside the main one.
"""

from __future__ import annotations

import os
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from inspector import palette
from inspector.report.timeline_state import TimelineState, state_of, timeline_steps
from inspector.training_log import Timeline
from inspector.ui import dialogs
from inspector.ui.graph_view import GraphView
from inspector.ui.jobs import JobRunner
from inspector.ui.plots import HistogramPlot, SpreadPlotWidget

LOG_SUFFIXES = (".log", ".jsonl")
TIMELINE_LEGEND = {"suspect": "blamed at this epoch", "dead": "spread dead", "ok": "varies with the input",
                   "static": "not measured"}


def is_training_log(path: str) -> bool:
    """Dropped files ending in .log/.jsonl are training logs; the reader says what is wrong with one that is not."""
    return os.path.splitext(path)[1].lower() in LOG_SUFFIXES and not os.path.isdir(path)


def ask_training_log(window: QWidget) -> TimelineView | None:
    path, _ = QFileDialog.getOpenFileName(window, "Open training log", "",
                                          "Training logs (*.log *.jsonl);;All files (*)")
    return open_training_log(window, path) if path else None


def open_training_log(window: QWidget, path: str) -> TimelineView:
    """A new window of the application on the log at `path`, read and laid out off the GUI thread."""
    view = TimelineView(window)
    show_beside(view, window)
    view.load(path)
    return view


def show_beside(view: QWidget, window: QWidget | None) -> None:
    """A view as a window of its own, owned by the main window, as large as the main one; deleted once closed
    (see `release`)."""
    view.setWindowFlag(Qt.WindowType.Window, True)
    if window is not None:
        view.resize(window.size())
    view.show()


def split_sizes(across: QSplitter, down: QSplitter, width: int, height: int) -> None:
    """The graph gets 45 % of the width; the right column's three parts share its height."""
    across.setSizes([int(width * 0.45), int(width * 0.55)])
    down.setSizes([height // 3] * 3)


def release(view: QWidget, graph: GraphView, on_select: Any) -> None:
    """A closed view is done: its graph stops reporting selections (deleting the scene clears its selection,
    which must not call back into the view being deleted), and a view window owned by the main window is
    deleted after the zero-delay work already queued for it (the graph's fit), which `WA_DeleteOnClose` would
    not wait for."""
    try:
        graph.layer_selected.disconnect(on_select)
    except (RuntimeError, TypeError):  # already disconnected: closed twice
        pass
    if view.isWindow() and view.parent() is not None:
        QTimer.singleShot(0, view, view.deleteLater)  # dropped if the main window deletes it first


class JobStrip(QWidget):
    """What a view is waiting for: a line of text, a progress bar and Cancel (Esc), hidden when idle."""

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.text = QLabel()
        self.text.setObjectName("jobText")
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(240)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.text, 1)
        row.addWidget(self.bar)
        row.addWidget(self.cancel_button)
        runner.progressed.connect(self.on_progress)
        runner.busy_changed.connect(self.on_busy)
        self.shortcut = QShortcut(QKeySequence("Esc"), parent or self)
        self.shortcut.activated.connect(self.cancel)
        self.setVisible(False)

    def cancel(self) -> None:
        if self.runner.busy:
            self.runner.cancel()
            self.text.setText("Cancelled")
            self.setVisible(True)
            self.bar.setVisible(False)
            self.cancel_button.setVisible(False)

    def on_progress(self, stage: str, done: int, total: int) -> None:
        if stage != "cancelled":
            self.text.setText(f"{stage}…" if not total else f"{stage} {done}/{total} ({done / total:.0%})")
            self.bar.setRange(0, total or 0)
            self.bar.setValue(done)

    def on_busy(self, busy: bool) -> None:
        if busy:
            self.setVisible(True)
            self.bar.setVisible(True)
            self.cancel_button.setVisible(True)
        elif not self.text.text().startswith("Cancelled"):
            self.setVisible(False)


class HostedView(QWidget):
    """What both views share: a headline, a job strip whose result goes to `_on_loaded` and whose failure to the
    headline and a dialog, a graph whose selection goes to `select_layer`, and what a closed view lets go."""

    failure = "could not be opened"

    def __init__(self, name: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.selected: str | None = None
        self.error_box = None
        self.jobs = JobRunner(self)
        self.jobs.finished.connect(self._on_loaded)
        self.jobs.failed.connect(self._on_failed)
        self.headline = QLabel()
        self.headline.setObjectName(f"{name}Headline")
        self.headline.setWordWrap(True)
        self.strip = JobStrip(self.jobs, self)
        self.graph = GraphView()
        self.graph.layer_selected.connect(self.select_layer)

    @property
    def marks(self) -> list[Any]:
        """What is drawn for the graph's marks (outlines and their words)."""
        return self.graph.mark_items

    def select_layer(self, name: str) -> None:
        raise NotImplementedError

    def _on_loaded(self, kind: str, result: Any) -> None:
        raise NotImplementedError

    def _on_failed(self, kind: str, error: BaseException) -> None:
        self.headline.setText(f"<b style='color:{palette.BLAME}'>The {kind} {self.failure}: {error}</b>")
        self.error_box = dialogs.show_error(self, error)

    def closeEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt API
        self.jobs.cancel()  # a running child process is stopped at once
        super().closeEvent(event)
        release(self, self.graph, self.select_layer)


class TimelineView(HostedView):
    """Takes a `Timeline` (`show_timeline`) or a log's path (`load`, off the GUI thread)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("timelineView", "keras-inspector — training log", parent)
        self.state: TimelineState | None = None
        self.index = 0
        self._build()

    def _build(self) -> None:
        self.headline.setText("Open a training log written by inspector.CollapseMonitor.")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("epochSlider")
        self.slider.setPageStep(1)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.valueChanged.connect(self.set_index)
        self.slider.setToolTip("The epoch shown (←/→, Home/End; Alt+←/→ from anywhere in the view)")
        self.epoch_label = QLabel()
        self.epoch_label.setObjectName("epochCaption")
        self.epoch_label.setWordWrap(True)
        for keys, step in (("Alt+Left", -1), ("Alt+Right", 1)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(self._step_back if step < 0 else self._step_on)
        slider_row = QHBoxLayout()
        slider_row.addWidget(QLabel("Epoch"))
        slider_row.addWidget(self.slider, 1)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.graph, 1)
        column.addLayout(slider_row)
        column.addWidget(self.epoch_label)
        self.head_plot = SpreadPlotWidget()
        self.head_plot.setObjectName("headSpreadPlot")
        self.layer_plot = SpreadPlotWidget()
        self.layer_plot.setObjectName("layerSpreadPlot")
        for plot in (self.head_plot, self.layer_plot):
            plot.cursor.sigPositionChangeFinished.connect(self._cursor_moved)
        self.histogram = HistogramPlot("", height=150)
        self.histogram.setObjectName("layerHistogram")
        self.histogram.setMaximumHeight(16_777_215)  # here it takes the height its splitter pane gives it
        self.layer_text = QLabel("<i>Select a layer in the graph to see its histogram at this epoch.</i>")
        self.layer_text.setObjectName("layerAtEpoch")
        self.layer_text.setWordWrap(True)
        hist_box = QWidget()
        hist_column = QVBoxLayout(hist_box)
        hist_column.setContentsMargins(0, 0, 0, 0)
        hist_column.addWidget(self.layer_text)
        hist_column.addWidget(self.histogram, 1)
        right = QSplitter(Qt.Orientation.Vertical)
        for widget in (self.head_plot, self.layer_plot, hist_box):
            right.addWidget(widget)
        self.right = right
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 6)
        box = QVBoxLayout(self)
        box.setContentsMargins(6, 6, 6, 6)
        box.addWidget(self.headline)
        box.addWidget(self.strip)
        box.addWidget(self.splitter, 1)

    # --- data -----------------------------------------------------------------------------------------------

    def load(self, path: str) -> None:
        self.setWindowTitle(f"keras-inspector — training log {os.path.basename(path)}")
        self.headline.setText(f"Reading {path}…")
        self.jobs.start("training log", lambda: timeline_steps(path))

    def show_timeline(self, timeline: Timeline | TimelineState) -> None:
        """Draw a timeline (laying out its graph here, on the GUI thread, when given a bare `Timeline`)."""
        state = timeline if isinstance(timeline, TimelineState) else state_of(timeline)
        self.state = state
        t = state.timeline
        self.setWindowTitle(f"keras-inspector — training log {os.path.basename(t.path)}")
        colour = palette.BLAME if t.onset_epoch is not None else palette.GOOD
        notes = "".join(f"<br><span style='color:{palette.MUTED}'>{n}</span>" for n in state.notes)
        self.headline.setText(f"<b>{t.header.get('model')}</b> · {len(state.epochs)} measured epochs · "
                              f"<b style='color:{colour}'>{t.sentence()}</b>{notes}")
        self.graph.show_graph(state.info, state.layout)
        for name, item in self.graph.nodes.items():
            layer = state.info.layers[name]
            item.detail = layer.class_name + (f" · {layer.activation}" if layer.activation else "")
            item.setToolTip(f"{name}\n{item.detail}")
        self.graph.legend.setText(" &nbsp; &nbsp; ".join(
            f"<span style='color:{palette.LEVELS[key][0]}'>■</span>&nbsp;{text.replace(' ', '&nbsp;')}"
            for key, text in TIMELINE_LEGEND.items()) + " &nbsp; &nbsp; <b style='color:"
            f"{palette.BLAME}'>▢</b>&nbsp;a&nbsp;head's&nbsp;spread&nbsp;died&nbsp;here")
        self.graph._place_legend()  # the legend's height follows its new text
        self.graph.legend.setToolTip("Blamed layers are suspects: no repair is tried during training, so none is "
                                     "proven (diagnose the saved model for that).")
        self.head_plot.show_plot(state.head_plot())
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(state.epochs) - 1)
        self.slider.blockSignals(False)
        self.selected = t.onset_layer if t.onset_layer in state.info.layers else None
        self._draw_layer_plot()
        last = len(state.epochs) - 1
        if self.slider.value() == last:
            self.set_index(last)
        self.slider.setValue(last)  # opens at the last epoch: the state the model was saved in
        if self.selected:
            self.graph.select(self.selected)
        self.slider.setFocus()

    def _on_loaded(self, kind: str, state: TimelineState) -> None:
        self.show_timeline(state)

    # --- epoch and selection --------------------------------------------------------------------------------

    def set_index(self, index: int) -> None:
        if self.state is None:
            return
        self.index = max(0, min(index, len(self.state.epochs) - 1))
        if self.slider.value() != self.index:
            self.slider.setValue(self.index)  # comes back here through valueChanged
            return
        self.graph.set_levels(self.state.levels(self.index))
        self._mark_died_in()
        text, collapsed = self.state.caption(self.index)
        self.epoch_label.setText(f"<span style='color:{palette.BLAME if collapsed else palette.TEXT}'>{text}</span>")
        epoch = float(self.state.epochs[self.index])
        for plot in (self.head_plot, self.layer_plot):
            plot.cursor.setValue(epoch)
        self._show_layer()

    def set_epoch(self, epoch: int) -> None:
        if self.state is not None:
            self.set_index(self.state.index_of(epoch))

    def select_layer(self, name: str) -> None:
        if self.state is None or name not in self.state.info.layers:
            return
        replot = name != self.selected
        self.selected = name
        if replot:
            self._draw_layer_plot()
        self._show_layer()

    def _step_back(self) -> None:
        self.set_index(self.index - 1)

    def _step_on(self) -> None:
        self.set_index(self.index + 1)

    def _cursor_moved(self, line: pg.InfiniteLine) -> None:
        self.set_epoch(round(line.value()))

    def _draw_layer_plot(self) -> None:
        assert self.state is not None
        self.layer_plot.show_plot(self.state.layer_plot(self.selected))
        if self.state.epochs:
            self.layer_plot.cursor.setValue(float(self.state.epochs[self.index]))

    def _show_layer(self) -> None:
        if self.state is None or self.selected is None:
            return
        panel, text = self.state.layer_detail(self.index, self.selected)
        self.layer_text.setText(text)
        if panel is None:
            self.histogram.clear()
            self.histogram.setTitle("")
        else:
            self.histogram.show_panel(panel)

    def _mark_died_in(self) -> None:
        assert self.state is not None
        died = self.state.died_in(self.index)
        self.graph.set_marks({name: "spread of " + ", ".join(heads) + " died here" for name, heads in died.items()})

    def marked_layers(self) -> list[str]:
        return list(self.state.died_in(self.index)) if self.state is not None else []

    def showEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt API
        super().showEvent(event)
        split_sizes(self.splitter, self.right, self.width(), self.height())

