"""Statistics of numbers that may not fit in memory at once: weight tensors now, activations later.

`Accumulator` is fed chunk by chunk; the histogram needs a range before it can count, so a tensor is read twice
when it is bigger than one chunk (min/max first, then counts) and once otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import h5py
import numpy as np

from inspector.core import h5safe
from inspector.core.model import WeightRef
from inspector.errors import ModelFileError

HIST_BINS = 40
CHUNK_BYTES = 32 << 20


@dataclass
class Histogram:
    counts: list[int]
    edges: list[float]  # len(counts) + 1, equal-width bins

    @staticmethod
    def empty() -> Histogram:
        return Histogram(counts=[], edges=[])


@dataclass
class TensorStats:
    shape: tuple[int, ...]
    count: int
    mean: float
    std: float
    min: float
    max: float
    mean_abs: float
    zero_fraction: float
    nan_count: int
    inf_count: int
    l2_norm: float
    histogram: Histogram = field(default_factory=Histogram.empty)

    @property
    def finite(self) -> bool:
        return self.nan_count == 0 and self.inf_count == 0

    def to_dict(self) -> dict[str, Any]:
        return {"shape": list(self.shape), "count": self.count, "mean": self.mean, "std": self.std,
                "min": self.min, "max": self.max, "mean_abs": self.mean_abs, "zero_fraction": self.zero_fraction,
                "nan_count": self.nan_count, "inf_count": self.inf_count, "l2_norm": self.l2_norm,
                "histogram": {"counts": self.histogram.counts, "edges": self.histogram.edges}}


class Accumulator:
    """Moments and extremes merged chunk by chunk (Chan et al.'s parallel variance, float64 accumulators).

    Float32 tensors are processed in float32 where that is exact enough, because reading statistics of a
    100 MB model must cost a fraction of loading it in Keras; a constant tensor gets std exactly 0 (min == max).
    """

    def __init__(self) -> None:
        self.count = 0
        self.n = 0  # finite values
        self.mean = 0.0
        self.m2 = 0.0
        self.total_abs = 0.0
        self.zeros = 0
        self.nans = 0
        self.infs = 0
        self.low = np.inf
        self.high = -np.inf

    def add(self, chunk: np.ndarray) -> None:
        values = np.asarray(chunk).ravel()
        if values.dtype.kind == "c":
            values = np.abs(values)
        if values.dtype.kind != "f" or values.dtype.itemsize > 8:
            values = values.astype(np.float64)
        self.count += values.size
        if values.size and not np.isfinite(values).all():
            nan = np.isnan(values)
            inf = np.isinf(values)
            self.nans += int(nan.sum())
            self.infs += int(inf.sum())
            values = values[~(nan | inf)]
        n = values.size
        if n == 0:
            return
        self.zeros += n - int(np.count_nonzero(values))
        low, high = float(values.min()), float(values.max())
        mean = float(values.sum(dtype=np.float64)) / n
        if low == high:
            m2 = 0.0
        else:
            centred = values - values.dtype.type(mean)
            m2 = float(np.dot(centred, centred))
        self.total_abs += float(np.abs(values).sum(dtype=np.float64))
        self.low, self.high = min(self.low, low), max(self.high, high)
        total = self.n + n
        delta = mean - self.mean
        self.mean += delta * n / total
        self.m2 += m2 + delta * delta * self.n * n / total
        self.n = total

    def stats(self, shape: tuple[int, ...], histogram: Histogram) -> TensorStats:
        n = self.n
        nan = float("nan")
        return TensorStats(
            shape=shape,
            count=self.count,
            mean=self.mean if n else nan,
            std=float(np.sqrt(max(self.m2 / n, 0.0))) if n else nan,
            min=self.low if n else nan,
            max=self.high if n else nan,
            mean_abs=self.total_abs / n if n else nan,
            zero_fraction=self.zeros / self.count if self.count else 0.0,
            nan_count=self.nans,
            inf_count=self.infs,
            l2_norm=float(np.sqrt(self.m2 + n * self.mean * self.mean)),
            histogram=histogram,
        )


def hist_edges(low: float, high: float, bins: int = HIST_BINS) -> np.ndarray:
    """Equal-width edges over [low, high]; a constant tensor gets a small window around its value."""
    if not np.isfinite(low) or not np.isfinite(high):
        return np.array([], dtype=np.float64)
    if high <= low:
        pad = max(abs(low) * 1e-3, 1e-12)
        low, high = low - pad, high + pad
    return np.linspace(low, high, bins + 1)


def histogram_of(chunks: Iterable[np.ndarray], edges: np.ndarray, clean: bool = False) -> Histogram:
    """Counts in equal-width bins; values outside the edges are left out, the last bin includes its edge.

    `clean` says every value is already known to be finite and inside the edges (the edges were just taken
    from the values' own min and max), which saves the three checking passes over a big tensor."""
    if edges.size == 0:
        return Histogram.empty()
    bins = edges.size - 1
    low, high = float(edges[0]), float(edges[-1])
    counts = np.zeros(bins, dtype=np.int64)
    for chunk in chunks:
        values = np.asarray(chunk).ravel()
        if values.dtype.kind != "f":
            values = values.astype(np.float64)
        if not clean:
            if not np.isfinite(values).all():
                values = values[np.isfinite(values)]
            if values.size and (values.min() < low or values.max() > high):
                values = values[(values >= low) & (values <= high)]
        index = ((values.astype(np.float64, copy=False) - low) * (bins / (high - low))).astype(np.int64)
        counts += np.bincount(np.clip(index, 0, bins - 1), minlength=bins)
    return Histogram(counts=[int(c) for c in counts], edges=[float(e) for e in edges])


def array_stats(array: np.ndarray, bins: int = HIST_BINS) -> TensorStats:
    acc = Accumulator()
    acc.add(array)
    edges = hist_edges(acc.low, acc.high, bins)
    clean = acc.n == acc.count and acc.n > 0 and acc.low >= edges[0] and acc.high <= edges[-1]
    return acc.stats(tuple(array.shape), histogram_of([array], edges, clean))


def _row_chunks(dataset: h5py.Dataset) -> Iterator[np.ndarray]:
    shape = h5safe.dataset_shape(dataset)
    if not shape or shape[0] == 0:
        yield h5safe.read_dataset(dataset)
        return
    row_bytes = max(1, int(np.prod(shape[1:], dtype=np.int64)) * dataset.dtype.itemsize)
    step = max(1, CHUNK_BYTES // row_bytes)
    for start in range(0, shape[0], step):
        yield h5safe.read_dataset(dataset, slice(start, start + step))


def dataset_stats(dataset: h5py.Dataset, bins: int = HIST_BINS) -> TensorStats:
    """Statistics of one stored tensor, never holding more than `CHUNK_BYTES` of it for big tensors."""
    h5safe.check_dataset(dataset)
    shape = h5safe.dataset_shape(dataset)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dataset.dtype.itemsize if shape else 8
    if nbytes <= CHUNK_BYTES:
        return array_stats(h5safe.read_dataset(dataset), bins)
    acc = Accumulator()
    for chunk in _row_chunks(dataset):
        acc.add(chunk)
    edges = hist_edges(acc.low, acc.high, bins)
    return acc.stats(shape, histogram_of(_row_chunks(dataset), edges))


def resolve(h5: h5py.File, ref: WeightRef) -> h5py.Dataset:
    """The dataset behind a reference. Paths come from HDF5's object visit, which reaches objects through hard
    links only, so a plain lookup follows the same links."""
    try:
        node = h5[ref.path]
    except (KeyError, ValueError, OSError, RuntimeError):
        node = None
    if not isinstance(node, h5py.Dataset):
        raise ModelFileError(f"weight '{ref.path}' is missing from the file")
    return node


def read_weight(h5: h5py.File, ref: WeightRef, raw: BinaryIO | None = None, raw_offset: int = 0) -> np.ndarray:
    """A weight's values: one plain read at its recorded position when it has one and `raw` (the file the HDF5
    data starts at `raw_offset` in) is given, else through h5py (chunked, compressed or compact storage)."""
    if ref.offset is not None and raw is not None:
        return h5safe.read_at(raw, raw_offset + ref.offset, ref.shape, ref.dtype, ref.path)
    return h5safe.read_dataset(resolve(h5, ref))
