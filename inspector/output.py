"""Writing what the user asked for, and nothing else: atomically, and never over an input file."""

from __future__ import annotations

import os
import tempfile

from inspector.errors import InspectorError


def check_output_path(out: str, inputs: list[str]) -> None:
    """Refuse an output path that is one of the user's input files or sits in a folder that does not exist."""
    target = os.path.abspath(out)
    for item in inputs:
        if item and os.path.exists(item) and os.path.exists(target) and os.path.samefile(item, target):
            raise InspectorError(f"{out}: refusing to overwrite an input file")
        if item and os.path.abspath(item) == target:
            raise InspectorError(f"{out}: refusing to overwrite an input file")
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise InspectorError(f"{out}: folder {folder} does not exist")
    if os.path.isdir(target):
        raise InspectorError(f"{out}: is a folder")


def write_atomic(path: str, data: bytes) -> None:
    """Write a whole file or nothing: a crash midway leaves the old file (or none), never half of one."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".keras-inspector-", dir=directory)
    except OSError as exc:
        raise InspectorError(f"{path}: cannot write there: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is an ordinary file
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        raise InspectorError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        _discard(tmp)
        raise


def _discard(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass
