"""Fuzz the readers of the user's files: mutated corpus models through `inspect_model` (and the text and JSON
output of `inspect`), mutated datasets through `analysis.datasets.load_dataset` and a batch read.

    python benchmarks/fuzz.py [--n N] [--seed S] [--workers 2] [--limit SECONDS] [--out DIR] [--only models|data]

Each case is one mutation, drawn from (seed, case number) alone, so any case can be made again. Cases run in a
small pool of worker processes (fork, so each starts warm) that report their read marks (core.deadline) to this
process, exactly as the CLI's child does: a read that outlives `--limit` is ended and counts as refused with the
time-limit message, which is what the user gets. A case still running `--limit` + 10 s after it started with no
read mark expired (a hang outside any marked read) is over-time; an exception that is not an `InspectorError`,
or a worker killed by a signal outside any read, is a crash. A worker killed by a signal inside a read (HDF5
crashing on the file) is refused, as the user sees it (one line, exit 2, from the supervisor), but counted
apart. Crashes, over-time cases and killed readers are saved to `--out` (default benchmarks/fuzz-failures/,
gitignored) with a .txt that says what happened, as regression inputs. Exit code 1 when there is any crash or
over-time case.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import random
import resource
import shutil
import struct
import sys
import tempfile
import time
import traceback
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus"
MODEL_FOLDERS = (CORPUS / "real", CORPUS / "collapsed-real")
MODEL_SUFFIXES = (".h5", ".hdf5", ".keras")
DEFAULT_OUT = Path(__file__).resolve().parent / "fuzz-failures"
MEMORY_LIMIT = 6 << 30  # per worker: an allocation past this is a MemoryError, i.e. a crash to look at
H5_WORDS = (b"model_config", b"layer_names", b"weight_names", b"keras_version", b"backend", b"training_config",
            b"model_weights", b"vars", b"layers", b"OHDR", b"TREE", b"HEAP", b"SNOD", b"BTHD", b"FRHP", b"FSHD")


# ---------------------------------------------------------------------------------------------------- seeds


def model_seeds() -> list[Path]:
    found = [p for folder in MODEL_FOLDERS if folder.is_dir() for p in sorted(folder.iterdir())
             if p.suffix.lower() in MODEL_SUFFIXES]
    if not found:
        raise SystemExit(f"no corpus models in {', '.join(map(str, MODEL_FOLDERS))}")
    return found


def data_seeds(folder: Path) -> list[Path]:
    """Small datasets of every kind the readers take, made once (fixed content) in `folder`."""
    import h5py
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((48, 8)).astype(np.float32)
    y = rng.standard_normal((48, 1)).astype(np.float32)
    made = {
        "data.npz": lambda p: np.savez(p, x=x, y=y),
        "data-compressed.npz": lambda p: np.savez_compressed(p, x=x, y=y),
        "data.npy": lambda p: np.save(p, x),
        "data.csv": lambda p: p.write_text("\n".join(",".join(f"{v:.4f}" for v in row) for row in np.hstack([x, y]))),
        "header.csv": lambda p: p.write_text("a,b,c,d,e,f,g,h,t\n" + "\n".join(
            ",".join(f"{v:.3f}" for v in row) for row in np.hstack([x, y]))),
        "text.csv": lambda p: p.write_text("review,score\n" + "\n".join(
            f'"a review, number {i}",{v:.3f}' for i, v in enumerate(y[:, 0]))),
        "text.txt": lambda p: p.write_text("\n".join(f"sentence number {i} of the seed" for i in range(48))),
    }
    for name, make in made.items():
        if not (folder / name).exists():
            make(folder / name)
    if not (folder / "data.h5").exists():
        with h5py.File(folder / "data.h5", "w") as f:
            f["x"] = x
            f.create_dataset("y", data=y, chunks=(16, 1), compression="gzip")
            f.attrs["note"] = "fuzz seed"
    images = folder / "images"
    if not images.exists():
        images.mkdir()
        for i in range(4):
            (images / f"img{i}.png").write_bytes(_png(8, 8, bytes(rng.integers(0, 256, 8 * 8 * 3, dtype=np.uint8))))
    paths = [folder / name for name in (*made, "data.h5")] + [images]
    extra = CORPUS / "collapsed-real" / "ones-zeros-128.npz"
    return paths + ([extra] if extra.exists() else [])


def _png(width: int, height: int, rgb: bytes) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\0" + rgb[r * width * 3 : (r + 1) * width * 3] for r in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


# ---------------------------------------------------------------------------------------------------- mutations


def flip_bits(rng: random.Random, raw: bytearray) -> None:
    for _ in range(rng.randint(1, 24)):
        raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)


def random_block(rng: random.Random, raw: bytearray) -> None:
    start, size = rng.randrange(len(raw)), rng.randint(1, 256)
    raw[start : start + size] = bytes(rng.randrange(256) for _ in range(min(size, len(raw) - start)))


def truncate(rng: random.Random, raw: bytearray) -> None:
    del raw[rng.randrange(len(raw)) :]


def duplicate_block(rng: random.Random, raw: bytearray) -> None:
    start, size = rng.randrange(len(raw)), rng.randint(1, 4096)
    at = rng.randrange(len(raw))
    raw[at:at] = raw[start : start + size]


def zero_block(rng: random.Random, raw: bytearray) -> None:
    start, size = rng.randrange(len(raw)), rng.choice((1, 8, 64, 512, 4096))
    raw[start : start + size] = bytes(min(size, len(raw) - start))


def near_words(rng: random.Random, raw: bytearray) -> None:
    """Bytes next to the names HDF5 and Keras store (attribute messages, B-tree and heap signatures)."""
    spots = [i for word in H5_WORDS for i in _find_all(raw, word)]
    if not spots:
        return flip_bits(rng, raw)
    for _ in range(rng.randint(1, 6)):
        at = rng.choice(spots) + rng.randint(-48, 48)
        if 0 <= at < len(raw):
            raw[at] = rng.choice((0, 0xFF, rng.randrange(256), raw[at] ^ 0x80, (raw[at] + 1) & 0xFF))
    return None


def _find_all(raw: bytearray, word: bytes) -> list[int]:
    out, at = [], raw.find(word)
    while at >= 0 and len(out) < 200:
        out.append(at)
        at = raw.find(word, at + 1)
    return out


BYTE_MUTATIONS = (flip_bits, random_block, truncate, duplicate_block, zero_block)


def hostile_value(rng: random.Random) -> Any:
    import numpy as np

    return rng.choice([
        lambda: "x" * rng.choice((0, 1, 70000)),
        lambda: b"\xff\xfe" + bytes(rng.randrange(256) for _ in range(40)),
        lambda: np.arange(rng.randint(0, 50), dtype=rng.choice(("int8", "float64", "uint64"))),
        lambda: np.zeros((0,), dtype="float32"),
        lambda: np.array([b"dense", b"\xff", b""]),
        lambda: np.array(["a" * 300] * rng.randint(1, 40)),
        lambda: rng.randint(-(2**63), 2**63 - 1),
        lambda: "[" * rng.randint(1, 5000),
        lambda: json.dumps({"class_name": "Sequential", "config": [{"class_name": "Dense"}] * 3}),
        lambda: np.float64("nan"),
    ])()


def mutate_h5(rng: random.Random, path: Path) -> None:
    """Rewrite one part of an HDF5 file with h5py: an attribute's value, a dataset's shape, dtype or storage, a
    link or a group."""
    import h5py
    import numpy as np

    with h5py.File(path, "r+") as f:
        objects: list[Any] = [f]
        f.visititems(lambda _name, obj: objects.append(obj) if len(objects) < 5000 else None)
        target = rng.choice(objects)
        action = rng.randrange(6)
        if action == 0 and len(target.attrs):  # replace an attribute by a hostile value
            name = rng.choice(list(target.attrs))
            del target.attrs[name]
            target.attrs[name] = hostile_value(rng)
        elif action == 1 and len(target.attrs):  # mutate the JSON of a text attribute
            name = rng.choice(list(target.attrs))
            value = target.attrs[name]
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
            del target.attrs[name]
            target.attrs[name] = mutate_json_text(rng, text)
        elif isinstance(target, h5py.Dataset):
            parent, name = target.parent, target.name.rsplit("/", 1)[-1]
            del parent[name]
            shape = rng.choice([(), (0,), (3, 0, 2), (2**31, 8), (1,) * 20, tuple(rng.randint(1, 40) for _ in range(3))])
            dtype = rng.choice(["float32", "float16", "int64", "S4", "complex64", "bool"])
            kwargs: dict[str, Any] = {}
            if shape and 0 not in shape and rng.random() < 0.6:
                kwargs = {"chunks": tuple(max(1, min(d, 4)) for d in shape),
                          "compression": rng.choice([None, "gzip", "lzf"]), "shuffle": rng.random() < 0.5}
            if np.prod(shape, dtype=np.int64) < 1 << 16 and rng.random() < 0.5:
                parent.create_dataset(name, data=np.ones(shape, dtype=dtype), **kwargs)
            else:
                parent.create_dataset(name, shape=shape, dtype=dtype, **kwargs)
        elif isinstance(target, h5py.Group) and action == 2:  # a link where a group or dataset was
            keys = list(target.keys())
            if keys:
                name = rng.choice(keys)
                del target[name]
                target[name] = rng.choice([h5py.SoftLink("/"), h5py.SoftLink("/nowhere"),
                                           h5py.ExternalLink("/etc/passwd", "/x")])
        elif isinstance(target, h5py.Group) and action == 3:
            keys = list(target.keys())
            if keys:
                del target[rng.choice(keys)]
        else:
            target.attrs[rng.choice(["layer_names", "weight_names", "model_config", "keras_version"])] = (
                hostile_value(rng))


def mutate_json_text(rng: random.Random, text: str) -> str:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return text[: rng.randrange(len(text) + 1)]
    for _ in range(rng.randint(1, 4)):
        value = mutate_json(rng, value)
    return json.dumps(value)


def mutate_json(rng: random.Random, value: Any, depth: int = 0) -> Any:
    """Replace, delete or duplicate one node of a JSON document (a model config)."""
    if isinstance(value, (dict, list)) and value and rng.random() < 0.8 and depth < 40:
        key = rng.choice(list(value)) if isinstance(value, dict) else rng.randrange(len(value))
        roll = rng.random()
        if roll < 0.15:
            del value[key]
        elif roll < 0.3:
            value[key] = _json_junk(rng)
        elif roll < 0.4 and isinstance(value, list):
            value.insert(key, value[key])  # a duplicated layer or node
        else:
            value[key] = mutate_json(rng, value[key], depth + 1)
        return value
    return _json_junk(rng)


def _json_junk(rng: random.Random) -> Any:
    return rng.choice([None, -1, 0, 2**70, 1e308, "", "Dense", "relu", [], {}, [[[0, 0, 0]]], "x" * 5000,
                       {"class_name": "Lambda", "config": {"function": "abc"}}, [None] * 5,
                       {"class_name": "Functional", "config": {"layers": [], "input_layers": [["a", 0, 0]]}}])


def mutate_zip(rng: random.Random, raw: bytearray, path: Path) -> bytes:
    """A .keras or .npz archive: its headers, its compression, or one member's content inside a valid archive."""
    action = rng.randrange(5)
    try:
        with zipfile.ZipFile(io.BytesIO(bytes(raw))) as src:
            members = [(info, src.read(info)) for info in src.infolist()]
    except Exception:  # noqa: BLE001 - a damaged seed: plain byte mutations then
        action = 0
    if action == 0:  # a field of a local or central header
        spots = _find_all(raw, b"PK\x03\x04") + _find_all(raw, b"PK\x01\x02") + _find_all(raw, b"PK\x05\x06")
        at = rng.choice(spots) + rng.randrange(4, 46) if spots else rng.randrange(len(raw))
        width = rng.choice((1, 2, 4))
        raw[at : at + width] = rng.choice([b"\xff" * width, b"\0" * width, bytes(rng.randrange(256)
                                                                              for _ in range(width))])
        return bytes(raw)
    out = io.BytesIO()
    method = rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
    with zipfile.ZipFile(out, "w") as dst:
        for info, data in members:
            if action == 1:  # recompressed
                dst.writestr(info.filename, data, compress_type=method)
                continue
            if action == 2 and info.filename.endswith(".json"):
                data = mutate_json_text(rng, data.decode("utf-8", "replace")).encode()
            elif action == 3 and info.filename.endswith((".h5", ".npy")) and data:
                inner = bytearray(data)
                for _ in range(rng.randint(1, 3)):
                    rng.choice((*BYTE_MUTATIONS, near_words))(rng, inner)
                data = bytes(inner) or b"\0"
            elif action == 4 and rng.random() < 0.3:
                continue  # a member left out
            dst.writestr(info, data)
        if action == 4 and members:
            info, data = rng.choice(members)
            dst.writestr(info.filename + rng.choice(("", "/")), data[: rng.randrange(len(data) + 1)])
    if action == 1 and rng.random() < 0.6:  # damaged compressed streams: the decompressors' own errors
        damaged = bytearray(out.getvalue())
        rng.choice((flip_bits, random_block, zero_block))(rng, damaged)
        return bytes(damaged)
    return out.getvalue()


def mutate_npy(rng: random.Random, raw: bytearray) -> bytes:
    """The header dict of a .npy file (version 1: magic, version, 2-byte length, text): shape, dtype, order, or the
    declared length itself."""
    if not raw.startswith(b"\x93NUMPY") or len(raw) < 10:
        return bytes(raw)
    length = struct.unpack("<H", raw[8:10])[0]
    header, body = raw[10 : 10 + length].decode("latin1"), bytes(raw[10 + length :])
    if rng.random() < 0.2:
        raw[8:10] = struct.pack("<H", rng.randrange(65536))
        return bytes(raw)
    old, new = rng.choice([
        ("'shape': (", "'shape': (-1, "), ("'shape': (", "'shape': (0, "), ("'shape': (", "'shape': (99999999999, "),
        ("'shape': (", "'shape': ((), "), ("<f4", "|O"), ("<f4", "<U0"), ("<f4", "V0"), ("<f4", ">f8"),
        ("False", "True"), ("'descr'", "'desc'"), ("{", "{" * 50), ("'shape': (", "'shape': (2**64, "),
        ("'shape': (48, 8)", "'shape': (48, 8, 0)"), ("'shape': (48, 8)", "'shape': ()"),
    ])
    text = header.replace(old, new, 1).encode("latin1")
    return bytes(raw[:8]) + struct.pack("<H", len(text)) + text + body


def mutate_csv(rng: random.Random, raw: bytearray) -> bytes:
    text = raw.decode("utf-8", "replace")
    at = rng.randrange(len(text) + 1)
    insert = rng.choice(["\0", '"', '"' * 3, "x" * 200000, ";", "\t", "\r", "\n\n\n", "1e999", "nan", ",,,,",
                         "\u2028", "\ufeff", "-", "1,2", " " * 1000])
    return (text[:at] + insert + text[at:]).encode("utf-8", "surrogatepass")


def mutate_folder(rng: random.Random, folder: Path) -> None:
    files = sorted(folder.iterdir())
    action = rng.randrange(5)
    if action == 0 and files:
        victim = rng.choice(files)
        raw = bytearray(victim.read_bytes())
        rng.choice(BYTE_MUTATIONS)(rng, raw)
        victim.write_bytes(bytes(raw))
    elif action == 1:
        os.symlink(".", folder / "loop")  # a link cycle
    elif action == 2:
        deep = folder
        for i in range(rng.randint(40, 120)):
            deep = deep / f"d{i}"
        deep.mkdir(parents=True)
        (deep / "deep.png").write_bytes(b"\x89PNG")
    elif action == 3:
        for f in files:
            f.unlink()
        (folder / "notes.txt").write_text("no images here")
    else:
        os.mkfifo(folder / "pipe.png")


@dataclass
class Case:
    index: int
    kind: str  # "model" or "data"
    seed_file: Path
    mutation: str
    path: Path = field(default=Path())


def make_case(seed: int, index: int, models: list[Path], datasets: list[Path], only: str | None,
              folder: Path) -> Case:
    """Write the mutant of case `index` into `folder` (made again identically from (seed, index) alone)."""
    rng = random.Random(f"{seed}:{index}")
    kind = only or ("model" if rng.random() < 0.7 else "data")
    source = rng.choice(models if kind == "model" else datasets)
    target = folder / f"case{index}-{source.name}"
    if target.is_dir():
        shutil.rmtree(target)
    elif target.exists() or target.is_symlink():
        target.unlink()
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True)
        mutate_folder(rng, target)
        return Case(index, kind, source, "folder", target)
    raw = bytearray(source.read_bytes())
    is_zip, is_h5 = raw.startswith(b"PK"), raw.startswith(b"\x89HDF")
    roll = rng.random()
    if is_zip and roll < 0.45:
        mutation, data = "zip", mutate_zip(rng, raw, target)
    elif is_h5 and roll < 0.3:
        target.write_bytes(bytes(raw))
        try:
            mutate_h5(rng, target)
            return Case(index, kind, source, "h5-structure", target)
        except Exception:  # noqa: BLE001 - h5py could not make this one: fall back to bytes
            mutation, data = "bytes", bytes(raw)
    elif is_h5 and roll < 0.5:
        near_words(rng, raw)
        mutation, data = "h5-words", bytes(raw)
    elif source.suffix == ".npy" and roll < 0.5:
        mutation, data = "npy-header", mutate_npy(rng, raw)
    elif source.suffix in (".csv", ".txt") and roll < 0.6:
        mutation, data = "csv-text", mutate_csv(rng, raw)
    else:
        mutations = [rng.choice(BYTE_MUTATIONS) for _ in range(rng.randint(1, 3))]
        for mutate in mutations:
            if raw:
                mutate(rng, raw)
        mutation, data = "+".join(m.__name__ for m in mutations), bytes(raw)
    target.write_bytes(data)
    return Case(index, kind, source, mutation, target)


# ---------------------------------------------------------------------------------------------------- workers


def open_case(case: Case) -> str:
    """Open a mutant with the real reading code; returns "opened", raises InspectorError when refused."""
    if case.kind == "model":
        from inspector.core.inspection import inspect_model
        from inspector.report.json_out import dumps, inspection_to_dict
        from inspector.report.text_out import inspection_text

        inspection = inspect_model(case.path)
        inspection_text(inspection)
        dumps(inspection_to_dict(inspection))
        return "opened"
    from inspector.analysis.datasets import load_dataset
    from inspector.core.model import InputSpec

    images = case.seed_file.is_dir()
    text = case.seed_file.name.startswith("text")  # read as text for a model with one string input
    spec = InputSpec("x", (None, 8, 8, 3) if images else (None, 1) if text else (None, 8),
                     "string" if text else "float32")
    ds = load_dataset(case.path, [spec], ["y"], None)
    try:
        if ds.image_paths is None and ds.inputs and getattr(ds.inputs[0], "ndim", 0):
            ds.batch(0, min(ds.n, 32))
    finally:
        ds.close()
    return "opened"


def worker(conn: Connection, seed: int, models: list[Path], datasets: list[Path], only: str | None,
           folder: Path) -> None:
    import warnings

    from inspector.core import deadline
    from inspector.errors import InspectorError

    warnings.simplefilter("ignore")  # numpy overflow in the statistics of junk weights, zipfile duplicates
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    deadline.report_to(lambda message: conn.send(("deadline", message)))
    os.makedirs(folder, exist_ok=True)
    while True:
        index = conn.recv()
        if index is None:
            return
        case = make_case(seed, index, models, datasets, only, folder)
        conn.send(("start", case.mutation, case.seed_file.name))
        start = time.perf_counter()
        try:
            status, message = open_case(case), ""
        except InspectorError as exc:
            status, message = "refused", str(exc)
        except Exception:  # noqa: BLE001 - exactly what the fuzzer looks for
            status, message = "crash", traceback.format_exc()
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if status != "crash":
            _remove(case.path)
        conn.send(("result", index, status, seconds, message, peak, case.mutation, case.seed_file.name))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass


@dataclass
class Slot:
    process: Any
    conn: Connection
    index: int | None = None
    started: float = 0.0
    watch: Any = None
    what: tuple[str, str] = ("?", "?")  # mutation and seed file of the running case


@dataclass
class Summary:
    n: int = 0
    counts: Counter = field(default_factory=Counter)
    worst: float = 0.0  # among the cases that ended by themselves
    worst_case: str = ""
    peak_mb: float = 0.0
    failures: list[str] = field(default_factory=list)
    limited: int = 0
    limited_cases: list[str] = field(default_factory=list)
    died_cases: list[str] = field(default_factory=list)  # the reader killed by a signal inside a read


def run(n: int, seed: int, workers: int, limit: float, out: Path, only: str | None = None,
        progress: bool = False) -> Summary:
    from inspector.core import deadline

    os.environ[deadline.SECONDS_ENV] = str(limit)
    models = model_seeds()
    scratch = Path(tempfile.mkdtemp(prefix="keras-inspector-fuzz-"))
    datasets = data_seeds(scratch / "seeds")
    context = multiprocessing.get_context("fork")
    summary = Summary()
    pending = list(range(n))[::-1]
    slots: list[Slot] = []

    def start_slot(number: int) -> Slot:
        parent, child = context.Pipe()
        process = context.Process(target=worker, args=(child, seed, models, datasets, only,
                                                       scratch / f"w{number}"), daemon=True)
        process.start()
        child.close()
        return Slot(process, parent)

    def give(slot: Slot) -> None:
        slot.watch, slot.what = deadline.Watch(), ("?", "?")
        if pending:
            slot.index = pending.pop()
            slot.started = time.monotonic()
            slot.conn.send(slot.index)
        else:
            slot.index = None

    def record(index: int, status: str, seconds: float, message: str, mutation: str, source: str) -> None:
        summary.n += 1
        summary.counts[status] += 1
        if seconds > summary.worst and status in ("opened", "refused", "crash") and "time limit" not in message:
            summary.worst, summary.worst_case = seconds, f"case {index} ({mutation} of {source}): {status}"
        if status in ("crash", "over-time"):
            summary.failures.append(save_failure(seed, index, models, datasets, only, out, status, message,
                                                 mutation))
        if progress and summary.n % 200 == 0:
            print(f"  {summary.n}/{n} {dict(summary.counts)}", file=sys.stderr, flush=True)

    try:
        for number in range(workers):
            slot = start_slot(number)
            slots.append(slot)
            give(slot)
        while any(slot.index is not None for slot in slots):
            busy = [slot for slot in slots if slot.index is not None]
            ready = wait([slot.conn for slot in busy] + [slot.process.sentinel for slot in busy], timeout=0.2)
            for number, slot in enumerate(slots):
                if slot.index is None:
                    continue
                if slot.conn in ready:
                    try:
                        message = slot.conn.recv()
                    except (EOFError, OSError):
                        message = None
                    if message is not None and message[0] == "deadline":
                        slot.watch.feed(message[1])
                        continue
                    if message is not None and message[0] == "start":
                        slot.what = message[1:]
                        continue
                    if message is not None and message[0] == "result":
                        _, index, status, seconds, text, peak, mutation, source = message
                        summary.peak_mb = max(summary.peak_mb, peak)
                        record(index, status, seconds, text, mutation, source)
                        give(slot)
                        continue
                elapsed = time.monotonic() - slot.started
                expired = slot.watch.expired()
                died = not slot.process.is_alive()
                if expired is not None or died or elapsed > limit + 10:
                    slot.process.kill()
                    slot.process.join()
                    if expired is not None:
                        status, text = "refused", f"{expired.error()} (the time limit ended it)"
                        summary.limited += 1
                        summary.limited_cases.append(f"case {slot.index} ({slot.what[0]} of {slot.what[1]})")
                    elif died and slot.watch.current() is not None and (slot.process.exitcode or 0) < 0:
                        # killed by a signal inside a read (HDF5 crashing on the file): the supervisor reports it
                        # in one line with exit 2, as the CLI and the window do; saved all the same
                        status, text = "refused", str(slot.watch.current().died(-(slot.process.exitcode or 0)))
                        summary.died_cases.append(f"case {slot.index} ({slot.what[0]} of {slot.what[1]})")
                        summary.failures.append(save_failure(seed, slot.index, models, datasets, only, out,
                                                             "died", text, slot.what[0]))
                    elif died:
                        status, text = "crash", f"the worker died with exit code {slot.process.exitcode}"
                    else:
                        status, text = "over-time", f"still running after {elapsed:.0f} s with no read mark expired"
                    record(slot.index, status, elapsed, text, *slot.what)
                    slots[number] = start_slot(number)
                    give(slots[number])
    finally:
        for slot in slots:
            slot.process.kill()
            slot.process.join(5)
        shutil.rmtree(scratch, ignore_errors=True)
    return summary


def save_failure(seed: int, index: int, models: list[Path], datasets: list[Path], only: str | None, out: Path,
                 status: str, message: str, mutation: str) -> str:
    """Make the case again into `out`, with a .txt saying what happened and how to run it again."""
    out.mkdir(parents=True, exist_ok=True)
    case = make_case(seed, index, models, datasets, only, out)
    name = f"{status}-s{seed}-{case.path.name}"
    final = out / name
    _remove(final)
    case.path.rename(final)
    (out / f"{name}.txt").write_text(f"{status}: case {index} of seed {seed} ({case.kind}, {case.mutation} of "
                                     f"{case.seed_file.name})\nagain: python benchmarks/fuzz.py --seed {seed} "
                                     f"--case {index}\n\n{message}\n")
    return str(final)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="number of cases (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=float, default=5.0, help="read time limit in seconds (default 5)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where failures are saved")
    parser.add_argument("--only", choices=("model", "data"), help="fuzz only the model or the data readers")
    parser.add_argument("--case", type=int, help="make case N again (into --out) and open it here, unguarded")
    args = parser.parse_args()
    if args.case is not None:
        from inspector.errors import InspectorError

        scratch = Path(tempfile.mkdtemp(prefix="keras-inspector-fuzz-"))
        args.out.mkdir(parents=True, exist_ok=True)
        case = make_case(args.seed, args.case, model_seeds(), data_seeds(scratch / "seeds"), args.only, args.out)
        print(f"{case.path} ({case.kind}, {case.mutation} of {case.seed_file.name})")
        try:
            print(open_case(case))
        except InspectorError as exc:
            print(f"refused: {exc}")
        return 0
    start = time.perf_counter()
    summary = run(args.n, args.seed, args.workers, args.limit, args.out, args.only, progress=True)
    c = summary.counts
    print(f"N {summary.n}  opened {c['opened']}  refused {c['refused']} (of which ended by the {args.limit:g} s "
          f"limit: {summary.limited}, reader killed by a signal inside a read: {len(summary.died_cases)})  "
          f"crashes {c['crash']}  over-time {c['over-time']}")
    print(f"worst time {summary.worst:.2f} s of the cases that ended by themselves ({summary.worst_case})  "
          f"peak memory {summary.peak_mb:.0f} MB per worker  wall {time.perf_counter() - start:.0f} s")
    for line in summary.limited_cases:
        print(f"  ended by the limit: {line}")
    for line in summary.died_cases:
        print(f"  reader killed by a signal: {line}")
    for path in summary.failures:
        print(f"  saved {path}")
    return 1 if c["crash"] or c["over-time"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
