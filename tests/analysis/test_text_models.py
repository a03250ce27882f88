"""Models that read text: string datasets in every format, synthetic text from the model's own vocabulary, and the
text failure mode (a vocabulary that does not cover the data makes every sample look alike)."""

from __future__ import annotations

import csv

import h5py
import numpy as np
import pytest

from inspector.analysis.accumulators import token_counter
from inspector.analysis.datasets import as_model_array
from inspector.analysis.diagnose import DiagnoseOptions, diagnose_steps
from inspector.cli import main
from inspector.core.inspection import inspect_model
from inspector.errors import DataError
from inspector.progress import run
from tests import models
from tests.conftest import CORPUS_REAL, corpus_file

pytestmark = pytest.mark.slow

POSITIVE = "good great excellent wonderful love best fine nice happy superb".split()
NEGATIVE = "bad awful terrible hate worst poor boring sad ugly dreadful".split()
FILLER = "the a movie film plot actor was is it this very really story".split()


def reviews(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    texts = [" ".join([*rng.choice(FILLER, 4), *rng.choice(POSITIVE if label else NEGATIVE, 2)]) for label in y]
    return np.array(texts), y.astype("float32")


@pytest.fixture(scope="module")
def text_model(tmp_path_factory):
    """TextVectorization -> Embedding -> pooling -> sigmoid, trained briefly: its outputs follow the sentiment."""
    keras = models.keras()
    import tensorflow as tf

    texts, y = reviews(400)
    vectorize = keras.layers.TextVectorization(max_tokens=60, output_sequence_length=8, name="vectorize")
    vectorize.adapt(texts)
    inputs = keras.Input(shape=(1,), dtype="string", name="text")
    x = keras.layers.Embedding(60, 8, name="embed")(vectorize(inputs))
    x = keras.layers.GlobalAveragePooling1D(name="pool")(x)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid", name="sentiment")(x))
    model.compile("adam", "binary_crossentropy")
    model.fit(tf.data.Dataset.from_tensor_slices((tf.constant(texts)[:, None], y)).batch(32), epochs=15, verbose=0,
              shuffle=False)
    path = tmp_path_factory.mktemp("text") / "reviews.keras"
    model.save(path)
    return path


def diagnose(path, data=None):
    return run(diagnose_steps(path, DiagnoseOptions(data=None if data is None else str(data))))


def healthy(d):
    assert not d.collapsed, d.verdict
    assert not [f for f in d.findings if f.severity == "error"]


def test_text_from_npz_csv_txt_and_h5(text_model, tmp_path):
    texts, y = reviews(200, seed=1)
    np.savez(tmp_path / "reviews.npz", x=texts, y=y)
    with (tmp_path / "reviews.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["review", "label"])
        writer.writerows(zip(texts, y.astype(int), strict=True))
    (tmp_path / "reviews.txt").write_text("\n".join(texts) + "\n")
    with h5py.File(tmp_path / "reviews.h5", "w") as f:
        f["x"] = texts.astype(object)  # variable-length strings: h5py reads them back as bytes objects
        f["y"] = y
    for name, has_targets in (("reviews.npz", True), ("reviews.csv", True), ("reviews.txt", False),
                              ("reviews.h5", True)):
        d = diagnose(text_model, tmp_path / name)
        healthy(d)
        assert d.samples == 200, name
        assert (d.heads[0].target_stats is not None) == has_targets, name
        assert d.heads[0].class_counts and min(d.heads[0].class_counts) > 20, name  # both sentiments predicted


def test_synthetic_text_comes_from_the_models_vocabulary(text_model):
    d = diagnose(text_model)
    healthy(d)
    assert d.synthetic and any("vocabulary" in note for note in d.notes)
    assert not [f for f in d.findings if f.kind == "out_of_vocabulary"]


def test_text_the_vocabulary_does_not_know_collapses_the_model(text_model, tmp_path):
    rng = np.random.default_rng(2)
    french = "le la était très mauvais bon histoire acteur une un vraiment ennuyeux magnifique".split()
    texts = np.array([" ".join(rng.choice(french, 6)) for _ in range(200)])
    np.savez(tmp_path / "french.npz", x=texts, y=rng.integers(0, 2, 200).astype("float32"))
    d = diagnose(text_model, tmp_path / "french.npz")
    assert d.collapsed, d.verdict
    assert d.blame[0].layer == "vectorize"
    finding = next(f for f in d.findings if f.kind == "out_of_vocabulary")
    assert finding.severity == "error" and finding.layer == "vectorize"
    assert finding.evidence["unknown_share"] == 1.0
    assert "vocabulary" in d.blame[0].check


def test_partly_known_text_is_a_warning_not_a_collapse(text_model, tmp_path):
    texts, y = reviews(200, seed=3)
    mixed = np.array([f"{t} inconnu jamais vu ici" for t in texts])  # 4 unknown words in 10
    np.savez(tmp_path / "mixed.npz", x=mixed, y=y)
    d = diagnose(text_model, tmp_path / "mixed.npz")
    healthy(d)
    assert not [f for f in d.findings if f.kind == "out_of_vocabulary"]  # 40 % unknown: below the warning


@pytest.mark.parametrize("content, message", [
    ("numbers", "takes text"),
    ("two_text_columns", "one text column"),
])
def test_text_data_that_does_not_fit(text_model, tmp_path, content, message):
    if content == "numbers":
        path = tmp_path / "numbers.npz"
        np.savez(path, x=np.zeros((10, 1), dtype="float32"))
    else:
        path = tmp_path / "two.csv"
        path.write_text("title,review,label\nfine,good movie,1\nmeh,bad movie,0\nok,great film,1\n")
    with pytest.raises(DataError, match=message):
        diagnose(text_model, path)
    assert main(["diagnose", str(text_model), "--data", str(path), "--json", str(tmp_path / "out.json")]) == 2


def test_corpus_text_vectorizer_runs_on_synthetic_text(tmp_path):
    """Unbuilt (no input), string input, vocabulary only in the archive's assets."""
    path = corpus_file(CORPUS_REAL, "text-vectorizer-assets-k3.keras")
    d = run(diagnose_steps(path, DiagnoseOptions(synthetic_samples=64)))
    assert d.synthetic and d.heads[0].name == "text_vectorization"
    assert not d.collapsed and not d.left_out
    assert main(["diagnose", str(path), "--json", str(tmp_path / "out.json")]) == 0


def test_token_id_conventions():
    assert token_counter("TextVectorization", {"output_mode": "int"}).unknown_ids == (1,)
    assert token_counter("TextVectorization", {"output_mode": "tf_idf"}) is None
    no_mask = token_counter("StringLookup", {"num_oov_indices": 1, "mask_token": None})
    assert (no_mask.padding_ids, no_mask.unknown_ids) == ((), (0,))
    masked = token_counter("StringLookup", {"num_oov_indices": 2, "mask_token": ""})
    assert (masked.padding_ids, masked.unknown_ids) == ((0,), (1, 2))
    counter = token_counter("TextVectorization", {})
    counter.add(np.array([[2, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0]]))
    summary = counter.summary()
    assert summary["unknown_share"] == 3 / 4 and summary["samples_without_known_token"] == 2


def test_text_arrays_become_unicode():
    assert as_model_array(np.array([b"caf\xc3\xa9", b"x"], dtype=object)).tolist() == ["café", "x"]
    assert as_model_array(np.array(["a", "b"])).dtype.kind == "U"
    assert as_model_array(np.array([1, 2])).dtype == np.float32


def test_legacy_h5_keeps_no_vocabulary_and_says_so(text_model, tmp_path, capsys):
    import keras

    path = tmp_path / "reviews.h5"
    keras.saving.load_model(text_model).save(path)
    inspection = inspect_model(path)
    assert [(f.kind, f.layer) for f in inspection.findings if f.kind == "missing_vocabulary"] == [
        ("missing_vocabulary", "vectorize")]
    np.savez(tmp_path / "reviews.npz", x=reviews(20)[0])
    assert main(["diagnose", str(path), "--data", str(tmp_path / "reviews.npz"),
                 "--json", str(tmp_path / "out.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no vocabulary" in err[0] and ".keras" in err[0]


def test_each_text_input_gets_its_own_vocabulary(tmp_path):
    """Two text inputs with disjoint vocabularies: synthetic text drawn from the wrong one would be all unknown."""
    keras = models.keras()
    inputs, pooled = [], []
    for name, words in (("title", POSITIVE), ("body", NEGATIVE)):
        vectorize = keras.layers.TextVectorization(output_sequence_length=4, name=f"{name}_vectorize")
        vectorize.adapt(np.array([" ".join(words)]))
        text = keras.Input(shape=(1,), dtype="string", name=name)
        embedded = keras.layers.Embedding(vectorize.vocabulary_size(), 4, name=f"{name}_embed")(vectorize(text))
        inputs.append(text)
        pooled.append(keras.layers.GlobalAveragePooling1D(name=f"{name}_pool")(embedded))
    joined = keras.layers.Concatenate(name="join")(pooled)
    model = keras.Model(inputs, keras.layers.Dense(1, name="score")(joined))
    path = tmp_path / "two_texts.keras"
    model.save(path)
    d = diagnose(path)
    assert d.synthetic and not d.collapsed, d.verdict
    assert not [f for f in d.findings if f.kind == "out_of_vocabulary"]
