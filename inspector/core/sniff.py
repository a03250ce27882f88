"""Which reader a file needs, from its first bytes (the extension lies: real `.keras` files can be HDF5)."""

from __future__ import annotations

import os
from pathlib import Path

from inspector.errors import ModelFileError

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # local file header; empty archive
# HDF5 allows a user block before the superblock; the superblock then sits at a power of two from 512 on.
HDF5_OFFSETS = (0, 512, 1024, 2048, 4096)


def sniff(path: str | os.PathLike[str]) -> str:
    """Return "zip" or "hdf5", or raise a one-line `ModelFileError` saying what the file is instead."""
    p = Path(path)
    if not p.exists():
        raise ModelFileError(f"{p}: no such file")
    if p.is_dir():
        if (p / "saved_model.pb").exists():
            raise ModelFileError(
                f"{p}: a TensorFlow SavedModel folder; open a .keras or .h5 file "
                "(in TensorFlow: model.save('model.keras'))"
            )
        raise ModelFileError(f"{p}: is a folder, not a model file")
    if not p.is_file():  # a pipe or a device: reading it may never end
        raise ModelFileError(f"{p}: not a regular file (a pipe or a device?), so not a model file")
    try:
        with p.open("rb") as fh:
            head = fh.read(64)
            if not head:
                raise ModelFileError(f"{p}: the file is empty")
            if head.startswith(ZIP_MAGICS):
                return "zip"
            for offset in HDF5_OFFSETS:
                fh.seek(offset)
                if fh.read(8) == HDF5_MAGIC:
                    return "hdf5"
    except PermissionError:
        raise ModelFileError(f"{p}: permission denied") from None
    except OSError as exc:
        raise ModelFileError(f"{p}: cannot be read: {exc.strerror or exc}") from None
    raise ModelFileError(f"{p}: not a Keras model (neither a .keras zip archive nor an HDF5 file; {_describe(head)})")


def _describe(head: bytes) -> str:
    known = {
        b"\x08": "looks like a protocol buffer, e.g. a SavedModel .pb",
        b"\x80": "looks like a Python pickle",
        b"PK": "a damaged zip archive",
        b"{": "looks like JSON: an architecture without weights?",
        b"version https://git-lfs": "a Git LFS pointer, not the file itself",
        b"\x93NUMPY": "a NumPy array",
    }
    for prefix, what in known.items():
        if head.startswith(prefix):
            return what
    return f"starts with {_show_bytes(head[:8])}"


def _show_bytes(head: bytes) -> str:
    """Text as text ("this is "), anything else as hex bytes (89 50 4e 47), never a Python bytes repr."""
    if head and all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        return '"' + head.decode("ascii").replace("\n", " ").replace("\r", " ").replace("\t", " ") + '"'
    return "bytes " + head.hex(" ")
