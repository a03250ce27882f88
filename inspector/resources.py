"""Where the bundled files live, in a source checkout and in an installed package alike."""

from __future__ import annotations

from pathlib import Path

from inspector.errors import InspectorError

_ROOTS = (
    Path(__file__).resolve().parent / "_resources",  # installed wheel / bundle
    Path(__file__).resolve().parent.parent / "resources",  # source checkout (pip install -e .)
)


def resource_dir() -> Path:
    for root in _ROOTS:
        if root.is_dir():
            return root
    raise InspectorError("the bundled resources folder is missing from this installation")


def demo_paths() -> tuple[Path, Path]:
    demo = resource_dir() / "demo"
    model, data = demo / "collapsed_multihead.keras", demo / "collapsed_multihead.npz"
    if not model.exists():
        raise InspectorError(f"the demo model is missing: {model} (run resources/demo/make_demo.py)")
    return model, data
