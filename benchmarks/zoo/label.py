"""A case's label from what was measured on its saved model: collapsed or not by the issue's own rules, and the
intent (buggy layers, causes) kept only where the measurement shows the bug. Disagreements are listed in
`problems`: the program must change until there are none."""

from __future__ import annotations

from typing import Any

from zoo.case import Case, FirstDead, HoldsNonFinite
from zoo.measure import HeadMeasure, Measured

COLLAPSE_SPREAD = 0.01  # across-sample std under 1 % of the targets' std
NEAR_SPREAD = 0.05
COLLAPSE_SHARE = 0.99  # the same predicted class for >= 99 % of samples
NEAR_SHARE = 0.90
DEAD = 0.9  # a layer is (mostly) dead when this share of its units output 0 for every sample
LEARNED_R2 = 0.5
LEARNED_MARGIN = 0.05  # a classifier learned when its accuracy beats the majority share by this much


def head_collapsed(h: HeadMeasure) -> bool:
    return h.non_finite or h.spread_ratio < COLLAPSE_SPREAD or (h.top_share is not None and h.top_share >= COLLAPSE_SHARE)


def head_nearly(h: HeadMeasure) -> bool:
    if head_collapsed(h):
        return False
    return h.spread_ratio < NEAR_SPREAD or (h.top_share is not None and h.top_share >= NEAR_SHARE)


def head_learned(h: HeadMeasure) -> bool:
    if h.task == "regression":
        return h.quality >= LEARNED_R2
    return h.quality >= min(0.99, (h.majority_share or 0.0) + LEARNED_MARGIN)


def fault_shown(h: HeadMeasure, kind: str) -> bool:
    """Evidence on the data that the output layer cannot do its job, although the output still varies."""
    if kind == "output_range_mismatch":
        return h.unreachable_share >= 0.05
    if kind == "loss_activation_mismatch":
        return (h.row_sum_deviation or 0.0) > 0.05 or h.unreachable_share >= 0.05
    return False


def buggy_layers(case: Case, m: Measured) -> tuple[list[str], list[str]]:
    buggy = case.intent.buggy
    if isinstance(buggy, HoldsNonFinite):
        held = [n for n in buggy.layers if n in m.layers and m.layers[n].weight_non_finite]
        return held, [] if held else [f"no layer of {list(buggy.layers)} holds a non-finite weight"]
    if not isinstance(buggy, FirstDead):
        return list(buggy), []
    for name in buggy.layers:
        layer = m.layers.get(name)
        if layer is not None and layer.dead_fraction >= DEAD:
            return [name], []
    return [], [f"no layer of {list(buggy.layers)} ended dead"]


def cause_problems(case: Case, layers: list[str], m: Measured) -> list[str]:
    """The main cause (the first listed; the others are accepted alternatives) is checked on the buggy layers
    where its evidence sits in a layer, so no label claims what the saved model does not show."""
    problems = [f"buggy layer {n} was not measured" for n in layers if n not in m.layers]
    measured = [m.layers[n] for n in layers if n in m.layers]
    main = case.intent.causes[0] if case.intent.causes else None
    checks = {
        "non_finite": lambda lm: lm.weight_non_finite > 0,
        "dead_units": lambda lm: lm.dead_fraction >= DEAD,
        "zero_weights": lambda lm: lm.kernel_zero_fraction == 1.0 or lm.gamma_max_abs == 0.0,
        "saturation": lambda lm: lm.saturated_fraction >= DEAD,
    }
    if main in checks and not any(checks[main](lm) for lm in measured):
        problems.append(f"no buggy layer shows {main}")
    if main == "identical_heads" and not m.identical_heads:
        problems.append("the heads are not identical")
    return problems


def make_label(case: Case, m: Measured, output_layers: list[str], fmt: str) -> dict[str, Any]:
    intent = case.intent
    collapsed_heads = [h.name for h in m.heads if head_collapsed(h)]
    nearly_heads = [h.name for h in m.heads if head_nearly(h)]
    collapsed = bool(collapsed_heads) or m.identical_heads
    nearly = bool(nearly_heads) and not collapsed
    learned = all(head_learned(h) for h in m.heads)
    fault = intent.warning is not None and any(
        fault_shown(h, intent.warning[0]) for h in m.heads if h.name == intent.warning[1]) and not collapsed
    problems: list[str] = list(m.errors)
    if intent.outcome == "collapsed" and not collapsed:
        problems.append("meant to collapse, measured not collapsed")
    if intent.outcome == "nearly" and not nearly:
        problems.append("meant to be nearly collapsed, measured otherwise")
    if intent.outcome == "fault" and not fault:
        problems.append("meant to show an output fault without collapse, measured otherwise")
    if intent.outcome == "healthy" and (collapsed or nearly or not learned):
        problems.append("meant to be healthy, measured collapsed, nearly collapsed or not learned")
    healthy = not collapsed and not nearly and not fault and learned and intent.outcome == "healthy"
    if healthy:
        layers: list[str] = []
        causes: list[str] = []
    else:
        layers, more = buggy_layers(case, m)
        problems += more + cause_problems(case, layers, m)
        causes = list(intent.causes)
    warning = {"kind": intent.warning[0], "layer": intent.warning[1]} if intent.warning and fault else None
    return {
        "name": case.name, "healthy": healthy, "collapsed": collapsed, "nearly_collapsed": nearly,
        "buggy_layers": layers, "causes": causes, "expect_warning": warning, "output_layers": output_layers,
        "measured": {**m.as_json(), "collapsed_heads": collapsed_heads, "nearly_collapsed_heads": nearly_heads,
                     "learned": learned},
        "pattern": case.pattern, "notes": case.doc, "format": fmt, "intended": intent.outcome,
        "consistent": not problems, "problems": problems,
    }
