"""Two checkpoints side by side, without TensorFlow: which layers match, and how much each weight moved.

Layers are matched by name first (same class), then, among the rest, by position and class in topological order
(a retrained copy renames `dense` to `dense_3`). What does not match is listed, never refused: files of different
architectures are compared where they match.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from inspector.core.model import Layer, ModelInfo
from inspector.core.stats import read_weight


@dataclass
class TensorChange:
    name: str  # the weight's name within its layer (kernel, bias, gamma, ...)
    shape: tuple[int, ...]
    relative_change: float | None  # |B - A| / |A| (Frobenius norms); None when A is all zeros and B is not
    cosine: float | None  # None when either is all zeros
    norm_a: float
    norm_b: float
    max_abs_diff: float


@dataclass
class LayerChange:
    name_a: str
    name_b: str
    class_name: str
    matched_by: str  # "name" or "position"
    tensors: list[TensorChange] = field(default_factory=list)
    unmatched_tensors: list[str] = field(default_factory=list)  # weights whose shapes differ between A and B

    @property
    def weight_change(self) -> float | None:
        """Over all of the layer's matched weights at once: |B - A| / |A|."""
        a = float(np.sqrt(sum(t.norm_a ** 2 for t in self.tensors)))
        diff = float(np.sqrt(sum((t.relative_change or 0.0) ** 2 * t.norm_a ** 2 for t in self.tensors)))
        if not self.tensors:
            return None
        if a == 0:
            return None if any(t.norm_b > 0 for t in self.tensors) else 0.0
        return diff / a

    @property
    def cosine(self) -> float | None:
        """Of all the layer's matched weights as one vector (a zeroed kernel beside an unchanged bias is not 1)."""
        dot = sum((t.cosine or 0.0) * t.norm_a * t.norm_b for t in self.tensors)
        na = float(np.sqrt(sum(t.norm_a ** 2 for t in self.tensors)))
        nb = float(np.sqrt(sum(t.norm_b ** 2 for t in self.tensors)))
        return float(dot / (na * nb)) if na > 0 and nb > 0 else None


@dataclass
class Comparison:
    a: ModelInfo
    b: ModelInfo
    layers: list[LayerChange]
    unmatched_a: list[str]
    unmatched_b: list[str]
    heads: dict[str, dict[str, float | None]]  # head of A -> its own layers' change
    notes: list[str] = field(default_factory=list)

    @property
    def matched(self) -> list[tuple[str, str]]:
        return [(c.name_a, c.name_b) for c in self.layers]


def _comparable(layers: dict[str, Layer]) -> list[Layer]:
    return [layer for layer in layers.values() if layer.class_name != "InputLayer" and not layer.is_container]


def match_layers(a: ModelInfo, b: ModelInfo) -> tuple[list[tuple[str, str, str]], list[str], list[str]]:
    """(name in A, name in B, how), then A's and B's layers left over."""
    order_a = [n for n in a.topological_order() if n in a.layers]
    order_b = [n for n in b.topological_order() if n in b.layers]
    left_a = [n for n in order_a if a.layers[n] in _comparable(a.layers)]
    left_b = [n for n in order_b if b.layers[n] in _comparable(b.layers)]
    pairs = []
    for name in list(left_a):
        if name in left_b and b.layers[name].class_name == a.layers[name].class_name:
            pairs.append((name, name, "name"))
            left_a.remove(name)
            left_b.remove(name)
    for name in list(left_a):  # by position among what is left, class by class
        same = [n for n in left_b if b.layers[n].class_name == a.layers[name].class_name]
        if same:
            pairs.append((name, same[0], "position"))
            left_a.remove(name)
            left_b.remove(same[0])
    rank = {n: i for i, n in enumerate(order_a)}
    pairs.sort(key=lambda p: rank.get(p[0], 10**9))
    return pairs, left_a, left_b


def compare_models(a: ModelInfo, b: ModelInfo) -> Comparison:
    pairs, left_a, left_b = match_layers(a, b)
    changes = [LayerChange(na, nb, a.layers[na].class_name, how) for na, nb, how in pairs]
    if a.source is not None and b.source is not None:
        with a.source.open() as ha, b.source.open() as hb:
            for change in changes:
                _tensors(change, a.layers[change.name_a], b.layers[change.name_b], ha, hb)
    notes = []
    if a.source is None or b.source is None:
        notes.append("one of the files holds no weights: only the structures are compared")
    by_a = {c.name_a: c for c in changes}
    heads = {}
    for head in a.heads:
        own = [by_a[n] for n in head.layers if n in by_a and by_a[n].tensors]
        norm_a = [t.norm_a for c in own for t in c.tensors]
        diff = [(t.relative_change or 0.0) * t.norm_a for c in own for t in c.tensors]
        total = float(np.sqrt(np.sum(np.square(norm_a)))) if norm_a else 0.0
        heads[head.name] = {"layers": len(own), "weight_change": float(np.sqrt(np.sum(np.square(diff)))) / total
                            if total > 0 else None}
    return Comparison(a, b, changes, left_a, left_b, heads, notes)


def _tensors(change: LayerChange, la: Layer, lb: Layer, ha: object, hb: object) -> None:
    refs_b = {w.name: w for w in lb.weights}
    used = set()
    for ref_a in la.weights:
        ref_b = refs_b.get(ref_a.name)
        if ref_b is None or ref_b.shape != ref_a.shape:  # by role and position when names differ
            ref_b = next((w for w in lb.weights if w.role == ref_a.role and w.shape == ref_a.shape
                          and w.path not in used), None)
        if ref_b is None:
            change.unmatched_tensors.append(ref_a.name)
            continue
        used.add(ref_b.path)
        va = read_weight(ha, ref_a).astype(np.float64).ravel()
        vb = read_weight(hb, ref_b).astype(np.float64).ravel()
        change.tensors.append(tensor_change(ref_a.name, ref_a.shape, va, vb))


def tensor_change(name: str, shape: tuple[int, ...], va: np.ndarray, vb: np.ndarray) -> TensorChange:
    finite = np.isfinite(va) & np.isfinite(vb)
    va, vb = np.where(finite, va, 0.0), np.where(finite, vb, 0.0)
    na, nb = float(np.linalg.norm(va)), float(np.linalg.norm(vb))
    diff = float(np.linalg.norm(vb - va))
    relative = diff / na if na > 0 else (0.0 if nb == 0 else None)
    cosine = float(va @ vb / (na * nb)) if na > 0 and nb > 0 else None
    return TensorChange(name, tuple(shape), relative, cosine, na, nb, float(np.max(np.abs(vb - va))) if va.size else 0.0)
