"""Legacy HDF5 files: full models (``model_config`` + ``model_weights``), weights-only files from Keras 1/2
(``layer_names`` at the root) and Keras 3 ``.weights.h5`` files (``layers/<class>/vars``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import h5py

from inspector.core import h5safe
from inspector.core.config_graph import ParsedGraph, parse_model_config
from inspector.core.keras_zip import parse_json
from inspector.core.model import WeightRef
from inspector.core.weight_paths import CONTAINER_GROUPS, assign_legacy, weight_tree
from inspector.errors import ModelFileError

MAX_LISTED = 2000  # layer names in the note of a weights-only file (a hostile one may name millions)


@dataclass
class LegacyContents:
    format: str  # legacy_h5, weights_h5, keras3_weights_h5
    keras_version: str | None
    backend: str | None
    graph: ParsedGraph | None
    unassigned: list[WeightRef]
    tree: list[WeightRef]
    training_config: dict[str, Any] | None
    config: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def read_legacy(h5: h5py.File, where: str) -> LegacyContents:
    keras_version = h5safe.attr_text(h5, "keras_version")
    backend = h5safe.attr_text(h5, "backend")
    config_text = h5safe.attr_text(h5, "model_config")
    if config_text is not None:
        config = parse_json(config_text, f"{where}: model_config")
        graph = parse_model_config(config)
        weights = h5safe.child(h5, "model_weights")
        if not isinstance(weights, h5py.Group):
            weights = h5  # some writers put the layer groups at the root
        keras_version = keras_version or h5safe.attr_text(weights, "keras_version")
        backend = backend or h5safe.attr_text(weights, "backend")
        tree = weight_tree(weights)
        unassigned = assign_legacy(weights, graph, tree)
        return LegacyContents("legacy_h5", keras_version, backend, graph, unassigned, tree,
                              _training_config(h5, where, graph), config)
    kind = keras_content(h5)
    if kind is not None:  # weights only
        tree, note = _in_file_order(h5, kind, weight_tree(h5))
        contents = LegacyContents(kind, keras_version, backend, None, [], tree, None)
        contents.notes = [note] if note else []
        return contents
    raise ModelFileError(f"{where}: an HDF5 file with no Keras content (no model_config, layer_names or layers group)")


def keras_content(h5: h5py.File) -> str | None:
    """What Keras wrote into an HDF5 file: "legacy_h5" (a full model), "weights_h5" (Keras 1/2 save_weights),
    "keras3_weights_h5" (a Keras 3 .weights.h5), or None when it is not a Keras file (a dataset, say)."""
    if h5safe.has_attr(h5, "model_config"):
        return "legacy_h5"
    if h5safe.attr_names(h5, "layer_names") is not None:
        return "weights_h5"
    if any(isinstance(h5safe.child(h5, key), h5py.Group) for key in CONTAINER_GROUPS):
        return "keras3_weights_h5"
    return None


def _training_config(h5: h5py.File, where: str, graph: ParsedGraph) -> dict[str, Any] | None:
    text = h5safe.attr_text(h5, "training_config")
    if text is None:
        return None
    try:
        value = parse_json(text, f"{where}: training_config")
    except ModelFileError as exc:
        graph.notes.append(f"training_config ignored: {exc}")
        return None
    return value if isinstance(value, dict) else None


def _in_file_order(h5: h5py.File, kind: str, tree: list[WeightRef]) -> tuple[list[WeightRef], str | None]:
    """A weights-only file's weights in the order of the layers it names, and a note listing every one of those
    layers, those without weights included (an ``input_1`` or ``merge_1`` is still a layer of the architecture
    the user saved). Keras 1/2 files name them in ``layer_names`` (the model's order); Keras 3 ``.weights.h5``
    files only have one group per layer under ``layers``."""
    if kind == "weights_h5":
        names = h5safe.attr_names(h5, "layer_names") or []
    else:
        container = next((g for key in CONTAINER_GROUPS if isinstance(g := h5safe.child(h5, key), h5py.Group)), None)
        names = sorted(container.keys(), key=h5safe.natural_key) if container is not None else []
    names = list(dict.fromkeys(names))  # a damaged file may name a layer twice
    if not names:
        return tree, None
    prefix = "" if kind == "weights_h5" else f"{container.name.strip('/')}/"  # type: ignore[union-attr]
    by_layer: dict[str, list[WeightRef]] = {name: [] for name in names}
    rest = []
    for ref in tree:
        head = ref.path[len(prefix):].split("/", 1)[0] if ref.path.startswith(prefix) else None
        (by_layer[head] if head in by_layer else rest).append(ref)
    if kind == "weights_h5":  # within a layer, the order of its weight_names (kernel before bias)
        for name, refs in by_layer.items():
            group = h5safe.child(h5, name)
            stored = h5safe.attr_names(group, "weight_names") if isinstance(group, h5py.Group) else None
            if stored and len(refs) > 1:
                rank = {weight: i for i, weight in enumerate(stored)}
                refs.sort(key=lambda ref, name=name: rank.get(ref.path[len(name) + 1:], len(rank)))
    ordered = [ref for name in names for ref in by_layer[name]] + rest
    listed = ", ".join(name if by_layer[name] else f"{name} (no weights)" for name in names[:MAX_LISTED])
    more = f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else ""
    return ordered, f"the file names {len(names)} layers, in this order: {listed}{more}"
