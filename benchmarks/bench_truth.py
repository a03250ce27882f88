"""Diagnosis truth on the labelled bug zoo: builds the missing zoo cases, runs `keras-inspector diagnose` as a fresh
process per case (TensorFlow's import included in the time) and scores it against the case's measured label.

Prints a row per case, the summary (detect, top-1, top-3, cause recall, false alarms, output-fault warnings,
crashes, refused, seconds) beside the "always blame the output layer" baseline, and a breakdown per pattern, so a
change that helps one pattern and breaks another shows. With 2 cores, `--jobs 2` makes the seconds pessimistic.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ENV, PY  # noqa: E402
from zoo.build import DEFAULT_OUT, build  # noqa: E402
from zoo.score import CaseResult, Summary, by_pattern, score, summarise  # noqa: E402

TIMEOUT = 60


def diagnose_command() -> list[str]:
    exe = shutil.which("keras-inspector", path=str(Path(PY).parent)) or shutil.which("keras-inspector")
    return [exe] if exe else [PY, "-m", "inspector"]


def run_case(folder: Path, timeout: float) -> CaseResult:
    label = json.loads((folder / "label.json").read_text())
    model = next(p for p in (folder / "model.keras", folder / "model.h5") if p.exists())
    out = folder / "diagnosis.json"
    out.unlink(missing_ok=True)
    argv = [*diagnose_command(), "diagnose", str(model), "--data", str(folder / "data.npz"), "--json", str(out)]
    start = time.perf_counter()
    try:
        proc = subprocess.run(argv, env=ENV, capture_output=True, text=True, timeout=timeout)
        code: int | None = proc.returncode
        stderr = proc.stderr
    except subprocess.TimeoutExpired as exc:
        code, stderr = None, (exc.stderr or b"").decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
    seconds = time.perf_counter() - start
    (folder / "diagnose.stderr").write_text(stderr or "")
    diagnosis = None
    if code == 0 and out.exists():
        try:
            diagnosis = json.loads(out.read_text())
        except json.JSONDecodeError:
            diagnosis = None
    return score(label, diagnosis, code, seconds, "Traceback (most recent call last)" in (stderr or ""))


def mark(value: bool | None) -> str:
    return "-" if value is None else "ok" if value else "NO"


def fraction(pair: tuple[int, int]) -> str:
    hit, total = pair
    return f"{hit}/{total} = {hit / total:.2f}" if total else "n/a"


def print_table(results: list[CaseResult]) -> None:
    print(f"{'case':42} {'state':9} {'expected':24} {'top-3 blamed':40} det top1 top3 cause  secs exit")
    for r in results:
        state = "collapsed" if r.collapsed else "nearly" if r.nearly else "healthy" if r.healthy else "fault"
        expected = ",".join(r.expected) if len(r.expected) <= 3 else f"{r.expected[0]}..({len(r.expected)})"
        blamed = ",".join(r.blamed[:3]) or "(none)"
        extra = f" false alarm: {r.false_alarm_why}" if r.false_alarm else ""
        extra += "" if r.warning_ok is None else f" warning {mark(r.warning_ok)}"
        exit_code = "T/O" if r.exit_code is None else str(r.exit_code)
        print(f"{r.name:42} {state:9} {expected[:24]:24} {blamed[:40]:40} {mark(r.detect_ok):3} "
              f"{mark(r.top1_ok):4} {mark(r.top3_ok):4} {mark(r.cause_ok):5} {r.seconds:5.1f} {exit_code:>4}{extra}")


def print_summary(s: Summary, jobs: int) -> None:
    print(f"\ncases {s.cases}, jobs {jobs} (seconds with 2 jobs on 2 cores are pessimistic)")
    print(f"  detect (collapsed vs not)  {fraction(s.detect)}")
    print(f"  top-1 (collapsed cases)    {fraction(s.top1):16}   baseline 'output layer': {fraction(s.baseline_top1)}")
    print(f"  top-3 (collapsed cases)    {fraction(s.top3)}")
    print(f"  cause recall (bug cases)   {fraction(s.cause)}")
    print(f"  false alarms (healthy)     {fraction(s.false_alarms)}")
    print(f"  output-fault warnings      {fraction(s.warnings)}")
    print(f"  crashes                    {len(s.crashes)} {' '.join(s.crashes)}")
    print(f"  refused (exit 2)           {len(s.refused)} {' '.join(s.refused)}")
    print(f"  seconds per case           mean {s.mean_seconds:.1f}, max {s.max_seconds:.1f} (jobs {jobs})")


def print_patterns(groups: dict[str, Summary]) -> None:
    print(f"\n{'pattern':26} {'n':>3} {'detect':>7} {'top-1':>7} {'base-1':>7} {'top-3':>7} {'cause':>7} "
          f"{'f.alarm':>7} crash")
    for pattern, s in groups.items():
        cells = [fraction(v).split(" = ")[0] for v in (s.detect, s.top1, s.baseline_top1, s.top3, s.cause,
                                                        s.false_alarms)]
        print(f"{pattern:26} {s.cases:3} " + " ".join(f"{c:>7}" for c in cells) + f" {len(s.crashes):5}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--zoo", type=Path, default=DEFAULT_OUT, help="zoo cache folder (default %(default)s)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these cases")
    parser.add_argument("--jobs", type=int, default=2, help="cases built and diagnosed at once (default 2)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds per diagnosis (default 60)")
    parser.add_argument("--json", type=Path, help="write every case's result and the summary here")
    args = parser.parse_args(argv)
    outcomes = build(args.only, args.zoo, args.jobs, echo=True)
    failed = [o.name for o in outcomes if o.status == "failed"]
    if failed:
        print(f"not built (left out): {' '.join(failed)}", file=sys.stderr)
    names = [o.name for o in outcomes if o.status != "failed"]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda n: run_case(args.zoo / n, args.timeout), names))
    print_table(results)
    summary = summarise(results)
    print_summary(summary, args.jobs)
    print_patterns(by_pattern(results))
    if args.json:
        args.json.write_text(json.dumps({"jobs": args.jobs, "summary": asdict(summary),
                                         "cases": [asdict(r) for r in results]}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
