"""`keras-inspector diagnose` as a user runs it: exit codes, JSON content, one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from inspector.cli import main
from tests import models

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    k = models.keras()
    model = k.Sequential([k.Input((10,), name="x"), k.layers.Dense(8, activation="relu", name="h"),
                          k.layers.Dense(1, kernel_initializer="zeros", name="out")])
    path = models.save_both(model, folder, "m")["keras"]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 10)).astype("float32")
    np.savez(folder / "d.npz", x=x, y=x[:, :1])
    return folder, path


def test_json_has_the_documented_keys(saved, capsys):
    folder, path = saved
    out = folder / "d.json"
    assert main(["diagnose", str(path), "--data", str(folder / "d.npz"), "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["collapsed"] is True
    for key in ("heads", "findings", "blame", "layers", "data", "thresholds", "verdict"):
        assert key in doc
    assert doc["heads"][0]["collapsed"] is True
    assert doc["blame"][0]["layer"] == "out" and doc["blame"][0]["score"] > 0
    assert {"kind", "severity", "layer", "message", "evidence", "fix"} <= set(doc["findings"][0])
    assert doc["data"]["samples"] == 100 and doc["data"]["synthetic"] is False
    h = next(layer for layer in doc["layers"] if layer["name"] == "h")
    assert "activations" in h and "gradients" in h
    assert "Collapsed" in capsys.readouterr().out


def test_colour_by_fills_the_reports_graph_as_the_window_would(saved, monkeypatch):
    from inspector.report import render

    folder, path = saved
    built = []
    original = render.build_content  # what the report painter builds its page from
    monkeypatch.setattr(render, "build_content", lambda d, colour_by="blame": built.append(colour_by) or original(
        d, colour_by))
    out = folder / "dead.png"
    assert main(["diagnose", str(path), "--data", str(folder / "d.npz"), "--png", str(out), "--colour-by", "dead"]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG" and built == ["dead"]
    with pytest.raises(SystemExit):  # a comparison's number is not a diagnosis'
        main(["diagnose", str(path), "--colour-by", "weight_change"])


def test_synthetic_data_is_said(saved, capsys):
    folder, path = saved
    assert main(["diagnose", str(path), "--json", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["data"]["synthetic"] is True


def _w(path, text):
    path.write_bytes(text.encode())
    return path


@pytest.mark.parametrize("make,expected", [
    (lambda f: np.savez(f / "bad.npz", x=np.zeros((5, 12), "float32")) or f / "bad.npz",
     "data has 12 features, input 'x' expects 10"),
    (lambda f: np.savez(f / "one.npz", x=np.zeros((1, 10), "float32")) or f / "one.npz", "a single sample"),
    (lambda f: _w(f / "s.csv", "a,b\n1,x\n"), "is not numeric"),
    (lambda f: _w(f / "e.npy", ""), "the file is empty"),
    (lambda f: f / "missing.npz", "no such file"),
])
def test_bad_data_is_one_line_and_exit_2(saved, capsys, make, expected):
    folder, path = saved
    data = make(folder)
    assert main(["diagnose", str(path), "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and expected in err and "Traceback" not in err


def test_a_model_saved_before_it_was_built_is_one_line(tmp_path, capsys):
    import warnings

    k = models.keras()
    path = tmp_path / "unbuilt.keras"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns that the model has no weights yet: that is the point
        k.Sequential([k.layers.Dense(4), k.layers.Dense(1)]).save(path)
    np.savez(tmp_path / "d.npz", x=np.zeros((5, 3), "float32"))
    for extra in ([], ["--data", str(tmp_path / "d.npz")]):
        assert main(["diagnose", str(path), *extra, "--json", str(tmp_path / "out.json")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "before it was ever built" in err[0]


def test_nan_in_data_is_a_finding(saved, capsys):
    folder, path = saved
    x = np.random.default_rng(1).normal(size=(50, 10)).astype("float32")
    x[3, 2] = np.nan
    np.savez(folder / "nan.npz", x=x)
    assert main(["diagnose", str(path), "--data", str(folder / "nan.npz"), "--json", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert any(f["kind"] == "non_finite" and f["layer"] is None for f in doc["findings"])


def test_demo_headless_diagnoses_the_bundled_model():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "inspector", "demo", "--headless"], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Collapsed: each of the 3 heads outputs one constant" in result.stdout
    assert "trunk_1" in result.stdout
