"""Output shapes from the config alone, for the graph labels and the data-free checks.

Keras 3 configs record most shapes already (config_graph notes them); older files record only input shapes, so
common layers are propagated here. Anything not understood stays None: a missing label, never a wrong one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from inspector.core.config_graph import ParsedGraph, declared_input_shape
from inspector.core.graph import nested_order
from inspector.core.model import Layer

Shape = tuple[int | None, ...]

SAME_SHAPE = frozenset({
    "Activation", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
    "GaussianDropout", "AlphaDropout", "BatchNormalization", "LayerNormalization", "GroupNormalization", "ReLU",
    "LeakyReLU", "PReLU", "ELU", "Softmax", "ThresholdedReLU", "Masking", "ActivityRegularization", "Rescaling",
    "Normalization", "RandomFlip", "RandomRotation", "RandomZoom", "RandomContrast", "RandomTranslation",
    "UnitNormalization", "Identity",
})
MERGE_SAME = frozenset({"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Merge"})


def infer_shapes(graph: ParsedGraph) -> None:
    producers: dict[str, list[str]] = {}
    for src, dst in graph.edges:
        producers.setdefault(dst, [])
        if src not in producers[dst]:
            producers[dst].append(src)
    order = nested_order(graph.layers, graph.edges)
    for name in order + order:  # a nested model precedes its layers; the second pass gives it their shape
        layer = graph.layers[name]
        if layer.output_shape is not None:
            continue
        inputs = [graph.layers[p].output_shape for p in producers.get(name, [])]
        if not inputs:
            declared = declared_input_shape(layer.config)
            if layer.class_name == "InputLayer":
                layer.output_shape = declared
                continue
            inputs = [declared] if declared is not None else []
        if layer.children and layer.outputs:
            layer.output_shape = graph.layers[layer.outputs[-1]].output_shape
            continue
        if not inputs or any(shape is None for shape in inputs):
            continue
        try:
            layer.output_shape = output_shape(layer, [s for s in inputs if s is not None])
        except (TypeError, ValueError, IndexError, KeyError, ZeroDivisionError, OverflowError):
            layer.output_shape = None


def output_shape(layer: Layer, inputs: list[Shape]) -> Shape | None:
    cls = layer.class_name
    cfg = layer.config
    first = inputs[0]
    if cls in SAME_SHAPE:
        return first
    rule = _RULES.get(cls)
    if rule is not None:
        return rule(cfg, first, inputs)
    if cls.startswith(("Conv", "Convolution", "SeparableConv", "DepthwiseConv", "Atrous")) and "Transpose" not in cls:
        return _conv(cfg, first, transpose=False)
    if cls.endswith("Transpose") or cls == "Deconvolution2D":
        return _conv(cfg, first, transpose=True)
    if "Pooling" in cls and cls.startswith("Global"):
        return _global_pool(cfg, first)
    if "Pooling" in cls:
        return _pool(cfg, first)
    if cls in MERGE_SAME:
        return first
    return None


def _dense(cfg: dict[str, Any], first: Shape, _: list[Shape]) -> Shape:
    units = cfg.get("units", cfg.get("output_dim"))
    return (*first[:-1], int(units))


def _flatten(cfg: dict[str, Any], first: Shape, _: list[Shape]) -> Shape:
    rest = first[1:]
    return (first[0], None if any(d is None for d in rest) else math.prod(d for d in rest if d is not None))


def _reshape(cfg: dict[str, Any], first: Shape, _: list[Shape]) -> Shape | None:
    target = list(cfg.get("target_shape", []))
    if -1 in target:
        known = math.prod(d for d in target if d != -1)
        total = math.prod(d for d in first[1:] if d is not None) if None not in first[1:] else None
        target = [total // known if d == -1 and total else d for d in target]
    return (first[0], *target)


def _embedding(cfg: dict[str, Any], first: Shape, _: list[Shape]) -> Shape:
    dim = cfg.get("output_dim")
    if first == (None,) or len(first) == 1:
        length = cfg.get("input_length")
        return (None, length, dim)
    return (*first, int(dim))


def _rnn(cfg: dict[str, Any], first: Shape, _: list[Shape]) -> Shape:
    units = int(cfg.get("units", cfg.get("output_dim")))
    return (first[0], first[1], units) if cfg.get("return_sequences") else (first[0], units)


def _bidirectional(cfg: dict[str, Any], first: Shape, inputs: list[Shape]) -> Shape | None:
    inner = cfg.get("layer", {}).get("config", {})
    shape = _rnn(inner, first, inputs)
    merge = cfg.get("merge_mode", "concat")
    if merge == "concat" and shape[-1] is not None:
        return (*shape[:-1], shape[-1] * 2)
    return shape


def _concat(cfg: dict[str, Any], first: Shape, inputs: list[Shape]) -> Shape | None:
    axis = cfg.get("axis", -1)
    dims = [s[axis] for s in inputs]
    total = None if any(d is None for d in dims) else sum(d for d in dims if d is not None)
    out = list(first)
    out[axis] = total
    return tuple(out)


def _repeat(cfg: dict[str, Any], first: Shape, _: list[Shape]) -> Shape:
    return (first[0], cfg.get("n"), *first[1:])


def _time_distributed(cfg: dict[str, Any], first: Shape, inputs: list[Shape]) -> Shape | None:
    inner = cfg.get("layer", {})
    layer = Layer(name="inner", class_name=str(inner.get("class_name")), config=inner.get("config", {}))
    shape = output_shape(layer, [(first[0], *first[2:])])
    return None if shape is None else (first[0], first[1], *shape[1:])


def _padding(cfg: dict[str, Any], first: Shape, _: list[Shape]) -> Shape:
    pad = cfg.get("padding", 1)
    spatial = list(first[1:-1])
    pads = pad if isinstance(pad, list) else [pad] * len(spatial)
    out = []
    for dim, p in zip(spatial, pads, strict=False):
        extra = sum(p) if isinstance(p, list) else 2 * p
        out.append(None if dim is None else dim + extra)
    return (first[0], *out, first[-1])


def _upsampling(cfg: dict[str, Any], first: Shape, _: list[Shape]) -> Shape:
    size = cfg.get("size", 2)
    spatial = first[1:-1]
    sizes = size if isinstance(size, list) else [size] * len(spatial)
    return (first[0], *[None if d is None else d * s for d, s in zip(spatial, sizes, strict=False)], first[-1])


_RULES: dict[str, Callable[[dict[str, Any], Shape, list[Shape]], Shape | None]] = {
    "Dense": _dense,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Embedding": _embedding,
    "LSTM": _rnn, "GRU": _rnn, "SimpleRNN": _rnn, "CuDNNLSTM": _rnn, "CuDNNGRU": _rnn,
    "Bidirectional": _bidirectional,
    "Concatenate": _concat,
    "RepeatVector": _repeat,
    "TimeDistributed": _time_distributed,
    "ZeroPadding1D": _padding, "ZeroPadding2D": _padding, "ZeroPadding3D": _padding,
    "UpSampling1D": _upsampling, "UpSampling2D": _upsampling, "UpSampling3D": _upsampling,
}


def _tuple(value: Any, n: int, default: int) -> list[int]:
    if value is None:
        return [default] * n
    if isinstance(value, int):
        return [value] * n
    return [int(v) for v in value]


def _channels_last(cfg: dict[str, Any]) -> bool:
    return cfg.get("data_format", "channels_last") in (None, "channels_last", "tf")


def _conv(cfg: dict[str, Any], first: Shape, transpose: bool) -> Shape | None:
    if not _channels_last(cfg):
        return None
    spatial = list(first[1:-1])
    n = len(spatial)
    kernel = cfg.get("kernel_size")
    if kernel is None and "nb_row" in cfg:  # Keras 1 Convolution2D
        kernel = [cfg["nb_row"], cfg["nb_col"]]
    kernel = _tuple(kernel, n, 1)
    strides = _tuple(cfg.get("strides", cfg.get("subsample")), n, 1)
    dilation = _tuple(cfg.get("dilation_rate"), n, 1)
    padding = cfg.get("padding", cfg.get("border_mode", "valid"))
    filters = cfg.get("filters", cfg.get("nb_filter"))
    if filters is None:  # depthwise
        filters = (first[-1] or 0) * int(cfg.get("depth_multiplier", 1)) or None
    out: list[int | None] = []
    for dim, k, s, d in zip(spatial, kernel, strides, dilation, strict=False):
        if dim is None:
            out.append(None)
            continue
        span = (k - 1) * d + 1
        if transpose:
            out.append(dim * s + max(span - s, 0) if padding == "valid" else dim * s)
        elif padding == "same":
            out.append(-(-dim // s))
        elif padding == "causal":
            out.append(-(-dim // s))
        else:
            out.append((dim - span) // s + 1)
    return (first[0], *out, filters)


def _pool(cfg: dict[str, Any], first: Shape) -> Shape | None:
    if not _channels_last(cfg):
        return None
    spatial = list(first[1:-1])
    n = len(spatial)
    size = _tuple(cfg.get("pool_size"), n, 2)
    strides = _tuple(cfg.get("strides") or size, n, 2)
    padding = cfg.get("padding", cfg.get("border_mode", "valid"))
    out = []
    for dim, k, s in zip(spatial, size, strides, strict=False):
        if dim is None:
            out.append(None)
        elif padding == "same":
            out.append(-(-dim // s))
        else:
            out.append((dim - k) // s + 1)
    return (first[0], *out, first[-1])


def _global_pool(cfg: dict[str, Any], first: Shape) -> Shape:
    if cfg.get("keepdims"):
        return (first[0], *[1] * (len(first) - 2), first[-1])
    return (first[0], first[-1] if _channels_last(cfg) else first[1])
