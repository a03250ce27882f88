"""Real files: the collapsed ones are reported collapsed with a cause; every corpus model without custom or Lambda
layers runs end to end, including those Keras 3 cannot load itself."""

from __future__ import annotations

import pytest

from inspector.analysis.diagnose import DiagnoseOptions, diagnose_steps
from inspector.progress import run
from tests.conftest import CORPUS_COLLAPSED, CORPUS_REAL, corpus_file

pytestmark = pytest.mark.slow

CAUSES = {"dead_units", "saturation", "constant_output", "zero_weights", "vanishing_gradient", "non_finite"}


@pytest.mark.parametrize("name", ["deepdiagnosis-mnist-collapsed.h5", "deepdiagnosis-gradvanish-motivating.h5",
                                  "deepdiagnosis-gradvanish-relu-bn-repair.h5"])
def test_real_collapsed_models(name):
    path = corpus_file(CORPUS_COLLAPSED, name)
    data = None if "mnist" in name else str(corpus_file(CORPUS_COLLAPSED, "ones-zeros-128.npz"))
    d = run(diagnose_steps(path, DiagnoseOptions(data=data)))
    assert d.collapsed, d.verdict
    assert d.blame, "a collapsed model must name responsible layers"
    top = d.blame[0].layer
    assert {f.kind for f in d.findings if f.layer == top} & CAUSES


RUNNABLE = ["btc-gru-k3.keras", "ethnicolr-census2010-lstm-2018.h5", "ethnicolr-fl-fullname-lstm-2022.h5",
            "face-emotion-mini-xception.hdf5", "fraud-ann-k3-legacy.h5", "jena-conv1d-k3.keras",
            "lane-fcn-deconv.h5", "pill-cnn-augmentation-tfk215.keras", "seq2seq-lstm-2input.h5",
            "style-transfer-depthwise-tfk213.keras"]


@pytest.mark.parametrize("name", RUNNABLE)
def test_corpus_models_run(name):
    path = corpus_file(CORPUS_REAL, name)
    d = run(diagnose_steps(path, DiagnoseOptions(max_samples=32, synthetic_samples=32)))
    assert d.heads and d.layers and d.synthetic
    assert not d.left_out


def test_custom_layers_are_left_out_and_the_rest_is_measured():
    path = corpus_file(CORPUS_REAL, "speaker-siamese-k3.keras")
    d = run(diagnose_steps(path, DiagnoseOptions(max_samples=32, synthetic_samples=32)))
    assert "l1_distance_2" in d.left_out and "dense_11" in d.left_out
    assert "functional_4/dense_8" in d.layers  # inside the shared nested model
