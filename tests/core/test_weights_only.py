"""Weights-only files list every layer they name, in the file's order, weightless ones included; the text of
`inspect` cuts long weight paths in the middle, so rows that differ only at the end stay different."""

from __future__ import annotations

import h5py
import numpy as np

from inspector.core.inspection import inspect_model
from inspector.core.reader import read_model
from inspector.report.text_out import cut_middle, inspection_text
from tests.conftest import CORPUS_REAL, corpus_file


def test_keras1_weights_list_every_named_layer_in_file_order():
    info = read_model(corpus_file(CORPUS_REAL, "ddpg-actor-keras1-weights.h5"))
    assert ("the file names 7 layers, in this order: input_1 (no weights), dense_1, dense_2, dense_3, dense_4, "
            "dense_5, merge_1 (no weights)") in info.notes
    assert [w.path for w in info.weight_tree[:2]] == ["dense_1/dense_1_W:0", "dense_1/dense_1_b:0"]


def test_weights_follow_layer_names_not_the_alphabet(tmp_path):
    """HDF5 lists groups alphabetically; the file's own `layer_names` and `weight_names` give the model's order."""
    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([b"zeta", b"pool", b"alpha"])
        for name, weights in (("zeta", ["zeta/kernel:0", "zeta/bias:0"]), ("pool", []), ("alpha", ["alpha/w:0"])):
            group = f.create_group(name)
            group.attrs["weight_names"] = np.array([w.encode() for w in weights])
            for weight in weights:
                group[weight] = np.ones(3, dtype=np.float32)
    info = read_model(path)
    assert [w.path for w in info.weight_tree] == ["zeta/zeta/kernel:0", "zeta/zeta/bias:0", "alpha/alpha/w:0"]
    assert "the file names 3 layers, in this order: zeta, pool (no weights), alpha" in info.notes


def test_keras3_weights_list_their_layer_groups():
    info = read_model(corpus_file(CORPUS_REAL, "diabetes-k3.weights.h5"))
    assert "the file names 3 layers, in this order: dense, dense_1, dense_2" in info.notes


def test_long_weight_paths_stay_distinct_in_the_text():
    text = inspection_text(inspect_model(corpus_file(CORPUS_REAL, "vae-subclassed-tfk214.keras")))
    rows = [line.split("  ")[0] for line in text.splitlines() if line.startswith("dec\\")]
    transposed = [row for row in rows if "conv2d_transpose" in row]
    assert len(transposed) == 6 and len(set(transposed)) == 6
    assert all(len(row) <= 48 for row in rows)


def test_cut_middle_keeps_both_ends():
    assert cut_middle("short", 48) == "short"
    cut = cut_middle("a" * 30 + "MIDDLE" + "z" * 30, 20)
    assert len(cut) == 20 and cut.startswith("aaaaa") and cut.endswith("zzzzzzzzzzzz") and "..." in cut


def test_a_layer_named_twice_is_listed_once(tmp_path):
    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([b"dense", b"dense"])
        group = f.create_group("dense")
        group.attrs["weight_names"] = np.array([b"dense/kernel:0"])
        group["dense/kernel:0"] = np.ones(2, dtype=np.float32)
    info = read_model(path)
    assert [w.path for w in info.weight_tree] == ["dense/dense/kernel:0"]
    assert "the file names 1 layers, in this order: dense" in info.notes
