"""Detectors of what the data shows: each returns findings of a kind from the catalogue (core/catalogue.py),
with the thresholds it names there. Blame reads the catalogue, never these messages."""

from __future__ import annotations

from typing import Any

import numpy as np

from inspector.analysis.capture import Capture, compiled_loss_specs, from_logits
from inspector.analysis.datasets import Dataset
from inspector.analysis.head_judge import class_labels
from inspector.analysis.results import HeadPair, HeadVerdict, LayerMeasure
from inspector.core.catalogue import kind as catalogued
from inspector.core.catalogue import threshold
from inspector.core.model import Finding, ModelInfo

OUTPUT_RANGES = {"relu": (0.0, np.inf), "relu6": (0.0, 6.0), "softplus": (0.0, np.inf), "sigmoid": (0.0, 1.0),
                 "hard_sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0), "tanh": (-1.0, 1.0), "softsign": (-1.0, 1.0),
                 "hard_tanh": (-1.0, 1.0), "elu": (-1.0, np.inf), "exponential": (0.0, np.inf)}
NORMALISING = frozenset({"Normalization", "Rescaling", "BatchNormalization", "LayerNormalization"})


def finding(kind: str, severity: str, layer: str | None, message: str, evidence: dict[str, Any],
            fix: str | None = None) -> Finding:
    """A finding of a catalogued kind; its fix is the catalogue's unless the detector knows better."""
    return Finding(kind, severity, layer, message, evidence, catalogued(kind).fix if fix is None else fix)


def measured_findings(info: ModelInfo, heads: list[HeadVerdict], pairs: list[HeadPair],
                      layers: dict[str, LayerMeasure], order: list[str], capture: Capture,
                      ds: Dataset) -> list[Finding]:
    findings = head_findings(heads, pairs)
    findings += layer_findings(info, heads, layers, order)
    findings += gradient_findings(order, layers)
    findings += spread_decay(info, heads, layers, order)
    findings += data_findings(info, heads, capture, ds)
    findings += output_fault_findings(info, heads, capture, ds)
    findings += vocabulary_findings(capture, any(h.collapsed for h in heads))
    return findings


def head_findings(heads: list[HeadVerdict], pairs: list[HeadPair]) -> list[Finding]:
    out = []
    for h in heads:
        evidence = {"mean": h.stats.mean, "std": h.std, "relative_spread": h.relative_spread,
                    "target_std": h.target_stats.std if h.target_stats else None,
                    "top_class_share": h.top_class_share}
        if h.collapsed:
            out.append(finding("constant_output", "error", h.name, f"head '{h.name}' is collapsed: {h.reason}",
                               evidence))
        elif h.nearly_collapsed:
            out.append(finding("nearly_collapsed", "warning", h.name,
                               f"head '{h.name}' is nearly collapsed: {h.reason}", evidence))
    collapsed = {h.name for h in heads if h.collapsed}
    for p in pairs:
        # two heads that each output one constant agree trivially: that is the collapse, not a second fault
        if p.identical and not {p.head_a, p.head_b} <= collapsed:
            out.append(finding(
                "identical_heads", "error", p.head_b,
                f"heads '{p.head_a}' and '{p.head_b}' give the same value for every sample (max difference "
                f"{p.max_abs_diff:.3g})", {"head_a": p.head_a, "head_b": p.head_b, "max_abs_diff": p.max_abs_diff,
                                          "correlation": p.correlation}))
    return out


def layer_findings(info: ModelInfo, heads: list[HeadVerdict], layers: dict[str, LayerMeasure],
                   order: list[str]) -> list[Finding]:
    collapsed_any = any(h.collapsed for h in heads)
    out = []
    for name in order:
        m = layers[name].activation
        if m.dead_fraction is not None and m.dead_fraction >= threshold("dead_units_warning"):
            whole = m.dead_fraction >= 1.0
            out.append(finding(
                "dead_units", "error" if whole and collapsed_any else "warning", name,
                f"{name}: {m.dead_fraction:.0%} of its {m.units} ReLU units output 0 for every sample",
                {"dead_fraction": m.dead_fraction, "units": m.units, "samples": m.samples}))
        elif m.dead_fraction and m.dead_fraction >= threshold("dead_units_material"):
            out.append(finding("dead_units", "info", name, f"{name}: {m.dead_fraction:.0%} of its ReLU units are "
                               "dead", {"dead_fraction": m.dead_fraction, "units": m.units}, ""))
        # an output sigmoid/softmax at its bounds is a confident prediction, not a flat hidden layer
        if m.saturated_fraction is not None and m.saturated_fraction >= threshold("saturated_units_warning") \
                and name not in info.outputs:
            out.append(finding(
                "saturation", "warning", name,
                f"{name}: {m.saturated_fraction:.0%} of its units sit at the bounds of "
                f"{info.layers[name].activation} for ≥99% of samples (flat gradient)",
                {"saturated_fraction": m.saturated_fraction, "units": m.units}))
        if m.stats.nan_count or m.stats.inf_count:
            producers = [p for p in info.layers[name].inbound if p in layers]
            origin = all(not (layers[p].activation.stats.nan_count or layers[p].activation.stats.inf_count)
                         for p in producers)
            if origin:
                out.append(finding("non_finite", "error", name, f"{name}: NaN/Inf first appear in this layer's "
                                   f"output ({m.stats.nan_count} NaN, {m.stats.inf_count} Inf)",
                                   {"nan": m.stats.nan_count, "inf": m.stats.inf_count, "origin": True}))
    return out


def gradient_findings(order: list[str], layers: dict[str, LayerMeasure]) -> list[Finding]:
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
    if ratio < threshold("vanishing_ratio"):
        drop = _steepest(weighted, layers, lowest=True)
        how = (f"no gradient reaches {weighted[0]}" if ratio == 0 else
               f"gradients shrink {1 / ratio:.3g}x from {weighted[-1]} back to {weighted[0]}")
        return [finding("vanishing_gradient", "warning", drop, f"{how}; the steepest drop is at {drop}", evidence)]
    if ratio > threshold("exploding_ratio"):
        jump = _steepest(weighted, layers, lowest=False)
        return [finding("exploding_gradient", "warning", jump,
                        f"gradients grow {ratio:.3g}x from {weighted[-1]} back to {weighted[0]}", evidence)]
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


def weighted_chain(info: ModelInfo, layers: dict[str, LayerMeasure], order: list[str], head: str) -> list[str]:
    """The measured layers with weights that feed a head, in topological order (top level and nested)."""
    feeding = info.feeding(head)
    return [n for n in order if n.split("/", 1)[0] in feeding and info.layers[n].params > 0
            and not info.layers[n].is_container]


def spread_decay(info: ModelInfo, heads: list[HeadVerdict], layers: dict[str, LayerMeasure],
                 order: list[str]) -> list[Finding]:
    """A signal that fades a little in every layer of a stack, rather than dying in one: no single layer is the
    cause, the span is. The longest run of layers each shrinking the relative spread by decay_per_layer."""
    out = []
    seen: set[tuple[str, ...]] = set()
    for h in heads:
        if not (h.collapsed or h.nearly_collapsed) or h.name not in info.layers:
            continue
        chain = weighted_chain(info, layers, order, h.name)
        spreads = [layers[n].activation.relative_spread for n in chain]
        best: tuple[int, int] | None = None
        start = None
        for i in range(1, len(chain) + 1):
            falling = i < len(chain) and spreads[i - 1] > 0 and spreads[i] <= threshold("decay_per_layer") * spreads[i - 1]
            if falling and start is None:
                start = i - 1
            if not falling and start is not None:
                if best is None or i - start > best[1] - best[0]:
                    best = (start, i)
                start = None
        if best is None or best[1] - best[0] < threshold("decay_span") + 1:
            continue
        span = tuple(chain[best[0]:best[1]])
        if span in seen:
            continue
        seen.add(span)
        positive = [(i, spreads[i]) for i in range(*best) if spreads[i] > 0]
        total = positive[-1][1] / positive[0][1] if len(positive) > 1 else 0.0
        per_layer = total ** (1 / (positive[-1][0] - positive[0][0])) if total > 0 else 0.0
        out.append(finding(
            "spread_decay", "error" if h.collapsed else "warning", span[1],
            f"the across-sample spread fades over {len(span) - 1} layers, {span[1]} .. {span[-1]} "
            + (f"(x{per_layer:.2g} per layer, x{total:.2g} in all)" if total > 0 else "until none is left")
            + ": no single layer kills it",
            {"span": list(span[1:]), "from": span[0], "relative_spreads": [spreads[i] for i in range(*best)],
             "factor_per_layer": per_layer}))
    return out


def first_consumers(info: ModelInfo, input_name: str) -> list[str]:
    """The layers an input feeds directly: where a fix of that input's scale lands. A nested model is looked
    into: the layers its own inputs feed."""
    found = []
    for consumer in [d for s, d in info.edges if s == input_name and info.layers[d].parent is None]:
        found += _entry_layers(info, consumer)
    return found


def _entry_layers(info: ModelInfo, name: str, depth: int = 0) -> list[str]:
    layer = info.layers[name]
    if not layer.is_container or depth > 8:
        return [name]
    inner = [d for s, d in info.edges if s in layer.inputs]
    return [n for d in inner for n in _entry_layers(info, d, depth + 1)] or [name]


def data_findings(info: ModelInfo, heads: list[HeadVerdict], capture: Capture, ds: Dataset) -> list[Finding]:
    findings = []
    if capture.data_non_finite:
        findings.append(finding(
            "non_finite", "warning", None, f"the data holds {capture.data_non_finite} NaN/Inf values "
            "(replaced by 0 to run the model)", {"count": capture.data_non_finite},
            "clean or impute missing values before training and prediction"))
    if not ds.synthetic:
        for spec, scales in zip(info.input_specs, capture.input_features, strict=False):
            consumers = first_consumers(info, spec.name)
            if scales is None:
                continue
            means, stds = np.abs(np.asarray(scales["mean"])), np.asarray(scales["std"])
            if means.size == 0:
                continue
            if not np.any(stds > 0) and ds.n > 1:  # no model can tell samples apart that arrive identical
                findings.append(finding(
                    "constant_input", "error", consumers[0] if consumers else None,
                    f"input '{spec.name}' is the same for every sample: all {means.size} features are constant "
                    f"(values {float(np.min(scales['mean'])):.4g} to {float(np.max(scales['mean'])):.4g})",
                    {"input": spec.name, "features": int(means.size), "fed_layers": consumers}))
                continue
            if any(info.layers[c].class_name in NORMALISING for c in consumers):
                continue
            size = means + stds
            positive = stds[stds > 0]
            spread = float(positive.max() / positive.min()) if positive.size else 1.0
            if size.max() > threshold("unnormalized_scale") or spread > threshold("unnormalized_std_ratio"):
                worst = int(np.argmax(size))
                findings.append(finding(
                    "unnormalized_input", "warning", consumers[0] if consumers else None,
                    f"input '{spec.name}' is not normalised: feature {worst} has mean {scales['mean'][worst]:.4g} "
                    f"and std {stds[worst]:.4g}; feature stds differ by {spread:.3g}x",
                    {"input": spec.name, "feature": worst, "feature_mean": scales["mean"][worst],
                     "feature_std": float(stds[worst]), "std_ratio": spread, "fed_layers": consumers,
                     "means": scales["mean"][:64], "stds": scales["std"][:64]}))
    for i, h in enumerate(heads):
        ts = h.target_stats
        if ts is None or ds.targets is None:
            continue
        y = np.asarray(ds.targets[i])
        if not h.classifier and (abs(ts.mean) > threshold("target_scale") or ts.std > threshold("target_scale")):
            findings.append(finding(
                "target_scale_mismatch", "warning" if h.collapsed or h.nearly_collapsed else "info", h.name,
                f"head '{h.name}': targets are unscaled (mean {ts.mean:.4g}, std {ts.std:.4g}) while the "
                f"predictions vary by {h.std:.3g}",
                {"target_mean": ts.mean, "target_std": ts.std, "prediction_mean": h.stats.mean,
                 "prediction_std": h.std}))
        labels = class_labels(y, int(np.prod(h.output_shape or (1,)))) if h.classifier else None
        if labels is not None and labels.size:
            counts = np.bincount(labels)
            share = counts.max() / counts.sum()
            if share >= threshold("class_imbalance"):
                findings.append(finding(
                    "class_imbalance", "warning", h.name,
                    f"head '{h.name}': {share:.0%} of the targets are class {int(np.argmax(counts))}",
                    {"majority_share": float(share), "class_counts": counts.tolist()}))
    return findings


def output_fault_findings(info: ModelInfo, heads: list[HeadVerdict], capture: Capture,
                          ds: Dataset) -> list[Finding]:
    """Faults of an output layer that the targets prove: shapes that Keras broadcast, an activation whose range
    cannot produce the targets, an activation the loss does not expect. Errors when the head collapsed,
    warnings on a head that still varies (the model is not called collapsed for them)."""
    if ds.targets is None:
        return []
    specs = compiled_loss_specs(info) or [None] * len(heads)
    out = []
    for i, h in enumerate(heads):
        y = np.asarray(ds.targets[i])
        if y.dtype.kind not in "biuf" or h.name not in info.layers:
            continue
        severity = "error" if h.collapsed else "warning"
        loss = capture.loss_kinds[i] if i < len(capture.loss_kinds) else "mean_squared_error"
        compiled = specs[i] if i < len(specs) else None
        out += _shape_mismatch(h, y, loss, i in capture.loss_fallback)
        act = info.layers[h.name].activation
        units = int(np.prod(h.output_shape or (1,)))
        labels = class_labels(y, units)
        bounds = OUTPUT_RANGES.get(act or "")
        if bounds is not None and labels is None and y.size:
            low, high = bounds
            outside = float(np.mean((y < low - 1e-6) | (y > high + 1e-6)))
            if outside >= threshold("range_miss_share"):
                out.append(finding(
                    "output_range_mismatch", severity, h.name,
                    f"{h.name}: its {act} activation outputs values in [{low:g}, {high:g}], but {outside:.0%} of "
                    f"the targets lie outside (targets from {float(np.min(y)):.4g} to {float(np.max(y)):.4g})",
                    {"activation": act, "range": [low, high], "share_outside": outside,
                     "target_min": float(np.min(y)), "target_max": float(np.max(y)), "repair_activation": "linear"}))
        if compiled is None:
            continue
        if act == "sigmoid" and units > 1 and loss == "categorical_crossentropy" and labels is not None \
                and y.reshape(y.shape[0], -1).shape[1] == units:
            out.append(finding(
                "loss_activation_mismatch", severity, h.name,
                f"{h.name}: sigmoid over {units} exclusive classes (one-hot targets) under categorical "
                "cross-entropy: each unit is squashed on its own, so the classes do not compete",
                {"activation": act, "loss": loss, "units": units, "repair_activation": "softmax"}))
        if loss == "categorical_crossentropy" and units == 1:
            out.append(finding(
                "loss_activation_mismatch", severity, h.name,
                f"{h.name}: categorical cross-entropy over a single output unit is 0 whatever the prediction "
                "(Keras normalises the one unit to 1), so nothing was learned",
                {"activation": act, "loss": loss, "units": 1},
                "use binary_crossentropy with a sigmoid unit, or Dense(classes, activation='softmax') with "
                "categorical_crossentropy and one-hot targets"))
        if loss == "binary_crossentropy" and act not in ("sigmoid", "hard_sigmoid", "softmax") \
                and not from_logits(compiled):
            out.append(finding(
                "loss_activation_mismatch", severity, h.name,
                f"{h.name}: binary cross-entropy expects probabilities, but this output is {act or 'linear'} "
                "(unbounded) and the loss was not told from_logits=True",
                {"activation": act, "loss": loss, "repair_activation": "sigmoid"}))
    return out


def _shape_mismatch(h: HeadVerdict, y: np.ndarray, loss: str, refused: bool) -> list[Finding]:
    target, output = tuple(y.shape[1:]) or (1,), tuple(h.output_shape) or (1,)
    if target == output or h.target_shape is None:
        return []
    one_column = int(np.prod(target or (1,))) == 1
    units = int(np.prod(output or (1,)))
    if loss == "sparse_categorical_crossentropy" and one_column and units > 1:
        return []  # integer labels for a softmax head: exactly what the sparse loss takes
    squeezed = tuple(d for d in target if d != 1) == tuple(d for d in output if d != 1)
    evidence = {"target_shape": ["N", *target], "output_shape": ["N", *output], "loss": loss,
                "keras_refuses": refused}
    if squeezed:
        return [finding(
            "target_shape_mismatch", "warning", h.name,
            f"head '{h.name}': targets of shape (N, {', '.join(map(str, target))}) for an output of shape "
            f"(N, {', '.join(map(str, output))}): Keras 3 squeezes the axis of 1, but tf.keras 2 broadcast such "
            "targets against every output position", evidence)]
    how = ("Keras refuses them for this loss" if refused else
           "Keras broadcasts them, so every output unit was trained towards the same target value")
    return [finding(
        "target_shape_mismatch", "error", h.name,
        f"head '{h.name}': targets of shape (N, {', '.join(map(str, target)) or '1'}) for an output of shape "
        f"(N, {', '.join(map(str, output))}): {how}", evidence)]


def vocabulary_findings(capture: Capture, collapsed: bool) -> list[Finding]:
    """Text the vocabulary does not know reaches the model as one and the same id: enough of it and every
    sample looks alike, which is a classic way for a text model to predict the same thing for everything."""
    findings = []
    for name, t in capture.tokens.items():
        share = t["unknown_share"]
        blind = t["samples_without_known_token"] / max(t["samples"], 1)
        warn = threshold("unknown_tokens_warning")
        if share < warn and blind < warn:
            continue
        severe = share >= threshold("unknown_tokens_error") or blind >= warn
        findings.append(finding(
            "out_of_vocabulary", "error" if severe and collapsed else "warning", name,
            f"{name}: {share:.0%} of the tokens are not in the vocabulary"
            + (f", and {blind:.0%} of the samples have no known token at all" if blind else ""),
            {**t, "samples_without_known_share": blind}))
    return findings
