"""One rule for the head-similarity matrix (window and report): weight cosine above the diagonal, output
correlation below it."""

from __future__ import annotations

from types import SimpleNamespace

from inspector.core.heads import HeadComparison
from inspector.report.content import similarity_matrix


def test_cosine_above_correlation_below():
    heads = [SimpleNamespace(name=n) for n in ("a", "b", "c")]
    inspection = SimpleNamespace(info=SimpleNamespace(heads=heads),
                                 comparisons=[HeadComparison("a", "c", [], cosine=0.25)])
    diagnosis = SimpleNamespace(pairs=[SimpleNamespace(head_a="a", head_b="b", identical=False, correlation=0.5),
                                       SimpleNamespace(head_a="b", head_b="c", identical=True, correlation=None)])
    names, grid, label = similarity_matrix(inspection, diagnosis)
    assert names == ["a", "b", "c"] and "cosine above" in label
    assert grid[0][2] == 0.25 and grid[2][0] is None  # weights compared, outputs of a and c not
    assert grid[1][0] == 0.5 and grid[0][1] is None  # outputs correlated, weights of a and b not compared
    assert grid[2][1] == 1.0 and [grid[i][i] for i in range(3)] == [1.0, 1.0, 1.0]
    names, grid, _ = similarity_matrix(inspection)  # before a diagnosis: the weights only
    assert grid[0][2] == 0.25 and grid[1][0] is None
