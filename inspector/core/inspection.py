"""Everything `inspect` knows without data: structure, weight statistics, head comparisons, data-free findings.

`inspect_steps` is a generator (it yields `Progress` per layer and returns the `Inspection`), so the window can
show progress and cancel on a big model; `inspect_model` simply runs it.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from typing import BinaryIO

import h5py

from inspector.core.deadline import file_size, reading
from inspector.core.findings import data_free_findings
from inspector.core.h5safe import h5_errors
from inspector.core.heads import HeadComparison, compare_heads
from inspector.core.model import Finding, ModelInfo, WeightRef, WeightSource
from inspector.core.reader import read_model
from inspector.core.stats import CHUNK_BYTES, TensorStats, array_stats, dataset_stats, read_weight, resolve
from inspector.progress import Progress, run


@dataclass
class Inspection:
    info: ModelInfo
    weight_stats: dict[str, TensorStats] = field(default_factory=dict)  # by weight path
    comparisons: list[HeadComparison] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def layer_stats(self, layer_name: str) -> list[tuple[WeightRef, TensorStats]]:
        layer = self.info.layers[layer_name]
        return [(w, self.weight_stats[w.path]) for w in layer.weights if w.path in self.weight_stats]


def inspect_steps(path: str | os.PathLike[str], trust_code: bool = False,
                  info: ModelInfo | None = None) -> Generator[Progress, None, Inspection]:
    """`trust_code` only decodes stored Lambda bytecode to describe it (never runs it): see core.lambda_code.
    `info` is the file's structure when it was read already (the window lays the graph out before measuring)."""
    if info is None:
        yield Progress("reading model")
        info = read_model(path)
    result = Inspection(info)
    refs = _all_refs(info)
    if info.source is None or not refs:
        result.findings = data_free_findings(info, {}, [], _no_read, trust_code)
        return result
    raw_offset = info.source.raw_offset
    where, size = info.path, file_size(info.path)
    # Each stretch between two yields is one mark (core.deadline): a mark held across a yield would stay open
    # in a generator that is dropped half-way.
    with info.source.open() as h5, _raw_file(info.source) as raw:
        stats = _stats_in_parallel(h5, refs, raw, raw_offset)
        while True:
            with reading(where, size), h5_errors(where):
                batch = list(islice(stats, 16))
            if not batch:
                break
            result.weight_stats.update(batch)
            yield Progress("weight statistics", len(result.weight_stats), len(refs))

        def read(ref: WeightRef):  # noqa: ANN202 - numpy array
            return read_weight(h5, ref, raw, raw_offset)

        yield Progress("comparing heads")
        with reading(where, size), h5_errors(where):
            result.comparisons = compare_heads(info, read)
            result.findings = data_free_findings(info, result.weight_stats, result.comparisons, read, trust_code)
    return result


def inspect_model(path: str | os.PathLike[str], trust_code: bool = False) -> Inspection:
    return run(inspect_steps(path, trust_code))


PARALLEL_MIN_SIZE = 1 << 16


@contextmanager
def _raw_file(source: WeightSource) -> Iterator[BinaryIO | None]:
    if source.raw_path is None:
        yield None
        return
    with open(source.raw_path, "rb") as fh:
        yield fh


def _stats_in_parallel(h5: h5py.File, refs: list[WeightRef], raw: BinaryIO | None = None,
                       raw_offset: int = 0) -> Iterator[tuple[str, TensorStats]]:
    """Read in this thread (HDF5 is serialised anyway), compute in two: numpy releases the GIL, and the
    statistics of a 100 MB model then cost about what reading it does. In-flight tensors are bounded."""
    pending: deque[tuple[str, Future[TensorStats]]] = deque()
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="weight-stats") as pool:
        for ref in refs:
            if ref.size * 4 > CHUNK_BYTES:  # big tensors stream through their own chunked path
                yield ref.path, dataset_stats(resolve(h5, ref))
                continue
            array = read_weight(h5, ref, raw, raw_offset)
            if ref.size < PARALLEL_MIN_SIZE:  # tiny ones cost less than a thread hop
                yield ref.path, array_stats(array)
                continue
            pending.append((ref.path, pool.submit(array_stats, array)))
            while len(pending) > 8:
                path, future = pending.popleft()
                yield path, future.result()
        while pending:
            path, future = pending.popleft()
            yield path, future.result()


def _all_refs(info: ModelInfo) -> list[WeightRef]:
    refs = {w.path: w for layer in info.layers.values() for w in layer.weights}
    for w in info.weight_tree if not info.layers else info.unassigned:
        refs.setdefault(w.path, w)
    return list(refs.values())


def _no_read(ref: WeightRef):  # noqa: ANN202
    raise AssertionError("no weights to read")
