"""Every real file published by others opens, and what we read agrees with the corpus MANIFEST.

One row per file (Netron's models.json habit): format, layer count, outputs, and parameters where the MANIFEST
states them. Weight-only files must give their weight tree.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from inspector.cli import main
from inspector.core.inspection import inspect_model
from inspector.core.reader import read_model
from inspector.core.stats import read_weight
from tests.conftest import CORPUS_COLLAPSED, CORPUS_REAL, corpus_file, corpus_files

# file: (format, top-level layers incl. InputLayers or None, outputs, params or None, weight arrays or None)
EXPECTED = {
    "behavioral-cloning-keras1.h5": ("legacy_h5", 12, ["dense_4"], None, None),
    "behavioral-cloning-lambda-k204.h5": ("legacy_h5", 16, None, None, None),
    "btc-gru-k3.keras": ("keras_zip", 6, None, 16_513, None),
    "ddpg-actor-keras1-weights.h5": ("weights_h5", 0, [], None, 10),
    "deepcut-thai-cnn-weights.h5": ("weights_h5", 0, [], None, 62),
    "diabetes-k3.weights.h5": ("keras3_weights_h5", 0, [], None, 6),  # + 14 optimizer arrays, left out
    "ethnicolr-census2010-lstm-2018.h5": ("legacy_h5", 3, None, None, None),
    "ethnicolr-fl-fullname-lstm-2022.h5": ("legacy_h5", 4, None, None, None),
    "face-emotion-mini-xception.hdf5": ("legacy_h5", 46, ["predictions"], 58_423, None),
    "fashion-siamese-custom-lambda.h5": ("legacy_h5", 4, ["output_layer"], None, None),
    "fraud-ann-k3-legacy.h5": ("legacy_h5", 7, None, 4_545, None),
    "hangman-transformer-hdf5-as.keras": ("legacy_h5", 6, None, None, None),
    "hls4ml-3layer-batchnorm-weights.h5": ("weights_h5", 0, [], None, 24),
    "hls4ml-garnet-3layer.h5": ("legacy_h5", 7, ["regression", "classification"], None, None),
    "hls4ml-hgq-jet-classifier.h5": ("legacy_h5", 16, ["dense_4_quantizer"], None, None),
    "hls4ml-qkeras-v3-3layer.keras": ("keras_zip", 9, None, None, None),
    "jena-conv1d-k3.keras": ("keras_zip", 8, None, 3_873, None),
    "lane-fcn-deconv.h5": ("legacy_h5", 31, None, None, None),
    "pill-cnn-augmentation-tfk215.keras": ("keras_zip", 15, None, None, None),
    "seq2seq-lstm-2input.h5": ("legacy_h5", 5, ["dense_1"], None, None),
    "speaker-siamese-k3.keras": ("keras_zip", 5, None, None, None),
    "style-transfer-depthwise-tfk213.keras": ("keras_zip", 68, ["activation"], None, None),
    "text-vectorizer-assets-k3.keras": ("keras_zip", 1, None, 0, None),
    "textgenrnn-weights.hdf5": ("weights_h5", 0, [], None, 10),
    "vae-subclassed-tfk214.keras": ("keras_zip", 0, [], None, 14),  # 43 arrays with the optimizer's
}


def test_table_covers_the_corpus():
    files = corpus_files(CORPUS_REAL)
    if files == ["<corpus absent>"]:
        pytest.skip(f"the shared corpus is not beside this checkout ({CORPUS_REAL} is absent)")
    assert sorted(EXPECTED) == files


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_file_matches_manifest(name):
    fmt, top, outputs, params, arrays = EXPECTED[name]
    inspection = inspect_model(corpus_file(CORPUS_REAL, name))
    info = inspection.info
    assert info.format == fmt
    assert len(info.top_level) == top
    if outputs is not None:
        assert info.outputs == outputs
    if params is not None:
        assert info.params == params
    if arrays is not None:
        assert len(info.weight_tree) == arrays
        assert len(inspection.weight_stats) == arrays
    # every weight a layer claims has statistics, and nothing is claimed twice
    claimed = [w.path for layer in info.layers.values() for w in layer.weights]
    assert len(claimed) == len(set(claimed))
    assert all(path in inspection.weight_stats for path in claimed)


@pytest.mark.parametrize("name", corpus_files(CORPUS_REAL) + corpus_files(CORPUS_COLLAPSED))
def test_cli_inspects_every_file(name, tmp_path, capsys):
    folder = CORPUS_REAL if (CORPUS_REAL / name).exists() else CORPUS_COLLAPSED
    path = corpus_file(folder, name)
    out = tmp_path / "out.json"
    assert main(["inspect", str(path), "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    for key in ("format", "keras_version", "inputs", "outputs", "layers", "edges", "heads", "flags"):
        assert key in doc
    if doc["has_architecture"]:
        names = {layer["name"] for layer in doc["layers"]}
        assert all(src in names and dst in names for src, dst in doc["edges"])
    else:
        assert doc["weights"] and doc["flags"][0]["kind"] == "missing_architecture"
    assert main(["inspect", str(path)]) == 0
    assert capsys.readouterr().out.startswith(str(path))


@pytest.mark.parametrize("name", corpus_files(CORPUS_REAL) + corpus_files(CORPUS_COLLAPSED))
def test_direct_reads_equal_hdf5_reads(name):
    """`inspect` reads plain contiguous weights by their recorded byte position, bypassing h5py: those bytes must
    be exactly what h5py reads, in every real file (byte order, offsets inside a .keras archive, legacy files)."""
    folder = CORPUS_REAL if (CORPUS_REAL / name).exists() else CORPUS_COLLAPSED
    info = read_model(corpus_file(folder, name))
    refs = info.weight_tree
    if info.source is None or not refs:
        pytest.skip(f"{name} stores no weights")
    if info.source.raw_path is None:
        pytest.skip(f"{name} keeps its weights compressed: they are read through h5py only")
    direct = 0
    with info.source.open() as h5, open(info.source.raw_path, "rb") as raw:
        for ref in refs:
            through_h5py = read_weight(h5, ref)
            if ref.offset is not None:
                direct += 1
                values = read_weight(h5, ref, raw, info.source.raw_offset)
                assert values.dtype == through_h5py.dtype and values.shape == through_h5py.shape
                np.testing.assert_array_equal(values, through_h5py)
    assert direct > 0, "no weight was stored plainly: the direct path went untested"


def test_nested_and_shared_real_models():
    info = inspect_model(corpus_file(CORPUS_REAL, "speaker-siamese-k3.keras")).info
    shared = info.layers["functional_4"]
    assert shared.calls == 2 and len(shared.children) == 6
    assert info.layers["functional_4/dense_8"].weights[0].shape == (13, 128)
    pill = inspect_model(corpus_file(CORPUS_REAL, "pill-cnn-augmentation-tfk215.keras")).info
    assert pill.layers["dense_2"].weights[0].shape == (12544, 1)
    assert pill.layers["sequential"].children[1:] == ["sequential/random_flip", "sequential/random_rotation",
                                                      "sequential/random_zoom"]


def test_tfkeras_213_counters_are_matched_by_rank():
    info = inspect_model(corpus_file(CORPUS_REAL, "style-transfer-depthwise-tfk213.keras")).info
    # the 23 Conv2D layers own conv2d, conv2d_2, ... conv2d_44 in order; shapes chain up through the blocks
    convs = [layer for layer in info.layers.values() if layer.class_name == "Conv2D"]
    assert convs[0].weights[0].shape == (1, 1, 96, 384)
    assert convs[-1].weights[0].shape == (3, 3, 16, 3)
    assert all(layer.weights for layer in convs)


def test_initial_state_is_an_edge():
    info = inspect_model(corpus_file(CORPUS_REAL, "seq2seq-lstm-2input.h5")).info
    assert ("lstm_1", "lstm_2") in info.edges and ("input_2", "lstm_2") in info.edges


def test_single_unit_softmax_is_flagged_without_data():
    for name in ("deepdiagnosis-gradvanish-motivating.h5", "deepdiagnosis-gradvanish-relu-bn-repair.h5"):
        inspection = inspect_model(corpus_file(CORPUS_COLLAPSED, name))
        kinds = {(f.kind, f.severity) for f in inspection.findings}
        assert ("single_unit_softmax", "error") in kinds
