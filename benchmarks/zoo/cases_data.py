"""Data-side causes: unscaled inputs and targets, class imbalance. The fix lands on the first layer fed by the
raw inputs, or on the output layer for the targets and the imbalance."""

from __future__ import annotations

import numpy as np

from zoo.case import Intent, Trained, case
from zoo.kit import classes, f32, fit, mlp, one_hot, regression, seeded


def _raw_features(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    """Features as they come from a spreadsheet: years, areas and prices in the thousands, varying by tens to
    hundreds around their level (so the level, not the variation, decides each unit's pre-activation)."""
    scale = rng.uniform(20, 200, size=x.shape[1])
    offset = rng.uniform(1000, 5000, size=x.shape[1])
    return f32(x * scale + offset)


@case("unscaled_inputs_tanh", "unnormalized_input",
      Intent("collapsed", ("h1",), ("unnormalized_input", "saturation")))
def unscaled_inputs_tanh() -> Trained:
    """Raw features in the thousands into Dense(32, tanh): every unit saturates at +-1 for every sample."""
    rng = seeded(30)
    x, y = regression(rng)
    x = _raw_features(rng, x)
    model = mlp(8, [32, 16], 1, None, activation="tanh")
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=10)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("unscaled_inputs_sigmoid", "unnormalized_input",
      Intent("collapsed", ("h1",), ("unnormalized_input", "saturation")), fmt="h5")
def unscaled_inputs_sigmoid() -> Trained:
    """The same with sigmoid hidden layers on a binary task (a credit-scoring sheet), legacy .h5."""
    rng = seeded(31)
    x, labels = classes(rng, k=2, signal=1.0)
    x = _raw_features(rng, x)
    model = mlp(8, [64, 32], 1, "sigmoid", activation="sigmoid")
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    history = fit(model, x, f32(labels[:, None]), epochs=10)
    return Trained(model, {"x": x, "y": f32(labels[:, None])}, {"out": "binary"}, history=history)


@case("unscaled_inputs_relu_sgd", "unnormalized_input",
      Intent("collapsed", ("h1",), ("unnormalized_input", "non_finite", "dead_units")))
def unscaled_inputs_relu_sgd() -> Trained:
    """Raw features in the thousands into ReLU layers with plain SGD (the rate already lowered to 1e-6 because
    the loss went to NaN): the first steps are still huge, and the first layer's weights end NaN (measured with
    oneDNN off; with it on, the same run killed every unit of the first layer instead)."""
    import keras

    rng = seeded(32)
    x, y = regression(rng)
    x = _raw_features(rng, x)
    model = mlp(8, [32, 32], 1, None)
    model.compile(keras.optimizers.SGD(1e-6), "mse")
    history = fit(model, x, y, epochs=10)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("unscaled_inputs_tanh_classifier", "unnormalized_input",
      Intent("collapsed", ("h1",), ("unnormalized_input", "saturation")))
def unscaled_inputs_tanh_classifier() -> Trained:
    """Pixel values 0..255 never divided by 255, and sensor counts in the thousands, into a tanh MLP with a
    3-class softmax: the hidden layer saturates and one class wins for more than 99 % of samples (a borderline
    case: with oneDNN on it measured 96 %, nearly collapsed)."""
    rng = seeded(33)
    x, labels = classes(rng, k=3, d=16, signal=1.0)
    x = _raw_features(rng, x)
    model = mlp(16, [64], 3, "softmax", activation="tanh")
    model.compile("adam", "categorical_crossentropy")
    history = fit(model, x, one_hot(labels, 3), epochs=10)
    return Trained(model, {"x": x, "y": one_hot(labels, 3)}, {"out": "multiclass"}, history=history)


@case("unscaled_targets_linear", "target_scale_mismatch",
      Intent("collapsed", ("out",), ("target_scale_mismatch",), probe=("h1",)))
def unscaled_targets_linear() -> Trained:
    """Targets around 500 (a price) with a linear head over tanh layers and Adam at 0.01: the huge early error
    drives every tanh unit to its bound, the head is left with constant inputs and outputs one value."""
    import keras

    rng = seeded(34)
    x, y = regression(rng)
    y = f32(500 + 20 * y)
    model = mlp(8, [32, 32], 1, None, activation="tanh")
    model.compile(keras.optimizers.Adam(0.01), "mse")
    history = fit(model, x, y, epochs=10)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("unscaled_targets_linear_deep", "target_scale_mismatch",
      Intent("collapsed", ("out",), ("target_scale_mismatch",)), fmt="h5")
def unscaled_targets_linear_deep() -> Trained:
    """Targets around 800 with a four-layer tanh net, a linear head and RMSprop at 0.01; legacy .h5."""
    import keras

    rng = seeded(35)
    x, y = regression(rng)
    y = f32(800 + 30 * y)
    model = mlp(8, [64, 64, 32, 16], 1, None, activation="tanh")
    model.compile(keras.optimizers.RMSprop(0.01), "mse")
    history = fit(model, x, y, epochs=10)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


def _imbalanced(seed: int, majority: float, k: int = 2, signal: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    rng = seeded(seed)
    shares = (majority, *([(1 - majority) / (k - 1)] * (k - 1)))
    return classes(rng, n=1500, k=k, signal=signal, shares=shares)


@case("imbalance_90_10", "class_imbalance", Intent("collapsed", ("out",), ("class_imbalance",)))
def imbalance_90_10() -> Trained:
    """Fraud-style binary task, 90 % negatives and a weak signal: the sigmoid learns the base rate, predicts
    'negative' for every sample and reports 90 % accuracy."""
    x, labels = _imbalanced(36, 0.9)
    model = mlp(8, [32, 16], 1, "sigmoid")
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = fit(model, x, f32(labels[:, None]), epochs=10)
    return Trained(model, {"x": x, "y": f32(labels[:, None])}, {"out": "binary"}, history=history)


@case("imbalance_99_1", "class_imbalance", Intent("collapsed", ("out",), ("class_imbalance",)))
def imbalance_99_1() -> Trained:
    """99/1 with a two-unit softmax and one-hot labels: class 0 for every sample."""
    x, labels = _imbalanced(37, 0.99, signal=0.5)
    model = mlp(8, [32], 2, "softmax")
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    history = fit(model, x, one_hot(labels, 2), epochs=10)
    return Trained(model, {"x": x, "y": one_hot(labels, 2)}, {"out": "multiclass"}, history=history)


@case("imbalance_multiclass_95", "class_imbalance",
      Intent("collapsed", ("out",), ("class_imbalance",)), fmt="h5")
def imbalance_multiclass_95() -> Trained:
    """Four classes, one of them 95 % of the data, weak features: the softmax answers the big class; .h5."""
    x, labels = _imbalanced(38, 0.95, k=4, signal=0.2)
    model = mlp(8, [64, 32], 4, "softmax")
    model.compile("rmsprop", "categorical_crossentropy", metrics=["accuracy"])
    history = fit(model, x, one_hot(labels, 4), epochs=10)
    return Trained(model, {"x": x, "y": one_hot(labels, 4)}, {"out": "multiclass"}, history=history)
