"""The PNG report compared with approved pictures (tests/imaging.py): the demo (three collapsed regression heads)
and a deep chain whose 25th layer is dead.

They catch what the report's band and colour probes cannot name: a head's constant marker behind the target bars
or gone, a count axis missing, the spread plot's last label clipped, the legend at the foot of the page, the
right column left blank beside a long graph. The report pins its own font (DejaVu Sans) and size; the facts
line's creation time and version are given fixed values (built with `build_content`, then painted), so the
pixels hold no date, version or path. Approve new pictures with `python -m tests.imaging approve` after looking
at them.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest

from tests import imaging, models

pytestmark = pytest.mark.slow

FACTOR = 4  # the 2x PNG compared and approved at half its logical size (800 px wide, ~250 KB)
CREATED, VERSION = "2000-01-01 00:00 UTC", "0.0.0"


def _diagnose(model: str, data: str):  # noqa: ANN202 - Diagnosis
    from inspector.analysis.diagnose import DiagnoseOptions, diagnose_steps
    from inspector.progress import run

    return run(diagnose_steps(model, DiagnoseOptions(data=data)))


def fixed_content(d, folder: str):  # noqa: ANN001, ANN201 - ReportContent
    """What the report says, with the time and version it was made in replaced by fixed ones; no text of it
    may name the folder the files are in."""
    from inspector import __version__
    from inspector.report.content import build_content

    c = build_content(d)
    facts = [f.replace(d.created, CREATED).replace(f"keras-inspector {__version__}", f"keras-inspector {VERSION}")
             for f in c.facts]
    assert facts != c.facts, "the facts line no longer shows the creation time or the version: update this test"
    c = dataclasses.replace(c, facts=facts)
    texts = [c.title, *c.facts, *c.notes, c.footer, *(cell for row in c.findings for cell in row)]
    assert not [t for t in texts if folder in t], "the report shows a machine-dependent path"
    return c


def _render(c):  # noqa: ANN001, ANN202 - QImage
    from inspector.report.render import render_image

    return render_image(c)


def test_report_of_the_demo():
    from inspector.resources import demo_paths

    model, data = demo_paths()
    d = _diagnose(str(model), str(data))
    assert d.collapsed and len(d.heads) == 3
    c = fixed_content(d, os.path.dirname(os.path.abspath(model)))
    clean = _render(c)
    imaging.assert_approved("report-demo", clean, FACTOR)
    # the comparison would catch what the issue found in the report's head plots
    first = c.head_panels[0]
    for what, spoiled in (("the constant marker missing", dataclasses.replace(first, marker=None)),
                          ("the count axis unlabelled", dataclasses.replace(first, y_label=""))):
        picture = _render(dataclasses.replace(c, head_panels=[spoiled, *c.head_panels[1:]]))
        result = imaging.compare(imaging.prepare(picture, FACTOR), imaging.prepare(clean, FACTOR))
        assert not result.ok, f"{what} would pass the image test: {result.describe()}"


def test_report_of_a_deep_chain(tmp_path):
    k = models.keras()
    layers = [k.Input((6,), name="x")]
    for i in range(40):
        bias = k.initializers.Constant(-60.0) if i == 24 else "zeros"
        layers.append(k.layers.Dense(8, activation="relu", bias_initializer=bias, name=f"dense_{i}"))
    layers.append(k.layers.Dense(1, name="out"))
    model = tmp_path / "chain40.keras"
    k.Sequential(layers, name="chain40").save(model)
    x = np.random.default_rng(0).normal(size=(256, 6)).astype("float32")
    np.savez(tmp_path / "chain_data.npz", x=x, y=x[:, :1])
    d = _diagnose(str(model), str(tmp_path / "chain_data.npz"))
    assert d.collapsed and d.blame[0].layer == "dense_24"
    imaging.assert_approved("report-chain40", _render(fixed_content(d, str(tmp_path))), FACTOR)
