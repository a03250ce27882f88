"""The window's warm analysis process (analysis.worker.WarmWorker): kept between jobs, replaced when a job is
cancelled or a read outlives its limit, ended by `close` and by the death of its parent."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from inspector.analysis.diagnose import DiagnoseOptions
from inspector.analysis.remote import (
    AnalysisCrashed,
    WarmWorker,
    diagnose_in_child,
    open_in_child,
    run_in_child,
)
from inspector.analysis.worker import PROCESS_NAME, _dumps, _loads
from inspector.core.deadline import SECONDS_ENV
from inspector.errors import DataError, ReaderDiedError, ReadTimeoutError
from inspector.progress import Cancelled, Progress, run
from tests.analysis.test_remote import saved  # noqa: F401 - the module's fixture: m.keras and d.npz
from tests.conftest import ROOT
from tests.robustness.spin import crash_steps, spin_steps


def living() -> list[multiprocessing.Process]:
    return [p for p in multiprocessing.active_children() if p.name == PROCESS_NAME and p.is_alive()]


def wait_until(condition, seconds: float = 30.0) -> bool:  # noqa: ANN001
    """Poll `condition` until it holds or `seconds` pass (a bound on waiting, not a timed assertion)."""
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def failing_steps(kind: str):  # noqa: ANN201 - the child-process target of a job that fails
    yield Progress("about to fail")
    if kind == "user":
        raise DataError("the data does not fit")
    raise ValueError("a bug in the analysis")


@pytest.fixture
def worker():
    w = WarmWorker()
    yield w
    w.close()
    assert living() == []


def test_frames_carry_what_pickle_does():
    value = {"a": np.arange(200_000, dtype="float32"), "b": [("x\ny", i) for i in range(50_000)], "c": b"\n" * 9}
    back = _loads(_dumps(value))
    assert back["b"] == value["b"] and back["c"] == value["c"]
    np.testing.assert_array_equal(back["a"], value["a"])


def test_user_errors_and_bugs_leave_the_process_for_the_next_job(worker):
    with pytest.raises(DataError, match="does not fit"):
        run(worker.run(failing_steps, "user"))
    first = worker.pids()
    assert len(first) == 1
    with pytest.raises(AnalysisCrashed, match="a bug in the analysis"):
        run(worker.run(failing_steps, "bug"))
    assert not isinstance(AnalysisCrashed("x"), RuntimeError)  # superqt would swallow a RuntimeError
    assert worker.pids() == first


def test_a_hung_read_ends_the_process_and_a_new_one_takes_over(worker, monkeypatch, tmp_path):
    monkeypatch.setenv(SECONDS_ENV, "2")
    with pytest.raises(ReadTimeoutError, match=r"^reading weights\.h5 did not finish in 2 s"):
        run(worker.run(spin_steps, "weights.h5"))
    assert worker.pids() == []  # not warmed up: nothing replaces it until the next job
    with pytest.raises(ReaderDiedError, match=r"^reading w\.h5 crashed the reader \(SIGSEGV\)"):
        run(worker.run(crash_steps, "w.h5"))
    assert wait_until(lambda: living() == [])
    with pytest.raises(DataError):
        run(worker.run(failing_steps, "user"))  # a fresh process answers


def test_cancel_ends_the_process_and_a_warm_replacement_starts(worker):
    worker.warm_up()
    steps = worker.run(spin_steps, "weights.h5")
    next(steps)
    spinning = worker.pids()
    assert len(spinning) == 1
    steps.close()  # what Cancel does to the job's generator
    after = worker.pids()
    assert len(after) == 1 and after != spinning
    assert wait_until(lambda: worker.ready, 180)  # the replacement imports TensorFlow in the background
    with pytest.raises(DataError):
        run(worker.run(failing_steps, "user"))
    assert worker.pids() == after


def test_close_ends_a_busy_process_at_once(worker):
    steps = worker.run(spin_steps, "weights.h5")
    next(steps)
    worker.close()
    with pytest.raises(Cancelled):  # not a crash of the reader: the job was stopped
        run(steps)
    assert living() == [] and worker.pids() == []
    with pytest.raises(AnalysisCrashed, match="closing"):
        run(worker.run(failing_steps, "user"))


def test_the_process_ends_itself_when_its_window_process_dies(tmp_path):
    """Killed without a chance to clean up (SIGKILL), the parent leaves a warm process that notices and exits."""
    script = ("import os, sys, time\n"
              "from inspector.analysis.worker import WarmWorker\n"
              "w = WarmWorker(); w.warm_up(); print(w.pids()[0], flush=True); time.sleep(600)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        child = int(parent.stdout.readline())
    finally:
        parent.kill()
        parent.wait()

    def gone() -> bool:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return True
        with open(f"/proc/{child}/stat") as f:  # reparented and exited, waiting for init to reap it
            return f.read().split(")")[-1].split()[0] == "Z"

    if not os.path.exists(f"/proc/{child}") and not gone():
        pytest.skip("no /proc to look at the orphan with")
    assert wait_until(gone, 30)


def test_a_second_diagnosis_reuses_the_process_and_agrees_with_a_fresh_one(worker, saved):  # noqa: F811
    folder, path = saved
    inspection, _ = run(open_in_child(path, worker=worker))
    worker.warm_up()
    options = DiagnoseOptions(data=str(folder / "d.npz"))
    first = run(diagnose_in_child(path, options, inspection, worker))
    pids = worker.pids()
    second = run(diagnose_in_child(path, options, inspection, worker))
    assert worker.pids() == pids and len(pids) == 1
    fresh = run(run_in_child_diagnosis(path, options, inspection))
    for d in (first, second):
        assert d.inspection is inspection  # the window's own, not a copy sent back
        assert d.verdict == fresh.verdict
        assert [(e.layer, e.responsible) for e in d.blame] == [(e.layer, e.responsible) for e in fresh.blame]
        assert sorted(d.layers) == sorted(fresh.layers)


def run_in_child_diagnosis(path: str, options: DiagnoseOptions, inspection):  # noqa: ANN001, ANN201
    return diagnose_in_child(path, options, inspection)


def test_run_in_child_still_leaves_nothing_behind():
    with pytest.raises(DataError):
        run(run_in_child(failing_steps, "user"))
    assert living() == []


@pytest.mark.slow
def test_a_convolutional_model_is_diagnosed_in_a_process_warmed_up_ahead(monkeypatch):
    """TensorFlow imported ahead of the job (the warm-up) made oneDNN's convolution gradient crash the process on
    this real model, every time; the window's analysis processes run without oneDNN's kernels."""
    from tests.conftest import SHARED, corpus_file

    path = corpus_file(SHARED / "corpus" / "real", "face-emotion-mini-xception.hdf5")
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)  # the tests' own setting would hide the crash
    worker = WarmWorker()
    try:
        worker.warm_up()
        assert wait_until(lambda: worker.ready, 120)
        diagnosis = run(diagnose_in_child(str(path), DiagnoseOptions(), None, worker))
        assert diagnosis.heads and diagnosis.verdict
    finally:
        worker.close()
