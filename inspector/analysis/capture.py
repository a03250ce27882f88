"""Run the data through the model batch by batch and measure every layer and every head.

A generator: it yields `Progress` between batches (cancelling stops it there) and returns a `Capture`.
TensorFlow is reached only through `tf_backend`, imported here on first use so the window is up before it loads.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inspector.analysis.accumulators import (
    ActivationAccumulator,
    ActivationSummary,
    PairAccumulator,
    token_counter,
)
from inspector.analysis.datasets import Dataset
from inspector.analysis.head_judge import predicted_classes
from inspector.core.deadline import reading
from inspector.core.model import ModelInfo
from inspector.progress import Progress

ACTIVATION_BUDGET_BYTES = 256 << 20  # all layers' outputs for one batch stay under this
MAX_GRAD_SAMPLES = 512  # gradients are measured on this many samples (one gradient pass, not per batch)


@dataclass
class HeadCapture:
    name: str
    activation: str | None
    summary: ActivationSummary
    class_counts: list[int] | None  # classifiers: how often each class is predicted
    non_finite: int


@dataclass
class Capture:
    layers: dict[str, ActivationSummary]
    heads: list[HeadCapture]
    pairs: dict[tuple[str, str], PairAccumulator]
    weight_grads: dict[str, float]
    output_grads: dict[str, float]
    loss: float | None
    loss_kinds: list[str]
    samples: int
    batch_size: int
    input_features: list[dict[str, Any] | None] = field(default_factory=list)  # per input: feature scales (text: None)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)  # lookup layers: padding and unknown ids
    data_non_finite: int = 0  # NaN/Inf values found in the inputs (replaced by 0 before running)
    notes: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    how_built: str = ""
    runner: Any = None  # the backend runner, kept for counterfactual checks; dropped before results travel
    first_batch: list[np.ndarray] | None = None
    first_targets: list[np.ndarray] | None = None  # the targets of first_batch, for verifying repairs
    loss_fallback: list[int] = field(default_factory=list)  # heads whose targets the compiled loss refused


def available_memory() -> int | None:
    """Bytes of memory the machine can still give, where the platform says (Linux, macOS)."""
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def choose_batch_size(info: ModelInfo, requested: int | None) -> int:
    """Samples per batch such that every layer's output for one batch, with the copies measuring makes, fits in
    ACTIVATION_BUDGET_BYTES, or in an eighth of the memory still available when that is less."""
    if requested:
        return max(1, requested)
    budget = ACTIVATION_BUDGET_BYTES
    free = available_memory()
    if free is not None:
        budget = max(16 << 20, min(budget, free // 8))
    per_sample = 0
    for layer in info.layers.values():
        shape = layer.output_shape or (None, 64)
        per_sample += int(np.prod([d if d is not None else 32 for d in shape[1:]] or [1]))
    per_sample = max(per_sample, 1) * 4 * 3  # float32, plus numpy copies while measuring
    return int(np.clip(budget // per_sample, 1, 512))


def loss_kinds(info: ModelInfo, output_activations: list[str | None], targets: list[np.ndarray] | None,
               output_units: list[int]) -> list[str]:
    """The compiled loss per head when the file has one, else one that fits the output activation."""
    compiled = _compiled_losses(info)
    kinds = []
    for i, (act, units) in enumerate(zip(output_activations, output_units, strict=True)):
        kind = compiled[i] if compiled and i < len(compiled) else None
        if kind is None:
            y = targets[i] if targets is not None else None
            if act == "softmax":
                kind = ("sparse_categorical_crossentropy" if y is not None and (y.ndim == 1 or y.shape[-1] == 1)
                        and units > 1 else "categorical_crossentropy")
            elif act == "sigmoid":
                kind = "binary_crossentropy"
            else:
                kind = "mean_squared_error"
        kinds.append(_canonical_loss(kind))
    return kinds


def _compiled_losses(info: ModelInfo) -> list[str | None] | None:
    specs = compiled_loss_specs(info)
    return None if specs is None else [_loss_name(item) for item in specs]


def compiled_loss_specs(info: ModelInfo) -> list[Any] | None:
    """The compiled loss of each head as the training config stores it (a name or a serialized object)."""
    cfg = info.training_config or {}
    loss = cfg.get("loss")
    if loss is None:
        return None
    if isinstance(loss, dict) and not {"class_name", "config"} <= set(loss):
        return [loss.get(name) for name in info.outputs]
    if isinstance(loss, list):
        return list(loss)
    return [loss] * len(info.outputs)


def _loss_name(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        inner = value.get("config")
        name = inner.get("name") if isinstance(inner, dict) else None
        return name or value.get("class_name")
    return None


def from_logits(spec: Any) -> bool:
    """Whether a serialized loss says its predictions are logits."""
    inner = spec.get("config") if isinstance(spec, dict) else None
    return bool(isinstance(inner, dict) and inner.get("from_logits"))


def _canonical_loss(name: str) -> str:
    lowered = name.lower().replace(" ", "")
    for canonical, aliases in {
        "sparse_categorical_crossentropy": ("sparse_categorical_crossentropy", "sparsecategoricalcrossentropy"),
        "categorical_crossentropy": ("categorical_crossentropy", "categoricalcrossentropy"),
        "binary_crossentropy": ("binary_crossentropy", "binarycrossentropy"),
    }.items():
        if lowered in aliases:
            return canonical
    return "mean_squared_error"


def capture_steps(info: ModelInfo, ds: Dataset, *, batch_size: int | None = None, max_samples: int | None = None,
                  trust_code: bool = False) -> Generator[Progress, None, Capture]:
    yield Progress("loading TensorFlow")
    if any("Conv" in layer.class_name for layer in info.layers.values()):
        # TF 2.21's oneDNN conv2d_backprop_filter crashes (double free) on the corpus' mini-Xception even in a
        # plain Keras script; the plain kernels do not. Only for convolutional models, where it matters, since
        # oneDNN is faster elsewhere. It takes effect only if TensorFlow is not loaded yet.
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    from inspector.analysis import tf_backend

    yield Progress("building the model")
    built = tf_backend.build_model(info, trust_code=trust_code)
    runner = tf_backend.Runner(built, info)
    return (yield from measure_steps(info, ds, runner, batch_size=batch_size, max_samples=max_samples))


def measure_steps(info: ModelInfo, ds: Dataset, runner: Any, *, batch_size: int | None = None,
                  max_samples: int | None = None) -> Generator[Progress, None, Capture]:
    """Every measurement of a capture with a runner that is ready: the built model of a file, or the model a
    training-time monitor watches (whose weights change between calls)."""
    from inspector.analysis import tf_backend

    built = runner.built
    n = ds.n if max_samples is None else min(ds.n, max_samples)
    size = choose_batch_size(info, batch_size)
    layer_acc = {name: ActivationAccumulator(_activation(info, name)) for name in runner.measured}
    head_names = runner.output_names
    head_acts = [_activation(info, name) for name in head_names]
    head_acc = [ActivationAccumulator(act) for act in head_acts]
    class_counts: list[np.ndarray | None] = [None] * len(head_names)
    # a one-unit head is read as a probability when it is a sigmoid, or when the compiled loss says so (a linear
    # output under binary cross-entropy is a classifier whose bug is exactly that)
    compiled = _compiled_losses(info) or [None] * len(head_names)
    probability = [act in ("softmax", "sigmoid") or (i < len(compiled) and compiled[i] is not None
                                                     and _canonical_loss(compiled[i]) == "binary_crossentropy")
                   for i, act in enumerate(head_acts)]
    non_finite = [0] * len(head_names)
    pairs = {(a, b): PairAccumulator() for i, a in enumerate(head_names) for b in head_names[i + 1:]}
    input_acc: list[ActivationAccumulator | None] = []
    tokens = {name: counter for name in runner.measured if name in info.layers
              and (counter := token_counter(info.layers[name].class_name, info.layers[name].config)) is not None}
    data_non_finite = 0
    first_batch = None
    total = (n + size - 1) // size
    for index, start in enumerate(range(0, n, size)):
        yield Progress("running batches", index, total)
        xs = _batch(ds, start, min(start + size, n), info, tf_backend)
        bad = sum(int(x.size - np.count_nonzero(np.isfinite(x))) for x in xs if x.dtype.kind == "f")
        if bad:  # measured, reported as a finding, and kept out of the model (it would only spread NaN)
            data_non_finite += bad
            xs = _finite(xs)
        if first_batch is None:
            first_batch = xs
            input_acc = [ActivationAccumulator(None) if x.dtype.kind in "biuf" else None for x in xs]
        for acc, x in zip(input_acc, xs, strict=True):
            if acc is not None:
                acc.add(x)
        acts, outs = runner.forward(xs)
        for name, value in acts.items():
            if name in layer_acc:
                layer_acc[name].add(value)
            if name in tokens:
                tokens[name].add(value)
        for i, out in enumerate(outs):
            head_acc[i].add(out)
            non_finite[i] += int(np.size(out) - np.count_nonzero(np.isfinite(out)))
            # any multi-unit head can be read as a classifier (argmax); one unit only when it is a probability
            if out.ndim == 2 and (out.shape[1] > 1 or probability[i]):
                predicted = predicted_classes(out)
                counts = np.bincount(predicted, minlength=max(out.shape[1], 2))
                class_counts[i] = counts if class_counts[i] is None else class_counts[i] + counts
        for (a, b), pair in pairs.items():
            pair.add(outs[head_names.index(a)], outs[head_names.index(b)])
    grad_n = min(n, MAX_GRAD_SAMPLES)
    units = [int(np.prod(h.summary().shape or (1,))) for h in head_acc]
    ys_all = [np.asarray(t[:grad_n]) for t in ds.targets] if ds.targets is not None else None
    kinds = loss_kinds(info, head_acts, ys_all, units)
    weight_sq: dict[str, float] = {}
    output_sq: dict[str, float] = {}
    loss_total = 0.0
    fallback_heads: set[int] = set()
    steps = list(range(0, grad_n, size))
    for step, start in enumerate(steps):  # one gradient pass over grad_n samples, a batch at a time
        yield Progress("gradients", step, len(steps))
        stop = min(start + size, grad_n)
        xs = _finite(_batch(ds, start, stop, info, tf_backend))
        ys = [y[start:stop] for y in ys_all] if ys_all is not None else None
        w, o, value, fallbacks = runner.gradients(xs, ys, kinds)
        fallback_heads.update(fallbacks)
        share = (stop - start) / grad_n
        for name, rms in w.items():
            weight_sq[name] = weight_sq.get(name, 0.0) + share * rms * rms
        for name, rms in o.items():
            output_sq[name] = output_sq.get(name, 0.0) + share * rms * rms
        loss_total += share * value
    weight_grads = {k: float(np.sqrt(v)) for k, v in weight_sq.items()}
    output_grads = {k: float(np.sqrt(v)) for k, v in output_sq.items()}
    loss = loss_total
    notes = list(built.notes)
    for i in sorted(fallback_heads):
        notes.append(f"head '{head_names[i]}': Keras' {kinds[i]} does not take targets of this shape, so the "
                     "gradients of this head were measured with the targets-free objective")
    heads = [HeadCapture(name, act, acc.summary(), None if cc is None else [int(c) for c in cc], nf)
             for name, act, acc, cc, nf in zip(head_names, head_acts, head_acc, class_counts, non_finite,
                                               strict=True)]
    return Capture(
        layers={name: acc.summary() for name, acc in layer_acc.items() if acc.samples},
        heads=heads,
        pairs=pairs,
        weight_grads=weight_grads,
        output_grads=output_grads,
        loss=loss,
        loss_kinds=kinds,
        samples=n,
        batch_size=size,
        input_features=[_feature_scales(acc) if acc is not None else None for acc in input_acc],
        tokens={name: counter.summary() for name, counter in tokens.items() if counter.samples},
        data_non_finite=data_non_finite,
        notes=notes,
        left_out=list(built.left_out),
        how_built=built.how,
        runner=runner,
        first_batch=first_batch,
        first_targets=[np.asarray(t[: len(first_batch[0])]) for t in ds.targets]
        if ds.targets is not None and first_batch else None,
        loss_fallback=sorted(fallback_heads),
    )


def _finite(xs: list[np.ndarray]) -> list[np.ndarray]:
    return [np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0) if x.dtype.kind == "f" else x for x in xs]


def _activation(info: ModelInfo, name: str) -> str | None:
    layer = info.layers.get(name)
    if layer is None:
        return None
    return layer.activation


def _batch(ds: Dataset, start: int, stop: int, info: ModelInfo, backend: Any) -> list[np.ndarray]:
    if ds.image_paths is not None:
        shape = info.input_specs[0].shape
        height, width, channels = (d or 64 for d in shape[1:4])
        with reading(ds.source):  # decoding a hostile image must end too (core.deadline)
            return [backend.load_images(ds.image_paths[start:stop], height, width, channels)]
    return [_to_rank(x, spec.shape) for x, spec in zip(ds.batch(start, stop), info.input_specs, strict=True)]


def _to_rank(x: np.ndarray, shape: tuple[int | None, ...]) -> np.ndarray:
    """One value per sample given for an input declared (batch, 1), or the reverse: reshape, do not refuse."""
    if x.ndim == len(shape) - 1 and shape[-1] == 1:
        return x[..., None]
    if x.ndim == len(shape) + 1 and x.shape[-1] == 1:
        return x[..., 0]
    return x


def _feature_scales(acc: ActivationAccumulator) -> dict[str, Any]:
    """Per-feature mean and std of one input (last axis: features or image channels)."""
    summary = acc.summary()
    return {"shape": list(summary.shape), "mean": summary.unit_mean, "std": summary.unit_std,
            "min": summary.stats.min, "max": summary.stats.max}
