"""How long the PNG report takes for a ~1,000-layer model, and how big it is.

    python benchmarks/bench_report.py [--keep DIR]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_window import build  # noqa: E402
from common import workspace  # noqa: E402


def main() -> None:
    folder = workspace(__file__, __doc__, build, ["branching-1000.keras", "branching-data.npz"])
    from inspector.analysis.diagnose import DiagnoseOptions, diagnose_steps
    from inspector.progress import run
    from inspector.report.render import render_png

    d = run(diagnose_steps(folder / "branching-1000.keras", DiagnoseOptions(data=str(folder / "branching-data.npz"),
                                                                             max_samples=500)))
    start = time.perf_counter()
    png = render_png(d)
    elapsed = time.perf_counter() - start
    out = folder / "report-1000.png"
    out.write_bytes(png)
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    print(f"report of a {len(d.info.layers)}-layer model: rendered in {elapsed:.2f} s, "
          f"{image.width()}x{image.height()} px, {len(png) / 1e6:.1f} MB -> {out}")


if __name__ == "__main__":
    main()
