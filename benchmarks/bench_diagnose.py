"""`keras-inspector diagnose` against a plain script (load the model, model.predict on the same data, one gradient
pass), as whole processes, on a model of 8 Dense(1024) layers; and diagnose's peak memory on 20,000 against
200,000 samples.

Goals (issue 3): at most 1.5x the plain script's time; at most 10 % more memory for 10x the samples.

    python benchmarks/bench_diagnose.py [--keep DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PY, measure, workspace  # noqa: E402

PLAIN = """
import sys, numpy as np, keras, tensorflow as tf
m = keras.models.load_model(sys.argv[1], compile=False)
d = np.load(sys.argv[2])
x, y = d["x"], d["y"]
m.predict(x, batch_size=512, verbose=0)
with tf.GradientTape() as t:
    loss = tf.reduce_mean(tf.square(m(x[:512]) - y[:512]))
t.gradient(loss, m.trainable_weights)
"""


def build(folder: Path) -> None:
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    layers = [keras.Input((256,))] + [keras.layers.Dense(1024, activation="relu") for _ in range(8)]
    model = keras.Sequential([*layers, keras.layers.Dense(1)])
    model.save(folder / "dense8.keras")
    rng = np.random.default_rng(0)
    for n in (20_000, 200_000):
        path = folder / f"data-{n}.npy"
        if not path.exists():
            np.save(path, rng.normal(size=(n, 256)).astype("float32"))
    x = np.load(folder / "data-20000.npy")
    np.savez(folder / "data-20000.npz", x=x, y=x[:, :1])


def main() -> None:
    folder = workspace(__file__, __doc__, build, ["dense8.keras", "data-20000.npz", "data-200000.npy"])
    model = str(folder / "dense8.keras")
    ours = measure([PY, "-m", "inspector", "diagnose", model, "--data", str(folder / "data-20000.npz"),
                    "--json", str(folder / "d.json")], repeat=2)
    plain = measure([PY, "-c", PLAIN, model, str(folder / "data-20000.npz")], repeat=2)
    print(f"8 x Dense(1024), 20,000 samples: diagnose {ours.seconds:.1f} s, plain predict + gradient "
          f"{plain.seconds:.1f} s, ratio {ours.seconds / plain.seconds:.2f}x (goal <= 1.5x)")
    small = measure([PY, "-m", "inspector", "diagnose", model, "--data", str(folder / "data-20000.npy"),
                     "--json", str(folder / "s.json")], repeat=1)
    big = measure([PY, "-m", "inspector", "diagnose", model, "--data", str(folder / "data-200000.npy"),
                   "--json", str(folder / "b.json")], repeat=1)
    print(f"peak memory: 20,000 samples {small.peak_mb:.0f} MB, 200,000 samples {big.peak_mb:.0f} MB, "
          f"+{(big.peak_mb / small.peak_mb - 1) * 100:.1f} % (goal <= 10 %); times {small.seconds:.1f} s and "
          f"{big.seconds:.1f} s")


if __name__ == "__main__":
    main()
