"""Old Keras configs -> configs Keras 3 can build. Plain dict rewriting; no TensorFlow here.

What changed since the file was written, each seen in real files: Keras 2.0/2.1 Sequential configs are a bare
layer list; Keras 1 spelled classes and arguments differently (`Convolution2D`, `nb_filter`, `output_dim`);
tf.keras 2.13-2.15 archives name modules `keras.src.engine.*`; Keras 2 passed an RNN's `initial_state` as extra
inbound tensors. Arguments Keras 3 no longer knows (`time_major`) are dropped by the backend, which can see the
signatures.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from inspector.core.config_graph import declared_input_shape, references

KERAS1_CLASSES = {
    "Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
    "AtrousConvolution2D": "Conv2D", "Deconvolution2D": "Conv2DTranspose",
    "SeparableConvolution2D": "SeparableConv2D", "Merge": None,
}
KERAS1_ARGS = {
    "nb_filter": "filters", "subsample": "strides", "border_mode": "padding",
    "init": "kernel_initializer", "inner_init": "recurrent_initializer", "W_regularizer": "kernel_regularizer",
    "b_regularizer": "bias_regularizer", "U_regularizer": "recurrent_regularizer",
    "W_constraint": "kernel_constraint", "b_constraint": "bias_constraint", "bias": "use_bias",
    "dim_ordering": "data_format", "p": "rate", "atrous_rate": "dilation_rate", "inner_activation":
    "recurrent_activation", "dropout_W": "dropout", "dropout_U": "recurrent_dropout", "pool_length": "pool_size",
    "filter_length": "kernel_size", "subsample_length": "strides",
}
RNN_CLASSES = frozenset({"LSTM", "GRU", "SimpleRNN", "RNN", "ConvLSTM2D", "CuDNNLSTM", "CuDNNGRU"})
ENGINE_MODULES = {"Functional": "keras.src.models.functional", "Sequential": "keras", "Model": "keras"}


# Keras 1 and 2 defined hard_sigmoid as clip(0.2 x + 0.5); Keras 3 as clip(x / 6 + 0.5). It was the default
# recurrent activation of Keras 1 and early Keras 2 LSTMs and GRUs, so an old model rebuilt with Keras 3's would
# compute something else. The backend registers the old definition under this name.
KERAS2_HARD_SIGMOID = {"module": "builtins", "class_name": "function",
                       "config": "keras_inspector>keras2_hard_sigmoid", "registered_name": "function"}
_ACTIVATION_KEYS = ("activation", "recurrent_activation", "inner_activation")


def translate(config: dict[str, Any], shapes: dict[str, Any] | None = None,
              keras_version: str | None = None) -> dict[str, Any]:
    """A deep copy of a model config, rewritten so that Keras 3 can deserialize it and compute what the model
    computed when it was saved."""
    out = _model(copy.deepcopy(config), shapes or {})
    if _before_keras3(keras_version):
        _renumber_sequential_calls(out)
        for holder, key in list(_hard_sigmoid_slots(out)):
            holder[key] = copy.deepcopy(KERAS2_HARD_SIGMOID)
    return out


def changed_meaning(config: Any, keras_version: str | None) -> bool:
    """Whether Keras 3 would build this config into something that computes differently (hard_sigmoid in a file
    older than Keras 3): Keras' own loader must not be used for it, our translation must."""
    return _before_keras3(keras_version) and next(_hard_sigmoid_slots(config), None) is not None


def _before_keras3(keras_version: str | None) -> bool:
    return not (keras_version or "").startswith("3")


def _hard_sigmoid_slots(value: Any) -> Iterator[tuple[dict[str, Any], str]]:
    """(dict, key) of every activation argument that names hard_sigmoid, anywhere in a config."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _ACTIVATION_KEYS and item == "hard_sigmoid":
                yield value, key
            else:
                yield from _hard_sigmoid_slots(item)
    elif isinstance(value, list):
        for item in value:
            yield from _hard_sigmoid_slots(item)


def _renumber_sequential_calls(entry: dict[str, Any]) -> None:
    """Keras 2 counted a nested Sequential's own construction as its node 0 (it was a Functional then); in
    Keras 3 a Sequential has no such node, so its calls are numbered from 0, not 1."""
    inner = entry.get("config")
    if not isinstance(inner, dict) or not isinstance(inner.get("layers"), list):
        return
    sequential = {layer.get("name") or layer.get("config", {}).get("name") for layer in inner["layers"]
                  if layer.get("class_name") == "Sequential"}
    for layer in inner["layers"]:
        _renumber_sequential_calls(layer)
        if sequential:
            _shift_refs(layer.get("inbound_nodes"), sequential)


def _shift_refs(value: Any, names: set[str]) -> None:
    if isinstance(value, list):
        if len(value) >= 3 and isinstance(value[0], str) and isinstance(value[1], int) and value[0] in names:
            value[1] = max(0, value[1] - 1)
            return
        for item in value:
            _shift_refs(item, names)
    elif isinstance(value, dict):
        for item in value.values():
            _shift_refs(item, names)


def _model(entry: dict[str, Any], shapes: dict[str, Any]) -> dict[str, Any]:
    inner = entry.get("config")
    if isinstance(inner, list):  # Keras 2.0/2.1: the Sequential config is the layer list
        inner = {"name": entry.get("name", "sequential"), "layers": inner}
        entry["config"] = inner
    if isinstance(entry.get("module"), str) and entry["module"].startswith("keras.src.engine"):
        entry["module"] = ENGINE_MODULES.get(entry.get("class_name", ""), "keras")
    if entry.get("class_name") == "Model":
        entry["class_name"] = "Functional"
        if "module" in entry:
            entry["module"] = ENGINE_MODULES["Functional"]
    if not isinstance(inner, dict) or not isinstance(inner.get("layers"), list):
        return _layer(entry)
    layers = inner["layers"]
    for index, layer in enumerate(layers):
        if isinstance(layer.get("config"), list) or (
                isinstance(layer.get("config"), dict) and isinstance(layer["config"].get("layers"), list)):
            layers[index] = _model(layer, shapes)
        else:
            layers[index] = _layer(layer)
        _initial_state(layers[index], shapes)
    if entry.get("class_name") == "Sequential" and layers and layers[0].get("class_name") != "InputLayer":
        shape = declared_input_shape(layers[0].get("config", {}))
        if shape is None and isinstance(inner.get("build_input_shape"), list):
            shape = tuple(inner["build_input_shape"])
        if shape is not None:
            first_name = layers[0].get("config", {}).get("name", "layer")
            layers.insert(0, {"class_name": "InputLayer", "config": {"batch_shape": list(shape),
                                                                      "name": f"{first_name}_input"}})
    for layer in layers[1:] if layers and layers[0].get("class_name") == "InputLayer" else layers:
        cfg = layer.get("config")
        if isinstance(cfg, dict) and entry.get("class_name") == "Sequential":
            for key in ("batch_input_shape", "input_shape", "batch_shape"):
                cfg.pop(key, None)
            if layer.get("class_name") != "Embedding":  # Embedding's input_dim is its vocabulary size
                cfg.pop("input_dim", None)
    return entry


def _layer(entry: dict[str, Any]) -> dict[str, Any]:
    class_name = entry.get("class_name")
    cfg = entry.get("config")
    if class_name == "InputLayer" and isinstance(cfg, dict):
        if "batch_input_shape" in cfg and "batch_shape" not in cfg:
            cfg["batch_shape"] = cfg.pop("batch_input_shape")
        cfg.pop("batch_input_shape", None)
        return entry
    if class_name in KERAS1_CLASSES and KERAS1_CLASSES[class_name]:
        entry["class_name"] = KERAS1_CLASSES[class_name]
        if isinstance(cfg, dict):
            if "nb_row" in cfg:
                cfg["kernel_size"] = [cfg.pop("nb_row"), cfg.pop("nb_col")]
            if cfg.get("dim_ordering") == "tf":
                cfg["dim_ordering"] = "channels_last"
            elif cfg.get("dim_ordering") == "th":
                cfg["dim_ordering"] = "channels_first"
    if isinstance(cfg, dict):
        if "output_dim" in cfg and entry.get("class_name") != "Embedding" and "units" not in cfg:
            cfg["units"] = cfg.pop("output_dim")  # Keras 1 Dense/RNN; Embedding still calls it output_dim
        for old, new in KERAS1_ARGS.items():
            if old in cfg and new not in cfg:
                cfg[new] = cfg.pop(old)
        if entry.get("class_name") in ("GRU", "CuDNNGRU") and "reset_after" not in cfg:
            cfg["reset_after"] = False  # configs that predate the argument (Keras < 2.1.4) meant False
        if cfg.get("data_format") in ("tf", "th"):
            cfg["data_format"] = "channels_last" if cfg["data_format"] == "tf" else "channels_first"
    if isinstance(entry.get("module"), str) and entry["module"].startswith("keras.src.engine"):
        entry["module"] = "keras.layers"
    return entry


def _initial_state(entry: dict[str, Any], shapes: dict[str, Any]) -> None:
    """Keras 2 wrote `lstm(x, initial_state=[h, c])` as one node of three tensors; Keras 3 wants keywords."""
    if entry.get("class_name") not in RNN_CLASSES:
        return
    nodes = entry.get("inbound_nodes")
    if not isinstance(nodes, list):
        return
    for index, node in enumerate(nodes):
        if not (isinstance(node, list) and len(node) > 1 and all(isinstance(t, list) for t in node)):
            continue
        tensors = [_keras_tensor(ref, shapes) for ref in node]
        kwargs = dict(node[0][3]) if len(node[0]) > 3 and isinstance(node[0][3], dict) else {}
        kwargs["initial_state"] = tensors[1:]
        nodes[index] = {"args": [tensors[0]], "kwargs": kwargs}


def _keras_tensor(ref: list[Any], shapes: dict[str, Any]) -> dict[str, Any]:
    shape = shapes.get(ref[0])
    return {"class_name": "__keras_tensor__",
            "config": {"shape": list(shape) if shape else [None], "dtype": "float32",
                       "keras_history": [ref[0], ref[1], ref[2]]}}


def prune(config: dict[str, Any], blocked: set[str]) -> tuple[dict[str, Any], list[str]]:
    """Drop blocked top-level layers and everything downstream; outputs become the layers at the frontier.

    Returns the pruned config and the new output layer names (empty when nothing runnable remains).
    """
    inner = config["config"]
    layers = inner["layers"]
    if config.get("class_name") == "Sequential":
        kept = []
        for layer in layers:
            if layer.get("config", {}).get("name") in blocked or layer.get("name") in blocked:
                break
            kept.append(layer)
        inner["layers"] = kept
        names = [layer.get("config", {}).get("name") for layer in kept if layer.get("class_name") != "InputLayer"]
        return config, names[-1:]
    names = [layer.get("name") or layer.get("config", {}).get("name") for layer in layers]
    known = set(names)
    dead = set(blocked)
    consumers: dict[str, set[str]] = {n: set() for n in names}
    for name, layer in zip(names, layers, strict=True):
        producers = references(layer.get("inbound_nodes") or [], known)
        for producer in producers:
            consumers[producer].add(name)
        if any(p in dead for p in producers):
            dead.add(name)
    changed = True
    while changed:  # configs are not always in topological order
        changed = False
        for name in names:
            if name not in dead and any(p in dead for p in references(
                    layers[names.index(name)].get("inbound_nodes") or [], known)):
                dead.add(name)
                changed = True
    kept_layers = [layer for name, layer in zip(names, layers, strict=True) if name not in dead]
    kept = [n for n in names if n not in dead]
    original_outputs = set(references(inner.get("output_layers"), known))
    frontier = [n for n in kept if (n in original_outputs or consumers[n] & dead)
                and not _is_input(layers[names.index(n)])]
    inner["layers"] = kept_layers
    inner["output_layers"] = [[n, 0, 0] for n in frontier]
    return config, frontier


def _is_input(layer: dict[str, Any]) -> bool:
    return layer.get("class_name") == "InputLayer"
