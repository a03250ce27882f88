"""What the fuzzer (benchmarks/fuzz.py) found stays found: each input ends as a one-line error of the right class;
and the net for h5py's failures catches h5py's exceptions of every class, never our own."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from inspector.analysis.datasets import load_dataset
from inspector.core.h5safe import h5_errors, raised_by_h5py
from inspector.core.model import InputSpec
from inspector.errors import DataError, ModelFileError

CASES = Path(__file__).resolve().parent / "cases"
SPEC = [InputSpec("x", (None, 8))]


@pytest.mark.parametrize(("name", "expected"), [
    ("npy-header-tokenerror.npy", "not a readable .npy array: damaged header (TokenError"),
    ("npz-header-tokenerror.npz", "not a readable .npz archive: damaged header (TokenError"),
    ("h5-invalid-link-name.h5", "the HDF5 file is damaged (RuntimeError: Link iteration failed"),
    ("csv-short-header.csv", "column '#9' is not numeric (line 2: '=0.4872')"),
])
def test_found_dataset_inputs_are_one_line_data_errors(name, expected):
    with pytest.raises(DataError) as caught:
        load_dataset(CASES / name, SPEC, ["y"])
    message = str(caught.value)
    assert message.startswith(f"{CASES / name}: ") and expected in message
    assert "\n" not in message


@pytest.fixture
def h5_file(tmp_path):
    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(4.0)
    with h5py.File(path, "r") as f:
        yield f


@pytest.mark.parametrize("failing", [
    lambda f: f["missing"],  # KeyError
    lambda f: f["x"][::-1],  # ValueError
    lambda f: f.attrs.__getitem__(1.5),  # TypeError
])
def test_every_class_h5py_raises_becomes_one_line(h5_file, failing):
    with pytest.raises(ModelFileError, match=r"^w\.h5: the HDF5 file is damaged \(\w+: "):
        with h5_errors("w.h5"):
            failing(h5_file)


def test_our_own_exceptions_pass_through_as_bugs(h5_file):
    with pytest.raises(KeyError) as caught:
        with h5_errors("w.h5"):
            {}["ours"]
    assert not raised_by_h5py(caught.value)
    with pytest.raises(ValueError), h5_errors("w.h5"):
        int("not a number, and not h5py's")


def test_a_dataset_folder_with_a_link_cycle_ends(tmp_path):
    (tmp_path / "a.png").write_bytes(b"\x89PNG")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    ds = load_dataset(tmp_path, [InputSpec("x", (None, 8, 8, 3))], ["y"])
    assert ds.image_paths == [str(tmp_path / "a.png")]


def test_a_csv_field_past_the_csv_module_limit_is_one_line(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("1,2\n3," + '"' + "x" * 200_000 + "\n")
    with pytest.raises(DataError, match="not a readable CSV file"):
        load_dataset(path, [InputSpec("x", (None, 1))], ["y"])


def test_an_npy_header_claiming_empty_samples_is_refused(tmp_path):
    path = tmp_path / "d.npy"
    np.save(path, np.zeros((5, 0), dtype=np.float32))
    with pytest.raises(DataError, match="hold no values"):
        load_dataset(path, SPEC, ["y"])


def test_an_npz_member_claiming_more_than_it_holds_is_refused_before_reading(tmp_path):
    import io
    import zipfile

    member = io.BytesIO()
    np.save(member, np.zeros((4, 8), dtype=np.float32))
    raw = member.getvalue().replace(b"'shape': (4, 8)", b"'shape': (9999999999, 8)")
    path = tmp_path / "d.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", raw)
    with pytest.raises(DataError, match=r"member x\.npy claims an array of shape \(9999999999, 8\) but holds"):
        load_dataset(path, SPEC, ["y"])


def _rezipped(tmp_path, seed: str, method: int, damage: str | None, unknown_method: str | None = None):
    """A corpus archive re-zipped with `method`, then the compressed bytes of member `damage` overwritten, or
    the central directory's method of member `unknown_method` set to one zipfile does not know."""
    import io
    import struct
    import zipfile

    from tests.conftest import CORPUS_REAL, corpus_file

    with zipfile.ZipFile(corpus_file(CORPUS_REAL, seed)) as src:
        members = {name: src.read(name) for name in src.namelist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=method) as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    raw = bytearray(out.getvalue())
    if damage:
        at = raw.find(damage.encode()) + len(damage) + 24  # inside the member's compressed stream
        raw[at : at + 40] = b"\xff" * 40
    if unknown_method:
        at = raw.find(b"PK\x01\x02")  # central directory entries
        while at >= 0:
            length = struct.unpack("<H", raw[at + 28 : at + 30])[0]
            if raw[at + 46 : at + 46 + length] == unknown_method.encode():
                raw[at + 10 : at + 12] = struct.pack("<H", 99)
            at = raw.find(b"PK\x01\x02", at + 1)
    path = tmp_path / "damaged.keras"
    path.write_bytes(bytes(raw))
    return path


@pytest.mark.parametrize(("method", "damage", "unknown"), [
    (8, "config.json", None),  # zlib.error
    (14, "config.json", None),  # lzma.LZMAError
    (12, "model.weights.h5", None),  # bzip2: OSError
    (8, "model.weights.h5", None),
    (0, None, "model.weights.h5"),  # NotImplementedError
    (0, None, "config.json"),
])
def test_damaged_compressed_members_are_one_line(tmp_path, method, damage, unknown):
    from inspector.core.inspection import inspect_model

    path = _rezipped(tmp_path, "jena-conv1d-k3.keras", method, damage, unknown)
    with pytest.raises(ModelFileError, match=rf"^{path}: (config\.json|model\.weights\.h5) cannot be read"):
        inspect_model(path)
