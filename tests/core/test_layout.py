"""Graph layout: every call of a shared layer is an edge; nested models expand in place."""

from __future__ import annotations

import pytest

from tests.models import chain_graph as chain
from tests.models import residual_graph as residual


def test_layout_draws_one_edge_per_call():
    from inspector.core.layout import layout_graph

    layout = layout_graph(["a", "shared", "concat"], [("a", "shared"), ("shared", "concat"), ("shared", "concat")])
    calls = [points for s, d, points in layout.edges if (s, d) == ("shared", "concat")]
    assert len(calls) == 2 and calls[0] != calls[1]
    assert set(layout.centers) == {"a", "shared", "concat"}


def test_visible_graph_expands_nested_models_in_place():
    from inspector.core.config_graph import parse_model_config
    from inspector.core.layout import visible_graph
    from inspector.core.model import ModelInfo

    inner = {"class_name": "Sequential", "config": {"name": "block", "layers": [
        {"class_name": "Dense", "config": {"name": "d1", "units": 2}},
        {"class_name": "Dense", "config": {"name": "d2", "units": 2}}]}, "name": "block",
        "inbound_nodes": [[["x", 0, 0, {}]]]}
    config = {"class_name": "Functional", "config": {"name": "m", "layers": [
        {"class_name": "InputLayer", "name": "x", "config": {"name": "x", "batch_shape": [None, 2]},
         "inbound_nodes": []}, inner,
        {"class_name": "Dense", "name": "out", "config": {"name": "out", "units": 1},
         "inbound_nodes": [[["block", 0, 0, {}]]]}], "input_layers": [["x", 0, 0]], "output_layers": [["out", 0, 0]]}}
    graph = parse_model_config(config)
    info = ModelInfo("m", "keras_zip", "3", None, "Functional", "m", graph.layers, graph.edges, graph.inputs,
                     graph.outputs, [], [], None)
    names, edges = visible_graph(info)
    assert names == ["x", "block", "out"] and ("x", "block") in edges
    names, edges = visible_graph(info, {"block"})
    assert names == ["x", "block/d1", "block/d2", "out"]
    assert {("x", "block/d1"), ("block/d1", "block/d2"), ("block/d2", "out")} <= set(edges)


# --- the window's shapes of a finished layout: wrapped into columns, left to right (issue 12) ---

def multi_head(depth: int = 14) -> tuple[list[str], list[tuple[str, str]]]:
    """Two inputs into one shared layer called twice, a long trunk, three heads of different lengths."""
    names = ["a", "b", "shared", "concat"] + [f"t{i}" for i in range(depth)]
    edges = [("a", "shared"), ("b", "shared"), ("shared", "concat"), ("shared", "concat"), ("concat", "t0")]
    edges += [(f"t{i}", f"t{i + 1}") for i in range(depth - 1)]
    for h, length in enumerate((2, 5, 9)):
        previous = f"t{depth - 1}"
        for j in range(length):
            names.append(f"h{h}_{j}")
            edges.append((previous, f"h{h}_{j}"))
            previous = f"h{h}_{j}"
    return names, edges


def boxes(layout):
    w, h = layout.node_size
    return {n: (x - w / 2, y - h / 2, x + w / 2, y + h / 2) for n, (x, y) in layout.centers.items()}


def overlapping(layout) -> list[tuple[str, str]]:
    items = sorted(boxes(layout).items(), key=lambda item: item[1][0])
    found = []
    for i, (n, (_, t1, r1, b1)) in enumerate(items):
        for m, (l2, t2, _, b2) in items[i + 1:]:
            if l2 >= r1:
                break
            if t2 < b1 and t1 < b2:
                found.append((n, m))
    return found


def inside(point, box, slack=1e-6) -> bool:
    x, y = point
    left, top, right, bottom = box
    return left - slack <= x <= right + slack and top - slack <= y <= bottom + slack


def crosses(p, q, box) -> bool:
    """Whether the segment p-q passes through the inside of box (Liang-Barsky clipping)."""
    left, top, right, bottom = box
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for step, room in ((-dx, p[0] - left), (dx, right - p[0]), (-dy, p[1] - top), (dy, bottom - p[1])):
        if step == 0:
            if room <= 0:
                return False
        else:
            t = room / step
            if step < 0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
    return t1 - t0 > 1e-9


def through_other_boxes(layout) -> list[tuple[str, str, str]]:
    """(source, target, node) for every edge drawn through the box of a node that is neither of its ends."""
    shrunk = {n: (x0 + 1, y0 + 1, x1 - 1, y1 - 1) for n, (x0, y0, x1, y1) in boxes(layout).items()}
    return [(s, d, n) for s, d, points in layout.edges for p, q in zip(points, points[1:], strict=False)
            for n, box in shrunk.items() if n not in (s, d) and crosses(p, q, box)]


def assert_same_graph_drawn_well(original, layout) -> None:
    assert list(layout.centers) == list(original.centers)
    assert [(s, d) for s, d, _ in layout.edges] == [(s, d) for s, d, _ in original.edges]
    assert layout.node_size == original.node_size
    assert overlapping(layout) == []
    box = boxes(layout)
    for s, d, points in layout.edges:
        assert inside(points[0], box[s]) and inside(points[-1], box[d]), (s, d, points)
    assert set(through_other_boxes(layout)) <= set(through_other_boxes(original))  # no new line through a node
    xs = [x for b in box.values() for x in (b[0], b[2])] + [x for *_, pts in layout.edges for x, _ in pts]
    ys = [y for b in box.values() for y in (b[1], b[3])] + [y for *_, pts in layout.edges for _, y in pts]
    assert -1e-6 <= min(xs) < 1 and max(xs) <= layout.width + 1e-6
    assert -1e-6 <= min(ys) < 1 and max(ys) <= layout.height + 1e-6


def test_wrapping_a_long_chain_fills_a_wide_room_with_bigger_nodes():
    from inspector.core.layout import fit_scale, layout_graph, wrapped

    names, edges = chain(60)
    tall = layout_graph(names, edges)
    wide = wrapped(tall, 16 / 10)
    assert_same_graph_drawn_well(tall, wide)
    columns = sorted({x for x, _ in wide.centers.values()})
    assert len(columns) >= 3
    assert fit_scale(wide, 16 / 10) >= 2 * fit_scale(tall, 16 / 10)
    assert 0.5 < (wide.width / wide.height) / (16 / 10) < 2  # about the room's shape
    # read like text: down each column, then on at the top of the next one
    places = [(columns.index(wide.centers[n][0]), wide.centers[n][1]) for n in names]
    assert places == sorted(places)
    # the edge into each column's first layer leaves the bottom of the last one and comes down into its target
    w, h = wide.node_size
    for s, d, points in wide.edges:
        (sx, sy), (dx, dy) = wide.centers[s], wide.centers[d]
        if sx != dx:
            assert points[1][0] == sx and points[1][1] > sy + h / 2  # down out of the source
            assert points[-2][0] == dx and points[-2][1] < dy - h / 2  # down into the target
            assert all(sx + w / 2 < x < dx - w / 2 for x, _ in points[2:-2])  # through the gap, not the columns


def test_wrapping_keeps_layers_whole_and_branching_models_readable():
    from inspector.core.layout import fit_scale, layout_graph, wrapped

    for names, edges in (residual(10), multi_head(), chain(25)):
        tall = layout_graph(names, edges)
        wide = wrapped(tall, 16 / 10)
        assert wide is not tall
        assert_same_graph_drawn_well(tall, wide)
        assert fit_scale(wide, 16 / 10) > 1.5 * fit_scale(tall, 16 / 10)
        # a layer is never cut: the nodes of one layer stay in one row, in their order, at their distances
        layers: dict[float, list[str]] = {}
        for n, (_, y) in tall.centers.items():
            layers.setdefault(y, []).append(n)
        for members in layers.values():
            assert len({wide.centers[n][1] for n in members}) == 1
            before = sorted(members, key=lambda n: tall.centers[n][0])
            assert sorted(members, key=lambda n: wide.centers[n][0]) == before
            gaps = [tall.centers[b][0] - tall.centers[a][0] for a, b in zip(before, before[1:], strict=False)]
            assert [wide.centers[b][0] - wide.centers[a][0] for a, b in zip(before, before[1:], strict=False)] \
                == pytest.approx(gaps)


def test_wrapping_cuts_residual_blocks_where_the_fewest_edges_cross():
    from inspector.core.layout import layout_graph, wrapped

    names, edges = residual(10)
    wide = wrapped(layout_graph(names, edges), 16 / 10)
    top = min(y for _, y in wide.centers.values())
    # every band after the first starts with a block's two branches: the cut is just after a residual add, where
    # only the one output of the block goes on (into three edges that share a lane)
    starts = sorted(n for n, (_, y) in wide.centers.items() if y == top and n != "x")
    assert starts and all(n.endswith(("_a", "_b")) for n in starts)
    lanes = {}
    for s, d, points in wide.edges:
        if wide.centers[s][0] > wide.centers[d][0] + 200:  # into the next column, left to right
            raise AssertionError(f"{s} -> {d} goes backwards")
        if len(points) > 4 and s.endswith("_res"):
            lanes.setdefault(s, set()).add(points[3][1])
    assert lanes and all(len(heights) == 1 for heights in lanes.values())


def test_a_graph_wide_enough_is_not_wrapped():
    from inspector.core.layout import layout_graph, wrapped

    names = ["x"] + [f"branch{i}" for i in range(12)] + ["merge"]
    edges = [("x", f"branch{i}") for i in range(12)] + [(f"branch{i}", "merge") for i in range(12)]
    wide = layout_graph(names, edges)
    assert wrapped(wide, 16 / 10) is wide
    names, edges = chain(8)
    short = layout_graph(names, edges)
    assert wrapped(short, 0.5) is short  # a portrait room: a short chain already fits it
    assert wrapped(layout_graph([], []), 16 / 10).centers == {}
    with pytest.raises(ValueError):
        wrapped(short, 0)


def test_left_to_right_turns_layers_into_columns():
    from inspector.core.layout import GAP_X, NODE_H, NODE_W, ROW_GAP, layout_graph, left_to_right

    for names, edges in (chain(60), residual(10), multi_head()):
        down = layout_graph(names, edges)
        across = left_to_right(down)
        assert across.direction == "right" and left_to_right(across) is across
        assert_same_graph_drawn_well(down, across)
        assert across.node_size == (NODE_W, NODE_H)
        assert min(x for x, _ in across.centers.values()) == across.centers[names[0]][0] == NODE_W / 2
        layers: dict[float, list[float]] = {}
        for n, (x, y) in across.centers.items():
            layers.setdefault(x, []).append(y)
            assert across.centers[n][0] == pytest.approx(
                sorted({y for _, y in down.centers.values()}).index(down.centers[n][1]) * (NODE_W + GAP_X) + NODE_W / 2)
        for ys in layers.values():
            ys.sort()
            assert all(b - a >= NODE_H + ROW_GAP - 1e-6 for a, b in zip(ys, ys[1:], strict=False))
        for s, d, points in across.edges:
            sx, dx = across.centers[s][0], across.centers[d][0]
            assert sx < dx
            assert points[1] == (sx + NODE_W / 2, points[0][1])  # out of the source's right side
            assert points[-2] == (dx - NODE_W / 2, points[-1][1])  # into the target's left side
            assert all(sx + NODE_W / 2 <= x <= dx - NODE_W / 2 for x, _ in points[1:-1])


def test_left_to_right_keeps_repeated_calls_apart():
    from inspector.core.layout import PARALLEL_GAP, layout_graph, left_to_right

    names, edges = multi_head()
    across = left_to_right(layout_graph(names, edges))
    calls = [points for s, d, points in across.edges if (s, d) == ("shared", "concat")]
    assert len(calls) == 2
    assert abs(calls[0][0][1] - calls[1][0][1]) == pytest.approx(PARALLEL_GAP)


def test_a_left_to_right_graph_wraps_into_rows_read_like_text():
    from inspector.core.layout import fit_scale, layout_graph, left_to_right, wrapped

    for names, edges in (chain(60), residual(10)):
        across = left_to_right(layout_graph(names, edges))
        lines = wrapped(across, 16 / 10)
        assert lines.direction == "right"
        assert_same_graph_drawn_well(across, lines)
        assert fit_scale(lines, 16 / 10) >= 2 * fit_scale(across, 16 / 10)
        rows = sorted({y for _, y in lines.centers.values()})
        if names[1] == "l1":  # the chain: one row per band, read left to right, then on to the next row
            assert len(rows) >= 3
            places = [(lines.centers[n][1], lines.centers[n][0]) for n in names]
            assert places == sorted(places)


def proper_crossings(layout) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """Pairs of edges, with no layer in common, whose lines cross (touching or running along each other is not)."""
    def side(a, b, c) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    segments = [((s, d), p, q) for s, d, points in layout.edges for p, q in zip(points, points[1:], strict=False)]
    found = []
    for i, (e, p, q) in enumerate(segments):
        for f, r, t in segments[i + 1:]:
            if set(e) & set(f):
                continue
            if side(p, q, r) * side(p, q, t) < 0 and side(r, t, p) * side(r, t, q) < 0:
                found.append((e, f))
    return found


def test_edges_into_the_next_column_do_not_cross_each_other():
    from inspector.core.layout import layout_graph, left_to_right, wrapped

    names = [f"a{i}" for i in range(30)] + [f"b{i}" for i in range(30)] + ["merge"]
    edges = [(f"{t}{i}", f"{t}{i + 1}") for t in "ab" for i in range(29)] + [("a29", "merge"), ("b29", "merge")]
    down = layout_graph(names, edges)  # two towers side by side: two lanes at every cut
    assert proper_crossings(down) == []
    for layout in (down, left_to_right(down)):
        wide = wrapped(layout, 16 / 10)
        assert wide is not layout
        assert_same_graph_drawn_well(layout, wide)
        assert proper_crossings(wide) == []


def test_wrapping_prefers_the_cut_with_fewest_edges_among_cuts_of_one_lane():
    from inspector.core.layout import layout_graph, wrapped

    names, edges, x = ["input"], [], "input"
    for b in range(8):  # dense blocks: every layer reads the block's input and all the layers before it
        seen = [x]
        for i in range(6):
            conv, cat = f"d{b}_{i}_conv", f"d{b}_{i}_cat"
            names += [conv, cat]
            edges += [(seen[-1], conv), *((f, cat) for f in seen), (conv, cat)]
            seen.append(cat)
        names.append(f"t{b}")
        edges.append((seen[-1], f"t{b}"))
        x = f"t{b}"
    down = layout_graph(names, edges)
    wide = wrapped(down, 16 / 10)
    assert wide is not down
    assert_same_graph_drawn_well(down, wide)
    columns = {n: round(x) for n, (x, _) in wide.centers.items()}
    across = [(s, d) for s, d, points in wide.edges if len(points) > len(next(p for a, b, p in down.edges
                                                                               if (a, b) == (s, d)))]
    # after a block's last concat only the edge into its transition goes on; after the transition, seven would
    assert across and all(s.endswith("_5_cat") and d.startswith("t") for s, d in across), across
    assert len(set(columns.values())) > 1


def test_a_view_that_never_zooms_past_natural_size_gets_the_fewest_columns_that_reach_it():
    from inspector.core.layout import fit_scale, layout_graph, wrapped

    names, edges = chain(20)
    tall = layout_graph(names, edges)
    room_w, room_h = 1600.0, 1000.0
    free = wrapped(tall, room_w / room_h, 40)  # as big as it gets: many columns, nodes above natural size
    capped = wrapped(tall, room_w / room_h, 40, largest=1.0 / room_h)
    count = len({x for x, _ in capped.centers.values()})
    assert fit_scale(capped, room_w / room_h, 40) * room_h >= 1.0  # natural size
    assert count < len({x for x, _ in free.centers.values()})
    fewer = wrapped(tall, room_w / room_h / 1.5, 40)
    if len({x for x, _ in fewer.centers.values()}) < count:  # fewer columns would not show it at natural size
        assert fit_scale(fewer, room_w / room_h, 40) * room_h < 1.0


def test_a_view_that_never_zooms_below_readable_gets_no_more_columns_than_its_width_holds():
    from inspector.core.layout import layout_graph, wrapped

    names, edges = chain(200)
    tall = layout_graph(names, edges)
    room_w, room_h, readable = 900.0, 500.0, 0.74
    limited = wrapped(tall, room_w / room_h, 40, largest=1.0 / room_h, max_width=room_w / readable)
    assert limited.width + 80 <= room_w / readable
    assert len({x for x, _ in limited.centers.values()}) >= 3  # still uses the width
    assert wrapped(tall, room_w / room_h, 40).width + 80 > room_w / readable  # unlimited, it would be wider
