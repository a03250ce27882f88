"""The bug zoo's labels: the schema, the rules that turn measurements into a label, the scoring, and (slow) three
real cases built into a temporary folder whose measured labels show what each case is meant to show."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from zoo.case import CAUSES, all_cases  # noqa: E402
from zoo.label import head_collapsed, head_nearly  # noqa: E402
from zoo.measure import HeadMeasure  # noqa: E402
from zoo.score import score, summarise  # noqa: E402

KEYS = {"name": str, "healthy": bool, "collapsed": bool, "nearly_collapsed": bool, "buggy_layers": list,
        "causes": list, "output_layers": list, "measured": dict, "pattern": str, "notes": str}


def head(ratio: float, share: float | None = None, nan: bool = False) -> HeadMeasure:
    return HeadMeasure("out", "regression" if share is None else "multiclass", "linear", [10, 1], [10, 1],
                       ratio, 1.0, ratio, nan, share, 0.0, None, 0.0, 1.0, 0.0, 1.0, 0.0, None)


def test_the_zoo_has_the_cases_the_issue_asks_for():
    cases = all_cases()
    healthy = [c for c in cases.values() if c.intent.outcome == "healthy"]
    bugs = [c for c in cases.values() if c.intent.outcome != "healthy"]
    assert len(bugs) >= 40 and len(healthy) >= 15
    assert {c.fmt for c in cases.values()} == {"keras", "h5"}
    assert all(set(c.intent.causes) <= CAUSES and c.intent.causes for c in bugs)
    assert all(c.doc for c in cases.values()), "every program says which pattern it follows"


@pytest.mark.parametrize(("measure", "collapsed", "nearly"), [
    (head(0.005), True, False), (head(0.03), False, True), (head(0.5), False, False),
    (head(0.5, share=0.995), True, False), (head(0.5, share=0.95), False, True), (head(0.5, nan=True), True, False),
])
def test_collapse_rules_follow_the_issue(measure, collapsed, nearly):
    assert head_collapsed(measure) is collapsed
    assert head_nearly(measure) is nearly


def label(**over):
    base = {"name": "c", "healthy": False, "collapsed": True, "nearly_collapsed": False, "buggy_layers": ["h2"],
            "causes": ["dead_units"], "expect_warning": None, "output_layers": ["out"],
            "measured": {"collapsed_heads": ["out"]}, "pattern": "dead_units", "notes": ""}
    return {**base, **over}


def test_scoring_reads_blame_findings_and_the_baseline():
    diagnosis = {"collapsed": True, "blame": [{"layer": "out"}, {"layer": "h2"}],
                 "findings": [{"kind": "dead_units", "severity": "warning", "layer": "h2"}]}
    r = score(label(), diagnosis, 0, 3.0, False)
    assert (r.detect_ok, r.top1_ok, r.top3_ok, r.cause_ok, r.baseline_ok) == (True, False, True, True, False)
    healthy = score(label(healthy=True, collapsed=False, buggy_layers=[], causes=[]),
                    {"collapsed": False, "heads": [{"nearly_collapsed": True}], "findings": []}, 0, 1.0, False)
    assert healthy.false_alarm and "nearly" in healthy.false_alarm_why
    crashed = score(label(), None, 1, 2.0, True)
    refused = score(label(), None, 2, 2.0, False)
    s = summarise([r, healthy, crashed, refused])
    assert s.crashes == ["c"] and s.refused == ["c"] and s.top1 == (0, 3) and s.false_alarms == (1, 1)


@pytest.mark.slow
def test_built_cases_are_labelled_as_measured(tmp_path):
    from zoo.build import build

    names = ["softmax_one_unit_binary", "relu_output_partly_negative_fault", "healthy_binary_sigmoid"]
    outcomes = build(names, tmp_path, jobs=2, echo=False)
    assert [o.status for o in outcomes] == ["built"] * 3, [o.detail for o in outcomes]
    labels = {n: json.loads((tmp_path / n / "label.json").read_text()) for n in names}
    for n, lab in labels.items():
        for key, kind in KEYS.items():
            assert isinstance(lab[key], kind), (n, key)
        assert lab["consistent"], (n, lab["problems"])
        assert set(lab["causes"]) <= CAUSES
        assert (tmp_path / n / "data.npz").exists() and list((tmp_path / n).glob("model.*"))
        assert bool(lab["buggy_layers"]) is not lab["healthy"]

    softmax = labels["softmax_one_unit_binary"]
    assert softmax["collapsed"] and softmax["buggy_layers"] == ["out"]
    assert softmax["measured"]["heads"][0]["spread"] == 0.0  # a softmax over one unit is exactly 1.0

    fault = labels["relu_output_partly_negative_fault"]
    assert not fault["collapsed"] and not fault["healthy"]
    assert fault["expect_warning"] == {"kind": "output_range_mismatch", "layer": "out"}
    assert fault["measured"]["heads"][0]["output_min"] >= 0 > fault["measured"]["heads"][0]["target_min"]

    healthy = labels["healthy_binary_sigmoid"]
    assert healthy["healthy"] and not healthy["collapsed"] and healthy["format"] == "h5"
    assert build(names, tmp_path, echo=False)[0].status == "cached"
