"""keras-inspector: find out why a Keras model predicts the same value for everything.

Importing the package is cheap on purpose: nothing here touches TensorFlow or Qt. The Python API
(`inspector.diagnose`, `inspector.inspect`, `inspector.show`, `inspector.CollapseMonitor`) is loaded on first use.
"""

from typing import Any

__version__ = "0.1.0"  # the only place the version is written: pyproject.toml reads it from here

__all__ = ["CollapseMonitor", "Diagnosis", "Inspection", "__version__", "diagnose", "inspect", "show", "timeline"]

_API = {"diagnose": "inspector.api", "inspect": "inspector.api", "show": "inspector.api", "timeline": "inspector.api",
        "Diagnosis": "inspector.api", "Inspection": "inspector.api", "CollapseMonitor": "inspector.monitor"}


def __getattr__(name: str) -> Any:
    """PEP 562: the API's modules are imported when first asked for, so `import inspector` stays light."""
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'inspector' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
