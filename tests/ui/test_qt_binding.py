"""The Qt binding itself must not corrupt the interpreter: PySide6 6.12.0 on Python 3.11 drops one reference to
None every time Qt calls a Python slot, so the window died with "Fatal Python error: deallocating None" after a
few thousand events (the window benchmark did, opening a model). pyproject.toml keeps that release out on
Python < 3.12; this test guards the pin, whatever gets installed."""

from __future__ import annotations

import sys


def test_qt_calling_python_slots_keeps_none_alive(qapp):
    from PySide6.QtCore import QTimer

    calls = []
    timer = QTimer()
    timer.setInterval(0)
    timer.timeout.connect(lambda: calls.append(1))
    before = sys.getrefcount(None)
    timer.start()
    while len(calls) < 500:
        qapp.processEvents()
    timer.stop()
    lost = before - sys.getrefcount(None)
    assert lost < 50, f"{lost} references to None lost in {len(calls)} slot calls: a broken Qt binding"
