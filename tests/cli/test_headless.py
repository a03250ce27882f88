"""`inspect` runs as a whole process without TensorFlow or Qt ever being imported."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import CORPUS_REAL

PROBE = """
import sys, json
from inspector.cli import main
code = main(["inspect", sys.argv[1], "--json", sys.argv[2]])
heavy = sorted(m for m in ("tensorflow", "keras", "PySide6", "pyqtgraph", "superqt") if m in sys.modules)
print(json.dumps({"code": code, "heavy": heavy}))
"""


def test_inspect_imports_neither_tensorflow_nor_qt(tmp_path):
    if not CORPUS_REAL.is_dir():
        pytest.skip(f"the shared corpus is not beside this checkout ({CORPUS_REAL} is absent)")
    model = CORPUS_REAL / "face-emotion-mini-xception.hdf5"
    result = subprocess.run([sys.executable, "-c", PROBE, str(model), str(tmp_path / "o.json")],
                            capture_output=True, text=True, timeout=120, check=True)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"code": 0, "heavy": []}


def test_console_script_entry_point(tmp_path):
    if not CORPUS_REAL.is_dir():
        pytest.skip(f"the shared corpus is not beside this checkout ({CORPUS_REAL} is absent)")
    result = subprocess.run([sys.executable, "-m", "inspector", "inspect", str(CORPUS_REAL / "btc-gru-k3.keras")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "16,513 params" in result.stdout
    bad = subprocess.run([sys.executable, "-m", "inspector", "inspect", str(tmp_path / "missing.h5")],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr
    version = subprocess.run([sys.executable, "-m", "inspector", "--version"], capture_output=True, text=True,
                             timeout=60)
    assert version.stdout.startswith("keras-inspector ")
