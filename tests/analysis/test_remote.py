"""The window's diagnosis runs in a child process: results and user errors come back, closing stops the child."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest

from inspector.analysis.diagnose import DiagnoseOptions
from inspector.analysis.remote import diagnose_in_child
from inspector.errors import DataError
from inspector.progress import run
from tests import models

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("remote")
    k = models.keras()
    model = k.Sequential([k.Input((5,), name="x"), k.layers.Dense(4, kernel_initializer="zeros", name="z"),
                          k.layers.Dense(1, name="out")])
    path = models.save_both(model, folder, "m")["keras"]
    np.savez(folder / "d.npz", x=np.random.default_rng(0).normal(size=(64, 5)).astype("float32"))
    np.savez(folder / "bad.npz", x=np.zeros((8, 7), "float32"))
    return folder, path


def test_result_comes_back(saved):
    folder, path = saved
    d = run(diagnose_in_child(str(path), DiagnoseOptions(data=str(folder / "d.npz"))))
    assert d.collapsed and d.blame[0].layer == "z"


def test_user_errors_keep_their_kind(saved):
    folder, path = saved
    with pytest.raises(DataError, match="expects 5"):
        run(diagnose_in_child(str(path), DiagnoseOptions(data=str(folder / "bad.npz"))))


def test_closing_stops_the_child(saved):
    folder, path = saved
    steps = diagnose_in_child(str(path), DiagnoseOptions(data=str(folder / "d.npz")))
    next(steps)
    assert any(p.name == "keras-inspector-analysis" for p in multiprocessing.active_children())
    steps.close()
    assert not any(p.name == "keras-inspector-analysis" and p.is_alive() for p in multiprocessing.active_children())
