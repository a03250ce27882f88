"""Every read of a user's file ends within its time limit: a file that keeps the reading library looping in C
ends as the one-line error, exit code 2, with no process left, on the CLI and in the window's child process."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest

from inspector.core.deadline import SECONDS_ENV, Watch, limit_seconds, reading, report_to
from inspector.errors import ReadTimeoutError
from tests.conftest import ROOT, SHARED

HOSTILE = SHARED / "corpus" / "hostile"
ENV = {**os.environ, SECONDS_ENV: "2", "PYTHONPATH": str(ROOT)}


def _run(argv: list[str]) -> tuple[int, str]:
    """Exit code and standard error of a command run in a session of its own; then nothing of that session may
    be left running (a killed reader, or a supervisor that forgot its child, would still be there)."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV, cwd=ROOT,
                            start_new_session=True)
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)
    return proc.returncode, err


def _hostile(name: str) -> Path:
    path = HOSTILE / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path


CASES = Path(__file__).resolve().parent / "cases"


@pytest.mark.parametrize("path", [HOSTILE / "hdf5-attribute-loop.h5", CASES / "h5-loop-hgq-jet.h5"],
                         ids=lambda p: p.name)
def test_files_that_make_hdf5_loop_end_in_exit_2(path):
    if not path.exists():
        pytest.skip(f"{path} is absent")
    code, err = _run([sys.executable, "-m", "inspector", "inspect", str(path)])
    assert code == 2
    assert err.strip().splitlines() == [f"error: reading {path} did not finish in 2 s: the file is corrupt or hostile"]


def test_the_corrupt_datatype_example_is_one_line():
    path = _hostile("hdf5-corrupt-datatype.keras")
    code, err = _run([sys.executable, "-m", "inspector", "inspect", str(path)])
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: ") and "damaged" in lines[0]


SPIN = "from tests.robustness.spin import spin; from inspector.core.deadline import supervise; "


def test_any_read_looping_in_c_is_ended_by_the_supervisor():
    """The class, not the example: whatever keeps a marked read in C without returning is ended at the limit."""
    code, err = _run([sys.executable, "-c", SPIN + "raise SystemExit(supervise(lambda: spin('model.h5') or 0))"])
    assert code == 2
    assert err.strip() == "error: reading model.h5 did not finish in 2 s: the file is corrupt or hostile"


def test_a_reader_killed_inside_a_read_is_one_line_and_exit_2():
    code, err = _run([sys.executable, "-c", "from tests.robustness.spin import crash; "
                      "from inspector.core.deadline import supervise; "
                      "raise SystemExit(supervise(lambda: crash('model.h5') or 0))"])
    assert code == 2
    assert err.strip() == "error: reading model.h5 crashed the reader (SIGSEGV): the file is corrupt or hostile"


def test_a_supervised_child_keeps_its_exit_code_and_output():
    code, err = _run([sys.executable, "-c", "import sys; from inspector.core.deadline import supervise; "
                      "raise SystemExit(supervise(lambda: print('fine', file=sys.stderr) or 3))"])
    assert (code, err) == (3, "fine\n")


def test_a_pipe_named_like_a_model_is_refused_not_read(tmp_path):
    pipe = tmp_path / "model.h5"
    os.mkfifo(pipe)
    code, err = _run([sys.executable, "-m", "inspector", "inspect", str(pipe)])
    assert code == 2
    assert "not a regular file" in err


def test_the_window_child_is_ended_and_the_error_is_one_line():
    from inspector.analysis.remote import run_in_child
    from inspector.progress import run
    from tests.robustness.spin import spin_steps

    os.environ[SECONDS_ENV] = "2"
    try:
        with pytest.raises(ReadTimeoutError, match=r"^reading weights\.h5 did not finish in 2 s: the file is "):
            run(run_in_child(spin_steps, "weights.h5"))
    finally:
        del os.environ[SECONDS_ENV]
    assert multiprocessing.active_children() == []


def test_the_window_child_killed_inside_a_read_is_one_line():
    from inspector.analysis.remote import run_in_child
    from inspector.errors import ReaderDiedError
    from inspector.progress import run
    from tests.robustness.spin import crash_steps

    with pytest.raises(ReaderDiedError, match=r"^reading w\.h5 crashed the reader \(SIGSEGV\): the file is corrupt"):
        run(run_in_child(crash_steps, "w.h5"))
    assert multiprocessing.active_children() == []


def test_only_the_outermost_mark_of_a_thread_is_reported():
    sent = []
    report_to(sent.append)
    try:
        with reading("a.h5", 0):
            with reading("inner"):
                pass
        with reading(lambda: "named.h5"):
            pass
    finally:
        report_to(None)
    assert [m[0] for m in sent] == ["begin", "end", "begin", "end"]
    assert (sent[0][2], sent[2][2]) == ("a.h5", "named.h5")


def test_the_watch_expires_only_open_marks_past_their_limit():
    watch = Watch()
    watch.feed(("begin", 1, "a.h5", 10.0), now=100.0)
    watch.feed(("begin", 2, "b.h5", 5.0), now=100.0)
    assert watch.expired(now=104.0) is None
    assert watch.expired(now=105.0).what == "b.h5"
    watch.feed(("end", 2))
    assert watch.expired(now=109.0) is None
    assert str(watch.expired(now=110.0).error()) == "reading a.h5 did not finish in 10 s: the file is corrupt or hostile"


def test_the_limit_grows_with_the_bytes_read(monkeypatch):
    monkeypatch.setenv(SECONDS_ENV, "20")
    assert limit_seconds() == 20
    assert limit_seconds(2 << 30) == 20 + 2 * 60
