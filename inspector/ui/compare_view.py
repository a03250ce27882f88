"""Two checkpoints side by side in the window: A's graph coloured by how much each layer's weights moved in B (a
continuous scale with its legend), the first layer where B's signal departs from A's marked, and for the selected
layer its weight change, cosine and, with data, the spread of A against B. What is shown comes from
`report.compare_state`; this module only draws it.

The main window calls `ask_compare(window)` (File ▸ Compare with…): A is the model open in the window, B the file
chosen, and the data the window's dataset. With data both models run on it in a child process (TensorFlow never
loads into the window's interpreter); without, the weights are compared on a worker thread.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from inspector import palette
from inspector.errors import InspectorError
from inspector.report.compare_state import CompareState, compare_steps, state_of
from inspector.ui import dialogs
from inspector.ui.panels_common import Column, table
from inspector.ui.plots import HistogramPlot, SpreadPlotWidget
from inspector.ui.timeline_view import HostedView, show_beside


def ask_compare(window: Any) -> CompareView | None:
    """File ▸ Compare with…: the window's model is A; B is asked for; the window's dataset, if any, is used."""
    a = getattr(window, "model_path", None)
    if not a:
        dialogs.show_error(window, InspectorError("open a model first: it is checkpoint A of the comparison"))
        return None
    path, _ = QFileDialog.getOpenFileName(window, f"Compare {os.path.basename(a)} with", os.path.dirname(a),
                                          "Keras models (*.keras *.h5 *.hdf5)")
    return compare_with(window, path, getattr(window, "data_path", None)) if path else None


def compare_with(window: Any, path_b: str, data: str | None = None, path_a: str | None = None) -> CompareView:
    """A new window of the application comparing A (`path_a`, else the window's model) with B."""
    a = path_a or getattr(window, "model_path", None)
    if not a:
        raise InspectorError("open a model first: it is checkpoint A of the comparison")
    view = CompareView(window)
    show_beside(view, window)
    view.load(a, path_b, data)
    return view


class CompareView(HostedView):
    """Takes a `CheckpointDiff` (`show_diff`, with or without data) or two paths (`load`, off the GUI thread)."""

    failure = "could not run"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("compareView", "keras-inspector — comparison", parent)
        self.state: CompareState | None = None
        self.headline.setText("Compare two checkpoints of a model.")
        self.panel = Column()
        self.panel.setObjectName("compareLayerPanel")
        self.plot: SpreadPlotWidget | None = None
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.graph)
        self.splitter.addWidget(self.panel)
        box = QVBoxLayout(self)
        box.setContentsMargins(6, 6, 6, 6)
        box.addWidget(self.headline)
        box.addWidget(self.strip)
        box.addWidget(self.splitter, 1)
        self._show_panel()

    def load(self, path_a: str, path_b: str, data: str | None = None) -> None:
        a, b = os.path.abspath(path_a), os.path.abspath(path_b)
        self.setWindowTitle(f"keras-inspector — {os.path.basename(a)} vs {os.path.basename(b)}")
        self.headline.setText(f"Comparing {a} (A) with {b} (B)" + (f" on {data}" if data else "") + "…")
        if data:
            from inspector.analysis.remote import run_in_child

            data = os.path.abspath(data)
            self.jobs.start("comparison", lambda: run_in_child(compare_steps, a, b,
                                                            data, None))
        else:
            self.jobs.start("comparison", lambda: compare_steps(a, b))

    def show_diff(self, diff: Any, data: str | None = None) -> None:
        """Draw a `CheckpointDiff` (laying out A's graph here, on the GUI thread) or a ready `CompareState`."""
        state = diff if isinstance(diff, CompareState) else state_of(diff, data=data)
        self.state = state
        c = state.diff.comparison
        self.setWindowTitle(f"keras-inspector — {os.path.basename(c.a.path)} vs {os.path.basename(c.b.path)}")
        self.headline.setText(f"<b>{state.headline()}</b><br>{state.diff.sentence()}")
        first = state.first_divergent
        self.graph.legend_note = (f"<b style='color:{palette.BLAME}'>▢</b>&nbsp;first&nbsp;layer&nbsp;where&nbsp;"
                                  "B's&nbsp;signal&nbsp;departs" if state.with_data else "")
        self.graph.set_marks({first: "B departs from A here"} if first else {})
        self.graph.show_graph(c.a, state.layout)
        self.graph.set_comparison(state)  # A's nodes by weight change, the graph's one colouring rule
        self.graph.set_colour_by("weight_change")
        self.selected = None
        if first in self.graph.nodes:
            self.graph.select(first)
        else:
            top = max(state.rows.values(), key=lambda r: r.weight_change or 0.0, default=None)
            if top is not None and top.name_a in self.graph.nodes:
                self.graph.select(top.name_a)
        self._show_panel()

    def select_layer(self, name: str) -> None:
        if self.state is not None and name in self.state.rows:
            self.selected = name
        elif self.state is not None:
            self.selected = None
        self._show_panel(name)

    def _show_panel(self, clicked: str | None = None) -> None:
        self.panel.clear()
        self.plot = None
        state = self.state
        if state is None:
            self.panel.label("<i>Waiting for the comparison…</i>")
            self.panel.finish()
            return
        name = self.selected
        if name is None:
            why = "only in A: no layer of B matches it" if clicked in state.diff.comparison.unmatched_a else \
                "nothing to compare (no weights)"
            self.panel.label(f"<h3>{clicked or ''}</h3>{why if clicked else 'Select a layer in the graph.'}",
                             "compareLayerTitle")
        else:
            row = state.rows[name]
            node = self.graph.nodes.get(name)
            colour = node.look.fill if node is not None else palette.LEVELS["static"][0]
            mark = (f"<br><b style='color:{palette.BLAME}'>The first layer where B's signal departs from A's: "
                    f"{state.diff.why}</b>" if name == state.first_divergent else "")
            self.panel.label(f"<h3><span style='color:{colour}'>■</span> {name} ↔ {row.name_b}</h3>"
                             f"<b>{row.class_name}</b>, matched by {row.matched_by}{mark}", "compareLayerTitle")
            self.panel.add(table(["", "A", "B"], [list(r) for r in state.detail_rows(name)], "compareNumbers"))
        self._spread_plot()
        if name is not None and (state.rows[name].tensors or state.rows[name].unmatched_tensors):
            self.panel.add(table(["weight", "shape", "change", "cosine"], state.tensor_rows(name), "compareTensors"))
        for head in self.state.head_panels()[:6]:
            plot = HistogramPlot(height=160)
            plot.setObjectName("compareHead")
            plot.show_panel(head)
            self.panel.add(plot)
        self._lists()
        self.panel.finish()

    def _spread_plot(self) -> None:
        assert self.state is not None
        plot = self.state.spread_plot()
        if plot is None:
            self.panel.label("<i>Without data only the weights are compared. Open a dataset in the window, then "
                             "compare again, to see the spread of A against B on it.</i>", "compareNoData")
            return
        widget = SpreadPlotWidget()
        widget.setObjectName("compareSpreadPlot")
        widget.setMinimumHeight(240)
        widget.setMaximumHeight(320)
        widget.show_plot(plot)
        widget.cursor.setMovable(False)
        position = self.state.position(self.selected) if self.selected else None
        widget.cursor.setVisible(position is not None)
        if position is not None:
            widget.cursor.setValue(float(position))
        self.plot = widget
        self.panel.add(widget)

    def _lists(self) -> None:
        assert self.state is not None
        c = self.state.diff.comparison
        parts = []
        for side, names in (("A", c.unmatched_a), ("B", c.unmatched_b)):
            if names:
                parts.append(f"<b>only in {side}:</b> " + ", ".join(names[:20]) + (" …" if len(names) > 20 else ""))
        if c.heads:
            parts.append("<b>heads</b> (their own layers' weight change): " + ", ".join(
                f"{h} {v['weight_change']:.3g}" if v.get("weight_change") is not None else f"{h} –"
                for h, v in c.heads.items()))
        parts += [f"<i>{n}</i>" for n in [*c.notes, *self.state.diff.notes]]
        if parts:
            self.panel.label("<br>".join(parts), "compareLists")

    def _on_loaded(self, kind: str, state: CompareState) -> None:
        self.show_diff(state)

    def showEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt API
        super().showEvent(event)
        self.splitter.setSizes([int(self.width() * 0.55), int(self.width() * 0.45)])

