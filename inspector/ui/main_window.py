"""The main window: menus, recent files, drag and drop, the graph in the middle and one dock per panel.

It owns no analysis: opening and diagnosing are generators from core/analysis run by `JobRunner`, and the
panels draw what comes back.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inspector.analysis.remote import WarmWorker
from inspector.core.inspection import Inspection
from inspector.core.layout import GraphLayout, layout_model
from inspector.errors import DataError, InspectorError, UnsafeModelError
from inspector.palette import levels_for
from inspector.ui import compare_view, dialogs, timeline_view
from inspector.ui.diagnosis_panel import DiagnosisPanel
from inspector.ui.graph_view import GraphView
from inspector.ui.heads_panel import HeadsPanel
from inspector.ui.jobs import JobRunner
from inspector.ui.layer_panel import LayerPanel
from inspector.ui.panels_common import InPieces

MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")
DATA_SUFFIXES = (".npz", ".npy", ".csv", ".tsv", ".txt", ".h5", ".hdf5")
MAX_RECENT = 10
SETTINGS_ENV = "KERAS_INSPECTOR_SETTINGS"  # an .ini file to use instead of the user's settings


def default_settings() -> QSettings:
    """The user's settings, unless KERAS_INSPECTOR_SETTINGS names an .ini file to use instead: the test suite sets
    it so that no test run adds its temporary models to the user's Open Recent."""
    path = os.environ.get(SETTINGS_ENV)
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings("keras-inspector", "keras-inspector")


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def needs_a_look(path: str) -> bool:
    """A dropped .h5 can be a model or a dataset, which only its contents say; anything else its name says."""
    p = Path(path)
    return not p.is_dir() and p.suffix.lower() in MODEL_SUFFIXES and p.suffix.lower() != ".keras"


class MainWindow(QMainWindow):
    diagnosis_ready = Signal(object)
    report_written = Signal(str)
    model_ready = Signal(object)
    failed = Signal(str)

    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setWindowTitle("keras-inspector")
        self.resize(1400, 900)
        self.setAcceptDrops(True)
        self.settings = settings or default_settings()
        self.inspection: Inspection | None = None
        self.diagnosis: Any = None
        self.comparison: Any = None  # report.compare_state.CompareState of the open model (A) with another file
        self.model_path: str | None = None
        self.data_path: str | None = None
        self.pending_data: str | None = None  # the dataset given with a model that is still opening
        self.opening = False
        self.previewed: Any = None  # the structure a model still opening was drawn from (remote.Preview)
        self.expanded: set[str] = set()
        self.trust_code = False
        self.error_box = None
        self.jobs = JobRunner(self)
        self.layout_jobs = JobRunner(self)  # re-layouts on expand/collapse never cancel a running diagnosis
        self.export_jobs = JobRunner(self)  # the report is drawn off the GUI thread (up to a second on big models)
        # the analysis process, kept between jobs; TensorFlow is imported in it once a model is open
        self.warm = WarmWorker()
        self.drawing = InPieces(self)  # a diagnosis is drawn one panel per turn of the event loop
        self.layouts: dict[frozenset[str], GraphLayout] = {}
        self._build_ui()
        self._build_menus()
        self._restore_layout()
        self.jobs.progressed.connect(self._on_progress)
        self.jobs.previewed.connect(self._on_preview)
        self.jobs.finished.connect(self._on_job_finished)
        self.jobs.failed.connect(self._on_job_failed)
        self.jobs.busy_changed.connect(self._on_busy)
        self.layout_jobs.finished.connect(self._on_job_finished)
        self.layout_jobs.failed.connect(self._on_job_failed)
        self.export_jobs.finished.connect(self._on_job_finished)
        self.export_jobs.failed.connect(self._on_job_failed)

    # --- construction ---------------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.graph = GraphView()
        self.graph.layer_selected.connect(self._on_layer_selected)
        self.graph.container_toggled.connect(self._toggle_container)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find layer by name…")
        self.search.setObjectName("layerSearch")
        self.search.setToolTip("Find a layer (Ctrl+F): the first match is selected as you type, Enter goes to the "
                               "next one, Esc clears")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_changed)
        self.search.returnPressed.connect(self._find_layer)
        self.search.installEventFilter(self)
        fit = QToolButton()
        fit.setText("Fit")
        fit.clicked.connect(self.graph.fit)
        self.diagnose_button = QPushButton("Diagnose")
        self.diagnose_button.clicked.connect(self.diagnose_again)
        self.diagnose_button.setEnabled(False)
        self.data_label = QLabel()
        self.data_label.setObjectName("dataChoice")
        self.clear_data_button = QToolButton()
        self.clear_data_button.setObjectName("clearData")
        self.clear_data_button.setText("Clear data")
        self.clear_data_button.setToolTip("Forget the dataset: the next diagnosis uses synthetic inputs")
        self.clear_data_button.clicked.connect(self.clear_data)
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(fit)
        bar.addWidget(self.data_label)
        bar.addWidget(self.clear_data_button)
        bar.addWidget(self.diagnose_button)
        self.welcome = QLabel("<h2>keras-inspector</h2><p>Open a model (File ▸ Open model…, Ctrl+O) or drop a "
                              ".keras / .h5 file here.</p><p>Then drop a dataset (.npz, .npy, .csv, .h5, a folder "
                              "of images) to see where the model stops depending on its input.</p>")
        self.welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.welcome.setObjectName("welcome")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.graph)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(4, 4, 4, 4)
        column.addLayout(bar)
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.layer_panel = LayerPanel()
        self.heads_panel = HeadsPanel()
        self.diagnosis_panel = DiagnosisPanel()
        self.diagnosis_panel.layer_clicked.connect(self.select_layer)
        self.layer_dock = self._dock("Layer", self.layer_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.heads_dock = self._dock("Heads", self.heads_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.heads_dock.visibilityChanged.connect(self.heads_panel.on_screen)  # drawn when its tab is raised
        self.tabifyDockWidget(self.layer_dock, self.heads_dock)
        self.layer_dock.raise_()
        self.diagnosis_dock = self._dock("Diagnosis", self.diagnosis_panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.resizeDocks([self.layer_dock], [520], Qt.Orientation.Horizontal)
        self.resizeDocks([self.diagnosis_dock], [320], Qt.Orientation.Vertical)

        self.status = QLabel("Ready")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(260)
        self.progress.setTextVisible(False)  # styles draw it under the fill; the status text says how far
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.statusBar().addWidget(self.status, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)
        self._show_data_choice()

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{title}Dock")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = self._action(file_menu, "&Open model…", self._ask_model, QKeySequence.StandardKey.Open)
        self._action(file_menu, "Open &dataset…", self._ask_dataset, "Ctrl+D")
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self._refresh_recent()
        self._action(file_menu, "Open training &log…", lambda: timeline_view.ask_training_log(self), "Ctrl+L")
        self._action(file_menu, "Compare &with…", self.compare_with)
        file_menu.addSeparator()
        self.export_action = self._action(file_menu, "&Export report as PNG…", self._ask_export, "Ctrl+E")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        run_menu = self.menuBar().addMenu("&Run")
        self._action(run_menu, "&Diagnose", self.diagnose_again, "F5")
        self._action(run_menu, "C&lear dataset", self.clear_data)
        self._action(run_menu, "&Cancel", self.cancel, "Esc")
        view_menu = self.menuBar().addMenu("&View")
        self._action(view_menu, "&Fit graph", self.graph.fit, "Ctrl+0")
        self._action(view_menu, "F&ind layer…", self.focus_search, QKeySequence.StandardKey.Find)
        view_menu.addMenu(self.graph.colour_menu(view_menu))
        view_menu.addMenu(self.graph.arrangement_menu(view_menu))
        self.overlays_action = self.graph.overlays_action  # one action, in View and the graph's context menu
        view_menu.addAction(self.overlays_action)
        view_menu.addSeparator()
        for dock in (self.layer_dock, self.heads_dock, self.diagnosis_dock):
            view_menu.addAction(dock.toggleViewAction())
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&About", lambda: dialogs.show_about(self))

    def _action(self, menu, text: str, slot, shortcut=None) -> QAction:  # noqa: ANN001
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # --- opening ------------------------------------------------------------------------------------------

    def open_model(self, path: str, data: str | None = None) -> None:
        """The one code path behind the menu, recent files, drops and the command line. A dataset belongs to the
        model it was given with: opening a model (even the same one again) starts without one, unless `data`
        comes with it."""
        self.pending_data = data
        self.data_path = os.path.abspath(data) if data else None
        self._show_data_choice()
        self.model_path = os.path.abspath(path)
        self.set_comparison(None)  # a comparison belongs to the model it was made of
        self.trust_code = False
        self.expanded = set()
        self.search.clear()  # a search belongs to the model it was typed for
        self.status.setText(f"Opening {os.path.basename(path)}…")
        from inspector.analysis.remote import open_in_child

        model_path, worker = self.model_path, self.warm
        self.opening = True
        self.drawing.cancel()
        self.jobs.start("open", lambda: open_in_child(model_path, worker=worker))  # h5py holds the GIL: a child

    def open_dataset(self, path: str) -> None:
        if self.opening:  # dropped while its model is still opening: it belongs to that model
            self.pending_data = self.data_path = os.path.abspath(path)
            self._show_data_choice()
            return
        if self.inspection is None:
            self.show_error(InspectorError("open a model first, then its dataset"))
            return
        self.run_diagnosis(path)

    def diagnose_again(self) -> None:
        """Run ▸ Diagnose (F5) and the button: the open model with the dataset shown beside the button."""
        self.run_diagnosis(self.data_path)

    def clear_data(self) -> None:
        self.data_path = None
        self._show_data_choice()
        if self.inspection is not None and not self.jobs.busy and self.diagnosis is None:
            self._show_flags()

    def _data_words(self) -> str:
        return os.path.basename(self.data_path) if self.data_path else "synthetic inputs"

    def _show_data_choice(self) -> None:
        """Beside Diagnose, always: which data the next diagnosis runs, and a way to forget a dataset."""
        if self.data_path:
            self.data_label.setText(f"Data: <b>{os.path.basename(self.data_path)}</b>")
            self.data_label.setToolTip(self.data_path)
        else:
            self.data_label.setText("Data: <i>synthetic inputs</i>")
            self.data_label.setToolTip("No dataset: Diagnose runs standard-normal inputs (text models: sentences "
                                       "from their own vocabulary). Drop a dataset to use your own.")
        self.clear_data_button.setEnabled(bool(self.data_path))
        self.diagnose_button.setToolTip(f"Run {self._data_words()} through the model (F5)")

    def run_diagnosis(self, data: str | None = None, trust: bool | None = None) -> None:
        if self.inspection is None or self.model_path is None:
            self.show_error(InspectorError("open a model first"))
            return
        from inspector.analysis.diagnose import DiagnoseOptions
        from inspector.analysis.remote import diagnose_in_child

        self.data_path = os.path.abspath(data) if data else None
        if trust is None and not self.trust_code:
            from inspector.core.safety import scan_config_for_code

            risks = scan_config_for_code(self.inspection.info)
            if risks and self.confirm_code(risks):
                self.trust_code = True
        trust_code = self.trust_code if trust is None else trust
        options = DiagnoseOptions(data=self.data_path, trust_code=trust_code)
        path, inspection, worker = self.model_path, self.inspection, self.warm
        self._show_data_choice()
        self.drawing.cancel()
        self.diagnosis_panel.show_waiting(f"Running {self._data_words()} through the model…")
        # a child process: TensorFlow never loads into the window's interpreter, so it cannot freeze it
        self.jobs.start("diagnose", lambda: diagnose_in_child(path, options, inspection, worker))

    def cancel(self) -> None:
        if self.jobs.busy:
            self.jobs.cancel()  # the analysis process is ended with its job, and a fresh one warms up
            self.opening = False
            self._drop_preview()
            self.status.setText("Cancelled")
            self.diagnosis_panel.show_waiting("Cancelled. Run ▸ Diagnose (F5) to start again.")

    # --- results ------------------------------------------------------------------------------------------

    def _on_preview(self, kind: str, value: Any) -> None:
        """The graph of a model still opening, drawn while its weights are measured."""
        if kind == "open":
            info, layout = value
            self.previewed = info
            self.stack.setCurrentWidget(self.graph)
            self.graph.set_diagnosis(None, [])
            self.graph.show_graph(info, layout)

    def _on_job_finished(self, kind: str, result: Any) -> None:
        if kind == "drop":
            self._open_dropped(*result)
        elif kind == "open":
            self.opening = False
            inspection, layout = result
            self.inspection = inspection
            self.diagnosis = None
            self.stack.setCurrentWidget(self.graph)
            self.graph.set_diagnosis(None, inspection.findings)
            self.layouts = {frozenset(): layout}
            if self.previewed is not None and self.graph.info is self.previewed:
                # drawn from its preview: the same layers, now with their weights' facts (params) for the tooltips
                self.graph.info = inspection.info
            else:
                self.graph.show_graph(inspection.info, layout)
            self.previewed = None
            self.heads_panel.show_heads(inspection)
            self.layer_panel.show_nothing()
            self.diagnose_button.setEnabled(inspection.info.has_architecture)
            info = inspection.info
            self.setWindowTitle(f"keras-inspector — {os.path.basename(info.path)}")
            self.status.setText(f"{info.model_class or 'weights only'} · {len(info.layers)} layers · "
                                f"{info.params:,} params · {plural(len(inspection.findings), 'flag')} from the weights")
            self._remember(info.path)
            if not info.has_architecture:
                self.layer_panel.show_weights_only(inspection)
            self._show_flags()
            self.model_ready.emit(inspection)
            if info.has_architecture:
                self.warm.warm_up()  # in the background: the first diagnosis does not wait for TensorFlow
            if info.has_architecture and self.pending_data is not None:
                data, self.pending_data = self.pending_data, None
                self.run_diagnosis(data or None)
        elif kind == "diagnose":
            self._show_diagnosis(result)
        elif kind == "export":
            self.status.setText(f"Report written to {result}")
            self.report_written.emit(result)
        elif kind == "relayout":
            key, layout, focus = result
            self.layouts[key] = layout
            if key == frozenset(self.expanded):
                self._draw(layout, focus)

    def _show_diagnosis(self, result: Any) -> None:
        """Each panel in a turn of the event loop of its own, so the window repaints and takes input between
        them; `diagnosis_ready` once all are drawn. A new run or model drops what is left."""
        self.diagnosis = result
        self.status.setText(result.verdict)

        def select() -> None:
            if result.blame:
                self.select_layer(result.blame[0].layer)
            elif self.graph.selected_name():
                self._on_layer_selected(self.graph.selected_name())

        self.drawing.run([lambda: self.graph.set_diagnosis(result),
                          lambda: self.diagnosis_panel.show_diagnosis(result),
                          lambda: self.heads_panel.show_heads(result.inspection, result),
                          select,
                          lambda: self.diagnosis_ready.emit(result)])

    def _on_job_failed(self, kind: str, error: BaseException) -> None:
        if kind == "diagnose" and isinstance(error, UnsafeModelError) and not self.trust_code:
            from inspector.core.safety import scan_config_for_code

            risks = scan_config_for_code(self.inspection.info) if self.inspection else []
            if risks and self.confirm_code(risks):
                self.trust_code = True
                self.run_diagnosis(self.data_path, trust=True)
                return
        self.status.setText(f"Failed: {error}")
        if kind == "open":
            self.opening = False
            self._drop_preview()
            self.pending_data = self.data_path = None
            self._show_data_choice()
        if kind == "diagnose" and isinstance(error, DataError) and self.data_path:
            rejected, self.data_path = os.path.basename(self.data_path), None  # it does not fit: not kept
            self._show_data_choice()
            if self.diagnosis is not None:  # what the graph still shows stays explained beside it
                self.diagnosis_panel.show_diagnosis(self.diagnosis)
                self.status.setText(f"{rejected} was not used: {error}. Shown: the diagnosis on "
                                    f"{os.path.basename(self.diagnosis.data_source) or 'synthetic inputs'}.")
            else:
                self.diagnosis_panel.show_waiting(f"{rejected} was not used: {error}. The next diagnosis uses "
                                                  "synthetic inputs unless you drop another dataset.")
        elif kind == "diagnose":
            self.diagnosis_panel.show_waiting(f"The diagnosis could not run: {error}")
        self.show_error(error)
        self.failed.emit(str(error))

    def _drop_preview(self) -> None:
        """A model drawn from its preview did not open (an error, or Cancel): the graph goes back to the model
        the panels still show, or to the welcome page."""
        if self.previewed is None or self.graph.info is not self.previewed:
            self.previewed = None
            return
        self.previewed = None
        if self.inspection is not None and frozenset() in self.layouts:
            self.expanded = set()
            self.graph.show_graph(self.inspection.info, self.layouts[frozenset()])
            self.graph.set_diagnosis(self.diagnosis, self.inspection.findings)
        else:
            self.graph.clear()
            self.stack.setCurrentWidget(self.welcome)

    def _show_flags(self) -> None:
        """Before any diagnosis, the Diagnosis panel shows what the weights alone told, and which data a
        diagnosis would use."""
        assert self.inspection is not None
        if not self.inspection.info.has_architecture:
            hint = ("This file stores weights only: no graph to run data through. The weight statistics are in "
                    "the Layer panel.")
        else:
            hint = (f"Run ▸ Diagnose (F5) runs {self._data_words()} through the model. Drop a dataset (.npz, "
                    ".npy, .csv, .h5, .txt, a folder of images) on the window or use File ▸ Open dataset… to use "
                    "your own.")
        self.diagnosis_panel.show_flags(self.inspection.findings, hint)

    def confirm_code(self, risks: list) -> bool:
        """Ask before building layers that run code from the file (a method, so tests can answer it)."""
        return dialogs.confirm_trust(self, risks)

    def show_error(self, error: BaseException) -> None:
        self.error_box = dialogs.show_error(self, error)

    def _on_progress(self, stage: str, done: int, total: int) -> None:
        self.status.setText(f"{stage}…" if not total else f"{stage} {done}/{total} ({done / total:.0%})")
        self.progress.setRange(0, total or 0)
        self.progress.setValue(done)

    def _on_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if not busy:
            self.progress.setRange(0, 1)

    # --- comparison ---------------------------------------------------------------------------------------

    def compare_with(self) -> None:
        """File ▸ Compare with…: the comparison opens in a window of its own, and once it is ready the main
        window's graph is coloured by weight change and the Layer panel compares the selected layer too."""
        view = compare_view.ask_compare(self)
        if view is not None:
            view.jobs.finished.connect(self._on_compared)

    def _on_compared(self, kind: str, result: Any) -> None:
        from inspector.report.compare_state import CompareState

        if kind == "comparison" and isinstance(result, CompareState):
            self.set_comparison(result)

    def set_comparison(self, state: Any) -> None:
        """A comparison of the open model (as A) with another checkpoint; None forgets it."""
        if state is not None and (self.model_path is None or os.path.abspath(state.diff.comparison.a.path)
                                  != self.model_path):
            return  # a comparison of a model that is no longer the open one
        self.comparison = state
        self.graph.set_comparison(state)
        if state is None and self.graph.colour_by == "weight_change":
            self.graph.set_colour_by("blame")  # the number went with its comparison
        if state is not None:
            self.graph.set_colour_by("weight_change")
            self.status.setText(f"Compared with {os.path.basename(state.diff.comparison.b.path)}: the graph is "
                                "coloured by weight change (View ▸ Colour by to change it)")
            name = self.graph.selected_name()
            if name:
                self._on_layer_selected(name)

    # --- selection and graph --------------------------------------------------------------------------------

    def select_layer(self, name: str) -> None:
        if self.inspection is None:
            return
        ancestors = self.inspection.info.ancestors(name)
        if name not in self.graph.nodes and not set(ancestors) <= self.expanded:
            self.expanded.update(ancestors)  # show the layer inside its nested models, however deep
            self._relayout(focus=name)
            return
        self.graph.select(name)
        self._on_layer_selected(name)

    def _on_layer_selected(self, name: str) -> None:
        if self.inspection is not None:
            self.layer_panel.show_layer(self.inspection, name, self.diagnosis, self.comparison)
            self.layer_dock.raise_()

    def _toggle_container(self, name: str) -> None:
        if self.inspection is None:
            return
        self.expanded.symmetric_difference_update({name})
        self._relayout(focus=name)

    def _relayout(self, focus: str | None = None) -> None:
        """Lay the graph out again for the current expansions: from the cache, or off the GUI thread."""
        assert self.inspection is not None
        key = frozenset(self.expanded)
        if key in self.layouts:
            self._draw(self.layouts[key], focus)
            return
        inspection = self.inspection

        def steps():  # noqa: ANN202 - generator
            from inspector.progress import Progress

            yield Progress("laying out the graph")
            return key, layout_model(inspection.info, key), focus

        self.layout_jobs.start("relayout", steps)

    def _draw(self, layout: GraphLayout, focus: str | None) -> None:
        assert self.inspection is not None
        self.graph.show_graph(self.inspection.info, layout)
        self.graph.set_levels(levels_for(self.diagnosis))
        if focus and focus in self.graph.nodes:
            self.graph.select(focus)
            self._on_layer_selected(focus)

    # --- search -------------------------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _search_changed(self, text: str) -> None:
        """As you type: the other layers dim, the first match is selected and centred."""
        found = self.graph.filter(text)
        if not text.strip():
            return
        if found:
            self.status.setText(f"{plural(len(found), 'layer')} match '{text.strip()}' (Enter: next)")
            self._on_layer_selected(found[0])
        else:
            self.status.setText(f"No layer matches '{text.strip()}'")

    def _find_layer(self) -> None:
        """Enter in the search box: the next match after the selected one."""
        found = self.graph.matches(self.search.text())
        if not found:
            self.status.setText(f"No layer matches '{self.search.text()}'")
            return
        current = self.graph.selected_name()
        name = found[(found.index(current) + 1) % len(found)] if current in found else found[0]
        self.graph.select(name)
        self._on_layer_selected(name)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """Esc in a search box with text clears it (and is not Run ▸ Cancel); in an empty one it cancels."""
        if watched is self.search and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Escape \
                and self.search.text():
            if event.type() == QEvent.Type.ShortcutOverride:
                event.accept()
                return True
            if event.type() == QEvent.Type.KeyPress:
                self.search.clear()
                return True
        return super().eventFilter(watched, event)

    # --- window geometry ------------------------------------------------------------------------------------

    def _restore_layout(self) -> None:
        """The size, place, docks and dividers of the last run. Size and place are kept as such, not with
        restoreGeometry, which squeezes a window into the screen Qt has (offscreen: 800x800, which made every
        --screenshot after the first one 830 px wide); a place no screen holds any more is dropped."""
        size, pos = self.settings.value("window/size"), self.settings.value("window/pos")
        if isinstance(size, QSize) and size.isValid():
            self.resize(size)
        if isinstance(pos, QPoint) and any(s.availableGeometry().contains(pos) for s in QGuiApplication.screens()):
            self.move(pos)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        direction = self.settings.value("graph/direction", "down")
        self.graph.set_arrangement(direction if direction in ("down", "right") else "down",
                                   self.settings.value("graph/wrap", True) not in (False, "false"))
        self.graph.arrangement_changed.connect(self._remember_arrangement)
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None and QGuiApplication.platformName() != "offscreen":  # offscreen's 800x800 is no screen
            room = screen.availableGeometry()  # a window taller than the screen hides its status bar below it
            self.resize(min(self.width(), room.width()), min(self.height(), room.height()))
        if self.settings.value("window/maximized") in (True, "true"):
            self.setWindowState(Qt.WindowState.WindowMaximized)

    keep_layout = True  # False for a --screenshot run, whose fixed size is not the user's layout

    def _remember_arrangement(self, direction: str, wrap: bool) -> None:
        self.settings.setValue("graph/direction", direction)
        self.settings.setValue("graph/wrap", wrap)

    def save_layout(self) -> None:
        if not self.keep_layout:
            return
        maximized = self.isMaximized()
        self.settings.setValue("window/maximized", maximized)
        if not maximized:  # a maximized window keeps the size it is restored to
            self.settings.setValue("window/size", self.size())
            self.settings.setValue("window/pos", self.pos())
        self.settings.setValue("window/state", self.saveState())
        self.settings.sync()

    # --- files ----------------------------------------------------------------------------------------------

    def _ask_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open Keras model", "", "Keras models (*.keras *.h5 *.hdf5)")
        if path:
            self.open_model(path)

    def _ask_dataset(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open dataset", "",
                                              "Datasets (*.npz *.npy *.csv *.tsv *.txt *.h5 *.hdf5);;All files (*)")
        if path:
            self.open_dataset(path)

    def _ask_export(self) -> None:
        if self.diagnosis is None:
            self.show_error(InspectorError("nothing to export yet: run a diagnosis first (drop a dataset or F5)"))
            return
        default = os.path.splitext(os.path.basename(self.model_path or "model"))[0] + "-diagnosis.png"
        path, _ = QFileDialog.getSaveFileName(self, "Export report as PNG", default, "PNG images (*.png)")
        if path:
            self.export_report(path)

    def export_report(self, path: str) -> None:
        """The report, with the graph as the window colours it, drawn on a worker thread (QPainter on an image
        may run there); `report_written` once the file is there, a dialog if it cannot be written."""
        from inspector.output import check_output_path

        try:
            check_output_path(path, [self.model_path or "", self.data_path or ""])
        except InspectorError as exc:
            self.show_error(exc)
            return
        diagnosis, metric = self.diagnosis, self.graph.shown_metric()
        self.status.setText(f"Drawing the report for {path}…")

        def steps():  # noqa: ANN202 - generator
            from inspector.output import write_atomic
            from inspector.progress import Progress
            from inspector.report.render import render_png

            yield Progress("drawing the report")
            write_atomic(path, render_png(diagnosis, metric))
            return path

        self.export_jobs.start("export", steps)

    def _remember(self, path: str) -> None:
        recent = [p for p in self._recent() if p != path]
        self.settings.setValue("recent", [path, *recent][:MAX_RECENT])
        self._refresh_recent()

    def _recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in value or []]

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        entries = self._recent()
        for path in entries:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.open_model(p))
        self.recent_menu.setEnabled(bool(entries))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not paths:
            return
        event.acceptProposedAction()
        self.open_paths(paths)

    def open_paths(self, paths: list[str]) -> None:
        """Files dropped (or given) together: a training log opens its timeline; else the first model is opened,
        with the first dataset if any."""
        logs = [p for p in paths if timeline_view.is_training_log(p)]
        if logs:
            timeline_view.open_training_log(self, logs[0])
            return
        if any(needs_a_look(p) for p in paths):  # opening an HDF5 file can hang on a hostile one: not here
            from inspector.analysis.remote import sort_in_child

            worker = self.warm
            self.jobs.start("drop", lambda: sort_in_child(paths, worker))
            return
        self._open_dropped([p for p in paths if Path(p).suffix.lower() == ".keras" and not Path(p).is_dir()],
                           [p for p in paths if Path(p).suffix.lower() != ".keras" or Path(p).is_dir()])

    def _open_dropped(self, models: list[str], data: list[str]) -> None:
        if models:
            self.open_model(models[0], data[0] if data else None)
        elif data:
            self.open_dataset(data[0])

    def closeEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt API
        self.save_layout()
        self.drawing.cancel()
        self.layout_jobs.cancel()
        self.jobs.cancel()
        self.warm.close()  # the analysis process ends with the window, even in the middle of a job
        self.jobs.wait(10_000)
        super().closeEvent(event)
