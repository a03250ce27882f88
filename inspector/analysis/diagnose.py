"""From measurements to a verdict: is the model collapsed, which layers are responsible, and why.

Every threshold is a named constant below and is written into the JSON and the report, so a reader can check the
reasoning. Judgements are relative to a meaningful scale (the targets' spread when there are targets, the
output's own magnitude otherwise), never an absolute epsilon.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from inspector.analysis.accumulators import ActivationSummary
from inspector.analysis.capture import Capture, capture_steps
from inspector.analysis.datasets import (
    Dataset,
    check_against,
    load_dataset,
    model_vocabularies,
    synthetic_dataset,
)
from inspector.core.config_graph import TEXT_LAYERS
from inspector.core.graph import ancestors
from inspector.core.inspection import Inspection, inspect_steps
from inspector.core.model import Finding, ModelInfo
from inspector.core.stats import TensorStats, array_stats
from inspector.progress import Progress

THRESHOLDS = {
    "collapse_ratio": 0.01,  # head collapsed when its std across samples < 1 % of the targets' std
    "collapse_relative_spread": 1e-3,  # without targets: std < 0.1 % of the output's RMS magnitude
    "same_class_share": 0.99,  # classifier collapsed when one class takes >= 99 % of predictions
    "identical_heads_tolerance": 1e-6,  # heads identical when they never differ by more than this x their scale
    "dead_spread": 1e-3,  # a layer's signal is dead when its relative across-sample spread falls below this
    "dead_units_warning": 0.5,  # share of dead ReLU units reported as a warning
    "saturated_units_warning": 0.5,  # share of saturated units reported as a warning
    "vanishing_ratio": 1e-3,  # first/last layer weight-gradient RMS below this: vanishing
    "exploding_ratio": 1e3,  # ... above this: exploding
    "unnormalized_scale": 10.0,  # input feature with |mean| + std above this, or stds differing by 100x
    "target_scale": 10.0,  # regression targets with |mean| or std above this are unscaled
    "class_imbalance": 0.9,  # majority class share of the targets reported as imbalance
    "unknown_tokens_warning": 0.5,  # share of a text layer's tokens outside its vocabulary reported
    "unknown_tokens_error": 0.9,  # ... as the cause (error) when the output collapsed
    "verify_restored": 10.0,  # a repair "restores" the output when the spread grows by this factor or more
}
BLAME_WEIGHTS = {
    "spread_dies": 3.0, "dead_units": 2.5, "saturation": 2.0, "zero_weights": 3.0, "constant_output": 4.0,
    "identical_heads": 2.0, "non_finite": 3.0, "bias_dominated_output": 1.5, "vanishing_gradient": 1.0,
    "constant_units": 1.0, "constant_weights": 1.0, "out_of_vocabulary": 3.0,
}


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


@dataclass
class HeadPair:
    head_a: str
    head_b: str
    correlation: float | None
    max_abs_diff: float | None  # None when the heads' shapes differ
    identical: bool


@dataclass
class BlameEntry:
    layer: str
    score: float
    reasons: list[str]
    verified: bool | None = None  # counterfactual check: did repairing this layer bring the spread back?
    check: str = ""


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
    thresholds: dict[str, float] = field(default_factory=lambda: dict(THRESHOLDS))
    created: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))

    @property
    def info(self) -> ModelInfo:
        return self.inspection.info


@dataclass
class DiagnoseOptions:
    data: str | None = None
    batch_size: int | None = None
    max_samples: int | None = None
    seed: int = 0
    trust_code: bool = False
    target_columns: int | None = None
    synthetic_samples: int = 512


def diagnose_steps(model_path: str | os.PathLike[str], options: DiagnoseOptions | None = None,
                   ) -> Generator[Progress, None, Diagnosis]:
    """The whole diagnosis as one generator: read, load data, run, judge, verify."""
    options = options or DiagnoseOptions()
    inspection = yield from inspect_steps(model_path)
    info = inspection.info
    from inspector.errors import UnsupportedModelError

    if not info.has_architecture:
        raise UnsupportedModelError(f"{info.path}: the file stores no architecture (weights only), so there is "
                                    "nothing to run data through; `inspect` shows its weights")
    if not info.input_specs:
        if info.params == 0:
            raise UnsupportedModelError(f"{info.path}: the model was saved before it was ever built (no input shape, "
                                        "no weights), so there is nothing to run data through")
        raise UnsupportedModelError(f"{info.path}: the model declares no input shape, so no data can be matched "
                                    "to its input")
    yield Progress("loading data")
    if options.data:
        ds = load_dataset(options.data, info.input_specs, info.outputs, options.target_columns)
    else:
        ds = synthetic_dataset(info.input_specs, n=synthetic_count(info, options.synthetic_samples),
                               seed=options.seed, vocabularies=model_vocabularies(info))
    try:
        check_against(ds, info.input_specs, info.outputs)
        capture = yield from capture_steps(info, ds, batch_size=options.batch_size,
                                           max_samples=options.max_samples, trust_code=options.trust_code)
        yield Progress("judging")
        diagnosis = judge(inspection, ds, capture)
        yield Progress("verifying the top candidates")
        verify(diagnosis, capture)
    finally:
        ds.close()
    capture.runner = None
    return diagnosis


def synthetic_count(info: ModelInfo, wanted: int) -> int:
    """Fewer synthetic samples for models whose activations are huge: spread needs dozens, not thousands."""
    from inspector.analysis.capture import choose_batch_size

    return int(min(wanted, max(64, 8 * choose_batch_size(info, None))))


# --- judging ------------------------------------------------------------------------------------------------


def judge(inspection: Inspection, ds: Dataset, capture: Capture) -> Diagnosis:
    info = inspection.info
    targets = ds.targets if ds.targets is not None else None
    heads = [_head_verdict(h, None if targets is None else np.asarray(targets[i]), ds.synthetic)
             for i, h in enumerate(capture.heads)]
    pairs = _pairs(capture, heads)
    identical = [p for p in pairs if p.identical]
    collapsed = any(h.collapsed for h in heads) or (len(heads) > 1 and bool(identical))
    order = [n for n in info.topological_order() if n in capture.layers]
    layers = {n: LayerMeasure(capture.layers[n], capture.weight_grads.get(n), capture.output_grads.get(n))
              for n in order}
    findings = _measured_findings(info, heads, pairs, layers, order, capture, ds)
    findings += [f for f in inspection.findings if not (f.kind == "saturation" and f.layer in layers)]
    findings.sort(key=lambda f: f.rank)
    blame = _blame(info, heads, layers, order, findings, collapsed)
    diagnosis = Diagnosis(
        inspection=inspection, data_source=ds.source, synthetic=ds.synthetic, samples=capture.samples,
        batch_size=capture.batch_size, collapsed=collapsed, verdict="", heads=heads, pairs=pairs, layers=layers,
        order=order, findings=findings, blame=blame, loss=capture.loss, loss_kinds=capture.loss_kinds,
        how_built=capture.how_built, left_out=capture.left_out, notes=ds.notes + capture.notes,
    )
    diagnosis.verdict = verdict_sentence(diagnosis)
    return diagnosis


def _head_verdict(head: Any, y: np.ndarray | None, synthetic: bool) -> HeadVerdict:
    """Collapsed means: NaN/Inf outputs; or a spread that is negligible against the targets' spread (or, without
    targets, against the output's own magnitude); or, on real data, one class for nearly every sample."""
    s = head.summary
    std = float(np.sqrt(np.mean(np.square(s.unit_std)))) if s.unit_std else 0.0
    target_stats = array_stats(y.astype(np.float64)) if y is not None and y.dtype.kind in "biuf" else None
    share = None
    if head.class_counts:
        total = sum(head.class_counts)
        share = max(head.class_counts) / total if total else None
    t = THRESHOLDS
    collapsed, reason = False, ""
    regression = head.activation not in ("softmax", "sigmoid")
    if head.non_finite:
        collapsed, reason = True, f"{head.non_finite} NaN/Inf output values"
    elif regression and target_stats is not None and target_stats.std > 0:
        ratio = std / target_stats.std
        if ratio < t["collapse_ratio"]:
            collapsed = True
            reason = f"output std {std:.3g} is {ratio:.2g} of the targets' std {target_stats.std:.3g}"
    elif s.relative_spread < t["collapse_relative_spread"]:
        collapsed = True
        reason = f"output varies by {std:.3g} around {s.stats.mean:.4g} (relative spread {s.relative_spread:.2g})"
    if not collapsed and share is not None and share >= t["same_class_share"] and not synthetic \
            and not _targets_single_class(y):
        collapsed = True
        reason = f"predicts class {int(np.argmax(head.class_counts))} for {share:.1%} of samples"
    return HeadVerdict(head.name, collapsed, reason, head.activation, s.stats, s.relative_spread, std,
                       target_stats, head.class_counts, share)


def _targets_single_class(y: np.ndarray | None) -> bool:
    if y is None:
        return False
    labels = np.argmax(y, axis=1) if y.ndim == 2 and y.shape[1] > 1 else np.asarray(y).ravel()
    return np.unique(labels).size <= 1


def _pairs(capture: Capture, heads: list[HeadVerdict]) -> list[HeadPair]:
    scale = {h.name: max(abs(h.stats.mean), h.std, abs(h.stats.max), abs(h.stats.min), 1e-12) for h in heads}
    out = []
    for (a, b), acc in capture.pairs.items():
        diff = acc.max_diff if acc.comparable else None
        identical = diff is not None and diff <= THRESHOLDS["identical_heads_tolerance"] * max(scale[a], scale[b])
        out.append(HeadPair(a, b, acc.correlation(), diff, identical))
    return out


def _measured_findings(info: ModelInfo, heads: list[HeadVerdict], pairs: list[HeadPair],
                       layers: dict[str, LayerMeasure], order: list[str], capture: Capture,
                       ds: Dataset) -> list[Finding]:
    t = THRESHOLDS
    findings: list[Finding] = []
    collapsed_any = any(h.collapsed for h in heads)
    for h in heads:
        if h.collapsed:
            findings.append(Finding(
                "constant_output", "error", h.name, f"head '{h.name}' is collapsed: {h.reason}",
                {"mean": h.stats.mean, "std": h.std, "relative_spread": h.relative_spread,
                 "target_std": h.target_stats.std if h.target_stats else None, "top_class_share": h.top_class_share},
                "follow the blamed layers below: the output stopped depending on the input there"))
    for p in pairs:
        if p.identical:
            findings.append(Finding(
                "identical_heads", "error", p.head_b,
                f"heads '{p.head_a}' and '{p.head_b}' give the same value for every sample (max difference "
                f"{p.max_abs_diff:.3g})", {"head_a": p.head_a, "head_b": p.head_b, "max_abs_diff": p.max_abs_diff,
                                          "correlation": p.correlation},
                "give the heads their own weights and initialisation; check that different targets reach them"))
    for name in order:
        m = layers[name].activation
        if m.dead_fraction is not None and m.dead_fraction >= t["dead_units_warning"]:
            whole = m.dead_fraction >= 1.0
            findings.append(Finding(
                "dead_units", "error" if whole and collapsed_any else "warning", name,
                f"{name}: {m.dead_fraction:.0%} of its {m.units} ReLU units output 0 for every sample",
                {"dead_fraction": m.dead_fraction, "units": m.units, "samples": m.samples},
                "lower the learning rate, use he_normal initialisation, LeakyReLU/ELU, or BatchNormalization "
                "before the activation; re-initialise the layer"))
        elif m.dead_fraction:
            findings.append(Finding(
                "dead_units", "info", name, f"{name}: {m.dead_fraction:.0%} of its ReLU units are dead",
                {"dead_fraction": m.dead_fraction, "units": m.units}, ""))
        if m.saturated_fraction is not None and m.saturated_fraction >= t["saturated_units_warning"]:
            findings.append(Finding(
                "saturation", "warning", name,
                f"{name}: {m.saturated_fraction:.0%} of its units sit at the bounds of "
                f"{info.layers[name].activation} for ≥99% of samples (flat gradient)",
                {"saturated_fraction": m.saturated_fraction, "units": m.units},
                "normalise the layer's inputs, lower the initial weights, or use a relu-family activation"))
        if m.stats.nan_count or m.stats.inf_count:
            findings.append(Finding(
                "non_finite", "error", name, f"{name}: outputs {m.stats.nan_count} NaN and {m.stats.inf_count} Inf",
                {"nan": m.stats.nan_count, "inf": m.stats.inf_count},
                "find the first layer with NaN: check its weights and inputs, lower the learning rate"))
    findings += _gradient_findings(order, layers)
    findings += _data_findings(info, heads, capture, ds)
    return findings


def _gradient_findings(order: list[str], layers: dict[str, LayerMeasure]) -> list[Finding]:
    weighted = [n for n in order if layers[n].weight_grad is not None and "/" not in n]
    if len(weighted) < 3:
        return []
    first, last = layers[weighted[0]].weight_grad or 0.0, layers[weighted[-1]].weight_grad or 0.0
    if last <= 0:
        return []
    ratio = first / last
    evidence = {"first_layer": weighted[0], "last_layer": weighted[-1], "first_grad_rms": first,
                "last_grad_rms": last, "ratio": ratio,
                "per_layer": {n: layers[n].weight_grad for n in weighted}}
    if ratio < THRESHOLDS["vanishing_ratio"]:
        drop = _steepest(weighted, layers, lowest=True)
        how = (f"no gradient reaches {weighted[0]}" if ratio == 0 else
               f"gradients shrink {1 / ratio:.3g}x from {weighted[-1]} back to {weighted[0]}")
        return [Finding("vanishing_gradient", "warning", drop, f"{how}; the steepest drop is at {drop}", evidence,
                        "use relu-family activations instead of stacked sigmoid/tanh, add BatchNormalization or "
                        "residual connections, and he_normal initialisation")]
    if ratio > THRESHOLDS["exploding_ratio"]:
        jump = _steepest(weighted, layers, lowest=False)
        return [Finding("exploding_gradient", "warning", jump,
                        f"gradients grow {ratio:.3g}x from {weighted[-1]} back to {weighted[0]}", evidence,
                        "lower the learning rate, clip gradients (clipnorm=1.0), normalise inputs")]
    return []


def _steepest(weighted: list[str], layers: dict[str, LayerMeasure], lowest: bool) -> str:
    best, best_ratio = weighted[0], None
    for earlier, later in zip(weighted, weighted[1:], strict=False):
        a, b = layers[earlier].weight_grad or 0.0, layers[later].weight_grad or 0.0
        if b <= 0:
            continue
        r = a / b
        if best_ratio is None or (r < best_ratio if lowest else r > best_ratio):
            best, best_ratio = earlier, r
    return best


def _data_findings(info: ModelInfo, heads: list[HeadVerdict], capture: Capture, ds: Dataset) -> list[Finding]:
    t = THRESHOLDS
    findings = []
    if capture.data_non_finite:
        findings.append(Finding(
            "non_finite", "warning", None, f"the data holds {capture.data_non_finite} NaN/Inf values "
            "(replaced by 0 to run the model)", {"count": capture.data_non_finite},
            "clean or impute missing values before training and prediction"))
    normalises = any(layer.class_name in ("Normalization", "Rescaling", "BatchNormalization", "LayerNormalization")
                     for layer in info.layers.values() if layer.inbound and set(layer.inbound) <= set(info.inputs))
    if not ds.synthetic and not normalises:
        for spec, scales in zip(info.input_specs, capture.input_features, strict=False):
            if scales is None:  # text: no scale to normalise
                continue
            means, stds = np.abs(np.asarray(scales["mean"])), np.asarray(scales["std"])
            if means.size == 0:
                continue
            size = means + stds
            positive = stds[stds > 0]
            spread = float(positive.max() / positive.min()) if positive.size else 1.0
            if size.max() > t["unnormalized_scale"] or spread > 100:
                worst = int(np.argmax(size))
                findings.append(Finding(
                    "unnormalized_input", "warning", None,
                    f"input '{spec.name}' is not normalised: feature {worst} has mean {scales['mean'][worst]:.4g} "
                    f"and std {stds[worst]:.4g}; feature stds differ by {spread:.3g}x",
                    {"input": spec.name, "feature": worst, "feature_mean": scales["mean"][worst],
                     "feature_std": float(stds[worst]), "std_ratio": spread,
                     "means": scales["mean"][:64], "stds": scales["std"][:64]},
                    "standardise each feature (subtract the mean, divide by the std), e.g. with a "
                    "keras.layers.Normalization layer adapted to the training data"))
    findings += _vocabulary_findings(capture, any(h.collapsed for h in heads))
    for h in heads:
        ts = h.target_stats
        if ts is None:
            continue
        if h.activation not in ("softmax", "sigmoid") and (abs(ts.mean) > t["target_scale"] or ts.std > t["target_scale"]):
            findings.append(Finding(
                "target_scale_mismatch", "warning" if h.collapsed else "info", h.name,
                f"head '{h.name}': targets are unscaled (mean {ts.mean:.4g}, std {ts.std:.4g}) while the "
                f"predictions vary by {h.std:.3g}",
                {"target_mean": ts.mean, "target_std": ts.std, "prediction_mean": h.stats.mean,
                 "prediction_std": h.std},
                "standardise the targets (and invert the scaling on predictions); a linear output then only has "
                "to learn values of order 1"))
        if h.activation in ("softmax", "sigmoid") and ds.targets is not None:
            y = np.asarray(ds.targets[heads.index(h)])
            labels = np.argmax(y, axis=1) if y.ndim == 2 and y.shape[1] > 1 else np.rint(y.ravel()).astype(int)
            counts = np.bincount(labels.astype(int) - labels.min())
            share = counts.max() / counts.sum() if counts.sum() else 0.0
            if share >= t["class_imbalance"]:
                findings.append(Finding(
                    "class_imbalance", "warning", h.name,
                    f"head '{h.name}': {share:.0%} of the targets are one class", {"majority_share": float(share),
                                                                                 "class_counts": counts.tolist()},
                    "use class_weight, resampling, or a metric that is not fooled by the majority class"))
    return findings


def _vocabulary_findings(capture: Capture, collapsed: bool) -> list[Finding]:
    """Text the vocabulary does not know reaches the model as one and the same id: enough of it and every
    sample looks alike, which is a classic way for a text model to predict the same thing for everything."""
    findings = []
    for name, t in capture.tokens.items():
        share = t["unknown_share"]
        blind = t["samples_without_known_token"] / max(t["samples"], 1)
        if share < THRESHOLDS["unknown_tokens_warning"] and blind < THRESHOLDS["unknown_tokens_warning"]:
            continue
        severe = share >= THRESHOLDS["unknown_tokens_error"] or blind >= THRESHOLDS["unknown_tokens_warning"]
        findings.append(Finding(
            "out_of_vocabulary", "error" if severe and collapsed else "warning", name,
            f"{name}: {share:.0%} of the tokens are not in the vocabulary"
            + (f", and {blind:.0%} of the samples have no known token at all" if blind else ""),
            {**t, "samples_without_known_share": blind},
            "check that the data is preprocessed like the training text (language, case, tokenisation) and that "
            "the vocabulary saved with the model is the one adapted to the training data"))
    return findings


def _blame(info: ModelInfo, heads: list[HeadVerdict], layers: dict[str, LayerMeasure], order: list[str],
           findings: list[Finding], collapsed: bool) -> list[BlameEntry]:
    if not collapsed:
        return []
    targets = [h.name for h in heads if h.collapsed] or [h.name for h in heads]
    top_edges = [(s, d) for s, d in info.edges if info.layers[s].parent is None and info.layers[d].parent is None]
    relevant = set().union(*(ancestors(t, top_edges) for t in targets if t in info.layers))
    scores: dict[str, float] = {}
    reasons: dict[str, list[str]] = {}

    def add(name: str | None, points: float, why: str) -> None:
        if name is None or name not in info.layers:
            return
        top = name.split("/", 1)[0]
        if top not in relevant:
            return
        scores[name] = scores.get(name, 0.0) + points
        reasons.setdefault(name, []).append(why)

    dead = THRESHOLDS["dead_spread"]
    for name in order:
        m = layers[name].activation
        producers = [p for p in info.layers[name].inbound if p in layers]
        inputs_alive = all(layers[p].activation.relative_spread >= dead for p in producers) if producers else True
        if m.relative_spread < dead and inputs_alive:
            add(name, BLAME_WEIGHTS["spread_dies"],
                f"the across-sample spread dies here (relative spread {m.relative_spread:.2g})")
        if m.dead_fraction and m.dead_fraction >= THRESHOLDS["dead_units_warning"] and inputs_alive:
            add(name, BLAME_WEIGHTS["dead_units"] * m.dead_fraction, f"{m.dead_fraction:.0%} dead ReLU units")
        if m.saturated_fraction and m.saturated_fraction >= THRESHOLDS["saturated_units_warning"] and inputs_alive:
            add(name, BLAME_WEIGHTS["saturation"] * m.saturated_fraction, f"{m.saturated_fraction:.0%} saturated units")
        if m.constant_fraction >= 0.5 and m.dead_fraction is None and inputs_alive and m.relative_spread < dead:
            add(name, BLAME_WEIGHTS["constant_units"] * m.constant_fraction, f"{m.constant_fraction:.0%} constant units")
    for f in findings:
        weight = BLAME_WEIGHTS.get(f.kind)
        if weight and f.severity in ("error", "warning") and f.kind not in ("dead_units", "saturation"):
            if f.kind == "constant_output" and f.layer in [h.name for h in heads] and f.evidence.get("mean") is not None:
                continue  # the symptom, not a cause
            add(f.layer, weight, f.message.split(": ", 1)[-1] if f.layer and f.message.startswith(f.layer) else f.message)
    ranked = sorted(scores, key=lambda n: (-scores[n], order.index(n) if n in order else 10**9))
    return [BlameEntry(n, round(scores[n], 3), reasons[n]) for n in ranked]


def verdict_sentence(d: Diagnosis) -> str:
    collapsed = [h for h in d.heads if h.collapsed]
    if not d.collapsed:
        spread = min((h.relative_spread for h in d.heads), default=0.0)
        return f"Not collapsed: the outputs vary with the input (smallest relative spread {spread:.2g})."
    if len(d.heads) > 1 and len(collapsed) == len(d.heads):
        values = ", ".join(f"{h.name} {h.stats.mean:.4g} ± {h.std:.2g}" for h in d.heads[:4])
        return f"Collapsed: each of the {len(d.heads)} heads outputs one constant for every input ({values})."
    if not collapsed:
        names = ", ".join(f"'{p.head_a}' = '{p.head_b}'" for p in d.pairs if p.identical)
        return f"Collapsed: heads {names} output identical values for every input."
    h = collapsed[0]
    if h.reason.startswith("predicts class") and h.class_counts:
        return f"Collapsed: '{h.name}' predicts class {int(np.argmax(h.class_counts))} for {h.top_class_share:.1%} of inputs."
    more = f" (and {len(collapsed) - 1} more heads)" if len(collapsed) > 1 else ""
    target = f"; the targets vary by ± {h.target_stats.std:.3g}" if h.target_stats else ""
    return f"Collapsed: '{h.name}' outputs {h.stats.mean:.4g} ± {h.std:.2g} for every input{target}{more}."


# --- counterfactual check -----------------------------------------------------------------------------------


def verify(d: Diagnosis, capture: Capture, top: int = 3) -> None:
    """Repair each top candidate in memory, re-run the first batch, and see whether the heads' spread returns."""
    runner = capture.runner
    if runner is None or capture.first_batch is None or not d.blame:
        return
    targets = [i for i, h in enumerate(d.heads) if h.collapsed] or list(range(len(d.heads)))
    _, before = runner.forward(capture.first_batch)
    base = [_spread(before[i]) for i in targets]
    for entry in d.blame[:top]:
        if d.info.layers[entry.layer].class_name in TEXT_LAYERS:
            entry.verified = None
            entry.check = ("a vocabulary, not weights: nothing to re-initialise; feed text the vocabulary covers, "
                           "or adapt the layer to the training text again")
            continue
        with runner.repaired(entry.layer) as action:
            if action is None:
                entry.verified = None
                entry.check = "no weights to repair: the architecture itself fixes this output"
                continue
            _, after = runner.forward(capture.first_batch)
        spreads = [_spread(after[i]) for i in targets]
        restored = any(s >= THRESHOLDS["verify_restored"] * max(b, 1e-12) and s > 1e-6
                       for s, b in zip(spreads, base, strict=True))
        entry.verified = restored
        change = ", ".join(f"{b:.2g} → {s:.2g}" for b, s in zip(base, spreads, strict=True))
        entry.check = f"{action}: output spread {change} ({'restored' if restored else 'not restored'})"


def _spread(values: np.ndarray) -> float:
    flat = values.reshape(values.shape[0], -1).astype(np.float64)
    return float(np.sqrt(np.mean(np.var(flat, axis=0)))) if flat.shape[0] > 1 else 0.0
