"""Which datasets of a weights file belong to which config layer.

`.keras` archives name weight groups by class plus a counter (``layers/dense_1/vars/0``), not by layer name;
Keras 3.9+ also writes the layer name as an attribute of ``vars``, which we prefer when present. tf.keras 2.13-2.15
archives use ``_layer_checkpoint_dependencies`` and count differently (every other number), so counters are
matched by rank within a class, not by value. Legacy `.h5` files name groups by layer and list each layer's
datasets in a ``weight_names`` attribute, with Keras 1's ``dense_1_W:0`` spelling in the oldest files.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace

import h5py

from inspector.core import h5safe
from inspector.core.config_graph import ParsedGraph, to_snake_case
from inspector.core.model import Layer, WeightRef

CONTAINER_GROUPS = ("layers", "_layer_checkpoint_dependencies")
NOT_MODEL_WEIGHTS = ("optimizer", "optimizer_weights", "metrics")

_KERNEL_BIAS = ("kernel", "bias")
_RNN = ("kernel", "recurrent_kernel", "bias")
VAR_NAMES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("Dense", "EinsumDense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
         "Conv3DTranspose", "LocallyConnected1D", "LocallyConnected2D"),
        _KERNEL_BIAS,
    ),
    "DepthwiseConv1D": ("depthwise_kernel", "bias"),
    "DepthwiseConv2D": ("depthwise_kernel", "bias"),
    "SeparableConv1D": ("depthwise_kernel", "pointwise_kernel", "bias"),
    "SeparableConv2D": ("depthwise_kernel", "pointwise_kernel", "bias"),
    "Embedding": ("embeddings",),
    **dict.fromkeys(("LSTM", "GRU", "SimpleRNN", "LSTMCell", "GRUCell", "SimpleRNNCell"), _RNN),
    "PReLU": ("alpha",),
}
_KERAS1_ROLES = {"W": "kernel", "b": "bias", "U": "recurrent_kernel", "running_mean": "moving_mean",
                 "running_std": "moving_variance"}
_KNOWN_ROLES = {"kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance", "recurrent_kernel",
                "embeddings", "depthwise_kernel", "pointwise_kernel", "alpha"}


def var_names(layer: Layer) -> tuple[str, ...] | None:
    """Names of a layer's ``vars/i`` in order, from its class and config; None when the class is not known."""
    cfg = layer.config
    if layer.class_name in ("BatchNormalization", "LayerNormalization", "GroupNormalization"):
        names = (("gamma",) if cfg.get("scale", True) else ()) + (("beta",) if cfg.get("center", True) else ())
        if layer.class_name == "BatchNormalization":
            names += ("moving_mean", "moving_variance")
        return names
    names = VAR_NAMES.get(layer.class_name)
    if names is None:
        return None
    if cfg.get("use_bias", True) is False:
        names = tuple(n for n in names if n != "bias")
    return names


def role_of(name: str) -> str:
    return name if name in _KNOWN_ROLES else "other"


# --- .keras archives and Keras 3 .weights.h5 -----------------------------------------------------------------


def container_group(group: h5py.Group) -> h5py.Group | None:
    for key in CONTAINER_GROUPS:
        found = h5safe.child(group, key)
        if isinstance(found, h5py.Group):
            return found
    return None


def assign_keras_zip(root: h5py.File, graph: ParsedGraph, tree: list[WeightRef]) -> list[WeightRef]:
    """Attach weights to the layers of a `.keras` archive; returns those of `tree` no layer claimed."""
    claimed: set[str] = set()
    top = [layer for layer in graph.layers.values() if layer.parent is None]
    group = container_group(root)
    if group is not None:
        by_group: dict[str, list[WeightRef]] = defaultdict(list)
        for ref in tree:
            parts = ref.path.split("/")
            for depth in range(1, len(parts)):
                by_group["/".join(parts[:depth])].append(ref)
        _assign_children(group, top, graph, claimed, by_group)
    return [w for w in tree if w.path not in claimed]


def _assign_children(group: h5py.Group, children: list[Layer], graph: ParsedGraph, claimed: set[str],
                     by_group: dict[str, list[WeightRef]]) -> None:
    for layer, sub in _match_groups(group, children).items():
        _take_group(sub, layer, graph, claimed, by_group)


def _match_groups(group: h5py.Group, children: list[Layer]) -> dict[Layer, h5py.Group]:
    subgroups = {name: g for name in group.keys() if isinstance(g := h5safe.child(group, name), h5py.Group)}
    by_attr: dict[str, h5py.Group] = {}
    for sub in subgroups.values():
        vars_group = h5safe.child(sub, "vars")
        recorded = h5safe.attr_text(vars_group, "name") if isinstance(vars_group, h5py.Group) else None
        if recorded:
            by_attr[recorded] = sub
    matched: dict[Layer, h5py.Group] = {}
    if by_attr and all(layer.short_name in by_attr for layer in children if layer.class_name != "InputLayer"):
        for layer in children:
            if layer.short_name in by_attr:
                matched[layer] = by_attr[layer.short_name]
        return matched
    # Rank within a class: the k-th Dense of the config owns the k-th "dense*" group in counter order.
    ranked: dict[str, list[str]] = defaultdict(list)
    for name in subgroups:
        base, _ = split_counter(name)
        ranked[base].append(name)
    for base in ranked:
        ranked[base].sort(key=lambda n: split_counter(n)[1])
    taken: dict[str, int] = defaultdict(int)
    for layer in children:
        base = to_snake_case(layer.class_name)
        index = taken[base]
        taken[base] += 1
        if index < len(ranked.get(base, ())):
            matched[layer] = subgroups[ranked[base][index]]
    return matched


_COUNTER = re.compile(r"^(.*?)(?:_(\d+))?$")


def split_counter(name: str) -> tuple[str, int]:
    """``dense_12`` -> ("dense", 12); ``dense`` -> ("dense", -1): how Keras numbers the groups (and asset folders)
    of layers of one class."""
    match = _COUNTER.match(name)
    assert match is not None
    return match.group(1), int(match.group(2)) if match.group(2) else -1


def _take_group(group: h5py.Group, layer: Layer, graph: ParsedGraph, claimed: set[str],
                by_group: dict[str, list[WeightRef]]) -> None:
    """Give a layer the weights below its group; a nested model passes its sub-groups on to its children."""
    nested = container_group(group) if layer.children else None
    if nested is not None:
        _assign_children(nested, [graph.layers[c] for c in layer.children], graph, claimed, by_group)
    own_names = var_names(layer)
    base = group.name.lstrip("/")
    nested_prefix = nested.name.lstrip("/") + "/" if nested is not None else None
    for ref in by_group.get(base, []):
        if ref.path in claimed or (nested_prefix and ref.path.startswith(nested_prefix)):
            continue
        claimed.add(ref.path)
        name = _display_name(ref.path[len(base) + 1 :], own_names)
        layer.weights.append(replace(ref, name=name, role=role_of(name.rsplit("/", 1)[-1])))


def _display_name(rel: str, own_names: tuple[str, ...] | None) -> str:
    """``vars/1`` -> ``bias`` for known classes; ``cell/vars/0`` -> ``cell/kernel`` (RNN cells share the table)."""
    parts = rel.split("/")
    if len(parts) >= 2 and parts[-2] == "vars" and parts[-1].isdigit():
        index = int(parts[-1])
        names = own_names
        if len(parts) > 2 and own_names is None:
            names = _KERNEL_BIAS  # sub-layers of unknown wrappers (attention projections) are dense-like
        if names is not None and index < len(names):
            return "/".join([*parts[:-2], names[index]])
    return rel


# --- legacy .h5 -------------------------------------------------------------------------------------------


def assign_legacy(weights_group: h5py.Group, graph: ParsedGraph, tree: list[WeightRef]) -> list[WeightRef]:
    """Attach weights of a legacy file (``model_weights`` group) to layers by name; returns the rest of `tree`."""
    claimed: set[str] = set()
    skip = len(weights_group.name.strip("/")) + 1 if weights_group.name.strip("/") else 0
    by_group: dict[str, dict[str, WeightRef]] = defaultdict(dict)  # layer group -> {path inside it: ref}
    for ref in tree:
        top, _, rel = ref.path[skip:].partition("/")
        if rel:
            by_group[top][rel] = ref
    for layer in list(graph.layers.values()):
        if layer.parent is not None or layer.name not in by_group:
            continue
        group = h5safe.child(weights_group, layer.name)
        if not isinstance(group, h5py.Group):
            continue
        stored = by_group[layer.name]
        for rel in legacy_layer_datasets(group, list(stored)):
            ref = stored[rel]
            if ref.path in claimed:
                continue
            owner = _legacy_owner(layer, rel, graph)
            name = legacy_weight_name(rel, owner.short_name)
            owner.weights.append(replace(ref, name=name, role=role_of(name.rsplit("/", 1)[-1])))
            claimed.add(ref.path)
    return [w for w in tree if w.path not in claimed]


def legacy_layer_datasets(group: h5py.Group, stored: list[str]) -> list[str]:
    """The datasets (paths relative to a legacy layer group) it lists in ``weight_names``, in that order, or
    all of `stored` (its datasets in natural order) when it lists none. Names of missing datasets are dropped."""
    names = h5safe.attr_names(group, "weight_names")
    if not names:
        return stored
    present = set(stored)
    return [rel for rel in names if rel in present]


def _legacy_owner(layer: Layer, rel: str, graph: ParsedGraph) -> Layer:
    """In a nested model's group, ``dense_2/kernel:0`` belongs to the child ``outer/dense_2``."""
    if layer.children and "/" in rel:
        first, rest = rel.split("/", 1)
        if first == layer.short_name and "/" in rest:  # some writers repeat the container's own scope
            first, rest = rest.split("/", 1)
            rel = f"{first}/{rest}"
        candidate = graph.layers.get(f"{layer.name}/{first}")
        if candidate is not None:
            return _legacy_owner(candidate, rel.split("/", 1)[1], graph)
    return layer


def legacy_weight_name(rel: str, layer_name: str) -> str:
    """``dense_1/kernel:0`` -> ``kernel``; Keras 1 ``dense_1_W:0`` -> ``kernel``; wrappers keep their sub-path
    (``forward_lstm/kernel``). The first component is the layer's own scope, whatever suffix the writer gave it."""
    parts = rel.split("/")
    if len(parts) > 1:
        parts = parts[1:]
    while len(parts) > 1 and parts[0] == layer_name:
        parts = parts[1:]
    leaf = parts[-1].split(":", 1)[0]
    if layer_name and leaf.startswith(layer_name + "_"):
        leaf = leaf[len(layer_name) + 1 :]
        leaf = _KERAS1_ROLES.get(leaf, _KERAS1_ROLES.get(leaf.split("_", 1)[0], leaf))
    return "/".join([*parts[:-1], leaf])


# --- every weight in a file -------------------------------------------------------------------------------


def weight_tree(root: h5py.Group) -> list[WeightRef]:
    """Every model weight below a group (optimizer and metric state left out), for weights-only files."""
    refs = []
    base = root.name.strip("/")
    for stored in h5safe.walk_datasets(root):
        if stored.rel.split("/", 1)[0] in NOT_MODEL_WEIGHTS:
            continue
        path = f"{base}/{stored.rel}" if base else stored.rel
        leaf = stored.rel.rsplit("/", 1)[-1].split(":", 1)[0]
        refs.append(WeightRef(path, stored.rel, role_of(leaf), stored.shape, stored.dtype, stored.offset))
    return refs
