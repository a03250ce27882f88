"""Window tests: a fresh settings file per test, and no window left open afterwards (napari's leak check)."""

from __future__ import annotations

import pytest


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
