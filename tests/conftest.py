"""Shared test setup. Qt runs offscreen; TensorFlow is quiet; the shared corpus is found beside the checkout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
# TF 2.21's oneDNN conv2d_backprop_filter crashes on the corpus' mini-Xception even in a plain Keras script;
# tf_backend turns it off before importing TensorFlow, and the tests import Keras earlier, so here too.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS_REAL = SHARED / "corpus" / "real"
CORPUS_COLLAPSED = SHARED / "corpus" / "collapsed-real"


@pytest.fixture(scope="session", autouse=True)
def isolated_settings(tmp_path_factory):
    """Every window of the run, in this process or a child one, keeps its settings (Open Recent) in a
    temporary file, never in the user's own (read by inspector.ui.main_window.default_settings)."""
    path = tmp_path_factory.mktemp("settings") / "keras-inspector.ini"
    os.environ["KERAS_INSPECTOR_SETTINGS"] = str(path)
    return path


def corpus_file(folder: Path, name: str) -> Path:
    path = folder / name
    if not folder.is_dir():
        pytest.skip(f"the shared corpus is not beside this checkout ({folder} is absent)")
    assert path.exists(), f"corpus file {name} listed in the MANIFEST is missing"
    return path


def corpus_files(folder: Path) -> list[str]:
    """File names of a corpus folder, or a single placeholder that skips when the folder is absent."""
    if not folder.is_dir():
        return ["<corpus absent>"]
    return sorted(p.name for p in folder.iterdir() if p.suffix in (".h5", ".hdf5", ".keras"))
