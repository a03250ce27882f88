"""A fixed-seed slice of the fuzzer (benchmarks/fuzz.py; the benchmark runs 10,000 cases): mutated corpus models
and mutated datasets all open or end in a one-line error within the read time limit, and none crashes."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import CORPUS_REAL, ROOT, corpus_file


def test_fuzz_slice_has_no_crash_and_no_hang(tmp_path):
    corpus_file(CORPUS_REAL, "btc-gru-k3.keras")  # skips without the shared corpus
    out = tmp_path / "failures"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "fuzz.py"), "--n", "2500", "--seed", "0",
                           "--limit", "3", "--out", str(out)], capture_output=True, text=True, timeout=900)
    summary = [line for line in proc.stdout.splitlines() if line.startswith("N ")]
    assert proc.returncode == 0, proc.stdout + "".join(p.read_text() for p in out.glob("*.txt"))
    assert summary and "crashes 0  over-time 0" in summary[0]
    assert not out.exists() or not any(out.iterdir())
