"""Tool-free measurement of a saved zoo model on its data: Keras and numpy only, never keras-inspector, so the
labels are an independent truth. Everything here reads the model back from its file, as a user's model would be.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from zoo.case import Task

# Output activations whose range is bounded: targets outside it cannot be produced whatever the weights.
RANGES = {"relu": (0.0, np.inf), "sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0), "tanh": (-1.0, 1.0),
          "softplus": (0.0, np.inf), "elu": (-1.0, np.inf)}


@dataclass
class HeadMeasure:
    name: str
    task: str
    activation: str
    output_shape: list[int]
    target_shape: list[int]
    spread: float  # mean over output units of the across-sample std
    target_std: float  # the same for the targets, column by column as they are given
    spread_ratio: float
    non_finite: bool
    top_share: float | None  # share of samples in the most predicted class (classification heads)
    quality: float  # R^2 for regression, accuracy for classification
    majority_share: float | None  # share of the most frequent true class
    output_min: float
    output_max: float
    target_min: float
    target_max: float
    unreachable_share: float  # share of target values outside the output activation's range
    row_sum_deviation: float | None  # mean |sum of outputs - 1| of a multi-unit classification head


@dataclass
class LayerMeasure:
    name: str
    activation: str
    spread: float  # mean across-sample std of the layer's output units
    mean_abs: float
    dead_fraction: float  # units (last axis) that are exactly 0 for every sample and position
    saturated_fraction: float  # sigmoid/tanh units at their bound (within 0.01) for >= 99 % of values
    output_non_finite: int
    weight_non_finite: int
    kernel_zero_fraction: float | None
    gamma_max_abs: float | None


@dataclass
class Measured:
    heads: list[HeadMeasure]
    layers: dict[str, LayerMeasure]
    identical_heads: bool
    head_max_difference: float | None  # largest |difference| between two heads over the mean target std
    samples: int
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return _finite(asdict(self))


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: write them as strings, so the label file stays standard JSON."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    if isinstance(value, np.generic):
        return _finite(value.item())
    return value


def model_inputs(model: Any, data: dict[str, np.ndarray]) -> list[np.ndarray]:
    names = [t.name.split(":")[0] for t in model.inputs]
    if len(names) == 1 and "x" in data:
        return [data["x"]]
    return [data[n] for n in names]


def output_names(model: Any) -> list[str]:
    return [t._keras_history.operation.name for t in model.outputs]


def model_targets(model: Any, data: dict[str, np.ndarray]) -> list[np.ndarray]:
    names = output_names(model)
    if len(names) == 1:
        return [data["y"]]
    return [data[f"y_{n}"] if f"y_{n}" in data else data[n] for n in names]


def _activation(layer: Any) -> str:
    act = layer.get_config().get("activation")
    if isinstance(act, dict):  # a serialised function
        act = act.get("config", {}).get("name") or act.get("class_name")
    return str(act or type(layer).__name__.lower())


def _columns(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    return a.reshape(a.shape[0], -1)


def _predicted_classes(pred: np.ndarray, task: str) -> np.ndarray:
    p = _columns(pred)
    if p.shape[1] == 1:
        return (p[:, 0] > 0.5).astype(int)
    return np.argmax(p, axis=1)


def _true_classes(target: np.ndarray) -> np.ndarray:
    t = _columns(target)
    if t.shape[1] > 1:
        return np.argmax(t, axis=1)
    return np.rint(t[:, 0]).astype(int)


def measure_head(name: str, task: Task, activation: str, pred: np.ndarray, target: np.ndarray) -> HeadMeasure:
    p, t = _columns(pred), _columns(target)
    finite = bool(np.all(np.isfinite(p)))
    spread = float(np.mean(np.std(p, axis=0))) if finite else float("nan")
    target_std = float(np.mean(np.std(t, axis=0)))
    ratio = spread / target_std if finite and target_std > 0 else (0.0 if not finite else float("inf"))
    top_share = majority = row_dev = None
    if task == "regression":
        quality = (1.0 - float(np.mean((p - t) ** 2) / max(float(np.var(t)), 1e-30))
                   if finite and p.shape == t.shape else float("nan"))
    else:
        predicted = _predicted_classes(pred, task) if finite else np.zeros(len(p), dtype=int)
        truth = _true_classes(target)
        top_share = float(np.bincount(predicted).max() / len(predicted))
        majority = float(np.bincount(truth).max() / len(truth))
        quality = float(np.mean(predicted == truth)) if finite else 0.0
        if p.shape[1] > 1 and finite:
            row_dev = float(np.mean(np.abs(p.sum(axis=1) - 1.0)))
    low, high = RANGES.get(activation, (-np.inf, np.inf))
    unreachable = float(np.mean((t < low - 1e-6) | (t > high + 1e-6)))
    return HeadMeasure(name, task, activation, list(pred.shape), list(target.shape), spread, target_std, ratio,
                       not finite, top_share, quality, majority, float(np.nanmin(p)) if finite else float("nan"),
                       float(np.nanmax(p)) if finite else float("nan"), float(t.min()), float(t.max()),
                       unreachable, row_dev)


def resolve(model: Any, qualified: str) -> tuple[Any, Any]:
    """The layer named `outer/inner` (the reader's naming of nested models) and the model that holds it."""
    holder, layer = model, None
    for part in qualified.split("/"):
        if layer is not None:
            holder = layer
        layer = holder.get_layer(part)
    return holder, layer


def layer_output(model: Any, qualified: str, inputs: list[np.ndarray]) -> np.ndarray:
    """The layer's output on the data: a probe through the outer graph, then through the nested model."""
    import keras

    parts = qualified.split("/")
    if len(parts) == 1:
        probe = keras.Model(model.inputs, model.get_layer(qualified).output)
        return np.asarray(probe.predict(inputs, batch_size=256, verbose=0))
    outer = model.get_layer(parts[0])
    feed = outer._inbound_nodes[0].input_tensors
    model_input_ids = {id(t) for t in model.inputs}
    if all(id(t) in model_input_ids for t in feed):
        by_id = {id(t): x for t, x in zip(model.inputs, inputs, strict=True)}
        values = [by_id[id(t)] for t in feed]
    else:
        probe = keras.Model(model.inputs, feed)
        got = probe.predict(inputs, batch_size=256, verbose=0)
        values = got if isinstance(got, list) else [got]
    return layer_output(outer, "/".join(parts[1:]), values)


def measure_layer(model: Any, qualified: str, inputs: list[np.ndarray]) -> LayerMeasure:
    _, layer = resolve(model, qualified)
    act = _activation(layer)
    out = np.asarray(layer_output(model, qualified, inputs), dtype=np.float64)
    units = out.reshape(-1, out.shape[-1]) if out.ndim > 1 else out[:, None]
    per_sample = out.reshape(out.shape[0], -1)
    finite = np.isfinite(units)
    dead = float(np.mean(np.all(units == 0, axis=0)))
    if act == "sigmoid":
        at_bound = (units < 0.01) | (units > 0.99)
    elif act == "tanh" or type(layer).__name__ in ("LSTM", "GRU", "SimpleRNN"):
        at_bound = np.abs(units) > 0.99
    else:
        at_bound = np.zeros_like(units, dtype=bool)
    saturated = float(np.mean(np.mean(at_bound, axis=0) >= 0.99))
    weights = [np.asarray(w) for w in layer.get_weights()]
    kernel_zero = None
    kernels = [w for w in layer.weights if w.path.endswith("kernel")]
    if kernels:
        k = np.asarray(kernels[0].numpy())
        kernel_zero = float(np.mean(k == 0))
    gamma = [w for w in layer.weights if w.path.endswith("gamma")]
    return LayerMeasure(
        qualified, act,
        float(np.nanmean(np.std(per_sample, axis=0))) if finite.all() else float("nan"),
        float(np.nanmean(np.abs(units))) if finite.any() else float("nan"),
        dead, saturated, int((~finite).sum()), int(sum((~np.isfinite(w)).sum() for w in weights)),
        kernel_zero, float(np.max(np.abs(gamma[0].numpy()))) if gamma else None)


def measure(model: Any, data: dict[str, np.ndarray], tasks: dict[str, Task], layers: list[str]) -> Measured:
    inputs = model_inputs(model, data)
    targets = model_targets(model, data)
    names = output_names(model)
    preds = model.predict(inputs, batch_size=256, verbose=0)
    preds = preds if isinstance(preds, list) else [preds]
    heads = []
    for name, pred, target in zip(names, preds, targets, strict=True):
        _, layer = resolve(model, name)
        heads.append(measure_head(name, tasks[name], _activation(layer), np.asarray(pred), target))
    identical, worst = False, None
    if len(heads) > 1 and len({tuple(np.shape(p)) for p in preds}) == 1:
        scale = float(np.mean([h.target_std for h in heads]))
        worst = max(float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)))) / scale
                    for i, a in enumerate(preds) for b in preds[i + 1:])
        identical = bool(np.isfinite(worst) and worst < 0.01)
    measured, errors = {}, []
    for name in layers:
        try:
            measured[name] = measure_layer(model, name, inputs)
        except Exception as exc:  # a probe that Keras cannot build is recorded, not fatal
            errors.append(f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    return Measured(heads, measured, identical, worst, int(inputs[0].shape[0]), errors)
