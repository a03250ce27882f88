"""The TensorFlow import contract covers every module of the package but analysis.tf_backend: a new module that
is not listed in pyproject.toml fails here, so the contract cannot silently stop guarding it."""

from __future__ import annotations

import pkgutil
import tomllib
from pathlib import Path

import inspector

ROOT = Path(__file__).resolve().parents[1]


def test_tensorflow_contract_lists_every_module_but_the_backend():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["name"].startswith("TensorFlow is imported only"))
    sources = contract["source_modules"]
    modules = [m.name for m in pkgutil.walk_packages(inspector.__path__, "inspector.")]
    missing = [m for m in modules if m != "inspector.analysis.tf_backend" and not m.endswith(".__init__")
               and not any(m == s or m.startswith(s + ".") for s in sources) and m not in ("inspector.analysis",)]
    assert missing == []
    assert not any("tf_backend" in s or s in ("inspector", "inspector.analysis") for s in sources)
