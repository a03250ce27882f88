"""A training log written by `CollapseMonitor`, read without TensorFlow: per epoch, each head's and each layer's
spread, and when the collapse began.

"The collapse began at epoch N in layer L": L is the layer blamed first at the first collapsed epoch, and N the
first epoch at which L's relative spread fell below the dead-spread threshold (or, where L's spread never did,
the first collapsed epoch).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from inspector.errors import InspectorError


@dataclass
class Timeline:
    path: str
    header: dict[str, Any]
    epochs: list[dict[str, Any]]
    skipped: int = 0  # lines that were not complete records (a crash mid-write leaves at most one)
    onset_epoch: int | None = None
    onset_layer: str | None = None
    onset_head: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def heads(self) -> list[str]:
        return list(self.header.get("outputs") or (self.epochs[0]["heads"] if self.epochs else []))

    @property
    def layer_names(self) -> list[str]:
        return [layer["name"] for layer in self.header.get("layers", [])
                if any(layer["name"] in e["layers"] for e in self.epochs)]

    def sentence(self) -> str:
        if self.onset_epoch is None:
            last = self.epochs[-1]["epoch"] if self.epochs else 0
            return f"No collapse in {len(self.epochs)} measured epochs (up to epoch {last})."
        where = f" in layer {self.onset_layer}" if self.onset_layer else ""
        return f"The collapse began at epoch {self.onset_epoch}{where} (head '{self.onset_head}')."


def read_log(path: str | os.PathLike[str]) -> Timeline:
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError as exc:
        raise InspectorError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InspectorError(f"{path}: not a training log (not UTF-8 text)") from None
    records, skipped = [], 0
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            skipped += 1
            continue
        if isinstance(record, dict):
            records.append(record)
    if not records or records[0].get("kind") != "header":
        raise InspectorError(f"{path}: not a keras-inspector training log (no header line)")
    epochs = [r for r in records[1:] if r.get("kind") == "epoch" and isinstance(r.get("layers"), dict)]
    timeline = Timeline(path, records[0], epochs, skipped)
    if skipped:
        timeline.notes.append(f"{skipped} incomplete line(s) skipped (training stopped mid-write?)")
    _find_onset(timeline)
    return timeline


def _find_onset(t: Timeline) -> None:
    """The collapse that lasts: the run of collapsed epochs that reaches the last measured epoch. Earlier runs
    that recovered (a head still untrained at epoch 1, say) are noted, not called a collapse."""
    dead = float(t.header.get("thresholds", {}).get("dead_spread", 1e-3))
    run_start = None
    for e in t.epochs:
        if e.get("collapsed") and run_start is None:
            run_start = e
        elif not e.get("collapsed") and run_start is not None:
            t.notes.append(f"collapsed at epochs {run_start['epoch']} to {e['epoch'] - 1}, recovered at epoch "
                           f"{e['epoch']}")
            run_start = None
    if run_start is None:
        return
    first = run_start
    head = next((name for name, h in first["heads"].items() if h.get("collapsed")), None) or t.heads[0]
    blamed = [b["layer"] for b in first.get("blame", [])]
    layer = first["heads"].get(head, {}).get("died_in") or (blamed[0] if blamed else None)
    t.onset_head, t.onset_layer, t.onset_epoch = head, layer, first["epoch"]
    if layer is None:
        return
    for e in t.epochs:  # the layer's own spread may have died before the head was judged collapsed
        if e["epoch"] >= first["epoch"]:
            break
        spread = e["layers"].get(layer, {}).get("relative_spread")
        if spread is not None and spread < dead:
            t.onset_epoch = e["epoch"]
            return


def series(t: Timeline, what: str, name: str, key: str = "relative_spread") -> list[tuple[int, float | None]]:
    """(epoch, value) of one head's or one layer's quantity over the measured epochs."""
    return [(e["epoch"], e[what].get(name, {}).get(key)) for e in t.epochs]


def timeline_to_dict(t: Timeline) -> dict[str, Any]:
    return {"log": os.path.abspath(t.path), "model": t.header.get("model"), "epochs": [e["epoch"] for e in t.epochs],
            "collapse": {"epoch": t.onset_epoch, "layer": t.onset_layer, "head": t.onset_head},
            "sentence": t.sentence(),
            "heads": {h: {"std": [v for _, v in series(t, "heads", h, "std")],
                          "relative_spread": [v for _, v in series(t, "heads", h)],
                          "collapsed": [v for _, v in series(t, "heads", h, "collapsed")]} for h in t.heads},
            "layers": {n: {"relative_spread": [v for _, v in series(t, "layers", n)],
                           "dead_fraction": [v for _, v in series(t, "layers", n, "dead_fraction")],
                           "weight_grad": [v for _, v in series(t, "layers", n, "weight_grad")]}
                       for n in t.layer_names},
            "notes": t.notes}


def timeline_text(t: Timeline) -> str:
    lines = [f"{t.path} | model '{t.header.get('model')}', {len(t.epochs)} measured epochs", "", t.sentence(), ""]
    heads = t.heads
    lines.append("epoch  " + "  ".join(f"{h[:18]:>18}" for h in heads) + "  state")
    for e in t.epochs:
        cells = []
        for h in heads:
            rec = e["heads"].get(h, {})
            mark = "C" if rec.get("collapsed") else "n" if rec.get("nearly_collapsed") else " "
            std = rec.get("std")
            cells.append(f"{(f'{std:.3g}' if std is not None else '-'):>16} {mark}")
        lines.append(f"{e['epoch']:5d}  " + "  ".join(cells) + ("  COLLAPSED" if e.get("collapsed") else ""))
    if t.onset_layer:
        lines += ["", f"relative spread of {t.onset_layer} by epoch: " + ", ".join(
            f"{ep}: {v:.2g}" for ep, v in series(t, "layers", t.onset_layer) if v is not None)]
    lines += [f"note: {n}" for n in t.notes]
    return "\n".join(lines) + "\n"
