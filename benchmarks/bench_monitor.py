"""CollapseMonitor's cost during fit, on the model of bench_diagnose.py (8 Dense(1024) layers, 20,000 samples):
epoch time with the monitor (every_n_epochs=1, max_samples=2048) against without, in one process each, same seed.

Goal (issue 14): at most 10 % of an epoch's time.

    python benchmarks/bench_monitor.py [--epochs N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ENV, PY  # noqa: E402

TRAIN = """
import json, sys, time, numpy as np, keras, inspector
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.normal(size=(20000, 256)).astype("float32")
y = x[:, :1] * 2
model = keras.Sequential([keras.Input((256,))] + [keras.layers.Dense(1024, activation="relu") for _ in range(8)]
                         + [keras.layers.Dense(1)])
model.compile("adam", "mse")
callbacks = []
monitor = None
if sys.argv[1] == "on":
    monitor = inspector.CollapseMonitor(sys.argv[3], validation_data=(x, y), every_n_epochs=1, max_samples=2048,
                                        verbose=False)
    callbacks.append(monitor)
times = []
class Clock(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None): self.t = time.perf_counter()
    def on_epoch_end(self, epoch, logs=None): times.append(time.perf_counter() - self.t)
model.fit(x, y, epochs=int(sys.argv[2]), batch_size=128, verbose=0, callbacks=[Clock(), *callbacks])
print(json.dumps({"epochs": times, "monitor": monitor.seconds if monitor else 0.0,
                  "setup": monitor.setup_seconds if monitor else 0.0}))
"""


def run(mode: str, epochs: int, log: str) -> dict:
    out = subprocess.run([PY, "-c", TRAIN, mode, str(epochs), log], env=ENV, capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="keras-inspector-bench-") as folder:
        log = str(Path(folder) / "train.log")
        off = run("off", args.epochs, log)
        on = run("on", args.epochs, log)
    # the first epoch includes tracing and the monitor's one-off set-up: reported, not averaged in
    plain = sum(off["epochs"][1:]) / max(len(off["epochs"]) - 1, 1)
    watched = sum(on["epochs"][1:]) / max(len(on["epochs"]) - 1, 1)
    per_epoch = on["monitor"] / args.epochs
    print(f"8 x Dense(1024), 20,000 samples, batch 128, {args.epochs} epochs: epoch {plain:.2f} s without the "
          f"monitor, {watched:.2f} s with it ({(watched / plain - 1) * 100:+.1f} %, noisy on a shared machine); "
          f"the monitor's own time {per_epoch:.2f} s per epoch = {per_epoch / plain * 100:.1f} % of an epoch "
          f"(goal <= 10 %), plus {on['setup']:.2f} s once at the start; first epochs {off['epochs'][0]:.2f} s / "
          f"{on['epochs'][0]:.2f} s")


if __name__ == "__main__":
    main()
