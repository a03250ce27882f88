"""Data handed over in memory (the Python API): arrays, lists or dicts of arrays, or a stream of `(x, y)`
batches such as a `tf.data.Dataset`, matched to the model's inputs and outputs like the files are."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from inspector.analysis.datasets import Dataset, as_model_array
from inspector.core.model import InputSpec
from inspector.errors import DataError

GRADIENT_CACHE = 512  # samples of a stream kept for the gradient pass (capture.MAX_GRAD_SAMPLES)


def by_name(values: Any, names: Sequence[str], what: str) -> list[Any]:
    """One array per name, from an array (one name), a list/tuple in order, or a dict by name."""
    if isinstance(values, dict):
        missing = [n for n in names if n not in values]
        if missing:
            raise DataError(f"{what}: no array for {', '.join(missing)} (given: {', '.join(map(str, values))})")
        return [values[n] for n in names]
    if isinstance(values, (list, tuple)):
        if len(values) != len(names):
            raise DataError(f"{what}: {len(values)} arrays for {len(names)} ({', '.join(names)})")
        return list(values)
    if len(names) != 1:
        raise DataError(f"{what}: one array for {len(names)} ({', '.join(names)}); pass a list or a dict by name")
    return [values]


def arrays_dataset(x: Any, y: Any, specs: Sequence[InputSpec], outputs: Sequence[str]) -> Dataset:
    if _is_stream(x):
        return StreamDataset(x, specs, outputs)
    inputs = [np.asarray(v) for v in by_name(x, [s.name for s in specs], "x")]
    targets = None if y is None else [np.asarray(v) for v in by_name(y, list(outputs), "y")]
    n = inputs[0].shape[0] if inputs and inputs[0].ndim else 0
    return Dataset(inputs, targets, f"arrays ({n} samples)")


def _is_stream(x: Any) -> bool:
    return hasattr(x, "as_numpy_iterator") or (isinstance(x, Iterable) and not isinstance(
        x, (np.ndarray, list, tuple, dict, str, bytes)))


class _Column:
    """Stands in for an input array of a stream: the sample count and one sample's shape, nothing more."""

    def __init__(self, n: int, sample: np.ndarray) -> None:
        self.shape = (n, *sample.shape[1:])
        self.dtype = sample.dtype
        self.ndim = len(self.shape)

    def __getitem__(self, item: Any) -> Any:
        raise TypeError("a streamed input is read through StreamDataset.batch")


class StreamDataset(Dataset):
    """A re-iterable stream of `(x, y)` batches, read in order: inputs are never held whole (only the first
    GRADIENT_CACHE samples, for the gradient pass); targets, one small array per head, are kept to judge the
    heads. A first pass counts the samples."""

    def __init__(self, stream: Any, specs: Sequence[InputSpec], outputs: Sequence[str]) -> None:
        self.stream = stream
        self.specs, self.outputs = list(specs), list(outputs)
        n, targets, first = 0, [], None
        for xs, ys in self._batches():
            first = first or xs
            n += xs[0].shape[0]
            if ys is not None:
                targets.append(ys)
        if first is None:
            raise DataError("the stream yields no batches")
        joined = [np.concatenate([t[i] for t in targets]) for i in range(len(targets[0]))] if targets else None
        super().__init__([_Column(n, x) for x in first], joined, f"stream ({n} samples)")
        self.cache: list[np.ndarray] | None = None
        self.iterator: Iterator[tuple[list[np.ndarray], Any]] | None = None
        self.buffer: list[np.ndarray] = []
        self.offset = 0  # the sample index buffer[.][0] stands for

    def _batches(self) -> Iterator[tuple[list[np.ndarray], list[np.ndarray] | None]]:
        source = self.stream.as_numpy_iterator() if hasattr(self.stream, "as_numpy_iterator") else iter(self.stream)
        for item in source:
            x, y = item if isinstance(item, tuple) and len(item) == 2 else (item, None)
            xs = [as_model_array(v) for v in by_name(x, [s.name for s in self.specs], "stream x")]
            ys = None if y is None else [np.asarray(v) for v in by_name(y, self.outputs, "stream y")]
            yield xs, ys

    def batch(self, start: int, stop: int) -> list[np.ndarray]:
        if self.cache is not None and stop <= self.cache[0].shape[0]:
            return [c[start:stop] for c in self.cache]
        if self.iterator is None or start < self.offset:
            self.iterator, self.buffer, self.offset = self._batches(), [], 0
        while not self.buffer or self.offset + self.buffer[0].shape[0] < stop:
            try:
                xs, _ = next(self.iterator)
            except StopIteration:
                break
            self.buffer = xs if not self.buffer else [np.concatenate([b, x]) for b, x in zip(self.buffer, xs,
                                                                                            strict=True)]
        rows = [b[start - self.offset: stop - self.offset] for b in self.buffer]
        if self.cache is None and start == 0:
            self.cache = [b[:GRADIENT_CACHE].copy() for b in self.buffer]
        if self.cache is not None and self.cache[0].shape[0] < GRADIENT_CACHE and start == self.cache[0].shape[0]:
            self.cache = [np.concatenate([c, r])[:GRADIENT_CACHE] for c, r in zip(self.cache, rows, strict=True)]
        dropped = stop - self.offset
        self.buffer = [b[dropped:] for b in self.buffer]
        self.offset = stop
        return rows
