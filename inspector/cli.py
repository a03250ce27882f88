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
from inspector.errors import InspectorError

COMMANDS = ("inspect", "diagnose", "gui", "demo")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keras-inspector",
        description="Find out why a Keras model predicts the same value for everything.",
    )
    parser.add_argument("--version", action="version", version=f"keras-inspector {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("inspect", help="structure, weight statistics and data-free flags (no TensorFlow)")
    p.add_argument("model", help=".keras or .h5 file")
    p.add_argument("--json", metavar="OUT", help="write the full result as JSON ('-' for standard output)")
    p.set_defaults(run=_run_inspect)

    p = sub.add_parser("demo", help="inspect the bundled collapsed demo model")
    p.set_defaults(run=_run_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(args_list)
    run: Callable[[argparse.Namespace], int] | None = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 0
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
    inspection = inspect_model(args.model)
    if args.json:
        from inspector.report.json_out import dumps, inspection_to_dict

        text = dumps(inspection_to_dict(inspection))
        if args.json == "-":
            sys.stdout.write(text + "\n")
        else:
            from inspector.output import write_atomic

            write_atomic(args.json, (text + "\n").encode())
    else:
        from inspector.report.text_out import inspection_text

        sys.stdout.write(inspection_text(inspection))
    return 0


def _run_demo(args: argparse.Namespace) -> int:
    from inspector.resources import demo_paths

    model, _data = demo_paths()
    return _run_inspect(argparse.Namespace(model=str(model), json=None))
