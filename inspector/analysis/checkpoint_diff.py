"""Two checkpoints on the same data: per matched layer the across-sample spread of A and of B, dead and saturated
units of both, how far B's outputs are from A's, and the first layer where B's signal departs from A's."""

from __future__ import annotations

import os
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inspector.analysis.capture import capture_steps
from inspector.analysis.datasets import check_against, load_dataset
from inspector.analysis.diagnose import judge
from inspector.analysis.results import Diagnosis
from inspector.core.catalogue import threshold
from inspector.core.compare import Comparison, compare_models
from inspector.core.inspection import inspect_steps
from inspector.progress import Progress


@dataclass
class CheckpointDiff:
    comparison: Comparison
    diagnosis_a: Diagnosis | None = None
    diagnosis_b: Diagnosis | None = None
    divergence: dict[str, float] = field(default_factory=dict)  # A's layer -> |B - A| / |A| of its outputs
    first_divergent_layer: str | None = None
    why: str = ""

    @property
    def notes(self) -> list[str]:
        """What each run noted (synthetic data, translated layers, ...), said of A or of B."""
        return [f"{side}: {note}" for side, d in (("A", self.diagnosis_a), ("B", self.diagnosis_b))
                if d is not None for note in d.notes]

    def sentence(self) -> str:
        c = self.comparison
        changed = max((x for x in c.layers if x.weight_change is not None), key=lambda x: x.weight_change or 0,
                      default=None)
        parts = [f"{len(c.layers)} layers matched, {len(c.unmatched_a)} only in A, {len(c.unmatched_b)} only in B."]
        if changed is not None:
            parts.append(f"Largest weight change: {changed.name_a} ({changed.weight_change:.3g}x of its norm).")
        if self.diagnosis_a is not None:
            parts.append(f"First layer where B departs from A: {self.first_divergent_layer} ({self.why})."
                         if self.first_divergent_layer else "B's signal follows A's in every matched layer.")
        return " ".join(parts)


def diff_steps(path_a: str | os.PathLike[str], path_b: str | os.PathLike[str], data: str | None = None,
               max_samples: int | None = None) -> Generator[Progress, None, CheckpointDiff]:
    inspection_a = yield from inspect_steps(path_a)
    inspection_b = yield from inspect_steps(path_b)
    result = CheckpointDiff(compare_models(inspection_a.info, inspection_b.info))
    if data is None:
        return result
    runs = []
    for inspection in (inspection_a, inspection_b):
        info = inspection.info
        ds = load_dataset(data, info.input_specs, info.outputs)
        try:
            check_against(ds, info.input_specs, info.outputs)
            capture = yield from capture_steps(info, ds, max_samples=max_samples)
            runs.append((judge(inspection, ds, capture), capture))
        finally:
            ds.close()
    (result.diagnosis_a, capture_a), (result.diagnosis_b, capture_b) = runs
    result.divergence = _divergence(result.comparison, capture_a, capture_b)
    result.first_divergent_layer, result.why = _first_divergent(result)
    capture_a.runner = capture_b.runner = None
    return result


def _divergence(c: Comparison, capture_a: Any, capture_b: Any) -> dict[str, float]:
    if capture_a.runner is None or capture_b.runner is None or capture_a.first_batch is None:
        return {}
    acts_a, _ = capture_a.runner.forward(capture_a.first_batch)
    acts_b, _ = capture_b.runner.forward(capture_a.first_batch)  # the same samples through both
    out = {}
    for layer in c.layers:
        a, b = acts_a.get(layer.name_a), acts_b.get(layer.name_b)
        if a is None or b is None or a.shape != b.shape or a.dtype.kind != "f":
            continue
        scale = float(np.linalg.norm(a))
        out[layer.name_a] = float(np.linalg.norm(b.astype(np.float64) - a)) / scale if scale > 0 else float("inf")
    return out


def _first_divergent(r: CheckpointDiff) -> tuple[str | None, str]:
    """The first matched layer (in A's order) whose spread in B is dead while A's is not; else the layer whose
    outputs depart most from A's relative to their scale, when that departure is material (> 50 %)."""
    dead = threshold("dead_spread")
    assert r.diagnosis_a is not None and r.diagnosis_b is not None
    la, lb = r.diagnosis_a.layers, r.diagnosis_b.layers
    for change in r.comparison.layers:
        if change.name_a in la and change.name_b in lb:
            sa = la[change.name_a].activation.relative_spread
            sb = lb[change.name_b].activation.relative_spread
            if sb < dead <= sa:
                return change.name_a, f"its relative spread is {sb:.2g} in B, {sa:.2g} in A"
    if r.divergence:
        name = max(r.divergence, key=lambda n: r.divergence[n])
        if r.divergence[name] > 0.5:
            first = next(n for n in r.divergence if r.divergence[n] >= 0.5 * r.divergence[name])
            return first, f"its outputs differ from A's by {r.divergence[first]:.2g}x their scale"
    return None, ""
