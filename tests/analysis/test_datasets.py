"""Every data format the tool accepts, matched to the model's inputs, with precise messages when it does not fit."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from inspector.analysis.datasets import check_against, load_dataset
from inspector.core.model import InputSpec
from inspector.errors import DataError

SPEC = [InputSpec("x", (None, 3))]


def test_csv_with_header_and_target_columns(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,c,target\n1,2,3,4\n5,6,7,8\n")
    ds = load_dataset(path, SPEC, ["out"])
    check_against(ds, SPEC, ["out"])
    assert ds.n == 2 and ds.targets[0].ravel().tolist() == [4.0, 8.0]


def test_csv_ambiguous_columns_ask_for_an_option(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("1,2,3,4,5,6\n1,2,3,4,5,6\n")
    with pytest.raises(DataError, match="--target-columns"):
        load_dataset(path, SPEC, ["out"])
    ds = load_dataset(path, [InputSpec("x", (None, 3))], ["a", "b", "c"])  # 3 outputs: the last 3 columns
    assert len(ds.targets) == 3


def test_csv_missing_values_become_nan(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("1,,3\n4,5,6\n")
    ds = load_dataset(path, SPEC, ["out"])
    assert np.isnan(ds.inputs[0][0, 1])


def test_hdf5_dataset_by_input_name(tmp_path):
    path = tmp_path / "d.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.ones((4, 3), "float32")
        f["y"] = np.zeros((4, 1), "float32")
    ds = load_dataset(path, SPEC, ["out"])
    check_against(ds, SPEC, ["out"])
    assert ds.batch(0, 2)[0].shape == (2, 3)
    ds.close()


def test_npz_per_output_targets(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.ones((5, 3)), price=np.zeros(5), rent=np.ones(5))
    ds = load_dataset(path, SPEC, ["price", "rent"])
    assert [t.tolist() for t in ds.targets] == [[0.0] * 5, [1.0] * 5]


def test_npy_is_read_in_batches(tmp_path):
    path = tmp_path / "d.npy"
    x = np.arange(30, dtype="float32").reshape(10, 3)
    np.save(path, x)
    ds = load_dataset(path, SPEC, ["out"])
    check_against(ds, SPEC, ["out"])
    assert np.array_equal(ds.batch(4, 7)[0], x[4:7])


@pytest.mark.parametrize("shape,message", [((5, 4), "data has 4 features, input 'x' expects 3"),
                                           ((5, 3, 2), "has shape (5, 3, 2)")])
def test_shape_mismatch_messages(tmp_path, shape, message):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.ones(shape))
    ds = load_dataset(path, SPEC, ["out"])
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_against(ds, SPEC, ["out"])


def test_string_arrays_are_refused(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.array([["a", "b", "c"]] * 3))
    ds = load_dataset(path, SPEC, ["out"])
    with pytest.raises(DataError, match="not numbers"):
        check_against(ds, SPEC, ["out"])


@pytest.mark.slow
def test_image_folder_of_mixed_sizes(tmp_path):
    import tensorflow as tf

    from inspector.analysis.diagnose import DiagnoseOptions, diagnose_steps
    from inspector.progress import run
    from tests import models

    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i, (h, w) in enumerate([(20, 30), (40, 40), (16, 16), (33, 21)] * 3):
        pixels = rng.integers(0, 255, size=(h, w, 3), dtype=np.uint8)
        (folder / f"im{i}.png").write_bytes(tf.io.encode_png(pixels).numpy())
    (folder / "notes.txt").write_text("not an image")
    k = models.keras()
    model = k.Sequential([k.Input((24, 24, 3)), k.layers.Rescaling(1 / 255), k.layers.Conv2D(4, 3, activation="relu"),
                          k.layers.GlobalAveragePooling2D(), k.layers.Dense(2, activation="softmax")])
    path = models.save_both(model, tmp_path, "cnn")["keras"]
    d = run(diagnose_steps(path, DiagnoseOptions(data=str(folder))))
    assert d.samples == 12 and not d.synthetic


def test_batch_size_follows_layer_sizes_and_free_memory(monkeypatch):
    from inspector.analysis import capture
    from inspector.core.model import Layer, ModelInfo

    def info(width):
        layers = {f"l{i}": Layer(f"l{i}", "Dense", {}, output_shape=(None, width)) for i in range(4)}
        return ModelInfo("m", "keras_zip", "3", None, "Functional", "m", layers, [], [], [], [], [], None)

    monkeypatch.setattr(capture, "available_memory", lambda: 64 << 30)
    assert capture.choose_batch_size(info(64), None) == 512
    big = capture.choose_batch_size(info(1 << 20), None)
    assert 1 <= big < 16
    monkeypatch.setattr(capture, "available_memory", lambda: 256 << 20)  # little free memory: smaller batches
    assert capture.choose_batch_size(info(1 << 20), None) < big
    assert capture.choose_batch_size(info(64), 7) == 7
