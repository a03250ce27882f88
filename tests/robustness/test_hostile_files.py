"""Hostile and broken model files end in one clear message within seconds and bounded memory. Mutated real files
are the fuzzer's job (benchmarks/fuzz.py, run as a slice by test_fuzz_slice.py under the read time limit: here in
the test process, a mutant that made HDF5 loop would hang the run)."""

from __future__ import annotations

import json
import time
import zipfile

import h5py
import numpy as np
import pytest

from inspector.core.inspection import inspect_model
from inspector.errors import ModelFileError
from tests.conftest import CORPUS_REAL


def _zip(path, members, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _functional(layers, inputs, outputs):
    return {"class_name": "Functional", "config": {"name": "m", "layers": layers, "input_layers": inputs,
                                                   "output_layers": outputs}}


def _dense(name, inbound):
    return {"class_name": "Dense", "name": name, "config": {"name": name, "units": 2},
            "inbound_nodes": [[[i, 0, 0, {}] for i in inbound]] if inbound else []}


def test_zip_bomb_config_is_refused_quickly(tmp_path):
    path = _zip(tmp_path / "bomb.keras", {"config.json": b"{" + b" " * (80 << 20) + b"}"})
    start = time.perf_counter()
    with pytest.raises(ModelFileError, match="refusing to read it"):
        inspect_model(path)
    assert time.perf_counter() - start < 5


def test_cyclic_config_does_not_hang(tmp_path):
    layers = [{"class_name": "InputLayer", "name": "x", "config": {"name": "x", "batch_shape": [None, 2]},
               "inbound_nodes": []}, _dense("a", ["b"]), _dense("b", ["a"])]
    path = _zip(tmp_path / "cycle.keras", {"config.json": json.dumps(_functional(layers, [["x", 0, 0]],
                                                                                 [["b", 0, 0]]))})
    info = inspect_model(path).info
    assert sorted(info.topological_order()) == ["a", "b", "x"]


def test_layer_referring_to_a_missing_layer(tmp_path):
    layers = [{"class_name": "InputLayer", "name": "x", "config": {"name": "x", "batch_shape": [None, 2]},
               "inbound_nodes": []}, _dense("a", ["ghost"])]
    path = _zip(tmp_path / "ghost.keras", {"config.json": json.dumps(_functional(layers, [["x", 0, 0]],
                                                                                 [["a", 0, 0]]))})
    info = inspect_model(path).info
    assert info.layers["a"].inbound == []  # an edge to nothing is dropped, the layer is still shown


def test_duplicate_layer_names(tmp_path):
    layers = [_dense("a", []), _dense("a", [])]
    path = _zip(tmp_path / "dup.keras", {"config.json": json.dumps(_functional(layers, [["a", 0, 0]],
                                                                               [["a", 0, 0]]))})
    with pytest.raises(ModelFileError, match="names two layers 'a'"):
        inspect_model(path)


def test_deeply_nested_models(tmp_path):
    inner: dict = {"class_name": "Dense", "config": {"name": "d", "units": 1}}
    for depth in range(40):
        inner = {"class_name": "Sequential", "config": {"name": f"s{depth}", "layers": [inner]}}
    path = _zip(tmp_path / "deep.keras", {"config.json": json.dumps(inner)})
    with pytest.raises(ModelFileError, match="nests models more than"):
        inspect_model(path)


def test_weights_of_the_wrong_dtype(tmp_path):
    path = tmp_path / "strings.h5"
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Dense", "config": {"name": "d", "units": 1, "batch_input_shape": [None, 2]}}]}}
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = [b"d"]
        d = g.create_group("d")
        d.attrs["weight_names"] = [b"d/kernel:0"]
        d.create_dataset("d/kernel:0", data=np.array([b"not", b"numbers"]))
    with pytest.raises(ModelFileError, match="not numbers"):
        inspect_model(path)


def test_external_links_are_not_followed(tmp_path):
    secret = tmp_path / "secret.h5"
    with h5py.File(secret, "w") as f:
        f["kernel"] = np.ones((2, 2))
    path = tmp_path / "linky.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [b"d"]
        g = f.create_group("d")
        g["external"] = h5py.ExternalLink(str(secret), "/kernel")
        g["soft"] = h5py.SoftLink("/d/external")
        g["real"] = np.zeros(3)
    inspection = inspect_model(path)
    assert [w.path for w in inspection.info.weight_tree] == ["d/real"]


def test_file_replaced_while_open_is_a_message(tmp_path):
    if not CORPUS_REAL.is_dir():
        pytest.skip(f"the shared corpus is not beside this checkout ({CORPUS_REAL} is absent)")
    from inspector.core.reader import read_model
    from inspector.core.stats import read_weight

    path = tmp_path / "m.keras"
    path.write_bytes((CORPUS_REAL / "jena-conv1d-k3.keras").read_bytes())
    info = read_model(path)
    path.write_bytes(b"PK\x03\x04" + b"\0" * 100)  # the file changes under us
    ref = next(w for layer in info.layers.values() for w in layer.weights)
    with pytest.raises(ModelFileError):
        with info.source.open() as h5:
            read_weight(h5, ref)


def test_compressed_weights_member_is_read(tmp_path):
    """Archives re-zipped with compression (e.g. by a file manager) still open, through a temporary copy."""
    if not CORPUS_REAL.is_dir():
        pytest.skip(f"the shared corpus is not beside this checkout ({CORPUS_REAL} is absent)")
    with zipfile.ZipFile(CORPUS_REAL / "jena-conv1d-k3.keras") as src:
        members = {name: src.read(name) for name in src.namelist()}
    path = _zip(tmp_path / "deflated.keras", members)
    assert inspect_model(path).info.params == 3_873


@pytest.mark.slow
def test_weights_of_the_wrong_shape_are_a_message(tmp_path, capsys):
    from inspector.cli import main
    from tests import models

    k = models.keras()
    model = k.Sequential([k.Input((4,)), k.layers.Dense(3, name="d"), k.layers.Dense(1, name="out")])
    path = models.save_both(model, tmp_path, "m")["h5"]
    with h5py.File(path, "r+") as f:  # our own copy, made by the test
        names = []
        f["model_weights/d"].visit(names.append)
        group = f["model_weights/d/" + next(n for n in names if n.endswith("/d"))]
        del group["kernel"]
        group["kernel"] = np.zeros((5, 3), "float32")
    assert main(["inspect", str(path)]) == 0  # reading is fine: the file is what it is
    capsys.readouterr()
    assert main(["diagnose", str(path)]) == 2
    err = capsys.readouterr().err
    assert "weights do not fit" in err and err.count("\n") == 1
