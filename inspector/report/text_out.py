"""The terminal summary of `inspect`: what a person reads before deciding to open the window."""

from __future__ import annotations

from inspector.core.inspection import Inspection
from inspector.core.model import ModelInfo

MAX_ROWS = 400  # bigger models are summarised: the JSON has every layer


def format_shape(shape: tuple | None) -> str:
    if shape is None:
        return "?"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def inspection_text(inspection: Inspection) -> str:
    info = inspection.info
    lines = [_header(info), ""]
    if info.has_architecture:
        lines += _layer_table(inspection)
        lines.append("")
        if len(info.heads) > 1:
            lines.append(f"Heads ({len(info.heads)} outputs):")
            for head in info.heads:
                params = sum(info.layers[n].params for n in head.layers)
                lines.append(f"  {head.name}: {len(head.layers)} own layers, {params:,} params"
                             f" ({' -> '.join(n for n in head.layers[-4:])})")
            for c in inspection.comparisons:
                verdict = "IDENTICAL" if c.identical else f"weight cosine {c.cosine:.3f}"
                lines.append(f"  {c.head_a} vs {c.head_b}: {verdict}")
            lines.append("")
    else:
        lines += _weight_tree(inspection)
        lines.append("")
    for note in info.notes:
        lines.append(f"note: {note}")
    if inspection.findings:
        lines.append(f"Flags ({len(inspection.findings)}):")
        lines += finding_lines(inspection.findings)
    else:
        lines.append("Flags: none from the weights alone (run `diagnose` with data to measure the model)")
    return "\n".join(lines) + "\n"


def _header(info: ModelInfo) -> str:
    parts = [f"{info.path}", f"format {info.format}"]
    if info.keras_version:
        parts.append(f"Keras {info.keras_version}")
    if info.backend:
        parts.append(info.backend)
    head = " | ".join(parts)
    if info.has_architecture:
        ins = ", ".join(f"{s.name} {format_shape(s.shape)}" for s in info.input_specs) or ", ".join(info.inputs)
        return (f"{head}\n{info.model_class} '{info.name}': {len(info.layers)} layers, {info.params:,} params\n"
                f"inputs: {ins}\noutputs: {', '.join(info.outputs)}")
    return f"{head}\nno architecture stored: {len(info.weight_tree)} weight arrays, {info.params:,} values"


def _layer_table(inspection: Inspection) -> list[str]:
    info = inspection.info
    order = info.topological_order()
    rows = [("layer", "class", "output shape", "params", "mean|w|", "inputs")]
    for name in order[:MAX_ROWS]:
        layer = info.layers[name]
        stats = inspection.layer_stats(name)
        mean_abs = ""
        if stats:
            total = sum(s.count for _, s in stats)
            mean_abs = f"{sum(s.mean_abs * s.count for _, s in stats if s.count) / max(total, 1):.3g}"
        indent = "  " * name.count("/")
        rows.append((indent + layer.short_name, layer.class_name, format_shape(layer.output_shape),
                     f"{layer.params:,}", mean_abs, ", ".join(i.rsplit("/", 1)[-1] for i in layer.inbound[:3])))
    widths = [min(max(len(r[i]) for r in rows), 40) for i in range(len(rows[0]))]
    out = ["  ".join(cell[:40].ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    if len(order) > MAX_ROWS:
        out.append(f"... {len(order) - MAX_ROWS} more layers (see --json)")
    return out


def _weight_tree(inspection: Inspection) -> list[str]:
    rows = ["weight                                            shape            mean      std       zeros"]
    for ref in inspection.info.weight_tree[:MAX_ROWS]:
        s = inspection.weight_stats.get(ref.path)
        stat = f"{s.mean:9.3g} {s.std:9.3g} {s.zero_fraction:6.1%}" if s else ""
        rows.append(f"{cut_middle(ref.path, 48):49} {format_shape(ref.shape):16} {stat}")
    return rows


def cut_middle(text: str, width: int) -> str:
    """`text` in at most `width` characters, cut in the middle: weight paths differ at their ends (``.../vars/0``,
    ``.../vars/1``) and start alike, so cutting the end would make many rows read the same."""
    if len(text) <= width:
        return text
    head = (width - 3) // 3
    return text[:head] + "..." + text[len(text) - (width - 3 - head):]


def finding_lines(findings: list) -> list[str]:
    """One line per finding, with repeats of the same finding on many layers folded into one line (the report's
    rule: content.group_findings)."""
    from inspector.report.content import group_findings

    lines = []
    for g in group_findings(findings):
        where = f" [{g.where()}]" if g.layers else ""
        times = f" ×{len(g.members)}" if len(g.members) > 1 else ""  # the header counts findings, not lines
        lines.append(f"  {g.severity.upper():7} {g.kind}{times}{where}: {g.message}")
    return lines


def diagnosis_text(diagnosis) -> str:  # noqa: ANN001 - analysis.diagnose.Diagnosis (kept import-free)
    d = diagnosis
    info = d.info
    from inspector.report.content import data_words

    data = data_words(d)
    lines = [f"{info.path} | {info.model_class} '{info.name}', {len(info.layers)} layers, {info.params:,} params",
             f"data: {data}, {d.samples} samples | model {d.how_built}", "", d.verdict, ""]
    for h in d.heads:
        state = "COLLAPSED" if h.collapsed else "NEARLY" if h.nearly_collapsed else "ok"
        target = f", targets {h.target_stats.mean:.4g} ± {h.target_stats.std:.3g}" if h.target_stats else ""
        lines.append(f"  head {h.name}: {state:9} output {h.stats.mean:.4g} ± {h.std:.3g}{target}"
                     + (f"  ({h.reason})" if h.reason else ""))
    if d.blame:
        lines += ["", "Blamed layers (responsible: a repair of it restored the output; causes before symptoms):"]
        from inspector.report.content import blame_rows

        for row in blame_rows(d, 5):
            check = f"\n      check: {row.check}" if row.check else ""
            lines.append(f"  {row.score:5.1f}  {row.layer} [{row.status.upper() if row.status == 'responsible' else row.status}, "
                         f"{row.role}]: {row.evidence}{check}")
    if d.span_repair is not None:
        lines.append(f"  span check: {d.span_repair.sentence()}")
    findings = [f for f in d.findings if f.severity != "info"]
    if findings:
        lines += ["", f"Findings ({len(findings)}, info omitted; see --json):"]
        lines += finding_lines(findings)
    if d.left_out:
        lines += ["", f"not run: {', '.join(d.left_out[:8])}" + (" ..." if len(d.left_out) > 8 else "")]
    for note in d.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines) + "\n"
