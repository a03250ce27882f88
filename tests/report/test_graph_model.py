"""What the graph's nodes show, without Qt: the fill for each "colour by" metric, the nested model's worst member,
the histogram and spread bar on each node, and the legend's scale."""

from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from inspector import palette
from inspector.core.stats import Histogram
from inspector.report import graph_model as gm


def _measure(spread: float, dead: float | None = None, saturated: float | None = None, grad: float | None = 1e-3):
    stats = NS(histogram=Histogram([1, 5, 2], [0.0, 1.0, 2.0, 3.0]))
    return NS(activation=NS(relative_spread=spread, dead_fraction=dead, saturated_fraction=saturated, stats=stats),
              weight_grad=grad, output_grad=None)


def _diagnosis():
    layers = {"a": _measure(0.8, 0.0), "b": _measure(1e-6, 0.9), "enc/x": _measure(0.3, 0.2),
              "enc/y": _measure(0.0, 1.0), "t": _measure(0.5, None, 0.4, None)}
    blame = [NS(layer="b", responsible=True), NS(layer="enc/y", responsible=False)]
    return NS(layers=layers, blame=blame, thresholds={"dead_spread": 1e-3})


NAMES = ["inp", "a", "b", "enc", "t"]
CONTAINERS = {"enc": ["enc/x", "enc/y"]}


def test_blame_fills_with_the_levels_and_a_nested_model_takes_its_strongest():
    look = gm.graph_look(NAMES, CONTAINERS, "blame", _diagnosis())
    assert look.nodes["b"].fill == palette.LEVELS["blamed"][0]
    assert look.nodes["enc"].fill == palette.LEVELS["suspect"][0]
    assert look.nodes["inp"].fill == palette.LEVELS["static"][0]
    assert look.nodes["b"].ink == "#ffffff" and look.nodes["inp"].ink == palette.TEXT
    assert look.scale is None and [t for _, t in look.levels] == list(palette.LEVEL_NAMES.values())


def test_spread_colours_the_dead_end_strongest_and_unmeasured_layers_grey():
    look = gm.graph_look(NAMES, CONTAINERS, "spread", _diagnosis())
    scale = look.scale
    assert scale is not None and scale.log and scale.lo <= -6 and scale.hi >= 0
    assert look.nodes["b"].fill != look.nodes["a"].fill
    assert look.nodes["enc"].fill == scale.colour(0.0) == palette.scale_colour(1.0, gm.SPREAD_SCALE)  # worst member
    assert look.nodes["inp"].fill == gm.NO_VALUE and "not measured" in look.nodes["inp"].value
    assert look.nodes["a"].value == "across-sample spread: 0.8"
    assert scale.threshold == 1e-3 and 0 < scale.threshold_position() < 1


def test_fractions_run_from_none_to_all_and_a_nested_model_shows_its_highest():
    look = gm.graph_look(NAMES, CONTAINERS, "dead", _diagnosis())
    assert (look.scale.lo, look.scale.hi) == (0.0, 1.0)
    assert look.nodes["enc"].fill == look.scale.colour(1.0) == palette.scale_colour(1.0, gm.FRACTION_SCALE)
    assert look.nodes["a"].fill == palette.scale_colour(0.0, gm.FRACTION_SCALE)
    assert look.nodes["t"].fill == gm.NO_VALUE  # not a ReLU layer: no dead fraction
    assert look.nodes["b"].value == "dead fraction: 90%"


def test_weight_change_needs_a_comparison_and_falls_back_to_blame_without():
    d = _diagnosis()
    assert gm.graph_look(NAMES, CONTAINERS, "weight_change", d).metric.key == "blame"
    rows = {"a": NS(weight_change=1e-4), "b": NS(weight_change=1.0), "t": NS(weight_change=None)}
    comparison = NS(rows=rows, node_caption=lambda n: "Δw 1 · cos 0.01" if n == "b" else None)
    look = gm.graph_look(NAMES, CONTAINERS, "weight_change", d, comparison)
    assert look.metric.key == "weight_change"
    assert look.nodes["b"].fill == palette.scale_colour(1.0, gm.CHANGE_SCALE)  # the most changed: the strong end
    assert look.scale.lo == 0.0 and look.nodes["b"].caption == "Δw 1 · cos 0.01"  # the comparison's own words
    assert look.nodes["a"].caption == "Δw 0.0001"
    assert look.nodes["a"].fill != look.nodes["b"].fill and look.nodes["t"].fill == gm.NO_VALUE
    assert not gm.available("spread") and gm.available("blame")


def test_nodes_carry_their_histogram_and_spread_bar_on_the_spread_plots_axis():
    look = gm.graph_look(NAMES, CONTAINERS, "blame", _diagnosis())
    a, b, inp = look.nodes["a"], look.nodes["b"], look.nodes["inp"]
    assert a.histogram is not None and a.histogram.counts == [1, 5, 2]
    assert inp.histogram is None and inp.spread_bar is None
    assert 0 <= b.spread_bar < b.dead_mark < a.spread_bar <= 1
    assert b.spread_dead and not a.spread_dead
    lo, hi = gm.spread_axis([0.8, 1e-6, 0.3, 0.0, 0.5], 1e-3)
    assert a.spread_bar == pytest.approx((-0.0969 - lo) / (hi - lo), abs=1e-3)


def test_the_scale_legend_labels_its_ends():
    look = gm.graph_look(NAMES, CONTAINERS, "dead", _diagnosis())
    swatches = look.scale.swatches()
    assert len(swatches) == gm.LEGEND_STEPS
    assert swatches[0] == (palette.scale_colour(0.0, gm.FRACTION_SCALE), "0%")
    assert swatches[-1][1] == "100%"
    log = gm.graph_look(NAMES, CONTAINERS, "spread", _diagnosis()).scale.swatches()
    assert log[0][1] == "0" and log[-1][1].startswith("1e")


def _luminance(colour: str) -> float:
    r, g, b = (int(colour[k:k + 2], 16) / 255 for k in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("key", [k for k in gm.METRICS if k != "blame"])
def test_every_scale_draws_its_bad_end_strongest_and_unlike_a_layer_without_a_value(key):
    m = gm.METRICS[key]
    scale = gm.ColourScale(m.title, 0.0, 1.0, False, m.bad_is_low, m.stops)
    good, bad = (scale.colour(1.0), scale.colour(0.0)) if m.bad_is_low else (scale.colour(0.0), scale.colour(1.0))
    assert _luminance(bad) < _luminance(good) - 0.3  # "a strong colour always means look here"
    assert abs(_luminance(good) - _luminance(gm.NO_VALUE)) > 0.04 or good[1:3] != gm.NO_VALUE[1:3]


def test_availability_needs_a_number_and_unknown_names_say_which_exist():
    d = _diagnosis()
    assert gm.available("dead", d) and gm.available("saturated", d)
    for m in d.layers.values():
        m.weight_grad = None
    assert not gm.available("weight_grad", d)  # no layer has it: nothing to colour by
    with pytest.raises(ValueError, match="choose one of blame, spread"):
        gm.graph_look(NAMES, CONTAINERS, "speed", d)


def test_a_scale_over_equal_values_is_one_swatch_and_log_labels_are_whole_decades():
    rows = {"a": NS(weight_change=0.0), "b": NS(weight_change=0.0)}
    look = gm.graph_look(NAMES, CONTAINERS, "weight_change", _diagnosis(), NS(rows=rows, node_caption=lambda n: None))
    assert look.scale.swatches() == [(look.scale.colour(0.0), "all 0")]
    odd = gm.ColourScale("x", -7.0, 0.0, True, True, gm.SPREAD_SCALE)  # 7 decades: the middle is at -3.5
    assert [t for _, t in odd.swatches() if t] == ["0", "1e0"]
