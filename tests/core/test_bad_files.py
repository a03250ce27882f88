"""Files that are not readable Keras models end in one line naming the file and the problem."""

from __future__ import annotations

import json
import zipfile

import h5py
import numpy as np
import pytest

from inspector.cli import main
from inspector.core.reader import read_model
from inspector.errors import ModelFileError
from tests.conftest import CORPUS_REAL


def _write(path, data):
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


CASES = {
    "missing": (lambda p: p / "nope.keras", "no such file"),
    "folder": (lambda p: p, "is a folder"),
    "empty": (lambda p: _write(p / "e.h5", b""), "the file is empty"),
    "text": (lambda p: _write(p / "t.keras", "hello world"), "not a Keras model"),
    "lfs": (lambda p: _write(p / "l.h5", "version https://git-lfs.github.com/spec/v1\n"),
            "Git LFS pointer"),
    "zip_without_config": (lambda p: _zip(p / "z.keras", {"a.txt": "x"}), "without config.json"),
    "bad_json": (lambda p: _zip(p / "j.keras", {"config.json": "{not json"}), "not valid JSON"),
    "truncated_zip": (lambda p: _write(p / "tz.keras", b"PK\x03\x04" + b"\0" * 40),
                      "not a readable zip archive"),
    "deep_json": (lambda p: _zip(p / "d.keras", {"config.json": "[" * 100_000 + "]" * 100_000}),
                  "nested too deeply"),
    "config_not_object": (lambda p: _zip(p / "o.keras", {"config.json": "[1, 2]"}), "not a JSON object"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_file_message(case, tmp_path, capsys):
    make, expected = CASES[case]
    path = make(tmp_path)
    with pytest.raises(ModelFileError, match=expected):
        read_model(path)
    assert main(["inspect", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and expected in err


def test_hdf5_without_keras_content(tmp_path):
    path = tmp_path / "plain.h5"
    with h5py.File(path, "w") as f:
        f["data"] = np.arange(5)
    with pytest.raises(ModelFileError, match="no Keras content"):
        read_model(path)


def test_invalid_model_config_json(tmp_path):
    path = tmp_path / "bad.h5"
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = "{broken"
    with pytest.raises(ModelFileError, match="model_config is not valid JSON"):
        read_model(path)


def test_config_naming_missing_output_layer(tmp_path):
    config = {"class_name": "Functional", "config": {"name": "m", "layers": [
        {"class_name": "InputLayer", "name": "x", "config": {"name": "x", "batch_shape": [None, 3]},
         "inbound_nodes": []}], "input_layers": [["x", 0, 0]], "output_layers": [["ghost", 0, 0]]}}
    path = _zip(tmp_path / "ghost.keras", {"config.json": json.dumps(config)})
    with pytest.raises(ModelFileError, match="'ghost', which it does not define"):
        read_model(path)


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.9])
def test_truncated_real_files(tmp_path, cut):
    if not CORPUS_REAL.is_dir():
        pytest.skip(f"the shared corpus is not beside this checkout ({CORPUS_REAL} is absent)")
    for source in ("jena-conv1d-k3.keras", "face-emotion-mini-xception.hdf5"):
        data = (CORPUS_REAL / source).read_bytes()
        path = tmp_path / f"cut-{source}"
        path.write_bytes(data[: int(len(data) * cut)])
        assert main(["inspect", str(path), "--json", str(tmp_path / "o.json")]) == 2


def test_the_input_file_is_never_an_output(tmp_path, capsys):
    if not CORPUS_REAL.is_dir():
        pytest.skip(f"the shared corpus is not beside this checkout ({CORPUS_REAL} is absent)")
    copy = tmp_path / "m.keras"
    copy.write_bytes((CORPUS_REAL / "jena-conv1d-k3.keras").read_bytes())
    before = copy.read_bytes()
    assert main(["inspect", str(copy), "--json", str(copy)]) == 2
    assert "refusing to overwrite an input file" in capsys.readouterr().err
    assert copy.read_bytes() == before
