"""The selected layer: what it is, its weights (table and histograms), and what the data showed of it."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QPlainTextEdit, QWidget

from inspector.core.inspection import Inspection
from inspector.report.text_out import format_shape
from inspector.ui.panels_common import Column, fmt, table
from inspector.ui.plots import HistogramPlot


class LayerPanel(Column):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.current: str | None = None
        self.plots: list[HistogramPlot] = []
        self.show_nothing()

    def show_nothing(self) -> None:
        self.clear()
        self.current = None
        self.label("<i>Select a layer in the graph.</i>")
        self.finish()

    def show_layer(self, inspection: Inspection, name: str, diagnosis=None, comparison=None) -> None:  # noqa: ANN001
        info = inspection.info
        layer = info.layers.get(name)
        if layer is None:
            self.show_nothing()
            return
        self.clear()
        self.current = name
        self.plots = []
        inbound = ", ".join(layer.inbound) or "–"
        extra = f" · called {layer.calls}×" if layer.calls > 1 else ""
        self.label(f"<h3>{name}</h3><b>{layer.class_name}</b> · output {format_shape(layer.output_shape)} · "
                   f"{layer.params:,} params{extra}<br>inputs: {inbound}"
                   + ("" if layer.builtin else "<br><i>custom layer: shown, never executed</i>"), "layerTitle")
        if comparison is not None:  # what the graph is coloured by after a comparison: first
            self._compared(comparison, name)
        stats = inspection.layer_stats(name)
        if stats:
            rows = [[ref.name, format_shape(ref.shape), fmt(s.mean), fmt(s.std), fmt(s.min), fmt(s.max),
                     fmt(s.mean_abs), f"{s.zero_fraction:.1%}", str(s.nan_count + s.inf_count), fmt(s.l2_norm)]
                    for ref, s in stats]
            self.add(table(["weight", "shape", "mean", "std", "min", "max", "mean |w|", "zeros", "NaN/Inf", "L2"],
                           rows, "weightTable"))
            for ref, s in stats[:6]:
                plot = HistogramPlot(f"{ref.name} {format_shape(ref.shape)}")
                plot.show_histogram(s.histogram, x_label="weight", y_label="weights")
                self.plots.append(plot)
                self.add(plot)
        if diagnosis is not None:
            self._measured(diagnosis, name)
        findings = [f for f in (diagnosis.findings if diagnosis else inspection.findings) if f.layer == name]
        if findings:
            self.label("<b>Findings</b><br>" + "<br>".join(
                f"<span style='color:{_colour(f.severity)}'>{f.severity}</span> {f.kind}: {f.message}"
                + (f"<br><i>fix: {f.fix}</i>" if f.fix else "") for f in findings), "layerFindings")
        config = QPlainTextEdit(json.dumps(layer.config, indent=1, default=str)[:20000])
        config.setReadOnly(True)
        config.setMinimumHeight(160)
        config.setObjectName("layerConfig")
        self.label("<b>Config</b>")
        self.add(config)
        self.finish()

    def show_weights_only(self, inspection: Inspection) -> None:
        """A weights-only file has no layers to select: the whole weight tree is the panel."""
        self.clear()
        info = inspection.info
        rows = []
        for ref in info.weight_tree:
            s = inspection.weight_stats.get(ref.path)
            rows.append([ref.path, format_shape(ref.shape), fmt(s.mean) if s else "–", fmt(s.std) if s else "–",
                         f"{s.zero_fraction:.1%}" if s else "–", str(s.nan_count + s.inf_count) if s else "–"])
        self.label(f"<h3>{len(rows)} weight arrays, no architecture</h3>{info.notes[0] if info.notes else ''}")
        self.add(table(["path", "shape", "mean", "std", "zeros", "NaN/Inf"], rows, "weightTree"))
        self.finish()

    def _measured(self, diagnosis, name: str) -> None:  # noqa: ANN001
        measure = diagnosis.layers.get(name)
        if measure is None:
            reason = "not run (left out)" if name in diagnosis.left_out else "not measured"
            self.label(f"<b>On the data:</b> {reason}")
            return
        a = measure.activation
        parts = [f"relative spread across samples {fmt(a.relative_spread)}", f"mean {fmt(a.stats.mean)}",
                 f"std {fmt(a.stats.std)}"]
        if a.dead_fraction is not None:
            parts.append(f"dead units {a.dead_fraction:.0%}")
        if a.saturated_fraction is not None:
            parts.append(f"saturated units {a.saturated_fraction:.0%}")
        parts.append(f"gradient RMS: weights {fmt(measure.weight_grad)}, output {fmt(measure.output_grad)}")
        blame = next((b for b in diagnosis.blame if b.layer == name), None)
        from inspector.report.content import data_words

        text = "<b>On the data</b> (" + data_words(diagnosis) + \
            f", {diagnosis.samples} samples):<br>" + " · ".join(parts)
        if blame:
            text += f"<br><b>blame score {blame.score:.1f}</b>: {'; '.join(blame.reasons)}"
            if blame.check:
                text += f"<br>check: {blame.check}"
        self.label(text, "layerMeasured")
        plot = HistogramPlot("activations on the data")
        plot.show_histogram(a.stats.histogram, alert=bool(blame), x_label="activation", y_label="values")
        self.plots.append(plot)
        self.add(plot)


    def _compared(self, state, name: str) -> None:  # noqa: ANN001 - report.compare_state.CompareState
        """After File ▸ Compare with…: this layer in A (the open model) against B, and with data the spread of
        every layer in A and B with this one marked."""
        import os

        from inspector.ui.plots import SpreadPlotWidget

        b = os.path.basename(state.diff.comparison.b.path)
        if name not in state.rows:
            why = "only in A" if name in state.diff.comparison.unmatched_a else "no weights to compare"
            self.label(f"<b>Compared with {b}:</b> {why}", "layerCompared")
            return
        self.label(f"<b>Compared with {b}</b> (A: this model)", "layerCompared")
        self.add(table(["", "A", "B"], [list(r) for r in state.detail_rows(name)], "layerCompareTable"))
        plot = state.spread_plot()
        if plot is None:
            self.label("<i>Weights only: compare again with a dataset open to see the spread of A against B.</i>")
            return
        widget = SpreadPlotWidget(cursor=True)
        widget.setObjectName("layerCompareSpread")
        widget.setMinimumHeight(220)
        widget.show_plot(plot)
        widget.cursor.setMovable(False)
        position = state.position(name)
        widget.cursor.setVisible(position is not None)
        if position is not None:
            widget.cursor.setValue(float(position))
        self.plots.append(widget)
        self.add(widget)


def _colour(severity: str) -> str:
    from inspector.palette import SEVERITY, TEXT

    return SEVERITY.get(severity, TEXT)
