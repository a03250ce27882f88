"""`keras-inspector diff`: a model trained well against a copy whose layers were renamed and one of whose kernels
was zeroed: the layers match by position, that layer has the largest weight change, and with data it is the
first divergent layer. Without data, no TensorFlow is imported."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from inspector.core.compare import compare_models, tensor_change
from inspector.core.reader import read_model
from tests import models

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    k = models.keras()
    folder = tmp_path_factory.mktemp("diff")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 10)).astype("float32")
    y = (x @ rng.normal(size=(10, 1))).astype("float32")
    good = k.Sequential([k.Input((10,)), k.layers.Dense(16, activation="relu", name="dense"),
                         k.layers.Dense(16, activation="relu", name="dense_1"), k.layers.Dense(1, name="out")])
    good.compile(k.optimizers.Adam(0.01), "mse")
    good.fit(x, y, epochs=5, verbose=0)
    good.save(folder / "good.keras")
    bad = k.Sequential([k.Input((10,)), k.layers.Dense(16, activation="relu", name="dense_3"),
                        k.layers.Dense(16, activation="relu", name="dense_4"), k.layers.Dense(1, name="dense_5"),
                        k.layers.Dropout(0.1, name="extra")])
    bad.set_weights(good.get_weights())
    kernel, bias = bad.get_layer("dense_4").get_weights()
    bad.get_layer("dense_4").set_weights([np.zeros_like(kernel), bias])
    bad.save(folder / "bad.h5")
    np.savez(folder / "data.npz", x=x, y=y)
    return folder


def test_layers_match_by_position_and_the_zeroed_layer_changed_most(checkpoints):
    c = compare_models(read_model(checkpoints / "good.keras"), read_model(checkpoints / "bad.h5"))
    assert c.matched == [("dense", "dense_3"), ("dense_1", "dense_4"), ("out", "dense_5")]
    assert c.unmatched_b == ["extra"] and c.unmatched_a == []
    changes = {x.name_a: x.weight_change for x in c.layers}
    assert max(changes, key=changes.get) == "dense_1" and changes["dense"] == 0.0
    assert next(x for x in c.layers if x.name_a == "dense_1").cosine < 0.5


def test_tensor_change_edge_cases():
    zero, ones = np.zeros(4), np.ones(4)
    assert tensor_change("k", (4,), ones, ones).relative_change == 0.0
    assert tensor_change("k", (4,), ones, zero).relative_change == 1.0
    assert tensor_change("k", (4,), zero, ones).relative_change is None  # from nothing: no ratio
    assert tensor_change("k", (4,), ones, -ones).cosine == -1.0


def test_diff_command_with_data_names_the_first_divergent_layer(checkpoints, tmp_path):
    out = subprocess.run([sys.executable, "-m", "inspector", "diff", str(checkpoints / "good.keras"),
                          str(checkpoints / "bad.h5"), "--data", str(checkpoints / "data.npz"), "--json",
                          str(tmp_path / "d.json"), "--png", str(tmp_path / "d.png")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    doc = json.loads((tmp_path / "d.json").read_text())
    assert doc["first_divergent_layer"] == "dense_1"
    row = next(x for x in doc["layers"] if x["name_a"] == "dense_1")
    assert row["name_b"] == "dense_4" and row["spread_b"] < 1e-3 < row["spread_a"]
    assert doc["unmatched"] == {"a": [], "b": ["extra"]} and doc["heads"]
    assert (tmp_path / "d.png").read_bytes()[:4] == b"\x89PNG"


def test_diff_without_data_needs_no_tensorflow(checkpoints):
    code = ("import sys; from inspector.cli import main; "
            f"rc = main(['diff', {str(checkpoints / 'good.keras')!r}, {str(checkpoints / 'bad.h5')!r}]); "
            "print('TF', 'tensorflow' in sys.modules, rc)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "TF False 0" in out and "Largest weight change: dense_1" in out
