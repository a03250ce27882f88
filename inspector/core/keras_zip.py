"""`.keras` archives (Keras 3, and tf.keras 2.13-2.15): config.json, metadata.json and model.weights.h5."""

from __future__ import annotations

import json
import lzma
import os
import struct
import tempfile
import weakref
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import h5py

from inspector.core import h5safe
from inspector.errors import ModelFileError

MAX_JSON_BYTES = 64 << 20  # a config.json bigger than this is a bomb, not a model
MAX_EXPANSION = 100  # compressed members may not claim to grow more than this
WEIGHTS_MEMBER = "model.weights.h5"
# What zipfile and its decompressors raise on a damaged archive: bad headers or CRC, truncation, an unknown or
# encrypted compression method, corrupt deflate, LZMA or bzip2 streams (bzip2 raises OSError).
ZIP_FAILURES = (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError, zlib.error,
                lzma.LZMAError, struct.error)


def read_json_member(archive: zipfile.ZipFile, name: str, where: str) -> Any:
    """Read and parse one JSON member, refusing bombs and turning every failure into one line."""
    info = archive.getinfo(name)
    if info.file_size > MAX_JSON_BYTES:
        raise ModelFileError(f"{where}: {name} declares {info.file_size / 2**20:.0f} MB; refusing to read it")
    try:
        with archive.open(info) as fh:
            raw = fh.read(MAX_JSON_BYTES + 1)
    except ZIP_FAILURES as exc:
        raise ModelFileError(f"{where}: {name} cannot be read (truncated or corrupt archive): {exc}") from None
    if len(raw) > MAX_JSON_BYTES:
        raise ModelFileError(f"{where}: {name} is larger than it declares; refusing to read it")
    return parse_json(raw, f"{where}: {name}")


def parse_json(raw: bytes | str, what: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{what} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except UnicodeDecodeError:
        raise ModelFileError(f"{what} is not UTF-8 text") from None
    except RecursionError:
        raise ModelFileError(f"{what} is nested too deeply to be a model config") from None


def open_archive(path: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except PermissionError as exc:
        raise ModelFileError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    except ZIP_FAILURES:
        raise ModelFileError(f"{path}: not a readable zip archive (truncated or corrupt?)") from None


def weights_opener(path: str, archive: zipfile.ZipFile) -> Any | None:
    """A callable that opens the archive's weights as an h5py.File, or None when the archive has none."""
    try:
        info = archive.getinfo(WEIGHTS_MEMBER)
    except KeyError:
        return None
    if info.compress_type == zipfile.ZIP_STORED:
        offset = _data_offset(path, info)

        @contextmanager
        def open_in_place() -> Iterator[h5py.File]:
            with open(path, "rb") as raw, h5safe.open_h5(h5safe.OffsetFile(raw, offset, info.file_size),
                                                         f"{path}: {WEIGHTS_MEMBER}") as h5:
                yield h5

        open_in_place.raw_offset = offset  # type: ignore[attr-defined]  # where the HDF5 bytes begin in the zip
        return open_in_place
    extracted = _extract(path, archive, info)

    @contextmanager
    def open_extracted() -> Iterator[h5py.File]:
        with h5safe.open_h5(extracted.name, f"{path}: {WEIGHTS_MEMBER}") as h5:
            yield h5

    return open_extracted


def _data_offset(path: str, info: zipfile.ZipInfo) -> int:
    """Where a stored member's bytes start: after its local header, whose lengths may differ from the directory's."""
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        header = fh.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise ModelFileError(f"{path}: the archive's entry for {WEIGHTS_MEMBER} is damaged")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    offset = info.header_offset + 30 + name_len + extra_len
    if offset + info.file_size > size:
        raise ModelFileError(f"{path}: the archive is truncated ({WEIGHTS_MEMBER} runs past the end of the file)")
    return offset


class _Extracted:
    """A temporary copy of a compressed weights member, deleted when the model is dropped."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._finalizer = weakref.finalize(self, _remove, name)


def _remove(name: str) -> None:
    try:
        os.unlink(name)
    except OSError:
        pass


def _extract(path: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> _Extracted:
    if info.file_size > (256 << 20) and info.file_size > MAX_EXPANSION * max(info.compress_size, 1):
        raise ModelFileError(f"{path}: {WEIGHTS_MEMBER} claims a {info.file_size / 2**20:.0f} MB expansion; "
                             "refusing a likely zip bomb")
    fd, name = tempfile.mkstemp(prefix="keras-inspector-", suffix=".weights.h5")
    extracted = _Extracted(name)
    written = 0
    try:
        with os.fdopen(fd, "wb") as out, archive.open(info) as src:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > info.file_size:
                    raise ModelFileError(f"{path}: {WEIGHTS_MEMBER} is larger than it declares")
                out.write(chunk)
    except ZIP_FAILURES as exc:
        raise ModelFileError(f"{path}: {WEIGHTS_MEMBER} cannot be read (truncated or corrupt?): {exc}") from None
    return extracted


MAX_VOCABULARY_BYTES = 64 << 20


def vocabularies(path: str) -> dict[str, list[str]]:
    """The vocabularies that text layers keep as archive assets (``assets/<layer path>/vocabulary.txt``, one
    token per line, most frequent first), by their folder; used to make synthetic text the model can read.
    Plain text, so reading it runs nothing; oversized members are skipped, and so is the copy a TextVectorization
    keeps for its inner lookup layer (``.../_lookup_layer``)."""
    found: dict[str, list[str]] = {}
    with open_archive(path) as archive:
        for info in archive.infolist():
            folder, _, leaf = info.filename.rpartition("/")
            if (not folder.startswith("assets/") or folder.endswith("/_lookup_layer") or leaf != "vocabulary.txt"
                    or info.file_size > MAX_VOCABULARY_BYTES):
                continue
            try:
                with archive.open(info) as fh:
                    text = fh.read(MAX_VOCABULARY_BYTES + 1).decode("utf-8", errors="replace")
            except ZIP_FAILURES:
                continue
            found[folder] = text.splitlines()
    return found
