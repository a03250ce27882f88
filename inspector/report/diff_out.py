"""A checkpoint comparison as JSON (`diff --json`) and as text: one set of numbers for both."""

from __future__ import annotations

import os
from typing import Any

from inspector import __version__


def diff_to_dict(r: Any) -> dict[str, Any]:  # analysis.checkpoint_diff.CheckpointDiff
    c = r.comparison
    la = r.diagnosis_a.layers if r.diagnosis_a is not None else {}
    lb = r.diagnosis_b.layers if r.diagnosis_b is not None else {}
    layers = []
    for x in c.layers:
        entry: dict[str, Any] = {
            "name_a": x.name_a, "name_b": x.name_b, "class_name": x.class_name, "matched_by": x.matched_by,
            "weight_change": x.weight_change, "cosine": x.cosine,
            "tensors": [{"name": t.name, "shape": list(t.shape), "relative_change": t.relative_change,
                         "cosine": t.cosine, "norm_a": t.norm_a, "norm_b": t.norm_b, "max_abs_diff": t.max_abs_diff}
                        for t in x.tensors],
            "unmatched_tensors": x.unmatched_tensors,
        }
        if r.diagnosis_a is not None:
            a, b = la.get(x.name_a), lb.get(x.name_b)
            entry.update({
                "spread_a": a.activation.relative_spread if a else None,
                "spread_b": b.activation.relative_spread if b else None,
                "dead_fraction_a": a.activation.dead_fraction if a else None,
                "dead_fraction_b": b.activation.dead_fraction if b else None,
                "saturated_fraction_a": a.activation.saturated_fraction if a else None,
                "saturated_fraction_b": b.activation.saturated_fraction if b else None,
                "output_divergence": r.divergence.get(x.name_a),
            })
        layers.append(entry)
    heads = {}
    for name, change in c.heads.items():
        heads[name] = dict(change)
        for key, d in (("a", r.diagnosis_a), ("b", r.diagnosis_b)):
            verdict = next((h for h in d.heads if h.name == name), None) if d is not None else None
            if verdict is not None:
                heads[name].update({f"collapsed_{key}": verdict.collapsed, f"mean_{key}": verdict.stats.mean,
                                    f"std_{key}": verdict.std,
                                    f"histogram_{key}": {"counts": verdict.stats.histogram.counts,
                                                         "edges": verdict.stats.histogram.edges}})
    return {"tool": {"name": "keras-inspector", "version": __version__},
            "a": os.path.abspath(c.a.path), "b": os.path.abspath(c.b.path),
            "matched": [list(p) for p in c.matched],
            "unmatched": {"a": c.unmatched_a, "b": c.unmatched_b},
            "layers": layers, "heads": heads,
            "first_divergent_layer": r.first_divergent_layer, "first_divergent_why": r.why or None,
            "with_data": r.diagnosis_a is not None, "sentence": r.sentence(), "notes": c.notes + r.notes}


def diff_text(r: Any) -> str:
    doc = diff_to_dict(r)
    lines = [f"A: {doc['a']}", f"B: {doc['b']}", "", doc["sentence"], ""]
    with_data = doc["with_data"]
    header = f"{'layer (A)':28} {'layer (B)':28} {'change':>9} {'cosine':>7}"
    lines.append(header + (f" {'spread A':>9} {'spread B':>9}" if with_data else ""))

    def num(value: Any, fmt: str = ".3g") -> str:
        return "-" if value is None else format(value, fmt)

    for x in doc["layers"]:
        row = f"{x['name_a'][:28]:28} {x['name_b'][:28]:28} {num(x['weight_change']):>9} {num(x['cosine'], '.3f'):>7}"
        if with_data:
            row += f" {num(x['spread_a'], '.2g'):>9} {num(x['spread_b'], '.2g'):>9}"
        mark = "  <- first divergent" if x["name_a"] == doc["first_divergent_layer"] else ""
        lines.append(row + mark)
    for side in ("a", "b"):
        if doc["unmatched"][side]:
            lines.append(f"only in {side.upper()}: " + ", ".join(doc["unmatched"][side][:12])
                         + (" ..." if len(doc["unmatched"][side]) > 12 else ""))
    lines += [f"note: {n}" for n in doc["notes"]]
    return "\n".join(lines) + "\n"
