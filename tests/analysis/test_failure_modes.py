"""Each failure mode of the seed articles (and more) is detected with the right layer first in `blame` and the
right kind; healthy controls, including hard ones, get neither `collapsed` nor an `error` finding."""

from __future__ import annotations

import numpy as np
import pytest

from inspector.analysis.diagnose import DiagnoseOptions, diagnose_steps
from inspector.progress import run
from tests import models

pytestmark = pytest.mark.slow


def diagnose(model, tmp_path, x, y=None, name="m", fmt="keras", **options):
    path = models.save_both(model, tmp_path, name)[fmt]
    data = tmp_path / f"{name}.npz"
    arrays = {"x": x} if not isinstance(x, dict) else dict(x)
    if y is not None:
        arrays["y"] = y
    np.savez(data, **arrays)
    return run(diagnose_steps(path, DiagnoseOptions(data=str(data), **options)))


def kinds(d, severity=None):
    return {(f.kind, f.layer) for f in d.findings if severity is None or f.severity == severity}


def first_blamed(d):
    assert d.blame, "nothing was blamed"
    return d.blame[0].layer


def regression_data(n=400, features=10, outputs=1, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    w = rng.normal(size=(features, outputs)).astype("float32")
    return x, (x @ w + 0.1 * rng.normal(size=(n, outputs))).astype("float32")


def mlp(k, hidden_kwargs=None, out_units=1, activation="relu", depth=2, name="out"):
    layers = [k.Input((10,))]
    for i in range(depth):
        layers.append(k.layers.Dense(16, activation=activation, name=f"h{i + 1}",
                                     **(hidden_kwargs or {}) if i == 0 else {}))
    layers.append(k.layers.Dense(out_units, name=name))
    return k.Sequential(layers)


def test_zero_initialised_layer(tmp_path):
    k = models.keras()
    model = mlp(k, {"kernel_initializer": "zeros"})
    x, y = regression_data()
    d = diagnose(model, tmp_path, x, y)
    assert d.collapsed and first_blamed(d) == "h1"
    assert ("zero_weights", "h1") in kinds(d, "error")
    assert d.blame[0].verified is True  # re-initialising h1 brings the spread back


def test_identical_heads(tmp_path):
    k = models.keras()
    inp = k.Input((10,))
    h = k.layers.Dense(16, activation="relu", name="trunk")(inp)
    init = k.initializers.GlorotUniform(seed=5)
    outs = [k.layers.Dense(1, kernel_initializer=init, name=f"head_{i}")(h) for i in range(3)]
    model = k.Model(inp, outs)
    x, y = regression_data(outputs=3)
    d = diagnose(model, tmp_path, x, y)
    assert d.collapsed and any(p.identical for p in d.pairs)
    assert any(f.kind == "identical_heads" and f.severity == "error" for f in d.findings)
    assert first_blamed(d).startswith("head_")


def test_dying_relu(tmp_path):
    k = models.keras()
    model = mlp(k, {"bias_initializer": k.initializers.Constant(-50.0)})
    x, y = regression_data()
    d = diagnose(model, tmp_path, x, y)
    assert d.collapsed and first_blamed(d) == "h1"
    assert ("dead_units", "h1") in kinds(d, "error")
    assert d.blame[0].verified is True


def test_saturated_sigmoid(tmp_path):
    k = models.keras()
    model = mlp(k, {"bias_initializer": k.initializers.Constant(40.0)}, activation="sigmoid")
    x, y = regression_data()
    d = diagnose(model, tmp_path, x, y)
    assert d.collapsed and first_blamed(d) == "h1"
    assert ("saturation", "h1") in kinds(d)


def test_vanishing_gradients_in_deep_sigmoid_stack(tmp_path):
    k = models.keras()
    model = mlp(k, activation="sigmoid", depth=12)
    x, y = regression_data()
    d = diagnose(model, tmp_path, x, y)
    assert any(f.kind == "vanishing_gradient" for f in d.findings)


def test_zero_batchnorm_scale(tmp_path):
    k = models.keras()
    model = k.Sequential([k.Input((10,)), k.layers.Dense(16, name="d"),
                          k.layers.BatchNormalization(gamma_initializer="zeros", name="bn"),
                          k.layers.Activation("relu", name="act"), k.layers.Dense(1, name="out")])
    x, y = regression_data()
    d = diagnose(model, tmp_path, x, y, fmt="h5")
    assert d.collapsed and first_blamed(d) == "bn"
    assert ("zero_weights", "bn") in kinds(d, "error")
    assert d.blame[0].verified is True


def test_nan_weights(tmp_path):
    k = models.keras()
    model = mlp(k)
    kernel = model.get_layer("h2").kernel.numpy()
    kernel[:, :] = np.nan
    model.get_layer("h2").kernel.assign(kernel)
    x, y = regression_data()
    d = diagnose(model, tmp_path, x, y)
    assert d.collapsed and first_blamed(d) == "h2"
    assert ("non_finite", "h2") in kinds(d, "error")


def test_collapsed_conv_model(tmp_path):
    k = models.keras()
    model = k.Sequential([k.Input((12, 12, 3)), k.layers.Conv2D(8, 3, activation="relu", name="conv1"),
                          k.layers.Conv2D(8, 3, activation="relu", kernel_initializer="zeros", name="conv2"),
                          k.layers.GlobalAveragePooling2D(name="gap"), k.layers.Dense(2, activation="softmax",
                                                                                      name="probs")])
    x = np.random.default_rng(0).normal(size=(200, 12, 12, 3)).astype("float32")
    d = diagnose(model, tmp_path, x)
    assert d.collapsed and first_blamed(d) == "conv2"


def test_collapsed_recurrent_model(tmp_path):
    k = models.keras()
    model = k.Sequential([k.Input((7, 4)), k.layers.LSTM(8, kernel_initializer="zeros",
                                                         recurrent_initializer="zeros", name="lstm"),
                          k.layers.Dense(1, name="out")])
    x = np.random.default_rng(0).normal(size=(200, 7, 4)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None]
    d = diagnose(model, tmp_path, x, y, fmt="h5")
    assert d.collapsed and first_blamed(d) == "lstm"


def test_dead_layer_inside_nested_model(tmp_path):
    k = models.keras()
    inner_in = k.Input((10,))
    dead = k.layers.Dense(8, activation="relu", bias_initializer=k.initializers.Constant(-80.0), name="dead")
    encoder = k.Model(inner_in, k.layers.Dense(4, name="proj")(dead(k.layers.Dense(8, name="pre")(inner_in))),
                      name="encoder")
    x_in = k.Input((10,))
    model = k.Model(x_in, k.layers.Dense(1, name="out")(encoder(x_in)))
    x, y = regression_data()
    d = diagnose(model, tmp_path, x, y)
    assert d.collapsed and first_blamed(d) == "encoder/dead"


def test_single_unit_softmax_real_file(tmp_path):
    from tests.conftest import CORPUS_COLLAPSED, corpus_file

    path = corpus_file(CORPUS_COLLAPSED, "deepdiagnosis-gradvanish-motivating.h5")
    data = corpus_file(CORPUS_COLLAPSED, "ones-zeros-128.npz")
    d = run(diagnose_steps(path, DiagnoseOptions(data=str(data))))
    assert d.collapsed and first_blamed(d) == "activation_3"
    assert ("single_unit_softmax", "activation_3") in kinds(d, "error")


def test_class_imbalance_collapse(tmp_path):
    k = models.keras()
    rng = np.random.default_rng(0)
    x = rng.random(size=(1000, 10)).astype("float32")  # features carry no signal, labels 95 % one class
    labels = (rng.random(1000) < 0.05).astype(int)
    y = np.eye(2, dtype="float32")[labels]
    model = k.Sequential([k.Input((10,)), k.layers.Dense(32, activation="relu", name="h"),
                          k.layers.Dense(2, activation="softmax", name="probs")])
    model.compile("adam", "categorical_crossentropy")
    model.fit(x, y, epochs=20, verbose=0)
    d = diagnose(model, tmp_path, x, y)
    assert d.collapsed
    assert ("class_imbalance", "probs") in kinds(d)


def test_unscaled_targets_and_unnormalised_inputs(tmp_path):
    k = models.keras()
    x, y = regression_data()
    x[:, 0] *= 1000.0
    y = y * 500 + 3000
    model = mlp(k)
    model.compile(k.optimizers.Adam(1.0), "mse")
    model.fit(x, y, epochs=5, verbose=0)
    d = diagnose(model, tmp_path, x, y)
    found = {kind for kind, _ in kinds(d)}
    assert {"target_scale_mismatch", "unnormalized_input"} <= found


def test_heavy_l2_regularisation(tmp_path):
    k = models.keras()
    x, y = regression_data()
    model = mlp(k, {"kernel_regularizer": k.regularizers.L2(50.0)})
    model.compile("adam", "mse")
    model.fit(x, y, epochs=40, verbose=0)
    d = diagnose(model, tmp_path, x, y)
    assert ("over_regularization", "h1") in kinds(d, "warning")


# --- healthy controls ----------------------------------------------------------------------------------------


def assert_healthy(d):
    assert not d.collapsed, d.verdict
    assert not [f for f in d.findings if f.severity == "error"], [f.message for f in d.findings]
    assert d.blame == []


def test_healthy_mlp(tmp_path):
    k = models.keras()
    x, y = regression_data()
    model = mlp(k)
    model.compile("adam", "mse")
    model.fit(x, y, epochs=5, verbose=0)
    assert_healthy(diagnose(model, tmp_path, x, y))


def test_minority_of_dead_units_is_not_an_error(tmp_path):
    k = models.keras()
    model = mlp(k)
    bias = model.get_layer("h1").bias.numpy()
    bias[:3] = -100.0  # 3 of 16 units dead
    model.get_layer("h1").bias.assign(bias)
    x, y = regression_data()
    d = diagnose(model, tmp_path, x, y)
    assert_healthy(d)
    dead = next(f for f in d.findings if f.kind == "dead_units" and f.layer == "h1")
    assert dead.severity == "info"


def test_small_outputs_matching_small_targets(tmp_path):
    k = models.keras()
    x, y = regression_data()
    model = mlp(k)
    model.compile("adam", "mse")
    model.fit(x, y * 1e-5, epochs=30, verbose=0)
    assert_healthy(diagnose(model, tmp_path, x, y * 1e-5))


def test_imbalanced_but_learnable_labels(tmp_path):
    k = models.keras()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1000, 10)).astype("float32")
    labels = (x[:, 0] > 1.3).astype(int)  # about 10 % positives, perfectly predictable
    y = np.eye(2, dtype="float32")[labels]
    model = k.Sequential([k.Input((10,)), k.layers.Dense(16, activation="relu"),
                          k.layers.Dense(2, activation="softmax", name="probs")])
    model.compile(k.optimizers.Adam(0.01), "categorical_crossentropy")
    model.fit(x, y, epochs=30, verbose=0)
    d = diagnose(model, tmp_path, x, y)
    assert_healthy(d)


def test_multi_input_healthy(tmp_path):
    model = models.multi_io()
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(300, 6)).astype("float32"), rng.normal(size=(300, 6)).astype("float32")
    d = diagnose(model, tmp_path, {"a": a, "b": b})
    assert_healthy(d)
    assert len(d.heads) == 3 and d.synthetic is False
