"""Window tests: a fresh settings file per test, and no window left open afterwards (napari's leak check)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


def save_collapsed_two_heads(folder: Path) -> tuple[Path, Path]:
    """Two regression heads behind a trunk whose ReLUs are all dead (bias -60), and data for it; saved as
    collapsed.keras/.h5 and data.npz. The window tests' collapsed model."""
    from tests import models

    k = models.keras()
    inp = k.Input((6,), name="x")
    h = k.layers.Dense(12, activation="relu", bias_initializer=k.initializers.Constant(-60.0), name="trunk")(inp)
    outs = [k.layers.Dense(1, name=f"head_{i}")(k.layers.Dense(4, activation="relu", name=f"b{i}")(h))
            for i in range(2)]
    path = models.save_both(k.Model(inp, outs), folder, "collapsed")["keras"]
    x = np.random.default_rng(0).normal(size=(3000, 6)).astype("float32")
    np.savez(folder / "data.npz", x=x, y=np.stack([x[:, 0], x[:, 1]], axis=1))
    return path, folder / "data.npz"


@pytest.fixture
def window(qtbot, tmp_path):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from inspector.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()
    QApplication.processEvents()
    leaked = [t for t in QApplication.topLevelWidgets() if t.isVisible() and t is not w
              and t.objectName() != "errorDialog"]
    assert not leaked, f"windows left open: {leaked}"
