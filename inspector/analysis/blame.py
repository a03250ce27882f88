"""Which layers to blame for the judged heads, causes before symptoms.

Evidence is gathered per layer and per catalogued kind (one vote per kind); the catalogue says whether a kind is a
cause (why the output cannot vary) or a symptom (where it shows), how much it weighs, and whether it makes the
layer's output constant by construction (`blocks`), which outranks any degradation upstream of it: a one-unit
softmax outputs 1.0 whatever reaches it. Data-side causes land on the layer where their fix lands (the detectors
set it). Verification (verify.py) then decides which are responsible; the catalogue's tiers order them.
"""

from __future__ import annotations

from inspector.analysis.results import BlameEntry, HeadPair, HeadVerdict, LayerMeasure
from inspector.core.catalogue import KINDS, threshold
from inspector.core.model import Finding, ModelInfo

SCALED_BY_FRACTION = {"dead_units": "dead_fraction", "saturation": "saturated_fraction"}


def judged_heads(heads: list[HeadVerdict], pairs: list[HeadPair]) -> list[str]:
    """The heads blame explains: the collapsed ones (identical heads count), else the nearly collapsed ones."""
    collapsed = [h.name for h in heads if h.collapsed]
    collapsed += [n for p in pairs if p.identical for n in (p.head_a, p.head_b) if n not in collapsed]
    return collapsed or [h.name for h in heads if h.nearly_collapsed]


def blame(info: ModelInfo, judged: list[str], layers: dict[str, LayerMeasure], order: list[str],
          findings: list[Finding]) -> list[BlameEntry]:
    if not judged:
        return []
    relevant = set(judged).union(*(info.feeding(t) for t in judged if t in info.layers))
    votes: dict[str, dict[str, tuple[float, str]]] = {}
    position = {name: i for i, name in enumerate(order)}

    def vote(name: str | None, kind: str, points: float, why: str) -> None:
        if name is None or name not in info.layers or name.split("/", 1)[0] not in relevant or points <= 0:
            return
        current = votes.setdefault(name, {})
        if kind not in current or current[kind][0] < points:
            current[kind] = (points, why)

    dead = threshold("dead_spread")
    alive = {name: _inputs_alive(info, layers, name, dead) for name in order}
    for name in order:
        m = layers[name].activation
        if m.relative_spread < dead and alive[name]:
            vote(name, "spread_dies", KINDS["spread_dies"].blame_weight,
                 f"the across-sample spread dies here (relative spread {m.relative_spread:.2g})")
        if m.constant_fraction >= threshold("constant_units_share") and m.dead_fraction is None and alive[name] and m.relative_spread < dead:
            vote(name, "constant_units", KINDS["constant_units"].blame_weight * m.constant_fraction,
                 f"{m.constant_fraction:.0%} constant units")
    for f in findings:
        kind = KINDS.get(f.kind)
        if kind is None or kind.blame_weight <= 0 or f.severity not in ("error", "warning"):
            continue
        points = kind.blame_weight
        if f.kind in SCALED_BY_FRACTION:
            if f.layer in alive and not alive[f.layer]:
                continue  # its input is already constant: dead or saturated units there are a consequence
            points *= float(f.evidence.get(SCALED_BY_FRACTION[f.kind]) or 0.0)
        why = f.message.split(": ", 1)[-1] if f.layer and f.message.startswith(f.layer) else f.message
        for name in _landing_layers(f):
            vote(name, f.kind, points, why)
    entries = []
    for name, kinds in votes.items():
        if info.layers[name].is_container and any(v.startswith(name + "/") for v in votes):
            continue  # the evidence inside a nested model names its own layer; the container only echoes it
        entry = BlameEntry(name, round(sum(p for p, _ in kinds.values()), 3), [why for _, why in kinds.values()],
                           role="cause" if any(KINDS[k].role == "cause" for k in kinds) else "symptom",
                           kinds=list(kinds))
        entries.append(entry)
    entries.sort(key=lambda e: rank_key(e, layers, position))
    return entries


def blocks(entry: BlameEntry, layers: dict[str, LayerMeasure]) -> bool:
    """The layer's output cannot depend on its input: a kind that blocks by construction, or every unit dead."""
    if any(KINDS[k].blocks for k in entry.kinds):
        return True
    measure = layers.get(entry.layer)
    return "dead_units" in entry.kinds and measure is not None and (measure.activation.dead_fraction or 0) >= 1.0


def tier(entry: BlameEntry, layers: dict[str, LayerMeasure]) -> int:
    """The catalogue's tier of the entry's strongest kind. A layer whose every unit is dead outputs 0 whatever
    comes in, as a zeroed kernel does: constant by construction too. A repair that restored the output proves
    at least a mechanism."""
    if blocks(entry, layers):
        return 0
    best = min((KINDS[k].tier for k in entry.kinds), default=3)
    return min(best, 2) if entry.responsible else best


def rank_key(entry: BlameEntry, layers: dict[str, LayerMeasure], position: dict[str, int]) -> tuple:
    """Constant by construction first (a one-unit softmax, a zeroed kernel, a layer with every unit dead); then
    faults of the task at the output or of the data, which explain the mechanisms they cause elsewhere (unscaled
    targets saturate a tanh trunk: the fix lands on the head); then mechanisms, then symptoms. Within a tier:
    proven (responsible) first, then score, then the upstream layer first."""
    return (tier(entry, layers), not entry.responsible, -entry.score, position.get(entry.layer, 10**9))


def _landing_layers(f: Finding) -> list[str | None]:
    if f.kind == "spread_decay":
        return list(f.evidence.get("span") or [f.layer])
    if f.kind == "identical_heads" and f.evidence.get("head_a"):
        return [f.evidence["head_a"], f.layer]
    return [f.layer]


def _inputs_alive(info: ModelInfo, layers: dict[str, LayerMeasure], name: str, dead: float) -> bool:
    producers = [layers[p].activation for p in info.layers[name].inbound if p in layers]
    return all(a.relative_spread >= dead and not (a.stats.nan_count or a.stats.inf_count) for a in producers)
