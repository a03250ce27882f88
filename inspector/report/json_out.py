"""Stable JSON for `--json`: plain types only, NaN/Inf written as null so every JSON parser accepts it."""

from __future__ import annotations

import json
import math
import os
from typing import Any

from inspector import __version__
from inspector.core.catalogue import catalogue_table, threshold_meanings
from inspector.core.inspection import Inspection
from inspector.core.model import ModelInfo, WeightRef

SCHEMA_VERSION = 1


def inspection_to_dict(inspection: Inspection) -> dict[str, Any]:
    info = inspection.info
    stats = inspection.weight_stats
    doc: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "tool": {"name": "keras-inspector", "version": __version__},
        **model_header(info),
        "layers": [
            {
                "name": layer.name,
                "class_name": layer.class_name,
                "module": layer.module,
                "params": layer.params,
                "inbound": layer.inbound,
                "parent": layer.parent,
                "children": layer.children,
                "calls": layer.calls,
                "output_shape": list(layer.output_shape) if layer.output_shape is not None else None,
                "activation": layer.activation,
                "weights": [weight_entry(w, stats) for w in layer.weights],
                "config": layer.config,
            }
            for layer in (info.layers[name] for name in info.topological_order())
        ],
        "edges": [[src, dst] for src, dst in info.edges],
        "heads": [
            {"name": head.name, "layers": head.layers,
             "params": sum(info.layers[n].params for n in head.layers)}
            for head in info.heads
        ],
        "head_comparisons": [
            {"head_a": c.head_a, "head_b": c.head_b, "identical": c.identical, "cosine": c.cosine,
             "min_cosine": c.min_cosine,
             "tensors": [vars(s) for s in c.similarities]}
            for c in inspection.comparisons
        ],
        "flags": [f.to_dict() for f in inspection.findings],
        "notes": info.notes,
    }
    if not info.has_architecture:
        doc["weights"] = [weight_entry(w, stats) for w in info.weight_tree]
        doc["flags"].insert(0, {"kind": "missing_architecture", "severity": "info", "layer": None,
                                "message": info.notes[0] if info.notes else "the file stores no architecture",
                                "evidence": {"weight_arrays": len(info.weight_tree)},
                                "fix": "save the whole model with model.save('model.keras')"})
    elif info.unassigned:
        doc["unassigned_weights"] = [weight_entry(w, stats) for w in info.unassigned]
    return doc


def model_header(info: ModelInfo) -> dict[str, Any]:
    return {
        "file": os.path.abspath(info.path),
        "format": info.format,
        "keras_version": info.keras_version,
        "backend": info.backend,
        "model_class": info.model_class,
        "name": info.name,
        "params": info.params,
        "has_architecture": info.has_architecture,
        "inputs": [{"name": s.name, "shape": list(s.shape), "dtype": s.dtype} for s in info.input_specs]
        or [{"name": n, "shape": None, "dtype": None} for n in info.inputs],
        "outputs": info.outputs,
    }


def weight_entry(ref: WeightRef, stats: dict) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": ref.name, "role": ref.role, "path": ref.path, "shape": list(ref.shape),
                             "dtype": ref.dtype}
    s = stats.get(ref.path)
    if s is not None:
        entry["stats"] = s.to_dict()
    return entry


def clean(value: Any) -> Any:
    """Non-finite floats become null; tuples become lists; numpy scalars become Python numbers.

    Exact type checks first: this walks every number of a 1,000-layer document, so it must be cheap."""
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        return {k if type(k) is str else str(k): clean(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        if all(type(v) is int or type(v) is str for v in value):  # counts, shapes, names: nothing to clean
            return list(value)
        return [clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return clean(value.item())
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def dumps(doc: dict[str, Any]) -> str:
    # no indent: only the compact form uses the C encoder, which matters for 1,000-layer models
    return json.dumps(clean(doc), allow_nan=False, separators=(",", ":"))


def repair_entry(r: Any) -> dict[str, Any]:
    return {"repair": r.repair, "action": r.action, "layers": r.layers, "restored": r.restored,
            "spreads": {head: {"before": b, "after": a} for head, (b, a) in r.spreads.items()}}


def diagnosis_to_dict(diagnosis: Any) -> dict[str, Any]:
    """The `diagnose --json` document: the inspection plus what the data showed."""
    d = diagnosis
    doc = inspection_to_dict(d.inspection)
    layers_by_name = {entry["name"]: entry for entry in doc["layers"]}
    for name, measure in d.layers.items():
        a = measure.activation
        entry = layers_by_name.get(name)
        if entry is None:
            continue
        entry["activations"] = {
            "stats": a.stats.to_dict(), "shape": list(a.shape), "samples": a.samples, "units": a.units,
            "spread": a.spread, "relative_spread": a.relative_spread, "dead_fraction": a.dead_fraction,
            "saturated_fraction": a.saturated_fraction, "constant_fraction": a.constant_fraction,
        }
        entry["gradients"] = {"weights_rms": measure.weight_grad, "output_rms": measure.output_grad}
    heads = {h["name"]: h for h in doc["heads"]}
    for h in d.heads:
        entry = heads.setdefault(h.name, {"name": h.name, "layers": [], "params": 0})
        entry.update({
            "collapsed": h.collapsed, "reason": h.reason, "activation": h.activation,
            "output": h.stats.to_dict(), "std": h.std, "relative_spread": h.relative_spread,
            "targets": h.target_stats.to_dict() if h.target_stats else None,
            "class_counts": h.class_counts, "top_class_share": h.top_class_share,
            "nearly_collapsed": h.nearly_collapsed, "classifier": h.classifier,
            "output_shape": list(h.output_shape),
            "target_shape": list(h.target_shape) if h.target_shape is not None else None,
        })
    doc["heads"] = list(heads.values())
    doc.update({
        "collapsed": d.collapsed,
        "nearly_collapsed": d.nearly_collapsed,
        "verdict": d.verdict,
        "data": {"source": d.data_source, "synthetic": d.synthetic, "samples": d.samples,
                 "batch_size": d.batch_size},
        "head_agreement": [{"head_a": p.head_a, "head_b": p.head_b, "correlation": p.correlation,
                            "max_abs_diff": p.max_abs_diff, "identical": p.identical} for p in d.pairs],
        "findings": [f.to_dict() for f in d.findings],
        "blame": [{"layer": b.layer, "score": b.score, "role": b.role, "kinds": b.kinds,
                   "responsible": b.responsible, "reasons": b.reasons, "verified": b.verified, "check": b.check,
                   "repairs": [repair_entry(r) for r in b.repairs]} for b in d.blame],
        "span_repair": repair_entry(d.span_repair) if d.span_repair is not None else None,
        "catalogue": catalogue_table(),
        "loss": {"value": d.loss, "per_head": d.loss_kinds},
        "model_built": d.how_built,
        "layers_not_run": d.left_out,
        "thresholds": d.thresholds,
        "threshold_meanings": {name: t for name, t in threshold_meanings().items() if name in d.thresholds},
        "created": d.created,
    })
    doc["notes"] = doc["notes"] + d.notes
    return doc
