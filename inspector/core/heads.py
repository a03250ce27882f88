"""Per-output heads: the layers that feed one output and no other.

Walking back from an output, a head ends at the first layer another output also depends on; with one output,
its head is the whole chain behind it. Computed on the top-level graph: a nested model counts as one layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from inspector.core.graph import ancestors
from inspector.core.model import Head, Layer, ModelInfo, WeightRef


def find_heads(layers: dict[str, Layer], edges: list[tuple[str, str]], outputs: list[str], order: list[str]) -> list[Head]:
    top = {name for name, layer in layers.items() if layer.parent is None}
    top_edges = [(s, d) for s, d in edges if s in top and d in top]
    reach = {out: ancestors(out, top_edges) for out in dict.fromkeys(outputs)}
    heads = []
    for out, mine in reach.items():
        others = set().union(*(r for o, r in reach.items() if o != out))
        exclusive = mine - others
        heads.append(Head(name=out, layers=[n for n in order if n in exclusive]))
    return heads


@dataclass
class WeightSimilarity:
    layer_a: str
    layer_b: str
    weight: str  # role or name of the tensor compared, e.g. "kernel"
    cosine: float
    max_abs_diff: float


@dataclass
class HeadComparison:
    """Two heads whose weighted layers match tensor for tensor in shape, compared number by number."""

    head_a: str
    head_b: str
    similarities: list[WeightSimilarity]
    cosine: float = float("nan")  # over all of the two heads' weights at once

    @property
    def identical(self) -> bool:
        return bool(self.similarities) and all(s.max_abs_diff == 0.0 for s in self.similarities)

    @property
    def min_cosine(self) -> float:
        return min((s.cosine for s in self.similarities), default=float("nan"))


MAX_COMPARE_SIZE = 20_000_000  # elements per tensor; bigger heads are compared on their shapes only


def compare_heads(info: ModelInfo, read: Callable[[WeightRef], np.ndarray]) -> list[HeadComparison]:
    """Pairwise comparison of heads whose weighted layers have the same tensor shapes in the same order."""
    signature = {}
    for head in info.heads:
        tensors = [(name, w) for name in head.layers for w in info.layers[name].weights if w.size > 0]
        signature[head.name] = tensors
    out = []
    names = [h.name for h in info.heads]
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            ta, tb = signature[a], signature[b]
            if not ta or [w.shape for _, w in ta] != [w.shape for _, w in tb]:
                continue
            if any(w.size > MAX_COMPARE_SIZE for _, w in ta):
                continue
            sims, all_a, all_b = [], [], []
            for (la, wa), (lb, wb) in zip(ta, tb, strict=True):
                xa = read(wa).astype(np.float64).ravel()
                xb = read(wb).astype(np.float64).ravel()
                all_a.append(xa)
                all_b.append(xb)
                sims.append(WeightSimilarity(la, lb, wa.role if wa.role != "other" else wa.name,
                                             cosine(xa, xb), float(np.max(np.abs(xa - xb))) if xa.size else 0.0))
            out.append(HeadComparison(a, b, sims, cosine(np.concatenate(all_a), np.concatenate(all_b))))
    return out


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity; two zero vectors are identical (1.0), a zero and a non-zero vector unrelated (0.0)."""
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0.0 and nb == 0.0:
        return 1.0
    if na == 0.0 or nb == 0.0 or not np.isfinite(na * nb):
        return 0.0
    return float(np.dot(a, b) / (na * nb))
