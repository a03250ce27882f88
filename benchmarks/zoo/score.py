"""One diagnosis against one label, and the summary over the zoo. Pure functions over the diagnose JSON, read
defensively (`.get`): the engine's JSON grows while the zoo is used."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

SERIOUS = ("warning", "error")


@dataclass
class CaseResult:
    name: str
    pattern: str
    healthy: bool
    collapsed: bool
    nearly: bool
    expected: list[str]
    causes: list[str]
    exit_code: int | None  # None: timed out
    seconds: float
    traceback: bool
    reported_collapsed: bool | None = None
    blamed: list[str] = field(default_factory=list)
    serious_kinds: list[str] = field(default_factory=list)
    detect_ok: bool = False
    top1_ok: bool | None = None  # None where it does not apply (not collapsed)
    top3_ok: bool | None = None
    cause_ok: bool | None = None  # None for healthy controls
    false_alarm: bool | None = None  # None for bug cases
    false_alarm_why: str = ""
    warning_ok: bool | None = None  # None where no output-fault warning is expected
    baseline_ok: bool | None = None

    @property
    def crashed(self) -> bool:
        return self.exit_code is None or self.exit_code not in (0, 2) or self.traceback

    @property
    def refused(self) -> bool:
        return self.exit_code == 2 and not self.traceback


def baseline_layer(label: dict[str, Any]) -> str | None:
    """'Always blame the output layer': the output layer of the first collapsed head (or the first output when
    only the heads' identity collapsed)."""
    outputs = label.get("output_layers") or []
    heads = label.get("measured", {}).get("collapsed_heads") or []
    if heads:
        return heads[0]
    return outputs[0] if outputs else None


def score(label: dict[str, Any], diagnosis: dict[str, Any] | None, exit_code: int | None, seconds: float,
          traceback: bool) -> CaseResult:
    r = CaseResult(label["name"], label.get("pattern", ""), bool(label["healthy"]), bool(label["collapsed"]),
                   bool(label.get("nearly_collapsed")), list(label.get("buggy_layers") or []),
                   list(label.get("causes") or []), exit_code, seconds, traceback)
    d = diagnosis if exit_code == 0 and isinstance(diagnosis, dict) else {}
    findings = [f for f in d.get("findings") or [] if isinstance(f, dict)]
    serious = [f for f in findings if f.get("severity") in SERIOUS]
    r.reported_collapsed = bool(d.get("collapsed")) if d else None
    r.blamed = [str(b.get("layer")) for b in d.get("blame") or [] if isinstance(b, dict)]
    r.serious_kinds = sorted({str(f.get("kind")) for f in serious})
    r.detect_ok = r.reported_collapsed is not None and r.reported_collapsed == r.collapsed
    if r.collapsed:
        r.top1_ok = bool(r.blamed) and r.blamed[0] in r.expected
        r.top3_ok = any(b in r.expected for b in r.blamed[:3])
        r.baseline_ok = baseline_layer(label) in r.expected
    if r.healthy:
        why = []
        if r.reported_collapsed:
            why.append("collapsed")
        if any(isinstance(h, dict) and h.get("nearly_collapsed") for h in d.get("heads") or []):
            why.append("nearly_collapsed head")
        errors = sorted({str(f.get("kind")) for f in findings if f.get("severity") == "error"})
        if errors:
            why.append("error: " + ",".join(errors))
        if not d:
            why.append("no diagnosis")
        r.false_alarm, r.false_alarm_why = bool(why), "; ".join(why)
    else:
        r.cause_ok = any(k in r.causes for k in r.serious_kinds)
    warning = label.get("expect_warning")
    if warning:
        r.warning_ok = any(f.get("kind") == warning.get("kind") and f.get("layer") == warning.get("layer")
                           and f.get("severity") == "warning" for f in findings)
    return r


def share(values: list[bool | None]) -> tuple[int, int]:
    kept = [v for v in values if v is not None]
    return sum(bool(v) for v in kept), len(kept)


@dataclass
class Summary:
    cases: int
    detect: tuple[int, int]
    top1: tuple[int, int]
    top3: tuple[int, int]
    cause: tuple[int, int]
    false_alarms: tuple[int, int]
    warnings: tuple[int, int]
    baseline_top1: tuple[int, int]
    crashes: list[str]
    refused: list[str]
    mean_seconds: float
    max_seconds: float


def summarise(results: list[CaseResult]) -> Summary:
    seconds = [r.seconds for r in results] or [0.0]
    return Summary(
        len(results), share([r.detect_ok for r in results]), share([r.top1_ok for r in results]),
        share([r.top3_ok for r in results]), share([r.cause_ok for r in results]),
        share([r.false_alarm for r in results]), share([r.warning_ok for r in results]),
        share([r.baseline_ok for r in results]), [r.name for r in results if r.crashed],
        [r.name for r in results if r.refused], sum(seconds) / len(seconds), max(seconds))


def by_pattern(results: list[CaseResult]) -> dict[str, Summary]:
    groups: dict[str, list[CaseResult]] = defaultdict(list)
    for r in results:
        groups[r.pattern].append(r)
    return {p: summarise(rs) for p, rs in sorted(groups.items())}
