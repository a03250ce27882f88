"""Draw the application icon (a layer graph whose last node is red) at the sizes desktops ask for.

    python resources/icons/make_icon.py
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPen  # noqa: E402

HERE = Path(__file__).resolve().parent


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 64
    p.setBrush(QColor("#202124"))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawRoundedRect(QRectF(2 * s, 2 * s, 60 * s, 60 * s), 12 * s, 12 * s)
    nodes = [(32, 14, "#a6cee3"), (18, 32, "#a6cee3"), (46, 32, "#a6cee3"), (32, 50, "#d62728")]
    p.setPen(QPen(QColor("#9aa0a6"), 2.5 * s))
    for a, b in ((0, 1), (0, 2), (1, 3), (2, 3)):
        p.drawLine(QPointF(nodes[a][0] * s, nodes[a][1] * s), QPointF(nodes[b][0] * s, nodes[b][1] * s))
    p.setPen(Qt.PenStyle.NoPen)
    for x, y, colour in nodes:
        p.setBrush(QColor(colour))
        p.drawRoundedRect(QRectF((x - 9) * s, (y - 5.5) * s, 18 * s, 11 * s), 3 * s, 3 * s)
    p.end()
    return image


if __name__ == "__main__":
    app = QGuiApplication([])
    draw(256).save(str(HERE / "keras-inspector.png"))
    for size in (16, 32, 48, 128):
        draw(size).save(str(HERE / f"keras-inspector-{size}.png"))
