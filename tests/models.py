"""Small Keras models built by the tests themselves: fixed seeds, tiny, seconds to make."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def keras():
    import keras as k

    k.utils.set_random_seed(0)
    return k


def save_both(model, folder: Path, stem: str) -> dict[str, Path]:
    paths = {"keras": folder / f"{stem}.keras", "h5": folder / f"{stem}.h5"}
    model.save(paths["keras"])
    model.save(paths["h5"])
    return paths


def sequential():
    k = keras()
    return k.Sequential([
        k.Input((10,), name="features"),
        k.layers.Dense(16, activation="relu", name="hidden"),
        k.layers.BatchNormalization(name="bn"),
        k.layers.Dropout(0.1, name="drop"),
        k.layers.Dense(3, name="out"),
    ], name="seq")


def multi_io():
    """Two inputs, a shared layer called twice, three heads (two of them branches)."""
    k = keras()
    a = k.Input((6,), name="a")
    b = k.Input((6,), name="b")
    shared = k.layers.Dense(8, activation="relu", name="shared")
    trunk = k.layers.Concatenate(name="concat")([shared(a), shared(b)])
    trunk = k.layers.Dense(12, activation="relu", name="trunk")(trunk)
    heads = []
    for i in range(3):
        h = k.layers.Dense(4, activation="relu", name=f"branch_{i}")(trunk)
        heads.append(k.layers.Dense(1, name=f"head_{i}")(h))
    return k.Model([a, b], heads, name="multi_io")


def nested():
    """A functional model used as a layer inside a Sequential used inside a functional model."""
    k = keras()
    inner_in = k.Input((5,), name="inner_in")
    inner = k.Model(inner_in, k.layers.Dense(7, activation="tanh", name="inner_dense")(inner_in), name="encoder")
    block = k.Sequential([k.Input((7,)), k.layers.Dense(4, name="block_dense")], name="block")
    x = k.Input((5,), name="x")
    y = block(inner(x))
    return k.Model(x, k.layers.Dense(2, name="final")(y), name="outer")


def attention():
    """MultiHeadAttention passes `value` by keyword: Keras 3 writes it in the node's kwargs."""
    k = keras()
    q = k.Input((4, 8), name="query")
    v = k.Input((6, 8), name="value_in")
    att = k.layers.MultiHeadAttention(num_heads=2, key_dim=4, name="mha")(q, value=v)
    return k.Model([q, v], k.layers.Dense(1, name="score")(k.layers.GlobalAveragePooling1D(name="gap")(att)))


def conv_rnn():
    k = keras()
    img = k.Input((12, 12, 3), name="img")
    x = k.layers.Conv2D(4, 3, activation="relu", name="conv")(img)
    x = k.layers.MaxPooling2D(name="pool")(x)
    x = k.layers.Reshape((5, 20), name="seq")(x)
    x = k.layers.LSTM(6, name="lstm")(x)
    return k.Model(img, k.layers.Dense(2, activation="softmax", name="probs")(x))


def custom_layer():
    k = keras()

    @k.saving.register_keras_serializable(package="tests")
    class Scale(k.layers.Layer):
        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return x * self.w

    x = k.Input((3,), name="x")
    return k.Model(x, k.layers.Dense(1, name="out")(Scale(name="scale")(x)))


ALL = {"sequential": sequential, "multi_io": multi_io, "nested": nested, "attention": attention,
       "conv_rnn": conv_rnn, "custom": custom_layer}


def flat_layers(model, prefix=""):
    """(qualified name, class name, param count) for every layer, nested ones included, like our reader."""
    import keras as k

    out = []
    layers = list(model.layers)
    if isinstance(model, k.Model) and hasattr(model, "_operations") and not isinstance(model, k.Sequential):
        layers = [op for op in model.operations if isinstance(op, k.layers.Layer)]
    for layer in layers:
        name = prefix + layer.name
        out.append((name, layer.__class__.__name__, layer.count_params()))
        if isinstance(layer, k.Model):
            out.extend(flat_layers(layer, name + "/"))
    return out


def random_data(model, n=64, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(n, *i.shape[1:])).astype("float32") for i in model.inputs]


# Graph shapes without Keras (names and edges), for the layout's tests and benchmarks/bench_layout.py

def chain_graph(n: int) -> tuple[list[str], list[tuple[str, str]]]:
    names = [f"l{i}" for i in range(n)]
    return names, list(zip(names, names[1:], strict=False))


def residual_graph(blocks: int) -> tuple[list[str], list[tuple[str, str]]]:
    """Blocks that branch in two, merge, and add the block's input back (a skip over four layers)."""
    names, edges, x = ["x"], [], "x"
    for i in range(blocks):
        a, b, add, norm, drop, res = (f"b{i}_{part}" for part in ("a", "b", "add", "norm", "drop", "res"))
        names += [a, b, add, norm, drop, res]
        edges += [(x, a), (x, b), (a, add), (b, add), (add, norm), (norm, drop), (x, res), (drop, res)]
        x = res
    return [*names, "out"], [*edges, (x, "out")]
