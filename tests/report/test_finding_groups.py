"""Repeated findings are one row in the text, the report and the window: same kind, severity, fix and evidence on
many layers (the layers after the one that died all 'dead'), folded where the first one stood."""

from __future__ import annotations

from inspector.core.model import Finding
from inspector.report.content import group_findings
from inspector.report.text_out import finding_lines


def _dead(layer: str, fraction: float, units: int = 8) -> Finding:
    return Finding("dead_units", "error" if fraction == 1 else "warning", layer,
                   f"{layer}: {fraction:.0%} of its {units} ReLU units output 0 for every sample",
                   {"dead_fraction": fraction, "units": units, "samples": 256}, "lower the learning rate")


def test_alike_findings_fold_into_the_first_ones_place_and_different_words_do_not():
    findings = [_dead("d1", 0.75), *[_dead(f"d{i}", 1.0) for i in range(2, 20)], _dead("d20", 0.75),
                Finding("constant_output", "error", "out", "head 'out' is collapsed", {"std": 0.0}),
                _dead("wide", 1.0, units=64)]
    groups = group_findings(findings)
    assert [(g.kind, len(g.members)) for g in groups] == [("dead_units", 2), ("dead_units", 18),
                                                          ("constant_output", 1), ("dead_units", 1)]
    dead = groups[1]
    assert dead.layers[:2] == ["d2", "d3"] and dead.where() == "d2, d3, d4 and 15 more"
    assert dead.message == "100% of its 8 ReLU units output 0 for every sample"  # no one layer's name in front
    assert groups[3].message.startswith("wide: ")  # alone: said as it is
    assert group_findings([]) == []
    heads = [Finding("constant_output", "error", h, f"head '{h}' is collapsed", {"std": 0.0}) for h in ("a", "b")]
    assert len(group_findings(heads)) == 2  # the same evidence, but each names its head: two rows
    near = [_dead("s1", 0.951), _dead("s2", 0.9511)]  # the same words ("95%"): one row
    assert [len(g.members) for g in group_findings(near)] == [2]


def test_the_text_output_folds_by_the_same_rule():
    lines = finding_lines([_dead(f"d{i}", 1.0) for i in range(5)])
    assert lines == ["  ERROR   dead_units ×5 [d0, d1, d2 and 2 more]: 100% of its 8 ReLU units output 0 for every "
                     "sample"]
