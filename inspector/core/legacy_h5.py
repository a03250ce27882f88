"""Legacy HDF5 files: full models (``model_config`` + ``model_weights``), weights-only files from Keras 1/2
(``layer_names`` at the root) and Keras 3 ``.weights.h5`` files (``layers/<class>/vars``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import h5py

from inspector.core import h5safe
from inspector.core.config_graph import ParsedGraph, parse_model_config
from inspector.core.keras_zip import parse_json
from inspector.core.model import WeightRef
from inspector.core.weight_paths import CONTAINER_GROUPS, assign_legacy, weight_tree
from inspector.errors import ModelFileError


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
        return LegacyContents(kind, keras_version, backend, None, [], weight_tree(h5), None)
    raise ModelFileError(f"{where}: an HDF5 file with no Keras content (no model_config, layer_names or layers group)")


def keras_content(h5: h5py.File) -> str | None:
    """What Keras wrote into an HDF5 file: "legacy_h5" (a full model), "weights_h5" (Keras 1/2 save_weights),
    "keras3_weights_h5" (a Keras 3 .weights.h5), or None when it is not a Keras file (a dataset, say)."""
    if "model_config" in h5.attrs:
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
