"""The window's dialogs: one route for errors (a readable line, details for bugs), About, and trusting code."""

from __future__ import annotations

import traceback

from PySide6.QtWidgets import QMessageBox, QWidget

from inspector import __version__
from inspector.errors import InspectorError


def show_error(parent: QWidget | None, error: BaseException, title: str = "keras-inspector") -> QMessageBox:
    """User errors show their one line; anything else is a bug and carries the traceback under Details."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    if isinstance(error, InspectorError):
        box.setText(str(error))
    else:
        box.setText(f"keras-inspector hit a bug: {type(error).__name__}: {error}")
        box.setInformativeText("The window is still usable. Please report this with the details below.")
        box.setDetailedText("".join(traceback.format_exception(type(error), error, error.__traceback__)))
    box.setObjectName("errorDialog")
    box.open()
    return box


def confirm_trust(parent: QWidget | None, risks: list) -> bool:
    names = "\n".join(f"• {r.layer}: {r.reason}" for r in risks[:12])
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Run code from this model file?")
    box.setText("Running data through this model needs code stored in the file, which would run on your "
                "machine with your permissions:")
    box.setInformativeText(names + "\n\nOnly continue if you trust where this file came from. Without it, the "
                           "layers before these are still measured.")
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes


def show_about(parent: QWidget | None) -> None:
    QMessageBox.about(parent, "About keras-inspector",
                      f"<b>keras-inspector {__version__}</b><p>Find out why a Keras model predicts the same value "
                      "for everything.</p><p>MIT licence. Graph layout by grandalf (EPL-1.0).</p>")
