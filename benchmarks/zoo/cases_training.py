"""Training and initialisation faults: dying ReLU from a high learning rate, too-strong L2, zero initialisers,
deep sigmoid/tanh stacks, a zeroed BatchNormalization scale, NaN weights, dead conv and recurrent layers."""

from __future__ import annotations

import numpy as np

from zoo.case import FirstDead, HoldsNonFinite, Intent, Trained, case
from zoo.kit import classes, f32, fit, images, mlp, one_hot, regression, seeded, sequences


@case("diverged_sgd_lr1", "non_finite",
      Intent("collapsed", HoldsNonFinite(("h1", "h2", "h3", "out")), ("non_finite", "exploding_gradient")))
def diverged_sgd_lr1() -> Trained:
    """SGD at learning rate 1.0 on a ReLU regression net ('loss: nan after the first epoch'): the weights blow
    up to NaN (with oneDNN on, the same program killed a layer instead)."""
    import keras

    rng = seeded(40)
    x, y = regression(rng)
    model = mlp(8, [64, 64, 32], 1, None)
    model.compile(keras.optimizers.SGD(1.0), "mse")
    history = fit(model, x, y, epochs=5)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("dying_relu_adam_lr5", "dead_units",
      Intent("collapsed", FirstDead(("h1", "h2")), ("dead_units",)), fmt="h5")
def dying_relu_adam_lr5() -> Trained:
    """A 3-class ReLU classifier with Adam at 5.0 ('the loss stopped moving after the first epoch'); .h5."""
    import keras

    rng = seeded(41)
    x, labels = classes(rng, k=3)
    model = mlp(8, [64, 32], 3, "softmax")
    model.compile(keras.optimizers.Adam(5.0), "categorical_crossentropy", metrics=["accuracy"])
    history = fit(model, x, one_hot(labels, 3), epochs=5)
    return Trained(model, {"x": x, "y": one_hot(labels, 3)}, {"out": "multiclass"}, history=history)


@case("diverged_adam_lr10_deep", "non_finite",
      Intent("collapsed", HoldsNonFinite((*(f"h{i}" for i in range(1, 7)), "out")), ("non_finite", "exploding_gradient")))
def diverged_adam_lr10_deep() -> Trained:
    """Six ReLU layers and Adam at 10: the deep variant of the same mistake, NaN in every layer."""
    import keras

    rng = seeded(42)
    x, y = regression(rng, d=16)
    model = mlp(16, [128, 64, 64, 32, 32, 16], 1, None)
    model.compile(keras.optimizers.Adam(10.0), "mse")
    history = fit(model, x, y, epochs=4)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("dying_relu_sgd_lr5_binary", "dead_units",
      Intent("collapsed", FirstDead(("h1", "h2")), ("dead_units",)))
def dying_relu_sgd_lr5_binary() -> Trained:
    """A binary ReLU classifier with SGD at 5.0 (RMSprop at 2 and at 20 still learned)."""
    import keras

    rng = seeded(43)
    x, labels = classes(rng, k=2)
    model = mlp(8, [32, 32], 1, "sigmoid")
    model.compile(keras.optimizers.SGD(5.0), "binary_crossentropy")
    history = fit(model, x, f32(labels[:, None]), epochs=5)
    return Trained(model, {"x": x, "y": f32(labels[:, None])}, {"out": "binary"}, history=history)


def _l2_regression(seed: int, strength: float) -> Trained:
    import keras

    rng = seeded(seed)
    x, y = regression(rng)
    model = mlp(8, [32, 32], 1, None, kernel_regularizer=keras.regularizers.l2(strength))
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=20)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("l2_10_all_layers", "over_regularization",
      Intent("collapsed", ("h1", "h2", "out"), ("over_regularization", "zero_weights")))
def l2_10_all_layers() -> Trained:
    """kernel_regularizer=l2(10) on every layer ('I added regularisation against overfitting'): the penalty
    dwarfs the data loss and every kernel shrinks towards zero."""
    return _l2_regression(44, 10.0)


@case("l2_100_all_layers", "over_regularization",
      Intent("collapsed", ("h1", "h2", "out"), ("over_regularization", "zero_weights")), fmt="h5")
def l2_100_all_layers() -> Trained:
    """l2(100) on every layer (l2(100) on the output alone did not collapse: the hidden layers grew to make up
    for the small head kernel); .h5."""
    return _l2_regression(45, 100.0)


@case("l2_10_classifier", "over_regularization",
      Intent("collapsed", ("h1", "h2", "out"), ("over_regularization", "zero_weights")))
def l2_10_classifier() -> Trained:
    """A 3-class softmax with l2(10) on every layer: one class for every sample."""
    import keras

    rng = seeded(46)
    x, labels = classes(rng, k=3, shares=(0.5, 0.3, 0.2))
    model = mlp(8, [64, 32], 3, "softmax", kernel_regularizer=keras.regularizers.l2(10.0))
    model.compile("adam", "categorical_crossentropy")
    history = fit(model, x, one_hot(labels, 3), epochs=20)
    return Trained(model, {"x": x, "y": one_hot(labels, 3)}, {"out": "multiclass"}, history=history)


@case("zeros_init_all_layers", "zero_weights",
      Intent("collapsed", ("h1", "h2", "out"), ("zero_weights", "constant_weights", "dead_units")))
def zeros_init_all_layers() -> Trained:
    """kernel_initializer='zeros' everywhere ('to make training reproducible'): the ReLU layers output 0 and get
    no gradient, the head learns only its bias."""
    rng = seeded(47)
    x, y = regression(rng)
    model = mlp(8, [32, 32], 1, None, kernel_initializer="zeros")
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=10)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("zeros_init_hidden_relu", "zero_weights",
      Intent("collapsed", ("h2",), ("zero_weights", "dead_units", "constant_weights")))
def zeros_init_hidden_relu() -> Trained:
    """One ReLU layer with kernel_initializer='zeros' in an otherwise normal net: it outputs relu(0) = 0 for
    every sample, ReLU's gradient at 0 is 0, so it never moves and everything after it is constant."""
    import keras

    rng = seeded(48)
    x, labels = classes(rng, k=4)
    L = keras.layers
    model = keras.Sequential([
        keras.Input((8,), name="x"), L.Dense(64, activation="relu", name="h1"),
        L.Dense(64, activation="relu", kernel_initializer="zeros", name="h2"),
        L.Dense(32, activation="relu", name="h3"), L.Dense(4, activation="softmax", name="out")])
    model.compile("adam", "categorical_crossentropy")
    history = fit(model, x, one_hot(labels, 4), epochs=10)
    return Trained(model, {"x": x, "y": one_hot(labels, 4)}, {"out": "multiclass"}, history=history)


@case("zeros_init_conv", "zero_weights",
      Intent("collapsed", ("conv2",), ("zero_weights", "dead_units", "constant_weights")), fmt="h5")
def zeros_init_conv() -> Trained:
    """A small CNN whose second Conv2D has kernel_initializer='zeros' and relu: a dead layer from step one; .h5."""
    import keras

    rng = seeded(49)
    x, labels = images(rng)
    L = keras.layers
    model = keras.Sequential([
        keras.Input(x.shape[1:], name="x"), L.Conv2D(8, 3, activation="relu", name="conv1"),
        L.Conv2D(16, 3, activation="relu", kernel_initializer="zeros", name="conv2"),
        L.GlobalAveragePooling2D(name="pool"), L.Dense(3, activation="softmax", name="out")])
    model.compile("adam", "categorical_crossentropy")
    history = fit(model, x, one_hot(labels, 3), epochs=5)
    return Trained(model, {"x": x, "y": one_hot(labels, 3)}, {"out": "multiclass"}, history=history)


def _stack(depth: int, units: int, activation: str, init: object, out_units: int, out_act: str | None,
           d: int = 8, prefix: str = "s") -> object:
    import keras

    layers: list[object] = [keras.Input((d,), name="x")]
    layers += [keras.layers.Dense(units, activation=activation, kernel_initializer=init, name=f"{prefix}{i}")
               for i in range(1, depth + 1)]
    layers.append(keras.layers.Dense(out_units, activation=out_act, name="out"))
    return keras.Sequential(layers, name="model")


@case("deep_sigmoid_15", "vanishing_gradient",
      Intent("collapsed", tuple(f"s{i}" for i in range(1, 16)), ("vanishing_gradient", "spread_decay", "saturation")))
def deep_sigmoid_15() -> Trained:
    """Fifteen Dense(32, sigmoid) layers trained with SGD, the 1990s way: the spread and the gradient shrink by
    a constant factor per layer and the output ends one value."""
    import keras

    rng = seeded(50)
    x, labels = classes(rng, k=2)
    model = _stack(15, 32, "sigmoid", "glorot_uniform", 1, "sigmoid")
    model.compile(keras.optimizers.SGD(0.01), "binary_crossentropy")
    history = fit(model, x, f32(labels[:, None]), epochs=5)
    return Trained(model, {"x": x, "y": f32(labels[:, None])}, {"out": "binary"}, history=history)


@case("deep_tanh_12_small_init", "vanishing_gradient",
      Intent("collapsed", tuple(f"s{i}" for i in range(1, 13)), ("vanishing_gradient", "spread_decay")), fmt="h5")
def deep_tanh_12_small_init() -> Trained:
    """Twelve tanh layers initialised with init='normal' (stddev 0.05, the Keras 1 default people still copy):
    each layer scales the signal down, twelve of them leave nothing; .h5."""
    import keras

    rng = seeded(51)
    x, y = regression(rng)
    model = _stack(12, 32, "tanh", keras.initializers.RandomNormal(stddev=0.05), 1, None)
    model.compile(keras.optimizers.SGD(0.01), "mse")
    history = fit(model, x, y, epochs=5)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("bn_gamma_zero_relu", "zero_weights",
      Intent("collapsed", ("bn",), ("zero_weights", "constant_weights", "dead_units"), probe=("relu",)))
def bn_gamma_zero_relu() -> Trained:
    """BatchNormalization(gamma_initializer='zeros') before a ReLU (the 'zero-init the last BN of a residual
    block' trick used outside a residual block): BN outputs its beta, 0, ReLU's gradient there is 0, and gamma
    never leaves zero."""
    import keras

    rng = seeded(52)
    x, y = regression(rng)
    L = keras.layers
    model = keras.Sequential([
        keras.Input((8,), name="x"), L.Dense(64, name="h1"), L.BatchNormalization(gamma_initializer="zeros", name="bn"),
        L.Activation("relu", name="relu"), L.Dense(1, name="out")])
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=10)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


def _poison(layer: object, index: tuple[int, ...]) -> None:
    """One NaN written into a trained kernel: exactly the bug a bad weight surgery or a corrupted checkpoint
    leaves behind."""
    weights = layer.get_weights()  # type: ignore[attr-defined]
    weights[0][index] = np.nan
    layer.set_weights(weights)  # type: ignore[attr-defined]


@case("nan_weight_hidden", "non_finite", Intent("collapsed", ("h2",), ("non_finite",)))
def nan_weight_hidden() -> Trained:
    """A trained tanh regression MLP with one NaN in the second hidden kernel: every output is NaN. (Behind a
    ReLU the NaN would be swallowed: TensorFlow's relu maps NaN to 0, so that unit just dies.)"""
    rng = seeded(53)
    x, y = regression(rng)
    model = mlp(8, [32, 32, 16], 1, None, activation="tanh")
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=10)
    _poison(model.get_layer("h2"), (3, 5))
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("nan_weight_conv", "non_finite", Intent("collapsed", ("conv1",), ("non_finite",)), fmt="h5")
def nan_weight_conv() -> Trained:
    """A trained CNN (tanh convolutions) with one NaN in the first conv kernel; .h5."""
    import keras

    rng = seeded(54)
    x, labels = images(rng)
    L = keras.layers
    model = keras.Sequential([
        keras.Input(x.shape[1:], name="x"), L.Conv2D(8, 3, activation="tanh", name="conv1"),
        L.AveragePooling2D(2, name="pool1"), L.Conv2D(16, 3, activation="tanh", name="conv2"),
        L.GlobalAveragePooling2D(name="pool"), L.Dense(3, activation="softmax", name="out")])
    model.compile("adam", "categorical_crossentropy")
    history = fit(model, x, one_hot(labels, 3), epochs=5)
    _poison(model.get_layer("conv1"), (1, 1, 0, 2))
    return Trained(model, {"x": x, "y": one_hot(labels, 3)}, {"out": "multiclass"}, history=history)


@case("dead_conv_high_lr", "dead_units",
      Intent("collapsed", FirstDead(("conv1", "conv2")), ("dead_units", "bias_dominated_output")))
def dead_conv_high_lr() -> Trained:
    """A CNN trained with SGD at 2.0: a conv layer's bias is driven far negative and it outputs 0 everywhere."""
    import keras

    rng = seeded(55)
    x, labels = images(rng)
    L = keras.layers
    model = keras.Sequential([
        keras.Input(x.shape[1:], name="x"), L.Conv2D(16, 3, activation="relu", name="conv1"),
        L.Conv2D(16, 3, activation="relu", name="conv2"), L.Flatten(name="flat"),
        L.Dense(3, activation="softmax", name="out")])
    model.compile(keras.optimizers.SGD(2.0), "categorical_crossentropy")
    history = fit(model, x, one_hot(labels, 3), epochs=3)
    return Trained(model, {"x": x, "y": one_hot(labels, 3)}, {"out": "multiclass"}, history=history)


def _raw_sequences(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sensor readings in the thousands (a level around 2000 varying by tens), never scaled."""
    rng = seeded(seed)
    x, labels = sequences(rng)
    return f32(2000 + 30 * x), labels


@case("lstm_unscaled_sequences", "saturation",
      Intent("collapsed", ("lstm",), ("unnormalized_input", "saturation")))
def lstm_unscaled_sequences() -> Trained:
    """An LSTM classifier fed raw readings around 2000: every gate saturates, the state is the same for every
    sequence, one class for all."""
    import keras

    x, labels = _raw_sequences(56)
    L = keras.layers
    model = keras.Sequential([keras.Input(x.shape[1:], name="x"), L.LSTM(32, name="lstm"),
                              L.Dense(3, activation="softmax", name="out")])
    model.compile("adam", "categorical_crossentropy")
    history = fit(model, x, one_hot(labels, 3), epochs=3)
    return Trained(model, {"x": x, "y": one_hot(labels, 3)}, {"out": "multiclass"}, history=history)


@case("gru_unscaled_sequences", "saturation",
      Intent("collapsed", ("gru",), ("unnormalized_input", "saturation")), fmt="h5")
def gru_unscaled_sequences() -> Trained:
    """The same with a GRU regressor (predict the next reading); .h5."""
    import keras

    rng = seeded(57)
    x, _ = sequences(rng, k=3)
    y = f32(x[:, -1, :] * 0.8 + 0.1)
    x = f32(2000 + 30 * x)
    L = keras.layers
    model = keras.Sequential([keras.Input(x.shape[1:], name="x"), L.GRU(32, name="gru"), L.Dense(1, name="out")])
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=3)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)
