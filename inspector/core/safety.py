"""What in a model config would run code if the model were built: our own scan, so that safety never rests on
Keras' `safe_mode` alone (it had bypasses fixed up to 3.13).

Reading structure and weights never needs any of this code; building the model to run data through it does, so
the analysis layer builds these layers only when the user explicitly trusts the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inspector.core.model import ModelInfo

# Modules whose classes Keras ships; anything else is somebody's code.
KERAS_MODULE_PREFIXES = ("keras.", "tf_keras.", "tensorflow.python.keras", "tensorflow.keras")
KERAS_MODULES = frozenset({"keras", "tf_keras", "builtins"})
CODE_LAYERS = frozenset({"Lambda", "TFOpLambda", "SlicingOpLambda"})


@dataclass(frozen=True)
class CodeRisk:
    layer: str  # qualified layer name
    reason: str  # one line: what would run


def scan_config_for_code(info: ModelInfo, known_classes: frozenset[str] | None = None) -> list[CodeRisk]:
    """Layers that would execute code from the file (or from unknown modules) if built."""
    risks: list[CodeRisk] = []
    for layer in info.layers.values():
        reason = _layer_reason(layer.class_name, layer.module, layer.config, known_classes)
        if reason:
            risks.append(CodeRisk(layer.name, reason))
    return risks


def _layer_reason(class_name: str, module: str | None, config: dict[str, Any],
                  known_classes: frozenset[str] | None) -> str | None:
    if class_name in CODE_LAYERS:
        return f"{class_name} layer: its function is stored as Python bytecode or source in the file"
    if module and not _keras_module(module):
        return f"custom class '{class_name}' from module '{module}'"
    if known_classes is not None and class_name not in known_classes:
        return f"custom class '{class_name}', which Keras does not ship"
    found = _code_in(config, depth=0)
    if found:
        return found
    return None


def _keras_module(module: str) -> bool:
    return module in KERAS_MODULES or module.startswith(KERAS_MODULE_PREFIXES)


def _code_in(value: Any, depth: int) -> str | None:
    """Functions and lambdas serialised inside a config (activations, initializers, ...)."""
    if depth > 64:
        return "config nested too deeply to check"
    if isinstance(value, dict):
        class_name = value.get("class_name")
        module = value.get("module")
        if class_name == "__lambda__":
            return "a lambda function stored in the config"
        if module == "__main__":
            return f"an object '{class_name}' defined in the training script (__main__)"
        if isinstance(module, str) and class_name and not _keras_module(module) and "registered_name" in value:
            return f"'{class_name}' from module '{module}'"
        for key, item in value.items():
            if key in ("function_type",) and item == "lambda":
                return "a lambda function stored in the config"
            found = _code_in(item, depth + 1)
            if found:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _code_in(item, depth + 1)
            if found:
                return found
    return None
