"""The layer graph's shapes on ~1,000-layer graphs: the time of one Sugiyama layout, and of the two transforms the
window applies to a finished layout (wrapped into columns for a 16:10 room, left to right), which must stay under
20 ms so the View menu can switch them without laying out again (issue 12). Needs neither Keras nor Qt.

    python benchmarks/bench_layout.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from inspector.core.layout import GAP_X, fit_scale, layout_graph, left_to_right, wrapped  # noqa: E402
from tests.models import chain_graph as chain  # noqa: E402
from tests.models import residual_graph  # noqa: E402

ASPECT = 16 / 10
MARGIN = 40.0  # what the window keeps around the graph


def branching(blocks: int = 166) -> tuple[list[str], list[tuple[str, str]]]:
    """The graph of bench_inspect's branching-1000 model: residual blocks that branch in two and merge."""
    return residual_graph(blocks)


def best_ms(work, repeat: int = 7) -> float:  # noqa: ANN001
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    print(f"{'graph':14} {'nodes':>6} {'layout s':>9} {'wrapped ms':>11} {'ltr ms':>7} {'ltr+wrap ms':>12} "
          f"{'columns':>8} {'node px at fit (1600x1000)':>27}")
    for label, (names, edges) in (("chain-1000", chain(1000)), ("branching-1000", branching())):
        start = time.perf_counter()
        layout = layout_graph(names, edges)
        seconds = time.perf_counter() - start
        ltr = left_to_right(layout)
        wrap_ms = best_ms(lambda layout=layout: wrapped(layout, ASPECT, MARGIN))
        ltr_ms = best_ms(lambda layout=layout: left_to_right(layout))
        both_ms = best_ms(lambda ltr=ltr: wrapped(ltr, ASPECT, MARGIN))
        result = wrapped(layout, ASPECT, MARGIN)
        columns = _columns(result)
        before = layout.node_size[1] * fit_scale(layout, ASPECT, MARGIN) * 1000
        after = layout.node_size[1] * fit_scale(result, ASPECT, MARGIN) * 1000
        print(f"{label:14} {len(names):6} {seconds:9.2f} {wrap_ms:11.1f} {ltr_ms:7.1f} {both_ms:12.1f} {columns:8} "
              f"{before:12.1f} -> {after:5.1f}")
    print("goal: every transform < 20 ms")


def _columns(layout) -> int:  # noqa: ANN001
    """How many columns a top-down layout has: its boxes' x spans merged across gaps narrower than GAP_X (boxes in
    one layer are GAP_X / 2 apart, the columns of a wrapped layout at least GAP_X)."""
    half = layout.node_size[0] / 2
    spans = sorted((x - half, x + half) for x, _ in layout.centers.values())
    columns, right = 0, float("-inf")
    for left, end in spans:
        if left - right >= GAP_X * 0.75:
            columns += 1
        right = max(right, end)
    return columns


if __name__ == "__main__":
    main()
