"""Data-free flags on models made broken on purpose, and silence on a healthy one."""

from __future__ import annotations

import numpy as np
import pytest

from inspector.core.inspection import inspect_model
from tests import models

pytestmark = pytest.mark.slow


def _multi_head(k, same_init=False, heads=3):
    x = k.Input((6,), name="x")
    h = k.layers.Dense(8, activation="relu", name="trunk")(x)
    init = k.initializers.GlorotUniform(seed=3) if same_init else "glorot_uniform"
    outs = [k.layers.Dense(1, kernel_initializer=init, name=f"out_{i}")(h) for i in range(heads)]
    return k.Model(x, outs)


def _kinds(inspection):
    return {(f.kind, f.severity, f.layer) for f in inspection.findings}


@pytest.mark.parametrize("fmt", ["keras", "h5"])
def test_identical_heads(tmp_path, fmt):
    k = models.keras()
    model = _multi_head(k, same_init=True)
    inspection = inspect_model(models.save_both(model, tmp_path, "m")[fmt])
    assert ("identical_heads", "error", "out_1") in _kinds(inspection)
    assert all(c.identical for c in inspection.comparisons)
    assert len(inspection.comparisons) == 3


def test_distinct_heads_are_compared_but_not_flagged(tmp_path):
    k = models.keras()
    inspection = inspect_model(models.save_both(_multi_head(k), tmp_path, "m")["keras"])
    assert not any(f.kind == "identical_heads" for f in inspection.findings)
    assert all(-1 <= c.min_cosine < 0.999 for c in inspection.comparisons)


def test_zero_kernel_and_identical_units(tmp_path):
    k = models.keras()
    model = k.Sequential([k.Input((10,)), k.layers.Dense(64, activation="relu", name="h1"),
                          k.layers.Dense(3, kernel_initializer="zeros", name="out")])
    kinds = _kinds(inspect_model(models.save_both(model, tmp_path, "m")["keras"]))
    assert ("zero_weights", "error", "out") in kinds
    assert ("identical_heads", "error", "out") in kinds


def test_zero_batchnorm_scale(tmp_path):
    k = models.keras()
    model = k.Sequential([k.Input((4,)), k.layers.Dense(4, name="d"),
                          k.layers.BatchNormalization(gamma_initializer="zeros", name="bn"),
                          k.layers.Dense(1, name="out")])
    assert ("zero_weights", "error", "bn") in _kinds(inspect_model(models.save_both(model, tmp_path, "m")["h5"]))


def test_nan_weights(tmp_path):
    k = models.keras()
    model = k.Sequential([k.Input((4,)), k.layers.Dense(4, name="d"), k.layers.Dense(1, name="out")])
    kernel = model.get_layer("d").kernel.numpy()
    kernel[0, 0] = np.nan
    model.get_layer("d").kernel.assign(kernel)
    inspection = inspect_model(models.save_both(model, tmp_path, "m")["keras"])
    finding = next(f for f in inspection.findings if f.kind == "non_finite")
    assert finding.layer == "d" and finding.evidence["nan"] == 1


def test_bias_dominated_output_and_heavy_l2(tmp_path):
    k = models.keras()
    model = k.Sequential([
        k.Input((4,)),
        k.layers.Dense(8, activation="relu", kernel_regularizer=k.regularizers.L2(0.5), name="d"),
        k.layers.Dense(1, bias_initializer=k.initializers.Constant(500.0), name="out"),
    ])
    kinds = _kinds(inspect_model(models.save_both(model, tmp_path, "m")["keras"]))
    assert ("bias_dominated_output", "warning", "out") in kinds
    assert ("over_regularization", "warning", "d") in kinds


def test_healthy_model_has_no_error_or_warning(tmp_path):
    model = models.multi_io()
    for path in models.save_both(model, tmp_path, "m").values():
        inspection = inspect_model(path)
        assert not [f for f in inspection.findings if f.severity in ("error", "warning")]
