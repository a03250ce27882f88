"""Activation measurements streamed batch by batch equal the in-memory ones, and stay exact for nearly constant
outputs (the very case the tool exists for)."""

from __future__ import annotations

import numpy as np
import pytest

from inspector.analysis.accumulators import ActivationAccumulator


def streamed(values: np.ndarray, batch: int, activation: str | None = None):
    acc = ActivationAccumulator(activation)
    for start in range(0, values.shape[0], batch):
        acc.add(values[start : start + batch])
    return acc.summary()


@pytest.mark.parametrize("shape", [(300, 5), (120, 4, 3)])
def test_streamed_unit_statistics_equal_numpy(shape):
    rng = np.random.default_rng(0)
    values = (rng.normal(size=shape) * 3 + 7).astype("float32")
    summary = streamed(values, 64)
    units = values.reshape(-1, shape[-1]).astype(np.float64)
    np.testing.assert_allclose(summary.unit_mean, units.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(summary.unit_std, units.std(axis=0), rtol=1e-5)
    per_feature = values.reshape(shape[0], -1).astype(np.float64)
    assert summary.spread == pytest.approx(np.sqrt(per_feature.var(axis=0).mean()), rel=1e-5)
    assert summary.relative_spread == pytest.approx(summary.spread / np.sqrt((per_feature**2).mean()), rel=1e-5)


def test_a_nearly_constant_output_is_measured_exactly():
    """float32 squares of 0.49 carry an error of ~1e-8 each; summed over samples they used to show a std of 4e-5
    for an output that varied by 3e-8."""
    rng = np.random.default_rng(1)
    values = (0.4893233 + rng.normal(size=(300, 1)) * 3e-8).astype("float32")
    summary = streamed(values, 128, "sigmoid")
    true_std = values.astype(np.float64).std()
    assert summary.unit_std[0] == pytest.approx(true_std, rel=1e-3)
    assert summary.spread == pytest.approx(true_std, rel=1e-3)
    constant = streamed(np.full((50, 3), 0.25, dtype="float32"), 16)
    assert constant.spread == 0.0 and constant.unit_std == [0.0, 0.0, 0.0] and constant.constant_fraction == 1.0
