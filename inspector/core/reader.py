"""Open any Keras model file without TensorFlow: sniff it, read it, and describe it as a `ModelInfo`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import h5py

from inspector.core import h5safe, keras_zip
from inspector.core.config_graph import ParsedGraph, parse_model_config
from inspector.core.deadline import file_size, reading
from inspector.core.heads import find_heads
from inspector.core.keras_zip import WEIGHTS_MEMBER
from inspector.core.legacy_h5 import read_legacy
from inspector.core.model import ModelInfo, WeightRef, WeightSource
from inspector.core.shapes import infer_shapes
from inspector.core.sniff import sniff
from inspector.core.weight_paths import assign_keras_zip, weight_tree
from inspector.errors import ModelFileError


def read_model(path: str | os.PathLike[str]) -> ModelInfo:
    """Read structure and weight references; raises `ModelFileError` with one line for anything unreadable.
    The read is marked for the supervisor's time limit (core.deadline), scaled by the file's size."""
    path = os.fspath(path)
    try:
        with reading(path, file_size(path)):
            kind = sniff(path)
            return _read_zip(path) if kind == "zip" else _read_hdf5(path)
    except RecursionError:
        raise ModelFileError(f"{path}: the model config is nested too deeply") from None
    except ModelFileError as exc:
        if str(exc).startswith(path):
            raise
        raise ModelFileError(f"{path}: {exc}") from None  # every message names the file


def read_structure(path: str | os.PathLike[str]) -> ModelInfo:
    """The layers and how they connect, without weight references (no params, no weight source): what drawing
    the graph needs, read from a .keras archive in a fraction of `read_model`'s time, since its weights file is
    not walked. An HDF5 file keeps the structure among the weights: for it this is `read_model`."""
    path = os.fspath(path)
    try:
        with reading(path, file_size(path)):
            if sniff(path) != "zip":
                return read_model(path)
            return _read_zip(path, weights=False)
    except RecursionError:
        raise ModelFileError(f"{path}: the model config is nested too deeply") from None
    except ModelFileError as exc:
        if str(exc).startswith(path):
            raise
        raise ModelFileError(f"{path}: {exc}") from None


def _read_zip(path: str, weights: bool = True) -> ModelInfo:
    with keras_zip.open_archive(path) as archive:
        names = set(archive.namelist())
        if "config.json" not in names:
            raise ModelFileError(f"{path}: a zip archive without config.json, so not a .keras model")
        config = keras_zip.read_json_member(archive, "config.json", path)
        metadata = keras_zip.read_json_member(archive, "metadata.json", path) if "metadata.json" in names else {}
        opener = keras_zip.weights_opener(path, archive) if weights else None
    graph = parse_model_config(config)
    keras_version = metadata.get("keras_version") if isinstance(metadata, dict) else None
    tree: list[WeightRef] = []
    unassigned: list[WeightRef] = []
    if opener is None:
        if weights:
            graph.notes.append("the archive holds no model.weights.h5: structure only, no weight statistics")
    else:
        with opener() as h5, h5safe.h5_errors(WEIGHTS_MEMBER):
            tree = weight_tree(h5)
            unassigned = assign_keras_zip(h5, graph, tree)
    compile_config = config.get("compile_config") if isinstance(config, dict) else None
    return _finish(path, "keras_zip", str(keras_version) if keras_version else None, None, graph, tree, unassigned,
                   compile_config if isinstance(compile_config, dict) else None,
                   WeightSource(opener, f"{path}: model.weights.h5", path if hasattr(opener, "raw_offset") else None,
                                getattr(opener, "raw_offset", 0)) if opener else None, config)


def _read_hdf5(path: str) -> ModelInfo:
    with h5safe.open_h5(path, path) as h5, h5safe.h5_errors(path):
        contents = read_legacy(h5, path)

    @contextmanager
    def opener() -> Iterator[h5py.File]:
        with h5safe.open_h5(path, path) as handle:
            yield handle

    graph = contents.graph or ParsedGraph(model_class=None, name=None)
    if contents.graph is None:
        graph.notes.append("weights only: the file stores no architecture (save with model.save() to keep it)")
        graph.notes.extend(contents.notes)
    return _finish(path, contents.format, contents.keras_version, contents.backend, graph, contents.tree,
                   contents.unassigned, contents.training_config, WeightSource(opener, path, path, 0), contents.config)


def _finish(
    path: str,
    fmt: str,
    keras_version: str | None,
    backend: str | None,
    graph: ParsedGraph,
    tree: list[WeightRef],
    unassigned: list[WeightRef],
    training_config: dict | None,
    source: WeightSource | None,
    config: dict | None = None,
) -> ModelInfo:
    infer_shapes(graph)
    info = ModelInfo(
        path=path,
        format=fmt,
        keras_version=keras_version,
        backend=backend,
        model_class=graph.model_class,
        name=graph.name,
        layers=graph.layers,
        edges=graph.edges,
        inputs=graph.inputs,
        outputs=graph.outputs,
        input_specs=graph.input_specs,
        heads=[],
        source=source,
        weight_tree=tree,
        unassigned=unassigned if graph.layers else [],
        training_config=training_config,
        notes=list(graph.notes),
        config=config if isinstance(config, dict) else None,
    )
    if info.layers:
        info.heads = find_heads(info.layers, info.edges, info.outputs, info.topological_order())
        claimed = [w for w in unassigned if w.size > 0]
        if claimed:
            info.notes.append(f"{len(claimed)} weight arrays in the file belong to no layer of the config")
    return info
