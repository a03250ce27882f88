"""Old recurrent models rebuilt by Keras 3 must compute what they computed when saved: Keras 1 files store one
kernel per gate, and Keras 1/2 meant a different function by "hard_sigmoid" (slope 0.2, not 1/6).

The Keras 1 files are written here by hand, the way Keras 1.2 wrote them, from a Keras 3 reference model whose
recurrent activation is Keras 2's hard sigmoid; the rebuilt model must give the reference's outputs."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from inspector.analysis.translate import KERAS2_HARD_SIGMOID, changed_meaning, translate
from inspector.core.reader import read_model
from tests import models

pytestmark = pytest.mark.slow

GATES = {"LSTM": ("i", "f", "c", "o"), "GRU": ("z", "r", "h")}


def keras1_file(path, reference, kind: str) -> None:
    """A Keras 1.2 full-model .h5: list-style Sequential config, Keras 1 argument names, per-gate weights."""
    rnn, dense = reference.layers
    units = rnn.units
    recurrent = {"class_name": kind, "config": {
        "name": f"{kind.lower()}_1", "trainable": True, "batch_input_shape": [None, 5, 3], "input_dtype": "float32",
        "return_sequences": False, "go_backwards": False, "stateful": False, "unroll": False, "consume_less": "cpu",
        "output_dim": units, "init": "glorot_uniform", "inner_init": "orthogonal", "activation": "tanh",
        "inner_activation": "hard_sigmoid", "W_regularizer": None, "U_regularizer": None, "b_regularizer": None,
        "dropout_W": 0.0, "dropout_U": 0.0, **({"forget_bias_init": "one"} if kind == "LSTM" else {})}}
    output = {"class_name": "Dense", "config": {
        "name": "dense_1", "trainable": True, "output_dim": 1, "init": "glorot_uniform", "activation": "linear",
        "W_regularizer": None, "b_regularizer": None, "activity_regularizer": None, "W_constraint": None,
        "b_constraint": None, "bias": True, "input_dim": None}}
    kernel, recurrent_kernel, bias = rnn.get_weights()
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"1.2.2"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": [recurrent, output]}).encode()
        weights = f.create_group("model_weights")
        weights.attrs["layer_names"] = [f"{kind.lower()}_1".encode(), b"dense_1"]
        group = weights.create_group(f"{kind.lower()}_1")
        names = []
        for index, gate in enumerate(GATES[kind]):  # Keras 1 wrote the gates in the order i, c, f, o
            columns = slice(index * units, (index + 1) * units)
            for letter, array in (("W", kernel[:, columns]), ("U", recurrent_kernel[:, columns]),
                                  ("b", bias[columns])):
                name = f"{kind.lower()}_1_{letter}_{gate}:0"
                group[name] = array
                names.append(name)
        if kind == "LSTM":  # the file's own order, which must not matter
            names = names[:3] + names[6:9] + names[3:6] + names[9:]
        group.attrs["weight_names"] = [n.encode() for n in names]
        group = weights.create_group("dense_1")
        w, b = dense.get_weights()
        group["dense_1_W:0"], group["dense_1_b:0"] = w, b
        group.attrs["weight_names"] = [b"dense_1_W:0", b"dense_1_b:0"]


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_keras1_recurrent_model_computes_what_it_did(kind, tmp_path):
    keras = models.keras()
    from inspector.analysis import tf_backend

    layer = getattr(keras.layers, kind)
    extra = {"reset_after": False} if kind == "GRU" else {}
    reference = keras.Sequential([keras.Input((5, 3)),
                                  layer(4, recurrent_activation=tf_backend.keras2_hard_sigmoid, **extra),
                                  keras.layers.Dense(1)])
    rng = np.random.default_rng(0)
    reference.layers[0].set_weights([rng.normal(size=w.shape).astype("float32")  # large enough to reach the
                                     for w in reference.layers[0].get_weights()])  # clipped part of the sigmoid
    path = tmp_path / f"keras1-{kind}.h5"
    keras1_file(path, reference, kind)
    built = tf_backend.build_model(read_model(path))
    assert built.how == "rebuilt from the config"
    assert any("hard_sigmoid" in note for note in built.notes)
    x = rng.normal(size=(16, 5, 3)).astype("float32")
    expected = np.asarray(reference(x))
    got = np.asarray(built.model(x))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    # Keras 3's own hard sigmoid would not give these outputs: the test can tell the difference
    plain = keras.Sequential([keras.Input((5, 3)), layer(4, recurrent_activation="hard_sigmoid", **extra),
                              keras.layers.Dense(1)])
    plain.set_weights(reference.get_weights())
    assert np.abs(np.asarray(plain(x)) - expected).max() > 1e-3


def test_hard_sigmoid_is_translated_only_for_old_files():
    config = {"class_name": "Sequential", "config": [
        {"class_name": "LSTM", "config": {"name": "l", "recurrent_activation": "hard_sigmoid", "units": 2,
                                          "batch_input_shape": [None, 3, 2]}}]}
    assert changed_meaning(config, "2.2.4") and not changed_meaning(config, "3.4.1")
    layer = translate(config, {}, "2.2.4")["config"]["layers"][-1]
    assert layer["config"]["recurrent_activation"] == KERAS2_HARD_SIGMOID
    assert translate(config, {}, "3.4.1")["config"]["layers"][-1]["config"]["recurrent_activation"] == "hard_sigmoid"
