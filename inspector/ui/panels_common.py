"""Bits the panels share: a scrollable column that is rebuilt on every update, work for the GUI thread in
pieces, and number formatting."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel, QScrollArea, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget


class InPieces(QObject):
    """Steps for the GUI thread run one per turn of the event loop, so that the window repaints and takes input
    between them (drawing a diagnosis of a 1,000-layer model panel after panel, not in one 400 ms block).
    Running new steps, or `cancel`, drops those still waiting.

    A zero-interval QTimer, not QTimer.singleShot(0): Qt 6 turns the latter into a posted event, and events
    posted while posted events are delivered are delivered in the same pass, so the steps would run back to back
    with no timer, paint or input in between."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._steps: deque[Callable[[], object]] = deque()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._next)

    @property
    def pending(self) -> int:
        return len(self._steps)

    def run(self, steps: list[Callable[[], object]]) -> None:
        self._steps = deque(steps)
        self._timer.start()

    def cancel(self) -> None:
        self._steps = deque()
        self._timer.stop()

    def _next(self) -> None:
        if not self._steps:
            return
        step = self._steps.popleft()
        if self._steps:
            self._timer.start()  # before the step: one that fails does not strand the rest
        step()


class Column(QScrollArea):
    """A vertical stack of widgets, replaced as a whole when what it shows changes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self._reset()

    def _reset(self) -> None:
        self.body = QWidget()
        self.box = QVBoxLayout(self.body)
        self.box.setContentsMargins(8, 8, 8, 8)
        self.setWidget(self.body)

    def clear(self) -> None:
        old = self.takeWidget()
        if old is not None:
            old.deleteLater()
        self._reset()

    def add(self, widget: QWidget, stretch: int = 0) -> QWidget:
        """Stack a widget; one with a stretch takes the room the column gains when its dock grows."""
        self.box.addWidget(widget, stretch)
        return widget

    def label(self, html: str, name: str | None = None) -> QLabel:
        label = QLabel(html)
        label.setWordWrap(True)
        label.setTextFormat(label.textFormat().RichText)
        if name:
            label.setObjectName(name)
        self.box.addWidget(label)
        return label

    def finish(self) -> None:
        """End the column; spare room goes below the last widget unless one of them stretches."""
        if not any(self.box.stretch(i) for i in range(self.box.count())):
            self.box.addStretch(1)


def fmt(value: float | None) -> str:
    if value is None:
        return "–"
    if value != value:  # NaN
        return "NaN"
    return f"{value:.4g}"


def table(headers: list[str], rows: list[list[str]], name: str | None = None) -> QTableWidget:
    widget = QTableWidget(len(rows), len(headers))
    widget.setHorizontalHeaderLabels(headers)
    widget.verticalHeader().setVisible(False)
    widget.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            widget.setItem(r, c, QTableWidgetItem(text))
    widget.resizeColumnsToContents()
    height = min(36 + 30 * len(rows), 320)
    widget.setMinimumHeight(height)
    widget.setMaximumHeight(height + 20)
    if name:
        widget.setObjectName(name)
    return widget
