"""`inspect` counts a nested model's parameters as those of its layers: speaker-siamese-k3's `functional_4`
holds 12,128 in three Dense layers and is called twice (shared), which must neither show 0 nor count twice."""

from __future__ import annotations

from inspector.cli import main
from tests.conftest import CORPUS_REAL, corpus_file


def test_a_nested_model_has_its_childrens_params(capsys):
    path = corpus_file(CORPUS_REAL, "speaker-siamese-k3.keras")
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("functional_4 "))
    assert "12,128" in row.split()
    assert "12,161 params" in out  # the model total counts each weight once


def test_shared_weights_count_once():
    from inspector.core.model import Layer, ModelInfo, WeightRef

    kernel = WeightRef("layers/dense/vars/0", "kernel", "kernel", (4, 3), "float32")
    layers = {"enc": Layer("enc", "Functional", {}, children=["enc/d", "enc/e"]),
              "enc/d": Layer("enc/d", "Dense", {}, weights=[kernel], parent="enc"),
              "enc/e": Layer("enc/e", "Dense", {}, weights=[kernel], parent="enc")}  # one tensor, two names
    info = ModelInfo("m.keras", "keras_zip", None, None, "Functional", "m", layers, [], [], [], [], [], None)
    assert info.layers["enc"].params == 12 and info.params == 12
