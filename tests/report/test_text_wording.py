"""The terminal summary counts what it lists: a header "Flags (2):" followed by one grouped line says that the
line stands for two findings."""

from __future__ import annotations

from inspector.core.model import Finding
from inspector.report.text_out import finding_lines


def test_a_grouped_line_says_how_many_findings_it_stands_for():
    findings = [Finding("over_regularization", "warning", name, f"{name}: l2 of 0.5 on the kernel")
                for name in ("dense", "dense_1")]
    lines = finding_lines(findings)
    assert len(lines) == 1
    assert "over_regularization ×2 [dense, dense_1]" in lines[0]


def test_a_single_finding_has_no_count():
    (line,) = finding_lines([Finding("zero_weights", "error", "out", "out: every kernel weight is 0")])
    assert "×" not in line and "zero_weights [out]" in line
