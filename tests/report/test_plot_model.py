"""The spread plots' one model (report.plot_model), without Qt: the log axis keeps exact zeros on a row of their
own, unmeasured points are gaps, ticks are thinned and shortened once, and the marks and legends say what the
painters draw."""

from __future__ import annotations

import math
import sys
from types import SimpleNamespace

from inspector.report import plot_model
from inspector.report.plot_model import LINE_COLOURS, TICK_CHARS, Line, LogAxis, short, thin
from inspector.training_log import Timeline


def test_zeros_get_the_floor_row_and_the_y_ticks_are_thinned_from_the_top():
    axis = LogAxis.over([0.0, 0.02, 5.0, None], (1e-3,))
    assert (axis.floor, axis.top) == (-4, 1)
    assert axis.y(0.0) == -4.0 and axis.y(100.0) == 2.0
    assert math.isnan(axis.y(None)) and math.isnan(axis.y(math.nan)) and math.isnan(axis.y(math.inf))
    assert axis.ticks() == [(-4.0, "0"), (-3.0, "1e-3"), (-2.0, "1e-2"), (-1.0, "1e-1"), (0.0, "1e0"), (1.0, "1e1")]
    lo, hi = axis.span()
    assert lo < axis.floor and hi > axis.top  # no point on the frame

    wide = LogAxis.over([0.0, 3e-13, 40.0])
    ticks = wide.ticks(most=8)
    assert len(ticks) <= 8 and ticks[0] == (float(wide.floor), "0") and ticks[-1] == (float(wide.top), f"1e{wide.top}")
    assert LogAxis.over([None, 0.0]) == LogAxis(-7, 1)  # nothing positive: a default range, still a zero row


def test_an_unmeasured_point_breaks_the_line_and_is_not_a_point():
    nan = math.nan
    line = Line("l", [0.0, 1.0, 2.0, 3.0, 4.0], [1.0, nan, 2.0, 3.0, nan], alerts=[False, False, True, False, False])
    assert line.runs() == [[(0.0, 1.0)], [(2.0, 2.0), (3.0, 3.0)]]
    assert line.points() == [(0.0, 1.0, False), (2.0, 2.0, True), (3.0, 3.0, False)]


def test_ticks_are_thinned_keeping_the_first_and_the_last():
    ticks = [(float(i), str(i)) for i in range(59)]
    chosen = thin(ticks, 12)
    assert len(chosen) <= 12 and chosen[0] == ticks[0] and chosen[-1] == ticks[-1]
    assert len({x for x, _ in chosen}) == len(chosen)
    gaps = [b[0] - a[0] for a, b in zip(chosen, chosen[1:], strict=False)]
    assert len(set(gaps[:-1])) == 1 and gaps[0] / 2 <= gaps[-1] <= gaps[0]  # a regular step, the last no closer
    assert thin(ticks[:5], 12) == ticks[:5]
    assert all(len(thin(ticks[:n], most)) <= most for n in range(2, 59) for most in range(2, 14))


def test_long_layer_names_keep_what_tells_them_apart():
    names = [f"dense_block_{i:02d}_relu" for i in range(30, 33)] + ["encoder_block_00_dense", "outer/functional_4/x"]
    labels = [short(n) for n in names]
    assert all(len(label) <= TICK_CHARS for label in labels)
    assert len(set(labels[:3])) == 3 and labels[0].endswith("30_relu") and "…" in labels[0]
    assert labels[3] == "encoder…00_dense" and labels[4] == "x"
    assert short("averyveryverylongnamewithoutseparators") == "averyver…arators"


def _diagnosis(spreads: list[float]):
    names = [f"layer_{i}" for i in range(len(spreads))]
    layers = {n: SimpleNamespace(activation=SimpleNamespace(relative_spread=v)) for n, v in zip(names, spreads, strict=True)}
    return SimpleNamespace(order=names, layers=layers, thresholds={"dead_spread": 1e-3})


def test_a_diagnosis_plot_alerts_the_dead_layers_and_marks_where_the_signal_dies():
    plot = plot_model.diagnosis_spread(_diagnosis([0.8, 0.5, 0.2, 0.0, 0.0, 1e-5]))
    (line,) = plot.lines
    assert line.alerts == [False, False, False, True, True, True]
    assert line.ys[3] == plot.axis.floor and plot.threshold == -3.0
    assert plot.mark is not None and plot.mark.x == 3.0 and plot.mark.label == "first dead: layer_3"
    assert plot.mark.label_left  # in the right half: its label goes left of the line
    assert [e.style for e in plot.legend()] == ["point", "dashed"]  # one line: no name to tell apart
    assert [label for _, label in plot.x_ticks()] == [f"layer_{i}" for i in range(6)]
    assert [x for x, _ in plot.x_ticks(3)] == [0.0, 3.0, 5.0]  # where only three fit: thinned, the last kept
    assert plot_model.diagnosis_spread(_diagnosis([0.8, 0.5])).mark is None  # nothing dead: nothing marked


def _timeline(epochs: int = 6, onset: int = 3) -> Timeline:
    layers = [f"layer_{i}" for i in range(12)]
    records = []
    for epoch in range(1, epochs + 1):
        dead = epoch >= onset
        records.append({"epoch": epoch, "heads": {"out": {"std": 0.0 if dead else 2.0, "collapsed": dead,
                                                          "died_in": "layer_5" if dead else None}},
                        "layers": {n: {"relative_spread": 0.0 if dead and n >= "layer_5" else 0.4} for n in layers}})
    header = {"layers": [{"name": n} for n in layers], "outputs": ["out"], "thresholds": {"dead_spread": 1e-3}}
    return Timeline("t.log", header, records, onset_epoch=onset, onset_layer="layer_5", onset_head="out")


def test_a_training_log_plots_the_collapse_layer_first_and_marks_the_epoch():
    t = _timeline()
    layers = plot_model.layer_plot(t, more="in the JSON")
    assert layers.lines[0].name == "layer_5" and layers.lines[0].colour == LINE_COLOURS[0] and layers.lines[0].emphasis
    assert len(layers.lines) == plot_model.MAX_PLOTTED_LAYERS and layers.note == "4 more layers: in the JSON"
    assert layers.mark is not None and layers.mark.x == 3.0 and "epoch 3" in layers.mark.label
    assert not layers.mark.label_left  # epoch 3 of 1..6 is in the left half
    assert layers.x_label == "epoch" and layers.x_ticks()[-1] == (6.0, "6") and len(layers.ticks) == 6
    assert "layer_11" in [line.name for line in plot_model.layer_plot(t, "layer_11").lines]  # the selected one too
    heads = plot_model.head_plot(t)
    assert heads.lines[0].ys[-1] == heads.axis.floor and heads.threshold is None
    assert [e.label for e in heads.legend()] == ["out (collapsed first)"]
    assert plot_model.died_in(t, 4) == {"layer_5": ["out"]} and plot_model.died_in(t, 0) == {}


def test_a_comparison_marks_where_b_departs_and_leaves_gaps_for_unmeasured_layers():
    names = [f"block_{i}" for i in range(10)]
    a = [0.5] * 10
    b = [0.5] * 6 + [0.0, None, 0.0, 0.0]
    plot = plot_model.comparison_spread(names, a, b, 1e-3, "block_6")
    line_a, line_b = plot.lines
    assert line_b.emphasis and not line_a.emphasis and line_a.colour != line_b.colour
    assert math.isnan(line_b.ys[7]) and len(line_b.runs()) == 2
    assert plot.mark is not None and plot.mark.x == 6.0 and plot.mark.label == "B departs: block_6"
    assert [e.label for e in plot.legend()] == ["A", "B", "dead-spread threshold"]
    assert plot_model.comparison_spread(names, a, b, 1e-3, "elsewhere").mark is None
    doc = {"layers": [{"name_a": n, "spread_a": x, "spread_b": y} for n, x, y in zip(names, a, b, strict=True)],
           "first_divergent_layer": "block_6"}
    assert plot_model.comparison_spread_of(doc, 1e-3) == plot


def test_the_model_imports_no_qt():
    import subprocess

    code = ("import sys; import inspector.report.plot_model, inspector.report.content, inspector.report.timeline_state, "
            "inspector.report.compare_state; print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'pyqtgraph')))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_a_nested_models_own_output_comes_after_its_layers():
    from inspector.report.plot_model import _members_first

    order = ["pre", "middle", "middle/a", "middle/inner", "middle/inner/x", "middle/b", "post"]
    assert _members_first(order) == ["pre", "middle/a", "middle/inner/x", "middle/inner", "middle/b", "middle", "post"]
