"""Plain graph algorithms over layer names: order, ancestry. No Keras knowledge here."""

from __future__ import annotations

import heapq
from collections import defaultdict, deque
from collections.abc import Iterable


def topological_order(names: list[str], edges: Iterable[tuple[str, str]]) -> list[str]:
    """Producers before consumers; among ready layers the config order wins; a cycle is cut, not fatal."""
    position = {name: i for i, name in enumerate(names)}
    consumers: dict[str, list[str]] = defaultdict(list)
    indegree = dict.fromkeys(names, 0)
    for src, dst in set(edges):
        if src in position and dst in position and src != dst:
            consumers[src].append(dst)
            indegree[dst] += 1
    ready = [(position[n], n) for n in names if indegree[n] == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while len(order) < len(names):
        if not ready:  # a cycle (hostile config): release the earliest blocked layer and go on
            blocked = min((n for n in names if indegree[n] > 0), key=position.__getitem__)
            indegree[blocked] = 0
            heapq.heappush(ready, (position[blocked], blocked))
        _, name = heapq.heappop(ready)
        if indegree[name] < 0:
            continue
        indegree[name] = -1
        order.append(name)
        for nxt in consumers[name]:
            if indegree[nxt] > 0:
                indegree[nxt] -= 1
                if indegree[nxt] == 0:
                    heapq.heappush(ready, (position[nxt], nxt))
    return order


def ancestors(target: str, edges: Iterable[tuple[str, str]]) -> set[str]:
    """Every layer the target depends on, the target included."""
    producers: dict[str, set[str]] = defaultdict(set)
    for src, dst in edges:
        producers[dst].add(src)
    seen = {target}
    queue = deque([target])
    while queue:
        for src in producers[queue.popleft()]:
            if src not in seen:
                seen.add(src)
                queue.append(src)
    return seen


def nested_order(layers: dict, edges: list[tuple[str, str]]) -> list[str]:
    """Topological order level by level: each container is followed by its own layers in their order."""
    by_parent: dict[str | None, list[str]] = defaultdict(list)
    for name, layer in layers.items():
        by_parent[layer.parent].append(name)
    local_edges: dict[str | None, list[tuple[str, str]]] = defaultdict(list)
    for src, dst in edges:
        if src in layers and dst in layers and layers[src].parent == layers[dst].parent:
            local_edges[layers[src].parent].append((src, dst))

    def expand(parent: str | None) -> list[str]:
        out: list[str] = []
        for name in topological_order(by_parent[parent], local_edges[parent]):
            out.append(name)
            if name in by_parent:
                out.extend(expand(name))
        return out

    return expand(None)
