"""A foreign file's one-line error shows how it starts as a person reads it: text as text, other bytes as hex,
not as a Python bytes repr (issue 12: "starts with b'this is '")."""

from __future__ import annotations

from inspector.cli import main


def test_text_is_quoted_as_text(tmp_path, capsys):
    path = tmp_path / "notes.keras"
    path.write_text("this is not a model\n")
    assert main(["inspect", str(path)]) == 2
    err = capsys.readouterr().err
    assert 'starts with "this is "' in err and "b'" not in err


def test_binary_is_shown_as_hex(tmp_path, capsys):
    path = tmp_path / "blob.h5"
    path.write_bytes(bytes([1, 2, 255, 254]) + b"abcd")
    assert main(["inspect", str(path)]) == 2
    assert "starts with bytes 01 02 ff fe 61 62 63 64" in capsys.readouterr().err
