"""Findings that need no data: what the weights and the config alone say about a collapse.

Thresholds are here, named, so the report can quote them. These are facts about the file; whether they explain
a collapse on the user's data is decided by the analysis layer, which measures it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from inspector.core.catalogue import threshold
from inspector.core.config_graph import TEXT_LAYERS
from inspector.core.heads import HeadComparison
from inspector.core.lambda_code import describe_lambda
from inspector.core.model import KERNEL_ROLES, Finding, Layer, ModelInfo, WeightRef
from inspector.core.safety import scan_config_for_code
from inspector.core.stats import TensorStats

SATURATING = frozenset({"sigmoid", "tanh", "hard_sigmoid", "softmax", "hard_tanh", "softsign"})
SATURATING_UNITS = SATURATING - {"softmax"}  # squash each unit on its own: a hidden layer of them can saturate
RECURRENT = frozenset({"LSTM", "GRU", "SimpleRNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "Bidirectional",
                       "LSTMCell", "GRUCell", "SimpleRNNCell", "RNN"})
PASS_THROUGH = frozenset({"Activation", "Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise", "Softmax",
                          "ActivityRegularization", "Flatten", "Reshape"})


def data_free_findings(
    info: ModelInfo,
    stats: dict[str, TensorStats],
    comparisons: list[HeadComparison],
    read: Callable[[WeightRef], np.ndarray],
    decode_code: bool = False,
) -> list[Finding]:
    findings: list[Finding] = []
    for layer in info.layers.values():
        findings += _weight_findings(layer, stats)
        findings += _regularizers(layer)
    findings += _activations(info)
    for comparison in comparisons:
        if comparison.identical:
            findings.append(Finding(
                "identical_heads", "error", comparison.head_b,
                f"heads '{comparison.head_a}' and '{comparison.head_b}' have numerically identical weights: "
                "they output the same value for every input",
                {"head_a": comparison.head_a, "head_b": comparison.head_b,
                 "tensors_compared": len(comparison.similarities)},
                "give each head its own initialisation (no shared initializer seed, no copied weights) and retrain",
            ))
    for name in _output_dense_layers(info):
        findings += _output_layer_findings(info.layers[name], read)
    findings += _code_findings(info, decode_code)
    findings += _vocabulary_findings(info)
    findings.sort(key=lambda f: f.rank)
    return findings


def _vocabulary_findings(info: ModelInfo) -> list[Finding]:
    """Legacy .h5 files keep no vocabulary for text layers (only a config that lists none): such a model cannot
    read text once loaded, whatever its weights."""
    if info.format != "legacy_h5":
        return []
    out = []
    for layer in info.layers.values():
        if layer.class_name in TEXT_LAYERS and not layer.config.get("vocabulary"):
            out.append(Finding(
                "missing_vocabulary", "warning", layer.name,
                f"{layer.name}: the file keeps no vocabulary for this {layer.class_name} layer (the .h5 format does "
                "not store adapted vocabularies), so the loaded model cannot turn text into tokens",
                {"class_name": layer.class_name, "format": info.format},
                "save the model in the .keras format, which keeps the vocabulary with it"))
    return out


def _code_findings(info: ModelInfo, decode: bool) -> list[Finding]:
    """Layers whose building would run code from the file: never done without consent, so say so up front.
    With consent (`decode`), a Lambda's bytecode is decoded, not run, to show what it refers to."""
    findings = []
    for risk in scan_config_for_code(info):
        evidence: dict = {"reason": risk.reason}
        message = f"{risk.layer}: {risk.reason}; it is shown but never run unless you pass --trust-code"
        layer = info.layers[risk.layer]
        if decode and layer.class_name == "Lambda":
            code = describe_lambda(layer.config)
            evidence["code"] = code
            if code.get("decoded"):
                message += f" (its code uses {', '.join(code['names']) or 'no global names'})"
        findings.append(Finding("code_in_file", "info", risk.layer, message, evidence,
                                "diagnose measures everything before this layer; with --trust-code (only for "
                                "files you trust) it is built and run too"))
    return findings


def _weight_findings(layer: Layer, stats: dict[str, TensorStats]) -> list[Finding]:
    out = []
    for ref in layer.weights:
        s = stats.get(ref.path)
        if s is None or s.count == 0:
            continue
        if not s.finite:
            out.append(Finding(
                "non_finite", "error", layer.name,
                f"{layer.name}: weight '{ref.name}' holds {s.nan_count} NaN and {s.inf_count} Inf values",
                {"weight": ref.name, "nan": s.nan_count, "inf": s.inf_count, "count": s.count},
                "training diverged: lower the learning rate, clip gradients, check the data for NaN, "
                "and restart from a checkpoint before the divergence",
            ))
            continue
        if ref.role in KERNEL_ROLES or ref.role == "gamma":
            if s.zero_fraction == 1.0:
                what = "BatchNormalization scale (gamma)" if ref.role == "gamma" else f"'{ref.name}'"
                out.append(Finding(
                    "zero_weights", "error", layer.name,
                    f"{layer.name}: {what} is all zeros, so the layer's output does not depend on its input",
                    {"weight": ref.name, "shape": list(ref.shape), "zero_fraction": 1.0},
                    "re-initialise the layer (e.g. glorot_uniform for kernels, ones for gamma) and retrain; "
                    "check for kernel_initializer='zeros'",
                ))
            elif s.count > 1 and s.std == 0.0 and ref.role != "gamma":
                out.append(Finding(
                    "constant_weights", "warning", layer.name,
                    f"{layer.name}: every value of '{ref.name}' equals {s.mean:.4g}, so all its units compute "
                    "the same thing",
                    {"weight": ref.name, "value": s.mean, "count": s.count},
                    "use a random initializer (glorot_uniform, he_normal): constant weights never break symmetry",
                ))
    return out


def _regularizers(layer: Layer) -> list[Finding]:
    out = []
    for key in ("kernel_regularizer", "bias_regularizer", "activity_regularizer", "W_regularizer"):
        spec = layer.config.get(key)
        if not isinstance(spec, dict):
            continue
        cfg = spec.get("config") if isinstance(spec.get("config"), dict) else spec
        factors = {k: float(v) for k, v in cfg.items() if k in ("l1", "l2") and isinstance(v, (int, float)) and v}
        if not factors:
            continue
        strength = max(factors.values())
        heavy = strength >= threshold("heavy_regularization")
        out.append(Finding(
            "over_regularization", "warning" if heavy else "info", layer.name,
            f"{layer.name}: {key.replace('_', ' ')} " + ", ".join(f"{k}={v:g}" for k, v in factors.items())
            + (" is strong enough to pull the weights towards zero" if heavy else ""),
            {"regularizer": key, **factors},
            "lower the factor (1e-4 to 1e-3 is typical) and check that the weights are not pushed to zero"
            if heavy else "",
        ))
    return out


def _activations(info: ModelInfo) -> list[Finding]:
    out = []
    outputs = set(info.outputs)
    for layer in info.layers.values():
        act = layer.activation
        if act is None:
            continue
        units = layer.output_shape[-1] if layer.output_shape else None
        if act == "softmax" and units == 1:
            out.append(Finding(
                "single_unit_softmax", "error", layer.name,
                f"{layer.name}: softmax over a single unit always outputs 1.0, whatever the input",
                {"activation": "softmax", "units": 1},
                "for a binary output use Dense(1, activation='sigmoid') with binary_crossentropy, "
                "or Dense(2, activation='softmax') with one-hot targets",
            ))
        elif act in SATURATING_UNITS and layer.name not in outputs \
                and layer.class_name not in RECURRENT:  # tanh is what a recurrent cell is built on: no evidence
            out.append(Finding(
                "saturation", "info", layer.name,
                f"{layer.name}: hidden {act} activation can saturate (flat gradient near its bounds)",
                {"activation": act, "measured": False},
                "run data through the model to see whether it actually saturates; relu-family activations "
                "with BatchNormalization do not",
            ))
    return out


def _output_dense_layers(info: ModelInfo) -> list[str]:
    """The layers with a kernel that produce each output, looking through Activation/Dropout-like layers."""
    found = []
    for out in info.outputs:
        name: str | None = out
        for _ in range(16):
            layer = info.layers.get(name) if name else None
            if layer is None:
                break
            if layer.weight("kernel") is not None and layer.weight("bias") is not None:
                found.append(layer.name)
                break
            if layer.class_name not in PASS_THROUGH or len(layer.inbound) != 1:
                break
            name = layer.inbound[0]
    return list(dict.fromkeys(found))


def _output_layer_findings(layer: Layer, read: Callable[[WeightRef], np.ndarray]) -> list[Finding]:
    kernel_ref, bias_ref = layer.weight("kernel"), layer.weight("bias")
    assert kernel_ref is not None and bias_ref is not None
    if kernel_ref.size > 50_000_000 or len(kernel_ref.shape) < 2:
        return []
    kernel = read(kernel_ref).astype(np.float64)
    bias = read(bias_ref).astype(np.float64).ravel()
    columns = kernel.reshape(-1, kernel.shape[-1])
    if columns.shape[1] != bias.size or not np.all(np.isfinite(columns)) or not np.all(np.isfinite(bias)):
        return []
    out = []
    norms = np.linalg.norm(columns, axis=0)
    ratio = np.abs(bias) / np.maximum(norms, 1e-12)
    if bias.size and np.all(ratio > threshold("bias_dominance")) and np.any(bias != 0):
        out.append(Finding(
            "bias_dominated_output", "warning", layer.name,
            f"{layer.name}: the bias (|b| up to {np.max(np.abs(bias)):.3g}) dwarfs what the kernel can add "
            f"(column norm at most {np.max(norms):.3g}) for inputs of unit scale",
            {"bias_abs_max": float(np.max(np.abs(bias))), "kernel_column_norm_max": float(np.max(norms)),
             "ratio_min": float(np.min(ratio)), "threshold": threshold("bias_dominance"), "assumed_input_scale": 1.0},
            "the output has learned the target mean only: scale the targets (standardise them), "
            "check the learning rate and that the inputs reach this layer",
        ))
    if columns.shape[1] >= 2 and np.all(np.abs(columns - columns[:, :1]) <= threshold("unit_tolerance")) \
            and np.all(np.abs(bias - bias[0]) <= threshold("unit_tolerance")):
        out.append(Finding(
            "identical_heads", "error", layer.name,
            f"{layer.name}: all {columns.shape[1]} output units have identical weights and bias, so every "
            "output takes the same value for every input",
            {"units": int(columns.shape[1]), "kernel_zero": bool(np.all(columns == 0))},
            "re-initialise the output layer with a random initializer (not 'zeros' or a constant) and retrain",
        ))
    return out
