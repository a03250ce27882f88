"""Code stored in a model file never runs without consent: a Lambda that would write a marker file is read,
inspected and diagnosed without the marker appearing; with --trust-code it does run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from inspector.cli import main
from tests import models

pytestmark = pytest.mark.slow


@pytest.fixture
def lambda_model(tmp_path):
    k = models.keras()
    marker = tmp_path / "MARKER"

    def build():
        inp = k.Input((4,), name="x")
        h = k.layers.Dense(4, name="dense_before")(inp)
        # the path is a literal inside the bytecode (Keras 3.15 cannot load lambdas with default arguments)
        evil = eval(f"lambda t: (open({str(marker)!r}, 'w').close(), t)[1]")  # noqa: S307
        h = k.layers.Lambda(evil, name="evil")(h)
        return k.Model(inp, k.layers.Dense(1, name="out")(h))

    model = build()
    marker.unlink(missing_ok=True)  # building it in this test ran it once; the file must start clean
    paths = models.save_both(model, tmp_path, "lam")
    np.savez(tmp_path / "d.npz", x=np.random.default_rng(0).normal(size=(20, 4)).astype("float32"))
    return paths, marker, tmp_path / "d.npz"


@pytest.mark.parametrize("fmt", ["keras", "h5"])
def test_lambda_never_runs_without_consent(lambda_model, fmt, tmp_path, capsys):
    paths, marker, data = lambda_model
    assert main(["inspect", str(paths[fmt])]) == 0
    assert main(["diagnose", str(paths[fmt]), "--data", str(data), "--json", str(tmp_path / "o.json")]) == 0
    assert not marker.exists(), "code from the model file ran without --trust-code"
    doc = json.loads((tmp_path / "o.json").read_text())
    assert "evil" in doc["layers_not_run"] and "out" in doc["layers_not_run"]
    assert any(layer["name"] == "dense_before" and "activations" in layer for layer in doc["layers"])


def test_trust_code_runs_it(lambda_model, tmp_path):
    paths, marker, data = lambda_model
    assert main(["diagnose", str(paths["keras"]), "--data", str(data), "--trust-code",
                 "--json", str(tmp_path / "o.json")]) == 0
    assert marker.exists()
    assert json.loads((tmp_path / "o.json").read_text())["layers_not_run"] == []


def test_lambda_first_layer_is_a_clear_refusal(tmp_path, capsys):
    from tests.conftest import CORPUS_REAL, corpus_file

    path = corpus_file(CORPUS_REAL, "behavioral-cloning-keras1.h5")
    assert main(["diagnose", str(path)]) == 2
    err = capsys.readouterr().err
    assert "pass --trust-code if you trust this file" in err and err.count("\n") == 1


def test_inspect_decodes_lambda_code_only_with_consent(lambda_model, capsys):
    paths, marker, _ = lambda_model
    assert main(["inspect", str(paths["keras"]), "--json", "-"]) == 0
    flags = [f for f in json.loads(capsys.readouterr().out)["flags"] if f["kind"] == "code_in_file"]
    assert [f["layer"] for f in flags] == ["evil"] and "code" not in flags[0]["evidence"]
    assert main(["inspect", str(paths["keras"]), "--trust-code", "--json", "-"]) == 0
    flag = next(f for f in json.loads(capsys.readouterr().out)["flags"] if f["kind"] == "code_in_file")
    assert flag["evidence"]["code"]["decoded"] is True
    assert "open" in flag["evidence"]["code"]["names"]  # what the function would call, shown, not run
    assert not marker.exists()
