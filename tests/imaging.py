"""Approved-image tests: a picture the code draws is compared with the approved PNG under tests/approved/.

The comparison tolerates what antialiasing and sub-pixel placement change and fails on what a reader would see:

* a pixel matches the other picture when each of its R, G, B values lies within the range that channel takes
  within `Tolerance.reach` pixels of the same place in the other picture, give or take `Tolerance.pixel`
  (0-255) and, across an edge, that range again (`Tolerance.edge`: a line thinner than two pixels moved by a
  fraction of one gathers its ink into one pixel or spreads it over two): an edge or a glyph moved by up to a
  pixel, or antialiased a shade differently, still matches; a flat area recoloured, a line or a glyph gone
  (the other picture is flat there), do not;
* this is checked both ways (every pixel of the actual picture against the approved one and every pixel of the
  approved picture against the actual one): so a label that disappears fails as surely as one that appears;
* the picture fails when the pixels that match nothing are concentrated (more than `Tolerance.spot_pixels` of
  them in some `spot` x `spot` square: a recoloured node, a missing label, a shifted plot, a box over a node) or
  too many overall (`Tolerance.fraction`); a few scattered ones are noise.

On a failure the actual picture, a diff picture (the approved one faded, the differing pixels in magenta, the
worst square framed) and a copy of the approved one are written to tests/.image-failures/ (or to
$KERAS_INSPECTOR_IMAGE_FAILURES, for a CI to keep as artifacts), and the assertion message names them; where
the picture is compared shrunk, the full-size drawing too (NAME.full.png), to read its text.

When a drawing changes on purpose, look at the new picture, then approve it:

    python -m tests.imaging approve [NAME...]   # reruns the image tests, writing the named (default: all) images
    python -m tests.imaging list                # the approved images and their sizes

which runs the image tests with KERAS_INSPECTOR_APPROVE set (a comma-separated list of names, or "all") and
says, for each image, whether it changed and where its old-versus-new diff is. With "all", a picture within
tolerance of its approved one is kept (no churn); a named one is always rewritten. Never on CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
APPROVED = HERE / "approved"
FAILURES_ENV = "KERAS_INSPECTOR_IMAGE_FAILURES"
APPROVE_ENV = "KERAS_INSPECTOR_APPROVE"
IMAGE_TESTS = ["tests/ui/test_approved_images.py", "tests/report/test_approved_report.py"]
MASK_COLOUR = (128, 128, 128)  # where a region is left out of the comparison (a path, a date), in both pictures


@dataclass(frozen=True)
class Tolerance:
    pixel: int = 40  # how far (0-255) a channel may lie outside the other picture's range around it...
    edge: float = 1.0  # ...plus this share of that range: more across an edge than inside a flat area
    reach: int = 1  # how far (px) a pixel may look for its match in the other picture
    spot: int = 20  # side (px) of the squares a concentrated change is looked for in
    spot_pixels: int = 15  # differing pixels allowed in any one square
    fraction: float = 0.001  # differing pixels allowed in the whole picture


@dataclass(frozen=True)
class Comparison:
    differing: np.ndarray  # bool (h, w): pixels that match nothing within reach in the other picture
    worst_spot: int  # differing pixels in the worst square
    worst_at: tuple[int, int]  # (x, y) of that square's top-left corner
    tolerance: Tolerance

    @property
    def count(self) -> int:
        return int(self.differing.sum())

    @property
    def ok(self) -> bool:
        t = self.tolerance
        return self.worst_spot <= t.spot_pixels and self.count <= t.fraction * self.differing.size

    def describe(self) -> str:
        t = self.tolerance
        x, y = self.worst_at
        return (f"{self.count} pixels differ by more than {t.pixel} (allowed {t.fraction * self.differing.size:.0f}), "
                f"{self.worst_spot} of them in the {t.spot}x{t.spot} square at x={x}, y={y} "
                f"(allowed {t.spot_pixels})")


# --- pictures as arrays ---------------------------------------------------------------------------------------

def to_array(image) -> np.ndarray:  # noqa: ANN001 - QImage, QPixmap, PNG bytes, a path or an (h, w, 3) array
    """An (h, w, 3) uint8 RGB array of a picture, whatever form it comes in."""
    if isinstance(image, np.ndarray):
        return image[..., :3].astype(np.uint8)
    from PySide6.QtGui import QImage, QPixmap

    if isinstance(image, (bytes, bytearray)):
        image = QImage.fromData(bytes(image))
    elif isinstance(image, (str, Path)):
        image = QImage(str(image))
    elif isinstance(image, QPixmap):
        image = image.toImage()
    if image.isNull():
        raise ValueError("not a readable picture")
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, stride = image.height(), image.width(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return raw[:, : w * 3].reshape(h, w, 3).copy()


def to_qimage(array: np.ndarray):  # noqa: ANN201 - QImage
    from PySide6.QtGui import QImage

    array = np.ascontiguousarray(array[..., :3], dtype=np.uint8)
    h, w, _ = array.shape
    return QImage(array.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def save_png(array: np.ndarray, path: Path) -> Path:
    """Written beside and renamed over, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    if not to_qimage(array).save(str(partial), "PNG"):
        raise OSError(f"could not write {partial}")
    os.replace(partial, path)
    return path


def shrink(array: np.ndarray, factor: int) -> np.ndarray:
    """Each `factor` x `factor` block averaged into one pixel (what a half-size picture shows; it also smooths
    antialiasing noise). The edges past the last whole block are dropped."""
    if factor == 1:
        return array
    h, w = array.shape[0] // factor * factor, array.shape[1] // factor * factor
    blocks = array[:h, :w].astype(np.float32).reshape(h // factor, factor, w // factor, factor, 3)
    return np.rint(blocks.mean(axis=(1, 3))).astype(np.uint8)


def masked(array: np.ndarray, rects: list[tuple[int, int, int, int]]) -> np.ndarray:
    """The picture with each (x, y, w, h) rectangle painted MASK_COLOUR: left out of the comparison."""
    out = array.copy()
    for x, y, w, h in rects:
        out[max(y, 0):max(y + h, 0), max(x, 0):max(x + w, 0)] = MASK_COLOUR
    return out


# --- the comparison -------------------------------------------------------------------------------------------

def _unmatched(a: np.ndarray, b: np.ndarray, t: Tolerance) -> np.ndarray:
    """Pixels of `a` outside the envelope of `b` around the same place: some channel below the darkest or above
    the brightest value of that channel within `reach`, by more than `pixel`. An edge moved by a fraction of a
    pixel gives intermediate values, inside the envelope; a recoloured area, a line or a glyph gone, do not."""
    h, w, _ = a.shape
    r = t.reach
    padded = np.pad(b, ((r, r), (r, r), (0, 0)), mode="edge")
    low, high = b.copy(), b.copy()
    for dy in range(2 * r + 1):
        for dx in range(2 * r + 1):
            window = padded[dy:dy + h, dx:dx + w]
            np.minimum(low, window, out=low)
            np.maximum(high, window, out=high)
    a16, low16, high16 = a.astype(np.int16), low.astype(np.int16), high.astype(np.int16)
    outside = np.maximum(low16 - a16, a16 - high16)
    allowed = t.pixel + (high16 - low16) * t.edge  # across an edge, a thin line may gather or spread its ink
    return (outside > allowed).any(axis=2)


def compare(actual: np.ndarray, approved: np.ndarray, tolerance: Tolerance = Tolerance()) -> Comparison:
    if actual.shape != approved.shape:
        raise ValueError(f"sizes differ: {actual.shape[1]}x{actual.shape[0]} drawn, "
                         f"{approved.shape[1]}x{approved.shape[0]} approved")
    differing = _unmatched(actual, approved, tolerance) | _unmatched(approved, actual, tolerance)
    s = min(tolerance.spot, *differing.shape)
    sums = np.pad(differing.astype(np.int32).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    squares = sums[s:, s:] - sums[:-s, s:] - sums[s:, :-s] + sums[:-s, :-s]
    y, x = np.unravel_index(int(np.argmax(squares)), squares.shape)
    return Comparison(differing, int(squares[y, x]), (int(x), int(y)), tolerance)


def diff_picture(approved: np.ndarray, differing: np.ndarray, frame: tuple[int, int, int] | None = None) -> np.ndarray:
    """The approved picture faded to a quarter of its contrast, differing pixels magenta, the worst square framed
    in black (x, y, side)."""
    out = (255 - (255 - approved.astype(np.float32)) * 0.25).astype(np.uint8)
    out[differing] = (255, 0, 255)
    if frame is not None:
        x, y, s = frame
        x0, y0, x1, y1 = max(x - 2, 0), max(y - 2, 0), min(x + s + 1, out.shape[1] - 1), min(y + s + 1, out.shape[0] - 1)
        out[y0:y1 + 1, [x0, x1]] = 0
        out[[y0, y1], x0:x1 + 1] = 0
    return out


# --- the assertion --------------------------------------------------------------------------------------------

def failures_folder() -> Path:
    return Path(os.environ.get(FAILURES_ENV) or HERE / ".image-failures")


def approving(name: str) -> str | None:
    """"named" or "all" when KERAS_INSPECTOR_APPROVE asks to approve this picture, else None. Never on CI: a
    picture is approved by someone who has looked at it."""
    names = {n.strip() for n in os.environ.get(APPROVE_ENV, "").split(",") if n.strip()}
    if names and os.environ.get("CI"):
        raise AssertionError(f"{APPROVE_ENV} is set on CI: approve pictures on a machine where you look at them")
    return "named" if name in names else "all" if "all" in names else None


def prepare(image, factor: int = 1, masks: list[tuple[int, int, int, int]] = ()) -> np.ndarray:  # noqa: ANN001
    """The picture as `assert_approved` compares and approves it: masks painted (in the picture's own pixels),
    then shrunk."""
    return shrink(masked(to_array(image), list(masks)), factor)


def assert_approved(name: str, image, factor: int = 1, masks: list[tuple[int, int, int, int]] = (),  # noqa: ANN001
                    tolerance: Tolerance = Tolerance(), folder: Path = APPROVED) -> None:
    """Fail unless `image`, with `masks` left out and shrunk by `factor`, matches folder/NAME.png within
    `tolerance`; with KERAS_INSPECTOR_APPROVE naming it, write it there instead (the approval command). Where it
    is shrunk, the full-size drawing is also left in the failures folder (NAME.full.png), to read its text."""
    full = masked(to_array(image), list(masks))
    actual = shrink(full, factor)
    approved_path = folder / f"{name}.png"
    out = failures_folder()
    for stale in out.glob(f"{name}.*.png"):
        stale.unlink()
    how = approving(name)
    if how:
        if approved_path.exists():  # what changed, for the approval command to point at
            kept = _note_change(name, actual, to_array(approved_path), tolerance, out)
            if kept and how == "all":  # no churn in the history for a change within tolerance
                return
        save_png(actual, approved_path)
        print(f"approved {approved_path}" + (f" (full size: {_save_full(name, full, factor, out)})" if factor > 1
                                              else ""))
        return
    actual_path = out / f"{name}.actual.png"
    approve = f"look at it, then approve it with `python -m tests.imaging approve {name}`"
    if not approved_path.exists():
        save_png(actual, actual_path)
        _save_full(name, full, factor, out)
        raise AssertionError(f"no approved image {approved_path}: the drawing is in {actual_path}; {approve}")
    expected = to_array(approved_path)
    if expected.shape != actual.shape:
        save_png(actual, actual_path)
        _save_full(name, full, factor, out)
        raise AssertionError(f"{name}: drawn {actual.shape[1]}x{actual.shape[0]}, approved "
                             f"{expected.shape[1]}x{expected.shape[0]} ({approved_path}); the drawing is in "
                             f"{actual_path}; if the new size is intended, {approve}")
    result = compare(actual, expected, tolerance)
    if result.ok:
        return
    save_png(actual, actual_path)
    _save_full(name, full, factor, out)
    diff_path = save_png(diff_picture(expected, result.differing, (*result.worst_at, tolerance.spot)),
                         out / f"{name}.diff.png")
    save_png(expected, out / f"{name}.approved.png")
    raise AssertionError(f"{name} differs from {approved_path}: {result.describe()}. Drawn: {actual_path}; "
                         f"diff (magenta: differing, framed: the worst square): {diff_path}; if the change is "
                         f"intended, {approve}")


def _save_full(name: str, full: np.ndarray, factor: int, out: Path) -> Path | None:
    return save_png(full, out / f"{name}.full.png") if factor > 1 else None


def _note_change(name: str, new: np.ndarray, old: np.ndarray, tolerance: Tolerance, out: Path) -> bool:
    """Say how the new picture differs from the approved one; True when the old one still passes."""
    if new.shape != old.shape:
        print(f"{name}: size {old.shape[1]}x{old.shape[0]} -> {new.shape[1]}x{new.shape[0]}")
        return False
    result = compare(new, old, tolerance)
    if result.count == 0:
        print(f"{name}: unchanged")
        return True
    path = save_png(diff_picture(old, result.differing, (*result.worst_at, tolerance.spot)),
                    out / f"{name}.approval-diff.png")
    verdict = "within tolerance (kept unless named)" if result.ok else "CHANGED"
    print(f"{name}: {verdict}, {result.describe()}; old versus new: {path}")
    return result.ok


# --- the approval command -------------------------------------------------------------------------------------

def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("approve", "list"):
        print("usage: python -m tests.imaging approve [NAME...] | list", file=sys.stderr)
        return 2
    if argv[0] == "list":
        for path in sorted(APPROVED.glob("*.png")):
            w, h = to_array(path).shape[1::-1]
            print(f"{path.stem}  {w}x{h}  {path.stat().st_size // 1024} KB")
        return 0
    names = argv[1:] or ["all"]
    env = {**os.environ, APPROVE_ENV: ",".join(names), "QT_QPA_PLATFORM": "offscreen"}
    root = HERE.parent
    before = {p.stem: p.stat().st_mtime_ns for p in APPROVED.glob("*.png")}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *IMAGE_TESTS],
                            cwd=root, env=env, check=False)
    after = {p.stem: p.stat().st_mtime_ns for p in APPROVED.glob("*.png")}
    missed = [n for n in names if n != "all" and after.get(n, 0) == before.get(n, 0)]
    if missed:
        print(f"not written (no image test draws these names, or its test failed first): {', '.join(missed)}")
    print(f"\nLook at each approved picture before committing it: {APPROVED.relative_to(root)}/<NAME>.png "
          f"(`git diff --stat {APPROVED.relative_to(root)}` lists the changed ones).")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
