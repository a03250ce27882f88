"""Run a notebook's code cells the way a kernel does, headless, without a Jupyter stack: one namespace, the
value of each cell's last expression 'displayed' through the rich repr a notebook front end asks for first
(`_repr_html_`, then `_repr_png_`). Prints one JSON line per displayed value: what a front end would have got."""

from __future__ import annotations

import ast
import json
import sys


def run(path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        notebook = json.load(fh)
    namespace: dict = {"__name__": "__main__"}
    for index, cell in enumerate(c for c in notebook["cells"] if c["cell_type"] == "code"):
        tree = ast.parse("".join(cell["source"]), filename=f"<cell {index}>")
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, f"<cell {index}>", "exec"), namespace)
        if last is None:
            continue
        value = eval(compile(ast.Expression(last.value), f"<cell {index}>", "eval"), namespace)
        shown = {"cell": index, "repr": repr(value)}
        for method in ("_repr_html_", "_repr_png_"):
            if hasattr(value, method):
                data = getattr(value, method)()
                shown[method] = len(data) if data else 0
                shown["png_signature"] = shown.get("png_signature") or (
                    method == "_repr_png_" and data[:8] == b"\x89PNG\r\n\x1a\n")
        print(json.dumps(shown), flush=True)


if __name__ == "__main__":
    run(sys.argv[1])
