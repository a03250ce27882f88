"""The Python API: an in-memory model is diagnosed like its saved file and left as it was; data in memory in every
form the API takes; the notebook display; `import inspector` stays light."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import inspector
from inspector.errors import DataError
from tests import models

pytestmark = pytest.mark.slow


def zero_hidden_model():
    k = models.keras()
    inp = k.Input((10,), name="features")
    h = k.layers.Dense(16, activation="relu", kernel_initializer="zeros", name="h1")(inp)
    return k.Model(inp, [k.layers.Dense(1, name="price")(h), k.layers.Dense(1, name="area")(h)], name="two_heads")


def data(n=300):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 10)).astype("float32")
    return x, [x[:, :1] * 3, x[:, 1:2] - 2]


def test_in_memory_model_gives_the_json_of_its_saved_file_and_is_not_modified(tmp_path):
    model = zero_hidden_model()
    model.get_layer("area").trainable = False
    before = [w.copy() for w in model.get_weights()]
    x, ys = data()
    d = inspector.diagnose(model, x, {"price": ys[0], "area": ys[1]})
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    assert [layer.trainable for layer in model.layers] == [True, True, True, False]
    assert d.collapsed and d.blame[0].layer == "h1" and d.blame[0].responsible
    model.save(tmp_path / "m.keras")
    np.savez(tmp_path / "d.npz", x=x, price=ys[0], area=ys[1])
    subprocess.run([sys.executable, "-m", "inspector", "diagnose", str(tmp_path / "m.keras"), "--data",
                    str(tmp_path / "d.npz"), "--json", str(tmp_path / "cli.json")], check=True, capture_output=True)
    ours, cli = d.to_dict(), json.loads((tmp_path / "cli.json").read_text())
    for doc in (ours, cli):
        doc.pop("file"), doc.pop("created"), doc["data"].pop("source")
    assert ours == cli


def test_data_forms_and_a_stream(tmp_path):
    import tensorflow as tf

    model = zero_hidden_model()
    x, ys = data()
    by_list = inspector.diagnose(model, x, ys)
    stream = tf.data.Dataset.from_tensor_slices((x, tuple(ys))).batch(64)
    streamed = inspector.diagnose(model, stream)
    assert streamed.result.samples == by_list.result.samples == 300
    assert [b.layer for b in streamed.blame] == [b.layer for b in by_list.blame]
    assert inspector.diagnose(model).result.synthetic  # no data: synthetic inputs
    with pytest.raises(DataError, match="1 arrays for 2"):
        inspector.diagnose(model, x, [ys[0]])  # one target array for two heads: one clear error


def test_notebook_display_and_files(tmp_path):
    d = inspector.diagnose(zero_hidden_model(), *data())
    assert d._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
    html = d._repr_html_()
    assert "responsible" in html and d.verdict.split(":")[0] in html
    d.save_json(tmp_path / "d.json")
    d.save_png(tmp_path / "d.png")
    assert json.loads((tmp_path / "d.json").read_text())["collapsed"] is True
    assert (tmp_path / "d.png").read_bytes()[:4] == b"\x89PNG"


def test_inspect_from_the_api(tmp_path):
    path = tmp_path / "m.keras"
    zero_hidden_model().save(path)
    result = inspector.inspect(path)
    assert result.to_dict()["name"] == "two_heads"
    assert "two_heads" in result._repr_html_()


def test_import_inspector_is_light():
    code = ("import sys, inspector; inspector.__version__; "
            "print(any(m.split('.')[0] in ('tensorflow', 'keras', 'PySide6') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "False"
