"""Small helpers the programs share: seeding, datasets of the shapes people post, and a quiet `fit`."""

from __future__ import annotations

from typing import Any

import numpy as np


def seeded(seed: int) -> np.random.Generator:
    """Seed Keras, TensorFlow and numpy together, and hand back the numpy generator the program draws from."""
    import keras

    keras.utils.set_random_seed(seed)
    return np.random.default_rng(seed)


def f32(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def regression(rng: np.random.Generator, n: int = 1200, d: int = 8, noise: float = 0.1,
               nonlinear: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Standardised features and a target of unit-ish spread that a small MLP can learn."""
    x = rng.normal(size=(n, d))
    w = rng.normal(size=(d,))
    y = x @ w / np.sqrt(d)
    if nonlinear:
        y = y + 0.5 * np.sin(2 * x[:, 0]) + 0.3 * x[:, 1] * x[:, 2]
    y = y + noise * rng.normal(size=n)
    return f32(x), f32(y[:, None])


def classes(rng: np.random.Generator, n: int = 1200, d: int = 8, k: int = 3, signal: float = 2.0,
            shares: tuple[float, ...] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs, one per class, `signal` apart; `shares` sets the class balance."""
    p = np.asarray(shares if shares is not None else [1.0 / k] * k)
    labels = rng.choice(k, size=n, p=p / p.sum())
    centres = rng.normal(size=(k, d)) * signal
    x = centres[labels] + rng.normal(size=(n, d))
    return f32(x), labels.astype(np.int64)


def one_hot(labels: np.ndarray, k: int) -> np.ndarray:
    return np.eye(k, dtype=np.float32)[labels]


def fit(model: Any, x: Any, y: Any, epochs: int = 20, batch_size: int = 32, **kw: Any) -> dict[str, list[float]]:
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, **kw)
    return {k: [float(v) for v in vs] for k, vs in history.history.items()}


def mlp(d: int, hidden: list[int], out_units: int, out_activation: str | None, activation: str = "relu",
        names: tuple[str, str] = ("h", "out"), **dense_kw: Any) -> Any:
    """Input -> Dense(h1) -> ... -> Dense(out): layers named h1, h2, ... and `out`, so labels can name them;
    `dense_kw` (an initialiser, a regulariser) goes to every Dense layer, the output one included."""
    import keras

    layers: list[Any] = [keras.Input((d,), name="x")]
    for i, units in enumerate(hidden, start=1):
        layers.append(keras.layers.Dense(units, activation=activation, name=f"{names[0]}{i}", **dense_kw))
    layers.append(keras.layers.Dense(out_units, activation=out_activation, name=names[1], **dense_kw))
    return keras.Sequential(layers, name="model")


def images(rng: np.random.Generator, n: int = 900, size: int = 12, k: int = 3,
           noise: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Small one-channel images, one stripe orientation or blob per class, with noise: a conv net learns them
    in a few epochs."""
    labels = rng.integers(0, k, size=n)
    grid = np.arange(size)
    patterns = [np.tile((grid % 4 < 2).astype(float), (size, 1)),  # vertical stripes
                np.tile((grid % 4 < 2).astype(float)[:, None], (1, size)),  # horizontal stripes
                ((grid[:, None] - size / 2) ** 2 + (grid[None, :] - size / 2) ** 2 < (size / 3) ** 2) * 1.0]
    x = np.stack([patterns[c % len(patterns)] for c in labels]) + noise * rng.normal(size=(n, size, size))
    return f32(x[..., None]), labels.astype(np.int64)


def sequences(rng: np.random.Generator, n: int = 900, steps: int = 20, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Noisy sine waves whose frequency is the class."""
    labels = rng.integers(0, k, size=n)
    t = np.arange(steps)[None, :]
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    x = np.sin((labels[:, None] + 1) * 0.3 * t + phase) + 0.2 * rng.normal(size=(n, steps))
    return f32(x[..., None]), labels.astype(np.int64)
