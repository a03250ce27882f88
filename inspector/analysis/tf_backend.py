"""The only module that imports TensorFlow/Keras: build the model safely, run batches, take gradients.

It hands numpy arrays and plain dataclasses back, never tensors, so everything above it stays framework-free.
Building follows one rule: code stored in the file (Lambda bytecode, custom classes) is never run unless the user
trusts the file; without that, the layers that need it and everything downstream are left out, and the rest is
measured.
"""

from __future__ import annotations

import copy
import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """TensorFlow 2.21's C++ start-up lines (absl, oneDNN, CUDA) ignore TF_CPP_MIN_LOG_LEVEL; they would bury
    the command line's progress bar and one-line errors, so its import writes to /dev/null instead."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


with _quiet_stderr():
    import keras  # noqa: E402
    import tensorflow as tf  # noqa: E402
    from keras.src.ops.function import make_node_key  # noqa: E402

from inspector.analysis.accumulators import LOOKUP_LAYERS, special_ids  # noqa: E402
from inspector.analysis.translate import changed_meaning, prune, translate  # noqa: E402
from inspector.core.deadline import file_size, reading  # noqa: E402
from inspector.core.findings import SATURATING_UNITS  # noqa: E402
from inspector.core.h5safe import h5_errors  # noqa: E402
from inspector.core.model import ModelInfo  # noqa: E402
from inspector.core.safety import CodeRisk, scan_config_for_code  # noqa: E402
from inspector.core.stats import read_weight  # noqa: E402
from inspector.errors import DataError, UnsafeModelError, UnsupportedModelError  # noqa: E402

MODEL_CLASSES = frozenset({"Sequential", "Functional", "Model"})
Callback = keras.callbacks.Callback  # the base of inspector.monitor.CollapseMonitor, so only this module imports Keras


def clear_session() -> None:
    """Forget the models this process built: Keras' name counters restart and their memory is returned, so the
    next diagnosis in a reused process (the window's warm one) runs as in a fresh process."""
    keras.backend.clear_session()


@keras.saving.register_keras_serializable(package="keras_inspector", name="keras2_hard_sigmoid")
def keras2_hard_sigmoid(x: Any) -> Any:
    """Keras 1 and 2's hard sigmoid, which old configs mean by "hard_sigmoid" (see translate.KERAS2_HARD_SIGMOID)."""
    return keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)


_UNRECOGNIZED = re.compile(r"Unrecognized keyword arguments passed to (\w+): \{'(\w+)'")


def known_classes() -> frozenset[str]:
    names = {n for n in dir(keras.layers) if isinstance(getattr(keras.layers, n), type)}
    return frozenset(names | MODEL_CLASSES | {"Convolution1D", "Convolution2D", "Convolution3D",
                                              "Deconvolution2D", "SeparableConvolution2D"})


@dataclass
class BuiltModel:
    model: Any  # keras.Model
    how: str  # "Keras' own loader" or "rebuilt from the config"
    blocked: list[CodeRisk] = field(default_factory=list)  # layers left out (and why)
    left_out: list[str] = field(default_factory=list)  # every layer not run, blocked ones included
    notes: list[str] = field(default_factory=list)


def build_model(info: ModelInfo, trust_code: bool = False) -> BuiltModel:
    if not info.has_architecture or info.config is None:
        raise UnsupportedModelError(f"{info.path}: the file stores no architecture, so no data can be run through it")
    risks = scan_config_for_code(info, known_classes())
    if risks and not trust_code:
        return _rebuild(info, risks, trust_code)
    model = None
    if not changed_meaning(info.config, info.keras_version):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                model = _keras_loader(info, trust_code)
            except Exception:  # Keras cannot load most files older than Keras 3: that is why we rebuild
                model = None
    if model is not None and not _is_built(model):
        model = _with_declared_input(model, info)
    if model is not None and _inputs_match(model, info):
        built = BuiltModel(model, "Keras' own loader")
    else:
        built = _rebuild(info, [r for r in risks if not trust_code], trust_code)
    _check_vocabularies(built.model, info)
    return built


def _check_vocabularies(model: Any, info: ModelInfo) -> None:
    """A text layer whose vocabulary the file did not keep cannot run at all (TensorFlow fails deep inside with
    "Table not initialized"); say so and why. Legacy .h5 files never keep it: .keras archives do."""
    for name, layer in walk_layers(model):
        class_name = type(layer).__name__
        if class_name not in LOOKUP_LAYERS:
            continue
        try:
            size = int(layer.vocabulary_size())
        except Exception:  # an uninitialised table raises in some versions
            size = 0
        padding, unknown = special_ids(class_name, layer.get_config())
        if size <= len(padding) + len(unknown):
            where = ("the .h5 format does not store vocabularies: save the model as .keras"
                     if info.format == "legacy_h5" else "it was never adapted or given one")
            raise UnsupportedModelError(f"{info.path}: text layer '{name}' has no vocabulary ({where}), so no "
                                        "text can be run through the model")


def _is_built(model: Any) -> bool:
    try:
        return bool(model.inputs)
    except (AttributeError, ValueError):
        return False


def _with_declared_input(model: Any, info: ModelInfo) -> Any | None:
    """A Sequential saved before it ever saw data has no inputs (the corpus' TextVectorization file is one); the
    same layers, with their state, behind an Input of the shape the reader inferred (strings for text layers)."""
    if not isinstance(model, keras.Sequential) or len(info.input_specs) != 1:
        return None
    spec = info.input_specs[0]
    try:
        rebuilt = keras.Sequential([keras.Input(shape=spec.shape[1:], dtype=spec.dtype, name=spec.name),
                                    *model.layers], name=model.name)
    except (ValueError, TypeError):
        return None
    return rebuilt if _is_built(rebuilt) else None


def _inputs_match(model: Any, info: ModelInfo) -> bool:
    """Keras' legacy loader sometimes "succeeds" with inputs of the wrong rank; such a model is rebuilt."""
    try:
        shapes = [tuple(t.shape) for t in model.inputs]
    except (AttributeError, ValueError):
        return False
    specs = [s.shape for s in info.input_specs]
    if len(shapes) != len(specs):
        return not specs
    return all(len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b, strict=True))
               for a, b in zip(shapes, specs, strict=True))


def _keras_loader(info: ModelInfo, trust_code: bool) -> Any | None:
    suffix = os.path.splitext(info.path)[1].lower()
    if info.format == "keras_zip" and (info.keras_version or "").startswith("3"):
        if suffix == ".keras":
            return keras.saving.load_model(info.path, compile=False, safe_mode=not trust_code)
        from keras.src.saving import saving_lib  # an archive without the suffix (the API's in-memory copy)

        with open(info.path, "rb") as fh:
            return saving_lib.load_model(fh, compile=False, safe_mode=not trust_code)
    if info.format == "legacy_h5" and suffix in (".h5", ".hdf5"):
        return keras.models.load_model(info.path, compile=False, safe_mode=not trust_code)
    return None


def _rebuild(info: ModelInfo, risks: list[CodeRisk], trust_code: bool) -> BuiltModel:
    assert info.config is not None
    shapes = {name: layer.output_shape for name, layer in info.layers.items() if layer.parent is None}
    config = translate(info.config, shapes, info.keras_version)
    blocked_top = {_top(info, r.layer) for r in risks}
    left_out: list[str] = []
    if blocked_top:
        config, outputs = prune(config, blocked_top)
        kept = {(e.get("name") or e.get("config", {}).get("name")) for e in config["config"]["layers"]}
        left_out = [n for n in info.layers if _top(info, n) not in kept]
        if not outputs:
            first = risks[0]
            raise UnsafeModelError(
                f"{info.path}: nothing can run without executing code from the file ({first.layer}: "
                f"{first.reason}); pass --trust-code if you trust this file")
    model = _deserialize(config, trust_code, info.path)
    notes = []
    if changed_meaning(info.config, info.keras_version):
        notes.append("hard_sigmoid computed as the file's Keras version defined it (0.2·x + 0.5, clipped); Keras 3's "
                     "own loader would use x/6 + 0.5")
    if left_out:
        notes.append(f"{len(left_out)} layers were not run (they need code from the file or come after it): "
                     + ", ".join(left_out[:6]) + (" ..." if len(left_out) > 6 else ""))
    built = BuiltModel(model, "rebuilt from the config", list(risks), left_out, notes)
    _assign_weights(built, info)
    return built


def _top(info: ModelInfo, name: str) -> str:
    return (info.ancestors(name) or [name])[-1]


def _deserialize(config: dict[str, Any], trust_code: bool, path: str) -> Any:
    from keras.src.legacy.saving import saving_utils

    modern = "module" in config
    dropped: list[str] = []
    for _ in range(50):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                attempt = copy.deepcopy(config)  # Keras consumes the dicts it is given
                if modern:
                    with keras.saving.custom_object_scope({}):
                        return keras.saving.deserialize_keras_object(attempt, safe_mode=not trust_code)
                return saving_utils.model_from_config(attempt)
        except (ValueError, TypeError) as exc:
            match = _UNRECOGNIZED.search(_chain_text(exc))
            if not match or not _drop_argument(config, match.group(1), match.group(2)):
                raise UnsupportedModelError(
                    f"{path}: Keras 3 cannot rebuild this model: {_first_line(exc)}") from None
            dropped.append(f"{match.group(1)}.{match.group(2)}")
        except Exception as exc:  # Keras raises many kinds; all mean "cannot build"
            raise UnsupportedModelError(f"{path}: Keras 3 cannot rebuild this model: {_first_line(exc)}") from None
    raise UnsupportedModelError(f"{path}: too many arguments Keras 3 does not know ({', '.join(dropped[:5])})")


def _chain_text(exc: BaseException) -> str:
    """Keras wraps deserialization errors in each other; the useful one is often the innermost."""
    parts, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(str(current))
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def _drop_argument(config: Any, class_name: str, argument: str) -> bool:
    """Remove an argument Keras 3 dropped (e.g. LSTM's time_major) from every layer of that class."""
    found = False
    if isinstance(config, dict):
        if config.get("class_name") == class_name and isinstance(config.get("config"), dict):
            found = config["config"].pop(argument, None) is not None or found
        for value in config.values():
            found = _drop_argument(value, class_name, argument) or found
    elif isinstance(config, list):
        for value in config:
            found = _drop_argument(value, class_name, argument) or found
    return found


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def walk_layers(model: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(qualified name, keras layer) for every layer, nested ones included, named as the reader names them."""
    for layer in model.layers:
        name = prefix + layer.name
        yield name, layer
        if isinstance(layer, keras.Model):
            yield from walk_layers(layer, name + "/")


def _assign_weights(built: BuiltModel, info: ModelInfo) -> None:
    """Weights from our reader, layer by layer by name, each tensor checked against the shape Keras built."""
    if info.source is None:
        raise UnsupportedModelError(f"{info.path}: the file holds no weights to run the model with")
    problems = []
    with info.source.open() as h5, reading(info.path, file_size(info.path)), h5_errors(info.path):
        for name, layer in walk_layers(built.model):
            if isinstance(layer, keras.Model) or not layer.weights:
                continue
            ours = info.layers.get(name)
            if ours is None:
                problems.append(f"{name}: not in the file")
                continue
            values = [read_weight(h5, ref) for ref in ours.weights]
            wanted = [tuple(w.shape) for w in layer.weights]
            if [v.shape for v in values] != wanted:
                values = _from_keras1_gates(type(layer).__name__, ours.weights, values) or values
            if [v.shape for v in values] != wanted:
                values = _match_by_shape(values, wanted)
            if values is None:
                problems.append(f"{name}: the file has {[r.shape for r in ours.weights]}, Keras builds {wanted}")
                continue
            layer.set_weights(values)
    if problems:
        raise UnsupportedModelError(f"{info.path}: weights do not fit the rebuilt model ({problems[0]}"
                                    + (f", and {len(problems) - 1} more" if len(problems) > 1 else "") + ")")


_KERAS1_GATES = {"LSTM": ("i", "f", "c", "o"), "GRU": ("z", "r", "h")}
_KERAS1_PART = re.compile(r"_([WUb])_([a-z])$")


def _from_keras1_gates(class_name: str, refs: list[Any], values: list[np.ndarray]) -> list[np.ndarray] | None:
    """Keras 1 stored a kernel, recurrent kernel and bias per gate (``lstm_1_W_i``, ``lstm_1_U_f``...); later
    versions concatenate each kind in gate order (LSTM i, f, c, o; GRU z, r, h), as Keras 2's loader did."""
    gates = _KERAS1_GATES.get(class_name)
    if gates is None or len(values) != 3 * len(gates):
        return None
    parts: dict[tuple[str, str], np.ndarray] = {}
    for ref, value in zip(refs, values, strict=True):
        match = _KERAS1_PART.search(ref.path.rsplit("/", 1)[-1].split(":", 1)[0])
        if match is None:
            return None
        parts[(match.group(1), match.group(2))] = value
    try:
        return [np.concatenate([parts[(kind, gate)] for gate in gates], axis=-1) for kind in "WUb"]
    except (KeyError, ValueError):
        return None


def _match_by_shape(values: list[np.ndarray], wanted: list[tuple[int, ...]]) -> list[np.ndarray] | None:
    """Reorder when every wanted shape matches exactly one stored tensor; otherwise refuse to guess."""
    if len(values) != len(wanted):
        return None
    out = []
    for shape in wanted:
        candidates = [v for v in values if v.shape == shape]
        if len(candidates) != 1 or wanted.count(shape) != 1:
            return None
        out.append(candidates[0])
    return out


# --- running ------------------------------------------------------------------------------------------------


class Runner:
    """Runs batches through a probe model that exposes every layer's output, and takes gradients."""

    def __init__(self, built: BuiltModel, info: ModelInfo) -> None:
        self.built = built
        self.model = built.model
        self.info = info
        self.layers = dict(walk_layers(self.model))
        self.output_names = [t._keras_history.operation.name for t in self.model.outputs]
        self._probe, self._names, self._nested = self._make_probe(self.model, "")

    def _make_probe(self, model: Any, prefix: str) -> tuple[Any, list[str], list[tuple[str, Any, int]]]:
        tensors, names, nested = [], [], []
        for layer in model.layers:
            if isinstance(layer, keras.layers.InputLayer):
                continue
            node = _first_node(model, layer)
            if node is None or not node.output_tensors:
                continue
            names.append(prefix + layer.name)
            tensors.append(_first(node.output_tensors))
            if isinstance(layer, keras.Model) and layer.layers:
                node_inputs = list(node.input_tensors)
                if len(node_inputs) == len(layer.inputs):
                    first_index = len(tensors)
                    tensors.extend(node_inputs)
                    names.extend([f"{prefix}{layer.name}/__input{i}__" for i in range(len(node_inputs))])
                    nested.append((prefix + layer.name, layer, first_index))
        probe = keras.Model(model.inputs, tensors + list(model.outputs))
        return probe, names, nested

    @property
    def measured(self) -> list[str]:
        """Every measured layer: the model's own, and those of nested models at any depth."""
        out = [n for n in self._names if not n.endswith("__")]
        pending = list(self._nested)
        while pending:
            name, layer, _ = pending.pop(0)
            _, names, deeper = self._inner_probe(name, layer)
            out += [n for n in names if not n.endswith("__")]
            pending += deeper
        return out

    def forward(self, xs: list[np.ndarray]) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
        """Every measured layer's output (first call of shared layers) and the model's outputs, as numpy."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. Keras' note on a one-unit softmax: we report it ourselves
                outs = self._probe(_tensors(xs), training=False)
        except (tf.errors.InvalidArgumentError, ValueError, TypeError) as exc:
            raise DataError(f"the data does not fit the model: {_first_line(exc)}") from None
        outs = [np.asarray(o) for o in (outs if isinstance(outs, (list, tuple)) else [outs])]
        count = len(self._names)
        acts = dict(zip(self._names, outs[:count], strict=True))
        pending = [(name, layer, outs[first : first + len(layer.inputs)]) for name, layer, first in self._nested]
        while pending:  # nested models, then the models nested in them, fed what their first call was fed
            name, layer, inner_in = pending.pop(0)
            probe, names, deeper = self._inner_probe(name, layer)
            inner_outs = probe(list(inner_in), training=False)
            inner_outs = [np.asarray(o) for o in (inner_outs if isinstance(inner_outs, (list, tuple))
                                                  else [inner_outs])]
            acts.update(zip(names, inner_outs[: len(names)], strict=True))
            pending += [(n, m, inner_outs[f : f + len(m.inputs)]) for n, m, f in deeper]
        return {k: v for k, v in acts.items() if not k.endswith("__")}, outs[count:]

    def _inner_probe(self, name: str, layer: Any) -> tuple[Any, list[str], list[tuple[str, Any, int]]]:
        """A nested model's own probe, as the model's: its layers' outputs (named `name/layer`) and the inputs
        of the models nested in it."""
        cache = self.__dict__.setdefault("_inner_probes", {})
        if name not in cache:
            try:
                cache[name] = self._make_probe(layer, name + "/")
            except (ValueError, TypeError, KeyError) as exc:
                raise UnsupportedModelError(f"{name}: the nested model's layers cannot be reached for measuring "
                                            f"({_first_line(exc)})") from None
        return cache[name]

    def gradients(self, xs: list[np.ndarray], ys: list[np.ndarray] | None,
                  losses: list[str]) -> tuple[dict[str, float], dict[str, float], float, list[int]]:
        """RMS gradient per layer w.r.t. its weights and w.r.t. its output, the loss value, and the heads whose
        targets the loss could not take (their targets-free objective was used instead)."""
        weights = {name: layer.trainable_weights for name, layer in self.layers.items()
                   if layer.trainable_weights and not isinstance(layer, keras.Model)}
        inputs = _tensors(xs)
        fallbacks: list[int] = []
        with warnings.catch_warnings(), tf.GradientTape() as tape:
            warnings.simplefilter("ignore")
            outs = self._probe(inputs, training=False)
            outs = outs if isinstance(outs, (list, tuple)) else [outs]
            count = len(self._names)
            terms = []
            for i, (kind, y_pred) in enumerate(zip(losses, outs[count:], strict=True)):
                term = _loss(kind, y_pred, None if ys is None else ys[i])
                if term is None:
                    fallbacks.append(i)
                    term = _loss(kind, y_pred, None)
                terms.append(term)
            loss = tf.add_n(terms)
            acts = [outs[i] for i, n in enumerate(self._names) if not n.endswith("__")]
        names = [n for n in self._names if not n.endswith("__")]
        # token ids and other integer outputs carry no gradient: measured as 0, not asked of the tape
        acts = [a if a.dtype.is_floating else tf.zeros_like(a, dtype=tf.float32) for a in acts]
        flat_weights = [w for ws in weights.values() for w in ws]
        grads = tape.gradient(loss, acts + flat_weights, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        out_grads = {n: _rms(g) for n, g in zip(names, grads[: len(acts)], strict=True)}
        weight_grads: dict[str, float] = {}
        position = len(acts)
        for name, ws in weights.items():
            chunk = grads[position : position + len(ws)]
            position += len(ws)
            total = sum(float(tf.reduce_sum(tf.square(g))) for g in chunk)
            size = sum(int(np.prod(w.shape)) for w in ws)
            weight_grads[name] = float(np.sqrt(total / max(size, 1)))
        return weight_grads, out_grads, float(loss), fallbacks

    def layer_kind(self, name: str) -> tuple[str, str | None, bool]:
        """(Keras class name, activation name, whether it has weights) of a layer as built."""
        layer = self.layers.get(name)
        if layer is None:
            return "", None, False
        act = getattr(layer, "activation", None)
        act_name = getattr(act, "__name__", None) if callable(act) else (act if isinstance(act, str) else None)
        return type(layer).__name__, act_name, bool(layer.weights) and not isinstance(layer, keras.Model)

    @contextmanager
    def repaired(self, repair: str, layers: list[str], *, activation: str | None = None,
                 values: dict[str, list[np.ndarray]] | None = None) -> Iterator[str | None]:
        """Apply one counterfactual repair in memory and undo it afterwards; yields what was done, in words, or
        None when the repair does not apply to these layers. Repairs are the catalogue's (core/catalogue.py)."""
        targets = [(name, self.layers[name]) for name in layers
                   if name in self.layers and not isinstance(self.layers[name], keras.Model)]
        saved = [(layer, layer.get_weights(), getattr(layer, "activation", None)) for _, layer in targets]
        try:
            action = _apply_repair(repair, targets, activation, values or {})
            yield action
        finally:
            for layer, weights, act in saved:
                layer.set_weights(weights)
                if act is not None:
                    layer.activation = act


def _apply_repair(repair: str, targets: list[tuple[str, Any]], activation: str | None,
                  values: dict[str, list[np.ndarray]]) -> str | None:
    if not targets:
        return None
    if repair == "replace_activation":
        name, layer = targets[0]
        if activation is None or not callable(getattr(layer, "activation", None)):
            return None
        old = getattr(layer.activation, "__name__", "?")
        layer.activation = keras.activations.get(activation)
        if name in values:
            layer.set_weights(values[name])
            return f"activation of {name} replaced: {old} -> {activation}, kernel refitted by least squares"
        return f"activation of {name} replaced: {old} -> {activation}"
    if repair == "set_weights":
        done = []
        for name, layer in targets:
            if name in values:
                layer.set_weights(values[name])
                done.append(name)
        return f"output layer {done[0]} refitted by least squares on the measured batch" if done else None
    if repair == "zero_non_finite":
        fixed = 0
        for _, layer in targets:
            weights = layer.get_weights()
            fixed += sum(int(np.size(w) - np.count_nonzero(np.isfinite(w))) for w in weights)
            layer.set_weights([np.nan_to_num(w, nan=0.0, posinf=0.0, neginf=0.0) for w in weights])
        return f"{fixed} NaN/Inf weights set to 0" if fixed else None
    with_weights = [(n, layer) for n, layer in targets if layer.weights]
    if not with_weights:
        return None
    if repair == "reset_batchnorm":
        norms = [(n, layer) for n, layer in with_weights if "gamma" in _weight_names(layer)
                 or "moving_variance" in _weight_names(layer)]
        if not norms:
            return None
        for _, layer in norms:
            layer.set_weights(_reinitialised(layer))
        return f"{norms[0][0]} reset to identity (gamma=1, beta=0, mean 0, variance 1)"
    if repair != "reinitialise":
        raise ValueError(f"unknown repair {repair!r}")
    swapped = []
    if activation is not None:  # a span whose activations are the fault (a deep sigmoid stack): swap, then init
        for name, layer in with_weights:
            act = getattr(layer, "activation", None)
            if callable(act) and getattr(act, "__name__", "") in SATURATING_UNITS:
                layer.activation = keras.activations.get(activation)
                swapped.append(name)
        if not swapped:
            return None
    for _, layer in with_weights:
        layer.set_weights(_reinitialised(layer))
    if swapped:
        return (f"{len(with_weights)} layers {with_weights[0][0]} .. {with_weights[-1][0]} re-initialised, the "
                f"activation of {len(swapped)} of them replaced by {activation}")
    inits = sorted({_initialiser_name(layer) for _, layer in with_weights})
    if len(with_weights) > 1:
        return (f"{len(with_weights)} layers {with_weights[0][0]} .. {with_weights[-1][0]} re-initialised "
                f"({', '.join(inits)})")
    if inits[0] == "identity":
        return f"{with_weights[0][0]} reset to identity (gamma=1, beta=0, mean 0, variance 1)"
    return f"{with_weights[0][0]} re-initialised ({inits[0]} kernel, zero bias)"


def _weight_names(layer: Any) -> list[str]:
    return [w.path.rsplit("/", 1)[-1] for w in layer.weights]


def _initialiser_name(layer: Any) -> str:
    if "gamma" in _weight_names(layer):
        return "identity"
    return "he_normal" if _relu_like(layer) else "glorot_uniform"


def _relu_like(layer: Any) -> bool:
    act = getattr(layer, "activation", None)
    return getattr(act, "__name__", "") in ("relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu")


def _tensors(xs: list[np.ndarray]) -> list[Any]:
    """Numpy text cannot go through Keras' own conversion (it rejects numpy's string dtypes): make tf strings."""
    return [tf.constant(x.astype(object)) if x.dtype.kind in "US" else tf.convert_to_tensor(x) for x in xs]


def _first_node(model: Any, layer: Any) -> Any:
    """The layer's first call *in this model's graph* (a nested model also has a node of its own, and a shared
    layer one per call); Sequential models keep their graph in a hidden Functional."""
    graph = getattr(model, "_functional", None) or model
    own = getattr(graph, "_nodes", None)
    for index, node in enumerate(layer._inbound_nodes):
        if own is None or make_node_key(layer, index) in own:
            return node
    return None


def _first(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    if isinstance(value, dict):
        return next(iter(value.values()), None)
    return value


def _rms(g: Any) -> float:
    if g is None:
        return 0.0
    g = tf.convert_to_tensor(g)
    return float(tf.sqrt(tf.reduce_mean(tf.square(tf.cast(g, tf.float32)))))


_LOSSES = {"sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
           "categorical_crossentropy": "CategoricalCrossentropy", "binary_crossentropy": "BinaryCrossentropy",
           "mean_squared_error": "MeanSquaredError"}


def _loss(kind: str, y_pred: Any, y_true: np.ndarray | None) -> Any:
    """The loss as Keras computes it in training, with Keras' own squeezing and broadcasting of the targets
    (a shape mismatch that training broadcast is measured the same way); None when Keras would refuse them."""
    y_pred = tf.cast(y_pred, tf.float32)
    if y_true is None:  # proxy: how strongly each weight could still move the outputs
        return 0.5 * tf.reduce_mean(tf.reduce_sum(tf.reshape(tf.square(y_pred), [tf.shape(y_pred)[0], -1]), -1))
    loss = getattr(keras.losses, _LOSSES.get(kind, "MeanSquaredError"))()
    try:
        return loss(tf.cast(tf.convert_to_tensor(y_true), tf.float32), y_pred)
    except (ValueError, TypeError, tf.errors.InvalidArgumentError):
        return None


def _reinitialised(layer: Any) -> list[np.ndarray]:
    """Healthy values for a layer: BatchNorm to identity, kernels from the initialiser that suits the layer's
    activation (He for the relu family, which keeps the spread through a relu; Glorot otherwise), zero biases."""
    rng = np.random.default_rng(0)
    relu = _relu_like(layer)
    out = []
    for name, value in zip(_weight_names(layer), layer.get_weights(), strict=True):
        if name in ("gamma", "moving_variance"):
            out.append(np.ones_like(value))
        elif name in ("beta", "moving_mean", "bias"):
            out.append(np.zeros_like(value))
        elif value.ndim >= 2:
            fan_in = int(np.prod(value.shape[:-1]))
            fan_out = int(value.shape[-1])
            if relu:
                out.append(rng.normal(0.0, np.sqrt(2.0 / fan_in), size=value.shape).astype(value.dtype))
            else:
                limit = np.sqrt(6.0 / (fan_in + fan_out))
                out.append(rng.uniform(-limit, limit, size=value.shape).astype(value.dtype))
        else:
            out.append(np.nan_to_num(value, nan=0.0, posinf=0.0, neginf=0.0))
    return out


def model_archive(model: Any) -> bytes:
    """The `.keras` archive of an in-memory model, made in memory (Keras' own saving, nothing on disk); the
    model is only read."""
    import io

    from keras.src.saving import saving_lib

    if not isinstance(model, keras.Model):
        raise DataError(f"not a Keras model or a path: {type(model).__name__}")
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        saving_lib.save_model(model, buffer)
    return buffer.getvalue()


def load_images(paths: list[str], height: int, width: int, channels: int) -> np.ndarray:
    """Decode and resize a batch of images to the model's input size, as float32 in the file's 0-255 range."""
    batch = []
    for path in paths:
        try:
            data = tf.io.read_file(path)
            image = tf.io.decode_image(data, channels=channels, expand_animations=False)
        except (tf.errors.InvalidArgumentError, tf.errors.NotFoundError) as exc:
            raise DataError(f"{path}: not a readable image: {_first_line(exc)}") from None
        batch.append(tf.image.resize(tf.cast(image, tf.float32), (height, width)).numpy())
    return np.stack(batch).astype(np.float32)
