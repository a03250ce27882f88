"""Coordinates for drawing the layer graph top-down, shared by the window and the report.

grandalf's Sugiyama layout (layering, crossing reduction, long edges routed through dummy nodes) does this better
than code of ours; it is pure Python, so it runs anywhere the core runs. We use it under its EPL-1.0 licence.
"""

from __future__ import annotations

from dataclasses import dataclass

NODE_W, NODE_H = 170.0, 46.0
GAP_X = 60.0
PARALLEL_GAP = 8.0  # between the edges of repeated calls from one layer to another


@dataclass
class GraphLayout:
    centers: dict[str, tuple[float, float]]
    edges: list[tuple[str, str, list[tuple[float, float]]]]  # route points from source to target
    width: float
    height: float
    node_size: tuple[float, float] = (NODE_W, NODE_H)


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
        shift = PARALLEL_GAP * ((k + 1) // 2) * (1 if k % 2 else -1) if k else 0.0
        routed.append((s, d, [(x + shift, y) for x, y in points]))
    return GraphLayout(centers, routed, offset - GAP_X, height, node_size)


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
