"""The failure patterns of issue 11, each as a small model: causes before symptoms, a layer named for every
collapse, proof by repair, no traceback on the bug itself, warnings for nearly collapsed heads and output
faults of models that still vary. The bench_truth zoo measures the same at scale."""

from __future__ import annotations

import numpy as np
import pytest

from inspector.analysis.diagnose import DiagnoseOptions, diagnose_steps
from inspector.core.catalogue import KINDS, THRESHOLDS
from inspector.progress import run
from tests import models

pytestmark = pytest.mark.slow


def diagnose(model, tmp_path, x, y, name="m"):
    path = tmp_path / f"{name}.keras"
    model.save(path)
    np.savez(tmp_path / f"{name}.npz", x=x, y=y)
    return run(diagnose_steps(path, DiagnoseOptions(data=str(tmp_path / f"{name}.npz"))))


def dense(k, units, activation=None, name=None, **kwargs):
    return k.layers.Dense(units, activation=activation, name=name, **kwargs)


def test_constant_by_construction_outranks_an_upstream_saturated_layer(tmp_path):
    k = models.keras()
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(400, 8)) * 1000 + 500).astype("float32")  # unnormalised: the tanh saturates
    y = (x[:, 0] > 500).astype("float32")
    model = k.Sequential([k.Input((8,)), dense(k, 16, "tanh", "h1"), dense(k, 1, "softmax", "out")])
    d = diagnose(model, tmp_path, x, y)
    assert d.collapsed and d.blame[0].layer == "out"
    top = d.blame[0]
    assert top.role == "cause" and top.responsible and "single_unit_softmax" in top.kinds
    assert any(r.repair == "replace_activation" and r.success for r in top.repairs)
    h1 = next(b for b in d.blame if b.layer == "h1")
    assert not h1.responsible and "unnormalized_input" in h1.kinds  # the data cause lands where its fix lands


def test_argmax_collapse_names_a_layer(tmp_path):
    k = models.keras()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 10)).astype("float32")
    y = np.eye(3, dtype="float32")[(x[:, 0] > 0).astype(int) + (x[:, 1] > 0)]
    model = k.Sequential([k.Input((10,)), dense(k, 16, "relu", "h1"), dense(k, 3, "relu", "out")])
    weights = model.get_layer("out").get_weights()
    weights[1][:] = [20.0, 0.0, 0.0]  # a relu output whose argmax is class 0 for every sample
    model.get_layer("out").set_weights(weights)
    d = diagnose(model, tmp_path, x, y)
    assert d.collapsed and d.heads[0].classifier
    assert d.blame and d.blame[0].layer == "out" and d.blame[0].responsible


def test_integer_labels_for_a_softmax_head_are_a_finding_not_a_traceback(tmp_path):
    k = models.keras()
    rng = np.random.default_rng(2)
    x = rng.normal(size=(300, 10)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")  # (N, 1) labels for Dense(2) softmax under categorical cross-entropy
    model = k.Sequential([k.Input((10,)), dense(k, 16, "relu", "h1"), dense(k, 2, "softmax", "out")])
    model.compile("adam", "categorical_crossentropy")
    d = diagnose(model, tmp_path, x, y)
    mismatch = [f for f in d.findings if f.kind == "target_shape_mismatch"]
    assert mismatch and mismatch[0].severity == "error" and mismatch[0].layer == "out"
    assert any("targets-free objective" in note for note in d.notes)


def test_targets_broadcast_under_mse_are_measured_as_keras_trained_them(tmp_path):
    k = models.keras()
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 10)).astype("float32")
    y = ((x[:, :1] > 0) * 9).astype("float32")
    model = k.Sequential([k.Input((10,)), dense(k, 16, "relu", "h1"), dense(k, 10, "softmax", "out")])
    model.compile("adam", "mse")
    d = diagnose(model, tmp_path, x, y)
    assert any(f.kind == "target_shape_mismatch" and f.severity == "error" for f in d.findings)
    assert not any("targets-free" in note for note in d.notes)  # mse broadcasts: the real loss was measured


def test_data_without_the_trailing_axis_keras_adds_is_accepted(tmp_path):
    k = models.keras()
    rng = np.random.default_rng(4)
    x = rng.normal(size=(200, 32)).astype("float32")
    model = k.Sequential([k.Input((32, 1)), k.layers.Conv1D(4, 5, activation="relu", name="conv"),
                          k.layers.GlobalAveragePooling1D(name="gap"), dense(k, 1, "sigmoid", "out")])
    d = diagnose(model, tmp_path, x, (x[:, 0] > 0).astype("float32"))
    assert d.samples == 200 and any("trailing axis of 1 added" in note for note in d.notes)


def test_nan_is_blamed_where_it_first_appears(tmp_path):
    k = models.keras()
    rng = np.random.default_rng(5)
    x = rng.normal(size=(200, 10)).astype("float32")
    model = k.Sequential([k.Input((10,)), dense(k, 16, "relu", "h1"), dense(k, 16, "relu", "h2"),
                          dense(k, 1, name="out")])
    kernel = model.get_layer("h1").kernel.numpy()
    kernel[0, 0] = np.nan  # one NaN in a hidden kernel
    model.get_layer("h1").kernel.assign(kernel)
    d = diagnose(model, tmp_path, x, x[:, :1])
    assert d.collapsed and d.blame[0].layer == "h1" and d.blame[0].responsible
    assert next(b for b in d.blame if b.layer == "out").role == "symptom"


def test_nearly_collapsed_head_is_a_warning_with_blame(tmp_path):
    k = models.keras()
    rng = np.random.default_rng(6)
    x = rng.normal(size=(400, 10)).astype("float32")
    model = k.Sequential([k.Input((10,)), dense(k, 16, "relu", "h1"), dense(k, 1, name="out")])
    model.compile("adam", "mse")
    model.fit(x, x[:, :1], epochs=20, verbose=0)
    kernel, bias = model.get_layer("out").get_weights()
    model.get_layer("out").set_weights([kernel * 0.03, bias])  # a spread of ~3 % of the targets'
    d = diagnose(model, tmp_path, x, x[:, :1])
    assert not d.collapsed and d.nearly_collapsed and d.heads[0].nearly_collapsed
    assert any(f.kind == "nearly_collapsed" and f.severity == "warning" for f in d.findings)
    assert d.blame and d.blame[0].layer == "out"


def test_output_range_fault_on_a_model_that_still_varies(tmp_path):
    k = models.keras()
    rng = np.random.default_rng(7)
    x = rng.normal(size=(400, 10)).astype("float32")
    y = (2 * x[:, :1]).astype("float32")  # half the targets are negative: a relu output cannot produce them
    model = k.Sequential([k.Input((10,)), dense(k, 16, "relu", "h1"), dense(k, 1, "relu", "out")])
    model.compile("adam", "mse")
    model.fit(x, y, epochs=20, verbose=0)
    d = diagnose(model, tmp_path, x, y)
    assert not d.collapsed and d.blame == []
    fault = [f for f in d.findings if f.kind == "output_range_mismatch"]
    assert fault and fault[0].severity == "warning" and fault[0].layer == "out"


def test_bounded_output_on_unbounded_targets_is_proven_by_a_linear_refit(tmp_path):
    k = models.keras()
    rng = np.random.default_rng(8)
    x = rng.normal(size=(400, 10)).astype("float32")
    y = (300 + 50 * x[:, :1]).astype("float32")
    model = k.Sequential([k.Input((10,)), dense(k, 16, "relu", "h1"), dense(k, 1, "sigmoid", "out")])
    model.compile("adam", "mse")
    model.fit(x, y, epochs=3, verbose=0)
    d = diagnose(model, tmp_path, x, y)
    assert d.collapsed and not d.heads[0].classifier  # regression targets: judged by spread, not by 0.5
    assert d.blame[0].layer == "out" and d.blame[0].responsible
    assert "output_range_mismatch" in d.blame[0].kinds


def test_slow_decay_is_not_pinned_on_one_layer(tmp_path):
    from tests.conftest import CORPUS_COLLAPSED, corpus_file

    d = run(diagnose_steps(corpus_file(CORPUS_COLLAPSED, "deepdiagnosis-mnist-collapsed.h5"), DiagnoseOptions()))
    assert d.collapsed
    if not any(b.responsible for b in d.blame):  # honest: suspects, and the verdict says what was verified
        assert "No single-layer repair restored it" in d.verdict or "suspects" in d.verdict
    assert any(f.kind == "spread_decay" for f in d.findings)


def test_the_catalogue_names_every_kind_and_threshold():
    assert {"single_unit_softmax", "target_shape_mismatch", "nearly_collapsed", "spread_decay"} <= set(KINDS)
    for kind in KINDS.values():
        assert kind.role in ("cause", "symptom", "context")
        assert set(kind.thresholds) <= set(THRESHOLDS), kind.name


def test_identical_samples_are_a_data_fault_not_a_layer_fault(tmp_path):
    k = models.keras()
    x = np.full((200, 10), 3.0, dtype="float32")  # a preprocessing step that overwrote every sample
    y = np.random.default_rng(9).normal(size=(200, 1)).astype("float32")
    model = k.Sequential([k.Input((10,)), dense(k, 16, "relu", "h1"), dense(k, 1, name="out")])
    d = diagnose(model, tmp_path, x, y)
    assert d.collapsed and d.blame[0].layer == "h1" and "constant_input" in d.blame[0].kinds
    assert not any(b.responsible for b in d.blame)  # no repair of the model can tell identical samples apart


def test_categorical_cross_entropy_over_one_unit_is_reported(tmp_path):
    k = models.keras()
    x = np.random.default_rng(10).normal(size=(200, 10)).astype("float32")
    model = k.Sequential([k.Input((10,)), dense(k, 8, "relu", "h1"), dense(k, 1, "sigmoid", "out")])
    model.compile("adam", "categorical_crossentropy")
    d = diagnose(model, tmp_path, x, (x[:, :1] > 0).astype("float32"))
    assert any(f.kind == "loss_activation_mismatch" and f.layer == "out" for f in d.findings)


def test_a_layer_two_nested_models_deep_is_measured_and_blamed(tmp_path):
    k = models.keras()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 6)).astype("float32")
    y = x[:, :1] * 2
    deep_in = k.Input((8,))
    inner = k.Model(deep_in, dense(k, 8, "relu", "inner_dense", kernel_initializer="zeros")(deep_in), name="inner")
    mid_in = k.Input((6,))
    middle = k.Model(mid_in, dense(k, 4, "relu", "mid_post")(inner(dense(k, 8, "relu", "mid_pre")(mid_in))),
                     name="middle")
    inp = k.Input((6,), name="x")
    model = k.Model(inp, dense(k, 1, name="out")(middle(dense(k, 6, "relu", "outer_pre")(inp))))
    d = diagnose(model, tmp_path, x, y)
    assert {"middle/mid_pre", "middle/inner/inner_dense", "middle/mid_post"} <= set(d.layers)
    assert d.layers["middle/inner/inner_dense"].activation.relative_spread < d.thresholds["dead_spread"]
    assert d.layers["middle/mid_pre"].activation.relative_spread > d.thresholds["dead_spread"]
    assert d.collapsed and d.blame[0].layer == "middle/inner/inner_dense"
