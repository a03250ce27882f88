"""Is each head collapsed, nearly collapsed, or alive? Judged against a meaningful scale: the targets' spread
when there are targets, the predicted classes for a classifier, the output's own magnitude otherwise."""

from __future__ import annotations

from typing import Any

import numpy as np

from inspector.analysis.results import HeadPair, HeadVerdict
from inspector.core.catalogue import threshold
from inspector.core.stats import array_stats

CATEGORICAL = frozenset({"categorical_crossentropy", "sparse_categorical_crossentropy"})


def class_labels(y: np.ndarray | None, units: int) -> np.ndarray | None:
    """The class of each sample when the targets are class labels (one-hot rows, or integer labels for a
    multi-unit output, or 0/1 for one unit); None for anything else (regression targets, multi-label rows)."""
    if y is None or y.dtype.kind not in "biuf" or y.shape[0] == 0:
        return None
    flat = y.reshape(y.shape[0], -1)
    if not np.all(np.isfinite(flat)):
        return None
    if flat.shape[1] > 1:
        if flat.shape[1] == units and np.all((flat == 0) | (flat == 1)) and np.all(flat.sum(axis=1) == 1):
            return np.argmax(flat, axis=1)
        return None
    values = flat[:, 0]
    if not np.all(values == np.rint(values)) or values.min() < 0:
        return None
    if units == 1 and values.max() <= 1:
        return values.astype(np.int64)
    if units > 1 and values.max() < units:
        return values.astype(np.int64)
    return None


def predicted_classes(out: np.ndarray) -> np.ndarray:
    """The class each sample is given: the argmax of a multi-unit output, a one-unit probability above 0.5."""
    return np.argmax(out, axis=1) if out.shape[1] > 1 else (out[:, 0] > 0.5).astype(int)


def is_classifier(activation: str | None, units: int, loss_kind: str, labels: np.ndarray | None) -> bool:
    if activation == "softmax" or loss_kind in CATEGORICAL:
        return units > 1 or activation == "softmax"
    if units == 1:
        return activation == "sigmoid" or (loss_kind == "binary_crossentropy" and labels is not None)
    return labels is not None  # one-hot rows or integer labels: the task is classification, whatever the head


def judge_head(head: Any, y: np.ndarray | None, synthetic: bool, loss_kind: str) -> HeadVerdict:
    """Collapsed: NaN/Inf outputs; a spread negligible against the targets' (regression), or against the output's
    own magnitude without targets; or, on real data, one predicted class for nearly every sample (classifiers,
    whatever their activation). Nearly collapsed: the same at the looser thresholds, never without targets."""
    s = head.summary
    std = float(np.sqrt(np.mean(np.square(s.unit_std)))) if s.unit_std else 0.0
    numeric = y is not None and y.dtype.kind in "biuf"
    target_stats = array_stats(y.astype(np.float64)) if numeric else None
    units = int(np.prod(s.shape or (1,)))
    labels = class_labels(y, units) if numeric else None
    # targets that are not class labels (regression values, soft labels) make the head a regression, whatever
    # its activation: a sigmoid output trained on prices is judged by its spread, not by a 0.5 threshold
    classifier = (is_classifier(head.activation, units, loss_kind, labels) and head.class_counts is not None
                  and (labels is not None or not numeric))
    share = None
    if head.class_counts and classifier:
        total = sum(head.class_counts)
        share = max(head.class_counts) / total if total else None
    # class labels in one column for a multi-unit head under a loss that broadcasts them (mse): every unit was
    # trained towards the label's value, so the head is judged as that regression, and by its argmax too
    broadcast = (labels is not None and units > 1 and y is not None and int(np.prod(y.shape[1:] or (1,))) == 1
                 and loss_kind not in CATEGORICAL)
    collapsed, nearly, reason = False, False, ""
    if head.non_finite:
        collapsed, reason = True, f"{head.non_finite} NaN/Inf output values"
    elif (not classifier or broadcast) and target_stats is not None and target_stats.std > 0:
        ratio = std / target_stats.std
        if ratio < threshold("collapse_ratio"):
            collapsed = True
            reason = f"output std {std:.3g} is {ratio:.2g} of the targets' std {target_stats.std:.3g}"
        elif ratio < threshold("nearly_collapsed_ratio"):
            nearly = True
            reason = f"output std {std:.3g} is only {ratio:.2g} of the targets' std {target_stats.std:.3g}"
    elif s.relative_spread < threshold("collapse_relative_spread"):
        collapsed = True
        reason = f"output varies by {std:.3g} around {s.stats.mean:.4g} (relative spread {s.relative_spread:.2g})"
    if not collapsed and share is not None and not synthetic and not _single_class(labels):
        top = int(np.argmax(head.class_counts))
        if share >= threshold("same_class_share"):
            collapsed, nearly = True, False
            reason = f"predicts class {top} for {share:.1%} of samples"
        elif share >= threshold("nearly_class_share") and labels is not None:
            target_share = float(np.mean(labels == top))
            if share >= target_share + (1 - target_share) / 2:
                nearly = True
                reason = (f"predicts class {top} for {share:.1%} of samples, while {target_share:.1%} of the "
                          "targets are that class")
    return HeadVerdict(head.name, collapsed, reason, head.activation, s.stats, s.relative_spread, std,
                       target_stats, head.class_counts, share, nearly_collapsed=nearly, classifier=classifier,
                       output_shape=tuple(s.shape), target_shape=tuple(y.shape[1:]) if y is not None else None)


def _single_class(labels: np.ndarray | None) -> bool:
    return labels is not None and np.unique(labels).size <= 1


def restored(verdict: HeadVerdict, before: np.ndarray, after: np.ndarray) -> bool:
    """Would this head, giving `after` on the measured batch instead of `before`, no longer be judged collapsed?
    The same rules as judge_head, on the batch, plus a real change (the spread grew by verify_restored)."""
    if not np.all(np.isfinite(after)):
        return False
    if not np.all(np.isfinite(before)):
        return True
    b, a = spread(before), spread(after)
    if verdict.classifier and after.ndim == 2:
        predicted = predicted_classes(after)
        share = np.bincount(predicted).max() / predicted.size
        return bool(share < threshold("same_class_share") and a > b)
    if a <= 1e-9 or a <= b:
        return False
    grew = a >= threshold("verify_restored") * max(b, 1e-12)
    if verdict.target_stats is not None and verdict.target_stats.std > 0:
        ratio = a / verdict.target_stats.std  # clearly out of the collapse zone, or out of it by a real change
        return ratio >= threshold("nearly_collapsed_ratio") or (grew and ratio >= threshold("collapse_ratio"))
    if not grew:
        return False
    rms = float(np.sqrt(np.mean(np.square(after.astype(np.float64)))))
    return rms > 0 and a / rms >= threshold("collapse_relative_spread")


def spread(values: np.ndarray) -> float:
    """Across-sample std, RMS over output units: the quantity the head verdict is about."""
    flat = values.reshape(values.shape[0], -1).astype(np.float64)
    return float(np.sqrt(np.mean(np.var(flat, axis=0)))) if flat.shape[0] > 1 else 0.0


def head_pairs(capture: Any, heads: list[HeadVerdict]) -> list[HeadPair]:
    scale = {h.name: max(abs(h.stats.mean), h.std, abs(h.stats.max), abs(h.stats.min), 1e-12) for h in heads}
    out = []
    for (a, b), acc in capture.pairs.items():
        diff = acc.max_diff if acc.comparable else None
        identical = diff is not None and diff <= threshold("identical_heads_tolerance") * max(scale[a], scale[b])
        out.append(HeadPair(a, b, acc.correlation(), diff, identical))
    return out
