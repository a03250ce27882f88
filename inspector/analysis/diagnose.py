"""From measurements to a verdict: is the model collapsed, which layers are responsible, and why.

Every threshold and every kind of finding is a row of the catalogue (core/catalogue.py), written into the JSON and
the report, so a reader can check the reasoning. Judgements are relative to a meaningful scale (the targets' spread when there are targets, the
output's own magnitude otherwise), never an absolute epsilon.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np

from inspector.analysis.blame import blame, judged_heads, rank_key
from inspector.analysis.capture import Capture, capture_steps
from inspector.analysis.datasets import (
    Dataset,
    check_against,
    load_dataset,
    model_vocabularies,
    synthetic_dataset,
)
from inspector.analysis.detectors import measured_findings
from inspector.analysis.head_judge import head_pairs, judge_head
from inspector.analysis.results import BlameEntry, Diagnosis, HeadPair, HeadVerdict, LayerMeasure
from inspector.analysis.verify import layers_together, verify
from inspector.core.inspection import Inspection, inspect_steps
from inspector.core.model import ModelInfo
from inspector.core.reader import read_model
from inspector.progress import Progress

__all__ = ["BlameEntry", "Diagnosis", "DiagnoseOptions", "HeadPair", "HeadVerdict", "LayerMeasure",
           "diagnose_steps", "judge"]


@dataclass
class DiagnoseOptions:
    data: str | None = None
    batch_size: int | None = None
    max_samples: int | None = None
    seed: int = 0
    trust_code: bool = False
    target_columns: int | None = None
    synthetic_samples: int = 512
    arrays: tuple[Any, Any] | None = None  # (x, y) given in memory (the Python API) instead of a data file


def diagnose_steps(model_path: str | os.PathLike[str], options: DiagnoseOptions | None = None,
                   inspection: Inspection | None = None) -> Generator[Progress, None, Diagnosis]:
    """The whole diagnosis as one generator: read, load data, run, judge, verify. An `inspection` of the same
    file made earlier (the window holds one) is reused: only the structure is read again, for its weight source,
    and no weight statistic is computed twice."""
    options = options or DiagnoseOptions()
    if inspection is None:
        inspection = yield from inspect_steps(model_path)
    elif inspection.info.source is None:
        yield Progress("reading model")
        inspection.info.source = read_model(model_path).source
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
    if options.arrays is not None:
        from inspector.analysis.arrays import arrays_dataset

        ds = arrays_dataset(*options.arrays, info.input_specs, info.outputs)
    elif options.data:
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
        judged = judged_heads(diagnosis.heads, diagnosis.pairs)
        verify(diagnosis, capture, judged)
        position = {name: i for i, name in enumerate(diagnosis.order)}
        diagnosis.blame.sort(key=lambda e: rank_key(e, diagnosis.layers, position))
        diagnosis.verdict = verdict_sentence(diagnosis)
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
    heads = [judge_head(h, None if targets is None else np.asarray(targets[i]), ds.synthetic,
                        capture.loss_kinds[i] if i < len(capture.loss_kinds) else "mean_squared_error")
             for i, h in enumerate(capture.heads)]
    pairs = head_pairs(capture, heads)
    identical = [p for p in pairs if p.identical]
    collapsed = any(h.collapsed for h in heads) or (len(heads) > 1 and bool(identical))
    order = [n for n in info.topological_order() if n in capture.layers]
    layers = {n: LayerMeasure(capture.layers[n], capture.weight_grads.get(n), capture.output_grads.get(n))
              for n in order}
    findings = measured_findings(info, heads, pairs, layers, order, capture, ds)
    measured_kinds = {(f.kind, f.layer) for f in findings}
    findings += [f for f in inspection.findings if not (f.kind == "saturation" and f.layer in layers)
                 and not (f.kind == "identical_heads" and ("identical_heads", f.layer) in measured_kinds)]
    findings.sort(key=lambda f: f.rank)
    judged = judged_heads(heads, pairs)
    diagnosis = Diagnosis(
        inspection=inspection, data_source=ds.source, synthetic=ds.synthetic, samples=capture.samples,
        batch_size=capture.batch_size, collapsed=collapsed, verdict="", heads=heads, pairs=pairs, layers=layers,
        order=order, findings=findings, blame=blame(info, judged, layers, order, findings), loss=capture.loss,
        loss_kinds=capture.loss_kinds, how_built=capture.how_built, left_out=capture.left_out,
        notes=ds.notes + capture.notes,
    )
    diagnosis.verdict = verdict_sentence(diagnosis)
    return diagnosis


def verdict_sentence(d: Diagnosis) -> str:
    collapsed = [h for h in d.heads if h.collapsed]
    if not d.collapsed:
        nearly = [h for h in d.heads if h.nearly_collapsed]
        if nearly:
            return f"Nearly collapsed: '{nearly[0].name}' {nearly[0].reason}." + _proof(d)
        spread = min((h.relative_spread for h in d.heads), default=0.0)
        return f"Not collapsed: the outputs vary with the input (smallest relative spread {spread:.2g})."
    if len(d.heads) > 1 and len(collapsed) == len(d.heads):
        values = ", ".join(f"{h.name} {h.stats.mean:.4g} ± {h.std:.2g}" for h in d.heads[:4])
        head = f"Collapsed: each of the {len(d.heads)} heads outputs one constant for every input ({values})."
    elif not collapsed:
        names = ", ".join(f"'{p.head_a}' = '{p.head_b}'" for p in d.pairs if p.identical)
        head = f"Collapsed: heads {names} output identical values for every input."
    else:
        h = collapsed[0]
        more = f" (and {len(collapsed) - 1} more heads)" if len(collapsed) > 1 else ""
        if h.top_class_share is not None and h.top_class_share >= 0.5 and h.classifier and h.class_counts:
            head = (f"Collapsed: '{h.name}' predicts class {int(np.argmax(h.class_counts))} for "
                    f"{h.top_class_share:.1%} of inputs{more}.")
        else:
            target = f"; the targets vary by ± {h.target_stats.std:.3g}" if h.target_stats else ""
            head = f"Collapsed: '{h.name}' outputs {h.stats.mean:.4g} ± {h.std:.2g} for every input{target}{more}."
    return head + _proof(d)


def _proof(d: Diagnosis) -> str:
    """What the counterfactual repairs proved, and what they did not."""
    proven = [e for e in d.blame if e.responsible]
    lead = d.blame[0] if d.blame else None
    root = ""
    if lead is not None and not lead.responsible and lead.role == "cause" and proven:
        root = f" Most likely cause: {lead.layer} ({lead.reasons[-1]})."  # a fault of the task above a mechanism
    if proven:
        return root + _proven(proven[0])
    return _unproven(d)


def _proven(first: BlameEntry) -> str:
    """Only a repair of the entry's own layer (or of the weights feeding an activation layer) makes it
    responsible; repairs of several layers at once are the span's (see _unproven)."""
    result = next((r for r in first.repairs if r.success), None)
    if result is not None and result.repair == "standardise_inputs":  # a data counterfactual: the model as it is
        return f" Standardising the inputs that feed {first.layer} restores it."
    return f" Repairing {first.layer} restores it ({result.action if result else ''})."


def _unproven(d: Diagnosis) -> str:
    if not d.blame:
        return ""
    tried = [e for e in d.blame if e.repairs]
    if d.span_repair is not None and d.span_repair.success:
        return (f" No single-layer repair restored it; repairing {layers_together(d.span_repair.layers)} did: "
                f"{d.span_repair.action}.")
    if tried:
        return (" No repair of the blamed layers restored it: they are suspects, not proven causes"
                + (f" (re-initialising {d.span_repair.layers[0]} .. {d.span_repair.layers[-1]} did not either)."
                   if d.span_repair is not None else "."))
    return " No repair could be tried on the blamed layers: they are suspects, not proven causes."
