"""Start the window: QApplication, one route for uncaught errors, command-line automation (--screenshot)."""

from __future__ import annotations

import os
import sys
import traceback

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from inspector.ui.main_window import MainWindow


def application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("keras-inspector")
        app.setOrganizationName("keras-inspector")
        icon = _icon_path()
        if icon:
            app.setWindowIcon(QIcon(icon))
    return app  # type: ignore[return-value]


def _icon_path() -> str | None:
    try:
        from inspector.resources import resource_dir

        path = resource_dir() / "icons" / "keras-inspector.png"
        return str(path) if path.exists() else None
    except Exception:
        return None


def install_excepthook(window: MainWindow) -> None:
    """A bug in a slot becomes a dialog with details; the window stays usable (napari's notification idea)."""

    def hook(kind, value, tb) -> None:  # noqa: ANN001
        traceback.print_exception(kind, value, tb)
        if isinstance(value, KeyboardInterrupt):
            QApplication.quit()
            return
        window.show_error(value)

    sys.excepthook = hook


def run(model: str | None = None, data: str | None = None, screenshot: str | None = None,
        diagnose: bool = False) -> int:
    app = application()
    window = MainWindow()
    install_excepthook(window)
    if screenshot:  # a picture for a ticket or the README: the default size, whatever the last run left
        window.resize(1400, 900)
        window.keep_layout = False
    window.show()
    exit_code = {"value": 0}
    if screenshot:
        def grab(*_args) -> None:  # noqa: ANN002
            if window.diagnosis is not None and window.diagnosis.blame:
                window.select_layer(window.diagnosis.blame[0].layer)
            app.processEvents()
            QTimer.singleShot(300, lambda: (window.grab().save(screenshot, "PNG"), app.quit()))

        def fail(message: str) -> None:
            print(f"error: {message}", file=sys.stderr)
            exit_code["value"] = 2
            app.quit()

        window.diagnosis_ready.connect(grab)
        window.failed.connect(fail)
        if model is not None:
            window.model_ready.connect(lambda insp: None if insp.info.has_architecture else grab())
    if model is not None:
        QTimer.singleShot(0, lambda: window.open_model(model, data if data else ("" if (diagnose or screenshot)
                                                                                 else None)))
    code = app.exec()
    window.jobs.cancel()
    window.warm.close()  # a window the app quit without closing (--screenshot) leaves no analysis process
    window.jobs.wait(10_000)
    return exit_code["value"] or code


def main_gui(model: str | None, data: str | None, screenshot: str | None, diagnose: bool) -> int:
    if screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from inspector.ui.system_libs import check_xcb

    check_xcb()  # before QApplication: a missing X11 library is one line and exit 2, not Qt's abort
    return run(model, data, screenshot, diagnose)
