"""Running measurements of activations, fed batch by batch: memory is fixed by the layer's width, never by the
number of samples. Plain numpy; the backend supplies the arrays."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from inspector.core.catalogue import threshold
from inspector.core.stats import Accumulator, Histogram, TensorStats

BINS = 40
MAX_FEATURES = 4096  # features tracked for the across-sample spread; wider layers are sampled at fixed positions
MAX_ROWS = 1 << 16  # per batch, unit statistics and histograms of big feature maps use an even sample of positions
RELU_FAMILY = frozenset({"relu", "relu6"})
SATURATION_BOUNDS = {"sigmoid": (0.0, 1.0), "hard_sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0),
                     "softsign": (-1.0, 1.0), "hard_tanh": (-1.0, 1.0), "softmax": (0.0, 1.0)}
NEAR_BOUND = threshold("near_bound")  # a value this close to a bound (share of the range) counts as saturated
SATURATED_UNIT = threshold("saturated_unit")  # a unit is saturated when this share of its values sit at a bound


class StreamingHistogram:
    """Fixed bin count over a range that only ever widens (by doubling, merging bins pairwise), so counts from
    earlier batches stay exact and the final range is stable whatever order the data comes in."""

    def __init__(self, bins: int = BINS) -> None:
        self.bins = bins
        self.low: float | None = None
        self.width = 0.0
        self.counts = np.zeros(bins, dtype=np.int64)

    def add(self, values: np.ndarray) -> None:
        values = values[np.isfinite(values)]
        if values.size == 0:
            return
        low, high = float(values.min()), float(values.max())
        if self.low is None:
            span = high - low
            self.width = span / self.bins * 1.0001 if span > 0 else max(abs(low) * 1e-3, 1e-12) / self.bins
            self.low = low if span > 0 else low - self.width * self.bins / 2
        while low < self.low:
            self._grow(left=True)
        while high >= self.low + self.width * self.bins:
            self._grow(left=False)
        index = ((values.astype(np.float64) - self.low) / self.width).astype(np.int64)
        self.counts += np.bincount(np.clip(index, 0, self.bins - 1), minlength=self.bins)

    def _grow(self, left: bool) -> None:
        assert self.low is not None
        merged = self.counts.reshape(-1, 2).sum(axis=1) if self.bins % 2 == 0 else None
        assert merged is not None, "bin count must be even"
        fresh = np.zeros(self.bins // 2, dtype=np.int64)
        if left:
            self.counts = np.concatenate([fresh, merged])
            self.low -= self.width * self.bins
        else:
            self.counts = np.concatenate([merged, fresh])
        self.width *= 2

    def histogram(self) -> Histogram:
        if self.low is None:
            return Histogram.empty()
        edges = self.low + self.width * np.arange(self.bins + 1)
        return Histogram(counts=[int(c) for c in self.counts], edges=[float(e) for e in edges])


@dataclass
class ActivationSummary:
    """What was measured of one layer's output over the data."""

    stats: TensorStats
    shape: tuple[int, ...]  # one sample's output shape
    samples: int
    units: int  # last-axis width
    spread: float  # RMS over features of the across-sample standard deviation
    relative_spread: float  # spread / RMS value: near 0 when the output no longer depends on the input
    dead_fraction: float | None  # ReLU family: units that are 0 for every sample (and position)
    saturated_fraction: float | None  # bounded activations: units at a bound for >= 99 % of values
    constant_fraction: float  # units whose value never changes across samples
    unit_mean: list[float] = field(default_factory=list)
    unit_std: list[float] = field(default_factory=list)


class ActivationAccumulator:
    def __init__(self, activation: str | None) -> None:
        self.activation = activation
        self.moments = Accumulator()
        self.hist = StreamingHistogram()
        self.samples = 0
        self.shape: tuple[int, ...] = ()
        self.feature_index: np.ndarray | None = None
        self.f_sum: np.ndarray | None = None
        self.f_sq: np.ndarray | None = None
        self.f_first: np.ndarray | None = None
        self.f_changed: np.ndarray | None = None
        self.u_sum = self.u_sq = self.u_max = self.u_min = self.u_bound = None  # per unit, float64
        self.u_ref: np.ndarray | None = None  # per unit: the first value seen, which sums are taken relative to
        self.u_count = 0

    def add(self, batch: np.ndarray) -> None:
        batch = np.asarray(batch)
        if batch.ndim == 0:
            return
        if batch.ndim == 1:
            batch = batch[:, None]
        n = batch.shape[0]
        self.samples += n
        self.shape = tuple(batch.shape[1:])
        flat = batch.reshape(n, -1)
        self.moments.add(flat)
        values = flat.ravel()
        step = max(1, values.size // MAX_ROWS)  # an even sample of each batch: the shape, at a fraction of the cost
        self.hist.add(values[::step])
        picked = self._features(flat)
        # a flat layer's units are its features: reuse the float64 copy instead of converting twice
        self._units(batch, picked if batch.ndim == 2 and picked.shape[1] == batch.shape[1] else None)

    def _features(self, flat: np.ndarray) -> np.ndarray:
        if self.feature_index is None:
            width = flat.shape[1]
            self.feature_index = (np.arange(width) if width <= MAX_FEATURES
                                  else np.linspace(0, width - 1, MAX_FEATURES).astype(np.int64))
            size = self.feature_index.size
            self.f_sum, self.f_sq = np.zeros(size), np.zeros(size)
            self.f_changed = np.zeros(size, dtype=bool)
        assert self.f_sum is not None and self.f_sq is not None
        picked = flat if self.feature_index.size == flat.shape[1] else flat[:, self.feature_index]
        if picked.dtype.kind != "f":
            picked = picked.astype(np.float64)
        if not np.isfinite(picked).all():
            picked = np.nan_to_num(picked, nan=0.0, posinf=0.0, neginf=0.0)
        if self.f_first is None:
            self.f_first = picked[0].astype(np.float64)
        # Sums of differences from the first sample, not of the values: a nearly constant output squared in
        # float32 would leave a noise floor of ~1e-4 of its size in the std, hiding how constant it really is.
        # float64 accumulators over float32 data: no float64 copy of the batch is made.
        shifted = picked - self.f_first.astype(picked.dtype)
        self.f_sum += shifted.sum(axis=0, dtype=np.float64)
        self.f_sq += np.square(shifted).sum(axis=0, dtype=np.float64)
        self.f_changed |= np.any(shifted != 0, axis=0)
        return picked

    def _units(self, batch: np.ndarray, as_float: np.ndarray | None = None) -> None:
        if as_float is not None:
            units = as_float
        else:
            rows = batch.reshape(-1, batch.shape[-1])
            if rows.shape[0] > MAX_ROWS:  # an even sample of positions: exact for dense layers, a survey for maps
                rows = rows[:: rows.shape[0] // MAX_ROWS + 1]
            units = rows if rows.dtype.kind == "f" else rows.astype(np.float64)
            if not np.isfinite(units).all():
                units = np.nan_to_num(units, nan=0.0, posinf=0.0, neginf=0.0)
        reuse = as_float is not None and self.f_first is not None and units.shape[1] == self.f_first.size
        if self.u_sum is None:
            width = units.shape[1]
            self.u_ref = self.f_first if reuse else units[0].astype(np.float64)
            self.u_sum, self.u_sq = np.zeros(width), np.zeros(width)
            self.u_max, self.u_min = np.full(width, -np.inf), np.full(width, np.inf)
            self.u_bound = np.zeros(width)
        self.u_count += units.shape[0]
        if reuse and self.u_sum.size == self.f_sum.size:
            self.u_sum[:] = self.f_sum  # same data and reference as the features: the sums are already there
            self.u_sq[:] = self.f_sq
        else:
            shifted = units - self.u_ref.astype(units.dtype)
            self.u_sum += shifted.sum(axis=0, dtype=np.float64)
            self.u_sq += np.square(shifted).sum(axis=0, dtype=np.float64)
        self.u_max = np.maximum(self.u_max, units.max(axis=0))
        self.u_min = np.minimum(self.u_min, units.min(axis=0))
        bounds = SATURATION_BOUNDS.get(self.activation or "")
        if bounds is not None:
            low, high = bounds
            margin = NEAR_BOUND * (high - low)
            self.u_bound += np.count_nonzero((units <= low + margin) | (units >= high - margin), axis=0)

    def summary(self) -> ActivationSummary:
        n = max(self.samples, 1)
        assert self.f_sum is not None and self.f_sq is not None and self.u_sum is not None
        assert self.u_sq is not None and self.u_max is not None and self.u_min is not None and self.u_bound is not None
        assert self.f_first is not None and self.u_ref is not None
        shift = self.f_sum / n
        f_mean = self.f_first + shift
        f_var = np.maximum(self.f_sq / n - shift**2, 0.0)
        assert self.f_changed is not None
        f_var[~self.f_changed] = 0.0  # exact: a feature that never changed has no spread, whatever rounding says
        spread = float(np.sqrt(f_var.mean())) if f_var.size else 0.0
        scale = float(np.sqrt((f_var + f_mean**2).mean())) if f_var.size else 0.0  # RMS value
        u_shift = self.u_sum / max(self.u_count, 1)
        u_mean = self.u_ref + u_shift
        u_std = np.sqrt(np.maximum(self.u_sq / max(self.u_count, 1) - u_shift**2, 0.0))
        u_std[self.u_max == self.u_min] = 0.0
        dead = None
        if self.activation in RELU_FAMILY:
            dead = float(np.mean(self.u_max <= 0.0))
        saturated = None
        if self.activation in SATURATION_BOUNDS:
            saturated = float(np.mean(self.u_bound >= SATURATED_UNIT * self.u_count))
        return ActivationSummary(
            stats=self.moments.stats((n, *self.shape), self.hist.histogram()),
            shape=self.shape,
            samples=self.samples,
            units=int(self.u_sum.size),
            spread=spread,
            relative_spread=spread / scale if scale > 0 else 0.0,
            dead_fraction=dead,
            saturated_fraction=saturated,
            constant_fraction=float(np.mean(self.u_max == self.u_min)),
            unit_mean=[float(v) for v in u_mean[:1024]],
            unit_std=[float(v) for v in u_std[:1024]],
        )


class PairAccumulator:
    """Agreement between two heads over the samples: correlation of their per-sample means, max |difference|."""

    def __init__(self) -> None:
        self.n = 0
        self.sa = self.sb = self.saa = self.sbb = self.sab = 0.0
        self.max_diff = 0.0
        self.comparable = True

    def add(self, a: np.ndarray, b: np.ndarray) -> None:
        a2, b2 = a.reshape(a.shape[0], -1).astype(np.float64), b.reshape(b.shape[0], -1).astype(np.float64)
        if a2.shape == b2.shape:
            diff = np.abs(a2 - b2)
            self.max_diff = max(self.max_diff, float(np.nanmax(diff)) if diff.size else 0.0)
        else:
            self.comparable = False
        ma, mb = a2.mean(axis=1), b2.mean(axis=1)
        self.n += ma.size
        self.sa += float(ma.sum())
        self.sb += float(mb.sum())
        self.saa += float(ma @ ma)
        self.sbb += float(mb @ mb)
        self.sab += float(ma @ mb)

    def correlation(self) -> float | None:
        if self.n < 2:
            return None
        cov = self.sab / self.n - (self.sa / self.n) * (self.sb / self.n)
        va = self.saa / self.n - (self.sa / self.n) ** 2
        vb = self.sbb / self.n - (self.sb / self.n) ** 2
        if va <= 1e-30 or vb <= 1e-30:
            return None  # a constant head has no correlation with anything
        return float(cov / np.sqrt(va * vb))


@dataclass
class TokenCounter:
    """Token ids coming out of a text lookup layer (output_mode 'int'): how many are padding, how many are the
    out-of-vocabulary id, and how many samples carry no known token at all (they all look alike to the model)."""

    padding_ids: tuple[int, ...]
    unknown_ids: tuple[int, ...]
    tokens: int = 0  # ids that are not padding
    unknown: int = 0
    padding: int = 0
    samples: int = 0
    samples_without_known: int = 0

    def add(self, batch: np.ndarray) -> None:
        ids = np.asarray(batch).reshape(np.shape(batch)[0], -1)
        pad = np.isin(ids, self.padding_ids)
        unknown = np.isin(ids, self.unknown_ids) & ~pad
        self.padding += int(pad.sum())
        self.unknown += int(unknown.sum())
        self.tokens += int((~pad).sum())
        self.samples += ids.shape[0]
        self.samples_without_known += int(np.sum(~np.any(~pad & ~unknown, axis=1)))

    def summary(self) -> dict[str, float | int]:
        return {"tokens": self.tokens, "unknown": self.unknown, "padding": self.padding, "samples": self.samples,
                "unknown_share": self.unknown / self.tokens if self.tokens else 0.0,
                "samples_without_known_token": self.samples_without_known,
                "padding_share": self.padding / max(self.padding + self.tokens, 1)}


LOOKUP_LAYERS = frozenset({"TextVectorization", "StringLookup", "IntegerLookup"})


def special_ids(class_name: str, config: dict) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The ids a lookup layer reserves, by Keras' conventions: (padding ids, out-of-vocabulary ids)."""
    if class_name == "TextVectorization":  # always a mask id 0 and one OOV id 1
        return (0,), (1,)
    oov = int(config.get("num_oov_indices", 1) or 0)
    if config.get("mask_token") is not None:
        return (0,), tuple(range(1, 1 + oov))
    return (), tuple(range(oov))


def token_counter(class_name: str, config: dict) -> TokenCounter | None:
    """A counter for a lookup layer's output, or None when the layer does not output token ids."""
    if class_name not in LOOKUP_LAYERS or config.get("output_mode", "int") != "int":
        return None
    return TokenCounter(*special_ids(class_name, config))
