"""Coordinates for drawing the layer graph top-down, shared by the window and the report.

Two transforms of a finished layout let the window change its shape without laying it out again: `wrapped` cuts a
tall graph into bands of rows set side by side (to use a wide room), `left_to_right` turns layers into columns.

grandalf's Sugiyama layout (layering, crossing reduction, long edges routed through dummy nodes) does this better
than code of ours; it is pure Python, so it runs anywhere the core runs. We use it under its EPL-1.0 licence.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from itertools import pairwise

NODE_W, NODE_H = 170.0, 46.0
GAP_X = 60.0
PARALLEL_GAP = 8.0  # between the edges of repeated calls from one layer to another
ROW_GAP = 24.0  # left to right: between the boxes of one layer
LANE = 10.0  # wrapped: between the edges that run side by side from one band to the next
MIN_GAIN = 1.1  # wrapped: a graph is cut into bands only when its nodes grow at least this much at fit


@dataclass
class GraphLayout:
    centers: dict[str, tuple[float, float]]
    edges: list[tuple[str, str, list[tuple[float, float]]]]  # route points from source to target
    width: float
    height: float
    node_size: tuple[float, float] = (NODE_W, NODE_H)
    direction: str = "down"  # "down": layers are rows, inputs at the top; "right": layers are columns


class _View:
    def __init__(self, w: float, h: float) -> None:
        self.w, self.h = w, h
        self.xy = (0.0, 0.0)


class _EdgeView:
    def __init__(self) -> None:
        self.points: list[tuple[float, float]] = []

    def setpath(self, points: list[tuple[float, float]]) -> None:
        self.points = [(float(x), float(y)) for x, y in points]


def layout_graph(names: list[str], edges: list[tuple[str, str]], node_size: tuple[float, float] = (NODE_W, NODE_H),
                 ) -> GraphLayout:
    """Lay out a DAG top-down; disconnected parts sit side by side, in the order of `names`."""
    from grandalf.graphs import Edge, Graph, Vertex
    from grandalf.layouts import SugiyamaLayout

    if not names:
        return GraphLayout({}, [], 0.0, 0.0, node_size)
    vertices = {n: Vertex(n) for n in names}
    for v in vertices.values():
        v.view = _View(*node_size)
    unique = list(dict.fromkeys((s, d) for s, d in edges if s in vertices and d in vertices and s != d))
    graph_edges = []
    for s, d in unique:
        e = Edge(vertices[s], vertices[d])
        e.view = _EdgeView()
        graph_edges.append(e)
    graph = Graph(list(vertices.values()), graph_edges)
    centers: dict[str, tuple[float, float]] = {}
    routes: dict[tuple[str, str], list[tuple[float, float]]] = {}
    offset = 0.0
    height = 0.0
    position = {n: i for i, n in enumerate(names)}
    components = sorted(graph.C, key=lambda c: min(position[v.data] for v in c.sV))
    for component in components:
        sug = SugiyamaLayout(component)
        roots = [v for v in component.sV if not v.e_in()]
        sug.init_all(roots=roots or None, optimize=True)
        sug.xspace, sug.yspace = GAP_X / 2, node_size[1]
        sug.draw(N=3)
        xs = [v.view.xy[0] for v in component.sV]
        shift = offset - min(xs) + node_size[0] / 2
        for v in component.sV:
            x, y = v.view.xy
            centers[v.data] = (x + shift, y)
            height = max(height, y + node_size[1])
        for e in component.sE:
            points = e.view.points or [e.v[0].view.xy, e.v[1].view.xy]
            routes[(e.v[0].data, e.v[1].data)] = [(x + shift, y) for x, y in points]
        offset = max(c[0] for n, c in centers.items()) + node_size[0] / 2 + GAP_X
    # a shared layer called several times by the same consumer gets one edge per call, drawn side by side
    routed = []
    seen: dict[tuple[str, str], int] = {}
    for s, d in edges:
        if s not in vertices or d not in vertices or s == d:
            continue
        k = seen.get((s, d), 0)
        seen[(s, d)] = k + 1
        points = routes.get((s, d)) or [centers[s], centers[d]]
        shift = _parallel_shift(k)
        routed.append((s, d, [(x + shift, y) for x, y in points]))
    return GraphLayout(centers, routed, offset - GAP_X, height, node_size)


def _parallel_shift(k: int) -> float:
    """How far the k-th repeated edge between the same two layers is moved sideways (0 for the first)."""
    return PARALLEL_GAP * ((k + 1) // 2) * (1 if k % 2 else -1) if k else 0.0


def fit_scale(layout: GraphLayout, aspect: float, margin: float = 0.0) -> float:
    """The scale at which the whole layout (with `margin` around it) fits a room of width/height `aspect` and height
    1: the node height at fit is node_size[1] * fit_scale(...) room heights."""
    return min(aspect / max(layout.width + 2 * margin, 1e-9), 1.0 / max(layout.height + 2 * margin, 1e-9))


def _transposed(layout: GraphLayout) -> GraphLayout:
    """x and y swapped (a mirror in the diagonal): a left-to-right layout becomes a top-down one and back."""
    return GraphLayout({n: (y, x) for n, (x, y) in layout.centers.items()},
                       [(s, d, [(y, x) for x, y in points]) for s, d, points in layout.edges],
                       layout.height, layout.width, (layout.node_size[1], layout.node_size[0]),
                       "down" if layout.direction == "right" else "right")


class _Rows:
    """The layers of a top-down layout: the distinct y of its nodes, and which layer a point belongs to."""

    def __init__(self, layout: GraphLayout) -> None:
        self.ys = sorted({y for _, y in layout.centers.values()})
        self.index = {y: i for i, y in enumerate(self.ys)}

    def of(self, y: float) -> int:
        """The layer at y, or the nearest one (a route point between layers, or on a box's border)."""
        i = self.index.get(y)
        if i is not None:
            return i
        j = bisect_left(self.ys, y)
        if j == 0:
            return 0
        if j == len(self.ys):
            return j - 1
        return j if self.ys[j] - y < y - self.ys[j - 1] else j - 1

    def position(self, y: float) -> float:
        """y in layer units: k at the k-th layer, fractions between layers (linear), beyond the ends by the pitch."""
        i = self.index.get(y)
        if i is not None:
            return float(i)
        ys = self.ys
        if len(ys) == 1:
            return 0.0
        j = min(max(bisect_left(ys, y), 1), len(ys) - 1)
        return j - 1 + (y - ys[j - 1]) / (ys[j] - ys[j - 1])


def left_to_right(layout: GraphLayout) -> GraphLayout:
    """The same graph with its layers as columns, inputs at the left, for a top-down layout from `layout_graph`.

    Layers are node width + GAP_X apart; the order within a layer is kept, top to bottom, with centres at least
    node height + ROW_GAP apart. Every edge leaves its source's right side and enters its target's left side, its
    route bent through the same points as before. A layout that already runs left to right is returned as it is."""
    if layout.direction == "right" or not layout.centers:
        return layout
    w, h = layout.node_size
    inf = float("inf")
    rows = _Rows(layout)
    pitch = w + GAP_X
    # the closest two boxes of a layer (top-down they are at least node width + GAP_X / 2 apart) end up
    # node height + ROW_GAP apart, and every other distance across the layers shrinks by the same factor
    by_row: dict[float, list[float]] = {}
    for x, y in layout.centers.values():
        by_row.setdefault(y, []).append(x)
    closest = w + GAP_X / 2
    for xs in by_row.values():
        if len(xs) > 1:
            xs.sort()
            closest = min(closest, min(b - a for a, b in pairwise(xs)))
    across = (h + ROW_GAP) / max(closest, 1e-9)
    # the top box's top at 0, or the highest bend of an edge if one runs above it
    low = min(min(x for x, _ in layout.centers.values()) - h / 2 / across,
              min((x for _, _, points in layout.edges for x, _ in points[1:-1]), default=inf))

    def moved(x: float, y: float) -> tuple[float, float]:
        return rows.position(y) * pitch + w / 2, (x - low) * across

    centers = {n: moved(x, y) for n, (x, y) in layout.centers.items()}
    edges = []
    seen: dict[tuple[str, str], int] = {}
    for s, d, points in layout.edges:
        k = seen.get((s, d), 0)
        seen[(s, d)] = k + 1
        shift = _parallel_shift(k)  # repeated calls stay PARALLEL_GAP apart, now across the edge's new direction
        route = [(nx, ny + shift) for nx, ny in (moved(x - shift, y) for x, y in points)]
        (sx, _), (dx, _) = centers[s], centers[d]
        route.insert(1, (sx + w / 2, route[0][1]))
        route.insert(len(route) - 1, (dx - w / 2, route[-1][1]))
        edges.append((s, d, route))
    width = (len(rows.ys) - 1) * pitch + w
    height = max(max(y for _, y in centers.values()) + h / 2,
                 max((y for _, _, points in edges for _, y in points[2:-2]), default=0.0))
    return GraphLayout(centers, edges, width, height, layout.node_size, "right")


def wrapped(layout: GraphLayout, aspect: float, margin: float = 0.0, largest: float = float("inf"),
            max_width: float = float("inf")) -> GraphLayout:
    """A graph much taller than the room cut into bands of consecutive layers, set side by side left to right.

    `aspect` is the room's width / height; `margin` the room the view keeps around the graph, in layout units. The
    number of bands is the one at which the whole graph fits the room with the largest nodes; each cut is put,
    within a few layers of an even split, where the fewest edges cross it. Edges within a band keep their routes; an
    edge that crosses to a later band leaves its band at the bottom, runs through the gap between the columns to
    above the next one and comes down into its target, in a lane of its own (edges that leave from one point, as
    a node's outputs do, share theirs; lanes never cross each other). A graph that would not grow by MIN_GAIN at fit
    is returned as it is (the same object). A left-to-right layout is wrapped the same way turned by a quarter:
    bands of layers stacked top to bottom, read like lines of text.

    For a view that never zooms in past natural size, `largest` is the scale (in room heights) beyond which bigger is
    no better: the fewest bands that reach it win. `max_width` (layout units, margin included) is the widest the
    result may be: for a view that never zooms out past a readable size, the room's width at that size, so a graph
    too long to read whole gets as many columns as that width holds and scrolls down, never sideways (top-down
    layouts only)."""
    if aspect <= 0:
        raise ValueError(f"aspect must be positive, not {aspect}")
    if layout.direction == "right":
        # turned, the room's width is the height: scales in its units are `aspect` times smaller; the width limit
        # (a top-down notion: scrolling down, never sideways) has no turned counterpart
        turned = wrapped(_transposed(layout), 1.0 / aspect, margin, largest / aspect)
        return layout if turned.direction == "right" else _transposed(turned)
    rows = _Rows(layout)
    count = len(rows.ys)
    if count < 2:
        return layout
    w, h = layout.node_size
    inf = float("inf")
    lo, hi = [inf] * count, [-inf] * count
    for x, y in layout.centers.values():
        r = rows.index[y]
        lo[r], hi[r] = min(lo[r], x - w / 2), max(hi[r], x + w / 2)
    # crossing[j]: the lanes a band starting at layer j needs, one for each point that edges leave the band above
    # from (edges out of one node share theirs); a segment that skips layers, if any, counts at every cut it spans.
    # cut_edges[j]: the edges drawn from one band into the next there (fewer is tidier, among cuts of equal lanes)
    point_rows = []
    spans = [0] * (count + 1)
    cut_edges = [0] * (count + 1)
    leaving: set[tuple[int, float]] = set()
    index, of = rows.index, rows.of
    for _, _, points in layout.edges:
        rr = [index[y] if y in index else of(y) for _, y in points]
        point_rows.append(rr)
        for i in range(1, len(points) - 1):  # the ends are in their nodes' boxes
            x, r = points[i][0], rr[i]
            if x < lo[r]:
                lo[r] = x
            if x > hi[r]:
                hi[r] = x
        for (x, _), a, b in zip(points, rr, rr[1:], strict=False):
            if b > a:
                cut_edges[a + 1] += 1
                cut_edges[b + 1] -= 1
            if b == a + 1:
                leaving.add((b, x))
            elif b > a:
                spans[a + 1] += 1
                spans[b + 1] -= 1
    crossing = [0] * count
    for j, _ in leaving:
        crossing[j] += 1
    running = drawn = 0
    for j in range(count):
        running += spans[j]
        crossing[j] += running
        drawn += cut_edges[j]
        cut_edges[j] = drawn

    def cuts_for(k: int) -> list[int]:
        cuts, previous = [], 0
        window = min(3, count // k // 3)
        for i in range(1, k):
            ideal = round(i * count / k)
            chosen, fewest = ideal, None
            for j in range(max(previous + 1, ideal - window), min(count - (k - i), ideal + window) + 1):
                key = (crossing[j], cut_edges[j], abs(j - ideal))
                if fewest is None or key < fewest:
                    chosen, fewest = j, key
            previous = chosen
            cuts.append(chosen)
        return cuts

    def shape(cuts: list[int]) -> tuple[float, float, list[tuple[int, int]], list[float], list[float]]:
        bands = list(zip([0, *cuts], [*cuts, count], strict=True))
        widths = [max(hi[a:b]) - min(lo[a:b]) for a, b in bands]
        gaps = [max(GAP_X, (crossing[c] + 1) * LANE) for c in cuts]
        top = max((crossing[c] for c in cuts), default=0) * LANE
        below = [crossing[c] * LANE for c in cuts] + [0.0]
        height = top + max(rows.ys[b - 1] - rows.ys[a] + h + extra for (a, b), extra in zip(bands, below, strict=True))
        return sum(widths) + sum(gaps), height, bands, widths, gaps

    def scale(width: float, height: float) -> float:
        return min(aspect / (width + 2 * margin), 1.0 / (height + 2 * margin), largest)

    whole_width, whole_height = shape([])[:2]
    unwrapped = scale(whole_width, whole_height)
    best, best_cuts = unwrapped, []
    for k in range(2, count + 1):
        if aspect / (k * w + (k - 1) * GAP_X + 2 * margin) <= best or k * w + (k - 1) * GAP_X + 2 * margin > max_width:
            break  # k columns of at least one node each are already too wide to beat the best, or to be allowed
        cuts = cuts_for(k)
        width, height = shape(cuts)[:2]
        if width + 2 * margin > max_width:
            continue
        fit = scale(width, height)
        if fit > best:
            best, best_cuts = fit, cuts
    if best < unwrapped * MIN_GAIN:
        return layout
    return _cut(layout, rows, point_rows, best_cuts, crossing, lo, *shape(best_cuts))


def _cut(layout: GraphLayout, rows: _Rows, point_rows: list[list[int]], cuts: list[int], crossing: list[int],
         lo: list[float], width: float, height: float, bands: list[tuple[int, int]], widths: list[float],
         gaps: list[float]) -> GraphLayout:
    """The layout with its layers cut at `cuts` into bands set side by side (see `wrapped`)."""
    w, h = layout.node_size
    top = max(crossing[c] for c in cuts) * LANE
    band_of, row_dx, row_dy = [0] * len(rows.ys), [0.0] * len(rows.ys), [0.0] * len(rows.ys)
    lefts, dy = [], []
    left = 0.0
    for b, (first, end) in enumerate(bands):
        band_of[first:end] = [b] * (end - first)
        row_dx[first:end] = [left - min(lo[first:end])] * (end - first)
        row_dy[first:end] = [top + h / 2 - rows.ys[first]] * (end - first)
        lefts.append(left)
        dy.append(top + h / 2 - rows.ys[first])
        left += widths[b] + (gaps[b] if b < len(gaps) else 0.0)

    def moved(x: float, y: float, r: int) -> tuple[float, float]:
        return x + row_dx[r], y + row_dy[r]

    centers = {n: (x + row_dx[r], y + row_dy[r]) for n, (x, y) in layout.centers.items() for r in (rows.index[y],)}
    # the points edges leave a band from, ordered left to right, get lanes that never cross each other: the leftmost
    # runs lowest under its band, rightmost in the gap and lowest over the next band; edges from one point share it
    leaving: dict[int, set[tuple[float, float]]] = {}
    for (_, _, points), rr in zip(layout.edges, point_rows, strict=True):
        for i in range(1, len(points)):
            b0 = band_of[rr[i - 1]]
            if band_of[rr[i]] > b0:
                leaving.setdefault(b0, set()).add(moved(*points[i - 1], rr[i - 1]))
    lane: dict[tuple[int, tuple[float, float]], tuple[int, int]] = {}
    for b0, starts in leaving.items():
        for order, start in enumerate(sorted(starts)):
            lane[(b0, start)] = (order, len(starts))
    edges = []
    for (s, d, points), rr in zip(layout.edges, point_rows, strict=True):
        if band_of[rr[0]] == band_of[rr[-1]]:  # most edges: within one band, moved with it
            dxe, dye = row_dx[rr[0]], row_dy[rr[0]]
            edges.append((s, d, [(x + dxe, y + dye) for x, y in points]))
            continue
        route = [moved(*points[0], rr[0])]
        for i in range(1, len(points)):
            here = moved(*points[i], rr[i])
            b0 = band_of[rr[i - 1]]
            if band_of[rr[i]] > b0:
                order, n = lane[(b0, route[-1])]
                px, _ = route[-1]
                under = rows.ys[bands[b0][1] - 1] + dy[b0] + h / 2 + LANE * (n - order)
                gap_left = lefts[b0] + widths[b0]
                through = gap_left + (gaps[b0] - (n - 1) * LANE) / 2 + LANE * (n - 1 - order)
                over = top - LANE * (order + 1)
                route += [(px, under), (through, under), (through, over), (here[0], over)]
            route.append(here)
        edges.append((s, d, route))
    return GraphLayout(centers, edges, width, height, layout.node_size, layout.direction)


def neighbourhood(order: list[str], edges: list[tuple[str, str]], focus: list[str], limit: int) -> list[str]:
    """The layers within a few steps of the focus layers, at most `limit`, for drawing part of a big graph."""
    if len(order) <= limit:
        return list(order)
    neighbours: dict[str, set[str]] = {n: set() for n in order}
    for s, d in edges:
        if s in neighbours and d in neighbours:
            neighbours[s].add(d)
            neighbours[d].add(s)
    position = {n: i for i, n in enumerate(order)}
    keep: list[str] = []
    frontier = [f for f in focus if f in neighbours] or order[-1:]
    seen = set(frontier)
    while frontier and len(keep) < limit:
        keep.extend(frontier[: limit - len(keep)])
        nxt = []
        for n in frontier:
            for m in sorted(neighbours[n], key=position.__getitem__):
                if m not in seen:
                    seen.add(m)
                    nxt.append(m)
        frontier = nxt
    return sorted(keep, key=position.__getitem__)


def visible_graph(info, expanded: set[str] | frozenset[str] = frozenset()) -> tuple[list[str], list[tuple[str, str]]]:  # noqa: ANN001
    """Nodes and edges to draw: nested models are one node unless expanded, then their layers replace them,
    with the outer edges redirected to the nested model's own inputs and outputs."""
    def shown(name: str) -> bool:
        layer = info.layers[name]
        parent = layer.parent
        while parent is not None:
            if parent not in expanded:
                return False
            parent = info.layers[parent].parent
        return not (layer.children and name in expanded)

    def entry_points(name: str, outputs: bool) -> list[str]:
        layer = info.layers[name]
        if not (layer.children and name in expanded):
            return [name]
        ends = layer.outputs if outputs else layer.inputs
        return [p for end in ends for p in entry_points(end, outputs)] or [name]

    names = [n for n in info.topological_order() if shown(n)]
    edges = []
    for src, dst in info.edges:
        for s in entry_points(src, outputs=True):
            for d in entry_points(dst, outputs=False):
                if s != d and s in info.layers and d in info.layers and shown(s) and shown(d):
                    edges.append((s, d))
    return names, edges


def layout_model(info, expanded: frozenset[str] | set[str] = frozenset()) -> GraphLayout:  # noqa: ANN001
    """The drawn graph of a model with the given nested models expanded: what the window shows."""
    names, edges = visible_graph(info, expanded)
    return layout_graph(names, edges)
