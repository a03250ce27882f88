"""The `keras-inspector` command. Each subcommand imports what it needs when it runs, so `inspect` never
loads TensorFlow and `--help` is instant.

Exit codes: 0 the work ran (whatever it found), 2 bad input (one line on stderr), 1 a bug (traceback).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence

from inspector import __version__
from inspector.core.deadline import BASE_SECONDS, SECONDS_ENV, SECONDS_PER_GB, supervise
from inspector.errors import InspectorError
from inspector.report.graph_model import METRICS

COLOUR_BY = [k for k, m in METRICS.items() if m.needs != "comparison"]  # what a diagnosis' report can be filled by

COMMANDS = ("inspect", "diagnose", "diff", "timeline", "gui", "demo", "-h", "--help", "--version")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keras-inspector",
        description="Find out why a Keras model predicts the same value for everything.",
        epilog=f"A model or data file whose reading does not finish within {BASE_SECONDS:.0f} s (plus "
               f"{SECONDS_PER_GB:.0f} s per GB) is corrupt or hostile: the read is ended and the command exits with "
               f"code 2. {SECONDS_ENV} sets the {BASE_SECONDS:.0f} s.",
    )
    parser.add_argument("--version", action="version", version=f"keras-inspector {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("inspect", help="structure, weight statistics and data-free flags (no TensorFlow)")
    p.add_argument("model", help=".keras or .h5 file")
    p.add_argument("--json", metavar="OUT", help="write the full result as JSON ('-' for standard output)")
    p.add_argument("--trust-code", action="store_true",
                   help="also decode (never run) the bytecode of Lambda layers to show what it refers to; "
                        "decoding untrusted bytecode can crash Python, so only for files you trust")
    p.set_defaults(run=_run_inspect)

    p = sub.add_parser("diagnose", help="run data through the model: is it collapsed, where, and why")
    p.add_argument("model", help=".keras or .h5 file")
    p.add_argument("--data", metavar="D", help=".npz, .npy, .csv, .h5 or a folder of images (default: synthetic)")
    p.add_argument("--batch-size", type=int, metavar="N", help="samples per batch (default: from the layer sizes)")
    p.add_argument("--max-samples", type=int, metavar="N", help="use at most N samples of the data")
    p.add_argument("--seed", type=int, default=0, help="seed for synthetic inputs (default 0)")
    p.add_argument("--target-columns", type=int, metavar="N", help="CSV: the last N columns are targets")
    p.add_argument("--trust-code", action="store_true",
                   help="allow building Lambda layers and custom objects stored in the file (runs their code)")
    _output_arguments(p, "the diagnosis", "the diagnosis report")
    p.add_argument("--colour-by", choices=COLOUR_BY, default="blame",
                   help="what the report's graph nodes are filled by (default: blame)")
    p.set_defaults(run=_run_diagnose)

    p = sub.add_parser("diff", help="two checkpoints side by side: weight changes, and with --data where B's "
                                    "signal departs from A's")
    p.add_argument("model_a", help="the checkpoint that worked (.keras or .h5)")
    p.add_argument("model_b", help="the checkpoint to compare with it")
    p.add_argument("--data", metavar="D", help="run both on this dataset (without it, no TensorFlow is needed)")
    p.add_argument("--max-samples", type=int, metavar="N", help="use at most N samples of the data")
    _output_arguments(p, "the comparison", "the comparison, one page,")
    p.set_defaults(run=_run_diff)

    p = sub.add_parser("timeline", help="a training log of CollapseMonitor: per epoch, each head's and layer's "
                                        "spread, and when the collapse began (no TensorFlow)")
    p.add_argument("log", help="the log file CollapseMonitor wrote")
    _output_arguments(p, "the timeline", "the spread-over-epochs plots")
    p.set_defaults(run=_run_timeline)

    p = sub.add_parser("gui", help="open the window (the default command)")
    _gui_arguments(p)
    p.set_defaults(run=_run_gui)

    p = sub.add_parser("demo", help="open the window on the bundled collapsed demo model, diagnosed")
    p.add_argument("--screenshot", metavar="OUT.png", help="save a picture of the window once diagnosed, then exit")
    p.add_argument("--headless", action="store_true", help="print the diagnosis instead of opening the window")
    p.set_defaults(run=_run_demo)
    return parser


def _output_arguments(p: argparse.ArgumentParser, what: str, picture: str) -> None:
    """--json and --png, as every command that measures takes them (written by _emit)."""
    p.add_argument("--json", metavar="OUT", help=f"write {what} as JSON ('-' for standard output)")
    p.add_argument("--png", metavar="OUT", help=f"write {picture} as a PNG picture")


def _gui_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", nargs="?", help=".keras or .h5 file to open")
    p.add_argument("--data", metavar="D", help="dataset to diagnose the model with once it is open")
    p.add_argument("--screenshot", metavar="OUT.png",
                   help="wait for the diagnosis, select the most-blamed layer, save a picture of the window, exit")


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args_list or (args_list[0] not in COMMANDS and not args_list[0].startswith("-")):
        args_list = ["gui", *args_list]  # `keras-inspector [MODEL]` opens the window
    args = parser.parse_args(args_list)
    run: Callable[[argparse.Namespace], int] | None = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 0
    if argv is None and (args.command in ("inspect", "diagnose", "diff") or getattr(args, "headless", False)):
        # Run as the program: the work runs in a forked child and this process only enforces the time limit on
        # reading the user's files (core.deadline), which HDF5 looping in C cannot escape. The window has its
        # own child processes; main(argv) called from Python (tests, scripts) runs in place, unsupervised.
        return supervise(lambda: _run(run, args))
    return _run(run, args)


def _run(run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return run(args)
    except InspectorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception:
        traceback.print_exc()
        print("keras-inspector hit a bug; please report it with the traceback above", file=sys.stderr)
        return 1


def _run_inspect(args: argparse.Namespace) -> int:
    from inspector.core.inspection import inspect_model

    if args.json and args.json != "-":
        from inspector.output import check_output_path

        check_output_path(args.json, [args.model])
    inspection = inspect_model(args.model, trust_code=getattr(args, "trust_code", False))
    if args.json:
        from inspector.report.json_out import inspection_to_dict

        _write_json(args.json, inspection_to_dict(inspection))
    else:
        from inspector.report.text_out import inspection_text

        sys.stdout.write(inspection_text(inspection))
    return 0


def _run_diagnose(args: argparse.Namespace) -> int:
    _check_outputs(args, [args.model, args.data or ""])
    for flag in ("batch_size", "max_samples"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise InspectorError(f"--{flag.replace('_', '-')} must be at least 1")
    from inspector.analysis.diagnose import DiagnoseOptions, diagnose_steps

    options = DiagnoseOptions(data=args.data, batch_size=args.batch_size, max_samples=args.max_samples,
                              seed=args.seed, trust_code=args.trust_code, target_columns=args.target_columns)
    diagnosis = _with_progress(diagnose_steps(args.model, options))
    from inspector.report.json_out import diagnosis_to_dict
    from inspector.report.text_out import diagnosis_text

    return _emit(args, diagnosis, diagnosis_to_dict, lambda d: _diagnosis_png(d, args.colour_by), diagnosis_text)


def _run_diff(args: argparse.Namespace) -> int:
    _check_outputs(args, [args.model_a, args.model_b, args.data or ""])
    from inspector.analysis.checkpoint_diff import diff_steps  # TensorFlow is loaded only to run --data
    from inspector.report.diff_out import diff_text, diff_to_dict

    result = _with_progress(diff_steps(args.model_a, args.model_b, args.data, args.max_samples))
    return _emit(args, result, diff_to_dict, _diff_png, diff_text)


def _run_timeline(args: argparse.Namespace) -> int:
    _check_outputs(args, [args.log])
    from inspector.training_log import read_log, timeline_text, timeline_to_dict

    return _emit(args, read_log(args.log), timeline_to_dict, _timeline_png, timeline_text)


def _check_outputs(args: argparse.Namespace, inputs: list[str]) -> None:
    from inspector.output import check_output_path

    for out in (args.json, args.png):
        if out and out != "-":
            check_output_path(out, inputs)


def _emit(args: argparse.Namespace, result: object, to_dict: Callable, png: Callable, text: Callable) -> int:
    """What every command that measures writes: --json (or '-'), --png, then the text on standard output unless
    the JSON went there."""
    if args.json:
        _write_json(args.json, to_dict(result))
    if args.png:
        from inspector.output import write_atomic

        write_atomic(args.png, png(result))
    if args.json != "-":
        sys.stdout.write(text(result))
    return 0


# The painters import Qt: only when a PNG is asked for.
def _diagnosis_png(diagnosis: object, colour_by: str = "blame") -> bytes:
    from inspector.report.render import render_png

    return render_png(diagnosis, colour_by)


def _diff_png(result: object) -> bytes:
    from inspector.report.diff_render import render_diff_png

    return render_diff_png(result)


def _timeline_png(timeline: object) -> bytes:
    from inspector.report.timeline_render import render_timeline_png

    return render_timeline_png(timeline)  # type: ignore[arg-type]


def _write_json(target: str, document: dict) -> None:
    """`--json OUT`: standard output for '-', else an atomic write (never over an input, checked earlier)."""
    from inspector.output import write_atomic
    from inspector.report.json_out import dumps

    text = dumps(document) + "\n"
    if target == "-":
        sys.stdout.write(text)
    else:
        write_atomic(target, text.encode())


def _with_progress(steps):  # noqa: ANN001, ANN202 - a generator of Progress returning the result
    """Drive a generator, drawing its progress on stderr when that is a terminal (or KERAS_INSPECTOR_PROGRESS=1)."""
    import os

    from inspector.progress import run

    if not (sys.stderr.isatty() or os.environ.get("KERAS_INSPECTOR_PROGRESS") == "1"):
        return run(steps)
    last = ""

    def draw(progress) -> None:  # noqa: ANN001
        nonlocal last
        line = _bar(progress)
        sys.stderr.write("\r" + line.ljust(len(last)))
        sys.stderr.flush()
        last = line

    result = run(steps, draw)
    if last:
        sys.stderr.write("\r" + " " * len(last) + "\r")
    return result


def _bar(progress) -> str:  # noqa: ANN001
    fraction = progress.fraction
    if fraction is None:
        return f"{progress.stage}..."
    filled = int(fraction * 30)
    return f"{progress.stage} [{'#' * filled}{'.' * (30 - filled)}] {progress.done}/{progress.total}"


def _run_gui(args: argparse.Namespace) -> int:
    if args.screenshot:
        from inspector.output import check_output_path

        check_output_path(args.screenshot, [args.model or "", args.data or ""])
    if args.model:
        from inspector.core.sniff import sniff

        sniff(args.model)  # a missing or foreign file is a one-line error before any window opens
    from inspector.ui.app import main_gui

    return main_gui(args.model, args.data, args.screenshot, diagnose=bool(args.data))


def _run_demo(args: argparse.Namespace) -> int:
    from inspector.resources import demo_paths

    model, data = demo_paths()
    if args.headless:
        return _run_diagnose(build_parser().parse_args(["diagnose", str(model), "--data", str(data)]))
    return _run_gui(argparse.Namespace(model=str(model), data=str(data), screenshot=args.screenshot))
