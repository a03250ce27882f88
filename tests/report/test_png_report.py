"""The PNG report: a valid picture of the expected size whose regions hold content, for a collapsed and a healthy
model; written atomically and never over an input file."""

from __future__ import annotations

import numpy as np
import pytest

from inspector.analysis.diagnose import DiagnoseOptions, diagnose_steps
from inspector.progress import run
from tests import models

pytestmark = pytest.mark.slow


def _diagnosis(tmp_path, collapsed: bool):
    k = models.keras()
    init = "zeros" if collapsed else "glorot_uniform"
    inp = k.Input((6,), name="x")
    h = k.layers.Dense(12, activation="relu", kernel_initializer=init, name="trunk")(inp)
    outs = [k.layers.Dense(1, name=f"head_{i}")(k.layers.Dense(4, activation="relu", name=f"b{i}")(h))
            for i in range(2)]
    path = models.save_both(k.Model(inp, outs), tmp_path, "m")["keras"]
    x = np.random.default_rng(0).normal(size=(120, 6)).astype("float32")
    np.savez(tmp_path / "d.npz", x=x, y=np.stack([x[:, 0], x[:, 1]], axis=1))
    return run(diagnose_steps(path, DiagnoseOptions(data=str(tmp_path / "d.npz"))))


@pytest.mark.parametrize("collapsed", [True, False])
def test_report_is_a_png_with_content_everywhere(tmp_path, collapsed):
    from PySide6.QtGui import QImage

    from inspector.report.render import render_png

    d = _diagnosis(tmp_path, collapsed)
    assert d.collapsed is collapsed
    data = render_png(d)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = QImage.fromData(data)
    assert image.width() == 3200 and 1600 < image.height() < 12000
    # header, graph, plots and findings: every horizontal band of the picture holds something drawn
    bands = 6
    for band in range(bands):
        y0, y1 = image.height() * band // bands, image.height() * (band + 1) // bands
        colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(y0, y1, 29)}
        assert len(colours) > 3, f"band {band} of the report is blank"
    # the verdict line is red when collapsed, green when healthy
    reds = sum(1 for x in range(0, 2400, 3) for y in range(150, 260, 3)
               if (c := image.pixelColor(x, y)).red() > 180 and c.green() < 80 and c.blue() < 80)
    assert (reds > 50) is collapsed


def test_cli_png_is_written_atomically(tmp_path):
    from inspector.cli import main

    d = _diagnosis(tmp_path, True)
    out = tmp_path / "r.png"
    assert main(["diagnose", d.info.path, "--data", str(tmp_path / "d.npz"), "--png", str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert not list(tmp_path.glob(".keras-inspector-*"))  # no temporary left behind
