"""What the reader hands to everything above it: a plain description of a saved Keras model.

The classes hold names, configs and *references* to weights; the numbers themselves stay in the file until
someone asks for them through `WeightSource`, so a 500 MB model costs only its structure to open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Roles a weight tensor can play; the findings look for kernels and biases by role, not by name.
KERNEL_ROLES = frozenset({"kernel", "depthwise_kernel", "pointwise_kernel", "embeddings", "recurrent_kernel"})


@dataclass(frozen=True)
class WeightRef:
    """A weight tensor that is still in the file: where it is, what it is, how big it is."""

    path: str  # dataset path inside the weights HDF5 file
    name: str  # display name within its layer, e.g. "kernel" or "vars/3"
    role: str  # kernel, bias, gamma, beta, moving_mean, moving_variance, recurrent_kernel, embeddings, other
    shape: tuple[int, ...]
    dtype: str
    offset: int | None = None  # byte position in the HDF5 file when stored contiguous and plain: read directly

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1


@dataclass(eq=False)  # layers are compared and hashed by identity
class Layer:
    """One layer of the model; nested layers have qualified names such as ``outer/inner``."""

    name: str
    class_name: str
    config: dict[str, Any]
    module: str | None = None
    inbound: list[str] = field(default_factory=list)  # distinct producer layers, in call order
    weights: list[WeightRef] = field(default_factory=list)
    parent: str | None = None  # the nested model this layer lives in
    children: list[str] = field(default_factory=list)  # for nested models: their layers
    inputs: list[str] = field(default_factory=list)  # for nested models: their input layers
    outputs: list[str] = field(default_factory=list)  # for nested models: their output layers
    calls: int = 1  # how many times the layer is called (shared layers: more than one)
    output_shape: tuple[int | None, ...] | None = None
    builtin: bool = True  # False for classes Keras does not ship (custom layers)
    # for nested models: every layer inside, at any depth (filled by ModelInfo, which knows them all)
    members: list[Layer] = field(default_factory=list, repr=False)

    @property
    def params(self) -> int:
        """A layer's own weights; a nested model holds no weights of its own, so it counts its members' once
        each (a tensor two members share, or a member called twice, is still one set of parameters)."""
        return count_params([self, *self.members])

    @property
    def short_name(self) -> str:
        return self.name.rsplit("/", 1)[-1]

    @property
    def is_container(self) -> bool:
        return bool(self.children)

    @property
    def activation(self) -> str | None:
        """The activation the layer applies last, as a plain name (``relu``, ``sigmoid``...)."""
        if self.class_name == "Activation" or "activation" in self.config:
            return activation_name(self.config.get("activation"))
        if self.class_name in {"ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax"}:
            return self.class_name.lower()
        return None

    def weight(self, role: str) -> WeightRef | None:
        return next((w for w in self.weights if w.role == role), None)


def count_params(layers: list[Layer]) -> int:
    """Parameters of some layers, each weight tensor counted once however many layers refer to it."""
    sizes = {w.path: w.size for layer in layers for w in layer.weights}
    return sum(sizes.values())


def activation_name(value: Any) -> str | None:
    """Keras stores activations as a name, or as a serialized object in newer configs."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        inner = value.get("config")
        if isinstance(inner, dict) and isinstance(inner.get("name"), str):
            return inner["name"]
        name = value.get("class_name") or value.get("registered_name")
        return str(name) if name else None
    return str(value)


SEVERITIES = ("error", "warning", "info")


@dataclass
class Finding:
    """One piece of evidence about the model or the data, in words a practitioner acts on."""

    kind: str  # zero_weights, identical_heads, dead_units, saturation, ... (see the docs of diagnose)
    severity: str  # error, warning, info
    layer: str | None  # qualified layer name, or None for data-side findings
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    fix: str = ""

    @property
    def rank(self) -> int:
        return SEVERITIES.index(self.severity) if self.severity in SEVERITIES else len(SEVERITIES)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "severity": self.severity, "layer": self.layer, "message": self.message,
                "evidence": self.evidence, "fix": self.fix}


@dataclass(frozen=True)
class InputSpec:
    """One model input, as the config declares it (batch dimension included, None where free)."""

    name: str
    shape: tuple[int | None, ...]
    dtype: str = "float32"


@dataclass
class Head:
    """One model output and the layers that feed it and no other output."""

    name: str  # output layer name
    layers: list[str]  # exclusive layers, in topological order, ending with the output layer


@dataclass
class ModelInfo:
    """Everything the reader learned from one file."""

    path: str
    format: str  # "keras_zip", "legacy_h5", "weights_h5" (weights only), "keras3_weights_h5"
    keras_version: str | None
    backend: str | None
    model_class: str | None  # Sequential, Functional, Model, or a custom class name
    name: str | None
    layers: dict[str, Layer]  # in config order, nested layers right after their container
    edges: list[tuple[str, str]]  # (producer, consumer); one edge per call for shared layers
    inputs: list[str]  # input layer names (top level)
    outputs: list[str]  # output layer names (top level)
    input_specs: list[InputSpec]
    heads: list[Head]
    source: WeightSource | None
    weight_tree: list[WeightRef] = field(default_factory=list)  # every model weight in the file
    unassigned: list[WeightRef] = field(default_factory=list)  # weights no layer claimed
    training_config: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)  # things the reader noticed but could live with
    config: dict[str, Any] | None = None  # the model config as stored, for building the model later

    def __post_init__(self) -> None:
        """Give every nested model the list of its members, so its params are its children's."""
        for layer in self.layers.values():
            layer.members = []
        for layer in self.layers.values():
            for parent in self.ancestors(layer.name):
                self.layers[parent].members.append(layer)

    def ancestors(self, name: str) -> list[str]:
        """The nested models a layer lives in, the innermost first (none for a top-level layer)."""
        out = []
        layer = self.layers.get(name)
        parent = layer.parent if layer is not None else None
        while parent is not None and parent in self.layers:
            out.append(parent)
            parent = self.layers[parent].parent
        return out

    @property
    def has_architecture(self) -> bool:
        return bool(self.layers)

    @property
    def params(self) -> int:
        if self.layers:
            return count_params(list(self.layers.values()))
        return sum(w.size for w in self.weight_tree)

    @property
    def top_level(self) -> list[Layer]:
        return [layer for layer in self.layers.values() if layer.parent is None]

    def feeding(self, output: str) -> set[str]:
        """The top-level layers an output depends on, itself included (nested layers go by their container)."""
        from inspector.core.graph import ancestors

        top = [(s, d) for s, d in self.edges if self.layers[s].parent is None and self.layers[d].parent is None]
        return ancestors(output, top) | {output}

    def topological_order(self) -> list[str]:
        """All layer names, producers before consumers; a nested model's layers follow it in their own order."""
        from inspector.core.graph import nested_order

        return nested_order(self.layers, self.edges)


class WeightSource:
    """How to get at the weights of a model without holding them: opens the HDF5 store on demand.

    `raw_path`/`raw_offset` say where the HDF5 bytes start inside a plain file (0 for an .h5, the member's offset
    for a stored `.keras` member), so contiguous uncompressed datasets can be read with one plain read.
    """

    def __init__(self, opener: Any, description: str, raw_path: str | None = None, raw_offset: int = 0) -> None:
        self._opener = opener  # callable returning a context manager that yields an h5py.File
        self.description = description
        self.raw_path = raw_path
        self.raw_offset = raw_offset

    def open(self) -> Any:
        return self._opener()
