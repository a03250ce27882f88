"""Prove the blame: repair each candidate in memory, the way its evidence says (the catalogue's repair for each
kind), re-run the measured batch, and see whether the judged heads stop being collapsed. A layer is responsible
only when one of its repairs restored a head. When none does, a whole span of layers is re-initialised, and the
verdict says what that did."""

from __future__ import annotations

from typing import Any

import numpy as np

from inspector.analysis.capture import Capture
from inspector.analysis.detectors import weighted_chain
from inspector.analysis.head_judge import class_labels, restored, spread
from inspector.analysis.results import BlameEntry, Diagnosis, HeadVerdict, RepairResult
from inspector.core.catalogue import KINDS, threshold
from inspector.core.config_graph import TEXT_LAYERS
from inspector.core.findings import SATURATING_UNITS
from inspector.errors import DataError

PLAN_ORDER = ("replace_activation", "zero_non_finite", "reset_batchnorm", "standardise_inputs", "set_weights",
              "reinitialise")  # most specific first: the first repair that restores the output ends the trials
VERIFY_SAMPLES = 256  # repairs are judged on at most this many samples of the first batch
REFIT_KINDS = frozenset({"target_scale_mismatch", "class_imbalance", "target_shape_mismatch",
                         "bias_dominated_output", "constant_output", "nearly_collapsed"})


def verify(d: Diagnosis, capture: Capture, judged: list[str]) -> None:
    runner = capture.runner
    if runner is None or capture.first_batch is None or not d.blame or not judged:
        return
    batch = [x[:VERIFY_SAMPLES] for x in capture.first_batch]
    targets = [y[:VERIFY_SAMPLES] for y in capture.first_targets] if capture.first_targets else None
    heads = {h.name: (i, h) for i, h in enumerate(d.heads) if h.name in judged}
    acts, before = runner.forward(batch)
    index = {h.name: i for i, h in enumerate(d.heads)}
    identical = [(index[p.head_a], index[p.head_b]) for p in d.pairs if p.identical]
    trial = Trial(runner, batch, heads, before, identical)
    for entry in d.blame[: int(threshold("verify_candidates"))]:
        _verify_entry(d, entry, trial, acts, targets)
    if not any(e.responsible for e in d.blame):  # no single layer: repairs of several layers together
        d.span_repair = _joint_repair(d, trial)
        if d.span_repair is None or not d.span_repair.success:
            d.span_repair = _span_repair(d, trial, judged) or d.span_repair
        if d.span_repair is not None and d.span_repair.success:
            together = d.span_repair.layers
            for entry in d.blame:
                if entry.layer in together:  # still a suspect: red is for a layer whose repair alone restored it
                    entry.check += ("; " if entry.check else "") + (
                        f"restored only by repairing {layers_together(together)}")


class Trial:
    """Runs one repair and judges the heads on the batch."""

    def __init__(self, runner: Any, batch: list[np.ndarray], heads: dict[str, tuple[int, HeadVerdict]],
                 before: list[np.ndarray], identical: list[tuple[int, int]] | None = None) -> None:
        self.runner, self.batch, self.heads, self.before = runner, batch, heads, before
        self.identical = identical or []  # pairs of heads that gave the same values: restored when they differ

    def run(self, repair: str, layers: list[str], inputs: list[np.ndarray] | None = None,
            **args: Any) -> RepairResult | None:
        if repair == "standardise_inputs":  # a data counterfactual: the model is left as it is
            action = "inputs standardised feature by feature"
            _, after = self.runner.forward(inputs or self.batch)
        else:
            with self.runner.repaired(repair, layers, **args) as done:
                if done is None:
                    return None
                action = done
                _, after = self.runner.forward(self.batch)
        spreads, fixed = {}, []
        for name, (i, verdict) in self.heads.items():
            spreads[name] = (spread(self.before[i]), spread(after[i]))
            if verdict.collapsed or verdict.nearly_collapsed:
                if restored(verdict, self.before[i], after[i]):
                    fixed.append(name)
        for a, b in self.identical:
            if _differ(after[a], after[b]):
                fixed += [n for n, (i, _) in self.heads.items() if i in (a, b) and n not in fixed]
        return RepairResult(repair, action, list(layers), spreads, fixed)


def _differ(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return True
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-12)
    return float(np.max(np.abs(a.astype(np.float64) - b))) > 1e3 * threshold("identical_heads_tolerance") * scale


def _verify_entry(d: Diagnosis, entry: BlameEntry, trial: Trial, acts: dict[str, np.ndarray],
                  targets: list[np.ndarray] | None) -> None:
    info = d.info
    if info.layers[entry.layer].class_name in TEXT_LAYERS:
        entry.check = ("a vocabulary, not weights: nothing to re-initialise; feed text the vocabulary covers, "
                       "or adapt the layer to the training text again")
        return
    results = []
    failures = []
    for repair, layers, args in _plans(d, entry, acts, targets, trial):
        try:
            result = trial.run(repair, layers, **args)
        except (DataError, ValueError) as exc:  # a repair that cannot run on this layer says so; the rest goes on
            failures.append(f"{repair} could not run: {str(exc).splitlines()[0][:160] if str(exc) else exc}")
            continue
        if result is not None:
            results.append(result)
        if result is not None and result.success:
            break
    entry.repairs = results
    if not results:
        entry.verified = None
        entry.check = "; ".join(failures) or "no repair applies to this layer (no weights, and its activation is " \
                                            "not at fault)"
        return
    entry.verified = any(r.success for r in results)
    entry.responsible = entry.verified
    if entry.responsible:
        entry.role = "cause"
    entry.check = "; ".join([r.sentence() for r in results] + failures)


def _plans(d: Diagnosis, entry: BlameEntry, acts: dict[str, np.ndarray], targets: list[np.ndarray] | None,
           trial: Trial) -> list[tuple[str, list[str], dict[str, Any]]]:
    """The repairs to try for one entry, from its evidence, most specific first."""
    info = d.info
    layer = info.layers[entry.layer]
    by_kind = {f.kind: f for f in d.findings if f.layer == entry.layer}
    plans: list[tuple[str, list[str], dict[str, Any]]] = []
    for kind in entry.kinds:
        repair = KINDS[kind].repair
        if repair == "replace_activation":
            new = "sigmoid" if kind == "single_unit_softmax" else (by_kind.get(kind).evidence.get(
                "repair_activation") if kind in by_kind else None)
            if new:
                plans.append(("replace_activation", [entry.layer], {"activation": new}))
            if new == "linear" and targets is not None and entry.layer in trial.heads:
                values = _refit(d, entry.layer, acts, targets, trial, activation="linear")
                if values is not None:  # a linear output fitted to the targets: can the layer produce them?
                    plans.append(("replace_activation", [entry.layer],
                                  {"activation": new, "values": {entry.layer: values}}))
        elif repair == "zero_non_finite":
            plans.append(("zero_non_finite", [entry.layer], {}))
        elif repair == "standardise_inputs":
            standardised = [_standardised(x) for x in trial.batch]
            plans.append(("standardise_inputs", [entry.layer], {"inputs": standardised}))
        elif kind in REFIT_KINDS and targets is not None and entry.layer in trial.heads:
            values = _refit(d, entry.layer, acts, targets, trial)
            if values is not None:
                plans.append(("set_weights", [entry.layer], {"values": {entry.layer: values}}))
        elif repair == "reinitialise" and kind == "zero_weights" and layer.weight("gamma") is not None:
            plans.append(("reset_batchnorm", [entry.layer], {}))
    if layer.params > 0 and not layer.is_container:
        plans.append(("reinitialise", [entry.layer], {}))
    elif len(layer.inbound) == 1 and info.layers[layer.inbound[0]].params > 0:
        plans.append(("reinitialise", [layer.inbound[0]], {}))  # an activation layer: the weights feeding it
    plans.sort(key=lambda plan: PLAN_ORDER.index(plan[0]))
    unique, seen = [], set()
    for plan in plans:
        key = (plan[0], tuple(plan[1]), "values" in plan[2])
        if key not in seen:
            seen.add(key)
            unique.append(plan)
    return unique


def _standardised(x: np.ndarray) -> np.ndarray:
    if x.dtype.kind != "f":
        return x
    axes = tuple(range(x.ndim - 1))
    std = x.std(axis=axes, keepdims=True)
    return ((x - x.mean(axis=axes, keepdims=True)) / np.where(std > 0, std, 1.0)).astype(x.dtype)


def _refit(d: Diagnosis, name: str, acts: dict[str, np.ndarray], targets: list[np.ndarray],
           trial: Trial, activation: str | None = None) -> list[np.ndarray] | None:
    """Least-squares kernel and bias for a Dense output layer, from what reaches it on the batch to its targets
    (class-balanced one-hot scores for a classifier, targets mapped through the inverse activation otherwise).
    If that output varies, the layer below still carries the signal and the fault is in this layer's weights."""
    info = d.info
    layer = info.layers[name]
    index, verdict = trial.heads[name]
    if len(layer.inbound) != 1 or layer.weight("kernel") is None or len(layer.weight("kernel").shape) != 2:
        return None
    producer = layer.inbound[0]
    if producer in acts:
        x = acts[producer]
    elif producer in info.inputs:
        x = trial.batch[info.inputs.index(producer)]
    else:
        return None
    x = x.reshape(x.shape[0], -1).astype(np.float64)
    kernel_shape = layer.weight("kernel").shape
    if x.shape[1] != kernel_shape[0] or not np.all(np.isfinite(x)):
        return None
    y = np.asarray(targets[index])[: x.shape[0]]
    units = kernel_shape[1]
    labels = class_labels(y, units) if verdict.classifier else None
    weights = np.ones(x.shape[0])
    if labels is not None:
        counts = np.bincount(labels, minlength=max(units, 2))
        weights = 1.0 / np.maximum(counts[labels], 1)
        goal = (np.eye(units)[labels] * 2 - 1) if units > 1 else (labels[:, None] * 2.0 - 1)
    else:
        if y.size != x.shape[0] * units:
            return None
        goal = y.reshape(x.shape[0], units).astype(np.float64)
        act = activation or layer.activation
        if act in ("sigmoid", "hard_sigmoid"):
            goal = np.log(np.clip(goal, 1e-3, 1 - 1e-3) / (1 - np.clip(goal, 1e-3, 1 - 1e-3)))
        elif act == "tanh":
            goal = np.arctanh(np.clip(goal, -0.999, 0.999))
    design = np.hstack([x, np.ones((x.shape[0], 1))])
    gram = design.T @ (design * weights[:, None])
    ridge = 1e-3 * np.trace(gram) / gram.shape[0] + 1e-12
    try:
        beta = np.linalg.solve(gram + ridge * np.eye(gram.shape[0]), design.T @ (goal * weights[:, None]))
    except np.linalg.LinAlgError:
        return None
    return [beta[:-1].astype(np.float32), beta[-1].astype(np.float32)]


def _joint_repair(d: Diagnosis, trial: Trial) -> RepairResult | None:
    """Two layers that are each constant by construction (two zeroed kernels, say) can only be repaired together:
    each repair alone leaves the other."""
    from inspector.analysis.blame import blocks

    joint = [e for e in d.blame[: int(threshold("verify_candidates"))] if e.role == "cause" and blocks(e, d.layers)
             and d.info.layers[e.layer].params > 0]
    if len(joint) < 2:
        return None
    position = {name: i for i, name in enumerate(d.order)}
    joint.sort(key=lambda e: position.get(e.layer, 10**9))
    return trial.run("reinitialise", [e.layer for e in joint])


def layers_together(layers: list[str]) -> str:
    """A multi-layer repair's layers in words, as the checks and the verdict name them."""
    if len(layers) > 3:
        return f"the span {layers[0]} .. {layers[-1]} ({len(layers)} layers)"
    return ", ".join(layers[:-1]) + f" and {layers[-1]} together"


def _span_repair(d: Diagnosis, trial: Trial, judged: list[str]) -> RepairResult | None:
    """Re-initialise the span a slow decay names, or else every weighted layer from the earliest candidate to
    the judged head: when that restores the output and no single layer did, the span is the cause."""
    head = judged[0]
    chain = weighted_chain(d.info, d.layers, d.order, head)
    decay = next((f for f in d.findings if f.kind == "spread_decay" and f.evidence.get("from") in chain), None)
    starts = [chain.index(e.layer) for e in d.blame[:3] if e.layer in chain]
    if decay is not None:
        starts.append(chain.index(decay.evidence["from"]))
    if not starts:
        return None
    span = chain[min(starts):]  # up to the head: layers below a fading span are dead too
    if len(span) < 2:
        return None
    result = trial.run("reinitialise", span)
    if result is not None and not result.success and min(starts) > 0:  # the fade may start above the evidence
        span = chain
        result = trial.run("reinitialise", span) or result
    if result is not None and not result.success and any(
            d.info.layers[n].activation in SATURATING_UNITS for n in span):
        swapped = trial.run("reinitialise", span, activation="relu")  # the stack's activations are the fault
        if swapped is not None:
            return swapped
    return result
