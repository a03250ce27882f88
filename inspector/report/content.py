"""What the PNG report says, decided without Qt: sections, labels, series and table rows from a Diagnosis.

The renderer only paints this; the window's Export uses the same function, so both show the same report.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from inspector import __version__
from inspector.core.catalogue import KINDS
from inspector.core.stats import Histogram
from inspector.palette import LEVELS, SEVERITY, TEXT
from inspector.report.graph_model import GraphPart, report_graph
from inspector.report.plot_model import SpreadPlot, diagnosis_spread


@dataclass
class HistPanel:
    """One histogram plot as both the window and the report draw it: bars, an overlay, and a marked value."""

    title: str
    histogram: Histogram | None
    overlay: Histogram | None = None  # e.g. the targets behind a head's outputs
    alert: bool = False
    note: str = ""
    marker: float | None = None  # a value drawn as a full-height line in the blame colour (a constant output)
    marker_label: str = ""
    x_label: str = "value"
    y_label: str = "samples"

    def drawn(self) -> list[Histogram]:
        return [h for h in (self.overlay, self.histogram) if h is not None and h.counts]

    def x_range(self) -> tuple[float, float]:
        """What the x axis spans: every drawn bar and the marker, with a margin so the marker is never on the
        frame."""
        values = [v for h in self.drawn() for v in (h.edges[0], h.edges[-1])]
        if self.marker is not None:
            values.append(self.marker)
        if not values:
            return 0.0, 1.0
        lo, hi = min(values), max(values)
        pad = (hi - lo) * 0.05 if hi > lo else max(abs(lo) * 0.05, 0.5)
        return lo - pad, hi + pad

    def y_max(self) -> float:
        """The count axis' top: from the drawn bars only (a collapsed output is a marker, not a spike that
        would squash everything else)."""
        peaks = [max(h.counts) for h in self.drawn()]
        return float(max(peaks)) if peaks and max(peaks) > 0 else 1.0


def head_panel(h) -> HistPanel:  # noqa: ANN001 - analysis.diagnose.HeadVerdict
    """A head's outputs over the data against its targets. A collapsed head outputs one value: as bars it is one
    spike that sets the y scale and hides the targets, so it is drawn as a labelled line at that value across
    the targets' distribution, the most visible thing in the plot."""
    targets = h.target_stats.histogram if h.target_stats else None
    note = "grey: targets" if targets is not None else "no targets given"
    if h.collapsed:
        value = h.stats.mean
        spike = None if targets is not None else h.stats.histogram  # alone, the spike hides nothing
        return HistPanel(f"{h.name}: COLLAPSED at {value:.4g}", spike, targets, True, note,
                         marker=value, marker_label=f"constant {value:.4g}", x_label="output / target value")
    return HistPanel(f"{h.name}: {h.stats.mean:.4g} ± {h.std:.2g}", h.stats.histogram, targets, False,
                     ("blue: outputs, " + note) if targets is not None else "blue: outputs",
                     x_label="output / target value")


@dataclass
class ReportContent:
    title: str
    facts: list[str]
    verdict: str
    collapsed: bool
    graph: GraphPart
    spread: SpreadPlot  # layer by layer, the dead-spread threshold and the first dead layer marked
    head_panels: list[HistPanel]
    layer_panels: list[HistPanel]
    matrix_names: list[str]
    matrix: list[list[float | None]]
    matrix_label: str
    findings: list[tuple[str, str, str, str, str]]  # severity, kind, layer, message + evidence, fix + check
    footer: str
    notes: list[str] = field(default_factory=list)
    findings_omitted: int = 0  # info findings and rows past the table's length: in the JSON, said in the title


def data_words(d, full: bool = True) -> str:  # noqa: ANN001 - analysis.results.Diagnosis
    """What a diagnosis ran on, in the words every front end uses: the dataset (its path, or `full` False its
    name), or synthetic inputs."""
    if d.synthetic:
        return "synthetic inputs (no data given)"
    return d.data_source if full else os.path.basename(d.data_source)


def build_content(d, colour_by: str = "blame") -> ReportContent:  # noqa: ANN001 - analysis.diagnose.Diagnosis
    """`colour_by`: what the graph's nodes are coloured by (`graph_model.METRICS`), as in the window."""
    info = d.info
    data = data_words(d, full=False)
    facts = [
        f"{info.format.replace('_', ' ')} · Keras {info.keras_version or '?'} · {info.model_class} "
        f"'{info.name}' · {len(info.layers)} layers · {info.params:,} parameters",
        f"data: {data} · {d.samples:,} samples · model {d.how_built} · {d.created} · keras-inspector {__version__}",
    ]
    return ReportContent(
        title=os.path.basename(info.path),
        facts=facts,
        verdict=d.verdict,
        collapsed=d.collapsed,
        graph=report_graph(d, colour_by),
        spread=diagnosis_spread(d),
        head_panels=[head_panel(h) for h in d.heads],
        layer_panels=_layer_panels(d),
        **_matrix(d),
        **dict(zip(("findings", "findings_omitted"), _findings(d), strict=True)),
        footer=("thresholds: " + ", ".join(f"{k} {v:g}" for k, v in d.thresholds.items())
                + " · blame weights (catalogue): " + ", ".join(f"{k.name} {k.blame_weight:g}"
                                                               for k in KINDS.values() if k.blame_weight)),
        notes=list(d.notes) + ([f"not run: {', '.join(d.left_out[:8])}"] if d.left_out else []),
    )


def _layer_panels(d) -> list[HistPanel]:  # noqa: ANN001
    panels = []
    for entry in d.blame[:2]:
        measure = d.layers.get(entry.layer)
        if measure is not None:
            a = measure.activation
            extra = []
            if a.dead_fraction is not None:
                extra.append(f"{a.dead_fraction:.0%} dead")
            if a.saturated_fraction is not None:
                extra.append(f"{a.saturated_fraction:.0%} saturated")
            panels.append(HistPanel(f"{entry.layer}: activations", a.stats.histogram, None, True,
                                    ", ".join(extra), x_label="activation", y_label="values"))
        for ref, stats in d.inspection.layer_stats(entry.layer)[:1]:
            panels.append(HistPanel(f"{entry.layer}: {ref.name} weights", stats.histogram, None, False,
                                    f"mean |w| {stats.mean_abs:.3g}, zeros {stats.zero_fraction:.0%}",
                                    x_label="weight", y_label="weights"))
    return panels[:4]


def _matrix(d) -> dict:  # noqa: ANN001
    names, grid, label = similarity_matrix(d.inspection, d)
    return {"matrix_names": names if len(names) > 1 else [], "matrix": grid if len(names) > 1 else [],
            "matrix_label": label if len(names) > 1 else ""}


SIMILARITY_LABEL = ("similarity between heads: weight cosine above the diagonal, output correlation on the data "
                    "below it (1.00 = identical; n/a where not measured)")


def similarity_matrix(inspection, diagnosis=None) -> tuple[list[str], list[list[float | None]], str]:  # noqa: ANN001
    """The one rule for the head-similarity matrix, painted by the window and the report alike: the weights'
    cosine (known without data) above the diagonal, the outputs' correlation (after a diagnosis) below it."""
    names = [h.name for h in inspection.info.heads] or ([h.name for h in diagnosis.heads] if diagnosis else [])
    index = {n: i for i, n in enumerate(names)}
    grid: list[list[float | None]] = [[1.0 if i == j else None for j in range(len(names))] for i in range(len(names))]
    for c in inspection.comparisons:
        if c.head_a in index and c.head_b in index:
            i, j = sorted((index[c.head_a], index[c.head_b]))
            grid[i][j] = None if c.cosine != c.cosine else c.cosine  # NaN: not comparable
    for p in diagnosis.pairs if diagnosis is not None else []:
        if p.head_a in index and p.head_b in index:
            i, j = sorted((index[p.head_a], index[p.head_b]))
            grid[j][i] = 1.0 if p.identical else p.correlation
    return names, grid, SIMILARITY_LABEL


@dataclass(frozen=True)
class BlameRow:
    """One blamed layer as every front end shows it: proven or not, cause or symptom, its evidence and checks."""

    layer: str
    status: str  # "responsible" (a repair of it restored the output) or "suspect"
    role: str  # "cause" or "symptom"
    score: float
    evidence: str
    check: str
    colour: str  # the blame level's colour (palette.LEVELS)

    @property
    def kind(self) -> str:
        return f"{self.role} · {self.score:.1f}"


def blame_rows(d, limit: int = 10) -> list[BlameRow]:  # noqa: ANN001 - analysis.diagnose.Diagnosis
    rows = []
    for b in d.blame[:limit]:
        status = "responsible" if b.responsible else "suspect"
        level = "blamed" if b.responsible else "suspect"
        rows.append(BlameRow(b.layer, status, b.role, b.score, "; ".join(b.reasons), b.check,
                             LEVELS[level][0]))
    return rows


def row_colour(first_column: str) -> str:
    """The colour of a findings-table row's first cell: its severity, or for a blamed layer its blame level."""
    if first_column in SEVERITY:
        return SEVERITY[first_column]
    return LEVELS["blamed" if first_column == "responsible" else "suspect"][0] if first_column in (
        "responsible", "suspect") else TEXT


FINDING_ROWS = 24  # rows of the report's table (blamed layers first); the rest is in the JSON


@dataclass(frozen=True)
class FindingGroup:
    """Findings of one kind, severity, fix and evidence on several layers (dead units on a dozen layers after the
    one that died): one row in every list, its layers named together."""

    severity: str
    kind: str
    message: str  # the first member's, without its layer's name in front when there are several
    fix: str
    members: tuple  # core.model.Finding

    @property
    def layers(self) -> list[str]:
        return [f.layer for f in self.members if f.layer]

    def where(self, most: int = 3) -> str:
        """The layers in words: "a, b, c and 14 more"; "(data)" for data-side findings."""
        layers = self.layers
        if not layers:
            return "(data)"
        return ", ".join(layers[:most]) + (f" and {len(layers) - most} more" if len(layers) > most else "")


def _unprefixed(f) -> str:  # noqa: ANN001 - core.model.Finding
    return f.message[len(f.layer) + 2:] if f.layer and f.message.startswith(f.layer + ": ") else f.message


def group_findings(findings: list) -> list[FindingGroup]:
    """The one rule for folding repeated findings, in the first member's place: same kind, severity and fix, and
    the same words but for the layer's name in front ("dense_41: 100% of its 8 ReLU units ..."). A rule of what
    is shown, not of what is decided: two heads' "head 'a' is collapsed" stay two rows, as their words differ."""
    groups: dict[tuple, list] = {}
    for f in findings:
        groups.setdefault((f.severity, f.kind, f.fix, _unprefixed(f)), []).append(f)
    out = []
    for (severity, kind, fix, words), members in groups.items():
        message = words if len(members) > 1 else members[0].message
        out.append(FindingGroup(severity, kind, message, fix, tuple(members)))
    return out


def _findings(d) -> tuple[list[tuple[str, str, str, str, str]], int]:  # noqa: ANN001
    """The report's table: the blamed layers, then the warnings and errors folded by `group_findings`; and how
    many findings the table leaves out (the info ones and those past its length)."""
    rows = [(r.status, r.kind, r.layer, r.evidence, f"check: {r.check}" if r.check else "") for r in blame_rows(d, 5)]
    shown = 0
    for g in group_findings([f for f in d.findings if f.severity != "info"]):
        if len(rows) >= FINDING_ROWS:
            break
        kind = g.kind + (f" ×{len(g.members)}" if len(g.members) > 1 else "")
        rows.append((g.severity, kind, g.where(), g.message, g.fix))
        shown += len(g.members)
    return rows, len(d.findings) - shown
