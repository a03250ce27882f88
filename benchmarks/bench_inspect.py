"""`keras-inspector inspect --json` against `keras.models.load_model(...)` + `summary()`, as whole processes.

Goal (issue 2): at least 8x faster and at most a third of the peak memory, with TensorFlow never imported.

    python benchmarks/bench_inspect.py [--keep DIR]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PY, measure, workspace  # noqa: E402

LOAD = "import sys, keras; m = keras.models.load_model(sys.argv[1], compile=False); m.summary(print_fn=lambda *a, **k: None)"


def build_models(folder: Path) -> dict[str, Path]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    out = {}
    for name, make in (("ResNet50", lambda: keras.applications.ResNet50(weights=None)),
                       ("DenseNet121", lambda: keras.applications.DenseNet121(weights=None)),
                       ("branching-1000", branching_model)):
        path = folder / f"{name}.keras"
        if not path.exists():
            make().save(path)
        out[name] = path
    return out


def branching_model(blocks: int = 166):
    """About 1,000 layers: residual blocks that branch in two and merge, like a real deep network."""
    import keras

    x = inputs = keras.Input((32,), name="x")
    for i in range(blocks):
        a = keras.layers.Dense(32, activation="relu", name=f"b{i}_a")(x)
        b = keras.layers.Dense(32, activation="tanh", name=f"b{i}_b")(x)
        m = keras.layers.Add(name=f"b{i}_add")([a, b])
        m = keras.layers.LayerNormalization(name=f"b{i}_norm")(m)
        m = keras.layers.Dropout(0.1, name=f"b{i}_drop")(m)
        x = keras.layers.Add(name=f"b{i}_res")([x, m])
    return keras.Model(inputs, keras.layers.Dense(1, name="out")(x), name="branching")


def main() -> None:
    names = ("ResNet50", "DenseNet121", "branching-1000")
    folder = workspace(__file__, __doc__, build_models, [f"{n}.keras" for n in names])
    models = {name: folder / f"{name}.keras" for name in names}
    print(f"{'model':16} {'inspect s':>10} {'load s':>8} {'speed-up':>9} {'inspect MB':>11} {'load MB':>8} {'memory':>7}")
    for name, path in models.items():
        ours = measure([PY, "-m", "inspector", "inspect", str(path), "--json", str(folder / f"{name}.json")])
        theirs = measure([PY, "-c", LOAD, str(path)], repeat=2)
        print(f"{name:16} {ours.seconds:10.2f} {theirs.seconds:8.2f} {theirs.seconds / ours.seconds:8.1f}x "
              f"{ours.peak_mb:11.0f} {theirs.peak_mb:8.0f} {ours.peak_mb / theirs.peak_mb:6.0%}")
    print("goal: speed-up >= 8x, memory <= 33%")


if __name__ == "__main__":
    main()
