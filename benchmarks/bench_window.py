"""The window under load: time from opening a ~1,000-layer model to the first painted graph, zoom/pan frame times
on it, the longest event-loop stall while a 100 MB model opens and while a diagnosis runs (goal: no stall over
100 ms). Offscreen, so it runs without a display.

    python benchmarks/bench_window.py [--keep DIR]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import workspace  # noqa: E402


def build(folder: Path) -> None:
    import numpy as np
    from bench_inspect import branching_model

    if not (folder / "branching-1000.keras").exists():
        branching_model().save(folder / "branching-1000.keras")
    if not (folder / "ResNet50.keras").exists():  # the 100 MB model opened while the stall meter runs
        import keras

        keras.applications.ResNet50(weights=None).save(folder / "ResNet50.keras")
    np.savez(folder / "branching-data.npz", x=np.random.default_rng(0).normal(size=(2000, 32)).astype("float32"))


class StallMeter:
    """A 10 ms timer: the largest gap between its ticks is the longest time the event loop was blocked."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.last = time.perf_counter()
        self.worst = 0.0
        self.excluded: list[tuple[float, float]] = []  # intervals spent drawing the finished result
        self.where = ""
        self.stage = lambda: ""
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self.tick)

    def tick(self) -> None:
        now = time.perf_counter()
        gap = now - self.last
        if not any(start >= self.last - 1e-3 and end <= now + 1e-3 for start, end in self.excluded):
            if gap > self.worst:
                self.worst = gap
                self.where = self.stage()
        self.last = now

    def start(self) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0
        self.timer.start()


def main() -> None:
    folder = workspace(__file__, __doc__, build, ["branching-1000.keras", "branching-data.npz", "ResNet50.keras"])

    from PySide6.QtCore import QEvent, QObject, QSettings
    from PySide6.QtWidgets import QApplication

    from inspector.ui.main_window import MainWindow

    app = QApplication([])
    window = MainWindow(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    window.show()
    painted: dict[str, float] = {}

    class PaintWatch(QObject):
        def eventFilter(self, obj, event):  # noqa: N802, ANN001
            if event.type() == QEvent.Type.Paint and window.graph.nodes and "t" not in painted:
                painted["t"] = time.perf_counter()
            return False

    watch = PaintWatch()
    window.graph.viewport().installEventFilter(watch)
    start = time.perf_counter()
    window.open_model(str(folder / "branching-1000.keras"))
    while "t" not in painted and time.perf_counter() - start < 120:
        app.processEvents()
        time.sleep(0.001)
    print(f"open a {len(window.inspection.info.layers)}-layer model -> first painted graph: "
          f"{painted['t'] - start:.2f} s")
    frames = []
    view = window.graph
    for step in range(30):  # wheel-zoom and pan steps, each followed by a full repaint of the view
        t0 = time.perf_counter()
        view.scale(1.1 if step < 15 else 1 / 1.1, 1.1 if step < 15 else 1 / 1.1)
        view.horizontalScrollBar().setValue(view.horizontalScrollBar().value() + 40)
        view.verticalScrollBar().setValue(view.verticalScrollBar().value() + 120)
        view.viewport().repaint()
        frames.append(time.perf_counter() - t0)
    print(f"zoom/pan on the 1,000-layer graph: median frame {sorted(frames)[15] * 1000:.0f} ms, "
          f"worst {max(frames) * 1000:.0f} ms")
    meter_open = StallMeter()
    meter_open.stage = window.status.text
    meter_open.start()
    opened = {}
    window.model_ready.connect(lambda i: opened.setdefault("i", i))
    begin_open = time.perf_counter()
    window.open_model(str(folder / "ResNet50.keras"))
    while "i" not in opened and time.perf_counter() - begin_open < 120:
        app.processEvents()
        time.sleep(0.002)
    meter_open.timer.stop()
    size = (folder / "ResNet50.keras").stat().st_size / 1e6
    print(f"open ResNet50 ({size:.0f} MB) in the window: {time.perf_counter() - begin_open:.1f} s, longest "
          f"event-loop stall {meter_open.worst * 1000:.0f} ms (during '{meter_open.where}')")
    window.open_model(str(folder / "branching-1000.keras"))
    opened.clear()
    while "i" not in opened and time.perf_counter() - begin_open < 240:
        app.processEvents()
        time.sleep(0.002)
    meter = StallMeter()
    done = {}
    original = window._on_job_finished
    shown = {}

    def timed_result(kind, result):  # noqa: ANN001
        t0 = time.perf_counter()
        original(kind, result)
        meter.excluded.append((t0, time.perf_counter()))
        shown[kind] = time.perf_counter() - t0

    window.jobs.finished.disconnect(window._on_job_finished)
    window.jobs.finished.connect(timed_result)
    window.diagnosis_ready.connect(lambda d: done.setdefault("d", d))
    window.failed.connect(lambda m: done.setdefault("error", m))
    meter.stage = window.status.text
    meter.start()
    begin = time.perf_counter()
    window.run_diagnosis(str(folder / "branching-data.npz"))
    while not done and time.perf_counter() - begin < 900:
        app.processEvents()
        time.sleep(0.002)
    meter.timer.stop()
    print(f"diagnosis of 2,000 samples: {time.perf_counter() - begin:.1f} s; longest event-loop stall while it ran "
          f"{meter.worst * 1000:.0f} ms (goal <= 100 ms, during '{meter.where}'); drawing the result on the GUI thread "
          f"{shown.get('diagnose', float('nan')) * 1000:.0f} ms"
          f"{' ERROR ' + done['error'] if 'error' in done else ''}")
    window.close()
    sys.stdout.flush()
    # Leave without tearing Qt objects down at interpreter exit: the meter's timer and the paint filter would
    # be destroyed after the QApplication, which PySide6 answers with a crash that says nothing about the window.
    os._exit(0)


if __name__ == "__main__":
    main()
