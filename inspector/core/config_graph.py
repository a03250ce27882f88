"""Keras model configs (Keras 1, 2 and 3, Sequential and Functional, nested) -> layers and edges.

The config formats differ in where a layer's inputs are written: Keras 3 nodes are ``{"args", "kwargs"}`` with
``__keras_tensor__`` objects that carry ``keras_history``; Keras 1/2 nodes are lists of
``[layer, node_index, tensor_index, kwargs]``; tf.keras op layers sometimes write a single such list. Rather than
special-case each, `references` walks any structure and picks out references to layers it knows, which also
finds inputs passed by keyword (MultiHeadAttention's ``value``) and RNN ``initial_state`` tensors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from inspector.core.model import InputSpec, Layer
from inspector.errors import ModelFileError

CONTAINER_CLASSES = frozenset({"Sequential", "Functional", "Model"})
MAX_DEPTH = 32  # nested models deeper than this are a hostile file, not a real model
MAX_LAYERS = 200_000


@dataclass
class ParsedGraph:
    model_class: str | None
    name: str | None
    layers: dict[str, Layer] = field(default_factory=dict)
    edges: list[tuple[str, str]] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    input_specs: list[InputSpec] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def parse_model_config(config: Any) -> ParsedGraph:
    """Parse the top-level ``model_config`` / ``config.json`` object."""
    if not isinstance(config, dict):
        raise ModelFileError("model config is not a JSON object")
    class_name = config.get("class_name")
    inner = config.get("config")
    if not isinstance(class_name, str):
        raise ModelFileError("model config has no 'class_name'")
    graph = ParsedGraph(model_class=class_name, name=_config_name(inner))
    if is_container(config):
        _parse_container(config, graph, prefix="", parent=None, depth=0)
    else:
        graph.notes.append(
            f"the file stores no layer list for '{class_name}' (a subclassed model); only its weights can be shown"
        )
    return graph


def is_container(entry: dict[str, Any]) -> bool:
    """A model used as a layer: Sequential/Functional, or a subclass whose config still lists its layers."""
    inner = entry.get("config")
    if isinstance(inner, list):  # Keras 1/2.0/2.1 Sequential: the config is the layer list
        return True
    if not isinstance(inner, dict) or not isinstance(inner.get("layers"), list):
        return False
    return entry.get("class_name") in CONTAINER_CLASSES or "input_layers" in inner


def _config_name(inner: Any) -> str | None:
    return inner.get("name") if isinstance(inner, dict) and isinstance(inner.get("name"), str) else None


def _entry_name(entry: dict[str, Any], index: int) -> str:
    cfg = entry.get("config")
    for candidate in (entry.get("name"), cfg.get("name") if isinstance(cfg, dict) else None):
        if isinstance(candidate, str) and candidate:
            return candidate
    return f"{to_snake_case(str(entry.get('class_name', 'layer')))}_{index}"


def _parse_container(entry: dict[str, Any], graph: ParsedGraph, prefix: str, parent: str | None, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ModelFileError(f"model config nests models more than {MAX_DEPTH} levels deep")
    inner = entry.get("config")
    entries = inner if isinstance(inner, list) else inner.get("layers", [])
    if not all(isinstance(e, dict) for e in entries):
        raise ModelFileError("model config lists a layer that is not a JSON object")
    if len(graph.layers) + len(entries) > MAX_LAYERS:
        raise ModelFileError(f"model config lists more than {MAX_LAYERS} layers")
    sequential = isinstance(inner, list) or entry.get("class_name") == "Sequential" or "input_layers" not in inner
    names = [_entry_name(e, i) for i, e in enumerate(entries)]
    if len(set(names)) != len(names):
        duplicate = next(n for n in names if names.count(n) > 1)
        raise ModelFileError(f"model config names two layers '{duplicate}'")
    added: list[str] = []
    for layer_entry, name in zip(entries, names, strict=True):
        qualified = prefix + name
        cfg = layer_entry.get("config")
        class_name = str(layer_entry.get("class_name", "?"))
        layer = Layer(
            name=qualified,
            class_name=class_name.rsplit(">", 1)[-1],  # registered names read "package>Class"
            config=cfg if isinstance(cfg, dict) else {"layers": cfg} if isinstance(cfg, list) else {},
            module=layer_entry.get("module") if isinstance(layer_entry.get("module"), str) else None,
            parent=parent,
        )
        graph.layers[qualified] = layer
        added.append(qualified)
        if parent is not None:
            graph.layers[parent].children.append(qualified)
        if is_container(layer_entry):
            _parse_container(layer_entry, graph, prefix=qualified + "/", parent=qualified, depth=depth + 1)
    if sequential:
        _wire_sequential(entry, graph, prefix, names, added, parent)
    else:
        _wire_functional(entry, graph, prefix, names, entries, parent)


def _wire_sequential(
    entry: dict[str, Any], graph: ParsedGraph, prefix: str, names: list[str], added: list[str], parent: str | None
) -> None:
    for producer, consumer in zip(added, added[1:], strict=False):
        graph.edges.append((producer, consumer))
        graph.layers[consumer].inbound.append(producer)
    inputs = added[:1]
    outputs = added[-1:]
    if parent is None:
        graph.inputs, graph.outputs = inputs, outputs
        if added:
            spec = _input_spec(graph.layers[added[0]], entry.get("config"))
            if spec is not None:
                graph.input_specs.append(spec)
    else:
        graph.layers[parent].inputs, graph.layers[parent].outputs = inputs, outputs


def _wire_functional(
    entry: dict[str, Any],
    graph: ParsedGraph,
    prefix: str,
    names: list[str],
    entries: list[dict[str, Any]],
    parent: str | None,
) -> None:
    known = set(names)
    for name, layer_entry in zip(names, entries, strict=True):
        layer = graph.layers[prefix + name]
        nodes = layer_entry.get("inbound_nodes") or []
        if not isinstance(nodes, list):
            nodes = [nodes]
        calls = 0
        for node in nodes:
            producers = references(node, known)
            if not producers:
                continue
            calls += 1
            for producer in producers:
                graph.edges.append((prefix + producer, layer.name))
                if prefix + producer not in layer.inbound:
                    layer.inbound.append(prefix + producer)
        layer.calls = max(1, calls)
        _note_shapes(nodes, prefix, graph)
    inner = entry["config"]
    missing = [r for key in ("input_layers", "output_layers") for r in _raw_names(inner.get(key)) if r not in known]
    if missing:
        raise ModelFileError(f"model config names input/output layer '{missing[0]}', which it does not define")
    inputs = list(dict.fromkeys(prefix + n for n in references(inner.get("input_layers"), known)))
    outputs = list(dict.fromkeys(prefix + n for n in references(inner.get("output_layers"), known)))
    if parent is None:
        graph.inputs, graph.outputs = inputs, outputs
        for name in inputs:
            spec = _input_spec(graph.layers[name], None)
            if spec is not None:
                graph.input_specs.append(spec)
    else:
        graph.layers[parent].inputs, graph.layers[parent].outputs = inputs, outputs


def references(obj: Any, known: set[str], depth: int = 0) -> list[str]:
    """Layer names referred to anywhere inside a node structure, in order: one entry per producer *call*
    (a layer called twice and used twice appears twice; several outputs of one call appear once)."""
    found: list[str] = []
    seen: set[tuple[str, Any]] = set()

    def visit(item: Any, level: int) -> None:
        if level > 64:
            raise ModelFileError("layer inputs in the model config are nested too deeply")
        if isinstance(item, dict):
            history = item.get("keras_history")
            if item.get("class_name") == "__keras_tensor__" and isinstance(item.get("config"), dict):
                history = item["config"].get("keras_history")
            if isinstance(history, list) and history and history[0] in known:
                add(history[0], history[1] if len(history) > 1 else 0)
                return
            for value in item.values():
                visit(value, level + 1)
        elif isinstance(item, list):
            if len(item) >= 3 and isinstance(item[0], str) and isinstance(item[1], int) and item[0] in known:
                add(item[0], item[1])
                for rest in item[3:]:  # Keras 2 kwargs may hold more tensors
                    visit(rest, level + 1)
                return
            for value in item:
                visit(value, level + 1)

    def add(name: str, node_index: Any) -> None:
        key = (name, node_index if isinstance(node_index, int) else 0)
        if key not in seen:
            seen.add(key)
            found.append(name)

    visit(obj, depth)
    return found


def _raw_names(obj: Any) -> list[str]:
    """Names in an input_layers/output_layers entry, whether or not they are defined."""
    if isinstance(obj, list) and len(obj) >= 1 and isinstance(obj[0], str):
        return [obj[0]]
    if isinstance(obj, list):
        return [n for item in obj for n in _raw_names(item)]
    if isinstance(obj, dict):
        return [n for item in obj.values() for n in _raw_names(item)]
    return []


def _note_shapes(nodes: list[Any], prefix: str, graph: ParsedGraph) -> None:
    """Keras 3 writes each input tensor's shape into the consumer's node: that is the producer's output shape."""

    def visit(item: Any) -> None:
        if isinstance(item, dict):
            cfg = item.get("config")
            if item.get("class_name") == "__keras_tensor__" and isinstance(cfg, dict):
                history, shape = cfg.get("keras_history"), cfg.get("shape")
                if isinstance(history, list) and history and isinstance(shape, list):
                    layer = graph.layers.get(prefix + str(history[0]))
                    if layer is not None and layer.output_shape is None:
                        layer.output_shape = clean_shape(shape)
                return
            for value in item.values():
                visit(value)
        elif isinstance(item, list):
            for value in item:
                visit(value)

    visit(nodes)


def clean_shape(shape: Any) -> tuple[int | None, ...] | None:
    if not isinstance(shape, (list, tuple)):
        return None
    out: list[int | None] = []
    for dim in shape:
        if dim is None or isinstance(dim, int):
            out.append(dim)
        else:
            return None
    return tuple(out)


def declared_input_shape(config: dict[str, Any]) -> tuple[int | None, ...] | None:
    """The batch shape a layer config declares for its input, in any Keras version's spelling."""
    for key in ("batch_shape", "batch_input_shape"):
        shape = clean_shape(config.get(key))
        if shape is not None:
            return shape
    shape = clean_shape(config.get("input_shape"))
    if shape is not None:
        return (None, *shape)
    if isinstance(config.get("input_dim"), int):  # Keras 1 Dense(input_dim=...)
        return (None, config["input_dim"])
    return None


TEXT_LAYERS = frozenset({"TextVectorization", "StringLookup"})  # layers whose input is strings


def _input_spec(layer: Layer, container_config: Any) -> InputSpec | None:
    shape = declared_input_shape(layer.config)
    if shape is None and isinstance(container_config, dict):
        shape = clean_shape(container_config.get("build_input_shape"))
    if shape is None:
        build = layer.config.get("build_config") if isinstance(layer.config, dict) else None
        if isinstance(build, dict):
            shape = clean_shape(build.get("input_shape"))
    if shape is None and layer.class_name in TEXT_LAYERS:
        # A model that starts with text preprocessing takes one string per sample, whatever else it declares.
        return InputSpec(name=f"{layer.name}_input", shape=(None,), dtype="string")
    if shape is None:
        return None
    dtype = layer.config.get("dtype")
    dtype = dtype if isinstance(dtype, str) else "float32"
    name = layer.name if layer.class_name == "InputLayer" else f"{layer.name}_input"
    return InputSpec(name=name, shape=shape, dtype=dtype)


_SNAKE_1 = re.compile(r"(.)([A-Z][a-z]+)")
_SNAKE_2 = re.compile(r"([a-z])([A-Z])")


def to_snake_case(name: str) -> str:
    """Keras' own rule (keras.src.utils.naming), which names the groups of `.keras` weight files."""
    name = re.sub(r"\W+", "", name)
    name = _SNAKE_1.sub(r"\1_\2", name)
    name = _SNAKE_2.sub(r"\1_\2", name).lower()
    return name
