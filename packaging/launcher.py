"""Entry point of the desktop bundle. A start-up failure (missing library, broken install) must not vanish
silently when started from a menu: it is written to a traceback file and shown in a native dialog."""

from __future__ import annotations

import os
import sys
import tempfile
import traceback


def _report_startup_failure() -> None:
    text = traceback.format_exc()
    path = os.path.join(tempfile.gettempdir(), "keras-inspector-startup-error.txt")
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError:
        path = "(could not be written)"
    print(text, file=sys.stderr)
    try:
        from PySide6.QtWidgets import QApplication, QMessageBox

        app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 - keeps the dialog alive
        QMessageBox.critical(None, "keras-inspector could not start",
                             f"keras-inspector could not start.\n\nDetails were written to {path}")
    except Exception:
        pass


def run() -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # the window diagnoses in a child process started from this executable
    try:
        from inspector.cli import main
    except Exception:
        _report_startup_failure()
        return 1
    return main()


if __name__ == "__main__":
    sys.exit(run())
