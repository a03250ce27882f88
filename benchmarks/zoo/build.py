"""Build the zoo: train every case (or `--only NAME...`) in a child process of its own, since TensorFlow's state is
global, at most `--jobs` at a time, into `--out` (default `benchmarks/.zoo-cache/`), one folder per case holding
`model.keras` or `model.h5`, `data.npz` and `label.json`. A case whose `label.json` exists is skipped unless
`--force`. `label.json` is written last, so a half-built case is rebuilt next time."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `zoo` and `common` importable as scripts

DEFAULT_OUT = Path(__file__).resolve().parent.parent / ".zoo-cache"
CHILD_TIMEOUT = 300


@dataclass
class Outcome:
    name: str
    status: str  # "built", "cached" or "failed"
    seconds: float
    detail: str = ""


def build_one(name: str, out: Path) -> None:
    """Runs in the child: train, save, reload from the file, measure, label."""
    import numpy as np

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    from zoo.case import all_cases
    from zoo.label import make_label
    from zoo.measure import measure, output_names

    case = all_cases()[name]
    final = out / name
    work = out / f".{name}.partial"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    trained = case.program()
    trained.model.save(work / case.model_file)
    np.savez(work / "data.npz", **trained.data)
    model = keras.saving.load_model(work / case.model_file, compile=False, safe_mode=True)
    with np.load(work / "data.npz") as archive:
        data = {k: archive[k] for k in archive.files}
    buggy = case.intent.buggy
    probe = list(dict.fromkeys([*(buggy.layers if hasattr(buggy, "layers") else buggy), *case.intent.probe]))
    measured = measure(model, data, trained.tasks, probe)
    label = make_label(case, measured, output_names(model), case.fmt)
    label["measured"]["final_loss"] = {k: v[-1] for k, v in trained.history.items() if v}
    (work / "label.json").write_text(json.dumps(label, indent=1) + "\n")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(work, final)


def run_child(name: str, out: Path) -> Outcome:
    start = time.perf_counter()
    # oneDNN off, as keras-inspector's backend runs: the label and the diagnosis see the same kernels.
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "", "TF_ENABLE_ONEDNN_OPTS": "0"}
    try:
        proc = subprocess.run([sys.executable, __file__, "--child", name, "--out", str(out)], env=env,
                              capture_output=True, text=True, timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        return Outcome(name, "failed", time.perf_counter() - start, f"timed out after {CHILD_TIMEOUT} s")
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        return Outcome(name, "failed", seconds, proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "")
    return Outcome(name, "built", seconds)


def build(names: list[str] | None = None, out: Path = DEFAULT_OUT, jobs: int = 2, force: bool = False,
          echo: bool = True) -> list[Outcome]:
    """Build the missing cases (all of them with `force`); returns what happened to each."""
    from zoo.case import all_cases

    cases = all_cases()
    unknown = sorted(set(names or []) - set(cases))
    if unknown:
        raise SystemExit(f"error: unknown zoo case(s): {', '.join(unknown)}")
    selected = names or list(cases)
    out.mkdir(parents=True, exist_ok=True)
    todo = [n for n in selected if force or not (out / n / "label.json").exists()]
    outcomes = [Outcome(n, "cached", 0.0) for n in selected if n not in todo]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for outcome in pool.map(lambda n: run_child(n, out), todo):
            outcomes.append(outcome)
            if echo:
                print(f"{outcome.status:6} {outcome.name:40} {outcome.seconds:5.1f} s  {_summary(out, outcome)}",
                      flush=True)
    return outcomes


def _summary(out: Path, outcome: Outcome) -> str:
    if outcome.status != "built":
        return outcome.detail
    label = json.loads((out / outcome.name / "label.json").read_text())
    state = "collapsed" if label["collapsed"] else "nearly" if label["nearly_collapsed"] else (
        "healthy" if label["healthy"] else "fault")
    return f"{state:9} {'ok' if label['consistent'] else 'INCONSISTENT: ' + '; '.join(label['problems'])}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="cache folder (default %(default)s)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="build only these cases")
    parser.add_argument("--jobs", type=int, default=2, help="cases trained at once (default %(default)s)")
    parser.add_argument("--force", action="store_true", help="rebuild cases already built")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        build_one(args.child, args.out)
        return 0
    if args.list:
        from zoo.case import all_cases

        for c in all_cases().values():
            print(f"{c.name:40} {c.pattern:28} {c.intent.outcome:9} {c.fmt}")
        return 0
    outcomes = build(args.only, args.out, args.jobs, args.force)
    failed = [o for o in outcomes if o.status == "failed"]
    print(f"{len(outcomes)} cases: {sum(o.status == 'built' for o in outcomes)} built, "
          f"{sum(o.status == 'cached' for o in outcomes)} cached, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
