"""Streamed statistics equal the in-memory ones, whatever the chunking."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from inspector.core import stats
from inspector.core.heads import cosine


@pytest.fixture
def big(tmp_path):
    rng = np.random.default_rng(1)
    values = rng.normal(2.0, 3.0, size=(1000, 37)).astype("float32")
    values[::7, 3] = 0.0
    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as f:
        f["w"] = values
    return path, values


@pytest.mark.parametrize("chunk_bytes", [64, 4096, 32 << 20])
def test_streamed_equals_in_memory(big, monkeypatch, chunk_bytes):
    path, values = big
    monkeypatch.setattr(stats, "CHUNK_BYTES", chunk_bytes)
    with h5py.File(path, "r") as f:
        s = stats.dataset_stats(f["w"])
    v = values.astype(np.float64)
    assert s.count == values.size
    assert s.mean == pytest.approx(v.mean(), rel=1e-9)
    assert s.std == pytest.approx(v.std(), rel=1e-6)
    assert (s.min, s.max) == (float(values.min()), float(values.max()))
    assert s.zero_fraction == pytest.approx(np.mean(values == 0))
    assert s.l2_norm == pytest.approx(np.linalg.norm(v), rel=1e-6)
    expected, _ = np.histogram(v, bins=np.linspace(v.min(), v.max(), stats.HIST_BINS + 1))
    assert s.histogram.counts == expected.tolist()


def test_non_finite_values_are_counted_not_averaged():
    s = stats.array_stats(np.array([1.0, np.nan, np.inf, -np.inf, 3.0]))
    assert (s.nan_count, s.inf_count) == (1, 2)
    assert s.mean == 2.0 and not s.finite
    assert sum(s.histogram.counts) == 2


def test_constant_tensor_has_a_histogram():
    s = stats.array_stats(np.full((4, 4), 0.5, dtype="float32"))
    assert s.std == 0.0 and sum(s.histogram.counts) == 16


def test_cosine_edge_cases():
    assert cosine(np.zeros(3), np.zeros(3)) == 1.0
    assert cosine(np.zeros(3), np.ones(3)) == 0.0
    assert cosine(np.array([1.0, 2.0]), np.array([-1.0, -2.0])) == pytest.approx(-1.0)

