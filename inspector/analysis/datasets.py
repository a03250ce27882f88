"""The user's data, as arrays matched to the model's inputs and outputs; or synthetic inputs when there is none.

Large files stay on disk: `.npy` is read and HDF5 datasets are sliced batch by batch, so memory does not grow
with the number of samples. Images are decoded by the TensorFlow backend, batch by batch as well.
"""

from __future__ import annotations

import csv
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from inspector.core.config_graph import TEXT_LAYERS, to_snake_case
from inspector.core.deadline import reading
from inspector.core.model import InputSpec, ModelInfo
from inspector.errors import DataError, ModelFileError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
MAX_CSV_BYTES = 2 << 30
MAX_ARRAY_BYTES = 8 << 30  # one array of a .npz held in memory; beyond this the header is lying
MAX_FOLDER_DEPTH = 32


@dataclass
class Dataset:
    """Inputs (one array-like per model input, first axis = samples) and optional targets (one per output)."""

    inputs: list[Any]
    targets: list[np.ndarray] | None
    source: str
    synthetic: bool = False
    notes: list[str] = field(default_factory=list)
    image_paths: list[str] | None = None  # for image folders: decoded per batch by the backend
    handles: list[Any] = field(default_factory=list)  # open files that must outlive the arrays

    @property
    def n(self) -> int:
        if self.image_paths is not None:
            return len(self.image_paths)
        return int(self.inputs[0].shape[0]) if self.inputs else 0

    def batch(self, start: int, stop: int) -> list[np.ndarray]:
        """Rows [start, stop) of every input, read from disk for .npy and .h5 data (under the read time limit,
        with HDF5's failures on a damaged file as one-line `DataError`s)."""
        from inspector.core.h5safe import h5_errors

        with reading(self.source), h5_errors(self.source, DataError):
            return [as_model_array(x[start:stop]) for x in self.inputs]

    def close(self) -> None:
        for handle in self.handles:
            try:
                handle.close()
            except Exception:
                pass


def is_text(spec: InputSpec) -> bool:
    return spec.dtype in ("string", "str", "object")


def as_model_array(values: Any) -> np.ndarray:
    """A batch as the model takes it: numbers as float32, text as unicode strings (HDF5 gives bytes objects)."""
    array = np.asarray(values)
    if array.dtype.kind in "biuf":
        return array.astype(np.float32, copy=False)
    if array.dtype.kind == "S" or (array.dtype.kind == "O" and array.size and isinstance(array.flat[0], bytes)):
        return np.char.decode(array.astype(np.bytes_), "utf-8", errors="replace")
    return array.astype(np.str_)


def synthetic_text(vocabulary: Sequence[str], n: int, rng: np.random.Generator) -> np.ndarray:
    """Sentences of 3 to 30 tokens drawn from a vocabulary with Zipf's law (vocabularies list the most frequent
    token first), so that the text looks to the model like text it was built for. Special tokens are skipped."""
    words = np.array([w for w in vocabulary if w and not (w.startswith("[") and w.endswith("]"))])
    if words.size == 0:
        raise DataError("the model's vocabulary is empty, so synthetic text cannot be made: pass --data with text")
    weights = 1.0 / np.arange(1, words.size + 1)
    weights /= weights.sum()
    lengths = rng.integers(3, 31, size=n)
    return np.array([" ".join(rng.choice(words, size=k, p=weights)) for k in lengths])


def model_vocabularies(info: ModelInfo) -> list[list[str] | None]:
    """Per model input, the vocabulary of the text layer that reads it: from its config when the vocabulary was
    given there, else from the archive's assets (adapted layers keep it there, one folder per layer, in the
    order of the layers)."""
    text_layers = [layer for layer in info.layers.values() if layer.class_name in TEXT_LAYERS]
    assets: dict[str, list[list[str]]] | None = None
    out: list[list[str] | None] = []
    for spec in info.input_specs:
        if not is_text(spec):
            out.append(None)
            continue
        reader = next((layer for layer in text_layers
                       if spec.name in layer.inbound or spec.name == f"{layer.name}_input"), None)
        if reader is None:
            out.append(None)
            continue
        given = reader.config.get("vocabulary")
        if isinstance(given, list) and all(isinstance(w, str) for w in given):
            out.append(given)
            continue
        if assets is None:
            assets = _asset_vocabularies(info)
        same_class = [layer for layer in text_layers if layer.class_name == reader.class_name]
        mine = assets.get(to_snake_case(reader.class_name), [])
        rank = same_class.index(reader)
        out.append(mine[rank] if rank < len(mine) else None)
    return out


def _asset_vocabularies(info: ModelInfo) -> dict[str, list[list[str]]]:
    """Asset vocabularies by the snake-case class their folder is named after (``text_vectorization_1`` ->
    ``text_vectorization``), each list in counter order: the k-th layer of a class owns the k-th folder, as
    with weight groups."""
    if info.format != "keras_zip":
        return {}
    from inspector.core.keras_zip import vocabularies
    from inspector.core.weight_paths import split_counter

    try:
        found = vocabularies(info.path)
    except ModelFileError:
        return {}
    by_class: dict[str, list[list[str]]] = {}
    for folder in sorted(found, key=lambda f: split_counter(f.rsplit("/", 1)[-1])):
        by_class.setdefault(split_counter(folder.rsplit("/", 1)[-1])[0], []).append(found[folder])
    return by_class


def synthetic_dataset(specs: Sequence[InputSpec], n: int = 512, seed: int = 0,
                      vocabularies: Sequence[Sequence[str] | None] = ()) -> Dataset:
    """Standard-normal inputs of the declared shapes (integer inputs: small non-negative indices; text inputs:
    sentences from the model's own vocabulary, one per input in `vocabularies`)."""
    rng = np.random.default_rng(seed)
    arrays = []
    notes = [f"no data given: {n} synthetic standard-normal samples were used"]
    for index, spec in enumerate(specs):
        shape = tuple(d if d is not None else 16 for d in spec.shape[1:])
        if is_text(spec):
            vocabulary = vocabularies[index] if index < len(vocabularies) else None
            if not vocabulary:
                raise DataError(f"input '{spec.name}' takes text and the file keeps no vocabulary to draw "
                                "synthetic text from: pass --data with text (.txt, .csv, .npy)")
            text = synthetic_text(vocabulary, n, rng)
            arrays.append(text.reshape((n, *(1 for _ in shape))))
            notes = [f"no data given: {n} synthetic samples were used (text: random sentences of words from the "
                     "model's own vocabulary, common words more often)"]
        elif spec.dtype.startswith(("int", "uint")):
            arrays.append(rng.integers(0, 10, size=(n, *shape)).astype(np.float32))
        else:
            arrays.append(rng.standard_normal(size=(n, *shape)).astype(np.float32))
    return Dataset(arrays, None, "synthetic", synthetic=True, notes=notes)


def load_dataset(path: str | os.PathLike[str], specs: Sequence[InputSpec], outputs: Sequence[str],
                 target_columns: int | None = None) -> Dataset:
    """Read a dataset file or folder (under the read time limit of core.deadline); every way a damaged or
    hostile file can fail becomes a one-line `DataError`."""
    p = Path(path)
    try:
        with reading(str(p), p.stat().st_size if p.is_file() else None):
            return _load(p, specs, outputs, target_columns)
    except FileNotFoundError:
        raise DataError(f"{p}: no such file or folder") from None
    except PermissionError:
        raise DataError(f"{p}: permission denied") from None
    except MemoryError:
        raise DataError(f"{p}: the data does not fit in memory; convert it to .npy or .h5, which are read in "
                        "batches") from None


def _load(p: Path, specs: Sequence[InputSpec], outputs: Sequence[str], target_columns: int | None) -> Dataset:
    if not p.exists():
        raise DataError(f"{p}: no such file or folder")
    if p.is_dir():
        return _image_folder(p)
    if not p.is_file():  # a pipe or a device: reading it may never end
        raise DataError(f"{p}: not a regular file (a pipe or a device?)")
    suffix = p.suffix.lower()
    if p.stat().st_size == 0:
        raise DataError(f"{p}: the file is empty")
    loaders = {".npz": _npz, ".npy": _npy, ".csv": _csv, ".tsv": _csv, ".txt": _csv, ".h5": _hdf5, ".hdf5": _hdf5}
    if suffix in IMAGE_SUFFIXES:
        return Dataset([], None, str(p), image_paths=[str(p)])
    if len(specs) == 1 and is_text(specs[0]) and suffix in (".txt", ".csv", ".tsv"):
        return _text_file(p, specs[0], list(outputs), target_columns)
    loader = loaders.get(suffix)
    if loader is None:
        raise DataError(f"{p}: unknown data format '{suffix}' (use .npz, .npy, .csv, .h5 or a folder of images)")
    return loader(p, list(specs), list(outputs), target_columns)


def _split_targets(y: np.ndarray | None, outputs: list[str], where: str) -> list[np.ndarray] | None:
    """One target array per output: a 2-D y with one column per head is split in output order."""
    if y is None:
        return None
    y = np.asarray(y)
    if len(outputs) <= 1:
        return [y]
    if y.ndim == 2 and y.shape[1] == len(outputs):
        return [y[:, i : i + 1] for i in range(len(outputs))]
    raise DataError(f"{where}: y has shape {y.shape}; the model has {len(outputs)} outputs "
                    f"({', '.join(outputs)}): give one column per output or one array per output name")


def _pick_inputs(arrays: dict[str, Any], specs: list[InputSpec], where: str) -> list[Any]:
    names = [s.name for s in specs]
    if len(specs) == 1 and "x" in arrays:
        return [arrays["x"]]
    if all(n in arrays for n in names):
        return [arrays[n] for n in names]
    if "x" in arrays:
        return [arrays["x"]]
    candidates = [k for k in arrays if k not in ("y",) and not k.startswith("y_")]
    if len(specs) == 1 and len(candidates) == 1:
        return [arrays[candidates[0]]]
    raise DataError(f"{where}: found arrays {', '.join(sorted(arrays)) or 'none'}; expected 'x' (and 'y'), "
                    f"or one array per input ({', '.join(names)})")


def _pick_targets(arrays: dict[str, Any], outputs: list[str], where: str) -> list[np.ndarray] | None:
    if len(outputs) > 1 and all(n in arrays or f"y_{n}" in arrays for n in outputs):
        return [np.asarray(arrays[n] if n in arrays else arrays[f"y_{n}"]) for n in outputs]
    return _split_targets(arrays.get("y"), outputs, where)


def _npz(p: Path, specs: list[InputSpec], outputs: list[str], _: int | None) -> Dataset:
    from inspector.core.keras_zip import ZIP_FAILURES

    try:
        _check_npz(p)
        with np.load(p, allow_pickle=False) as archive:
            arrays = {k: archive[k] for k in archive.files}
    except (*ZIP_FAILURES, KeyError, SyntaxError) as exc:  # zipfile's failures, and numpy's on a member
        raise DataError(f"{p}: not a readable .npz archive: {_first_line(exc)}") from None
    inputs = _pick_inputs(arrays, specs, str(p))
    return Dataset(inputs, _pick_targets(arrays, outputs, str(p)), str(p))


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else type(exc).__name__


def _check_npz(p: Path) -> None:
    """Refuse, before anything is decompressed, members whose header claims more than the member holds or more
    than memory can take (a .npz is read whole), and compressed members that would expand absurdly."""
    from numpy.lib import format as npy_format

    with zipfile.ZipFile(p) as archive:
        for info in archive.infolist():
            if info.file_size > MAX_ARRAY_BYTES:
                raise DataError(f"{p}: member {info.filename} declares {info.file_size / 2**30:.1f} GiB; "
                                "refusing to read it")
            if not info.filename.endswith(".npy"):
                continue
            with archive.open(info) as fh:
                shape, dtype = _npy_header(fh, npy_format)
            nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            if nbytes > info.file_size or nbytes < 0:
                raise DataError(f"{p}: member {info.filename} claims an array of shape {shape} but holds "
                                f"{info.file_size} bytes (truncated or damaged)")


def _npy_header(fh: Any, npy_format: Any) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from a .npy header; numpy's parser raises ValueError, SyntaxError, tokenize's TokenError or
    TypeError on a damaged one, all turned into ValueError here."""
    from tokenize import TokenError

    try:
        version = npy_format.read_magic(fh)
        read_header = npy_format.read_array_header_1_0 if version == (1, 0) else npy_format.read_array_header_2_0
        shape, fortran, dtype = read_header(fh)
    except (SyntaxError, TokenError, TypeError, OverflowError, RecursionError, MemoryError) as exc:
        raise ValueError(f"damaged header ({type(exc).__name__}: {_first_line(exc)})") from None
    if fortran or dtype.hasobject:
        raise ValueError("Fortran-ordered or object arrays are not supported; save with np.save(x)")
    if any(d < 0 for d in shape):
        raise ValueError(f"negative dimension in shape {shape}")
    return tuple(int(d) for d in shape), dtype


class NpyReader:
    """A .npy array read batch by batch with plain file reads. Not memory-mapped on purpose: mapped pages count
    as the process's memory, so a mapped 2 GB file would look like 2 GB used by the time the last batch is read."""

    def __init__(self, path: Path) -> None:
        from numpy.lib import format as npy_format

        with path.open("rb") as fh:
            shape, dtype = _npy_header(fh, npy_format)
            self.offset = fh.tell()
        self.path, self.shape, self.dtype = path, shape, dtype
        self.ndim = len(self.shape)
        self.row_bytes = int(np.prod(self.shape[1:], dtype=np.int64)) * dtype.itemsize
        if self.row_bytes <= 0:
            raise DataError(f"{path}: the samples of shape {self.shape[1:]} ({dtype}) hold no values")
        expected = self.offset + self.row_bytes * (self.shape[0] if self.shape else 1)
        if path.stat().st_size < expected:
            raise DataError(f"{path}: the file is truncated (holds fewer bytes than its header says)")

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: slice) -> np.ndarray:
        start, stop, _ = rows.indices(self.shape[0])
        count = max(0, stop - start)
        with self.path.open("rb") as fh:
            fh.seek(self.offset + start * self.row_bytes)
            data = np.fromfile(fh, dtype=self.dtype, count=count * (self.row_bytes // self.dtype.itemsize))
        return data.reshape((count, *self.shape[1:]))


def _npy(p: Path, specs: list[InputSpec], outputs: list[str], _: int | None) -> Dataset:
    try:
        array = NpyReader(p)
    except (ValueError, OSError, EOFError, SyntaxError, TypeError) as exc:  # numpy's header parser on bad bytes
        raise DataError(f"{p}: not a readable .npy array: {_first_line(exc)}") from None
    if len(specs) > 1:
        raise DataError(f"{p}: one .npy array cannot feed a model with {len(specs)} inputs; use .npz")
    if not array.shape:
        raise DataError(f"{p}: holds a single number, not samples")
    return Dataset([array], None, str(p))


def _hdf5(p: Path, specs: list[InputSpec], outputs: list[str], _: int | None) -> Dataset:
    """Arrays at the top of an HDF5 file; inputs stay on disk (sliced per batch), targets are read now. Opened
    like a model file (core.h5safe: read-only, no links followed, no external or virtual datasets), and what
    h5py raises on a damaged file is one `DataError` line."""
    from inspector.core import h5safe

    try:
        handle = h5safe.open_file(p, str(p))
    except ModelFileError as exc:
        raise DataError(str(exc)) from None
    try:
        with h5safe.h5_errors(str(p), DataError):
            if h5safe.has_attr(handle, "model_config") or "model_weights" in handle:
                raise DataError(f"{p}: this is a Keras model file, not a dataset")
            arrays = {k: v for k in handle.keys() if _is_array(v := h5safe.child(handle, k))}
            for dataset in arrays.values():
                _check_input(dataset, p)
            inputs = _pick_inputs(arrays, specs, str(p))
            wanted = {k: v for k, v in arrays.items() if k == "y" or k in outputs or k.startswith("y_")}
            targets = _pick_targets({k: h5safe.read_dataset(v) for k, v in wanted.items()}, outputs, str(p))
    except ModelFileError as exc:
        handle.close()
        raise DataError(f"{p}: {exc}") from None
    except BaseException:
        handle.close()
        raise
    return Dataset(inputs, targets, str(p), handles=[handle])


def _is_array(node: Any) -> bool:
    import h5py

    return isinstance(node, h5py.Dataset)


def _check_input(dataset: Any, p: Path) -> None:
    """An input array must not read other files, and must be numbers or text with a first axis of samples."""
    from inspector.core import h5safe

    if dataset.is_virtual or dataset.id.get_create_plist().get_external_count() > 0:
        raise DataError(f"{p}: dataset '{dataset.name}' reads other files (virtual or external); refusing it")
    kind = dataset.dtype.kind
    if kind not in "biufSUO":
        raise DataError(f"{p}: dataset '{dataset.name}' holds {dataset.dtype}, not numbers or text")
    shape = h5safe.dataset_shape(dataset)
    if shape and int(np.prod(shape[1:], dtype=np.int64)) * dataset.dtype.itemsize > MAX_ARRAY_BYTES:
        raise DataError(f"{p}: dataset '{dataset.name}' claims samples of shape {shape[1:]}; refusing to read it")


def _csv(p: Path, specs: list[InputSpec], outputs: list[str], target_columns: int | None) -> Dataset:
    if p.stat().st_size > MAX_CSV_BYTES:
        raise DataError(f"{p}: CSV files over 2 GB are not supported; convert to .npy or .h5")
    rows, _ = _csv_rows(p, ",;\t ")
    header = None
    if not all(_is_number(c) for c in rows[0]):
        header, rows = rows[0], rows[1:]
    if not rows:
        raise DataError(f"{p}: the CSV file has a header but no data rows")
    width = len(rows[0])
    for number, row in enumerate(rows, start=2 if header else 1):
        if len(row) != width:
            raise DataError(f"{p}: line {number} has {len(row)} columns, the first row has {width}")
        for col, cell in enumerate(row):
            if not _is_number(cell):
                name = _column_name(header, col, "#")
                raise DataError(f"{p}: column '{name}' is not numeric (line {number}: {cell[:30]!r})")
    data = np.array([[float(c) if c.strip() else np.nan for c in row] for row in rows], dtype=np.float32)
    if len(specs) != 1 or len(specs[0].shape) != 2:
        raise DataError(f"{p}: CSV data can only feed a model with one flat input; this model's inputs are "
                        + ", ".join(f"{s.name} {s.shape}" for s in specs))
    features = specs[0].shape[1]
    if target_columns is None:
        extra = width - features if features is not None else 0
        if extra == len(outputs) or extra == 0:
            target_columns = extra
        else:
            raise DataError(f"{p}: {width} columns, input '{specs[0].name}' expects {features} features: "
                            "say how many trailing columns are targets with --target-columns")
    x = data[:, : width - target_columns]
    y = data[:, width - target_columns :] if target_columns else None
    return Dataset([x], _split_targets(y, outputs, str(p)), str(p))


def _text_file(p: Path, spec: InputSpec, outputs: list[str], target_columns: int | None) -> Dataset:
    """Text for a model that reads text: a .txt file holds one sample per line; a CSV holds one text column and,
    optionally, numeric target columns (one per output, or as many as --target-columns says)."""
    if p.stat().st_size > MAX_CSV_BYTES:
        raise DataError(f"{p}: text files over 2 GB are not supported; convert to .npy")
    if p.suffix.lower() == ".txt":
        with p.open(encoding="utf-8", errors="replace") as fh:
            lines = [line.rstrip("\r\n") for line in fh if line.strip()]
        if not lines:
            raise DataError(f"{p}: the file holds no text")
        return Dataset([np.array(lines)], None, str(p), notes=[f"{len(lines)} lines of text from {p.name}"])
    rows, sample = _csv_rows(p, ",;\t")  # not spaces: they are inside the text
    width = len(rows[0])
    body = rows[1:] if len(rows) > 1 else rows
    numeric = [all(_is_number(row[c]) for row in body if len(row) == width) for c in range(width)]
    has_header = any(numeric[c] and not _is_number(rows[0][c]) for c in range(width)) or (
        len(rows) > 1 and _sniffed_header(sample))
    header = rows[0] if has_header else None
    rows = rows[1:] if has_header else rows
    for number, row in enumerate(rows, start=2 if header else 1):
        if len(row) != width:
            raise DataError(f"{p}: line {number} has {len(row)} columns, the first row has {width}")
    text_columns = [c for c in range(width) if not numeric[c]]
    if len(text_columns) != 1:
        names = [_column_name(header, c, "#") for c in text_columns]
        raise DataError(f"{p}: input '{spec.name}' takes one text column; the CSV has "
                        + (f"{len(names)} ({', '.join(names[:5])})" if names else "none") + " besides numbers")
    text_col = text_columns[0]
    numbers = [c for c in range(width) if c != text_col]
    fits = len(numbers) in (0, len(outputs)) if target_columns is None else target_columns == len(numbers)
    if not fits:
        raise DataError(f"{p}: {len(numbers)} numeric columns besides the text, for a model with {len(outputs)} "
                        "outputs: keep only the text and one target column per output"
                        + (" (--target-columns cannot pick columns out of the middle)" if target_columns else ""))
    text = np.array([row[text_col] for row in rows])
    y = np.array([[float(row[c]) if row[c].strip() else np.nan for c in numbers] for row in rows],
                 dtype=np.float32) if numbers else None
    column = _column_name(header, text_col, "column ")
    return Dataset([text], _split_targets(y, outputs, str(p)) if y is not None else None, str(p),
                   notes=[f"text from '{column}' of {p.name}"])


def _column_name(header: list[str] | None, col: int, numbered: str) -> str:
    """A column's name from the header, which may be shorter than the rows in a damaged file."""
    return header[col] if header and col < len(header) else f"{numbered}{col + 1}"


def _csv_rows(p: Path, delimiters: str) -> tuple[list[list[str]], str]:
    """The non-blank rows of a CSV file in the dialect its first 64 kB suggest, and that sample."""
    with p.open(newline="", encoding="utf-8", errors="replace") as fh:
        sample = fh.read(65536)
        fh.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=delimiters)
        except csv.Error:
            dialect = csv.excel
        try:
            rows = [row for row in csv.reader(fh, dialect) if any(cell.strip() for cell in row)]
        except csv.Error as exc:  # a NUL byte, a field over the module's size limit, an unclosed quote...
            raise DataError(f"{p}: not a readable CSV file: {_first_line(exc)}") from None
    if not rows:
        raise DataError(f"{p}: the CSV file has no rows")
    return rows, sample


def _sniffed_header(sample: str) -> bool:
    try:
        return csv.Sniffer().has_header(sample)
    except csv.Error:
        return False


def _is_number(cell: str) -> bool:
    text = cell.strip()
    if not text:
        return True  # an empty cell is a missing value (NaN), reported later
    try:
        float(text)
    except ValueError:
        return False
    return True


def _image_folder(p: Path) -> Dataset:
    """The image files below a folder (links to folders are not followed, so a link loop ends; depth is bounded)."""
    paths = []
    root_depth = str(p).rstrip(os.sep).count(os.sep)
    for folder, subfolders, files in os.walk(p, followlinks=False):
        if folder.count(os.sep) - root_depth >= MAX_FOLDER_DEPTH:
            subfolders.clear()
        paths.extend(os.path.join(folder, name) for name in files
                     if os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES
                     and os.path.isfile(os.path.join(folder, name)))
    paths.sort()
    if not paths:
        raise DataError(f"{p}: the folder holds no images ({', '.join(IMAGE_SUFFIXES)})")
    return Dataset([], None, str(p), image_paths=paths,
                   notes=[f"{len(paths)} images from {p}, resized to the model's input size"])


def _as_keras_feeds(shape: tuple[int, ...], spec: InputSpec, ds: Dataset) -> tuple[int, ...]:
    """Keras' fit and predict add a trailing axis of 1 that the data lacks, or drop one the model lacks, so a
    program that trained that way ran: the shape as the model will see it, with a note."""
    expected = spec.shape[1:]
    if len(shape) == len(expected) and expected and expected[-1] == 1 and len(shape) > 1:
        ds.notes.append(f"input '{spec.name}': data of shape {shape} fed as {(*shape, 1)} (a trailing axis of 1 "
                        "added, as Keras does)")
        return (*shape, 1)
    if len(shape) == len(expected) + 2 and shape[-1] == 1:
        ds.notes.append(f"input '{spec.name}': data of shape {shape} fed as {shape[:-1]} (its trailing axis of 1 "
                        "dropped, as Keras does)")
        return shape[:-1]
    return shape


def check_against(ds: Dataset, specs: Sequence[InputSpec], outputs: Sequence[str]) -> None:
    """Shapes and sample counts must fit the model; the message says what was found and what was expected."""
    if ds.image_paths is not None:
        if len(specs) != 1 or len(specs[0].shape) != 4:
            raise DataError(f"{ds.source}: images can only feed a model with one image input "
                            f"(batch, height, width, channels); this model's inputs are "
                            + ", ".join(f"{s.name} {s.shape}" for s in specs))
        return
    if len(ds.inputs) != len(specs):
        raise DataError(f"{ds.source}: {len(ds.inputs)} input arrays for a model with {len(specs)} inputs "
                        f"({', '.join(s.name for s in specs)})")
    counts = {int(x.shape[0]) if getattr(x, "ndim", 0) else 0 for x in ds.inputs}
    for x, spec in zip(ds.inputs, specs, strict=True):
        shape = tuple(x.shape)
        kind = np.dtype(x.dtype).kind
        if is_text(spec):
            if kind not in "USO":
                raise DataError(f"{ds.source}: input '{spec.name}' takes text (one string per sample); "
                                f"the data holds {x.dtype} numbers")
            if len(shape) > 2 or (len(shape) == 2 and shape[1] != 1):
                raise DataError(f"{ds.source}: data for input '{spec.name}' has shape {shape}; text inputs take "
                                "one string per sample, shape (samples,) or (samples, 1)")
            continue
        if kind not in "biuf":
            raise DataError(f"{ds.source}: input '{spec.name}' has dtype {x.dtype}, not numbers")
        expected = spec.shape[1:]
        shape = _as_keras_feeds(shape, spec, ds)
        if len(shape) - 1 != len(expected) and not (len(expected) == 1 and len(shape) == 1):
            raise DataError(f"{ds.source}: data for input '{spec.name}' has shape {shape}, "
                            f"the model expects (samples, {', '.join('any' if d is None else str(d) for d in expected)})")
        for got, want in zip(shape[1:], expected, strict=False):
            if want is not None and got != want:
                what = "features" if len(expected) == 1 else "as dimensions"
                raise DataError(f"{ds.source}: data has {shape[1] if len(expected) == 1 else shape[1:]} {what}, "
                                f"input '{spec.name}' expects {expected[0] if len(expected) == 1 else expected}")
    if ds.targets is not None:
        if len(ds.targets) != len(outputs):
            raise DataError(f"{ds.source}: {len(ds.targets)} target arrays for {len(outputs)} outputs")
        counts |= {int(t.shape[0]) for t in ds.targets}
    if len(counts) > 1:
        raise DataError(f"{ds.source}: inputs and targets have different sample counts ({sorted(counts)})")
    n = counts.pop() if counts else 0
    if n == 0:
        raise DataError(f"{ds.source}: the data has no samples")
    if n == 1:
        raise DataError(f"{ds.source}: a single sample: at least 2 are needed to see whether outputs vary")
