"""CollapseMonitor during fit, its log (which survives a kill mid-write), and the timeline read from it without
TensorFlow, by the API and by `keras-inspector timeline`."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import inspector
from inspector.training_log import read_log
from tests import models

pytestmark = pytest.mark.slow


def train(tmp_path, lr_after, epochs=6, switch=3, **monitor):
    """Trains well, then (from epoch `switch`) with a learning rate that kills the relu trunk."""
    k = models.keras()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(800, 10)).astype("float32")
    y = (x @ rng.normal(size=(10, 1)) * 40 + 200).astype("float32")
    model = k.Sequential([k.Input((10,)), k.layers.Dense(32, activation="relu", name="trunk_1"),
                          k.layers.Dense(16, activation="relu", name="trunk_2"), k.layers.Dense(1, name="price")])
    model.compile(k.optimizers.Adam(0.01), "mse")
    schedule = k.callbacks.LearningRateScheduler(lambda epoch, lr: 0.01 if epoch < switch else lr_after)
    log = tmp_path / "train.log"
    monitor_cb = inspector.CollapseMonitor(log, validation_data=(x[:256], y[:256]), **monitor)
    history = model.fit(x, y, epochs=epochs, verbose=0, callbacks=[schedule, monitor_cb])
    return log, monitor_cb, history


def test_the_collapse_is_caught_and_dated(tmp_path, capsys):
    log, monitor, history = train(tmp_path, lr_after=50.0)
    printed = capsys.readouterr().out
    t = read_log(log)
    assert len(t.epochs) == 6 and t.header["outputs"] == ["price"]
    assert monitor.collapsed_epoch is not None and monitor.collapsed_epoch > 3  # healthy before the switch
    assert t.onset_epoch == monitor.collapsed_epoch and t.onset_layer in ("trunk_1", "trunk_2", "price")
    assert f"epoch {monitor.collapsed_epoch}: head 'price' collapsed" in printed
    assert t.sentence().startswith(f"The collapse began at epoch {t.onset_epoch}")


def test_stop_on_collapse_and_a_log_cut_mid_write(tmp_path):
    log, monitor, history = train(tmp_path, lr_after=50.0, epochs=10, stop_on_collapse=True)
    assert len(history.history["loss"]) == monitor.collapsed_epoch < 10
    text = log.read_text()
    log.write_text(text + text.splitlines()[-1][:100])  # a kill in the middle of the next line
    t = read_log(log)
    assert len(t.epochs) == monitor.collapsed_epoch and t.skipped == 1


def test_no_collapse_and_the_timeline_command(tmp_path):
    log, monitor, _ = train(tmp_path, lr_after=0.01, epochs=4)
    assert monitor.collapsed_epoch is None
    out = subprocess.run([sys.executable, "-m", "inspector", "timeline", str(log), "--json", str(tmp_path / "t.json"),
                          "--png", str(tmp_path / "t.png")], capture_output=True, text=True, check=True).stdout
    assert "No collapse in 4 measured epochs" in out
    doc = json.loads((tmp_path / "t.json").read_text())
    assert doc["collapse"]["epoch"] is None and doc["epochs"] == [1, 2, 3, 4]
    assert set(doc["layers"]) >= {"trunk_1", "trunk_2", "price"}
    assert (tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"


def test_a_file_that_is_not_a_log_is_one_line(tmp_path):
    bad = tmp_path / "bad.log"
    bad.write_text("hello\n")
    proc = subprocess.run([sys.executable, "-m", "inspector", "timeline", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.strip().startswith("error:") and len(proc.stderr.splitlines()) == 1
