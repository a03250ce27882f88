"""The example notebook runs headless, as CI runs it, and shows what it says it shows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_example_notebook_runs_and_shows_the_collapse(tmp_path):
    runner = Path(__file__).with_name("notebook.py")
    proc = subprocess.run([sys.executable, str(runner), str(ROOT / "examples" / "collapse_monitor.ipynb")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    shown = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(shown) == 3
    article, zeros, diagnosis = (s["repr"] for s in shown)
    assert "No collapse" in article  # the article's folklore: a zero-initialised output layer learns
    assert "The collapse began at epoch 1 in layer dense_1" in zeros
    # every kernel is zero (the output's stayed so: no gradient reached it): no repair alone helps, together they do
    assert "Collapsed" in diagnosis and "repairing dense_1, dense_2 and outputs together did" in diagnosis
    assert all(s.get("png_signature") for s in shown[:2]) and shown[2]["_repr_html_"] > 1000
    assert (tmp_path / "zeros.log").exists()
