"""The reader against Keras' own view of models the tests build, saved in both formats."""

from __future__ import annotations

import pytest

from inspector.core.reader import read_model
from tests import models

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    out = {}
    for name, build in models.ALL.items():
        model = build()
        out[name] = (model, models.save_both(model, folder, name))
    return out


def _compare_layers(model, info):
    theirs = [(n, c, p) for n, c, p in models.flat_layers(model) if c != "InputLayer"]
    ours = {name: layer for name, layer in info.layers.items() if layer.class_name != "InputLayer"}
    assert [n for n, _, _ in theirs] == [n for n in ours if n in {t[0] for t in theirs}]
    assert {n for n, _, _ in theirs} == set(ours)
    for name, class_name, params in theirs:
        layer = ours[name]
        assert layer.class_name == class_name, name
        # a nested model counts its layers' params, as Keras does (issue 12: functional_4 showed 0)
        assert layer.params == params, f"{name}: {layer.params} params, Keras says {params}"
    assert info.params == model.count_params()


@pytest.mark.parametrize("fmt", ["keras", "h5"])
@pytest.mark.parametrize("name", list(models.ALL))
def test_layers_and_params_match_keras(saved, name, fmt):
    model, paths = saved[name]
    info = read_model(paths[fmt])
    assert info.format == ("keras_zip" if fmt == "keras" else "legacy_h5")
    _compare_layers(model, info)
    assert info.outputs == [t._keras_history.operation.name for t in model.outputs]
    assert [s.shape[1:] for s in info.input_specs] == [tuple(t.shape[1:]) for t in model.inputs]


@pytest.mark.parametrize("fmt", ["keras", "h5"])
def test_multi_io_edges_shared_layer_and_heads(saved, fmt):
    info = read_model(saved["multi_io"][1][fmt])
    edges = info.edges
    assert edges.count(("a", "shared")) == 1 and edges.count(("b", "shared")) == 1
    assert edges.count(("shared", "concat")) == 2  # one edge per call of the shared layer
    assert info.layers["shared"].calls == 2
    assert ("trunk", "branch_1") in edges and ("branch_1", "head_1") in edges
    assert [h.name for h in info.heads] == ["head_0", "head_1", "head_2"]
    assert [h.layers for h in info.heads] == [[f"branch_{i}", f"head_{i}"] for i in range(3)]
    assert info.inputs == ["a", "b"]


@pytest.mark.parametrize("fmt", ["keras", "h5"])
def test_nested_models_are_layers_with_children(saved, fmt):
    info = read_model(saved["nested"][1][fmt])
    assert info.layers["encoder"].children == ["encoder/inner_in", "encoder/inner_dense"]
    assert info.layers["block/block_dense"].parent == "block"
    assert ("x", "encoder") in info.edges and ("encoder", "block") in info.edges
    assert ("encoder/inner_in", "encoder/inner_dense") in info.edges
    weights = info.layers["encoder/inner_dense"].weights
    assert [w.role for w in weights] == ["kernel", "bias"] and weights[0].shape == (5, 7)
    assert info.layers["block"].output_shape == (None, 4)
    order = info.topological_order()
    assert order.index("encoder") < order.index("encoder/inner_dense") < order.index("block")


@pytest.mark.parametrize("fmt", ["keras", "h5"])
def test_keyword_inputs_become_edges(saved, fmt):
    info = read_model(saved["attention"][1][fmt])
    assert ("query", "mha") in info.edges and ("value_in", "mha") in info.edges
    assert info.layers["mha"].params == saved["attention"][0].get_layer("mha").count_params()


def test_weights_named_by_role(saved):
    info = read_model(saved["conv_rnn"][1]["keras"])
    assert [w.name for w in info.layers["conv"].weights] == ["kernel", "bias"]
    assert [w.role for w in info.layers["lstm"].weights] == ["kernel", "recurrent_kernel", "bias"]
    bn = read_model(saved["sequential"][1]["keras"]).layers["bn"]
    assert [w.role for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]


@pytest.mark.parametrize("fmt", ["keras", "h5"])
def test_custom_layers_keep_config_and_weights(saved, fmt):
    info = read_model(saved["custom"][1][fmt])
    scale = info.layers["scale"]
    assert scale.class_name == "Scale" and scale.params == 3
    assert ("x", "scale") in info.edges


def test_weight_values_match_keras(saved):
    from inspector.core.inspection import inspect_model

    model, paths = saved["multi_io"]
    for fmt in ("keras", "h5"):
        inspection = inspect_model(paths[fmt])
        for name in ("shared", "trunk", "head_2"):
            kernel_ref = inspection.info.layers[name].weight("kernel")
            stats = inspection.weight_stats[kernel_ref.path]
            kernel = model.get_layer(name).kernel.numpy()
            assert stats.mean == pytest.approx(float(kernel.mean()), rel=1e-5, abs=1e-7)
            assert stats.max == pytest.approx(float(kernel.max()))
            assert sum(stats.histogram.counts) == kernel.size
