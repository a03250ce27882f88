"""Wrong output activation for the task and the loss: the output layer is constant, or cannot reach the targets,
by construction."""

from __future__ import annotations

import numpy as np

from zoo.case import Intent, Trained, case
from zoo.kit import classes, f32, fit, mlp, one_hot, regression, seeded


@case("softmax_one_unit_binary", "single_unit_softmax",
      Intent("collapsed", ("out",), ("single_unit_softmax", "loss_activation_mismatch")))
def softmax_one_unit_binary() -> Trained:
    """Binary classifier ending in Dense(1, activation='softmax') under binary cross-entropy: a softmax over one
    unit is 1.0 whatever the input (the most asked variant of 'my model predicts 1 for everything')."""
    rng = seeded(1)
    x, labels = classes(rng, k=2)
    model = mlp(8, [32, 16], 1, "softmax")
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = fit(model, x, f32(labels[:, None]), epochs=5)
    return Trained(model, {"x": x, "y": f32(labels[:, None])}, {"out": "binary"}, history=history)


@case("softmax_one_unit_activation_layer", "single_unit_softmax",
      Intent("collapsed", ("prob", "logit"), ("single_unit_softmax", "loss_activation_mismatch")), fmt="h5")
def softmax_one_unit_activation_layer() -> Trained:
    """The Stack Overflow 31880720 model: Dense(50) -> Activation('relu') -> Dropout -> Dense(50) -> relu ->
    Dropout -> Dense(1) -> Activation('softmax'), on 128 ones vs 128 zeros; legacy .h5."""
    import keras

    seeded(2)
    x = f32(np.concatenate([np.ones((100, 128)), np.zeros((100, 128))]))
    y = f32(np.concatenate([np.ones(100), np.zeros(100)])[:, None])
    L = keras.layers
    model = keras.Sequential([
        keras.Input((128,), name="x"), L.Dense(50, name="dense1"), L.Activation("relu", name="relu1"),
        L.Dropout(0.2, name="drop1"), L.Dense(50, name="dense2"), L.Activation("relu", name="relu2"),
        L.Dropout(0.2, name="drop2"), L.Dense(1, name="logit"), L.Activation("softmax", name="prob")])
    model.compile(keras.optimizers.SGD(0.01), "binary_crossentropy", metrics=["accuracy"])
    history = fit(model, x, y, epochs=10, batch_size=16)
    return Trained(model, {"x": x, "y": y}, {"prob": "binary"}, history=history)


@case("softmax_one_unit_unscaled_tanh", "single_unit_softmax",
      Intent("collapsed", ("out",), ("single_unit_softmax",), probe=("h1",)))
def softmax_one_unit_unscaled_tanh() -> Trained:
    """Issue 11's first pattern: raw features in the thousands into tanh layers AND a one-unit softmax. The tanh
    layer saturates too, but the softmax is constant by construction: that is where the fix must land first."""
    rng = seeded(3)
    x, labels = classes(rng, k=2, d=6)
    x = f32(x * 800 + 3000)
    model = mlp(6, [32, 32], 1, "softmax", activation="tanh")
    model.compile("adam", "binary_crossentropy")
    history = fit(model, x, f32(labels[:, None]), epochs=5)
    return Trained(model, {"x": x, "y": f32(labels[:, None])}, {"out": "binary"}, history=history)


@case("sigmoid_exclusive_cce_brisk_fault", "output_fault",
      Intent("fault", ("out",), ("loss_activation_mismatch",), warning=("loss_activation_mismatch", "out")))
def sigmoid_exclusive_cce_brisk_fault() -> Trained:
    """Dense(5, activation='sigmoid') on one-hot exclusive classes under categorical cross-entropy with a brisk
    learning rate and a weak signal: the sigmoids drift towards 1.0 together (rows sum to about 2) but Keras
    normalises them inside the loss, so the argmax still follows the input: a fault, measured not collapsed."""
    import keras

    rng = seeded(4)
    x, labels = classes(rng, k=5, signal=0.4)
    y = one_hot(labels, 5)
    model = mlp(8, [64, 64], 5, "sigmoid")
    model.compile(keras.optimizers.Adam(0.05), "categorical_crossentropy", metrics=["accuracy"])
    history = fit(model, x, y, epochs=30)
    return Trained(model, {"x": x, "y": y}, {"out": "multiclass"}, history=history)


@case("relu_output_negative_targets", "output_range_mismatch",
      Intent("collapsed", ("out",), ("output_range_mismatch", "dead_units")))
def relu_output_negative_targets() -> Trained:
    """Regression with Dense(1, activation='relu') as output on targets that are all negative (a log-price, a
    temperature in winter): the output unit is pushed below zero and stays at 0."""
    rng = seeded(5)
    x, y = regression(rng)
    y = f32(y - 6.0)
    model = mlp(8, [32, 32], 1, "relu")
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=15)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("relu_output_negative_targets_sgd", "output_range_mismatch",
      Intent("collapsed", ("out",), ("output_range_mismatch", "dead_units")), fmt="h5")
def relu_output_negative_targets_sgd() -> Trained:
    """The same mistake with SGD and a deeper net, saved as legacy .h5: targets between -30 and -10."""
    import keras

    rng = seeded(6)
    x, y = regression(rng, d=12)
    y = f32(-20 + 4 * y)
    model = mlp(12, [64, 32, 16], 1, "relu")
    model.compile(keras.optimizers.SGD(0.01), "mse")
    history = fit(model, x, y, epochs=15)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("sigmoid_output_targets_hundreds", "output_range_mismatch",
      Intent("collapsed", ("out",), ("output_range_mismatch", "saturation", "target_scale_mismatch")))
def sigmoid_output_targets_hundreds() -> Trained:
    """House prices in thousands (targets around 300) through Dense(1, activation='sigmoid'): the output
    saturates at 1.0 for every house."""
    rng = seeded(7)
    x, y = regression(rng)
    y = f32(300 + 50 * y)
    model = mlp(8, [32, 32], 1, "sigmoid")
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=15)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("tanh_output_unbounded", "output_range_mismatch",
      Intent("collapsed", ("out",), ("output_range_mismatch", "saturation", "target_scale_mismatch")))
def tanh_output_unbounded() -> Trained:
    """A tanh output on targets around 50 (ages): tanh never exceeds 1, the unit saturates."""
    rng = seeded(8)
    x, y = regression(rng)
    y = f32(50 + 15 * y)
    model = mlp(8, [64], 1, "tanh", activation="tanh")
    model.compile("rmsprop", "mse")
    history = fit(model, x, y, epochs=15)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("linear_output_bce", "loss_activation_mismatch",
      Intent("collapsed", ("out",), ("loss_activation_mismatch", "output_range_mismatch")))
def linear_output_bce() -> Trained:
    """Dense(1) with no activation under binary_crossentropy (from_logits left False): Keras clips the raw output
    to [1e-7, 1 - 1e-7], outside that range the gradient is zero, and a brisk SGD step parks every output there."""
    import keras

    rng = seeded(9)
    x, labels = classes(rng, k=2, signal=0.3)
    y = f32(labels[:, None])
    model = mlp(8, [32], 1, None)
    model.compile(keras.optimizers.SGD(0.5), "binary_crossentropy", metrics=["accuracy"])
    history = fit(model, x, y, epochs=10)
    return Trained(model, {"x": x, "y": y}, {"out": "binary"}, history=history)


@case("relu_output_partly_negative_fault", "output_fault",
      Intent("fault", ("out",), ("output_range_mismatch",), warning=("output_range_mismatch", "out")))
def relu_output_partly_negative_fault() -> Trained:
    """Relu output on standardised targets: the positive half is learned, the negative third can never be
    produced; the model varies with its input and is not collapsed, but the output layer is wrong."""
    rng = seeded(10)
    x, y = regression(rng)
    y = f32(y + 0.5)
    model = mlp(8, [32, 32], 1, "relu")
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=20)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("sigmoid_exclusive_cce_fault", "output_fault",
      Intent("fault", ("out",), ("loss_activation_mismatch",), warning=("loss_activation_mismatch", "out")))
def sigmoid_exclusive_cce_fault() -> Trained:
    """Sigmoid over 4 one-hot exclusive classes with categorical cross-entropy and a gentle learning rate: it
    learns something (Keras normalises the outputs inside the loss) but the outputs are not a distribution."""
    rng = seeded(11)
    x, labels = classes(rng, k=4, signal=1.5)
    y = one_hot(labels, 4)
    model = mlp(8, [32], 4, "sigmoid")
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    history = fit(model, x, y, epochs=10)
    return Trained(model, {"x": x, "y": y}, {"out": "multiclass"}, history=history)


@case("sigmoid_output_targets_above_one_fault", "output_fault",
      Intent("fault", ("out",), ("output_range_mismatch",), warning=("output_range_mismatch", "out")), fmt="h5")
def sigmoid_output_targets_above_one_fault() -> Trained:
    """Scores between 0 and 2 through a sigmoid: everything above 1 is out of reach, the rest is learned."""
    rng = seeded(12)
    x, y = regression(rng)
    y = f32(np.clip(0.8 + 0.45 * y, 0.0, 2.0))
    model = mlp(8, [32, 32], 1, "sigmoid")
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=20)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)
