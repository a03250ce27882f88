"""The approved-image comparison (tests/imaging.py) on synthetic pictures, no window: it lets antialiasing and
one-pixel noise pass and fails on a change a reader would see, and a failure leaves the drawing and a diff
where the message says."""

from __future__ import annotations

import numpy as np
import pytest

from tests import imaging

FACTOR = 2  # drawn at twice the compared size, like the window's and the report's pictures
W, H = 640, 400  # drawing pixels


def scene(dx: float = 0.0, dy: float = 0.0, *, recolour: bool = False, drop_label: bool = False,
          plot_shift: float = 0.0, marker: bool = True, threshold: bool = True, legend_at: tuple[float, float] = (16, 12),
          node_height: float = 44.0):  # noqa: ANN201 - QImage
    """A small graph and plot like the window's: three nodes with labels and edges, a legend strip, a histogram
    with a constant marker and a line plot; everything offset by (dx, dy)."""
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

    image = QImage(W, H, QImage.Format.Format_RGB32)
    image.fill(QColor("#ffffff"))
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    p.translate(dx, dy)
    nodes = [("trunk_1", QPointF(120, 90), "#d62728"), ("b1", QPointF(60, 200), "#ff9f1c" if not recolour
                                                              else "#9467bd"), ("head_0", QPointF(180, 200), "#a6cee3")]
    p.setPen(QPen(QColor("#888888"), 2))
    for _, centre, _ in nodes[1:]:
        p.drawLine(nodes[0][1], centre)
    for name, centre, fill in nodes:
        rect = QRectF(centre.x() - 50, centre.y() - node_height / 2, 100, node_height)
        p.setPen(QPen(QColor("#444444"), 2))
        p.setBrush(QColor(fill))
        p.drawRoundedRect(rect, 6, 6)
        if not (drop_label and name == "b1"):
            p.setPen(QColor("#111111"))
            p.setFont(QFont("DejaVu Sans", 11, QFont.Weight.Bold))
            p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), name)
    p.setPen(QPen(QColor("#cccccc"), 1))
    p.setBrush(QColor("#f4f4f4"))
    legend = QRectF(*legend_at, 200, 26)
    p.drawRect(legend)
    p.setFont(QFont("DejaVu Sans", 9))
    for i, (text, colour) in enumerate((("responsible", "#d62728"), ("suspect", "#ff9f1c"))):
        p.setBrush(QColor(colour))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawRect(QRectF(legend.x() + 8 + i * 100, legend.y() + 8, 10, 10))
        p.setPen(QColor("#222222"))
        p.drawText(QPointF(legend.x() + 22 + i * 100, legend.y() + 18), text)
    # a histogram of targets with the constant output marked on it
    area = QRectF(320, 40, 280, 150)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#bbbbbb"))
    for i, count in enumerate([3, 8, 15, 22, 30, 26, 18, 11, 6, 2]):
        p.drawRect(QRectF(area.x() + i * 28, area.bottom() - count * 4.5, 26, count * 4.5))
    if marker:
        p.setPen(QPen(QColor("#d62728"), 4))
        p.drawLine(QPointF(area.x() + 150, area.top()), QPointF(area.x() + 150, area.bottom()))
    # a spread plot: a line falling to zero at one layer, below a hairline threshold
    if threshold:
        p.setPen(QPen(QColor("#d62728"), 2))
        p.drawLine(QPointF(320, 330), QPointF(600, 330))
    p.translate(plot_shift, 0)
    p.setPen(QPen(QColor("#1f77b4"), 3))
    points = [QPointF(330 + i * 26, 250 + (0 if i < 6 else 110)) for i in range(11)]
    for a, b in zip(points, points[1:], strict=False):
        p.drawLine(a, b)
    p.end()
    return image


def shown(image) -> np.ndarray:  # noqa: ANN001
    return imaging.prepare(image, FACTOR)


@pytest.fixture(scope="module")
def approved(qapp) -> np.ndarray:
    return shown(scene())


def test_the_scene_is_drawn_the_same_twice(approved):
    assert imaging.compare(shown(scene()), approved).count == 0


def _noisy(array: np.ndarray, seed: int, amplitude: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(array.astype(np.int16) + rng.integers(-amplitude, amplitude + 1, array.shape), 0, 255).astype(np.uint8)


def _speckled(array: np.ndarray, seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = array.copy()
    out[rng.integers(0, array.shape[0], n), rng.integers(0, array.shape[1], n)] = rng.integers(0, 256, (n, 3))
    return out


@pytest.mark.parametrize("what, picture", [
    ("everything a quarter pixel lower", lambda: shown(scene(0.0, 0.5))),
    ("everything half a pixel to the right", lambda: shown(scene(1.0, 0.0))),
    ("everything one pixel down and right", lambda: shown(scene(2.0, 2.0))),
    ("a pixel-level shimmer everywhere", lambda: _noisy(shown(scene()), 1, 20)),
    ("40 stray pixels anywhere", lambda: _speckled(shown(scene()), 2, 40)),
    ("one pixel black", lambda: _speckled(shown(scene()), 3, 1)),
])
def test_noise_passes(approved, what, picture):
    result = imaging.compare(picture(), approved)
    assert result.ok, f"{what}: {result.describe()}"


@pytest.mark.parametrize("what, kwargs", [
    ("a node recoloured (suspect drawn as dead downstream)", {"recolour": True}),
    ("the label 'b1' missing", {"drop_label": True}),
    ("the spread plot shifted by 10 px", {"plot_shift": 10.0}),
    ("the constant marker missing from the histogram", {"marker": False}),
    ("the legend over the trunk_1 node", {"legend_at": (40, 78)}),
    ("a one-pixel threshold line missing", {"threshold": False}),
    ("the nodes squashed to slivers", {"node_height": 10.0}),
])
def test_a_real_change_fails(approved, what, kwargs):
    result = imaging.compare(shown(scene(**kwargs)), approved)
    assert not result.ok, f"{what} passed: {result.describe()}"


def test_a_real_change_fails_under_noise_too(approved):
    """The label missing is still found when the whole picture also shimmers and is half a pixel off."""
    result = imaging.compare(_noisy(shown(scene(1.0, 1.0, drop_label=True)), 4, 12), approved)
    assert not result.ok, result.describe()
    x, y = result.worst_at
    assert 0 <= x <= 110 / FACTOR and 160 / FACTOR <= y + imaging.Tolerance().spot and y <= 240 / FACTOR  # at b1


def test_a_failure_saves_the_drawing_and_a_diff_and_names_them(qapp, tmp_path, monkeypatch):
    from PySide6.QtGui import QImage

    folder, out = tmp_path / "approved", tmp_path / "failures"
    monkeypatch.setenv(imaging.FAILURES_ENV, str(out))
    monkeypatch.delenv(imaging.APPROVE_ENV, raising=False)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(AssertionError, match="no approved image") as missing:
        imaging.assert_approved("scene", scene(), FACTOR, folder=folder)
    assert str(out / "scene.actual.png") in str(missing.value) and "python -m tests.imaging approve scene" in str(
        missing.value)

    monkeypatch.setenv(imaging.APPROVE_ENV, "other,scene")  # the approval command's way
    imaging.assert_approved("scene", scene(), FACTOR, folder=folder)
    assert (folder / "scene.png").exists()
    assert [f.name for f in out.glob("scene.*")] == ["scene.full.png"]  # the old failure gone, the drawing to read
    monkeypatch.delenv(imaging.APPROVE_ENV)
    imaging.assert_approved("scene", scene(0.0, 0.5), FACTOR, folder=folder)  # antialiasing noise: passes

    with pytest.raises(AssertionError) as changed:
        imaging.assert_approved("scene", scene(marker=False), FACTOR, folder=folder)
    message = str(changed.value)
    actual, diff = out / "scene.actual.png", out / "scene.diff.png"
    assert str(actual) in message and str(diff) in message and "pixels differ" in message
    assert QImage(str(actual)).size() == QImage(str(folder / "scene.png")).size()
    magenta = imaging.to_array(diff) == np.array([255, 0, 255], np.uint8)
    ys, xs = np.nonzero(magenta.all(axis=2))
    assert len(xs) and set(range(232, 238)) & set(xs.tolist())  # the marker's column: (320 + 150) / 2
    assert (out / "scene.approved.png").exists()


def test_a_new_size_fails_and_masks_are_left_out(qapp, tmp_path, monkeypatch):
    from PySide6.QtGui import QImage

    monkeypatch.setenv(imaging.FAILURES_ENV, str(tmp_path / "failures"))
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv(imaging.APPROVE_ENV, "scene")
    imaging.assert_approved("scene", scene(), FACTOR, masks=[(300, 220, 340, 180)], folder=tmp_path)
    monkeypatch.delenv(imaging.APPROVE_ENV)
    # what changes under the mask (the plot) is not compared; what changes outside it is
    imaging.assert_approved("scene", scene(plot_shift=10.0), FACTOR, masks=[(300, 220, 340, 180)], folder=tmp_path)
    with pytest.raises(AssertionError, match="pixels differ"):
        imaging.assert_approved("scene", scene(marker=False), FACTOR, masks=[(300, 220, 340, 180)], folder=tmp_path)
    with pytest.raises(AssertionError, match="drawn 320x150, approved 320x200"):
        imaging.assert_approved("scene", scene().copy(0, 0, W, 300), FACTOR, folder=tmp_path)
    assert QImage(str(tmp_path / "failures" / "scene.actual.png")).size().toTuple() == (320, 150)


def test_approving_all_keeps_a_picture_within_tolerance_and_never_runs_on_ci(qapp, tmp_path, monkeypatch):
    monkeypatch.setenv(imaging.FAILURES_ENV, str(tmp_path / "failures"))
    monkeypatch.delenv("CI", raising=False)
    approved = tmp_path / "scene.png"
    monkeypatch.setenv(imaging.APPROVE_ENV, "scene")
    imaging.assert_approved("scene", scene(), FACTOR, folder=tmp_path)
    first = approved.read_bytes()
    monkeypatch.setenv(imaging.APPROVE_ENV, "all")
    imaging.assert_approved("scene", scene(0.5, 0.5), FACTOR, folder=tmp_path)  # within tolerance: kept
    assert approved.read_bytes() == first
    imaging.assert_approved("scene", scene(marker=False), FACTOR, folder=tmp_path)  # a real change: written
    assert approved.read_bytes() != first
    assert (tmp_path / "failures" / "scene.approval-diff.png").exists()  # what changed, to look at
    monkeypatch.setenv("CI", "true")
    with pytest.raises(AssertionError, match="on CI"):
        imaging.assert_approved("scene", scene(), FACTOR, folder=tmp_path)
