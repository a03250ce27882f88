"""Regenerate the bundled demo: a multi-output regression model that collapsed the way real ones do.

Story: three targets in the thousands (prices, not standardised), inputs with one feature in the thousands,
trained with Adam at learning_rate=1.0 (someone "sped up" training). The first updates are huge, most of the
ReLU trunk dies, and every head ends up predicting its bias, the targets' mean: the same value for every input.

    python resources/demo/make_demo.py   # writes collapsed_multihead.keras and collapsed_multihead.npz here
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

HERE = Path(__file__).resolve().parent
N = 600


def make_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=(N, 8)).astype("float32")
    x[:, 0] = rng.uniform(500, 3000, size=N)  # floor area in square feet, never normalised
    x[:, 1] = rng.integers(1, 6, size=N)  # rooms
    y = np.stack([
        150 * x[:, 0] / 1000 + 40 * x[:, 1] + 10 * x[:, 2],  # price, in thousands
        0.8 * x[:, 0] + 30 * x[:, 3],  # rent
        2 * x[:, 0] / 10 + 5 * x[:, 4] ** 2,  # tax
    ], axis=1).astype("float32")
    return x, y + rng.normal(scale=5.0, size=y.shape).astype("float32")


def make_model():
    import keras

    inputs = keras.Input((8,), name="features")
    h = keras.layers.Dense(32, activation="relu", name="trunk_1")(inputs)
    h = keras.layers.Dense(32, activation="relu", name="trunk_2")(h)
    outputs = []
    for name in ("price", "rent", "tax"):
        branch = keras.layers.Dense(8, activation="relu", name=f"{name}_hidden")(h)
        outputs.append(keras.layers.Dense(1, name=name)(branch))
    model = keras.Model(inputs, outputs, name="house_prices")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1.0), loss="mse")
    return model


def main() -> None:
    import keras

    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    x, y = make_data(rng)
    model = make_model()
    model.fit(x, [y[:, 0], y[:, 1], y[:, 2]], epochs=5, batch_size=32, verbose=0)
    pred = np.concatenate([p for p in model.predict(x, verbose=0)], axis=1)
    print("prediction std per head:", pred.std(axis=0), "target std:", y.std(axis=0))
    model.save(HERE / "collapsed_multihead.keras")
    np.savez_compressed(HERE / "collapsed_multihead.npz", x=x, y=y)


if __name__ == "__main__":
    main()
