"""What a diagnosis hands to the report, the JSON and the window: plain typed data, no TensorFlow, no Qt."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from inspector.analysis.accumulators import ActivationSummary
from inspector.core.catalogue import threshold_values
from inspector.core.inspection import Inspection
from inspector.core.model import Finding, ModelInfo
from inspector.core.stats import TensorStats


@dataclass
class HeadVerdict:
    name: str
    collapsed: bool
    reason: str
    activation: str | None
    stats: TensorStats  # the head's outputs over the data
    relative_spread: float
    std: float  # across-sample std (RMS over the head's output units)
    target_stats: TensorStats | None = None
    class_counts: list[int] | None = None
    top_class_share: float | None = None
    nearly_collapsed: bool = False
    classifier: bool = False  # judged by its argmax (softmax/sigmoid, a categorical loss, or class-label targets)
    output_shape: tuple[int, ...] = ()  # one sample's output
    target_shape: tuple[int, ...] | None = None  # one sample's targets, as given


@dataclass
class HeadPair:
    head_a: str
    head_b: str
    correlation: float | None
    max_abs_diff: float | None  # None when the heads' shapes differ
    identical: bool


@dataclass
class RepairResult:
    """One counterfactual repair run in memory on the measured batch, and what it did to each judged head."""

    repair: str  # a repair of the catalogue (core/catalogue.py REPAIRS)
    action: str  # what was done, in words
    layers: list[str]
    spreads: dict[str, tuple[float, float]]  # head -> (spread before, spread after)
    restored: list[str]  # heads no longer collapsed after the repair

    @property
    def success(self) -> bool:
        return bool(self.restored)

    def sentence(self) -> str:
        change = ", ".join(f"{b:.2g} → {a:.2g}" for b, a in self.spreads.values())
        verdict = f"restored {', '.join(self.restored)}" if self.restored else "not restored"
        return f"{self.action}: output spread {change} ({verdict})"


@dataclass
class BlameEntry:
    layer: str
    score: float
    reasons: list[str]
    role: str = "symptom"  # "cause": why the output cannot vary; "symptom": the spread is already gone above it
    kinds: list[str] = field(default_factory=list)  # the catalogue kinds of its evidence
    responsible: bool = False  # a repair of this layer restored the output (only then is it painted red)
    verified: bool | None = None  # None: no repair applied; False: repairs ran and none restored the output
    check: str = ""  # the counterfactual checks, in words
    repairs: list[RepairResult] = field(default_factory=list)


@dataclass
class LayerMeasure:
    activation: ActivationSummary
    weight_grad: float | None
    output_grad: float | None


@dataclass
class Diagnosis:
    inspection: Inspection
    data_source: str
    synthetic: bool
    samples: int
    batch_size: int
    collapsed: bool
    verdict: str
    heads: list[HeadVerdict]
    pairs: list[HeadPair]
    layers: dict[str, LayerMeasure]
    order: list[str]  # measured layers in topological order (for the spread-by-layer plot)
    findings: list[Finding]
    blame: list[BlameEntry]
    loss: float | None
    loss_kinds: list[str]
    how_built: str
    left_out: list[str]
    notes: list[str] = field(default_factory=list)
    span_repair: RepairResult | None = None  # tried when no single-layer repair restored the output
    thresholds: dict[str, float] = field(default_factory=threshold_values)
    created: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))

    @property
    def info(self) -> ModelInfo:
        return self.inspection.info

    @property
    def nearly_collapsed(self) -> bool:
        return not self.collapsed and any(h.nearly_collapsed for h in self.heads)
