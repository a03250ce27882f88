"""Healthy controls, hard ones included: each learned its task (measured), so any collapse call, nearly-collapsed
head or error finding on them is a false alarm."""

from __future__ import annotations

import numpy as np

from zoo.case import Intent, Trained, case
from zoo.kit import classes, f32, fit, images, mlp, one_hot, regression, seeded, sequences

HEALTHY = Intent("healthy")


@case("healthy_small_scale_targets", "healthy_hard", HEALTHY)
def healthy_small_scale_targets() -> Trained:
    """Targets of order 1e-3 (a reaction rate), learned well through a final Rescaling(1e-3) (the network works
    in unit scale): a small absolute spread is not a collapse."""
    import keras

    rng = seeded(70)
    x, y = regression(rng)
    y = f32(2e-3 + 1e-3 * y)
    L = keras.layers
    model = keras.Sequential([keras.Input((8,), name="x"), L.Dense(32, activation="relu", name="h1"),
                              L.Dense(32, activation="relu", name="h2"), L.Dense(1, name="dense_out"),
                              L.Rescaling(1e-3, offset=2e-3, name="out")])
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=30)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("healthy_imbalanced_80_20", "healthy_hard", HEALTHY)
def healthy_imbalanced_80_20() -> Trained:
    """80/20 classes with a strong signal: imbalanced, learned, and the predictions follow the 80/20 split."""
    rng = seeded(71)
    x, labels = classes(rng, k=2, signal=2.5, shares=(0.8, 0.2))
    model = mlp(8, [32, 16], 1, "sigmoid")
    model.compile("adam", "binary_crossentropy")
    history = fit(model, x, f32(labels[:, None]), epochs=10)
    return Trained(model, {"x": x, "y": f32(labels[:, None])}, {"out": "binary"}, history=history)


@case("healthy_partially_dead_relu", "healthy_hard", Intent("healthy", probe=("h1",)))
def healthy_partially_dead_relu() -> Trained:
    """A wide ReLU layer whose biases started negative (bias_initializer=-1.3): a good share of its units is
    dead (measured in `layers.h1.dead_fraction`, 20-40 %) but the rest carry the signal and the model works."""
    import keras

    rng = seeded(72)
    x, y = regression(rng)
    L = keras.layers
    model = keras.Sequential([
        keras.Input((8,), name="x"),
        L.Dense(64, activation="relu", bias_initializer=keras.initializers.Constant(-1.3), name="h1"),
        L.Dense(32, activation="relu", name="h2"), L.Dense(1, name="out")])
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=20)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("healthy_sigmoid_bounded_targets", "healthy_hard", HEALTHY)
def healthy_sigmoid_bounded_targets() -> Trained:
    """A sigmoid output on targets in [0, 1] (a probability, a normalised score): bounded and right."""
    rng = seeded(73)
    x, y = regression(rng)
    y = f32(1 / (1 + np.exp(-2 * y)))
    model = mlp(8, [32, 32], 1, "sigmoid")
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=30)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("healthy_tanh_bounded_targets", "healthy_hard", HEALTHY, fmt="h5")
def healthy_tanh_bounded_targets() -> Trained:
    """A tanh output on targets in [-1, 1]; .h5."""
    rng = seeded(74)
    x, y = regression(rng)
    y = f32(np.tanh(y))
    model = mlp(8, [32, 32], 1, "tanh")
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=30)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("healthy_multi_output", "healthy", HEALTHY)
def healthy_multi_output() -> Trained:
    """The seed article's fixed multi-output model: a shared trunk, one branch per head, glorot initialisers."""
    import keras

    rng = seeded(75)
    x, y1 = regression(rng)
    y2 = f32(np.sin(x[:, :1] * 1.5) + 0.3 * x[:, 2:3])
    y3 = f32(x[:, 3:4] - 0.5 * x[:, 4:5])
    L = keras.layers
    inp = keras.Input((8,), name="x")
    h = L.Dense(32, activation="relu", name="h2")(L.Dense(64, activation="relu", name="h1")(inp))
    outs = [L.Dense(1, name=f"o{i}")(L.Dense(16, activation="relu", name=f"b{i}")(h)) for i in (1, 2, 3)]
    model = keras.Model(inp, outs)
    model.compile("adam", "mse")
    history = fit(model, x, [y1, y2, y3], epochs=30)
    return Trained(model, {"x": x, "y_o1": y1, "y_o2": y2, "y_o3": y3},
                   {"o1": "regression", "o2": "regression", "o3": "regression"}, history=history)


@case("healthy_softmax_classifier", "healthy", HEALTHY)
def healthy_softmax_classifier() -> Trained:
    """A 4-class softmax classifier, learned."""
    rng = seeded(76)
    x, labels = classes(rng, k=4, signal=1.5)
    model = mlp(8, [64, 32], 4, "softmax")
    model.compile("adam", "categorical_crossentropy")
    history = fit(model, x, one_hot(labels, 4), epochs=15)
    return Trained(model, {"x": x, "y": one_hot(labels, 4)}, {"out": "multiclass"}, history=history)


@case("healthy_lstm", "healthy", HEALTHY)
def healthy_lstm() -> Trained:
    """An LSTM that learned to tell three frequencies apart."""
    import keras

    rng = seeded(77)
    x, labels = sequences(rng)
    L = keras.layers
    model = keras.Sequential([keras.Input(x.shape[1:], name="x"), L.LSTM(32, name="lstm"),
                              L.Dense(3, activation="softmax", name="out")])
    model.compile(keras.optimizers.Adam(0.01), "categorical_crossentropy")
    history = fit(model, x, one_hot(labels, 3), epochs=15)
    return Trained(model, {"x": x, "y": one_hot(labels, 3)}, {"out": "multiclass"}, history=history)


@case("healthy_gru_regression", "healthy", HEALTHY, fmt="h5")
def healthy_gru_regression() -> Trained:
    """A GRU that predicts the next reading of standardised sequences; .h5."""
    import keras

    rng = seeded(78)
    x, _ = sequences(rng)
    y = f32(x[:, -1, :] * 0.8 + 0.1)
    L = keras.layers
    model = keras.Sequential([keras.Input(x.shape[1:], name="x"), L.GRU(32, name="gru"), L.Dense(1, name="out")])
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=15)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("healthy_conv", "healthy", HEALTHY, fmt="h5")
def healthy_conv() -> Trained:
    """A small CNN that learned the stripes and blobs; .h5."""
    import keras

    rng = seeded(79)
    x, labels = images(rng)
    L = keras.layers
    model = keras.Sequential([
        keras.Input(x.shape[1:], name="x"), L.Conv2D(8, 3, activation="relu", name="conv1"),
        L.MaxPooling2D(name="pool1"), L.Conv2D(16, 3, activation="relu", name="conv2"),
        L.GlobalAveragePooling2D(name="pool"), L.Dense(3, activation="softmax", name="out")])
    model.compile("adam", "categorical_crossentropy")
    history = fit(model, x, one_hot(labels, 3), epochs=10)
    return Trained(model, {"x": x, "y": one_hot(labels, 3)}, {"out": "multiclass"}, history=history)


@case("healthy_nested", "healthy", HEALTHY)
def healthy_nested() -> Trained:
    """A Functional model that calls a Sequential block and a Functional head, learned."""
    import keras

    rng = seeded(80)
    x, y = regression(rng)
    L = keras.layers
    block = keras.Sequential([keras.Input((8,)), L.Dense(32, activation="relu", name="h1"),
                              L.Dense(32, activation="relu", name="h2")], name="block")
    h_in = keras.Input((32,), name="h_in")
    head = keras.Model(h_in, L.Dense(1, name="lin")(L.Dense(16, activation="relu", name="fc")(h_in)), name="head")
    inp = keras.Input((8,), name="x")
    model = keras.Model(inp, head(block(inp)))
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=20)
    return Trained(model, {"x": x, "y": y}, {"head": "regression"}, history=history)


@case("healthy_normalization_raw_inputs", "healthy_hard", HEALTHY)
def healthy_normalization_raw_inputs() -> Trained:
    """Raw features in the thousands fed to a model whose first layer is an adapted Normalization: the data is
    unscaled on purpose and the model handles it."""
    import keras

    rng = seeded(81)
    x, y = regression(rng)
    x = f32(x * rng.uniform(20, 200, size=8) + rng.uniform(1000, 5000, size=8))
    norm = keras.layers.Normalization(name="norm")
    norm.adapt(x)
    L = keras.layers
    model = keras.Sequential([keras.Input((8,), name="x"), norm, L.Dense(32, activation="tanh", name="h1"),
                              L.Dense(32, activation="tanh", name="h2"), L.Dense(1, name="out")])
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=20)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("healthy_small_l2_every_layer", "healthy_hard", HEALTHY)
def healthy_small_l2_every_layer() -> Trained:
    """l2(1e-4) on every layer: regularised, not over-regularised."""
    import keras

    rng = seeded(82)
    x, labels = classes(rng, k=3, signal=1.5)
    model = mlp(8, [64, 32], 3, "softmax", kernel_regularizer=keras.regularizers.l2(1e-4))
    model.compile("adam", "categorical_crossentropy")
    history = fit(model, x, one_hot(labels, 3), epochs=15)
    return Trained(model, {"x": x, "y": one_hot(labels, 3)}, {"out": "multiclass"}, history=history)


@case("healthy_binary_sigmoid", "healthy", HEALTHY, fmt="h5")
def healthy_binary_sigmoid() -> Trained:
    """The textbook binary classifier, Dense(1, sigmoid) under binary cross-entropy; .h5."""
    rng = seeded(83)
    x, labels = classes(rng, k=2, signal=1.0)
    model = mlp(8, [32, 16], 1, "sigmoid")
    model.compile("adam", "binary_crossentropy")
    history = fit(model, x, f32(labels[:, None]), epochs=15)
    return Trained(model, {"x": x, "y": f32(labels[:, None])}, {"out": "binary"}, history=history)


@case("healthy_batchnorm", "healthy", HEALTHY)
def healthy_batchnorm() -> Trained:
    """Dense -> BatchNormalization -> ReLU blocks with default initialisers, learned."""
    import keras

    rng = seeded(84)
    x, y = regression(rng)
    L = keras.layers
    model = keras.Sequential([
        keras.Input((8,), name="x"), L.Dense(64, name="h1"), L.BatchNormalization(name="bn1"),
        L.Activation("relu", name="relu1"), L.Dense(32, name="h2"), L.BatchNormalization(name="bn2"),
        L.Activation("relu", name="relu2"), L.Dense(1, name="out")])
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=20)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("healthy_deep_relu_he", "healthy_hard", HEALTHY)
def healthy_deep_relu_he() -> Trained:
    """Ten Dense(64) ReLU layers with He initialisation: deep, and the spread survives the stack."""
    import keras

    rng = seeded(85)
    x, y = regression(rng)
    L = keras.layers
    layers = [keras.Input((8,), name="x")]
    layers += [L.Dense(64, activation="relu", kernel_initializer="he_normal", name=f"d{i}") for i in range(1, 11)]
    layers.append(L.Dense(1, name="out"))
    model = keras.Sequential(layers)
    model.compile(keras.optimizers.Adam(3e-4), "mse")
    history = fit(model, x, y, epochs=20)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("healthy_mixed_heads", "healthy", HEALTHY)
def healthy_mixed_heads() -> Trained:
    """Two heads on one trunk: a 3-class softmax and a regression, both learned."""
    import keras

    rng = seeded(86)
    x, labels = classes(rng, k=3, signal=1.5)
    value = f32(x[:, :1] * 0.5 + np.sin(x[:, 1:2]))
    L = keras.layers
    inp = keras.Input((8,), name="x")
    h = L.Dense(64, activation="relu", name="h1")(inp)
    kind = L.Dense(3, activation="softmax", name="kind")(h)
    amount = L.Dense(1, name="amount")(L.Dense(16, activation="relu", name="b")(h))
    model = keras.Model(inp, [kind, amount])
    model.compile("adam", ["categorical_crossentropy", "mse"])
    history = fit(model, x, [one_hot(labels, 3), value], epochs=20)
    return Trained(model, {"x": x, "y_kind": one_hot(labels, 3), "y_amount": value},
                   {"kind": "multiclass", "amount": "regression"}, history=history)
