"""Labels of the wrong shape that Keras broadcasts during training: the mismatch is the bug."""

from __future__ import annotations

import numpy as np

from zoo.case import Intent, Trained, case
from zoo.kit import classes, f32, fit, mlp, seeded


@case("int_labels_dense2_mse", "target_shape_mismatch",
      Intent("nearly", ("out",), ("target_shape_mismatch", "loss_activation_mismatch")))
def int_labels_dense2_mse() -> Trained:
    """A two-class softmax Dense(2) trained on 1-column 0/1 labels with mse (Keras 3 refuses the cross-entropies
    on these shapes): Keras broadcasts (N, 1) against (N, 2), both units are asked for the same value and the
    softmax answers about 0.5/0.5 for every sample (measured: a spread of 1-2 % of the labels', nearly
    collapsed)."""
    rng = seeded(20)
    x, labels = classes(rng, k=2, signal=1.5)
    y = f32(labels[:, None])
    model = mlp(8, [32, 32], 2, "softmax")
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=30)
    return Trained(model, {"x": x, "y": y}, {"out": "multiclass"}, history=history)


@case("int_labels_dense10_mse", "target_shape_mismatch",
      Intent("collapsed", ("out",), ("target_shape_mismatch", "loss_activation_mismatch")))
def int_labels_dense10_mse() -> Trained:
    """Digits-style integer labels 0..9 in one column for a Dense(10, softmax) head under mean squared error:
    every unit chases the label value, the softmax cannot, the argmax lands on one class."""
    rng = seeded(21)
    x, labels = classes(rng, k=10, d=16, signal=1.5)
    y = f32(labels[:, None])
    model = mlp(16, [64, 32], 10, "softmax")
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=10)
    return Trained(model, {"x": x, "y": y}, {"out": "multiclass"}, history=history)


@case("int_labels_dense3_mse_h5", "target_shape_mismatch",
      Intent("collapsed", ("out",), ("target_shape_mismatch",)), fmt="h5")
def int_labels_dense3_mse_h5() -> Trained:
    """Integer labels (N, 1) under a categorical-style Dense(3, softmax) head trained with mse (Keras 3 refuses
    categorical_crossentropy on these shapes, so the program switched the loss); legacy .h5."""
    import keras

    rng = seeded(22)
    x, labels = classes(rng, k=3, signal=2.0)
    y = f32(labels[:, None])
    model = mlp(8, [16], 3, "softmax")
    model.compile(keras.optimizers.RMSprop(0.01), "mse")
    history = fit(model, x, y, epochs=10)
    return Trained(model, {"x": x, "y": y}, {"out": "multiclass"}, history=history)


@case("sequence_targets_without_channel_axis", "healthy_shape",
      Intent("healthy"))
def sequence_targets_without_channel_axis() -> Trained:
    """Hard control: a sequence-to-sequence LSTM whose output is (N, 20, 1) trained on (N, 20) targets. Under
    Keras 2 this broadcast to (N, 20, 20) and collapsed; Keras 3's losses squeeze the trailing axis first, so the
    program learned (measured R^2 about 0.9). The diagnosis must take these targets and not cry wolf."""
    import keras

    rng = seeded(23)
    n, steps = 800, 20
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    t = np.arange(steps)[None, :] * (2 * np.pi / steps)
    x = f32(np.sin(t + phase)[..., None])
    y = f32(np.sin(t + phase + 0.5))
    L = keras.layers
    model = keras.Sequential([keras.Input((steps, 1), name="x"), L.LSTM(16, return_sequences=True, name="lstm"),
                              L.Dense(1, name="out")])
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=10)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("sequence_targets_without_channel_axis_conv", "healthy_shape", Intent("healthy"))
def sequence_targets_without_channel_axis_conv() -> Trained:
    """Hard control, the same shapes with a Conv1D tagger: (N, 32, 1) outputs against (N, 32) targets, learned."""
    import keras

    rng = seeded(24)
    n, steps = 800, 32
    x = rng.normal(size=(n, steps, 1))
    y = f32((np.roll(x, 1, axis=1) + x + np.roll(x, -1, axis=1))[..., 0] / 3)
    L = keras.layers
    model = keras.Sequential([keras.Input((steps, 1), name="x"),
                              L.Conv1D(16, 3, padding="same", activation="relu", name="conv"),
                              L.Conv1D(1, 3, padding="same", name="out")])
    model.compile("adam", "mse")
    history = fit(model, f32(x), y, epochs=10)
    return Trained(model, {"x": f32(x), "y": y}, {"out": "regression"}, history=history)
