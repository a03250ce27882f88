"""Graph layout: every call of a shared layer is an edge; nested models expand in place."""

from __future__ import annotations


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
