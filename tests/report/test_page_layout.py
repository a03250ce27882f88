"""The report page's layout (report.render._layout) around the graph: beside a graph taller than the plots the
findings table starts in the right column under them and continues across the page below the graph; beside a
short graph the blocks after the spread plot fill the shorter column, so neither column is left mostly blank."""

from __future__ import annotations

import numpy as np
import pytest

from inspector.core.stats import Histogram
from inspector.report.content import HistPanel, ReportContent
from inspector.report.plot_model import diagnosis_spread
from tests.report.test_plot_model import _diagnosis


@pytest.fixture
def page(monkeypatch):
    """The page with a graph of a chosen height (the graph's own painter is not under test here), and the places
    the findings table was drawn at: (x, y, width, rows)."""
    from inspector.report import graph_paint, render

    render.ensure_app()
    tables: list[tuple[float, float, float, int]] = []
    table = render._table

    def recording(cv, rows, x, y, w):  # noqa: ANN001
        if cv.p is not None:
            tables.append((x, y, w, len(rows)))
        return table(cv, rows, x, y, w)

    monkeypatch.setattr(render, "_table", recording)
    blocks: dict[str, float] = {}  # each block's left edge: the similarity matrix, the histogram grids by title
    matrix, grid = render._matrix, render._hist_grid

    def placed_matrix(cv, c, x, y, w):  # noqa: ANN001
        blocks["matrix"] = x
        return matrix(cv, c, x, y, w)

    def placed_grid(cv, panels, x, y, w, title):  # noqa: ANN001
        blocks[title] = x
        return grid(cv, panels, x, y, w, title)

    monkeypatch.setattr(render, "_matrix", placed_matrix)
    monkeypatch.setattr(render, "_hist_grid", placed_grid)

    def draw(graph_height: float, findings: int = 12) -> tuple[ReportContent, float, list, dict]:
        monkeypatch.setattr(graph_paint, "paint_graph", lambda cv, g, area: area.y() + graph_height)
        counts, edges = np.histogram(np.random.default_rng(0).normal(size=200), bins=20)
        hist = Histogram([int(c) for c in counts], [float(e) for e in edges])
        c = ReportContent(
            "m.keras", ["facts"], "Collapsed.", True, None, diagnosis_spread(_diagnosis([0.5, 0.4, 0.0, 0.0])),
            [HistPanel(f"head {i}", hist) for i in range(2)], [HistPanel(f"layer {i}", hist) for i in range(4)],
            ["a", "b"], [[1.0, 0.5], [0.4, 1.0]], "similarity",
            [("error", "dead_units", f"layer_{i}", "100% of its units output 0", "lower the learning rate")
             for i in range(findings)], "footer")
        tables.clear()
        image = render.render_image(c)
        return c, image.height() / render.SCALE, list(tables), dict(blocks)

    return draw


def test_beside_a_tall_graph_the_findings_start_under_the_plots(page):
    from inspector.report import render

    _, height, tables, blocks = page(2600.0, findings=150)
    (bx, by, bw, beside), (fx, fy, fw, rest) = tables
    assert bx > render.MARGIN + 600 and bw < render.WIDTH - 2 * render.MARGIN - 600  # the right column
    assert beside > 5 and beside + rest == 150
    assert fx == render.MARGIN and fw == render.WIDTH - 2 * render.MARGIN and fy > by + 2600 * 0.5  # then across
    assert min(blocks.values()) > render.MARGIN + 600 and len(blocks) == 3  # every block beside the tall graph


def test_a_table_that_fits_beside_ends_beside_and_the_page_ends_below_the_graph(page):
    from inspector.report import render

    _, height, tables, _ = page(2600.0, findings=4)
    ((x, _, _, rows),) = tables
    assert x > render.MARGIN + 600 and rows == 4
    assert 2600 < height < 2600 + 600  # the graph, the header and the footer: no table below it


def test_beside_a_short_graph_the_blocks_fill_the_shorter_column(page):
    from inspector.report import render

    _, _, tables, blocks = page(150.0)
    assert render.MARGIN in blocks.values()  # a block under the short graph, not all stacked in the right column
    assert sum(rows for *_, rows in tables) == 12
    if len(tables) == 2:  # the shorter column's room took the first rows, the rest go across the page
        assert tables[0][2] < 900 and tables[1][2] == render.WIDTH - 2 * render.MARGIN
